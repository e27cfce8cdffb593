// `twins up`: start twins on loopback, wait until each is healthy, print or write their URLs and credentials, run until signalled.

import { writeFileSync } from 'node:fs';
import { type RunningTwin, serve } from '../adapters/fastify.ts';
import { PlatformError } from '../errors.ts';
import { createKernel } from '../host.ts';
import { isTwinName, loadTwin, PLANNED_TWINS, TWIN_NAMES, type TwinName } from '../registry.ts';

export interface UpOptions {
  twins: string[];
  host: string;
  /** Port of the first twin; the next ones take the following ports. 0 picks free ports. */
  port: number;
  seed: number;
  /** Answer over-limit calls with the vendor's rate-limit error (default on). */
  rateLimits?: boolean;
  envFile?: string;
  /** Lock the control plane with this token (see KernelOptions.controlToken). */
  controlToken?: string;
}

export interface TwinSummary {
  url: string;
  control: string;
  /** The tenant whose variables `env` holds (the default one): control calls name it by this id. */
  tenant: string;
  env: Record<string, string>;
}

export const DEFAULT_PORT = 3100;

export function checkTwinNames(names: string[]): TwinName[] {
  const list = names.length === 0 ? [...TWIN_NAMES] : names;
  const out: TwinName[] = [];
  for (const name of list) {
    if (isTwinName(name)) {
      if (!out.includes(name)) out.push(name);
      continue;
    }
    if ((PLANNED_TWINS as readonly string[]).includes(name)) {
      throw new PlatformError(
        'TWINS_UNKNOWN_TWIN',
        `the ${name} twin is not in this version yet`,
        `Available now: ${TWIN_NAMES.join(', ')}.`,
      );
    }
    throw new PlatformError('TWINS_UNKNOWN_TWIN', `there is no twin called "${name}"`, `Choose from: ${TWIN_NAMES.join(', ')}.`);
  }
  return out;
}

/** Start the twins and wait until each answers its health check. */
export async function startTwins(opts: UpOptions): Promise<{ running: Map<TwinName, RunningTwin>; summary: Record<string, TwinSummary> }> {
  const names = checkTwinNames(opts.twins);
  const running = new Map<TwinName, RunningTwin>();
  try {
    for (const [i, name] of names.entries()) {
      const kernel = createKernel(await loadTwin(name), {
        seed: opts.seed,
        rateLimits: opts.rateLimits ?? true,
        controlToken: opts.controlToken,
      });
      const port = opts.port === 0 ? 0 : opts.port + i;
      try {
        running.set(name, await serve(kernel, { host: opts.host, port }));
      } catch (err) {
        kernel.close();
        const code = (err as { code?: string }).code;
        if (code === 'EADDRINUSE') {
          throw new PlatformError(
            'TWINS_PORT_IN_USE',
            `port ${port} on ${opts.host} is already in use (wanted for the ${name} twin)`,
            'Stop the other process, or pass --port N (or --port 0 for free ports).',
          );
        }
        throw new PlatformError(
          'TWINS_LISTEN_FAILED',
          `the ${name} twin could not listen on ${opts.host}:${port}: ${(err as Error).message}`,
          'Check --host names an address of this machine.',
        );
      }
    }
    const summary: Record<string, TwinSummary> = {};
    for (const [name, twin] of running) {
      await waitHealthy(name, twin.url);
      const tenant = twin.kernel.tenants.default();
      summary[name] = { url: twin.url, control: `${twin.url}/_twin`, tenant: tenant.id, env: twin.kernel.env(tenant, twin.url) };
    }
    if (opts.envFile) writeEnvFile(opts.envFile, summary, opts.controlToken);
    return { running, summary };
  } catch (err) {
    await Promise.all([...running.values()].map((t) => t.close()));
    throw err;
  }
}

async function waitHealthy(name: string, url: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/_twin/health`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new PlatformError(
    'TWINS_UNHEALTHY',
    `the ${name} twin at ${url} did not become healthy within ${timeoutMs} ms (${last})`,
    'Run it again; if it keeps failing, report it with the output above.',
  );
}

/** dotenv lines for every twin's variables; values quoted when they need it. */
export function envFileText(summary: Record<string, TwinSummary>, controlToken?: string): string {
  const lines = ['# written by `twins up`; these values change each run'];
  if (controlToken) {
    lines.push('# the control token opens every tenant: keep this file away from agents under test');
    lines.push(`TWINS_CONTROL_TOKEN=${controlToken}`);
  }
  for (const [name, s] of Object.entries(summary)) {
    lines.push(`# ${name}: ${s.url} (control plane ${s.control}, tenant ${s.tenant})`);
    lines.push(`TWINS_${name.toUpperCase()}_TENANT=${s.tenant}`);
    for (const [k, v] of Object.entries(s.env)) lines.push(`${k}=${/^[\w./:@+-]*$/.test(v) ? v : JSON.stringify(v)}`);
  }
  return `${lines.join('\n')}\n`;
}

function writeEnvFile(path: string, summary: Record<string, TwinSummary>, controlToken?: string): void {
  try {
    writeFileSync(path, envFileText(summary, controlToken), { mode: 0o600 });
  } catch (err) {
    throw new PlatformError(
      'TWINS_ENV_FILE',
      `could not write ${path}: ${(err as Error).message}`,
      'Pass an --env-file path in a folder you can write to.',
    );
  }
}

/** The human summary `twins up` prints. */
export function summaryText(summary: Record<string, TwinSummary>, opts: UpOptions): string {
  const out: string[] = [];
  for (const [name, s] of Object.entries(summary)) {
    out.push(`${name.padEnd(6)} ${s.url}   control plane ${s.control}`);
    for (const [k, v] of Object.entries(s.env)) out.push(`       ${k}=${v}`);
  }
  out.push('');
  out.push(
    `seed ${opts.seed}; rate limits ${(opts.rateLimits ?? true) ? 'on' : 'off'}${opts.envFile ? `; variables written to ${opts.envFile}` : ''}`,
  );
  out.push('Ctrl-C stops the twins.');
  return out.join('\n');
}
