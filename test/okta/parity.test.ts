// One Okta walk over three transports (HTTP server, msw, in-process fetch): the answers must be identical up to the base URL
// and to what Okta itself makes random (request ids, tokens' signatures and jti, generated client secrets).

import { randomUUID, sign } from 'node:crypto';
import { setupServer } from 'msw/node';
import { afterAll, describe, expect, it } from 'vitest';
import { serve } from '../../src/adapters/fastify.ts';
import { twinHandlers } from '../../src/adapters/msw.ts';
import { createKernel, type Kernel } from '../../src/index.ts';
import { oktaTwin } from '../../twins/okta/index.ts';

const START = Date.parse('2026-03-02T09:00:00Z');
type Auth = 'ssws' | 'none' | 'wrong' | 'basic' | 'bearer' | 'assertion';
type Step = { method: string; path: string; body?: string; type?: string; auth?: Auth; save?: string };

const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
const post = (path: string, body: unknown, method = 'POST'): Step => ({ method, path, body: JSON.stringify(body), type: json });

/** A walk through the management API and the token endpoints, with every kind of error the twin answers. */
function script(env: Record<string, string>): Step[] {
  const login = env.OKTA_TEST_USERNAME;
  return [
    { method: 'GET', path: '/api/v1/users/me' },
    { method: 'GET', path: '/api/v1/users?limit=3' },
    { method: 'GET', path: '/api/v1/users?search=profile.department%20eq%20%22Engineering%22&limit=2' },
    { method: 'GET', path: '/api/v1/users?q=ali' },
    { method: 'GET', path: '/api/v1/users?filter=status%20eq%20%22DEPROVISIONED%22' },
    post('/api/v1/users?activate=true', {
      profile: { firstName: 'Par', lastName: 'Ity', email: 'par.ity@example.test', login: 'par.ity@example.test', department: 'Eng' },
      credentials: { password: { value: 'Parity-Pass-42' } },
    }),
    { method: 'GET', path: '/api/v1/users/par.ity@example.test' },
    post('/api/v1/users/par.ity@example.test', { profile: { title: 'Tester' } }),
    { method: 'POST', path: '/api/v1/users/par.ity@example.test/lifecycle/suspend' },
    { method: 'POST', path: '/api/v1/users/par.ity@example.test/lifecycle/suspend' },
    { method: 'POST', path: '/api/v1/users/par.ity@example.test/lifecycle/unsuspend' },
    { method: 'GET', path: '/api/v1/users/par.ity@example.test/groups' },
    post('/api/v1/groups', { profile: { name: 'Parity', description: 'three transports' } }),
    { method: 'GET', path: '/api/v1/groups?q=Par' },
    { method: 'GET', path: '/api/v1/groups?limit=2' },
    { method: 'GET', path: '/api/v1/apps?limit=5' },
    { method: 'GET', path: '/api/v1/authorizationServers' },
    { method: 'GET', path: '/api/v1/logs?since=2026-03-01T00:00:00.000Z&limit=5' },
    {
      method: 'GET',
      path: '/api/v1/logs?filter=eventType%20eq%20%22user.lifecycle.suspend%22&since=2026-03-01T00:00:00.000Z&until=2026-03-03T00:00:00.000Z',
    },
    { method: 'GET', path: '/api/v1/eventHooks' },
    post('/api/v1/authn', { username: login, password: env.OKTA_TEST_PASSWORD }),
    post('/api/v1/authn', { username: login, password: 'not the password' }),
    // Errors: not found, bad filter, malformed JSON, missing fields, wrong method, wrong and missing credentials, unknown route.
    { method: 'GET', path: '/api/v1/users/00unobody000000000000' },
    { method: 'GET', path: '/api/v1/users?filter=profile.department%20eq' },
    { method: 'POST', path: '/api/v1/users', body: '{"profile":', type: json },
    post('/api/v1/users', { profile: { login: 'no-email@example.test' } }),
    { method: 'PATCH', path: '/api/v1/users' },
    { method: 'GET', path: '/api/v1/users/me', auth: 'wrong' },
    { method: 'GET', path: '/api/v1/users/me', auth: 'none' },
    { method: 'GET', path: '/api/v1/not-a-resource' },
    { method: 'POST', path: '/api/v1/users/par.ity@example.test/lifecycle/deactivate' },
    post('/api/v1/users/par.ity@example.test', { profile: { title: 'Gone' } }),
    { method: 'DELETE', path: '/api/v1/users/par.ity@example.test' },
    { method: 'GET', path: '/api/v1/users/par.ity@example.test' },
    // OAuth: discovery (unauthenticated), keys, client_credentials, introspection, the org server's token at the API.
    { method: 'GET', path: '/.well-known/openid-configuration', auth: 'none' },
    { method: 'GET', path: '/oauth2/default/.well-known/openid-configuration', auth: 'none' },
    {
      method: 'POST',
      path: '/oauth2/default/v1/token',
      body: 'grant_type=client_credentials&scope=openid',
      type: form,
      auth: 'basic',
    },
    { method: 'POST', path: '/oauth2/v1/token', body: 'grant_type=password&username=x&password=y', type: form, auth: 'basic' },
    { method: 'POST', path: '/oauth2/v1/token', body: 'grant_type=client_credentials', type: form, auth: 'none' },
    { method: 'GET', path: '/oauth2/v1/userinfo', auth: 'none' },
    // The service app's client_credentials with private_key_jwt, and its token at the management API (in scope, then out of it).
    {
      method: 'POST',
      path: '/oauth2/v1/token',
      body: 'grant_type=client_credentials&scope=okta.users.read',
      type: form,
      auth: 'assertion',
    },
    { method: 'GET', path: '/api/v1/users?limit=2', auth: 'bearer' },
    { method: 'GET', path: '/api/v1/groups', auth: 'bearer' },
    { method: 'GET', path: '/oauth2/nope/.well-known/openid-configuration', auth: 'none' },
  ];
}

