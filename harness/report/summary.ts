// Run summaries: built from trials and a run's identity, combined across shards, and compared without their timings.

import { isDeepStrictEqual } from 'node:util';
import { PlatformError } from '../../src/errors.ts';
import { scoreTrials } from '../scoring.ts';
import { type IsolationKind, RESULT_SCHEMA_VERSION, type RunSummary, type TrialResult } from '../types.ts';
import { runFidelity } from './fidelity.ts';

/** What identifies and dates a run; `buildSummary` adds the trials and the scores. */
export type RunMeta = Pick<
  RunSummary,
  'runId' | 'task' | 'agent' | 'trialsRequested' | 'shards' | 'isolation' | 'startedAt' | 'finishedAt'
>;

/** The fields that must agree for results to belong to one run (shards of it included). */
export const RUN_IDENTITY = ['runId', 'task', 'agent', 'trialsRequested'] as const;

/** Parse "I/N" (1 ≤ I ≤ N); undefined when it is not one. */
export function parseShard(shard: string): { index: number; total: number } | undefined {
  const m = /^([1-9]\d*)\/([1-9]\d*)$/.exec(shard);
  if (!m) return undefined;
  const index = Number(m[1]);
  const total = Number(m[2]);
  return index <= total ? { index, total } : undefined;
}

/** Shards without repeats, ordered by total then index ("1/2", "2/2"). */
export function normaliseShards(shards: string[]): string[] {
  const key = (s: string) => parseShard(s) ?? { index: Number.MAX_SAFE_INTEGER, total: Number.MAX_SAFE_INTEGER };
  return [...new Set(shards)].sort((a, b) => key(a).total - key(b).total || key(a).index - key(b).index || (a < b ? -1 : 1));
}

/** The weaker of isolations: one trial without a sandbox makes the run's isolation 'none'. */
export function weakestIsolation(kinds: IsolationKind[]): IsolationKind {
  return kinds.includes('none') ? 'none' : 'bubblewrap';
}

/** Trial indices of 0…trialsRequested−1 that the summary does not hold (a shard, or an interrupted run). */
export function missingTrials(summary: Pick<RunSummary, 'trialsRequested' | 'trials'>): number[] {
  const have = new Set(summary.trials.map((t) => t.trial));
  const missing: number[] = [];
  for (let i = 0; i < summary.trialsRequested; i++) if (!have.has(i)) missing.push(i);
  return missing;
}

/**
 * One copy of each trial index. A trial seen twice is kept once when both copies are identical, and
 * refused otherwise (two different results for one trial means two different runs were mixed).
 * `where` names a trial's origin (a file) for the error.
 */
export function dedupeTrials(trials: TrialResult[], where: (t: TrialResult) => string = (t) => `trial ${t.trial}`): TrialResult[] {
  const byIndex = new Map<number, TrialResult>();
  for (const t of trials) {
    const seen = byIndex.get(t.trial);
    if (!seen) byIndex.set(t.trial, t);
    else if (!isDeepStrictEqual(seen, t))
      throw new PlatformError(
        'TWINS_RESULTS_MISMATCH',
        `trial ${t.trial} is recorded twice with different contents: ${where(seen)} and ${where(t)}`,
        'Keep one of the two files (the shards of one run never share a trial index), then merge again.',
      );
  }
  return [...byIndex.values()].sort((a, b) => a.trial - b.trial);
}

/**
 * A run's summary: its identity, its trials sorted by index (duplicates removed as in dedupeTrials) and
 * their scores. Every trial must belong to the run.
 * @example buildSummary({ runId, task, agent, trialsRequested: 5, shards: [], isolation, startedAt, finishedAt }, trials)
 */
export function buildSummary(meta: RunMeta, trials: TrialResult[]): RunSummary {
  for (const t of trials)
    for (const field of ['runId', 'task', 'agent'] as const)
      if (t[field] !== meta[field])
        throw new PlatformError(
          'TWINS_RESULTS_MISMATCH',
          `trial ${t.trial} belongs to ${field} "${t[field]}", not the run's "${meta[field]}"`,
          'Keep each run in a results folder of its own.',
        );
  const unique = dedupeTrials(trials);
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: meta.runId,
    task: meta.task,
    agent: meta.agent,
    trialsRequested: meta.trialsRequested,
    shards: normaliseShards(meta.shards),
    isolation: meta.isolation,
    trials: unique,
    scores: scoreTrials(unique),
    ...fidelityOfRun(unique),
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
  };
}

