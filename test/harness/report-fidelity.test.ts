// The twins' fidelity in the results: a trial's table and figure, the run's pooled figure in run.json, `twins report show`, the HTML report and the leaderboard; schema-checked and sanitised like the rest.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildLeaderboard,
  buildSummary,
  comparableSummary,
  leaderboardHtml,
  leaderboardText,
  mergeSummaries,
  readRun,
  reportHtml,
  sanitiseTrialResult,
  scoresText,
  validateRunSummary,
  validateTrialResult,
  writeRun,
} from '../../harness/report/index.ts';
import type { RunSummary, TrialFidelity, TrialResult } from '../../harness/types.ts';
import { leaderboardCommand } from '../../src/cli/leaderboard.ts';
import { reportCommand } from '../../src/cli/report.ts';
import { buildCatalogue } from '../../src/fidelity/catalogue.ts';
import { fidelityTrials } from './fidelity-trials.ts';
import { meta, trial } from './synthetic-trials.ts';

let trials: TrialResult[];
let summary: RunSummary;
/** Whether the real catalogue trusts an operation of the Slack twin (so the test follows the repository as it is). */
let trusted: (op: string) => boolean;
const dirs: string[] = [];

beforeAll(async () => {
  trials = await fidelityTrials();
  summary = buildSummary(meta({ trialsRequested: 3 }), trials);
  const slack = await buildCatalogue('slack');
  trusted = (id) => {
    const op = slack.operations.find((o) => o.operationId === id);
    return Boolean(op?.implemented && op.limitations.length === 0 && op.sdk.length > 0);
  };
}, 60_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Everything `fn` writes to stdout. */
async function stdoutOf(fn: () => Promise<number>): Promise<{ code: number; text: string }> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const code = await fn();
    return { code, text: out.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('fidelity in the results', () => {
  it("each trial lists the app's vendor operations with count and status; the figure is trusted calls over calls", () => {
    const [t0, t1, t2] = trials.map((t) => t.fidelity as TrialFidelity);
    expect(t0.operations.map((o) => [o.operation, o.calls, o.status])).toEqual([
      ['chat.postMessage', 3, 'implemented'],
      ['auth.test', 2, 'implemented'],
      ['conversations.open', 1, 'implemented'],
    ]);
    // auth.test has no documented limitation and @slack/web-api's tests cover it: the figure is not trivially 0.
    expect(trusted('auth.test')).toBe(true);
    const expected0 = 3 * Number(trusted('chat.postMessage')) + 2 + Number(trusted('conversations.open'));
    expect(t0).toMatchObject({ calls: 6, trustedCalls: expected0, figure: expected0 / 6, unmodelled: false });
    expect(t0.operations.map((o) => o.trusted)).toEqual(['chat.postMessage', 'auth.test', 'conversations.open'].map(trusted));
    expect(t0.operations[2].limitations.join(' ')).toContain('prevent_creation');
    expect(t1).toMatchObject({ calls: 2, unmodelledCalls: 1, unmodelled: true });
    expect(t1.operations.find((o) => o.status === 'unknown')?.operation).toBe('POST /api/admin.teams.create<b>');
    expect(t2).toMatchObject({ calls: 0, figure: null, unmodelled: false });
  });

  it('run.json carries the pooled figure; trials and run validate, survive sanitising and a write and read', () => {
    const calls = 8;
    const trustedCalls = 4 * Number(trusted('chat.postMessage')) + 2 + Number(trusted('conversations.open'));
    expect(trustedCalls).toBeGreaterThan(0);
    expect(summary.fidelity).toEqual({ trials: 3, unmodelledTrials: 1, calls, trustedCalls, figure: trustedCalls / calls });
    for (const t of trials) {
      expect(validateTrialResult(t)).toEqual([]);
      expect(sanitiseTrialResult(t)).toEqual(t);
    }
    expect(validateRunSummary(summary)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'twins-report-fidelity-'));
    dirs.push(dir);
    writeRun(dir, summary);
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).fidelity).toEqual(summary.fidelity);
    expect(readRun(dir)).toEqual(summary);
  });

  it('shards merged carry the unsharded run’s fidelity; outcomes comparisons of real runs leave it out', () => {
    const shard = (keep: number[], shards: string[]) =>
      buildSummary(
        meta({ trialsRequested: 3, shards }),
        trials.filter((t) => keep.includes(t.trial)),
      );
    const merged = mergeSummaries([shard([0, 2], ['1/2']), shard([1], ['2/2'])]);
    expect(merged.fidelity).toEqual(summary.fidelity);
    expect(comparableSummary(merged)).toEqual(comparableSummary(summary));
    // Another real run whose app made one more call: the same outcomes, a different fidelity.
    const more = trials.map((t) =>
      t.fidelity
        ? { ...t, fidelity: { ...t.fidelity, calls: t.fidelity.calls + 1, figure: t.fidelity.trustedCalls / (t.fidelity.calls + 1) } }
        : t,
    );
    const again = buildSummary(meta({ trialsRequested: 3 }), more);
    expect(again.fidelity).not.toEqual(summary.fidelity);
    expect(comparableSummary(again, 'outcomes')).toEqual(comparableSummary(summary, 'outcomes'));
    expect(comparableSummary(again)).not.toEqual(comparableSummary(summary));
  });

  it('a hostile or broken fidelity record is cleaned to the schema before it is written', () => {
    const bad = trial(0, [['canary-a', 'passed']], {
      fidelity: {
        calls: -3,
        trustedCalls: 99,
        figure: 7,
        unmodelledCalls: 1.5,
        unmodelled: false,
        operations: [{ twin: 'slack', operation: '', calls: 0, status: 'bogus', limitations: 'no', sdk: [1], trusted: 'yes' }],
      } as unknown as TrialFidelity,
    });
    const clean = sanitiseTrialResult(bad);
    expect(validateTrialResult(clean)).toEqual([]);
    expect(clean.failure).toBeUndefined();
    expect(clean.fidelity).toMatchObject({ calls: 0, trustedCalls: 0, figure: null, unmodelled: true });
    expect(clean.fidelity?.operations[0]).toEqual({
      twin: 'slack',
      operation: 'unknown',
      calls: 1,
      status: 'unknown',
      limitations: [],
      sdk: ['1'],
      trusted: false,
    });
  });

  it('`twins report show` prints the figure and names the trial graded on an unmodelled operation', async () => {
    const text = scoresText(summary);
    const figure = `${(Math.round((summary.fidelity?.figure ?? 0) * 1000) / 10).toFixed(1)} %`;
    expect(text).toContain(`Twin fidelity: ${figure} (${summary.fidelity?.trustedCalls} of 8 app calls on trusted operations`);
    expect(text).toContain('1 graded on an unmodelled operation');
    expect(text).toContain('Trial 1: GRADED ON AN UNMODELLED OPERATION: slack POST /api/admin.teams.create<b> ×1 (unknown)');
    expect(text).not.toContain('Trial 0: GRADED');
    const dir = mkdtempSync(join(tmpdir(), 'twins-report-fidelity-cli-'));
    dirs.push(dir);
    writeRun(dir, summary);
    const shown = await stdoutOf(() => reportCommand(['show', dir]));
    expect(shown.code).toBe(0);
    expect(shown.text).toContain(`Twin fidelity: ${figure}`);
    // Results written before fidelity existed say so rather than showing a figure.
    expect(scoresText(buildSummary(meta({ trialsRequested: 1 }), [trial(0, [['canary-a', 'passed']])]))).toContain(
      'Twin fidelity: not measured',
    );
  });

  it('the HTML report shows each trial’s table, the run’s card and an UNMODELLED badge, escaping operation names', () => {
    const page = reportHtml(summary);
    expect(page).toContain('<div class="card" id="fidelity">');
    expect(page).toMatch(/<section class="trial" id="trial-0">[\s\S]*?data-operation="chat\.postMessage" data-twin="slack">/);
    expect(page).toContain('<code>POST /api/admin.teams.create&lt;b&gt;</code>');
    expect(page).not.toContain('admin.teams.create<b>');
    const badge = '<span class="badge unmodelled">GRADED ON AN UNMODELLED OPERATION</span>';
    expect(page.split(badge)).toHaveLength(2);
    expect(page.indexOf(badge)).toBeGreaterThan(page.indexOf('id="trial-1"'));
    expect(page.indexOf(badge)).toBeLessThan(page.indexOf('id="trial-2"'));
    expect(page).toMatch(/id="trial-2"[\s\S]*The app made no vendor call\./);
  });

  it('`twins leaderboard` carries the run’s figure as a column, pooled over an agent’s tasks', async () => {
    const other = buildSummary(meta({ runId: 'run-old', agent: 'noop', trialsRequested: 1 }), [
      trial(0, [['canary-a', 'failed', 'x']], { runId: 'run-old', agent: 'noop' }),
    ]);
    const board = buildLeaderboard([summary, other]);
    const ref = board.rows.find((r) => r.agent === 'reference');
    expect(ref?.fidelity).toEqual(summary.fidelity);
    expect(ref?.cells['incident-bot'].fidelity).toEqual(summary.fidelity);
    expect(board.rows.find((r) => r.agent === 'noop')?.fidelity).toBeUndefined();
    const text = leaderboardText(board);
    expect(text).toMatch(/^agent\s+incident-bot \(k=1\)\s+mean\s+twin fidelity$/m);
    expect(text).toMatch(/^reference\s.*\d+\.\d %\s+\d+\.\d % ⚠ 1 unmodelled$/m);
    expect(text).toMatch(/^noop\s.*\s+not measured$/m);
    expect(leaderboardHtml(board)).toMatch(/<td class="fidelity" data-agent="reference"><div class="sat">\d+\.\d %<\/div>/);
    const a = mkdtempSync(join(tmpdir(), 'twins-board-a-'));
    dirs.push(a);
    writeRun(a, summary);
    const printed = await stdoutOf(() => leaderboardCommand([a, '--json']));
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.text).rows[0].fidelity).toEqual(summary.fidelity);
  });
});
