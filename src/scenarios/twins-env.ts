// Reads the variables file `twins up --env-file` writes, and finds the running twins it names.

import { readFileSync } from 'node:fs';
import type { ScenarioTwin, TwinEndpoint } from '../../scenarios/support/config.ts';
import { PlatformError } from '../errors.ts';

export interface TwinsEnv {
  /** Every variable in the file, as an app would get them. */
  vars: Record<string, string>;
  twins: Partial<Record<ScenarioTwin, TwinEndpoint>>;
}

/** Parse dotenv lines: `KEY=value`, `KEY="json string"`, comments and blank lines skipped. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        value = value.slice(1, -1);
      }
    } else if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) {
      value = value.slice(1, -1);
    }
    out[m[1]] = value;
  }
  return out;
}

/** The twins a variables file points at, each checked to answer its health call. */
export async function readTwinsEnv(path: string): Promise<TwinsEnv> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PlatformError(
      'TWINS_TWINS_ENV',
      `cannot read --twins-env ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      // The likeliest reason on Node 20: `npx twins up --env-file FILE` never ran twins at all.
      `Start the twins with \`twins up --env-file FILE\` and pass that FILE. Through npx on Node 20 write \`npx -- twins up --env-file FILE\`: without the \`--\` Node takes --env-file itself and stops with "node: FILE: not found" before twins starts (nodejs/node#54232).`,
    );
  }
  const vars = parseDotenv(text);
  const twins: TwinsEnv['twins'] = {};
  if (vars.SLACK_API_URL) {
    let base: string;
    try {
      const api = new URL(vars.SLACK_API_URL);
      base = api.origin + api.pathname.replace(/\/api\/?$/, '').replace(/\/$/, '');
    } catch {
      throw new PlatformError(
        'TWINS_TWINS_ENV',
        `SLACK_API_URL in ${path} is not a URL: "${vars.SLACK_API_URL}"`,
        'Write the file with `twins up --env-file FILE`.',
      );
    }
    twins.slack = { url: base, control: `${base}/_twin`, ...(vars.TWINS_CONTROL_TOKEN ? { token: vars.TWINS_CONTROL_TOKEN } : {}) };
  }
  if (Object.keys(twins).length === 0) {
    throw new PlatformError(
      'TWINS_TWINS_ENV',
      `${path} names no twin (no SLACK_API_URL)`,
      'Write the file with `twins up --env-file FILE`.',
    );
  }
  for (const [name, endpoint] of Object.entries(twins)) {
    try {
      const res = await fetch(`${endpoint.control}/health`, { signal: AbortSignal.timeout(3000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      throw new PlatformError(
        'TWINS_TWINS_ENV',
        `the ${name} twin named in ${path} does not answer at ${endpoint.url} (${(err as Error).message})`,
        'Start it with `twins up --env-file FILE` (and keep it running), or leave out --twins-env to let `twins run` start twins itself.',
      );
    }
  }
  return { vars, twins };
}
