// Rate limits armed through the control plane and waited out by okta-sdk-nodejs's default executor; the rate-limit headers
// counting down; hostile input answered in Okta's error shapes; and orgs (tenants) isolated, discovery included.

import okta from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Json, type OktaFixture, rejection, startOkta } from './support.ts';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

let s: OktaFixture;

beforeAll(async () => {
  s = await startOkta({ seed: 23 });
});
afterAll(async () => {
  await s?.close();
});

describe('rate limits through the control plane', () => {
  it("a 429 armed as a fault (Retry 2 s) is waited out by the SDK's default executor, which then succeeds", async () => {
    const armed = await s.control('POST', 'faults', { operation: 'getUser', rateLimit: { retryAfter: 2 }, count: 1 });
    expect(armed.status).toBe(201);
    const client = new okta.Client({ orgUrl: s.env.OKTA_ORG_URL, token: s.env.OKTA_API_TOKEN, cacheMiddleware: null });
    const backoffs: number[] = [];
    (client.requestExecutor as unknown as { on(e: string, f: (...a: unknown[]) => void): void }).on('backoff', (_req, _res, _id, delayMs) =>
      backoffs.push(delayMs as number),
    );
    const me = await client.userApi.getUser({ userId: s.env.OKTA_TEST_USERNAME });
    expect(me.profile?.login).toBe(s.env.OKTA_TEST_USERNAME);
    // One backoff, of Reset − Date (2 s) plus the SDK's own margin.
    expect(backoffs.length).toBe(1);
    expect(backoffs[0]).toBeGreaterThanOrEqual(2000);
    expect(backoffs[0]).toBeLessThanOrEqual(4000);
    const refused = s.kernel.journal.query({ operation: 'getUser', status: 429 });
    expect(refused.length).toBe(1);
  });

  it('a 429 that is not waited out reaches the SDK as its error with E0000047', async () => {
    await s.control('POST', 'faults', { operation: 'listGroups', rateLimit: { retryAfter: 1 }, count: 10 });
    const client = new okta.Client({
      orgUrl: s.env.OKTA_ORG_URL,
      token: s.env.OKTA_API_TOKEN,
      cacheMiddleware: null,
      maxRetries: 0,
    } as ConstructorParameters<typeof okta.Client>[0]);
    const err = await rejection(
      (async () => {
        for await (const g of await client.groupApi.listGroups({})) void g;
      })(),
    );
    expect(err.status).toBe(429);
    expect(err.errorCode).toBe('E0000047');
    await s.control('DELETE', 'faults');
  });

  it('with limits on, X-Rate-Limit-Remaining counts down in the endpoint’s bucket and Reset is a minute ahead at most', async () => {
    expect((await s.control('POST', 'rate-limits', { enabled: true })).status).toBe(200);
    try {
      const a = await s.api('GET', '/api/v1/groups?limit=1');
      const b = await s.api('GET', '/api/v1/groups?limit=1');
      const limit = Number(a.headers.get('x-rate-limit-limit'));
      const ra = Number(a.headers.get('x-rate-limit-remaining'));
      const rb = Number(b.headers.get('x-rate-limit-remaining'));
      expect(limit).toBeLessThan(10_000);
      expect(ra).toBeLessThan(limit);
      expect(rb).toBe(ra - 1);
      const date = Date.parse(b.headers.get('date') ?? '') / 1000;
      const reset = Number(b.headers.get('x-rate-limit-reset'));
      expect(reset).toBeGreaterThanOrEqual(Math.floor(date));
      expect(reset).toBeLessThanOrEqual(date + 61);
    } finally {
      await s.control('POST', 'rate-limits', { enabled: false });
    }
    // Off: still there, just high.
    const off = await s.api('GET', '/api/v1/groups?limit=1');
    expect(Number(off.headers.get('x-rate-limit-limit'))).toBeGreaterThanOrEqual(10_000);
    expect(off.headers.get('x-okta-request-id')).toBeTruthy();
  });
});

