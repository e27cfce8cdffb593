// The programmatic API for test runners (vitest, jest, node:test): start twins in this process, hand back each one's URL and variables, reset them between tests, close them after.

import { request } from 'node:http';
import { type RunningTwin, serve } from './adapters/fastify.ts';
import { CompanyHub, companyHubOf } from './company/hub.ts';
import { CompanyInvalid, companyPlan, loadCompanyFile } from './company/spec.ts';
import type { CompanyPlan } from './company/types.ts';
import { PlatformError } from './errors.ts';
import { createKernel } from './host.ts';
import type { Kernel } from './kernel/kernel.ts';
import { isTwinName, loadTwin, PLANNED_TWINS, TWIN_NAMES, type TwinName } from './registry.ts';

export interface StartTwinsOptions<N extends TwinName = TwinName> {
  /** The twins to start, by name (`['slack']`); every twin this version ships when left out. */
  twins?: readonly N[];
  /** Seed for the generated data (default 1): the same seed gives the same people, channels and ids. Tokens are new each start. */
  seed?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port of the first twin, the next ones taking the following ports; 0 (the default) picks free ports. */
  port?: number;
  /** Answer over-limit calls with the vendor's rate-limit error (default on, as the vendors do). */
  rateLimits?: boolean;
  /** Lock the control plane (/_twin) with this token; see docs/control-plane.md. */
  controlToken?: string;
  /**
   * The default company: a company file's path (YAML or JSON) or its document (docs/company.md). Every
   * twin's default tenant is seeded from it; without one, each twin's own seed as before.
   */
  company?: string | Record<string, unknown>;
}

/** One running twin. */
export interface StartedTwin {
  name: TwinName;
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** The control plane's base URL, `${url}/_twin`. */
  control: string;
  /** The default tenant, whose credentials `env` holds. */
  tenant: string;
  /** What an app needs to talk to this twin: `SLACK_API_URL`, `SLACK_BOT_TOKEN`, … (the same names `twins up` prints). */
  env: Record<string, string>;
  /** The twin's kernel, for tests that look inside (journal, clock, tenants) without HTTP. */
  kernel: Kernel<unknown, unknown>;
  /** Back to the seeded state: every tenant, journal entry, fault and delivery dropped; `env` stays valid. */
  reset(): Promise<void>;
  /** Stop serving; safe to call twice. */
  close(): Promise<void>;
}

/** What startTwins returns: each started twin under its name, plus calls over all of them. */
export interface Twins {
  /** The started twins, in the order asked for. */
  readonly list: readonly StartedTwin[];
  /** Every twin's variables in one object, ready for `process.env` or a child process's `env`. */
  readonly env: Record<string, string>;
  /** The twin called `name`; throws TWINS_UNKNOWN_TWIN when it was not started. */
  get(name: TwinName): StartedTwin;
  /** Reset every twin (see StartedTwin.reset). */
  reset(): Promise<void>;
  /** Close every twin; safe to call twice. */
  close(): Promise<void>;
  /** The companies across these twins (the default one, and those made with `companies.create` or POST /_twin/companies). */
  readonly companies: CompanyHub;
}

/** Twins plus a property per started twin, so `twins.slack.url` type-checks when `slack` was asked for. */
export type StartedTwins<N extends TwinName> = Twins & { readonly [K in N]: StartedTwin };

