// Makes a trial result fit its own schema before it is written: an agent's outcome is untrusted input, and one bad trial file must not make a run unreadable.

import { cleanUsage } from '../agents/usage.ts';
import { RESULT_SCHEMA_VERSION, type ScenarioStatus, type TrialFidelity, type TrialResult } from '../types.ts';
import { validateTrialResult } from './schema.ts';

const STATUSES: ScenarioStatus[] = ['passed', 'failed', 'undefined', 'ambiguous', 'pending', 'skipped', 'unknown'];
const HIT_KINDS = ['canary', 'step', 'tampering'] as const;
const HIT_WHERE = ['workspace', 'transcript', 'requests'] as const;
const STAGES = ['agent', 'install', 'start', 'grade', 'setup'] as const;

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : v === undefined || v === null ? fallback : String(v));
const nonEmpty = (v: unknown, fallback: string): string => {
  const s = str(v);
  return s.length > 0 ? s : fallback;
};
const ms = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const oneOf = <T extends string>(v: unknown, list: readonly T[], fallback: T): T => (list.includes(v as T) ? (v as T) : fallback);

const FIDELITY_STATUSES = ['implemented', 'not-implemented', 'unknown'] as const;
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0);
const texts = (v: unknown, max: number): string[] => (Array.isArray(v) ? v.slice(0, max).map((x) => str(x).slice(0, 1000)) : []);

/** A trial's fidelity record with counts whole, the figure a share or null, enums from their lists, notes bounded. */
function cleanFidelity(f: TrialFidelity): TrialFidelity {
  const x = f as unknown as Record<string, unknown>;
  const calls = count(x.calls);
  const trustedCalls = Math.min(calls, count(x.trustedCalls));
  const operations = (Array.isArray(x.operations) ? x.operations : []).slice(0, 1000).map((o) => {
    const y = (o ?? {}) as Record<string, unknown>;
    return {
      twin: nonEmpty(y.twin, 'unknown') as TrialFidelity['operations'][number]['twin'],
      operation: nonEmpty(y.operation, 'unknown'),
      calls: Math.max(1, count(y.calls)),
      status: oneOf(y.status, FIDELITY_STATUSES, 'unknown'),
      limitations: texts(y.limitations, 20),
      sdk: texts(y.sdk, 20),
      trusted: y.trusted === true,
    };
  });
  return {
    calls,
    trustedCalls,
    figure: calls > 0 ? trustedCalls / calls : null,
    unmodelledCalls: count(x.unmodelledCalls),
    unmodelled: x.unmodelled === true || count(x.unmodelledCalls) > 0,
    operations,
    ...(count(x.otherCalls) > 0 ? { otherCalls: count(x.otherCalls) } : {}),
  };
}

/**
 * A copy of `t` that passes the TrialResult schema: numbers finite and in range, token counts and cost through
 * cleanUsage (clamped, whole), enums from their lists, strings where strings belong. Should a result still fail
 * (a bug of the harness), it becomes an infrastructure error that names the problems, so the file stays readable
 * and `--resume` runs the trial again.
 *
 * @example writeFileSync(path, JSON.stringify(sanitiseTrialResult(result)));
 */
