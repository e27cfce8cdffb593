// The supervisor keeps every byte a command wrote before it exited, however late the harness's event loop gets to its output pipe.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, probeBubblewrap, type TwinsSandbox } from '../../harness/sandbox/index.ts';

let root: string;
const sandboxes: [string, () => TwinsSandbox][] = [['plain', () => createSandbox({ prefer: 'none', toolbox: false, log: () => {} })]];
if (probeBubblewrap().ok) sandboxes.push(['bubblewrap', () => createSandbox({ toolbox: false })]);
else console.warn('SKIPPED (bubblewrap case): no working bwrap here; the plain sandbox case still runs');

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'twins-supervise-test-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Blocks this process's event loop (as a busy grader does) until `done()` or `ms` pass. */
function blockUntil(done: () => boolean, ms: number): void {
  const end = performance.now() + ms;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!done() && performance.now() < end) Atomics.wait(cell, 0, 0, 5);
}

/** Whether `pid` has exited (a zombie nobody has reaped yet, or gone). */
function dead(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  try {
    return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe.each(sandboxes)('the %s sandbox’s supervisor', (_name, make) => {
  /*
   * What a loaded grader does to a trial (seen as an agent transcript lost in the integrity suite): libuv handles
   * child exits at the end of a poll round, so a command that writes and exits while the loop is busy can be reaped in
   * a round whose pipe events were read before it wrote; and if the loop stays busy (other exits, /proc scans) past the
   * supervisor's drain time, that timer runs before the pipe is ever read again. Staged here exactly: a helper's
   * output blocks the loop until the command has written and exited, and the helper's exit, reaped in the same round,
   * blocks it past the drain time.
   */
  it('keeps output written just before exit when the event loop is late to read it', async () => {
    const ws = mkdtempSync(join(root, 'ws-'));
    const go = join(ws, 'go');
    const payload = `payload-${Math.random().toString(36).slice(2)}`;
    const sandbox = make();
    const p = sandbox.start({
      command: `while [ ! -e go ]; do sleep 0.01; done; echo ${payload}`,
      workspace: ws,
      env: {},
      wallMs: 15_000,
      outputBytes: 65_536,
      processes: 16,
    });
    // Spawned after the sandbox's command, so its exit callback runs after the command's in the same round.
    const helper = spawn('/bin/sh', ['-c', 'echo ready'], { stdio: ['ignore', 'pipe', 'ignore'] });
    // Until the helper has written and exited, nothing of this loop runs: its output and its exit arrive together.
    blockUntil(() => dead(helper.pid), 5000);
    helper.stdout.once('data', () => {
      writeFileSync(go, '');
      blockUntil(() => dead(p.pid), 5000);
    });
    helper.once('exit', () => blockUntil(() => false, 1500));
    const r = await p.exited;
    expect(existsSync(go)).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain(payload);
  });

  it('ends soon after the command when an escaped process keeps writing, and leaves it dead', async () => {
    // A daemon that left the command's process group and never stops writing: nobody's descendant, but it holds the
    // pipe, so it is found and killed, and the drain at the deadline stops at what the pipe holds.
    const ws = mkdtempSync(join(root, 'ws-'));
    const marker = `escaped-${Math.random().toString(36).slice(2)}`;
    const r = await make().run({
      command: `(setsid sh -c 'while :; do echo ${marker}; done' &) ; echo first`,
      workspace: ws,
      env: {},
      wallMs: 15_000,
      outputBytes: 65_536,
      processes: 16,
    });
    expect(r.exitCode).toBe(0);
    expect(r.timedOut).toBe(false);
    expect(r.output).toContain('first');
    expect(r.wallMs).toBeLessThan(10_000);
    const alive = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .filter((n) => {
        try {
          return readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(marker) && !dead(Number(n));
        } catch {
          return false;
        }
      });
    expect(alive).toEqual([]);
  });
});