/** The twins to start, checked and without repeats; every twin when `names` is empty. */
export function checkTwinNames(names: readonly string[]): TwinName[] {
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

/**
 * Start twins on loopback, each on its own port, and wait until each answers its health check.
 *
 * @example
 *   const twins = await startTwins({ twins: ['slack'], seed: 1 });
 *   const slack = new WebClient(twins.slack.env.SLACK_BOT_TOKEN, { slackApiUrl: twins.slack.env.SLACK_API_URL });
 *   await twins.reset(); // between tests
 *   await twins.close(); // after all
 */
export async function startTwins<N extends TwinName = TwinName>(options: StartTwinsOptions<N> = {}): Promise<StartedTwins<N>> {
  const started = (await launchTwins(options)).map(({ name, running }) => startedTwin(name, running));
  const byName = new Map(started.map((t) => [t.name, t]));
  const twins: Twins = {
    companies: companyHubOf(started[0].kernel) as CompanyHub,
    list: started,
    env: Object.assign({}, ...started.map((t) => t.env)),
    get(name) {
      const twin = byName.get(name);
      if (!twin) {
        throw new PlatformError(
          'TWINS_UNKNOWN_TWIN',
          `the ${name} twin was not started`,
          `Started: ${started.map((t) => t.name).join(', ')}; name it in startTwins({ twins: [...] }).`,
        );
      }
      return twin;
    },
    reset: async () => {
      await Promise.all(started.map((t) => t.reset()));
    },
    close: async () => {
      await Promise.all(started.map((t) => t.close()));
    },
  };
  return Object.assign(twins, Object.fromEntries(byName)) as StartedTwins<N>;
}

/**
 * The servers behind startTwins, each healthy, in the order asked for; `twins up` and the harness use
 * them as they are. On any failure the ones already started are closed before it throws.
 */
export async function launchTwins(
  options: Omit<StartTwinsOptions, 'twins'> & { twins?: readonly string[] } = {},
): Promise<{ name: TwinName; running: RunningTwin }[]> {
  const names = checkTwinNames(options.twins ?? []);
  const host = options.host ?? '127.0.0.1';
  const basePort = options.port ?? 0;
  const launched: { name: TwinName; running: RunningTwin }[] = [];
  const seed = options.seed ?? 1;
  const hub = new CompanyHub({ seed, plan: companyOption(options.company), controlToken: options.controlToken });
  try {
    for (const [i, name] of names.entries()) {
      // Loaded one at a time, on demand: `twins: ['slack']` never loads the other twins' code.
      const kernel = createKernel(await hub.wrap(name, await loadTwin(name)), {
        seed,
        rateLimits: options.rateLimits ?? true,
        controlToken: options.controlToken,
      });
      const port = basePort === 0 ? 0 : basePort + i;
      hub.attach(name, kernel);
      try {
        const running = await serve(kernel, { host, port });
        hub.setUrl(name, running.url);
        launched.push({ name, running });
      } catch (err) {
        kernel.close();
        throw listenError(err, name, host, port);
      }
    }
    for (const { name, running } of launched) await waitHealthy(name, running.url);
    return launched;
  } catch (err) {
    await Promise.all(launched.map(({ running }) => running.close()));
    throw err;
  }
}

/** The company option as a checked plan: a file read and validated, or a document validated (TWINS_COMPANY_INVALID naming each bad field). */
function companyOption(company: string | Record<string, unknown> | undefined): CompanyPlan | undefined {
  if (company === undefined) return undefined;
  try {
    return typeof company === 'string' ? loadCompanyFile(company) : companyPlan(company, 'the company option');
  } catch (err) {
    if (err instanceof CompanyInvalid)
      throw new PlatformError(
        'TWINS_COMPANY_INVALID',
        `${err.source} is not a valid company:\n  ${err.problems.join('\n  ')}`,
        'Fix the fields named above; `twins init` writes a commented example, and schemas/company.schema.json is the full format.',
      );
    throw err;
  }
}

function startedTwin(name: TwinName, running: RunningTwin): StartedTwin {
  const kernel = running.kernel;
  const tenant = kernel.tenants.default();
  let closing: Promise<void> | undefined;
  return {
    name,
    url: running.url,
    control: `${running.url}/_twin`,
    tenant: tenant.id,
    env: kernel.env(tenant, running.url),
    kernel,
    reset: async () => {
      // The kernel keeps the default tenant's credentials through a reset, so `env` stays good.
      kernel.reset();
    },
    close: () => {
      closing ??= running.close();
      return closing;
    },
  };
}

function listenError(err: unknown, name: string, host: string, port: number): PlatformError {
  if ((err as { code?: string }).code === 'EADDRINUSE') {
    return new PlatformError(
      'TWINS_PORT_IN_USE',
      `port ${port} on ${host} is already in use (wanted for the ${name} twin)`,
      'Stop the other process, or pass --port N (or --port 0 for free ports).',
    );
  }
  return new PlatformError(
    'TWINS_LISTEN_FAILED',
    `the ${name} twin could not listen on ${host}:${port}: ${(err as Error).message}`,
    'Check --host names an address of this machine.',
  );
}

/** GET /_twin/health once over node:http (fetch would load undici, tens of ms of start-up for one call). */
function healthStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/_twin/health`, { method: 'GET', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 2 s')));
    req.on('error', reject);
    req.end();
  });
}

async function waitHealthy(name: string, url: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const status = await healthStatus(url);
      if (status === 200) return;
      last = `HTTP ${status}`;
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
