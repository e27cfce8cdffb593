// The README's scoring section as a newcomer runs it: the demo task scored for reference and noop from the repository, reports read back.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTask } from '../../harness/task.ts';
import { killAll, twins } from '../support/cli.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'twins-demo-score-'));
// As on a newcomer's machine: no vault identity of their own anywhere; the demo's ships with it.
const NEWCOMER = { HOME: join(out, 'home'), TWINS_VAULT_IDENTITY: undefined, TWINS_VAULT_IDENTITY_DATA: undefined };

afterAll(() => {
  killAll();
  rmSync(out, { recursive: true, force: true });
});

/** One README command, `npx twins score --task demo --agent AGENT --out DIR`, run as written from the repository. */
async function score(agent: string): Promise<{ stdout: string; stderr: string; dir: string }> {
  const dir = join(out, agent);
  const r = twins(['score', '--task', 'demo', '--agent', agent, '--out', dir], { cwd: ROOT, env: NEWCOMER });
  const code = await r.exited;
  expect(code, `twins score --agent ${agent} exited ${code}:\n${r.out()}\n${r.err()}`).toBe(0);
  return { stdout: r.out(), stderr: r.err(), dir };
}

describe('the demo task, from the README', () => {
  it('ships its public demo identity, labelled, and a vault of its own', () => {
    const task = loadTask('demo', { cwd: ROOT });
    expect(task.holdouts?.vault).toBe(join(ROOT, 'harness/tasks/demo/vault'));
    expect(task.holdouts?.demoIdentity).toBe(join(ROOT, 'harness/tasks/demo/demo-identity.txt'));
    const identity = readFileSync(task.holdouts?.demoIdentity ?? '', 'utf8');
    expect(identity).toMatch(/^# twins: demo identity\. PUBLIC ON PURPOSE/);
    // Its recipient must never open the project's real holdouts.
    const recipient = /# public key: (age1\S+)/.exec(identity)?.[1] ?? 'none';
    expect(readFileSync(join(ROOT, 'scenarios/vault/recipients.txt'), 'utf8')).not.toContain(recipient);
    expect(readFileSync(join(ROOT, 'harness/tasks/demo/vault/recipients.txt'), 'utf8')).toMatch(/^# twins: demo vault/);
  });

  it('scores reference passing and noop failing, and the leaderboard shows both', async () => {
    const [reference, noop] = await Promise.all([score('reference'), score('noop')]);
    expect(reference.stdout).toMatch(/task demo, agent reference/);
    expect(reference.stdout).toMatch(/Satisfaction: 100\.0 %/);
    expect(reference.stdout).not.toMatch(/✗/);
    expect(noop.stdout).toMatch(/Satisfaction: 0\.0 %/);
    expect(noop.stdout).toMatch(/Trial 0: agent failure/);
    for (const r of [reference, noop]) {
      expect(r.stdout).toMatch(/Results: .*\(report: .*report\.html\)/);
      for (const f of ['run.json', 'junit.xml', 'report.html']) expect(existsSync(join(r.dir, f)), f).toBe(true);
    }
    const board = twins(['leaderboard', reference.dir, noop.dir], { cwd: ROOT, env: NEWCOMER });
    expect(await board.exited, board.err()).toBe(0);
    const rows = board.out().split('\n');
    expect(rows.find((l) => l.includes('reference'))).toMatch(/100(\.0)? ?%/);
    expect(rows.find((l) => l.includes('noop'))).toMatch(/\b0(\.0)? ?%/);
  }, 240_000);
});
