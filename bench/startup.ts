// `twins up` start-to-healthy, measured from outside as a user sees it, plus a per-step breakdown of where the time goes.

import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { firstLine, median, progress, ROOT, stopChild } from './lib.ts';

export interface StartupResult {
  runs: number[];
  median: number;
  /** SIGTERM to exit, median over the runs. */
  stopMedian: number;
  /** Start with tsx's transform cache disabled, as on a fresh container or checkout. */
  coldCache: number;
  phases: Record<string, number>;
  pieces: Record<string, number>;
  bareNode: number;
  nodeWithTsx: number;
}

/** Spawn → JSON line on stdout and /_twin/health 200, in ms; then SIGTERM and time the exit, which must be code 0. */
async function upOnce(env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; stopMs: number }> {
  const started = performance.now();
  const child = spawn('bin/twins', ['up', 'slack', '--port', '0', '--json'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let ms: number;
  try {
    const line = await firstLine(child, 20_000);
    const url = (JSON.parse(line) as { twins: { slack: { url: string } } }).twins.slack.url;
    const res = await fetch(`${url}/_twin/health`);
    if (res.status !== 200) throw new Error(`health answered ${res.status}`);
    ms = performance.now() - started;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const stopping = performance.now();
  await stopChild(child);
  const stopMs = performance.now() - stopping;
  if (child.exitCode !== 0) throw new Error(`twins up exited with ${child.exitCode ?? child.signalCode} after SIGTERM, not 0`);
  return { ms, stopMs };
}

function timedSpawn(args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; stdout: string } {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return { ms: performance.now() - started, stdout: r.stdout };
}

export async function measureStartup(n = 5): Promise<StartupResult> {
  progress('startup: one unmeasured run to fill the tsx cache');
  await upOnce();
  const runs: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < n; i++) {
    const { ms, stopMs } = await upOnce();
    runs.push(ms);
    stops.push(stopMs);
    progress(`startup: run ${i + 1}/${n}: ${Math.round(ms)} ms; stopped ${Math.round(stopMs)} ms after SIGTERM`);
  }
  const coldCache = (await upOnce({ ...process.env, TSX_DISABLE_CACHE: '1' })).ms;
  progress(`startup: with tsx cache disabled: ${Math.round(coldCache)} ms`);
  const phases = JSON.parse(timedSpawn(['--import', 'tsx', 'bench/phases.ts']).stdout) as Record<string, number>;
  const pieces = JSON.parse(timedSpawn(['--import', 'tsx', 'bench/phases.ts', 'pieces']).stdout) as Record<string, number>;
  const bareNode = median([0, 1, 2].map(() => timedSpawn(['-e', '0']).ms));
  const nodeWithTsx = median([0, 1, 2].map(() => timedSpawn(['--import', 'tsx', '-e', '0']).ms));
  return { runs, median: median(runs), stopMedian: median(stops), coldCache, phases, pieces, bareNode, nodeWithTsx };
}
