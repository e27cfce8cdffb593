// Starts the app under test with the twins' variables and a PORT, waits until it answers, and stops it.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { PlatformError } from '../errors.ts';

export interface AppProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** The last lines it printed (stdout and stderr), for error messages and reports. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartAppOptions {
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** The path polled until the app answers (any HTTP status counts as an answer). */
  readyPath: string;
  timeoutMs: number;
  /** Passed each line the app prints, for `--verbose`. */
  onOutput?: (line: string) => void;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const KEEP_LINES = 40;

/** Run `command` in a shell with `env` plus PORT, and wait until it answers on `readyPath`. */
export async function startApp(opts: StartAppOptions): Promise<AppProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const child = spawn(opts.command, {
    shell: true,
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it stops whatever it started (npm start → node …).
    detached: true,
  });
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > KEEP_LINES) lines.shift();
      opts.onOutput?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  const output = () => lines.join('\n');
  const stop = () => stopProcessGroup(child);
  const failed = (why: string) =>
    new PlatformError(
      'TWINS_APP_START_FAILED',
      `the app (${opts.command}) ${why}${lines.length ? `; its last output:\n${output()}\n` : ''}`,
      `Run it by hand with the variables printed by \`twins up\` and PORT=${port}, and read its output.`,
    );

  const deadline = Date.now() + opts.timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited) throw failed(`exited (${exited.signal ?? `code ${exited.code}`}) before it answered on ${url}${opts.readyPath}`);
    if (spawnError) throw failed(`could not be started: ${spawnError.message}`);
    try {
      await fetch(`${url}${opts.readyPath}`, { signal: AbortSignal.timeout(1000) });
      return { url, port, child, output, stop };
    } catch (e) {
      lastError = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw failed(`did not answer on ${url}${opts.readyPath} within ${opts.timeoutMs} ms (last: ${lastError})`);
}

/** SIGTERM the process group, SIGKILL it after a grace period; resolves once the shell has exited. */
export async function stopProcessGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), s);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
  // Children that ignored SIGTERM while the shell exited still get the KILL.
  signal('SIGKILL');
}

/** Kill a process at once, synchronously (its group too when it leads one): for signal handlers that cannot wait. */
export function killNow(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Not a group leader, or already gone.
    }
  }
}
