// `twins up` start-to-healthy and idle memory, measured from outside as a user sees them: from the package built, packed and installed into an empty folder, against `node -e 0` in the same run.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Installed, packAndInstall } from '../scripts/pack-install.ts';
import { firstLine, median, progress, ROOT, stopChild } from './lib.ts';

export interface StartupResult {
  /** What the install took (build, npm pack, npm install), in ms. */
  install: Installed['steps'];
  packageName: string;
  /** `twins up slack` from the installed bin: spawn to JSON line and a 200 from health, ms. */
  runs: number[];
  median: number;
  /** The first `twins up slack` after the install, before its V8 code cache exists (one run), ms. */
  firstStart: number;
  /** Whether that start left a code cache for the runs after it. */
  codeCache: boolean;
  /** SIGTERM to exit, median over the slack runs. */
  stopMedian: number;
  /** `twins up` with no names: every twin this version ships. */
  allTwins: string[];
  allRuns: number[];
  allMedian: number;
  /** `node -e 0`, interleaved with the runs above. */
  bareRuns: number[];
  bareNode: number;
  /**
   * CPU time (user + system, ms) each run had used when it was healthy: steadier than wall time on a
   * shared machine, where a run's wall time is mostly its wait for a core. From /proc (10 ms ticks).
   */
  cpu: { bare: number[]; slack: number[]; all: number[] };
  cpuMedian: { bare: number; slack: number; all: number };
  /** The load average (1, 5, 15 min) before and after the timed runs. */
  load: { before: number[]; after: number[] };
  /** Resident memory of `twins up slack` once idle (validators compiled, nothing asked), MB. */
  idleRss: number[];
  idleRssMedian: number;
  /** The same start from a clone's sources (bin/twins through tsx), for scale. */
  fromSource: number;
  phases: Record<string, number>;
  pieces: Record<string, number>;
}

const ROOT_PATH = fileURLToPath(ROOT);

