// `twins scenarios add`: lint feature files, stamp canaries, then write them as a task's public features or seal them into the vault.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Catalogue } from '../../scenarios/support/catalogue.ts';
import { PlatformError } from '../errors.ts';
import { fsyncDir, removeIfPresent, writeFileAtomic, writeFileDurable } from './atomic.ts';
import { CANARY_TAG, newCanary, type ParsedFeature, parseFeature, stampCanaries, unstampCanaries } from './feature.ts';
import { lossWarning, readRecipientsFile, requireRecipients } from './keys.ts';
import { type LintSource, lintFeatures, ScenarioProblems } from './lint.ts';
import { defaultVaultDir, gitWorkTree, isInside, PENDING_SUFFIX, sealedRelPath, shown, taskFeaturesDir, vaultPaths } from './paths.ts';
import { seal, sha256 } from './seal.ts';
import { readIndex, recoverVault, safeList, withVaultLock } from './store.ts';
import { type HoldoutEntry, nameHash, normaliseName, TASK_ID, writeIndexFile } from './vault-index.ts';

/** Points in a holdout add where a test can make it fail, or make the process exit, to prove the vault survives. */
export type AddStage = 'sealed' | 'indexed';

export interface AddOptions {
  /** Feature files, or folders searched for `*.feature`. */
  files: readonly string[];
  task: string;
  /** Seal into the vault instead of writing public features. */
  holdout?: boolean;
  /** Default `scenarios/vault` under `cwd`. */
  vaultDir?: string;
  /** Public features go to `<featuresDir>/<task>`; by default to the task's own `harness/tasks/<task>/features` under `cwd`. */
  featuresDir?: string;
  /** Delete each source file once it has been added. */
  removeSource?: boolean;
  /** The steps to lint against; default the shared step library (`loadCatalogue()`). */
  catalogue?: Catalogue;
  cwd?: string;
  now?: Date;
  /** Test seam: called after the sealed files are written and after the index is. */
  onStage?: (stage: AddStage) => void | Promise<void>;
}

export interface AddedFile {
  /** The source as named. */
  source: string;
  scenarios: number;
  /** Where it went: the public feature, or the sealed file. */
  file: string;
  /** Holdouts: the vault id. */
  id?: string;
  /** Public: the same scenarios were already there, so nothing was written. */
  unchanged?: boolean;
}

export interface AddResult {
  task: string;
  holdout: boolean;
  added: AddedFile[];
  /** Sources deleted by `removeSource`. */
  removed: string[];
  warnings: string[];
  /** What recovery of an earlier interrupted add did. */
  recovered: string[];
}