/**
 * What differs by kernel and by nothing the caller sent: the base URL, the tenant's random credentials (the env names them),
 * JWT signatures and ids, and the random ids Okta gives errors and sign-ins (errorId, sessionToken).
 */
function normalise(text: string, base: string, env: Record<string, string>): string {
  let out = text
    .replace(/eyJ[\w-]+\.(eyJ[\w-]+)\.[\w-]+/g, (_m, payload: string) => {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      // jti is random; the OAuth engine dates tokens by the wall clock (not the org's), so only their lifetime is compared.
      const { jti: _jti, iat, exp, ...rest } = claims as { jti?: string; iat?: number; exp?: number };
      return `<JWT ${JSON.stringify({ ...rest, lifetime: (exp ?? 0) - (iat ?? 0) })}>`;
    })
    .replace(/"(errorId|sessionToken)":"[\w-]+"/g, '"$1":"<random>"')
    .split(base)
    .join('<BASE>');
  for (const name of ['OKTA_API_TOKEN', 'OKTA_CLIENT_ID', 'OKTA_CLIENT_SECRET', 'OKTA_SERVICE_CLIENT_ID']) {
    if (env[name]) out = out.split(env[name]).join(`<${name}>`);
  }
  return out;
}

/** A private_key_jwt client assertion of the service app for the org server's token endpoint. */
function clientAssertion(env: Record<string, string>, base: string): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: env.OKTA_SERVICE_CLIENT_ID,
    sub: env.OKTA_SERVICE_CLIENT_ID,
    aud: `${base}/oauth2/v1/token`,
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
  };
  const input = `${enc({ alg: 'RS256', kid: env.OKTA_SERVICE_KEY_ID, typ: 'JWT' })}.${enc(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), env.OKTA_SERVICE_PRIVATE_KEY).toString('base64url')}`;
}

async function runScript(kernel: Kernel<unknown, unknown>, base: string, doFetch: typeof fetch): Promise<string[]> {
  const env = kernel.env(kernel.tenants.default(), base);
  const out: string[] = [];
  let bearer = '';
  for (const step of script(env)) {
    const headers: Record<string, string> = { accept: json, 'user-agent': 'okta-parity' };
    if (step.type) headers['content-type'] = step.type;
    const auth = step.auth ?? 'ssws';
    if (auth === 'ssws') headers.authorization = `SSWS ${env.OKTA_API_TOKEN}`;
    if (auth === 'wrong') headers.authorization = 'SSWS 00wrongWrongWrongWrongWrongWrongWrongWro';
    if (auth === 'basic')
      headers.authorization = `Basic ${Buffer.from(`${env.OKTA_CLIENT_ID}:${env.OKTA_CLIENT_SECRET}`).toString('base64')}`;
    if (auth === 'bearer') headers.authorization = `Bearer ${bearer}`;
    let body = step.body;
    if (auth === 'assertion') {
      const type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
      body += `&client_assertion_type=${encodeURIComponent(type)}&client_assertion=${clientAssertion(env, base)}`;
    }
    const res = await doFetch(`${base}${step.path}`, { method: step.method, headers, body });
    const raw = await res.text();
    if (auth === 'assertion') bearer = (JSON.parse(raw) as { access_token?: string }).access_token ?? '';
    const text = normalise(raw, base, env);
    const link = normalise(res.headers.get('link') ?? '', base, env);
    const limits = ['x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset', 'date'].map((h) => res.headers.get(h));
    expect(res.headers.get('x-okta-request-id'), `${step.method} ${step.path}`).toBeTruthy();
    out.push(`${step.method} ${step.path} → ${res.status} ${res.headers.get('content-type')} ${limits.join(' ')} [${link}] ${text}`);
  }
  return out;
}

const fresh = () =>
  createKernel(oktaTwin, { seed: 31, clock: 'virtual', clockStart: START, rateLimits: false }) as Kernel<unknown, unknown>;

describe('Okta over HTTP, msw and in-process fetch gives identical answers', () => {
  const closers: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it('runs the same walk over each transport', { timeout: 120_000 }, async () => {
    const httpKernel = fresh();
    const http = await serve(httpKernel);
    closers.push(() => http.close());
    const viaHttp = await runScript(httpKernel, http.url, fetch);

    const mswKernel = fresh();
    const server = setupServer(...twinHandlers(mswKernel, 'https://okta.test'));
    server.listen({ onUnhandledRequest: 'error' });
    closers.push(() => server.close());
    const viaMsw = await runScript(mswKernel, 'https://okta.test', fetch);
    server.close();

    const direct = fresh();
    const viaFetch = await runScript(direct, 'https://okta.test', direct.fetch);

    const statuses = viaHttp.map((line) => Number(/ → (\d{3}) /.exec(line)?.[1]));
    expect(statuses.length).toBe(script({}).length);
    for (const s of [200, 204, 400, 401, 403, 404, 405]) expect(statuses).toContain(s);
    // The service app's token was issued and opened the API within its scope.
    expect(viaHttp.find((l) => l.startsWith('POST /oauth2/v1/token → 200'))).toContain('"scp":["okta.users.read"]');
    // Every answer, refusals before authentication too, is dated by the org's (virtual) clock.
    for (const line of viaHttp) expect(line).toContain('Mon, 02 Mar 2026 09:00:00 GMT');
    expect(viaMsw).toEqual(viaHttp);
    expect(viaFetch).toEqual(viaHttp);
  });
});
