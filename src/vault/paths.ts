// Where the vault, its files and the identity live, and whether a path lies inside the repository.

import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Environment variable naming the identity file; `--identity` wins over it. */
export const IDENTITY_ENV = 'TWINS_VAULT_IDENTITY';

/**
 * Environment variable holding the identity itself (the file's text), the way CI secret stores hand a
 * secret over. Used when neither `--identity` nor TWINS_VAULT_IDENTITY names a file.
 */
export const IDENTITY_DATA_ENV = 'TWINS_VAULT_IDENTITY_DATA';

/** What resolveIdentityPath returns for an identity taken from TWINS_VAULT_IDENTITY_DATA: not a file, a name for it. */
export const IDENTITY_FROM_ENV = `env:${IDENTITY_DATA_ENV}`;

// The identity's text once taken out of the environment; kept here, in this process only.
let identityData: string | undefined;

/**
 * The identity's text from TWINS_VAULT_IDENTITY_DATA, or undefined when it was never set. The first call
 * takes it out of `process.env`, so that no process started afterwards (an app, a cucumber worker, an
 * agent) inherits the secret; later calls return the copy kept in memory. Setting the variable again
 * replaces that copy.
 */
export function takeIdentityData(): string | undefined {
  const fresh = process.env[IDENTITY_DATA_ENV];
  if (fresh !== undefined) {
    delete process.env[IDENTITY_DATA_ENV];
    identityData = fresh.trim() === '' ? undefined : fresh;
  }
  return identityData;
}

/** Forget an identity taken from the environment (tests; a long-lived process that is done grading). */
export function forgetIdentityData(): void {
  identityData = undefined;
}

/** The identity's default home, outside every repository: `~/.config/twins/vault-identity.txt`. */
export function defaultIdentityPath(): string {
  // os.homedir() reads $HOME first, so tests that point HOME at a temp dir never touch the real one.
  return join(homedir(), '.config', 'twins', 'vault-identity.txt');
}

/**
 * The identity to use: `--identity` if given, else the file `$TWINS_VAULT_IDENTITY` names, else the
 * text in `$TWINS_VAULT_IDENTITY_DATA` (returned as IDENTITY_FROM_ENV, which `loadIdentity` reads from
 * memory), else the default file. Relative paths are taken from the current directory; a leading `~/`
 * is the home directory.
 *
 * @example resolveIdentityPath() // '/home/ana/.config/twins/vault-identity.txt'
 */
export function resolveIdentityPath(flag?: string): string {
  const chosen = flag || process.env[IDENTITY_ENV] || undefined;
  // Taken even when a file is named, so the secret leaves the environment of every child either way.
  const data = takeIdentityData();
  if (chosen === undefined) return data !== undefined ? IDENTITY_FROM_ENV : defaultIdentityPath();
  // The shell expands ~ on the command line but not inside an environment variable's value.
  const expanded = chosen === '~' || chosen.startsWith('~/') ? join(homedir(), chosen.slice(1)) : chosen;
  return resolve(expanded);
}

/** True when the identity was named explicitly (flag or environment), not just found at the default path. */
export function identityGiven(flag?: string): boolean {
  return Boolean(flag || process.env[IDENTITY_ENV] || takeIdentityData() !== undefined);
}

/** The vault of the project in `cwd`: `scenarios/vault`. */
export function defaultVaultDir(cwd: string = process.cwd()): string {
  return resolve(cwd, 'scenarios', 'vault');
}

/** The tasks of the project in `cwd`: `harness/tasks`, one folder per task (task.yaml, brief.md, features/, reference/). */
export function defaultTasksDir(cwd: string = process.cwd()): string {
  return resolve(cwd, 'harness', 'tasks');
}

/**
 * Where a task's public features live: in the task's own folder, `harness/tasks/<task>/features`,
 * where `twins score`, `grade` and `task validate` read them; or `<featuresDir>/<task>` when a
 * features folder is named (`--features DIR`).
 */
export function taskFeaturesDir(task: string, opts: { featuresDir?: string; cwd?: string } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  return opts.featuresDir ? join(resolve(cwd, opts.featuresDir), task) : join(defaultTasksDir(cwd), task, 'features');
}

/** Every task that has a public-features folder (or only `task`'s), with that folder, sorted by task. */
export function publicFeatureDirs(opts: { featuresDir?: string; cwd?: string; task?: string } = {}): { task: string; dir: string }[] {
  const cwd = opts.cwd ?? process.cwd();
  const parent = opts.featuresDir ? resolve(cwd, opts.featuresDir) : defaultTasksDir(cwd);
  if (!existsSync(parent)) return [];
  return readdirSync(parent, { withFileTypes: true })
    .filter((e) => e.isDirectory() && (opts.task === undefined || e.name === opts.task))
    .map((e) => ({ task: e.name, dir: taskFeaturesDir(e.name, { ...opts, cwd }) }))
    .filter((t) => existsSync(t.dir))
    .sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0));
}

/** The files of one vault, by role. */
export interface VaultPaths {
  dir: string;
  recipients: string;
  index: string;
  sealedDir: string;
  lock: string;
}

export function vaultPaths(vaultDir: string): VaultPaths {
  const dir = resolve(vaultDir);
  return {
    dir,
    recipients: join(dir, 'recipients.txt'),
    index: join(dir, 'index.json'),
    sealedDir: join(dir, 'sealed'),
    lock: join(dir, '.lock'),
  };
}

/** A holdout's sealed file, relative to the vault dir (the form the index records). */
export function sealedRelPath(id: string): string {
  return `sealed/${id}.feature.age`;
}

/** Suffix of a sealed file written by an `add` that has not finished (see docs/security.md, "Crash safety"). */
export const PENDING_SUFFIX = '.pending';

/** True when `child` is `parent` or lies beneath it. */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The root of the git work tree holding `start` (a folder that has `.git`), or undefined outside one. */
export function gitWorkTree(start: string): string | undefined {
  let dir = resolve(start);
  // The vault folder may not exist yet (before `vault init`): climb from the nearest real ancestor.
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** A path as a person reads it: relative to the current directory when beneath it, else absolute. */
export function shown(path: string, cwd: string = process.cwd()): string {
  const abs = resolve(path);
  return isInside(abs, cwd) && abs !== resolve(cwd) ? relative(cwd, abs) : abs;
}
