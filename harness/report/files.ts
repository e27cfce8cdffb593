// The results folder on disk: trials/NNNN.json (the source), run.json, junit.xml and report.html; atomic writes, validated reads, merges.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError } from '../../src/errors.ts';
import { writeFileAtomic } from '../../src/vault/atomic.ts';
import { shown } from '../../src/vault/paths.ts';
import { RESULT_SCHEMA_VERSION, type RunSummary, type TrialResult } from '../types.ts';
import { reportHtml } from './html.ts';
import { junitXml } from './junit.ts';
import { sanitiseTrialResult } from './sanitise.ts';
import { readableRunSummary, readableTrialResult } from './schema.ts';
import { buildSummary, mergeSummaries, type RunMeta, weakestIsolation } from './summary.ts';

/** Names inside a results folder (docs/harness.md, "The results layout"). */
export const RESULTS = {
  trialsDir: 'trials',
  run: 'run.json',
  junit: 'junit.xml',
  html: 'report.html',
} as const;

const TRIAL_FILE = /^(\d+)\.json$/;

/** Path of a trial's file in a results folder: OUT/trials/0003.json (four digits, more when needed). */
export function trialFilePath(outDir: string, trial: number): string {
  return join(outDir, RESULTS.trialsDir, `${String(trial).padStart(4, '0')}.json`);
}

function writeError(path: string, err: unknown): PlatformError {
  return new PlatformError(
    'TWINS_RESULTS_WRITE',
    `could not write ${shown(path)}: ${(err as Error).message}`,
    'Check the folder exists, is writable and has space, or pass another --out.',
  );
}

function write(path: string, data: string): void {
  try {
    writeFileAtomic(path, data);
  } catch (err) {
    throw writeError(path, err);
  }
}

function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw writeError(dir, err);
  }
}

/**
 * Write one finished trial to OUT/trials/NNNN.json atomically (temp file, fsync, rename), so a reader or
 * a crash sees the whole file or none. What is written passes the TrialResult schema whatever the trial
 * holds (sanitiseTrialResult). Returns the path.
 */
export function writeTrialFile(outDir: string, trial: TrialResult): string {
  ensureDir(join(outDir, RESULTS.trialsDir));
  const safe = sanitiseTrialResult(trial);
  const path = trialFilePath(outDir, safe.trial);
  write(path, `${JSON.stringify(safe, null, 2)}\n`);
  return path;
}

/** Write run.json, junit.xml and report.html for a summary into OUT, each atomically. */
export function writeRunReports(outDir: string, summary: RunSummary): void {
  ensureDir(outDir);
  write(join(outDir, RESULTS.run), `${JSON.stringify(summary, null, 2)}\n`);
  write(join(outDir, RESULTS.junit), junitXml(summary));
  write(join(outDir, RESULTS.html), reportHtml(summary));
}

/** Write a whole results folder: every trial file, then the reports (what `twins report merge --out` does). */
export function writeRun(outDir: string, summary: RunSummary): void {
  for (const t of summary.trials) writeTrialFile(outDir, t);
  writeRunReports(outDir, summary);
}