/** Spawn → the JSON line on stdout and a 200 from every twin's /_twin/health, in ms; the child is left running. */
async function upOnce(
  bin: string,
  names: string[],
  cwd: string,
): Promise<{ ms: number; cpuMs: number; child: ChildProcess; twins: string[] }> {
  const started = performance.now();
  const child = spawn(bin, ['up', ...names, '--port', '0', '--json'], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await firstLine(child, 20_000);
    const twins = (JSON.parse(line) as { twins: Record<string, { url: string }> }).twins;
    for (const [name, { url }] of Object.entries(twins)) {
      const res = await fetch(`${url}/_twin/health`);
      if (res.status !== 200) throw new Error(`${name} health answered ${res.status}`);
    }
    const ms = performance.now() - started;
    // bin/twins execs node, so the pid is the twins process itself.
    return { ms, cpuMs: cpuMsOf(child.pid as number), child, twins: Object.keys(twins) };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** Stop a `twins up` with SIGTERM, timing it; it must exit 0. */
async function stopTimed(child: ChildProcess): Promise<number> {
  const stopping = performance.now();
  await stopChild(child);
  if (child.exitCode !== 0) throw new Error(`twins up exited with ${child.exitCode ?? child.signalCode} after SIGTERM, not 0`);
  return performance.now() - stopping;
}

/** User + system CPU a live process has used so far, ms (/proc/PID/stat utime and stime, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** `node -e 0`'s wall time, and its CPU time as the process itself sees it just before exiting. */
function bareNode(): { ms: number; cpuMs: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['-e', 'const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000))'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error('node -e 0 failed');
  return { ms: performance.now() - started, cpuMs: Number(r.stdout) };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/**
 * RSS once the twin has settled: the background validator compile (decision 0005) starts once the
 * process goes quiet after start and runs in slices, so wait until RSS has not moved by more than 1 MB for a full second (at most 15 s).
 */
async function idleRss(pid: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  let last = rssMb(pid);
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = rssMb(pid);
    if (Math.abs(now - last) > 1) stableSince = Date.now();
    last = now;
    if (Date.now() - stableSince >= 1000) return now;
  }
  return last;
}

function timedJson(args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, number>;
}

export async function measureStartup(n = 7): Promise<StartupResult> {
  const dir = join(ROOT_PATH, 'bench', '.tmp', 'package');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  progress('startup: building, packing and installing the package into bench/.tmp/package/app');
  const pkg = packAndInstall({ dir, log: (line) => progress(`startup: ${line}`) });
  const cwd = pkg.app;

  // The very first start after the install compiles the bundle and then writes its V8 code cache
  // (bin/code-cache.js): timed on its own, since every later start reads that cache.
  const cacheDir = join(cwd, 'node_modules', '.cache', 'saas-twins');
  rmSync(cacheDir, { recursive: true, force: true });
  const first = await upOnce(pkg.bin, ['slack'], cwd);
  const cacheDeadline = Date.now() + 30_000;
  while (!(existsSync(cacheDir) && readdirSync(cacheDir).some((f) => f.endsWith('.v8'))) && Date.now() < cacheDeadline)
    await new Promise((r) => setTimeout(r, 100));
  await stopTimed(first.child);
  const codeCache = existsSync(cacheDir) && readdirSync(cacheDir).some((f) => f.endsWith('.v8'));
  progress(`startup: first start after install (no code cache yet): ${Math.round(first.ms)} ms; code cache written: ${codeCache}`);
  progress('startup: one unmeasured start of each kind (disk cache)');
  await stopTimed((await upOnce(pkg.bin, ['slack'], cwd)).child);
  await stopTimed((await upOnce(pkg.bin, [], cwd)).child);

  const runs: number[] = [];
  const stops: number[] = [];
  const allRuns: number[] = [];
  const bareRuns: number[] = [];
  const cpu: StartupResult['cpu'] = { bare: [], slack: [], all: [] };
  let allTwins: string[] = [];
  const loadBefore = loadavg();
  // Interleaved, so a busy moment on a shared machine lands on every measure alike.
  for (let i = 0; i < n; i++) {
    const bare = bareNode();
    bareRuns.push(bare.ms);
    cpu.bare.push(bare.cpuMs);
    const one = await upOnce(pkg.bin, ['slack'], cwd);
    runs.push(one.ms);
    cpu.slack.push(one.cpuMs);
    stops.push(await stopTimed(one.child));
    const all = await upOnce(pkg.bin, [], cwd);
    allRuns.push(all.ms);
    cpu.all.push(all.cpuMs);
    allTwins = all.twins;
    await stopTimed(all.child);
    progress(
      `startup: run ${i + 1}/${n}: node -e 0 ${Math.round(bareRuns[i])} ms (CPU ${Math.round(bare.cpuMs)}); up slack ${Math.round(one.ms)} ms (CPU ${one.cpuMs}); up (${allTwins.join(', ')}) ${Math.round(all.ms)} ms (CPU ${all.cpuMs})`,
    );
  }

  const loadAfter = loadavg();
  const idle: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { child } = await upOnce(pkg.bin, ['slack'], cwd);
    try {
      idle.push(await idleRss(child.pid as number));
    } finally {
      await stopTimed(child);
    }
    progress(`startup: idle RSS of twins up slack: ${idle[i].toFixed(0)} MB`);
  }

  const fromSourceRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { ms, child } = await upOnce(join(ROOT_PATH, 'bin', 'twins'), ['slack'], ROOT_PATH);
    fromSourceRuns.push(ms);
    await stopTimed(child);
  }
  const phases = timedJson(['--import', 'tsx', 'bench/phases.ts']);
  const pieces = timedJson(['--import', 'tsx', 'bench/phases.ts', 'pieces']);
  return {
    install: pkg.steps,
    packageName: `${pkg.name}@${pkg.version}`,
    runs,
    median: median(runs),
    firstStart: first.ms,
    codeCache,
    stopMedian: median(stops),
    allTwins,
    allRuns,
    allMedian: median(allRuns),
    bareRuns,
    bareNode: median(bareRuns),
    cpu,
    cpuMedian: { bare: median(cpu.bare), slack: median(cpu.slack), all: median(cpu.all) },
    load: { before: loadBefore, after: loadAfter },
    idleRss: idle,
    idleRssMedian: median(idle),
    fromSource: median(fromSourceRuns),
    phases,
    pieces,
  };
}
