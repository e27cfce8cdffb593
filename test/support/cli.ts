// Runs the `twins` launcher as a user's shell would, collecting its output, and waits on conditions without fixed sleeps.

import { type ChildProcess, spawn } from 'node:child_process';

/** The launcher npm links as `twins`. */
export const BIN = new URL('../../bin/twins', import.meta.url).pathname;

export interface CliRun {
  child: ChildProcess;
  exited: Promise<number | null>;
  out(): string;
  err(): string;
}

const children = new Set<ChildProcess>();

/** Start `twins ARGS…` in `cwd` with extra `env`. */
export function twins(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): CliRun {
  const child = spawn(BIN, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => {
    stdout += c;
  });
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 128 : null));
    }),
  );
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** Kill every launcher still running (for afterEach/afterAll). */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children.clear();
}

/** Poll `cond` until true, or throw naming `what`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
