// Grading integrity for Jira: its vendor credentials (any person's API token, as basic auth or bare, and the seeded
// webhook's secret) reach the vendor API only. On every /_twin route, the generic ones and Jira's own, over HTTP, msw and
// in process, locked or not, they get no state and change nothing, and each attempt is filed in that site's journal.

import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERIC_ROUTES } from '../../src/control/control-plane.ts';
import { createKernel, type Kernel, type RunningTwin, serve, twinHandlers } from '../../src/index.ts';
import { jiraTwin } from '../../twins/jira/index.ts';
import type { JiraState } from '../../twins/jira/store.ts';
import { basic } from './support.ts';

const CONTROL_TOKEN = 'grader-only-token';
const OPEN = new Set(['GET /_twin/health', 'GET /_twin/openapi.json', 'GET /_twin/contract', 'GET /_twin/coverage']);

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;
interface Setup {
  kernel: Kernel<unknown, unknown>;
  victim: string;
  base: string;
  fetch: Fetch;
  close(): Promise<void> | void;
}

function fingerprint(kernel: Kernel<unknown, unknown>): string {
  return JSON.stringify({
    tenants: kernel.tenants.list().map((t) => ({ id: t.id, state: kernel.snapshotState(t), clock: t.clock.snapshot() })),
    faults: kernel.faults.list(),
    limits: kernel.limiter.enabled,
    journal: kernel.journal.query({}).filter((e) => e.operation !== '_twin.refused'),
    outbox: kernel.outbox.list({}),
  });
}

/** A request each route would act on if let through: every one changes or reveals something. */
function attempt(route: string, victim: string, state: unknown): { method: string; path: string; body?: Record<string, unknown> } {
  const [method, template] = route.split(' ');
  const path = template.replace('/_twin/', '').replace(':id', victim).replace(':key', 'OPS-1').replace(/:\w+/g, 'x');
  const bodies: Record<string, Record<string, unknown>> = {
    'POST tenants': { seed: 9 },
    'PUT snapshot': { twin: 'jira', version: 1, tenants: [{ id: victim, state }] },
    'POST faults': { operation: 'createIssue', status: 500 },
    'POST clock': { advance: '1h' },
    'POST rate-limits': { enabled: true },
    'POST jira/webhook': { url: 'http://127.0.0.1:9/steal' },
    'POST jira/act': { as: 'alice', action: 'create', summary: 'pwned' },
  };
  const key = `${method} ${template.replace('/_twin/', '')}`;
  return { method, path, body: method === 'GET' || method === 'DELETE' ? undefined : (bodies[key] ?? { as: 'alice' }) };
}

const PLACES = ['basic', 'bearer', 'query-tenant', 'query-token', 'body-token', 'x-twin-tenant'] as const;

function request(
  a: { method: string; path: string; body?: Record<string, unknown> },
  place: (typeof PLACES)[number],
  credential: { email: string; secret: string },
): { path: string; init: RequestInit } {
  const headers: Record<string, string> = {};
  let path = a.path;
  let body = a.body;
  const sep = path.includes('?') ? '&' : '?';
  if (place === 'basic') headers.authorization = basic(credential.email, credential.secret);
  if (place === 'bearer') headers.authorization = `Bearer ${credential.secret}`;
  if (place === 'x-twin-tenant') headers['x-twin-tenant'] = credential.secret;
  if (place === 'query-tenant') path += `${sep}tenant=${encodeURIComponent(credential.secret)}`;
  if (place === 'query-token') path += `${sep}token=${encodeURIComponent(credential.secret)}`;
  if (place === 'body-token') body = { ...(body ?? {}), token: credential.secret };
  const sendBody = a.method !== 'GET' && a.method !== 'HEAD' && body !== undefined;
  if (sendBody) headers['content-type'] = 'application/json';
  return { path, init: { method: a.method, headers, body: sendBody ? JSON.stringify(body) : undefined } };
}

