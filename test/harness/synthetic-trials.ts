// Synthetic TrialResults for the scoring and report tests: small, typed, and hostile where it matters.

import type { RunMeta } from '../../harness/report/summary.ts';
import { RESULT_SCHEMA_VERSION, type ScenarioStatus, type TrialResult } from '../../harness/types.ts';

export const RUN = { runId: 'run-abc', task: 'incident-bot', agent: 'reference' } as const;

/** A scenario outcome: [id, status, error?]. */
export type Outcome = [string, ScenarioStatus, string?];

const NAMES: Record<string, string> = {
  'canary-a': 'Opening an incident creates its channel',
  'canary-b': 'The reporter is invited',
  'canary-c': 'Closing archives the channel',
};

/** A trial of RUN with the given scenario outcomes; anything else can be overridden. */
export function trial(index: number, outcomes: Outcome[], over: Partial<TrialResult> = {}): TrialResult {
  const start = Date.UTC(2025, 0, 1, 12, 0, index);
  const scenarios = outcomes.map(([id, status, error]) => ({
    id,
    name: NAMES[id] ?? `Scenario ${id}`,
    status,
    durationMs: 100 + index,
    ...(error === undefined ? {} : { error }),
  }));
  const failed = scenarios.some((s) => s.status !== 'passed');
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    ...RUN,
    trial: index,
    status: failed ? 'failed' : 'passed',
    scenarios,
    agentRun: { exitCode: 0, timedOut: false, wallMs: 1000 * (index + 1) },
    app: { installed: true, started: true, readyMs: 300, output: `app of trial ${index} listening` },
    contamination: { flagged: false, hits: [] },
    isolation: 'bubblewrap',
    transcript: `agent transcript of trial ${index}`,
    journal: [
      { twin: 'slack', operation: 'chat.postMessage', status: 200, time: new Date(start + 500).toISOString(), args: { channel: 'C1' } },
    ],
    timings: { setupMs: 10, agentMs: 1000, installMs: 20, startMs: 30, gradeMs: 40, teardownMs: 5, overheadMs: 15 },
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date(start + 2000).toISOString(),
    ...over,
  };
}

/** The run identity and dates for buildSummary. */
export function meta(over: Partial<RunMeta> = {}): RunMeta {
  return {
    ...RUN,
    trialsRequested: 4,
    shards: [],
    isolation: 'bubblewrap',
    startedAt: '2025-01-01T12:00:00.000Z',
    finishedAt: '2025-01-01T12:10:00.000Z',
    ...over,
  };
}

/**
 * Four trials with a bit of everything: a pass, a failure with an error, an agent failure before
 * grading, and a contaminated trial with a hostile transcript.
 */
export function mixedTrials(): TrialResult[] {
  return [
    trial(0, [
      ['canary-a', 'passed'],
      ['canary-b', 'passed'],
      ['canary-c', 'passed'],
    ]),
    trial(1, [
      ['canary-a', 'passed'],
      ['canary-b', 'failed', 'Then "#inc-1" has member "alice"\nexpected alice among [bot] within 5 s <b>bold</b> & more'],
      ['canary-c', 'passed'],
    ]),
    // As harness/trial.ts records an agent failure: status failed, every holdout reported failed, not graded.
    trial(
      2,
      [
        ['canary-a', 'failed', 'not graded: the agent timed out after 600 s'],
        ['canary-b', 'failed', 'not graded: the agent timed out after 600 s'],
        ['canary-c', 'failed', 'not graded: the agent timed out after 600 s'],
      ],
      {
        failure: { kind: 'agent', stage: 'agent', reason: 'the agent timed out after 600 s' },
        agentRun: { exitCode: null, timedOut: true, wallMs: 600_000 },
        app: { installed: false, started: false, output: '' },
        journal: [],
      },
    ),
    trial(
      3,
      [
        ['canary-a', 'passed'],
        ['canary-b', 'passed'],
        ['canary-c', 'failed', 'archived? no'],
      ],
      {
        contamination: {
          flagged: true,
          hits: [{ kind: 'canary', needle: 'canary-c', where: 'workspace', location: 'src/<evil>.js' }],
        },
        transcript: 'reading the vault… <script>window.__pwned = true; alert(1)</script> & done ]]> \u0001',
        agentRun: { exitCode: 0, timedOut: false, wallMs: 4000, tokens: { input: 1000, output: 250 }, costUsd: 0.5 },
      },
    ),
  ];
}
