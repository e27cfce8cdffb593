// Which operations of a twin the official clients' tests exercise: recorded while those tests run (TWINS_SDK_COVERAGE), merged by scripts/sdk-coverage.ts into twins/<twin>/generated/sdk-coverage.json, read by the fidelity catalogue.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { collectOperations, Router } from '../kernel/openapi.ts';
import { matchOperation } from './match.ts';

/** The variable that turns recording on: the folder the recorders write their fragments into. */
export const SDK_COVERAGE_ENV = 'TWINS_SDK_COVERAGE';

/**
 * The tests that use official clients, unmodified, against the twins over HTTP. Only these are run
 * when the coverage is made, so every request of a recognised client in them is that client's.
 */
export const SDK_TEST_FILES: Readonly<Record<string, readonly string[]>> = {
  slack: ['test/sdk/slack-web-api.test.ts', 'test/sdk/slack-bolt.test.ts'],
  okta: [
    'test/okta/sdk-nodejs.test.ts',
    'test/okta/oidc.test.ts',
    'test/okta/apps.test.ts',
    'test/okta/authorization-servers.test.ts',
    'test/okta/group-rules.test.ts',
    'test/okta/logs-hooks.test.ts',
    'test/okta/contract-env.test.ts',
    'test/okta/limits-tenants.test.ts',
  ],
  jira: [
    'test/jira/jira-js.test.ts',
    'test/jira/jira-client.test.ts',
    'test/jira/agile-extras.test.ts',
    'test/jira/agile-sprints.test.ts',
    'test/jira/issue12-areas.test.ts',
  ],
};

/** twins/<twin>/generated/sdk-coverage.json: the operations the official clients' tests exercised. */
export interface SdkCoverageFile {
  twin: string;
  /** How the file is made (a sentence for people opening it). */
  note: string;
  /** The test files that were run (all passed: the file is written only then). */
  tests: string[];
  /** Every client seen, sorted. */
  clients: string[];
  /** operationId → the clients that called it and got an answer that is not a 5xx, sorted; operations no client called are absent. */
  operations: Record<string, string[]>;
}

/** Where a twin's SDK coverage file lives under `root` (the repository, or dist/). */
export function sdkCoveragePath(twin: string, root: string): string {
  return join(root, 'twins', twin, 'generated', 'sdk-coverage.json');
}

/** A twin's SDK coverage file, or undefined when it has none or it is not one (the catalogue then counts nothing as covered). */
export function readSdkCoverage(twin: string, root: string): SdkCoverageFile | undefined {
  const path = sdkCoveragePath(twin, root);
  if (!existsSync(path)) return undefined;
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as SdkCoverageFile;
    if (!v || typeof v !== 'object' || !v.operations || typeof v.operations !== 'object') return undefined;
    return v;
  } catch {
    return undefined;
  }
}

/**
 * The official client a request came from, by the User-Agent each one sends; undefined for the
 * tests' own calls (Node's fetch sends `node`), a browser, or anything not recognised.
 * jira-client (postman-request) sends no User-Agent at all, and neither does jwks-rsa under
 * @okta/jwt-verifier: a request without one is `jira-client` on Jira and `@okta/jwt-verifier` on Okta.
 */
