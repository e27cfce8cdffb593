// task.yaml `holdouts:`: a task's own vault and a shipped demo identity, kept inside the task folder and labelled, and where the grader looks for holdouts.

import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTask, taskHoldoutSource } from '../../harness/task.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'twins-task-holdouts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the demo task whose task.yaml ends with `holdouts` as given, and whose identity file says `identity`. */
function demoWith(name: string, holdouts: string, identity?: string): string {
  const dir = join(work, name);
  cpSync(join(ROOT, 'harness/tasks/demo'), dir, { recursive: true });
  const yaml = `title: Demo copy\ntwins: [slack]\n${holdouts}\n`;
  writeFileSync(join(dir, 'task.yaml'), yaml);
  if (identity !== undefined) writeFileSync(join(dir, 'demo-identity.txt'), identity);
  return dir;
}

describe('a task with holdouts of its own', () => {
  it('the demo resolves its vault and demo identity; --vault and --identity still win', () => {
    const task = loadTask('demo', { cwd: ROOT });
    expect(taskHoldoutSource(task, { cwd: ROOT })).toEqual({
      vaultDir: join(ROOT, 'harness/tasks/demo/vault'),
      identityPath: join(ROOT, 'harness/tasks/demo/demo-identity.txt'),
    });
    expect(taskHoldoutSource(task, { cwd: ROOT, identityPath: '/x/id.txt' }).identityPath).toBe('/x/id.txt');
    // Another vault named: the demo identity is not pushed onto it.
    expect(taskHoldoutSource(task, { cwd: ROOT, vaultDir: 'elsewhere' })).toEqual({
      vaultDir: join(ROOT, 'elsewhere'),
      identityPath: undefined,
    });
    const real = loadTask('incident-bot', { cwd: ROOT });
    expect(real.holdouts).toBeUndefined();
    expect(taskHoldoutSource(real, { cwd: ROOT })).toEqual({ vaultDir: join(ROOT, 'scenarios/vault'), identityPath: undefined });
  });

  it('refuses a vault or identity outside the task folder, and an identity that does not say it is a demo', () => {
    const outside = demoWith('outside', 'holdouts:\n  vault: ../../scenarios/vault');
    expect(() => loadTask(outside)).toThrow(/holdouts\.vault must be a path inside the task folder/);
    const stolen = demoWith('stolen', 'holdouts:\n  vault: vault\n  demoIdentity: /root/.config/twins/vault-identity.txt');
    expect(() => loadTask(stolen)).toThrow(/holdouts\.demoIdentity must be a path inside the task folder/);
    const unlabelled = demoWith(
      'unlabelled',
      'holdouts:\n  vault: vault\n  demoIdentity: demo-identity.txt',
      '# just a key\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n',
    );
    expect(() => loadTask(unlabelled)).toThrow(/does not say it is a demo identity/);
    const typo = demoWith('typo', 'holdouts:\n  vualt: vault');
    expect(() => loadTask(typo)).toThrow(/unknown key "vualt"/);
  });
});