describe('hostile input gets an Okta error, never a 500', () => {
  it('wrong types, a huge body, an unknown route and a method the route lacks', async () => {
    const types = await s.api('POST', '/api/v1/users', { profile: 'not an object' });
    expect(types.status).toBe(400);
    expect(types.body.errorCode).toBe('E0000001');
    expect(Array.isArray(types.body.errorCauses)).toBe(true);
    const huge = await s.api('POST', '/api/v1/groups', { profile: { name: 'x'.repeat(3_000_000) } });
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
    expect(huge.body.errorCode).toMatch(/^E0000\d{3}$/);
    const route = await s.api('GET', '/api/v1/nothing/here');
    expect(route.status).toBe(404);
    expect(route.body.errorCode).toBe('E0000007');
    const method = await s.api('PUT', '/api/v1/logs');
    expect(method.status).toBe(405);
    expect(method.body.errorCode).toBe('E0000022');
    const filter = await s.api('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq')}`);
    expect(filter.status).toBe(400);
    expect(filter.body.errorCode).toBe('E0000031');
    for (const r of [types, huge, route, method, filter]) {
      expect(r.body.errorSummary).toBeTruthy();
      expect(r.body.errorId).toBeTruthy();
      expect(JSON.stringify(r.body)).not.toMatch(/\bat \w+ \(|node_modules/);
    }
  });
});

describe('orgs are isolated', () => {
  let other: Record<string, string>;
  beforeAll(async () => {
    const created = await s.control('POST', 'tenants', { id: 'isolated-org', seed: 23 });
    expect(created.status).toBe(201);
    other = created.body.env as Record<string, string>;
  });

  it('each org has its own discovery, issuers and keys under its own prefix', async () => {
    expect(other.OKTA_ORG_URL).toBe(`${s.url}/t/isolated-org`);
    expect(other.OKTA_ISSUER).toBe(`${s.url}/t/isolated-org/oauth2/default`);
    for (const [env, path, issuer] of [
      [other, '/.well-known/openid-configuration', other.OKTA_ORG_URL],
      [other, '/oauth2/default/.well-known/openid-configuration', other.OKTA_ISSUER],
      [s.env, '/.well-known/openid-configuration', s.env.OKTA_ORG_URL],
    ] as const) {
      const res = await fetch(`${env.OKTA_ORG_URL}${path}`);
      expect(res.status).toBe(200);
      const meta = (await res.json()) as Json;
      expect(meta.issuer).toBe(issuer);
      expect(meta.token_endpoint.startsWith(`${issuer}/`)).toBe(true);
      expect(meta.jwks_uri.startsWith(`${issuer}/`)).toBe(true);
    }
    const kidsOf = async (url: string) => ((await (await fetch(url)).json()) as Json).keys.map((k: Json) => k.kid) as string[];
    const mine = await kidsOf(`${s.env.OKTA_ISSUER}/v1/keys`);
    const theirs = await kidsOf(`${other.OKTA_ISSUER}/v1/keys`);
    expect(mine.filter((k) => theirs.includes(k))).toEqual([]);
  });

  it('the same seed gives the same people, but one org’s API token, client and tokens are refused by the other', async () => {
    const mine = (await s.api('GET', '/api/v1/users?limit=200')).body as Json[];
    // My token at their org's URL: unknown there.
    const foreign = await fetch(`${other.OKTA_ORG_URL}/api/v1/users/me`, { headers: { authorization: `SSWS ${s.env.OKTA_API_TOKEN}` } });
    expect(foreign.status).toBe(401);
    expect(((await foreign.json()) as Json).errorCode).toBe('E0000011');
    // A group made in my org is not in theirs, whichever URL their token is sent to (the root resolves a token to its own org).
    const made = await s.api('POST', '/api/v1/groups', { profile: { name: 'Only Mine' } });
    expect(made.status).toBe(200);
    for (const base of [other.OKTA_ORG_URL, s.env.OKTA_ORG_URL]) {
      const res = await fetch(`${base}/api/v1/groups?q=Only`, { headers: { authorization: `SSWS ${other.OKTA_API_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([]);
    }
    const inTheirOrg = await fetch(`${other.OKTA_ORG_URL}/api/v1/users?limit=200`, {
      headers: { authorization: `SSWS ${other.OKTA_API_TOKEN}` },
    });
    const theirPeople = (await inTheirOrg.json()) as Json[];
    const logins = (people: Json[]) => people.map((u) => u.profile.login as string).sort();
    expect(logins(theirPeople)).toEqual(logins(mine));
    // My org's session token, spent in theirs: refused.
    const authn = await s.api(
      'POST',
      '/api/v1/authn',
      { username: s.env.OKTA_TEST_USERNAME, password: s.env.OKTA_TEST_PASSWORD },
      {
        'content-type': 'application/json',
      },
    );
    expect(authn.body.status).toBe('SUCCESS');
    const session = await fetch(`${other.OKTA_ORG_URL}/api/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `SSWS ${other.OKTA_API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionToken: authn.body.sessionToken }),
    });
    expect(session.status).toBe(403);
    // My web app's client at their token endpoint: unknown there.
    const basic = `Basic ${Buffer.from(`${s.env.OKTA_CLIENT_ID}:${s.env.OKTA_CLIENT_SECRET}`).toString('base64')}`;
    const token = await fetch(`${other.OKTA_ISSUER}/v1/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=openid',
    });
    expect(token.status).toBe(401);
    expect(((await token.json()) as Json).error).toBe('invalid_client');
  });
});
