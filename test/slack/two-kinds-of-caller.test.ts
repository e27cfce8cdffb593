// Vendor credentials reach the vendor API and nothing else: on every /_twin/ route, over every transport, locked or not, they get no state and change nothing, and the attempt is filed in that tenant's journal.

import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERIC_ROUTES } from '../../src/control/control-plane.ts';
import { createKernel, type Kernel, type RunningTwin, serve, twinHandlers } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';
import type { SlackState } from '../../twins/slack/store.ts';

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

/** The twin's state as the grader would compare it: every tenant's sealed state and clock, faults, tenants, limits, the journal minus refusals. */
function fingerprint(kernel: Kernel<unknown, unknown>): string {
  return JSON.stringify({
    tenants: kernel.tenants.list().map((t) => ({ id: t.id, state: kernel.snapshotState(t), clock: t.clock.snapshot() })),
    faults: kernel.faults.list(),
    limits: kernel.limiter.enabled,
    journal: kernel.journal.query({}).filter((e) => e.operation !== '_twin.refused'),
    outbox: kernel.outbox.list({}),
  });
}

/** A request each route would act on if it were let through: every one changes or reveals something. */
function attempt(route: string, victim: string, state: SlackState): { method: string; path: string; body?: Record<string, unknown> } {
  const [method, template] = route.split(' ');
  const path = template.replace('/_twin/', '').replace(':id', victim).replace(':user', 'alice').replace(/:\w+/g, 'x');
  const bodies: Record<string, Record<string, unknown>> = {
    'POST tenants': { seed: 9 },
    'PUT snapshot': {
      twin: 'slack',
      version: 1,
      tenants: [{ id: victim, state: { ...state, team: { ...state.team, name: 'pwned' } } }],
    },
    'POST faults': { operation: 'chat.postMessage', error: 'fatal_error' },
    'POST clock': { advance: '1h' },
    'POST rate-limits': { enabled: true },
    'POST slack/app': { bot_scopes: ['chat:write'], request_url: 'http://127.0.0.1:9/x', verify: false },
    'POST slack/users': { real_name: 'Mallory Evil' },
    'POST slack/users/:user': { deleted: true },
    'POST slack/channels': { name: 'pwned' },
    'POST slack/act/message': { user: 'alice', channel: '#general', text: 'pwned' },
    'POST slack/act/archive': { user: 'alice', channel: '#random' },
    'POST slack/act/join': { user: 'alice', channel: '#leadership' },
    'POST slack/act/leave': { user: 'alice', channel: '#general' },
  };
  const key = `${method} ${template.replace('/_twin/', '')}`;
  return { method, path, body: method === 'GET' || method === 'DELETE' ? undefined : (bodies[key] ?? { user: 'alice' }) };
}

/** Where a caller can put a credential. */
const PLACES = ['bearer', 'query-tenant', 'query-token', 'body-tenant', 'body-token', 'x-twin-tenant'] as const;

function request(
  a: { method: string; path: string; body?: Record<string, unknown> },
  place: (typeof PLACES)[number],
  credential: string,
): { path: string; init: RequestInit } {
  const headers: Record<string, string> = {};
  let path = a.path;
  let body = a.body;
  const sep = path.includes('?') ? '&' : '?';
  if (place === 'bearer') headers.authorization = `Bearer ${credential}`;
  if (place === 'x-twin-tenant') headers['x-twin-tenant'] = credential;
  if (place === 'query-tenant') path += `${sep}tenant=${encodeURIComponent(credential)}`;
  if (place === 'query-token') path += `${sep}token=${encodeURIComponent(credential)}`;
  if (place === 'body-tenant' || place === 'body-token') {
    body = { ...(body ?? {}), [place === 'body-tenant' ? 'tenant' : 'token']: credential };
  }
  if (body !== undefined && a.method !== 'GET' && a.method !== 'HEAD') headers['content-type'] = 'application/json';
  const sendBody = a.method !== 'GET' && a.method !== 'HEAD' && body !== undefined;
  return { path, init: { method: a.method, headers, body: sendBody ? JSON.stringify(body) : undefined } };
}

async function transports(controlToken: string | undefined): Promise<Record<string, Setup>> {
  const make = () => {
    const kernel = createKernel(slackTwin, { seed: 4, rateLimits: false, controlToken }) as Kernel<unknown, unknown>;
    const victim = kernel.createTenant({ seed: 4 }).id;
    return { kernel, victim };
  };
  const http = make();
  const running: RunningTwin = await serve(http.kernel);
  const inProcess = make();
  const msw = make();
  const server = setupServer(...twinHandlers(msw.kernel, 'https://slack.test'));
  server.listen({ onUnhandledRequest: 'bypass' });
  return {
    http: { ...http, base: running.url, fetch: (u, i) => fetch(u, i), close: () => running.close() },
    'kernel.fetch': { ...inProcess, base: 'http://slack.test', fetch: inProcess.kernel.fetch, close: () => inProcess.kernel.close() },
    msw: {
      ...msw,
      base: 'https://slack.test',
      fetch: (u, i) => fetch(u, i),
      close: () => {
        server.close();
        msw.kernel.close();
      },
    },
  };
}

const ROUTES = [...GENERIC_ROUTES, ...(slackTwin.control ?? []).map((r) => `${r.method} /_twin/${r.path}`)].filter((r) => !OPEN.has(r));
// HEAD is judged as GET: try it on every GET route as well.
const WITH_HEAD = [...ROUTES, ...ROUTES.filter((r) => r.startsWith('GET ')).map((r) => r.replace(/^GET/, 'HEAD'))];