interface Source extends LintSource {
  path: string;
  text: string;
}

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins --help` for usage.');
}

/** The `.feature` files named by `args` (folders searched recursively, sorted), each once. */
export function expandFeatureArgs(args: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.feature')) out.push(p);
    }
  };
  for (const arg of args) {
    const abs = resolve(cwd, arg);
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      throw new PlatformError('TWINS_NO_FEATURES', `no such file: ${arg}`, 'Pass feature files, or folders that hold some.');
    }
    if (isDir) {
      const before = out.length;
      walk(abs);
      if (out.length === before)
        throw new PlatformError('TWINS_NO_FEATURES', `no .feature file in ${arg}`, 'Pass feature files, or folders that hold some.');
    } else if (!abs.endsWith('.feature')) {
      throw new PlatformError('TWINS_NO_FEATURES', `${arg} is not a .feature file`, 'Name the file NAME.feature.');
    } else out.push(abs);
  }
  return [...new Set(out)];
}

/** The task's public scenario names (normalised) → where they are, skipping `except` paths. */
function publicNames(taskDir: string, except: Set<string>, cwd: string): Map<string, { file: string; line: number }> {
  const names = new Map<string, { file: string; line: number }>();
  for (const path of featuresIn(taskDir, cwd).filter((p) => !except.has(p))) {
    let parsed: ParsedFeature;
    try {
      parsed = parseFeature(readFileSync(path, 'utf8'), path);
    } catch {
      continue;
    }
    for (const s of parsed.scenarios) {
      const key = normaliseName(s.name);
      if (!names.has(key)) names.set(key, { file: shown(path, cwd), line: s.line });
    }
  }
  return names;
}

/**
 * Stamp each scenario that has no canary yet with a fresh one not in `used` (64 random bits make a
 * repeat moot; checking is cheap). Only in-place public files keep canaries, the lint refuses others.
 */
function stampAll(sources: readonly Source[], used: Set<string>): { stamped: string; stampedCount: number }[] {
  return sources.map((s) => {
    const bare = s.parsed.scenarios.filter((sc) => !(s.inPlace && sc.canary));
    const canaries = bare.map(() => {
      let c = newCanary();
      while (used.has(c)) c = newCanary();
      used.add(c);
      return c;
    });
    return {
      stamped: stampCanaries(
        s.text,
        bare.map((sc) => sc.line),
        canaries,
      ),
      stampedCount: canaries.length,
    };
  });
}

/**
 * Add feature files to a task: parse and lint them all (nothing is written if any fails), stamp
 * each scenario with a canary tag, then write them to `features/<task>/` or, with `holdout`, seal
 * them to the vault's recipients (no identity needed) and index them.
 *
 * @example await addScenarios({ files: ['drafts/alerts.feature'], task: 'OPS-1', holdout: true })
 */
export async function addScenarios(opts: AddOptions): Promise<AddResult> {
  const cwd = opts.cwd ?? process.cwd();
  const task = opts.task;
  if (!task) throw usage('`twins scenarios add` needs --task ID: the task these scenarios belong to');
  if (!TASK_ID.test(task)) throw usage(`--task "${task}" must be letters, digits, ".", "_" or "-" (it names a folder under harness/tasks)`);
  if (opts.files.length === 0) throw usage('`twins scenarios add` needs at least one FILE');
  const vaultDir = resolve(cwd, opts.vaultDir ?? defaultVaultDir(cwd));
  const paths = expandFeatureArgs(opts.files, cwd);
  const sources: Source[] = paths.map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new PlatformError(
        'TWINS_NO_FEATURES',
        `cannot read ${shown(path, cwd)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        'Pass feature files you can read.',
      );
    }
    return { path, text, file: shown(path, cwd), parsed: parseFeature(text, path) };
  });
  const catalogue = opts.catalogue ?? (await (await import('../../scenarios/support/catalogue.ts')).loadCatalogue());
  const taskDir = taskFeaturesDir(task, { featuresDir: opts.featuresDir, cwd });
  const result: AddResult = { task, holdout: Boolean(opts.holdout), added: [], removed: [], warnings: [], recovered: [] };

  if (!opts.holdout) {
    const destinations = sources.map((s) => join(taskDir, basename(s.path)));
    // A feature already in the task's folder, named again after an edit, is stamped where it lies.
    for (const [i, s] of sources.entries()) s.inPlace = resolve(s.path) === destinations[i];
    const clash = destinations.find((d, i) => destinations.indexOf(d) !== i);
    if (clash)
      throw new PlatformError(
        'TWINS_SCENARIO_EXISTS',
        `two of the files given are named ${basename(clash)}; a task's public features need distinct names`,
        'Rename one of them.',
      );
    const problems = lintFeatures(sources, {
      catalogue,
      task,
      publicNames: publicNames(taskDir, new Set(destinations), cwd),
      holdoutNameHashes: holdoutHashes(vaultDir, task),
    });
    if (problems.length > 0) throw new ScenarioProblems(problems);
    // Decide everything before writing anything, so a refusal leaves the folder as it was.
    const plan = sources.map((s, i) => {
      const dest = destinations[i];
      const sameFile = Boolean(s.inPlace);
      const existing = !sameFile && existsSync(dest) ? readFileSync(dest, 'utf8') : undefined;
      if (existing !== undefined && unstampCanaries(existing) !== s.text)
        throw new PlatformError(
          'TWINS_SCENARIO_EXISTS',
          `${shown(dest, cwd)} already exists with different scenarios; ${s.file} was not added`,
          'Rename your file, or edit the existing one in place and name that file to stamp any new scenarios.',
        );
      return { source: s, dest, unchanged: existing !== undefined, sameFile };
    });
    const used = existingCanaries(taskDir, cwd);
    const stamped = plan.map((p) => (p.unchanged ? undefined : stampAll([p.source], used)[0]));
    // An in-place file whose scenarios all have canaries already needs no write.
    for (const [i, p] of plan.entries()) if (p.sameFile && stamped[i]?.stampedCount === 0) p.unchanged = true;
    const written: string[] = [];
    try {
      mkdirSync(taskDir, { recursive: true });
      for (const [i, p] of plan.entries()) {
        const st = stamped[i];
        if (p.unchanged || !st) continue;
        writeFileAtomic(p.dest, st.stamped);
        if (!p.sameFile) written.push(p.dest);
      }
    } catch (err) {
      for (const w of written) removeIfPresent(w);
      throw writeFailed(err, shown(taskDir, cwd));
    }
    for (const p of plan)
      result.added.push({
        source: p.source.file,
        scenarios: p.source.parsed.scenarios.length,
        file: shown(p.dest, cwd),
        unchanged: p.unchanged || undefined,
      });
    if (opts.removeSource) for (const p of plan) if (!p.sameFile) removeSource(p.source, result);
    return result;
  }

  const vp = vaultPaths(vaultDir);
  // Only the public recipients: whoever adds a holdout never needs (nor gets) the identity.
  const recipients = requireRecipients(vp.recipients);
  // Said before sealing, so it shows even if the add fails later; a demo vault's identity cannot be lost.
  const lost = readRecipientsFile(vp.recipients)?.demo
    ? undefined
    : lossWarning(`the holdout${sources.length === 1 ? '' : 's'} this adds`, recipients.length);
  if (lost) result.warnings.push(lost);
  await withVaultLock(vp, async () => {
    const index = readIndex(vaultDir);
    result.recovered = recoverVault(vp, index);
    const hashes = new Map<string, string>();
    for (const h of index.holdouts) if (h.task === task) for (const n of h.nameHashes) hashes.set(n, h.id);
    const problems = lintFeatures(sources, {
      catalogue,
      task,
      publicNames: publicNames(taskDir, new Set(), cwd),
      holdoutNameHashes: hashes,
    });
    if (problems.length > 0) throw new ScenarioProblems(problems);

    const now = (opts.now ?? new Date()).toISOString();
    const taken = new Set([...index.holdouts.map((h) => h.id), ...safeList(vp.sealedDir).map((n) => n.split('.')[0])]);
    const stamped = stampAll(sources, existingCanaries(taskDir, cwd));
    const entries: HoldoutEntry[] = [];
    const sealedBytes: Uint8Array[] = [];
    for (const [i, s] of sources.entries()) {
      let id = randomBytes(8).toString('hex');
      while (taken.has(id)) id = randomBytes(8).toString('hex');
      taken.add(id);
      // The stamped plaintext exists only in this string; it is handed to age and dropped.
      const sealed = await seal(stamped[i].stamped, recipients);
      sealedBytes.push(sealed);
      entries.push({
        id,
        task,
        file: sealedRelPath(id),
        sha256: sha256(sealed),
        bytes: sealed.length,
        plaintextSha256: sha256(stamped[i].stamped),
        scenarios: s.parsed.scenarios.length,
        nameHashes: s.parsed.scenarios.map((sc) => nameHash(task, sc.name)),
        recipients: [...recipients],
        added: now,
      });
    }

    // Two-phase: sealed files go down as `.pending` first, the index rename commits the add, then
    // each is renamed into place. A crash before the commit leaves only `.pending` files that no
    // index entry names (verify warns, the next add removes them); after it, the next add finishes.
    const pendingPaths = entries.map((e) => join(vp.dir, e.file) + PENDING_SUFFIX);
    let committed = false;
    try {
      mkdirSync(vp.sealedDir, { recursive: true });
      for (const [i, p] of pendingPaths.entries()) writeFileDurable(p, sealedBytes[i]);
      await opts.onStage?.('sealed');
      writeIndexFile(vp.index, { ...index, holdouts: [...index.holdouts, ...entries] });
      committed = true;
      await opts.onStage?.('indexed');
      for (const [i, p] of pendingPaths.entries()) renameSync(p, join(vp.dir, entries[i].file));
      fsyncDir(vp.sealedDir);
    } catch (err) {
      if (!committed) for (const p of pendingPaths) removeIfPresent(p);
      else
        result.warnings.push(
          `the add was committed but a sealed file could not be renamed into place (${(err as Error).message}); the next \`twins scenarios add\` finishes it`,
        );
      if (!committed) throw writeFailed(err, shown(vp.dir, cwd));
    }
    for (const [i, s] of sources.entries())
      result.added.push({
        source: s.file,
        scenarios: entries[i].scenarios,
        file: shown(join(vp.dir, entries[i].file), cwd),
        id: entries[i].id,
      });
  });

  const repo = gitWorkTree(vaultDir);
  for (const s of sources) {
    if (opts.removeSource) {
      removeSource(s, result);
      continue;
    }
    if ((repo && isInside(s.path, repo)) || isInside(s.path, cwd))
      result.warnings.push(
        `${s.file} is inside the repository: its plaintext must never be committed; delete it (or pass --remove-source next time)`,
      );
  }
  return result;
}