async function transports(controlToken: string | undefined): Promise<Record<string, Setup>> {
  const make = () => {
    const kernel = createKernel(jiraTwin, { seed: 4, rateLimits: false, controlToken }) as Kernel<unknown, unknown>;
    const victim = kernel.createTenant({ seed: 4 }).id;
    return { kernel, victim };
  };
  const http = make();
  const running: RunningTwin = await serve(http.kernel);
  const inProcess = make();
  const msw = make();
  const server = setupServer(...twinHandlers(msw.kernel, 'https://jira.test'));
  server.listen({ onUnhandledRequest: 'bypass' });
  return {
    http: { ...http, base: running.url, fetch: (u, i) => fetch(u, i), close: () => running.close() },
    'kernel.fetch': { ...inProcess, base: 'http://jira.test', fetch: inProcess.kernel.fetch, close: () => inProcess.kernel.close() },
    msw: {
      ...msw,
      base: 'https://jira.test',
      fetch: (u, i) => fetch(u, i),
      close: () => {
        server.close();
        msw.kernel.close();
      },
    },
  };
}

const ROUTES = [...GENERIC_ROUTES, ...(jiraTwin.control ?? []).map((r) => `${r.method} /_twin/${r.path}`)].filter((r) => !OPEN.has(r));
const WITH_HEAD = [...ROUTES, ...ROUTES.filter((r) => r.startsWith('GET ')).map((r) => r.replace(/^GET/, 'HEAD'))];

describe('Jira control routes list what the test tries', () => {
  it('covers Jira’s own control routes', () => {
    expect(ROUTES).toEqual(
      expect.arrayContaining([
        'POST /_twin/jira/webhook',
        'POST /_twin/jira/act',
        'GET /_twin/jira/issues',
        'GET /_twin/jira/issues/:key',
        'GET /_twin/jira/people',
      ]),
    );
  });
});

describe.each([
  ['unlocked', undefined, 403, 'vendor_credential'],
  ['locked', CONTROL_TOKEN, 401, 'control_token_required'],
] as const)('the Jira control plane, %s, and Jira credentials', (_name, controlToken, status, code) => {
  let setups: Record<string, Setup>;
  beforeAll(async () => {
    setups = await transports(controlToken);
  }, 60_000);
  afterAll(async () => {
    for (const s of Object.values(setups)) await s.close();
  });

  it.each(['http', 'kernel.fetch', 'msw'])(
    'over %s: no route answers an API token (basic or bare) or the webhook secret with state, and nothing changes',
    async (name) => {
      const { kernel, victim, base, fetch } = setups[name];
      const tenant = kernel.tenants.get(victim);
      if (!tenant) throw new Error('no victim tenant');
      const state = tenant.state as JiraState;
      const env = kernel.env(tenant, base);
      const bob = [...state.users.values()].find((u) => u.emailAddress.startsWith('bob@'));
      const credentials = {
        admin: { email: env.JIRA_EMAIL, secret: env.JIRA_API_TOKEN },
        bob: { email: bob?.emailAddress ?? '', secret: bob?.apiToken ?? '' },
        webhookSecret: { email: env.JIRA_EMAIL, secret: env.JIRA_WEBHOOK_SECRET },
      };
      expect(credentials.bob.secret).not.toBe('');
      expect(credentials.webhookSecret.secret).not.toBe('');
      const before = fingerprint(kernel);
      const refusedBefore = kernel.journal.query({ tenant: victim, operation: '_twin.refused', limit: 100_000 }).length;
      let tried = 0;
      for (const route of WITH_HEAD) {
        const a = attempt(route, victim, kernel.snapshotState(tenant));
        for (const [what, credential] of Object.entries(credentials)) {
          for (const place of PLACES) {
            if ((a.method === 'GET' || a.method === 'HEAD') && place.startsWith('body')) continue;
            const { path, init } = request(a, place, credential);
            const res = await fetch(`${base}/_twin/${path}`, init);
            const text = await res.text();
            const label = `${route} with the ${what} credential in ${place}`;
            expect(res.status, label).toBe(status);
            if (a.method !== 'HEAD') expect(JSON.parse(text), label).toEqual({ error: { code, message: expect.any(String) } });
            for (const secret of [env.JIRA_API_TOKEN, credentials.bob.secret, env.JIRA_WEBHOOK_SECRET, env.JIRA_PROJECT_KEY, victim])
              expect(text, label).not.toContain(secret);
            tried++;
          }
        }
      }
      expect(tried).toBeGreaterThan(ROUTES.length * 12);
      expect(fingerprint(kernel)).toBe(before);
      const refused = kernel.journal.query({ tenant: victim, operation: '_twin.refused', limit: 100_000 });
      expect(refused.length - refusedBefore).toBe(tried);
      expect(refused.map((e) => e.path)).toEqual(expect.arrayContaining(['/_twin/jira/act', '/_twin/jira/issues/OPS-1', '/_twin/ui/feed']));
    },
    120_000,
  );
});
