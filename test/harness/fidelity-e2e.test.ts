// The fidelity end to end: the demo task scored for its reference from the repository, as a user runs it; each trial lists the app's Slack calls from the grader's proxy with the twin's fidelity, and run.json, report show and the leaderboard carry the figure.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSummary, TrialResult } from '../../harness/types.ts';
import { buildCatalogue } from '../../src/fidelity/catalogue.ts';
import { killAll, twins } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'twins-fidelity-e2e-'));
// As demo-task.test.ts: no vault identity of the user's; the demo ships its own, public.
const NEWCOMER = { HOME: join(out, 'home'), TWINS_VAULT_IDENTITY: undefined, TWINS_VAULT_IDENTITY_DATA: undefined };

afterAll(() => {
  killAll();
  rmSync(out, { recursive: true, force: true });
});

describe('fidelity through twins score', () => {
  it("the demo reference's trial lists its Slack operations with their fidelity; run.json, report show and the leaderboard carry the figure", async () => {
    const dir = join(out, 'reference');
    const r = twins(['score', '--task', 'demo', '--agent', 'reference', '--out', dir], { cwd: ROOT, env: NEWCOMER });
    const code = await r.exited;
    expect(code, `${r.out()}\n${r.err()}`).toBe(0);

    const trial = JSON.parse(readFileSync(join(dir, 'trials', '0000.json'), 'utf8')) as TrialResult;
    expect(trial.status).toBe('passed');
    const f = trial.fidelity;
    expect(f, 'the trial records its fidelity').toBeDefined();
    if (!f) return;
    // The reference bot answers in Slack: it posts and reacts, and every call it makes is one the twin models.
    const ops = new Map(f.operations.map((o) => [o.operation, o]));
    expect(ops.get('chat.postMessage')?.calls).toBeGreaterThan(0);
    expect(f.unmodelled).toBe(false);
    expect(f.calls).toBe(f.operations.reduce((n, o) => n + o.calls, 0));
    // Each operation's status is the catalogue's, and the figure follows from it.
    const slack = await buildCatalogue('slack');
    for (const o of f.operations) {
      const c = slack.operations.find((x) => x.operationId === o.operation);
      expect(c, o.operation).toBeDefined();
      expect(o).toMatchObject({ twin: 'slack', status: 'implemented', limitations: c?.limitations, sdk: c?.sdk });
      expect(o.trusted).toBe(Boolean(c && c.limitations.length === 0 && c.sdk.length > 0));
    }
    const trusted = f.operations.filter((o) => o.trusted).reduce((n, o) => n + o.calls, 0);
    expect(f.trustedCalls).toBe(trusted);
    expect(f.figure).toBeCloseTo(trusted / f.calls, 12);
    // The app's calls are the proxy's view, not the journal's: at least as many (the journal keeps only the grading).
    expect(f.calls).toBeGreaterThanOrEqual(trial.journal.length);

    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunSummary;
    expect(run.fidelity).toEqual({ trials: 1, unmodelledTrials: 0, calls: f.calls, trustedCalls: trusted, figure: f.figure });
    const figure = `${(Math.round((f.figure ?? 0) * 1000) / 10).toFixed(1)} %`;
    expect(r.out()).toContain(`Twin fidelity: ${figure} (${trusted} of ${f.calls} app calls on trusted operations`);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('data-operation="chat.postMessage"');

    const board = twins(['leaderboard', dir], { cwd: ROOT, env: NEWCOMER });
    expect(await board.exited, board.err()).toBe(0);
    expect(board.out()).toMatch(/twin fidelity/);
    expect(
      board
        .out()
        .split('\n')
        .find((l) => l.startsWith('reference')),
    ).toMatch(new RegExp(`${figure.replace('.', '\\.')}$`));
  }, 240_000);
});