export function sanitiseTrialResult(t: TrialResult): TrialResult {
  // A JSON round trip first: what is written is what is checked (Infinity becomes null, undefined goes).
  const raw = JSON.parse(JSON.stringify(t)) as Record<string, unknown> & Partial<TrialResult>;
  const agentRun = (raw.agentRun ?? {}) as Record<string, unknown>;
  const usage = cleanUsage({ tokens: agentRun.tokens, costUsd: agentRun.costUsd }, { fillTotal: false });
  const app = (raw.app ?? {}) as Record<string, unknown>;
  const timings = (raw.timings ?? {}) as Record<string, unknown>;
  const contamination = (raw.contamination ?? {}) as Record<string, unknown>;
  const failure = raw.failure as Record<string, unknown> | undefined;
  const clean: TrialResult = {
    ...(raw as TrialResult),
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: nonEmpty(raw.runId, 'unknown-run'),
    task: nonEmpty(raw.task, 'unknown-task'),
    agent: nonEmpty(raw.agent, 'unknown-agent'),
    trial: Math.max(0, int(raw.trial) ?? 0),
    status: oneOf(raw.status, ['passed', 'failed', 'error'] as const, 'error'),
    ...(failure
      ? {
          failure: {
            kind: oneOf(failure.kind, ['agent', 'infrastructure'] as const, 'infrastructure'),
            stage: oneOf(failure.stage, STAGES, 'grade'),
            reason: str(failure.reason),
          },
        }
      : {}),
    scenarios: (Array.isArray(raw.scenarios) ? raw.scenarios : []).map((s) => {
      const x = (s ?? {}) as unknown as Record<string, unknown>;
      return {
        id: nonEmpty(x.id, 'unknown'),
        name: str(x.name),
        status: oneOf(x.status, STATUSES, 'unknown'),
        durationMs: ms(x.durationMs),
        ...(x.error !== undefined ? { error: str(x.error) } : {}),
      };
    }),
    agentRun: {
      exitCode: int(agentRun.exitCode),
      timedOut: agentRun.timedOut === true,
      wallMs: ms(agentRun.wallMs),
      ...(usage.tokens ? { tokens: usage.tokens } : {}),
      ...(usage.costUsd !== undefined ? { costUsd: usage.costUsd } : {}),
      ...(usage.costUsd !== undefined && typeof agentRun.costSelfReported === 'boolean'
        ? { costSelfReported: agentRun.costSelfReported }
        : {}),
    },
    app: {
      installed: app.installed === true,
      started: app.started === true,
      ...(app.readyMs !== undefined ? { readyMs: ms(app.readyMs) } : {}),
      output: str(app.output),
    },
    contamination: {
      flagged: contamination.flagged === true,
      hits: (Array.isArray(contamination.hits) ? contamination.hits : []).map((h) => {
        const x = (h ?? {}) as Record<string, unknown>;
        return {
          kind: oneOf(x.kind, HIT_KINDS, 'canary'),
          needle: str(x.needle),
          where: oneOf(x.where, HIT_WHERE, 'requests'),
          ...(x.location !== undefined ? { location: str(x.location) } : {}),
        };
      }),
    },
    isolation: oneOf(raw.isolation, ['bubblewrap', 'none'] as const, 'none'),
    transcript: str(raw.transcript),
    journal: (Array.isArray(raw.journal) ? raw.journal : []).map((j) => {
      const x = (j ?? {}) as unknown as Record<string, unknown>;
      return {
        ...x,
        twin: nonEmpty(x.twin, 'unknown') as TrialResult['journal'][number]['twin'],
        ...(x.operation !== undefined ? { operation: str(x.operation) } : {}),
        status: int(x.status) ?? 0,
        ...(x.error !== undefined ? { error: str(x.error) } : {}),
        time: str(x.time),
      };
    }),
    ...(raw.fidelity ? { fidelity: cleanFidelity(raw.fidelity) } : {}),
    timings: {
      setupMs: ms(timings.setupMs),
      agentMs: ms(timings.agentMs),
      installMs: ms(timings.installMs),
      startMs: ms(timings.startMs),
      gradeMs: ms(timings.gradeMs),
      teardownMs: ms(timings.teardownMs),
      overheadMs: typeof timings.overheadMs === 'number' && Number.isFinite(timings.overheadMs) ? timings.overheadMs : 0,
    },
    startedAt: nonEmpty(raw.startedAt, new Date(0).toISOString()),
    finishedAt: nonEmpty(raw.finishedAt, new Date(0).toISOString()),
  };
  // Flagged follows the hits, so a report never says clean beside a hit, nor flagged without one.
  clean.contamination.flagged = clean.contamination.hits.length > 0 || clean.contamination.flagged;
  const problems = validateTrialResult(clean);
  if (problems.length === 0) return clean;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: clean.runId,
    task: clean.task,
    agent: clean.agent,
    trial: clean.trial,
    status: 'error',
    failure: {
      kind: 'infrastructure',
      stage: 'grade',
      reason: `the harness made a result that fails its own schema: ${problems.join('; ')}`,
    },
    scenarios: clean.scenarios.map((s) => ({ id: s.id, name: s.name, status: 'unknown', durationMs: 0 })),
    agentRun: { exitCode: null, timedOut: false, wallMs: 0 },
    app: { installed: false, started: false, output: '' },
    contamination: clean.contamination,
    isolation: clean.isolation,
    transcript: '',
    journal: [],
    timings: { setupMs: 0, agentMs: 0, installMs: 0, startMs: 0, gradeMs: 0, teardownMs: 0, overheadMs: 0 },
    startedAt: clean.startedAt,
    finishedAt: clean.finishedAt,
  };
}
