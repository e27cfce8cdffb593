// JSON Schemas (2020-12) of the results files (trials/NNNN.json and run.json) and their ajv validators.

import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { MAX_COST_USD, MAX_TOKENS } from '../agents/usage.ts';
import { RESULT_SCHEMA_VERSION, type RunSummary, type TrialResult } from '../types.ts';

// Unknown properties are allowed everywhere: additive changes keep the schema version (docs/harness.md),
// so a reader must accept fields a newer writer added. Version 1 files are checked against the version 1 schema
// (TRIAL_RESULT_V1_SCHEMA) and upgraded in memory (upgradeTrialResultV1); only version 2 is written.

const count = { type: 'integer', minimum: 0 } as const;
/** Token counts are clamped when read from an agent (cleanUsage), so a file with more was not written by the harness. */
const tokenCount = { type: 'integer', minimum: 0, maximum: MAX_TOKENS } as const;
const ms = { type: 'number', minimum: 0 } as const;
const timestamp = { type: 'string', minLength: 1 } as const;
const isolation = { enum: ['bubblewrap', 'none'] } as const;
/** A fidelity figure: a share, or null when there were no calls to weigh. */
const share = { type: ['number', 'null'], minimum: 0, maximum: 1 } as const;
const probabilities = { type: 'object', additionalProperties: { type: 'number', minimum: 0, maximum: 1 } } as const;

/** The JSON Schema of one TrialResult (a trials/NNNN.json file). */
export const TRIAL_RESULT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://twins.dev/schemas/trial-result.json',
  title: 'TrialResult',
  type: 'object',
  required: [
    'schemaVersion',
    'runId',
    'task',
    'agent',
    'trial',
    'status',
    'scenarios',
    'agentRun',
    'app',
    'contamination',
    'isolation',
    'transcript',
    'journal',
    'timings',
    'startedAt',
    'finishedAt',
  ],
  properties: {
    schemaVersion: { const: RESULT_SCHEMA_VERSION },
    runId: { type: 'string', minLength: 1 },
    task: { type: 'string', minLength: 1 },
    agent: { type: 'string', minLength: 1 },
    trial: count,
    status: { enum: ['passed', 'failed', 'error'] },
    failure: {
      type: 'object',
      required: ['kind', 'stage', 'reason'],
      properties: {
        kind: { enum: ['agent', 'infrastructure'] },
        stage: { enum: ['agent', 'install', 'start', 'grade', 'setup'] },
        reason: { type: 'string' },
      },
    },
    scenarios: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'status', 'durationMs'],
        properties: {
          id: { type: 'string', minLength: 1 },
          name: { type: 'string' },
          status: { enum: ['passed', 'failed', 'undefined', 'ambiguous', 'pending', 'skipped', 'unknown'] },
          durationMs: ms,
          error: { type: 'string' },
        },
      },
    },
    agentRun: {
      type: 'object',
      required: ['exitCode', 'timedOut', 'wallMs'],
      properties: {
        exitCode: { type: ['integer', 'null'] },
        timedOut: { type: 'boolean' },
        wallMs: ms,
        tokens: {
          type: 'object',
          properties: { input: tokenCount, output: tokenCount, total: tokenCount },
        },
        costUsd: { type: 'number', minimum: 0, maximum: MAX_COST_USD },
        costSelfReported: { type: 'boolean' },
      },
    },
    app: {
      type: 'object',
      required: ['installed', 'started', 'output'],
      properties: {
        installed: { type: 'boolean' },
        started: { type: 'boolean' },
        readyMs: ms,
        output: { type: 'string' },
      },
    },
    contamination: {
      type: 'object',
      required: ['flagged', 'hits'],
      properties: {
        flagged: { type: 'boolean' },
        hits: {
          type: 'array',
          items: {
            type: 'object',
            required: ['kind', 'needle', 'where'],
            properties: {
              kind: { enum: ['canary', 'step', 'tampering'] },
              needle: { type: 'string' },
              where: { enum: ['workspace', 'transcript', 'requests'] },
              location: { type: 'string' },
            },
          },
        },
      },
    },
    isolation,
    transcript: { type: 'string' },
    requests: {
      type: 'object',
      required: ['recorded', 'dropped', 'refused'],
      properties: { recorded: count, dropped: count, refused: count },
    },
    fidelity: {
      type: 'object',
      required: ['calls', 'trustedCalls', 'figure', 'unmodelledCalls', 'unmodelled', 'operations'],
      properties: {
        calls: count,
        trustedCalls: count,
        figure: share,
        unmodelledCalls: count,
        unmodelled: { type: 'boolean' },
        otherCalls: count,
        operations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['twin', 'operation', 'calls', 'status', 'limitations', 'sdk', 'trusted'],
            properties: {
              twin: { type: 'string', minLength: 1 },
              operation: { type: 'string', minLength: 1 },
              calls: { type: 'integer', minimum: 1 },
              status: { enum: ['implemented', 'not-implemented', 'unknown'] },
              limitations: { type: 'array', items: { type: 'string' } },
              sdk: { type: 'array', items: { type: 'string' } },
              trusted: { type: 'boolean' },
            },
          },
        },
      },
    },
    journal: {
      type: 'array',
      items: {
        type: 'object',
        required: ['twin', 'status', 'time'],
        properties: {
          twin: { type: 'string', minLength: 1 },
          operation: { type: 'string' },
          status: { type: 'integer' },
          error: { type: 'string' },
          time: { type: 'string' },
          args: {},
        },
      },
    },
    timings: {
      type: 'object',
      required: ['setupMs', 'agentMs', 'installMs', 'startMs', 'gradeMs', 'teardownMs', 'overheadMs'],
      properties: {
        setupMs: ms,
        agentMs: ms,
        installMs: ms,
        startMs: ms,
        gradeMs: ms,
        teardownMs: ms,
        // Overhead is derived by subtraction, so clock jitter may make it a hair negative.
        overheadMs: { type: 'number' },
      },
    },
    startedAt: timestamp,
    finishedAt: timestamp,
  },
} as const;

