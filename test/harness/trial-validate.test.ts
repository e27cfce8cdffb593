// twins task validate, task list and twins grade as real processes: the sample task validates, a holdout that passes on the do-nothing baseline is named, an app built elsewhere is graded.

import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../harness/report/index.ts';
import { probeBubblewrap } from '../../harness/sandbox/index.ts';
import { killAll, twins } from '../support/cli.ts';
import { ROOT, SAMPLE, type SealedSample, sealedSample } from './score-fixture.ts';

/** A holdout that passes whatever the app does: it tests nothing, and validate must say so. */
const NON_DISCRIMINATING = {
  name: 'sample-quiet.feature',
  text: `Feature: A quiet channel

  Scenario: Nobody says anything in a quiet channel
    Given a Slack channel "#quiet-corner"
    Then for 1 second "#quiet-corner" has no message matching /pong/
`,
};

let good: SealedSample;
let bad: SealedSample;

beforeAll(async () => {
  [good, bad] = await Promise.all([sealedSample(), sealedSample([NON_DISCRIMINATING])]);
}, 30_000);

afterAll(() => {
  killAll();
  good?.cleanup();
  bad?.cleanup();
});

describe.concurrent('twins task validate', () => {
  it('passes on the sample task: every holdout passes on the reference and fails on the do-nothing baseline', async () => {
    const r = twins(['task', 'validate', SAMPLE, '--wait', '2', ...good.flags], { cwd: good.work });
    expect(await r.exited, r.out() + r.err()).toBe(0);
    expect(r.out()).toContain(`Task sample validates: all ${good.scenarios} holdout scenario(s) pass on the reference`);
    expect(r.out().match(/^✓ .*reference passed, baseline failed$/gm)).toHaveLength(good.scenarios);
  }, 60_000);

  it('names the holdout that does not discriminate, and exits 1', async () => {
    const r = twins(['task', 'validate', SAMPLE, '--wait', '2', '--json', ...bad.flags], { cwd: bad.work });
    expect(await r.exited, r.err()).toBe(1);
    const result = JSON.parse(r.out()) as { valid: boolean; verdicts: { name: string; discriminates: boolean; problem?: string }[] };
    expect(result.valid).toBe(false);
    const failing = result.verdicts.filter((v) => !v.discriminates);
    expect(failing.map((v) => v.name)).toEqual(['Nobody says anything in a quiet channel']);
    expect(failing[0].problem).toContain('passes on the do-nothing baseline');
    expect(result.verdicts.filter((v) => v.discriminates)).toHaveLength(good.scenarios);
  }, 60_000);
});

describe('twins task list', () => {
  it('lists tasks with their public features and holdout counts from the vault index (no identity needed)', async () => {
    const r = twins(['task', 'list', '--tasks', join(ROOT, 'test/fixtures/tasks'), '--vault', good.vault, '--json'], {
      cwd: good.work,
      env: { TWINS_VAULT_IDENTITY: join(good.work, 'nowhere.txt') },
    });
    expect(await r.exited, r.err()).toBe(0);
    const { tasks } = JSON.parse(r.out()) as {
      tasks: { id: string; publicFeatures: number; holdoutScenarios: number; reference: boolean }[];
    };
    expect(tasks.find((t) => t.id === 'sample')).toMatchObject({ publicFeatures: 2, holdoutScenarios: good.scenarios, reference: true });
  });

  it('a task that does not exist is a clear error', async () => {
    const r = twins(['task', 'validate', 'no-such-task', '--tasks', join(ROOT, 'test/fixtures/tasks')], { cwd: good.work });
    expect(await r.exited).toBe(2);
    expect(r.err()).toMatch(/no task "no-such-task" in .*\(tasks there: sample\).*TWINS_TASK_NOT_FOUND/);
  });
});

describe.concurrent('twins grade', () => {
  it('grades an app built elsewhere in the sandbox by default, or as a loudly plain process with --no-sandbox: the reference passes every holdout, with a results folder', async () => {
    const app = join(good.work, 'built-elsewhere');
    cpSync(join(SAMPLE, 'reference'), app, { recursive: true });
    const plainApp = join(good.work, 'built-elsewhere-plain');
    cpSync(join(SAMPLE, 'reference'), plainApp, { recursive: true });
    const out = join(good.work, 'graded');
    const r = twins(['grade', '--app', 'node app.mjs', '--cwd', app, '--task', SAMPLE, '--out', out, '--wait', '2', ...good.flags], {
      cwd: good.work,
    });
    const plain = twins(
      ['grade', '--app', 'node app.mjs', '--cwd', plainApp, '--task', SAMPLE, '--no-sandbox', '--wait', '2', ...good.flags],
      {
        cwd: good.work,
      },
    );
    expect(await r.exited, r.out() + r.err()).toBe(0);
    expect(r.out()).toContain(`Task sample: ${good.scenarios} of ${good.scenarios} holdout scenario(s) passed`);
    if (probeBubblewrap().ok) expect(r.out()).not.toContain('plain process');
    expect(await plain.exited, plain.out() + plain.err()).toBe(0);
    expect(plain.err()).toMatch(/WARNING: --no-sandbox: .*isolates NOTHING/);
    expect(plain.out()).toContain('WARNING: the app ran as a plain process');
    const summary = readRun(out);
    if (probeBubblewrap().ok) expect(summary.isolation).toBe('bubblewrap');
    expect(summary.agent).toBe('external');
    expect(summary.scores.satisfaction).toBe(1);
    expect(summary.trials[0].journal.some((j) => j.operation === 'chat.postMessage')).toBe(true);
  }, 60_000);

  it('an app that does nothing fails, exit 1, and one that never answers is the app’s failure', async () => {
    const empty = join(good.work, 'empty');
    mkdirSync(empty, { recursive: true });
    const r = twins(['grade', '--app', 'exit 3', '--cwd', empty, '--task', SAMPLE, '--json', ...good.flags], { cwd: good.work });
    expect(await r.exited).toBe(1);
    const t = JSON.parse(r.out());
    expect(t.failure).toMatchObject({ kind: 'agent', stage: 'start' });
    expect(t.failure.reason).toContain('exited (code 3)');
    expect(t.failure.reason).toContain('`exit 3`');
    expect(existsSync(empty)).toBe(true);
  }, 60_000);
});
