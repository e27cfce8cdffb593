// JSON Schemas (2020-12) of the results files (trials/NNNN.json and run.json) and their ajv validators.

import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { MAX_COST_USD, MAX_TOKENS } from '../agents/usage.ts';
import { RESULT_SCHEMA_VERSION, type RunSummary, type TrialResult } from '../types.ts';

// Unknown properties are allowed everywhere: additive changes keep the schema version (docs/harness.md),
// so a reader must accept fields a newer writer added.

const count = { type: 'integer', minimum: 0 } as const;
/** Token counts are clamped when read from an agent (cleanUsage), so a file with more was not written by the harness. */
const tokenCount = { type: 'integer', minimum: 0, maximum: MAX_TOKENS } as const;
const ms = { type: 'number', minimum: 0 } as const;
const timestamp = { type: 'string', minLength: 1 } as const;
const isolation = { enum: ['bubblewrap', 'none'] } as const;
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

let compiled: { trial: ValidateFunction<TrialResult>; run: ValidateFunction<RunSummary> } | undefined;

function validators() {
  if (!compiled) {
    // allowUnionTypes: exitCode is integer or null. strict stays on otherwise, so a typo in a schema keyword fails here.
    const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
    ajv.addSchema(TRIAL_RESULT_SCHEMA);
    compiled = {
      trial: ajv.getSchema<TrialResult>(TRIAL_RESULT_SCHEMA.$id) as ValidateFunction<TrialResult>,
      run: ajv.compile<RunSummary>(RUN_SUMMARY_SCHEMA),
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