function invalid(path: string, problem: string, hint?: string): PlatformError {
  return new PlatformError(
    'TWINS_RESULTS_INVALID',
    `${shown(path)} ${problem}`,
    hint ?? 'Fix or delete that file: a deleted trial is run again by `twins score --resume`.',
  );
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalid(path, `cannot be read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(path, `is not valid JSON (${(err as Error).message})`);
  }
}

function checkVersion(path: string, value: unknown): void {
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > RESULT_SCHEMA_VERSION)
    throw invalid(
      path,
      `was written with results schema version ${version}; this twins reads versions 1 to ${RESULT_SCHEMA_VERSION}`,
      'Read it with the newer twins that wrote it.',
    );
}

/** Read and check one trial file: valid JSON, a schema version this twins reads and that version's schema; version 1 comes back as the current version. */
export function readTrialFile(path: string): TrialResult {
  const value = readJson(path);
  checkVersion(path, value);
  // A version 1 file is read as version 2 (upgraded in memory; the file is left as it is).
  const { trial, problems } = readableTrialResult(value);
  if (!trial) throw invalid(path, `is not a valid trial result: ${problems.join('; ')}`);
  return trial;
}

export interface ReadRunOptions {
  /** Told about what was tolerated (a missing, stale or unreadable run.json; an unreadable trial file, left out). */
  onWarning?: (message: string) => void;
}

/**
 * Read a results folder into a summary. trials/*.json are the source: run.json supplies only what the
 * trials do not say (trials requested, shards, start time), so a missing run.json, or one a trial behind
 * after a crash, is tolerated; the scores are always computed afresh. Without a trials/ folder, the trials
 * inlined in run.json are used. Every file is checked against its JSON Schema. A trial file that cannot be
 * read, is not valid JSON, fails the schema or holds another trial than its name says is left out with a
 * warning naming it (the run reads as if that trial had not finished, and `twins score --resume` runs it
 * again); only a folder with nothing readable at all, or files of different runs, is a TWINS_RESULTS_INVALID.
 */
export function readRun(dir: string, opts: ReadRunOptions = {}): RunSummary {
  const warn = opts.onWarning ?? (() => {});
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new PlatformError(
      'TWINS_RESULTS_NOT_FOUND',
      `no results folder at ${shown(dir)}`,
      'Pass the folder given to `twins score --out`.',
    );
  const trialsDir = join(dir, RESULTS.trialsDir);
  const runPath = join(dir, RESULTS.run);

  let run: RunSummary | undefined;
  if (existsSync(runPath)) {
    let value: unknown;
    try {
      value = readJson(runPath);
      checkVersion(runPath, value);
    } catch (err) {
      if (!existsSync(trialsDir)) throw err;
      warn(`${(err as PlatformError).message}; reading the trials alone`);
    }
    if (value !== undefined) {
      const readable = readableRunSummary(value);
      const problems = readable.problems;
      if (readable.run) run = readable.run;
      else if (!existsSync(trialsDir)) throw invalid(runPath, `is not a valid run summary: ${problems.join('; ')}`);
      else warn(`${shown(runPath)} is not a valid run summary (${problems[0]}); reading the trials alone`);
    }
  }

  let trials: TrialResult[];
  if (existsSync(trialsDir)) {
    const files = readdirSync(trialsDir)
      .filter((f) => TRIAL_FILE.test(f))
      .sort((a, b) => Number(TRIAL_FILE.exec(a)?.[1]) - Number(TRIAL_FILE.exec(b)?.[1]));
    trials = [];
    let skipped: PlatformError | undefined;
    for (const f of files) {
      const path = join(trialsDir, f);
      try {
        const t = readTrialFile(path);
        if (t.trial !== Number(TRIAL_FILE.exec(f)?.[1]))
          throw invalid(path, `holds trial ${t.trial}; its name says trial ${Number(TRIAL_FILE.exec(f)?.[1])}`);
        trials.push(t);
      } catch (err) {
        if (!(err instanceof PlatformError)) throw err;
        skipped ??= err;
        warn(`${err.message}; left out (\`twins score --resume\` runs that trial again)`);
      }
    }
    // Nothing readable at all: say why rather than report an empty run.
    if (trials.length === 0 && skipped && !run) throw skipped;
    const first = trials[0];
    for (const t of trials)
      for (const field of ['runId', 'task', 'agent'] as const)
        if (t[field] !== first[field])
          throw invalid(
            trialFilePath(dir, t.trial),
            `is from ${field} "${t[field]}", but ${shown(trialFilePath(dir, first.trial))} is from "${first[field]}"`,
            'A results folder holds one run: move the odd trial files to a folder of their own.',
          );
    if (run && first)
      for (const field of ['runId', 'task', 'agent'] as const)
        if (run[field] !== first[field])
          throw invalid(
            runPath,
            `is from ${field} "${run[field]}", but the trials in ${shown(trialsDir)} are from "${first[field]}"`,
            'A results folder holds one run: delete the stale run.json (the trials are the source) or move the trials.',
          );
    if (run) {
      const onDisk = new Set(trials.map((t) => t.trial));
      const notOnDisk = run.trials.filter((t) => !onDisk.has(t.trial)).map((t) => t.trial);
      if (notOnDisk.length)
        warn(
          `${shown(runPath)} lists trial${notOnDisk.length === 1 ? '' : 's'} ${notOnDisk.join(', ')}, which trials/ does not hold; trials/ is the source`,
        );
    }
  } else if (run) {
    trials = run.trials;
  } else {
    throw new PlatformError(
      'TWINS_RESULTS_NOT_FOUND',
      `${shown(dir)} holds no ${RESULTS.trialsDir}/ folder and no ${RESULTS.run}`,
      'Pass the folder given to `twins score --out`.',
    );
  }

  if (!run) {
    const first = trials[0];
    if (!first)
      throw new PlatformError(
        'TWINS_RESULTS_NOT_FOUND',
        `${shown(dir)} holds no trial results yet (${shown(trialsDir)} is empty and there is no ${RESULTS.run})`,
        'Wait for the first trial to finish, or pass another folder.',
      );
    warn(`${shown(dir)} has no usable ${RESULTS.run}: trials requested and shards are unknown, taken from the trials present`);
  }
  const times = trials.flatMap((t) => [t.startedAt, t.finishedAt]).filter((s) => !Number.isNaN(Date.parse(s)));
  const meta: RunMeta = run
    ? {
        runId: run.runId,
        task: run.task,
        agent: run.agent,
        trialsRequested: run.trialsRequested,
        shards: run.shards,
        isolation: trials.length ? weakestIsolation([run.isolation, ...trials.map((t) => t.isolation)]) : run.isolation,
        startedAt: run.startedAt,
        // A stale run.json finished before its last trial did.
        finishedAt: [run.finishedAt, ...times].reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)),
      }
    : {
        runId: trials[0].runId,
        task: trials[0].task,
        agent: trials[0].agent,
        trialsRequested: Math.max(...trials.map((t) => t.trial)) + 1,
        shards: [],
        isolation: weakestIsolation(trials.map((t) => t.isolation)),
        startedAt: times.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a), times[0] ?? new Date(0).toISOString()),
        finishedAt: times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a), times[0] ?? new Date(0).toISOString()),
      };
  return buildSummary(meta, trials);
}

/**
 * Read results folders of any runs (the leaderboard's inputs): a folder that cannot be read at all is left
 * out with a warning naming it, so one broken run never hides the others. Throws only when none can be read.
 */
export function readRuns(dirs: string[], opts: ReadRunOptions = {}): { summaries: RunSummary[]; names: string[] } {
  const summaries: RunSummary[] = [];
  const names: string[] = [];
  let first: unknown;
  for (const d of dirs) {
    try {
      summaries.push(readRun(d, opts));
      names.push(d);
    } catch (err) {
      if (!(err instanceof PlatformError)) throw err;
      first ??= err;
      opts.onWarning?.(`${err.message}; that folder is left out`);
    }
  }
  if (summaries.length === 0 && first) throw first;
  return { summaries, names };
}

/**
 * Read several results folders of one run (its shards) and combine them: see mergeSummaries for what
 * is refused. The merged summary of shards 1/2 and 2/2 equals the unsharded run's under comparableSummary.
 */
export function mergeRuns(dirs: string[], opts: ReadRunOptions = {}): RunSummary {
  return mergeSummaries(
    dirs.map((d) => readRun(d, opts)),
    dirs.map((d) => shown(d)),
  );
}