/** `{ fidelity }` when some scored trial measured one, else nothing (the field is optional). */
function fidelityOfRun(trials: TrialResult[]): Pick<RunSummary, 'fidelity'> {
  const fidelity = runFidelity(trials);
  return fidelity ? { fidelity } : {};
}

function earliest(times: string[]): string {
  return times.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

function latest(times: string[]): string {
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

/**
 * Combine summaries of one run (its shards, or copies of it) into one: refuses different run ids, tasks,
 * agents or trials requested, and a trial index recorded twice with different contents. The result's
 * shards are the union, its isolation the weakest, its time span from the first start to the last finish,
 * and its scores computed afresh from the combined trials. `names` label the inputs in errors (folders).
 */
export function mergeSummaries(summaries: RunSummary[], names: string[] = summaries.map((_, i) => `input ${i + 1}`)): RunSummary {
  if (summaries.length === 0) throw new PlatformError('TWINS_RESULTS_NOT_FOUND', 'nothing to merge', 'Pass at least one results folder.');
  const [first] = summaries;
  summaries.forEach((s, i) => {
    for (const field of RUN_IDENTITY)
      if (s[field] !== first[field])
        throw new PlatformError(
          'TWINS_RESULTS_MISMATCH',
          `${names[i]} and ${names[0]} are not the same run: ${field} is "${s[field]}" in one and "${first[field]}" in the other`,
          'Merge only the shards of one run (same run id, task, agent and --trials); compare different runs with `twins leaderboard`.',
        );
  });
  const origin = new Map<TrialResult, string>();
  summaries.forEach((s, i) => {
    for (const t of s.trials) origin.set(t, names[i]);
  });
  const trials = dedupeTrials(
    summaries.flatMap((s) => s.trials),
    (t) => `${origin.get(t)} (trial ${t.trial})`,
  );
  return buildSummary(
    {
      runId: first.runId,
      task: first.task,
      agent: first.agent,
      trialsRequested: first.trialsRequested,
      shards: summaries.flatMap((s) => s.shards),
      isolation: weakestIsolation(summaries.map((s) => s.isolation)),
      startedAt: earliest(summaries.map((s) => s.startedAt)),
      finishedAt: latest(summaries.map((s) => s.finishedAt)),
    },
    trials,
  );
}

/**
 * A summary with what legitimately differs between a sharded and an unsharded run of the same trials
 * taken out: when things happened and how long they took (the run's and each trial's start and finish,
 * the shards, each trial's stage timings, the agent's wall time, the app's ready time, each scenario's
 * duration, each journal entry's time, and the agent wall time scores). Everything else (statuses,
 * errors, transcripts, journals, contamination, tokens, cost and every other score) must be equal:
 * compare the results with deep equality.
 *
 * `outcomes` goes further, for runs of real agents whose output varies between runs: it keeps only
 * the identity, each trial's status, failure kind and stage, contamination flag and scenario statuses,
 * and the scores other than time, tokens and cost (not the twins' fidelity: an app's call counts vary
 * from run to run with retries and polling).
 */
export function comparableSummary(summary: RunSummary, level: 'exact' | 'outcomes' = 'exact'): unknown {
  const { startedAt: _s, finishedAt: _f, shards: _sh, trials, scores, fidelity, ...rest } = summary;
  const { agentWallMs: _w, ...timeless } = scores;
  if (level === 'exact')
    return {
      ...rest,
      ...(fidelity ? { fidelity } : {}),
      scores: timeless,
      trials: trials.map(({ timings: _t, startedAt: _ts, finishedAt: _tf, ...t }) => {
        const { wallMs: _aw, ...agentRun } = t.agentRun;
        const { readyMs: _r, ...app } = t.app;
        return {
          ...t,
          agentRun,
          app,
          scenarios: t.scenarios.map(({ durationMs: _d, ...sc }) => sc),
          journal: t.journal.map(({ time: _jt, ...j }) => j),
        };
      }),
    };
  const { costUsd: _c, tokens: _k, ...outcomeScores } = timeless;
  return {
    ...rest,
    scores: outcomeScores,
    trials: trials.map((t) => ({
      trial: t.trial,
      status: t.status,
      failure: t.failure ? { kind: t.failure.kind, stage: t.failure.stage } : undefined,
      contaminated: t.contamination.flagged,
      scenarios: t.scenarios.map((s) => ({ id: s.id, status: s.status })),
    })),
  };
}
