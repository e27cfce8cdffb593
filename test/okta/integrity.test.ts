// Grading integrity for the Okta twin: its vendor credentials (the SSWS token, client ids and secrets, the access and
// id tokens it issued) open the vendor API only, never the control routes, whether the control plane is
// open (403 vendor_credential) or locked (401 control_token_required); every attempt is filed as `_twin.refused` in the org's
// journal. Tokens are recognised by the client they were issued to, so a token of a custom server is refused as well.

import { createHash, randomBytes, randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Json, type OktaFixture, startOkta } from './support.ts';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const CONTROL_TOKEN = 'okta-integrity-control-token-0123456789';

/** The vendor credentials a caller of this org could hold, by name. */
async function credentialsOf(s: OktaFixture): Promise<Record<string, string>> {
  const env = s.env;
  const basic = `Basic ${Buffer.from(`${env.OKTA_CLIENT_ID}:${env.OKTA_CLIENT_SECRET}`).toString('base64')}`;
  const form = async (url: string, body: Record<string, string>, auth?: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
      body: new URLSearchParams(body),
    });
    expect(res.status, `${url} ${JSON.stringify(body)}`).toBe(200);
    return (await res.json()) as Json;
  };
  // The service app's org-server token (client_credentials with private_key_jwt).
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const tokenUrl = `${env.OKTA_ORG_URL}/oauth2/v1/token`;
  const input = `${enc({ alg: 'RS256', kid: env.OKTA_SERVICE_KEY_ID })}.${enc({
    iss: env.OKTA_SERVICE_CLIENT_ID,
    sub: env.OKTA_SERVICE_CLIENT_ID,
    aud: tokenUrl,
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
  })}`;
  const service = await form(tokenUrl, {
    grant_type: 'client_credentials',
    scope: 'okta.users.read',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: `${input}.${sign('sha256', Buffer.from(input), env.OKTA_SERVICE_PRIVATE_KEY).toString('base64url')}`,
  });
  // Alice's tokens of the default (custom) server: a sessionToken spent on /authorize, the code exchanged by the web app.
  const authn = await s.api(
    'POST',
    '/api/v1/authn',
    { username: env.OKTA_TEST_USERNAME, password: env.OKTA_TEST_PASSWORD },
    {
      'content-type': 'application/json',
    },
  );
  const sessionToken = authn.body.sessionToken as string;
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: env.OKTA_CLIENT_ID,
    redirect_uri: env.OKTA_REDIRECT_URI,
    response_type: 'code',
    scope: 'openid profile offline_access',
    state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    sessionToken,
  });
  let url = `${env.OKTA_ISSUER}/v1/authorize?${q}`;
  const jar: string[] = [];
  let code: string | null = null;
  for (let hop = 0; hop < 10 && !code; hop++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.join('; ') } });
    for (const c of res.headers.getSetCookie()) jar.push(c.split(';')[0]);
    await res.arrayBuffer();
    const next = new URL(res.headers.get('location') ?? '', url);
    if (next.href.startsWith(env.OKTA_REDIRECT_URI)) code = next.searchParams.get('code');
    else url = next.href;
  }
  expect(code).toBeTruthy();
  const user = await form(
    `${env.OKTA_ISSUER}/v1/token`,
    { grant_type: 'authorization_code', code: code as string, redirect_uri: env.OKTA_REDIRECT_URI, code_verifier: verifier },
    basic,
  );
  expect(user.refresh_token).toBeTruthy();
  return {
    'SSWS token': env.OKTA_API_TOKEN,
    'client id': env.OKTA_CLIENT_ID,
    'client secret': env.OKTA_CLIENT_SECRET,
    'service client id': env.OKTA_SERVICE_CLIENT_ID,
    'org-server access token': service.access_token,
    'default-server access token': user.access_token,
    'id token': user.id_token,
    // Not here: the refresh token, opaque and known only to the OAuth engine's store, which the control plane does not
    // consult (docs/twins/okta.md says so); a locked control plane refuses it like any request without the control token.
  };
}

/** Each way a credential can ride on a request, to a few control routes. */
function attempts(name: string, value: string): { label: string; path: string; init: RequestInit }[] {
  const out: { label: string; path: string; init: RequestInit }[] = [];
  const schemes = name === 'SSWS token' ? ['SSWS', 'Bearer'] : ['Bearer'];
  for (const path of ['tenants', 'snapshot', 'journal', 'okta/keys']) {
    for (const scheme of schemes)
      out.push({ label: `${scheme} header to GET ${path}`, path, init: { headers: { authorization: `${scheme} ${value}` } } });
  }
  out.push({ label: 'query to GET journal', path: `journal?token=${encodeURIComponent(value)}`, init: {} });
  out.push({
    label: 'body to POST okta/keys/rotate',
    path: 'okta/keys/rotate',
    init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: value }) },
  });
  out.push({
    label: 'body to POST tenants',
    path: 'tenants',
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'via-cred', seed: 1, token: value }),
    },
  });
  return out;
}

describe.each([
  ['open', undefined, 403, 'vendor_credential'],
  ['locked', CONTROL_TOKEN, 401, 'control_token_required'],
] as const)('the Okta twin’s control plane (%s)', (_mode, controlToken, status, code) => {
  let s: OktaFixture;
  let creds: Record<string, string>;

  beforeAll(async () => {
    s = await startOkta({ seed: 17, controlToken });
    creds = await credentialsOf(s);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('every credential is still good at the vendor API', async () => {
    expect((await s.api('GET', '/api/v1/users/me')).status).toBe(200);
    const bearer = await s.api('GET', '/api/v1/users?limit=1', undefined, { authorization: `Bearer ${creds['org-server access token']}` });
    expect(bearer.status).toBe(200);
    const userinfo = await s.api('GET', '/oauth2/default/v1/userinfo', undefined, {
      authorization: `Bearer ${creds['default-server access token']}`,
    });
    expect(userinfo.status).toBe(200);
  });

  it('refuses each vendor credential at every control route, however it is carried, and files the attempt', async () => {
    const tenant = s.kernel.tenants.default();
    const before = s.kernel.journal.query({ tenant: tenant.id }).filter((e) => e.operation === '_twin.refused').length;
    let tried = 0;
    for (const [name, value] of Object.entries(creds)) {
      expect(value, name).toBeTruthy();
      for (const a of attempts(name, value)) {
        const res = await fetch(`${s.url}/_twin/${a.path}`, a.init);
        const body = (await res.json()) as Json;
        expect(`${name} as ${a.label}: ${res.status} ${body.error?.code}`).toBe(`${name} as ${a.label}: ${status} ${code}`);
        tried++;
      }
    }
    const refused = s.kernel.journal.query({ tenant: tenant.id }).filter((e) => e.operation === '_twin.refused').length;
    expect(refused - before).toBe(tried);
    // Nothing was made or rotated by the refused requests.
    expect(s.kernel.tenants.get('via-cred')).toBeUndefined();
  });

  it('answers the control routes without credentials as the mode says', async () => {
    const res = await fetch(`${s.url}/_twin/okta/keys`, controlToken ? { headers: { 'x-twin-control-token': controlToken } } : {});
    expect(res.status).toBe(200);
    if (controlToken) expect((await fetch(`${s.url}/_twin/okta/keys`)).status).toBe(401);
  });
});
