// What an agent must never see (the repository, the vault, the identity, the reference solutions, the grader's files) and the checks every folder given to a sandbox passes.

import { existsSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlatformError } from '../../src/errors.ts';

/**
 * A path kept out of the sandbox. A `secret` may not be shown at all, nor anything inside it; a `hidden` folder may
 * not be shown itself, but a folder inside it may (a workspace under the out folder, a module agent's folder inside
 * the repository). Either is masked (an empty tmpfs, or /dev/null for a file) when a folder that holds it is shown.
 */
export interface ProtectedPath {
  path: string;
  kind: 'secret' | 'hidden';
  isFile: boolean;
  /** What it is, for error messages and docs: "the vault". */
  what: string;
}

/** The project this module belongs to: harness/sandbox/ → the repository root. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The path with symlinks resolved as far as it exists (a path that does not exist yet is resolved through its parents). */
export function real(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(real(parent), abs.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  }
}

/** Whether `child` is `parent` or lies inside it. Both absolute and resolved. */
export function within(child: string, parent: string): boolean {
  if (child === parent) return true;
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Where the vault identity is by default (`~/.config/twins`) and where TWINS_VAULT_IDENTITY points. */
function identityPaths(env: NodeJS.ProcessEnv): ProtectedPath[] {
  const out: ProtectedPath[] = [
    { path: real(join(homedir(), '.config', 'twins')), kind: 'secret', isFile: false, what: 'the vault identity folder' },
  ];
  const named = env.TWINS_VAULT_IDENTITY;
  if (named) {
    const file = real(named);
    out.push({ path: file, kind: 'secret', isFile: !existsSync(file) || !statSync(file).isDirectory(), what: 'the vault identity' });
    out.push({ path: dirname(file), kind: 'hidden', isFile: false, what: "the vault identity's folder" });
  }
  return out;
}

/**
 * Everything a sandbox keeps out of sight: the repository (`repoRoot`), its vault and its tasks (the reference
 * solutions), the identity, whatever else the harness names in `hide` (its out folder, other trials), and the folders
 * it names in `secret` (every task and vault folder wherever `--tasks` and `--vault` point), which nothing may show.
 */
export function protectedPaths(opts: { repoRoot: string; hide?: string[]; secret?: string[]; env?: NodeJS.ProcessEnv }): ProtectedPath[] {
  const repo = real(opts.repoRoot);
  const list: ProtectedPath[] = [
    { path: repo, kind: 'hidden', isFile: false, what: 'the repository' },
    { path: join(repo, 'scenarios', 'vault'), kind: 'secret', isFile: false, what: 'the vault' },
    { path: join(repo, 'harness', 'tasks'), kind: 'secret', isFile: false, what: 'the tasks and their reference solutions' },
    ...identityPaths(opts.env ?? process.env),
  ];
  for (const s of opts.secret ?? []) {
    // Resolved, so a secret named through a symlink is masked where it really is: every path to it leads there.
    const path = real(s);
    list.push({
      path,
      kind: 'secret',
      isFile: existsSync(path) && !statSync(path).isDirectory(),
      what: `a folder the harness keeps secret (${path})`,
    });
  }
  for (const h of opts.hide ?? []) {
    const path = real(h);
    list.push({
      path,
      kind: 'hidden',
      isFile: existsSync(path) && !statSync(path).isDirectory(),
      what: `a folder the harness hides (${path})`,
    });
  }
  return list;
}

/**
 * Refuses to show `path` when it is a protected path, or lies inside a secret one: a person must move the workspace
 * or the module agent elsewhere. `role` names the path in the message ("the workspace").
 */
export function assertShowable(path: string, role: string, list: ProtectedPath[]): void {
  for (const p of list) {
    const bad = path === p.path || (p.kind === 'secret' && within(path, p.path));
    if (!bad) continue;
    throw new PlatformError(
      'TWINS_SANDBOX_PATH',
      `${role} ${path} ${path === p.path ? 'is' : 'lies inside'} ${p.what}, which a sandboxed agent must never see`,
      'Put workspaces and module agents in folders of their own, outside the vault, the identity folder and harness/tasks (a folder inside the repository or the out folder is fine).',
    );
  }
}

/** The protected paths strictly inside `path`: what must be masked when `path` is shown. */
export function protectedInside(path: string, list: ProtectedPath[]): ProtectedPath[] {
  return list.filter((p) => p.path !== path && within(p.path, path));
}