/** The JSON Schema of run.json (a RunSummary): the run's identity, its trials inlined, and the scores. */
export const RUN_SUMMARY_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://twins.dev/schemas/run-summary.json',
  title: 'RunSummary',
  type: 'object',
  required: [
    'schemaVersion',
    'runId',
    'task',
    'agent',
    'trialsRequested',
    'shards',
    'isolation',
    'trials',
    'scores',
    'startedAt',
    'finishedAt',
  ],
  properties: {
    schemaVersion: { const: RESULT_SCHEMA_VERSION },
    runId: { type: 'string', minLength: 1 },
    task: { type: 'string', minLength: 1 },
    agent: { type: 'string', minLength: 1 },
    trialsRequested: { type: 'integer', minimum: 1 },
    shards: { type: 'array', items: { type: 'string', pattern: '^[1-9][0-9]*/[1-9][0-9]*$' } },
    isolation,
    trials: { type: 'array', items: { $ref: 'trial-result.json' } },
    fidelity: {
      type: 'object',
      required: ['trials', 'unmodelledTrials', 'calls', 'trustedCalls', 'figure'],
      properties: { trials: count, unmodelledTrials: count, calls: count, trustedCalls: count, figure: share },
    },
    scores: {
      type: 'object',
      required: [
        'satisfaction',
        'interval',
        'scenarioTrials',
        'passedScenarioTrials',
        'passAtK',
        'passHatK',
        'scenarios',
        'trials',
        'agentWallMs',
      ],
      properties: {
        satisfaction: { type: 'number', minimum: 0, maximum: 1 },
        interval: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], minItems: 2, maxItems: 2 },
        scenarioTrials: count,
        passedScenarioTrials: count,
        passAtK: probabilities,
        passHatK: probabilities,
        scenarios: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'name', 'trials', 'passed', 'passAtK', 'passHatK'],
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              trials: count,
              passed: count,
              passAtK: probabilities,
              passHatK: probabilities,
            },
          },
        },
        trials: {
          type: 'object',
          required: ['total', 'graded', 'agentFailures', 'infrastructureFailures', 'contaminated'],
          properties: { total: count, graded: count, agentFailures: count, infrastructureFailures: count, contaminated: count },
        },
        agentWallMs: { type: 'object', required: ['median', 'max'], properties: { median: ms, max: ms } },
        costUsd: { type: 'number', minimum: 0 },
        tokens: { type: 'number', minimum: 0 },
      },
    },
    startedAt: timestamp,
    finishedAt: timestamp,
  },
} as const;

/**
 * Version 1 as it was written (before and during issue 8): hits of kind `tampering` already appear (the interim
 * writer), token counts and the cost are unbounded (the writer before that did not clamp them), and `journal[].args`
 * may be the twin's redacted arguments object rather than a text summary.
 */
export const TRIAL_RESULT_V1_SCHEMA = {
  ...TRIAL_RESULT_SCHEMA,
  $id: 'https://twins.dev/schemas/trial-result-v1.json',
  title: 'TrialResult (version 1)',
  properties: {
    ...TRIAL_RESULT_SCHEMA.properties,
    schemaVersion: { const: 1 },
    agentRun: {
      ...TRIAL_RESULT_SCHEMA.properties.agentRun,
      properties: {
        ...TRIAL_RESULT_SCHEMA.properties.agentRun.properties,
        tokens: { type: 'object', properties: { input: count, output: count, total: count } },
        costUsd: { type: 'number', minimum: 0 },
      },
    },
  },
} as const;