describe.each([
  ['unlocked', undefined, 403, 'vendor_credential'],
  ['locked', CONTROL_TOKEN, 401, 'control_token_required'],
] as const)('the control plane, %s, and vendor credentials', (_name, controlToken, status, code) => {
  let setups: Record<string, Setup>;
  beforeAll(async () => {
    setups = await transports(controlToken);
  });
  afterAll(async () => {
    for (const s of Object.values(setups)) await s.close();
  });

  it.each(['http', 'kernel.fetch', 'msw'])(
    'over %s: no route answers a bot token, user token, signing secret, client id or secret with state, and nothing changes',
    async (name) => {
      const { kernel, victim, base, fetch } = setups[name];
      const tenant = kernel.tenants.get(victim);
      if (!tenant) throw new Error('no victim tenant');
      const state = tenant.state as SlackState;
      const env = kernel.env(tenant, base);
      const credentials = {
        bot: env.SLACK_BOT_TOKEN,
        user: env.SLACK_USER_TOKEN,
        signing: env.SLACK_SIGNING_SECRET,
        clientSecret: env.SLACK_CLIENT_SECRET,
        clientId: env.SLACK_CLIENT_ID,
      };
      const before = fingerprint(kernel);
      const refusedBefore = kernel.journal.query({ tenant: victim, operation: '_twin.refused' }).length;
      let tried = 0;
      for (const route of WITH_HEAD) {
        const a = attempt(route, victim, kernel.snapshotState(tenant) as SlackState);
        for (const [what, credential] of Object.entries(credentials)) {
          for (const place of PLACES) {
            // A GET or HEAD carries no body.
            if ((a.method === 'GET' || a.method === 'HEAD') && place.startsWith('body')) continue;
            const { path, init } = request(a, place, credential);
            const res = await fetch(`${base}/_twin/${path}`, init);
            const text = await res.text();
            const label = `${route} with the ${what} credential in ${place}`;
            expect(res.status, label).toBe(status);
            if (a.method !== 'HEAD') expect(JSON.parse(text), label).toEqual({ error: { code, message: expect.any(String) } });
            // Nothing of any tenant in the answer.
            for (const secret of [...Object.values(credentials), state.team.id, state.team.name, victim])
              expect(text, label).not.toContain(secret);
            tried++;
          }
        }
        // Basic auth with the client id and secret, as oauth.v2.access takes them.
        const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64');
        const res = await fetch(`${base}/_twin/${a.path}`, {
          method: a.method,
          headers: { authorization: `Basic ${basic}`, ...(a.body ? { 'content-type': 'application/json' } : {}) },
          body: a.body && a.method !== 'HEAD' ? JSON.stringify(a.body) : undefined,
        });
        await res.text();
        expect(res.status, `${route} with Basic client credentials`).toBe(status);
        tried++;
      }
      expect(tried).toBeGreaterThan(ROUTES.length * 25);
      expect(fingerprint(kernel)).toBe(before);
      // Every attempt is filed in the victim's journal, where a grader can flag it.
      const refused = kernel.journal.query({ tenant: victim, operation: '_twin.refused', limit: 100_000 });
      expect(refused.length - refusedBefore).toBe(tried);
      expect(refused.at(-1)).toMatchObject({ tenant: victim, status, error: code, operation: '_twin.refused' });
      expect(refused.map((e) => e.path)).toContain('/_twin/journal');
      // Some 2,000 requests each; over HTTP on a busy 2-core machine that takes a while.
    },
    120_000,
  );
});

describe('the control plane by id, without credentials', () => {
  it('unlocked: open by tenant id, as on a developer machine; a token is not a tenant name', async () => {
    const kernel = createKernel(slackTwin, { seed: 4, rateLimits: false });
    const t = kernel.createTenant({ seed: 4 });
    const journal = await kernel.fetch(`http://slack.test/_twin/journal?tenant=${t.id}`);
    expect(journal.status).toBe(200);
    const byToken = await kernel.fetch(`http://slack.test/_twin/clock?tenant=${t.state ? (kernel.env(t, '').SLACK_BOT_TOKEN ?? '') : ''}`);
    expect(byToken.status).toBe(403);
    const unknown = await kernel.fetch('http://slack.test/_twin/clock?tenant=nobody');
    expect(unknown.status).toBe(404);
    kernel.close();
  });

  it('locked: the control token opens a tenant by id; a refused bot token shows up in that tenant journal with method and path', async () => {
    const kernel = createKernel(slackTwin, { seed: 4, rateLimits: false, controlToken: CONTROL_TOKEN });
    const t = kernel.createTenant({ seed: 4 });
    const bot = kernel.env(t, '').SLACK_BOT_TOKEN;
    const refused = await kernel.fetch('http://slack.test/_twin/faults', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${bot}` },
    });
    expect(refused.status).toBe(401);
    const journal = await kernel.fetch(`http://slack.test/_twin/journal?tenant=${t.id}&operation=_twin.refused`, {
      headers: { 'x-twin-control-token': CONTROL_TOKEN },
    });
    expect(journal.status).toBe(200);
    const entries = ((await journal.json()) as { entries: { method: string; path: string; status: number; tenant: string }[] }).entries;
    expect(entries).toEqual([expect.objectContaining({ method: 'DELETE', path: '/_twin/faults', status: 401, tenant: t.id })]);
    // The default tenant's journal has none of it.
    expect(kernel.journal.query({ tenant: 'default', operation: '_twin.refused' })).toEqual([]);
    kernel.close();
  });
});