/** The task's public feature files; none when its folder is missing or still empty (a new task's first add). */
function featuresIn(taskDir: string, cwd: string): string[] {
  if (!existsSync(taskDir) || !readdirSync(taskDir, { recursive: true }).some((n) => String(n).endsWith('.feature'))) return [];
  return expandFeatureArgs([taskDir], cwd);
}

/** Every canary tag in the task's public features. */
function existingCanaries(taskDir: string, cwd: string): Set<string> {
  const used = new Set<string>();
  for (const p of featuresIn(taskDir, cwd))
    for (const m of readFileSync(p, 'utf8').matchAll(/@canary-[0-9a-f]{16}/g)) if (CANARY_TAG.test(m[0])) used.add(m[0]);
  return used;
}

/** `nameHash` → holdout id for the task's sealed scenarios (none when there is no vault). */
function holdoutHashes(vaultDir: string, task: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const h of readIndex(vaultDir).holdouts) if (h.task === task) for (const n of h.nameHashes) hashes.set(n, h.id);
  return hashes;
}

function removeSource(s: Source, result: AddResult): void {
  try {
    unlinkSync(s.path);
    result.removed.push(s.file);
  } catch (err) {
    result.warnings.push(`could not remove ${s.file} (${(err as NodeJS.ErrnoException).code ?? 'error'}): delete it yourself`);
  }
}

function writeFailed(err: unknown, where: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new PlatformError(
    'TWINS_VAULT_WRITE',
    `could not write to ${where} (${code ?? (err as Error).message}); nothing was added`,
    'Check the disk and the folder permissions, then run the command again.',
  );
}