/** run.json of version 1: the same shape, its trials of version 1. */
export const RUN_SUMMARY_V1_SCHEMA = {
  ...RUN_SUMMARY_SCHEMA,
  $id: 'https://twins.dev/schemas/run-summary-v1.json',
  title: 'RunSummary (version 1)',
  properties: {
    ...RUN_SUMMARY_SCHEMA.properties,
    schemaVersion: { const: 1 },
    trials: { type: 'array', items: { $ref: 'trial-result-v1.json' } },
  },
} as const;

interface Validators {
  trial: ValidateFunction<TrialResult>;
  run: ValidateFunction<RunSummary>;
  trialV1: ValidateFunction<unknown>;
  runV1: ValidateFunction<unknown>;
}

let compiled: Validators | undefined;

function validators() {
  if (!compiled) {
    // allowUnionTypes: exitCode is integer or null. strict stays on otherwise, so a typo in a schema keyword fails here.
    const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
    ajv.addSchema(TRIAL_RESULT_SCHEMA);
    ajv.addSchema(TRIAL_RESULT_V1_SCHEMA);
    compiled = {
      trial: ajv.getSchema<TrialResult>(TRIAL_RESULT_SCHEMA.$id) as ValidateFunction<TrialResult>,
      run: ajv.compile<RunSummary>(RUN_SUMMARY_SCHEMA),
      trialV1: ajv.getSchema(TRIAL_RESULT_V1_SCHEMA.$id) as ValidateFunction<unknown>,
      runV1: ajv.compile(RUN_SUMMARY_V1_SCHEMA),
    };
  }
  return compiled;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}`);
}

/** Check a parsed trials/NNNN.json; the problems, empty when it is a valid TrialResult. */
export function validateTrialResult(value: unknown): string[] {
  const v = validators().trial;
  return v(value) ? [] : describe(v.errors);
}

/** Check a parsed run.json; the problems, empty when it is a valid RunSummary. */
export function validateRunSummary(value: unknown): string[] {
  const v = validators().run;
  return v(value) ? [] : describe(v.errors);
}

/** Characters of a journal entry's `args` text, as the grader's proxy keeps them. */
const ARGS_CHARS = 1024;

/**
 * A version 1 trial (already checked against TRIAL_RESULT_V1_SCHEMA) as version 2 says it: token counts and the cost
 * clamped to the bounds the harness now keeps (MAX_TOKENS, MAX_COST_USD), the cost marked as the agent's own word
 * (a version 1 cost only ever came from the agent), and an `args` object of the journal as its JSON text.
 */
export function upgradeTrialResultV1(v1: unknown): TrialResult {
  const t = structuredClone(v1) as TrialResult;
  const run = t.agentRun;
  if (run.tokens)
    for (const k of ['input', 'output', 'total'] as const) {
      const n = run.tokens[k];
      if (typeof n === 'number') run.tokens[k] = Math.min(n, MAX_TOKENS);
    }
  if (typeof run.costUsd === 'number') {
    run.costUsd = Math.min(run.costUsd, MAX_COST_USD);
    run.costSelfReported = true;
  }
  t.journal = t.journal.map((j) =>
    j.args === undefined || typeof j.args === 'string' ? j : { ...j, args: JSON.stringify(j.args).slice(0, ARGS_CHARS) },
  );
  t.schemaVersion = RESULT_SCHEMA_VERSION;
  return t;
}

/**
 * A parsed trials/NNNN.json of any version this twins reads, as the current version: checked against its own
 * version's schema, then upgraded and checked again. `problems` is empty when it reads.
 */
export function readableTrialResult(value: unknown): { trial?: TrialResult; problems: string[] } {
  if ((value as { schemaVersion?: unknown } | null)?.schemaVersion !== 1) {
    const problems = validateTrialResult(value);
    return problems.length ? { problems } : { trial: value as TrialResult, problems };
  }
  const v = validators().trialV1;
  if (!v(value)) return { problems: describe(v.errors) };
  const trial = upgradeTrialResultV1(value);
  const problems = validateTrialResult(trial);
  return problems.length ? { problems } : { trial, problems };
}

/** A parsed run.json of any version this twins reads, as the current version (its trials upgraded); `problems` is empty when it reads. */
export function readableRunSummary(value: unknown): { run?: RunSummary; problems: string[] } {
  if ((value as { schemaVersion?: unknown } | null)?.schemaVersion !== 1) {
    const problems = validateRunSummary(value);
    return problems.length ? { problems } : { run: value as RunSummary, problems };
  }
  const v = validators().runV1;
  if (!v(value)) return { problems: describe(v.errors) };
  const old = value as RunSummary;
  const run: RunSummary = { ...old, schemaVersion: RESULT_SCHEMA_VERSION, trials: old.trials.map(upgradeTrialResultV1) };
  const problems = validateRunSummary(run);
  return problems.length ? { problems } : { run, problems };
}