export function clientOf(twin: string, userAgent: string | undefined): string | undefined {
  const ua = (userAgent ?? '').trim();
  if (ua === '') return twin === 'jira' ? 'jira-client' : twin === 'okta' ? '@okta/jwt-verifier' : undefined;
  if (/@slack:bolt\//.test(ua)) return '@slack/bolt';
  if (/@slack:web-api\//.test(ua)) return '@slack/web-api';
  if (/^okta-sdk-nodejs\//.test(ua) || /\bokta-sdk-nodejs\//.test(ua)) return '@okta/okta-sdk-nodejs';
  if (/^(openid-client|oauth4webapi)\//.test(ua)) return 'openid-client';
  // jira.js sends requests through axios, whose User-Agent it keeps.
  if (twin === 'jira' && /^axios\//.test(ua)) return 'jira.js';
  return undefined;
}

/** What one recorder saw, written as a fragment when its server closes. */
interface Fragment {
  twin: string;
  operations: Record<string, string[]>;
  /** User-Agents not recognised, with counts (the tests' own calls, a browser): kept to check the classification. */
  unrecognised: Record<string, number>;
}

/** The parts of a running twin (src/adapters/fastify.ts RunningTwin) a recorder needs. */
export interface RecordableTwin {
  kernel: { def: { name: string; methodFallback?: string; openapi: Parameters<typeof collectOperations>[0] } };
  server: { server: Server };
}

/**
 * When TWINS_SDK_COVERAGE names a folder, record which contract operation each request to `twin`
 * reached and which official client sent it, and write that to the folder when the server closes.
 * Does nothing otherwise. Called by the test fixtures that start twins (test/support/slack.ts,
 * test/okta/support.ts, test/jira/support.ts).
 */
export function recordSdkCalls(twin: RecordableTwin): void {
  const dir = process.env[SDK_COVERAGE_ENV];
  if (!dir) return;
  const def = twin.kernel.def;
  const router = new Router(collectOperations(def.openapi));
  const fragment: Fragment = { twin: def.name, operations: {}, unrecognised: {} };
  twin.server.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const client = clientOf(def.name, req.headers['user-agent']);
    if (!client) {
      const ua = (req.headers['user-agent'] ?? '(none)').slice(0, 120);
      fragment.unrecognised[ua] = (fragment.unrecognised[ua] ?? 0) + 1;
      return;
    }
    res.on('finish', () => {
      if (res.statusCode >= 500) return;
      const url = new URL(req.url ?? '/', 'http://recorder.invalid');
      const op = matchOperation(router, req.method ?? 'GET', url.pathname, def.methodFallback);
      if (!op) return;
      const list = fragment.operations[op.operationId] ?? [];
      if (!list.includes(client)) fragment.operations[op.operationId] = [...list, client];
    });
  });
  twin.server.server.on('close', () => {
    mkdirSync(dir, { recursive: true });
    const name = `${def.name}-${process.pid}-${randomBytes(6).toString('hex')}.json`;
    writeFileSync(join(dir, name), JSON.stringify(fragment));
  });
}

/** The fragments in `dir` merged into one file per twin. */
export function mergeFragments(
  dir: string,
  tests: Readonly<Record<string, readonly string[]>> = SDK_TEST_FILES,
): Map<string, SdkCoverageFile> {
  const out = new Map<string, SdkCoverageFile>();
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const frag = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fragment;
    const file = out.get(frag.twin) ?? {
      twin: frag.twin,
      note: 'Generated by `npx tsx scripts/sdk-coverage.ts` from the official clients\u2019 tests (see docs/harness.md, "How far to trust the twins"). Do not edit.',
      tests: [...(tests[frag.twin] ?? [])],
      clients: [],
      operations: {},
    };
    out.set(frag.twin, file);
    for (const [op, clients] of Object.entries(frag.operations))
      file.operations[op] = [...new Set([...(file.operations[op] ?? []), ...clients])].sort();
  }
  for (const file of out.values()) {
    file.operations = Object.fromEntries(Object.entries(file.operations).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    file.clients = [...new Set(Object.values(file.operations).flat())].sort();
  }
  return out;
}

/** The unrecognised User-Agents the fragments in `dir` saw, per twin (for the script's summary). */
export function unrecognisedAgents(dir: string): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const frag = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fragment;
    const seen = out.get(frag.twin) ?? {};
    for (const [ua, n] of Object.entries(frag.unrecognised)) seen[ua] = (seen[ua] ?? 0) + n;
    out.set(frag.twin, seen);
  }
  return out;
}

/** The file's text as written: two-space JSON and a final newline. */
export function sdkCoverageText(file: SdkCoverageFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
