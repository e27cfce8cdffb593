// Issue 11's contract with users, as a user meets it: `twins up okta --json` gives exactly the Okta variables, each of which
// works as documented (a real process, real port); and points of the management API no other file checks: recovery-question
// credentials, reactivation, group search, the System Log's sortOrder and q, and user.authentication.sso on sign-in.

import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import okta from '@okta/okta-sdk-nodejs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { killAll, twins, until } from '../support/cli.ts';
import { type Json, type OktaFixture, rejection, startOkta } from './support.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const VARIABLES = [
  'OKTA_API_TOKEN',
  'OKTA_CLIENT_ID',
  'OKTA_CLIENT_SECRET',
  'OKTA_ISSUER',
  'OKTA_ORG_URL',
  'OKTA_REDIRECT_URI',
  'OKTA_SERVICE_CLIENT_ID',
  'OKTA_SERVICE_KEY_ID',
  'OKTA_SERVICE_PRIVATE_KEY',
  'OKTA_TEST_PASSWORD',
  'OKTA_TEST_USERNAME',
];

describe('twins up okta --json', () => {
  afterEach(() => killAll());

  it('gives twins.okta.env with exactly the documented variables, each usable as documented', async () => {
    const p = twins(['up', 'okta', '--port', '0', '--json', '--seed', '8']);
    await until(() => p.out().includes('\n'), 'the JSON line', 60_000);
    const parsed = JSON.parse(p.out().trim().split('\n')[0]) as Json;
    const env = parsed.twins.okta.env as Record<string, string>;
    expect(Object.keys(env).sort()).toEqual(VARIABLES);
    expect(env.OKTA_ORG_URL).toBe(parsed.twins.okta.url);
    expect(env.OKTA_ORG_URL.endsWith('/')).toBe(false);
    expect(env.OKTA_ISSUER).toBe(`${env.OKTA_ORG_URL}/oauth2/default`);
    // A PKCS#8 PEM.
    expect(env.OKTA_SERVICE_PRIVATE_KEY).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(env.OKTA_SERVICE_PRIVATE_KEY).asymmetricKeyType).toBe('rsa');
    const client = new okta.Client({ orgUrl: env.OKTA_ORG_URL, token: env.OKTA_API_TOKEN });
    const me = await client.userApi.getUser({ userId: 'me' });
    expect(me.status).toBe('ACTIVE');
    const apps: Json[] = [];
    for await (const a of await client.applicationApi.listApplications({})) apps.push(a as Json);
    const web = apps.find((a) => a.credentials?.oauthClient?.client_id === env.OKTA_CLIENT_ID) as Json;
    expect(web.settings.oauthClient.redirect_uris).toContain(env.OKTA_REDIRECT_URI);
    expect(web.settings.oauthClient.grant_types).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(web.credentials.oauthClient.client_secret).toBe(env.OKTA_CLIENT_SECRET);
    const service = apps.find((a) => a.credentials?.oauthClient?.client_id === env.OKTA_SERVICE_CLIENT_ID) as Json;
    expect(service.credentials.oauthClient.token_endpoint_auth_method).toBe('private_key_jwt');
    // Its public key is not listed in settings.oauthClient.jwks (made at run time, kept out of answers); the key id is
    // proved below by the PrivateKey-mode client, whose assertion names it.
    const alice = await client.userApi.getUser({ userId: env.OKTA_TEST_USERNAME });
    expect(alice.status).toBe('ACTIVE');
    const authn = await fetch(`${env.OKTA_ORG_URL}/api/v1/authn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: env.OKTA_TEST_USERNAME, password: env.OKTA_TEST_PASSWORD }),
    });
    expect(((await authn.json()) as Json).status).toBe('SUCCESS');
    const discovery = (await (await fetch(`${env.OKTA_ISSUER}/.well-known/openid-configuration`)).json()) as Json;
    expect(discovery.issuer).toBe(env.OKTA_ISSUER);
    // The service app is granted the documented okta.* scopes: each is issued on the org server.
    const scopes =
      'okta.users.read okta.users.manage okta.groups.read okta.groups.manage okta.apps.read okta.logs.read okta.eventHooks.read okta.eventHooks.manage';
    const sdk = new okta.Client({
      orgUrl: env.OKTA_ORG_URL,
      authorizationMode: 'PrivateKey',
      clientId: env.OKTA_SERVICE_CLIENT_ID,
      scopes: scopes.split(' '),
      privateKey: env.OKTA_SERVICE_PRIVATE_KEY,
      keyId: env.OKTA_SERVICE_KEY_ID,
    });
    const hooks: unknown[] = [];
    for await (const h of await sdk.eventHookApi.listEventHooks()) hooks.push(h);
    expect(Array.isArray(hooks)).toBe(true);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});

describe('management API points', () => {
  let s: OktaFixture;
  beforeAll(async () => {
    s = await startOkta({ seed: 41 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('creates a person with password and recovery question credentials (the answer never shown) and a provider', async () => {
    const res = await s.api('POST', '/api/v1/users?activate=true', {
      profile: { firstName: 'Rae', lastName: 'Quinn', email: 'rae.quinn@example.test', login: 'rae.quinn@example.test' },
      credentials: {
        password: { value: 'Correct-Horse-9' },
        recovery_question: { question: 'Favourite colour?', answer: 'teal green' },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ACTIVE');
    expect(res.body.credentials.recovery_question).toEqual({ question: 'Favourite colour?' });
    expect(res.body.credentials.provider).toEqual({ type: 'OKTA', name: 'OKTA' });
    expect(JSON.stringify(res.body)).not.toContain('teal green');
    expect(JSON.stringify(res.body)).not.toContain('Correct-Horse-9');
  });

  it('reactivates a PROVISIONED person (a new activation token) and refuses an ACTIVE one', async () => {
    const made = await s.client.userApi.createUser({
      body: { profile: { firstName: 'Rex', lastName: 'Ito', email: 'rex.ito@example.test', login: 'rex.ito@example.test' } },
    });
    expect(made.status).toBe('PROVISIONED');
    const token = await s.client.userApi.reactivateUser({ userId: made.id as string, sendEmail: false });
    expect(token.activationToken).toBeTruthy();
    expect(token.activationUrl).toContain(s.env.OKTA_ORG_URL);
    const active = await s.client.userApi.getUser({ userId: s.env.OKTA_TEST_USERNAME });
    const err = await rejection(s.client.userApi.reactivateUser({ userId: active.id as string, sendEmail: false }));
    expect(err.status).toBe(403);
    expect(err.errorCode).toMatch(/^E00000(16|38)$/);
  });

  it('finds groups by search, and a broken search is E0000031', async () => {
    await s.client.groupApi.createGroup({ group: { profile: { name: 'Searchable Team' } } });
    const found: Json[] = [];
    for await (const g of await s.client.groupApi.listGroups({ search: 'profile.name sw "Searchable"' })) found.push(g as Json);
    expect(found.map((g) => g.profile.name)).toEqual(['Searchable Team']);
    const bad = await s.api('GET', `/api/v1/groups?search=${encodeURIComponent('profile.name sw')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errorCode).toBe('E0000031');
  });

  it('the System Log answers newest first with sortOrder=DESCENDING, narrows by q, and refuses another sortOrder', async () => {
    const since = encodeURIComponent(new Date(0).toISOString());
    const asc = (await s.api('GET', `/api/v1/logs?since=${since}&limit=1000`)).body as Json[];
    const desc = (await s.api('GET', `/api/v1/logs?since=${since}&limit=1000&sortOrder=DESCENDING`)).body as Json[];
    expect(asc.length).toBeGreaterThan(2);
    expect(desc.map((e) => e.uuid)).toEqual([...asc].reverse().map((e) => e.uuid));
    const q = (await s.api('GET', `/api/v1/logs?since=${since}&q=${encodeURIComponent('Searchable')}`)).body as Json[];
    expect(q.length).toBeGreaterThan(0);
    expect(q.every((e) => JSON.stringify(e).includes('Searchable'))).toBe(true);
    const bad = await s.api('GET', `/api/v1/logs?since=${since}&sortOrder=SIDEWAYS`);
    expect(bad.status).toBe(400);
    expect(bad.body.errorCode).toBe('E0000001');
  });

  it('a sign-in to an app through /authorize writes user.authentication.sso with the app as a target', async () => {
    const authn = await s.api(
      'POST',
      '/api/v1/authn',
      { username: s.env.OKTA_TEST_USERNAME, password: s.env.OKTA_TEST_PASSWORD },
      {
        'content-type': 'application/json',
      },
    );
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: s.env.OKTA_CLIENT_ID,
      redirect_uri: s.env.OKTA_REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      state: 'sso',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      sessionToken: authn.body.sessionToken,
    });
    let url = `${s.env.OKTA_ISSUER}/v1/authorize?${q}`;
    const jar: string[] = [];
    let code: string | null = null;
    for (let hop = 0; hop < 10 && !code; hop++) {
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.join('; ') } });
      for (const c of res.headers.getSetCookie()) jar.push(c.split(';')[0]);
      await res.arrayBuffer();
      const next = new URL(res.headers.get('location') ?? '', url);
      if (next.href.startsWith(s.env.OKTA_REDIRECT_URI)) code = next.searchParams.get('code');
      else url = next.href;
    }
    expect(code).toBeTruthy();
    const since = encodeURIComponent(new Date(0).toISOString());
    const filter = encodeURIComponent('eventType eq "user.authentication.sso"');
    const events = (await s.api('GET', `/api/v1/logs?since=${since}&filter=${filter}`)).body as Json[];
    expect(events.length).toBeGreaterThan(0);
    const last = events[events.length - 1];
    expect(last.outcome.result).toBe('SUCCESS');
    expect(last.actor.alternateId).toBe(s.env.OKTA_TEST_USERNAME);
    expect(JSON.stringify(last.target)).toContain('AppInstance');
  });
});
