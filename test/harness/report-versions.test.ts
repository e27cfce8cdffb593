// Results files of schema version 1 (written before and during issue 8) still read, upgraded to version 2 in memory; a newer version is refused by name.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COST_USD, MAX_TOKENS } from '../../harness/agents/usage.ts';
import { buildSummary, readRun, readTrialFile, writeRunReports, writeTrialFile } from '../../harness/report/index.ts';
import { validateTrialResult } from '../../harness/report/schema.ts';
import { RESULT_SCHEMA_VERSION } from '../../harness/types.ts';
import { PlatformError } from '../../src/errors.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'twins-report-versions-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const RUN = { runId: 'old-run', task: 'sample', agent: 'module:agent.mjs' };

/** A trial file as the harness wrote it before issue 8: version 1, the usage unclamped, the journal's args an object. */
function beforeIssue8(trial: number): Record<string, unknown> {
  return {
    schemaVersion: 1,
    ...RUN,
    trial,
    status: 'failed',
    scenarios: [
      { id: 'canary-aaaaaaaaaaaaaaaa', name: 'A plain ping gets its pong', status: 'passed', durationMs: 120 },
      { id: 'canary-bbbbbbbbbbbbbbbb', name: 'Rate limited', status: 'failed', durationMs: 300, error: 'no reply' },
    ],
    agentRun: { exitCode: 0, timedOut: false, wallMs: 1200, tokens: { input: 3e12, output: 5, total: 3e12 + 5 }, costUsd: 2e7 },
    app: { installed: true, started: true, readyMs: 250, output: 'listening' },
    contamination: {
      flagged: true,
      hits: [{ kind: 'canary', needle: 'canary-aaaaaaaaaaaaaaaa', where: 'workspace', location: 'notes.md' }],
    },
    isolation: 'bubblewrap',
    transcript: 'built it',
    journal: [
      {
        twin: 'slack',
        operation: 'chat.postMessage',
        status: 200,
        time: '2026-11-01T10:00:00.000Z',
        args: { channel: 'C1', text: 'pong' },
      },
    ],
    timings: { setupMs: 1, agentMs: 1200, installMs: 0, startMs: 250, gradeMs: 420, teardownMs: 3, overheadMs: 2 },
    startedAt: '2026-11-01T10:00:00.000Z',
    finishedAt: '2026-11-01T10:00:02.000Z',
  };
}

/** A trial file as the harness wrote it during issue 8, still version 1: a `tampering` hit, the proxy's counts, args as text. */
function duringIssue8(trial: number): Record<string, unknown> {
  return {
    ...beforeIssue8(trial),
    agentRun: {
      exitCode: 0,
      timedOut: false,
      wallMs: 900,
      tokens: { input: 7, output: 3, total: 10 },
      costUsd: 0.01,
      costSelfReported: true,
    },
    contamination: { flagged: true, hits: [{ kind: 'tampering', needle: 'POST /_twin/faults', where: 'requests', location: 'the app' }] },
    requests: { recorded: 12, dropped: 0, refused: 1 },
    journal: [{ twin: 'slack', operation: 'chat.postMessage', status: 200, time: '2026-12-01T10:00:00.000Z', args: 'channel=C1' }],
  };
}

function folder(name: string, files: Record<string, unknown>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'trials'), { recursive: true });
  for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), JSON.stringify(v));
  return dir;
}

describe('results schema versions', () => {
  it('writes version 2', () => {
    expect(RESULT_SCHEMA_VERSION).toBe(2);
    const dir = folder('written', {});
    const path = writeTrialFile(dir, readTrialFile(join(folder('one', { 'trials/0000.json': duringIssue8(0) }), 'trials', '0000.json')));
    expect(JSON.parse(readFileSync(path, 'utf8')).schemaVersion).toBe(2);
  });

  it('reads a version 1 trial file from before issue 8: usage clamped, its cost marked as the agent’s, the journal’s args as text', () => {
    const dir = folder('before', { 'trials/0000.json': beforeIssue8(0) });
    const t = readTrialFile(join(dir, 'trials', '0000.json'));
    expect(t.schemaVersion).toBe(2);
    expect(t.agentRun.tokens).toEqual({ input: MAX_TOKENS, output: 5, total: MAX_TOKENS });
    expect(t.agentRun).toMatchObject({ costUsd: MAX_COST_USD, costSelfReported: true });
    expect(t.journal[0].args).toBe('{"channel":"C1","text":"pong"}');
    expect(t.contamination.hits[0]).toMatchObject({ kind: 'canary', location: 'notes.md' });
    expect(validateTrialResult(t)).toEqual([]);
    // The file itself is left as it was.
    expect(JSON.parse(readFileSync(join(dir, 'trials', '0000.json'), 'utf8')).schemaVersion).toBe(1);
  });

  it('reads a version 1 run of issue 8’s interim writer, tampering hits and all, into a summary, alone and from run.json', () => {
    const trials = [beforeIssue8(0), duringIssue8(1)];
    const runJson = {
      ...buildSummary(
        {
          ...RUN,
          trialsRequested: 2,
          shards: [],
          isolation: 'bubblewrap',
          startedAt: '2026-12-01T10:00:00.000Z',
          finishedAt: '2026-12-01T10:01:00.000Z',
        },
        [],
      ),
      schemaVersion: 1,
      trials,
    };
    const warnings: string[] = [];
    const withFiles = readRun(folder('run-v1', { 'trials/0000.json': trials[0], 'trials/0001.json': trials[1], 'run.json': runJson }), {
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toEqual([]);
    expect(withFiles.trials.map((t) => t.schemaVersion)).toEqual([2, 2]);
    expect(withFiles.trials[1].contamination.hits).toEqual([
      { kind: 'tampering', needle: 'POST /_twin/faults', where: 'requests', location: 'the app' },
    ]);
    expect(withFiles.scores.trials).toMatchObject({ total: 2, contaminated: 2 });
    // run.json alone (no trials/ folder): its inlined version 1 trials are upgraded too.
    const alone = join(root, 'run-v1-alone');
    mkdirSync(alone);
    writeFileSync(join(alone, 'run.json'), JSON.stringify(runJson));
    const fromRunJson = readRun(alone);
    expect(fromRunJson.trials.map((t) => t.agentRun.tokens?.input)).toEqual([MAX_TOKENS, 7]);
    // And a version 1 run is written back (merged, re-reported) as version 2.
    const out = join(root, 'rewritten');
    writeRunReports(out, fromRunJson);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).schemaVersion).toBe(2);
  });

  it('refuses a version 1 file that version 1 did not allow, and a version it does not know, naming it', () => {
    const bad = { ...beforeIssue8(0), contamination: { flagged: true, hits: [{ kind: 'guess', needle: 'x', where: 'workspace' }] } };
    const dir = folder('bad', { 'trials/0000.json': bad, 'trials/0001.json': { ...duringIssue8(1), schemaVersion: 3 } });
    expect(() => readTrialFile(join(dir, 'trials', '0000.json'))).toThrow(/is not a valid trial result: .*kind/);
    let err: unknown;
    try {
      readTrialFile(join(dir, 'trials', '0001.json'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).code).toBe('TWINS_RESULTS_INVALID');
    expect((err as Error).message).toContain('was written with results schema version 3; this twins reads versions 1 to 2');
  });
});
