// twins score interrupted and resumed, and sharded then merged, as real processes: a SIGKILL mid-run loses no finished trial, and shards 1/2 + 2/2 merged equal the unsharded run.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparableSummary, readRun } from '../../harness/report/index.ts';
import { runIdFor } from '../../harness/run.ts';
import { killAll, twins, until } from '../support/cli.ts';
import { partialAgent, SAMPLE, type SealedSample, sealedSample } from './score-fixture.ts';

let s: SealedSample;

beforeAll(async () => {
  s = await sealedSample();
}, 30_000);

afterAll(() => {
  killAll();
  s?.cleanup();
});

function trialFiles(out: string): string[] {
  const dir = join(out, 'trials');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => /^\d+\.json$/.test(n))
        .sort()
    : [];
}

async function scoreOk(args: string[]): Promise<string> {
  const r = twins(['score', '--task', SAMPLE, '--wait', '1', ...s.flags, ...args], { cwd: s.work });
  const code = await r.exited;
  expect(code, `${r.out()}\n${r.err()}`).toBe(0);
  return r.out() + r.err();
}

describe.concurrent('twins score, interrupted and sharded', () => {
  it('after a SIGKILL mid-run, finishes the run without redoing the trials that were written', async () => {
    const out = join(s.work, 'resume');
    // An agent that takes a second, then leaves no app: each trial a quick agent failure.
    const args = ['--agent', 'command:sleep 1', '--trials', '4', '--out', out];
    const first = twins(['score', '--task', SAMPLE, ...s.flags, ...args], { cwd: s.work });
    await until(() => trialFiles(out).length > 0, 'the first trial file', 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    // The killed run's private work folder (its workspaces, tenant variables) is left behind, named by its pid…
    const leftover = readdirSync(tmpdir())
      .filter((n) => n.startsWith('twins-score-'))
      .map((n) => join(tmpdir(), n))
      .find((d) => existsSync(join(d, 'owner.pid')) && readFileSync(join(d, 'owner.pid'), 'utf8') === String(first.child.pid));
    expect(leftover).toBeDefined();
    const done = trialFiles(out);
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(4);
    const before = new Map(
      done.map((f) => [f, { mtime: statSync(join(out, 'trials', f)).mtimeMs, text: readFileSync(join(out, 'trials', f), 'utf8') }]),
    );

    // Without --resume the folder is refused, not overwritten.
    const refused = twins(['score', '--task', SAMPLE, ...s.flags, ...args], { cwd: s.work });
    expect(await refused.exited).toBe(2);
    expect(refused.err()).toContain('TWINS_OUT_EXISTS');

    const printed = await scoreOk([...args, '--resume']);
    expect(printed).toContain(`${done.length} trial(s) kept from before`);
    // …and the next run removes it.
    expect(existsSync(leftover as string)).toBe(false);
    expect(printed).toContain(`removed ${leftover}, left behind by a run that was killed`);
    expect(trialFiles(out)).toEqual(['0000.json', '0001.json', '0002.json', '0003.json']);
    for (const [f, was] of before) {
      expect(statSync(join(out, 'trials', f)).mtimeMs).toBe(was.mtime);
      expect(readFileSync(join(out, 'trials', f), 'utf8')).toBe(was.text);
    }
    const summary = readRun(out);
    expect(summary.trials.map((t) => t.trial)).toEqual([0, 1, 2, 3]);
    expect(summary.scores.trials).toMatchObject({ total: 4, agentFailures: 4 });

    // Nothing left to do: a second resume runs no trial.
    expect(await scoreOk([...args, '--resume'])).toContain('0 trial(s) to run, 4 kept from before');

    // One trial file that fails its schema (hostile token counts): the report still reads, and --resume redoes only it.
    const bad = join(out, 'trials', '0002.json');
    const t2 = JSON.parse(readFileSync(bad, 'utf8'));
    writeFileSync(bad, JSON.stringify({ ...t2, agentRun: { ...t2.agentRun, tokens: { input: 0.5, total: 1e300 } } }));
    const kept = new Map(['0000.json', '0001.json', '0003.json'].map((f) => [f, statSync(join(out, 'trials', f)).mtimeMs]));
    const warnings: string[] = [];
    expect(readRun(out, { onWarning: (w) => warnings.push(w) }).trials.map((t) => t.trial)).toEqual([0, 1, 3]);
    expect(warnings.join('\n')).toContain('0002.json');
    const again = await scoreOk([...args, '--resume']);
    expect(again).toContain('1 trial(s) to run, 3 kept from before');
    for (const [f, mtime] of kept) expect(statSync(join(out, 'trials', f)).mtimeMs).toBe(mtime);
    expect(readRun(out).trials.map((t) => t.trial)).toEqual([0, 1, 2, 3]);
  }, 150_000);

  it('shards 1/2 and 2/2 merged equal the unsharded run: same run id, scores and per-trial scenario statuses', async () => {
    const agent = partialAgent();
    const common = ['--agent', agent, '--trials', '3', '--parallel', '2'];
    const whole = join(s.work, 'whole');
    const shard1 = join(s.work, 'shard1');
    const shard2 = join(s.work, 'shard2');
    await Promise.all([
      scoreOk([...common, '--out', whole]),
      scoreOk([...common, '--shard', '1/2', '--out', shard1]),
      scoreOk([...common, '--shard', '2/2', '--out', shard2]),
    ]);
    // Trial i belongs to shard (i mod N) + 1.
    expect(trialFiles(shard1)).toEqual(['0000.json', '0002.json']);
    expect(trialFiles(shard2)).toEqual(['0001.json']);

    const merged = join(s.work, 'merged');
    const m = twins(['report', 'merge', shard1, shard2, '--out', merged], { cwd: s.work });
    expect(await m.exited, m.err()).toBe(0);

    const a = readRun(whole);
    const b = readRun(merged);
    expect(a.runId).toBe(runIdFor('sample', agent, 3));
    expect(b.runId).toBe(a.runId);
    // The agent passes two holdouts of three (not the ping in a thread), every time: a score that says something.
    expect(a.scores.satisfaction).toBeCloseTo(2 / 3);
    expect(b.scores.satisfaction).toBe(a.scores.satisfaction);
    expect(b.scores.passAtK).toEqual(a.scores.passAtK);
    expect(b.trials.map((t) => t.scenarios.map((x) => `${x.id}:${x.status}`))).toEqual(
      a.trials.map((t) => t.scenarios.map((x) => `${x.id}:${x.status}`)),
    );
    expect(comparableSummary(b, 'outcomes')).toEqual(comparableSummary(a, 'outcomes'));
    expect(b.shards).toEqual(['1/2', '2/2']);
  }, 90_000);
});
