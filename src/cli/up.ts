// `twins up`: start twins on loopback, wait until each is healthy, print or write their URLs and credentials, run until signalled.

import { writeFileSync } from 'node:fs';
import type { RunningTwin } from '../adapters/fastify.ts';
import { checkTwinNames, launchTwins } from '../api.ts';
import { PlatformError } from '../errors.ts';
import type { TwinName } from '../registry.ts';

export { checkTwinNames };

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
  /** A company file (YAML or JSON) the default tenants are seeded from (docs/company.md). */
  company?: string;
}

export interface TwinSummary {
  url: string;
  control: string;
  /** The tenant whose variables `env` holds (the default one): control calls name it by this id. */
  tenant: string;
  env: Record<string, string>;
}

export const DEFAULT_PORT = 3100;

/** Start the twins and wait until each answers its health check (the programmatic API's servers, for the CLI and the harness). */
export async function startTwins(opts: UpOptions): Promise<{ running: Map<TwinName, RunningTwin>; summary: Record<string, TwinSummary> }> {
  const launched = await launchTwins(opts);
  const running = new Map(launched.map(({ name, running }) => [name, running]));
  const summary: Record<string, TwinSummary> = {};
  for (const [name, twin] of running) {
    const tenant = twin.kernel.tenants.default();
    summary[name] = { url: twin.url, control: `${twin.url}/_twin`, tenant: tenant.id, env: twin.kernel.env(tenant, twin.url) };
  }
  try {
    if (opts.envFile) writeEnvFile(opts.envFile, summary, opts.controlToken);
  } catch (err) {
    await Promise.all([...running.values()].map((t) => t.close()));
    throw err;
  }
  return { running, summary };
}

/** dotenv lines for every twin's variables; values quoted when they need it. */
export function envFileText(summary: Record<string, TwinSummary>, controlToken?: string): string {
  const lines = [
    '# written by `twins up`. The seed fixes the data (people, channels, ids); tokens and secrets are new',
    '# each run, so load this file again whenever the twins restart. Load it into a shell with',
    '#   set -a; . ./THIS_FILE; set +a        or into Node with   node --env-file=THIS_FILE app.js',
    '# An SDK given no API URL calls the real vendor (slack.com), not the twin: always load the URL with the token.',
  ];
  if (controlToken) {
    lines.push('# the control token opens every tenant: keep this file away from agents under test');
    lines.push(`TWINS_CONTROL_TOKEN=${controlToken}`);
  }
  for (const [name, s] of Object.entries(summary)) {
    lines.push(`# ${name}: ${s.url} (control plane ${s.control}, tenant ${s.tenant})`);
    lines.push(`TWINS_${name.toUpperCase()}_TENANT=${s.tenant}`);
    // Single quotes keep a value literal for both `sh` (`. ./file`) and dotenv readers (`node --env-file`).
    for (const [k, v] of Object.entries(s.env))
      lines.push(`${k}=${/^[\w./:@+-]*$/.test(v) ? v : /^[^'\n]*$/.test(v) ? `'${v}'` : JSON.stringify(v)}`);
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
    out.push(`       look inside (a page to watch the tenant live): ${s.control}/ui`);
    for (const [k, v] of Object.entries(s.env)) out.push(`       ${k}=${v}`);
  }
  out.push('');
  out.push(
    `seed ${opts.seed}; rate limits ${(opts.rateLimits ?? true) ? 'on' : 'off'}${opts.company ? `; company from ${opts.company}` : ''}${opts.envFile ? `; variables written to ${opts.envFile}` : ''}`,
  );
  if (opts.envFile) {
    const file = /^\.{0,2}\//.test(opts.envFile) ? opts.envFile : `./${opts.envFile}`;
    out.push(`Load them: \`set -a; . ${file}; set +a\` in a shell, or \`node --env-file=${opts.envFile} app.js\`.`);
  } else
    out.push(
      'To write them to a file: `twins up --env-file .env.twins` (through npx on Node 20: `npx -- twins up --env-file .env.twins`).',
    );
  out.push('An SDK given only the token calls the real vendor: pass it the API URL above too (SLACK_API_URL).');
  out.push('Ctrl-C stops the twins.');
  return out.join('\n');
}
