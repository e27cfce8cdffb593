// Shared helpers for the benchmarks: start a server in its own process, put load on it, print progress.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

export const ROOT = new URL('../', import.meta.url);

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export interface ChildServer {
  url: string;
  /** Everything else the server's first line said (fill time, memory…). */
  info: Record<string, unknown>;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Run `node --import tsx <script>`, wait for the one JSON line `{"url":...}` it prints, and hand back its URL. */
export async function startServer(script: string, args: string[] = [], timeoutMs = 15_000, nodeArgs: string[] = []): Promise<ChildServer> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await firstLine(child, timeoutMs);
  const info = JSON.parse(line) as { url: string } & Record<string, unknown>;
  return { url: info.url, info, child, stop: () => stopChild(child) };
}

/** The first stdout line of `child`, or a rejection if it exits or stays silent for `timeoutMs`. */
export function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error('child has no stdout pipe'));
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms`)), timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${signal ?? code}) before printing a line`));
    });
  });
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`; resolves with how it ended. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pid ${child.pid} ignored SIGTERM for ${graceMs} ms; killed`));
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  /** Server CPU time (user + system) per answered request, in µs; undefined off Linux. */
  cpuUs?: number;
}

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  idReplacement?: boolean;
  /** Changes each request just before it is sent (a fresh signed assertion per token request). */
  setupRequest?: (req: { body?: string }) => unknown;
}

export const LOAD = { connections: 10, duration: 8, warmup: 2 };

/** A short unmeasured warm-up (so the server's JIT has settled), then the measured run; any error or non-2xx fails the bench. */
export async function load(name: string, spec: LoadSpec, serverPid?: number): Promise<LoadResult> {
  const { setupRequest, ...rest } = spec;
  const opts = {
    ...rest,
    connections: LOAD.connections,
    ...(setupRequest ? { requests: [{ method: spec.method, headers: spec.headers, body: spec.body, setupRequest }] } : {}),
  };
  progress(`${name}: warm-up ${LOAD.warmup} s`);
  await autocannon({ ...opts, duration: LOAD.warmup });
  progress(`${name}: measuring ${LOAD.duration} s with ${LOAD.connections} connections`);
  const cpuBefore = cpuSeconds(serverPid);
  const r = await autocannon({ ...opts, duration: LOAD.duration });
  const cpuAfter = cpuSeconds(serverPid);
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0) {
    throw new Error(`${name}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx answers`);
  }
  const cpuUs = cpuBefore !== undefined && cpuAfter !== undefined ? ((cpuAfter - cpuBefore) * 1e6) / r.requests.total : undefined;
  const result = { rps: r.requests.mean, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, cpuUs };
  progress(
    `${name}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${Math.round(cpuUs ?? 0)} µs CPU/request`,
  );
  return result;
}

let ticksPerSecond: number | undefined;

/**
 * CPU seconds a process has used, from /proc (Linux). Unlike req/s, CPU per request does not
 * move when something else on the machine competes for the cores.
 */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
