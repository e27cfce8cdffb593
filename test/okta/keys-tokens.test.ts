// Signing-key rotation through the Okta twin's control plane, and introspect, revoke and logout over HTTP.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Json, type OktaFixture, startOkta } from './support.ts';

// Processes over HTTP on a loaded machine: the first OAuth request also loads the engine and makes a key.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

let s: OktaFixture;

beforeAll(async () => {
  s = await startOkta({ seed: 5 });
});
afterAll(async () => {
  await s?.close();
});

function headerOf(jwt: string): Json {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8')) as Json;
}

const basic = () => `Basic ${Buffer.from(`${s.env.OKTA_CLIENT_ID}:${s.env.OKTA_CLIENT_SECRET}`).toString('base64')}`;

async function form(path: string, body: Record<string, string>, auth = basic()): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${s.env.OKTA_ISSUER}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
    body: new URLSearchParams(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}

/** A browser's cookie jar and redirect-following, stopping when the chain leaves the twin. */
function browser() {
  const jar = new Map<string, string>();
  return async (start: string): Promise<{ url?: URL; status: number }> => {
    let url = start;
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        const value = pair.slice(eq + 1).trim();
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(pair.slice(0, eq).trim());
        else jar.set(pair.slice(0, eq).trim(), value);
      }
      await res.arrayBuffer();
      const location = res.headers.get('location');
      if (!location) return { status: res.status };
      const next = new URL(location, url);
      if (!next.toString().startsWith(s.env.OKTA_ORG_URL)) return { url: next, status: res.status };
      url = next.toString();
    }
    throw new Error('too many redirects');
  };
}

/** Alice signs in (sessionToken) and the web app exchanges the code: access, id and refresh tokens. */
async function signIn(go = browser()): Promise<{ tokens: Json; go: ReturnType<typeof browser> }> {
  const authn = await s.api(
    'POST',
    '/api/v1/authn',
    { username: s.env.OKTA_TEST_USERNAME, password: s.env.OKTA_TEST_PASSWORD },
    { 'content-type': 'application/json' },
  );
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: s.env.OKTA_CLIENT_ID,
    redirect_uri: s.env.OKTA_REDIRECT_URI,
    response_type: 'code',
    scope: 'openid profile offline_access',
    state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    sessionToken: authn.body.sessionToken,
  });
  const back = await go(`${s.env.OKTA_ISSUER}/v1/authorize?${q}`);
  const code = back.url?.searchParams.get('code');
  expect(code).toBeTruthy();
  const token = await form('/v1/token', {
    grant_type: 'authorization_code',
    code: code as string,
    redirect_uri: s.env.OKTA_REDIRECT_URI,
    code_verifier: verifier,
  });
  expect(token.status).toBe(200);
  return { tokens: token.body, go };
}

describe('introspect and revoke', () => {
  it('an access token is active until revoked; then introspect says inactive and userinfo refuses it', async () => {
    const { tokens } = await signIn();
    const before = await form('/v1/introspect', { token: tokens.access_token, token_type_hint: 'access_token' });
    expect(before.status).toBe(200);
    expect(before.body.active).toBe(true);
    expect(before.body.username).toBe(s.env.OKTA_TEST_USERNAME);
    expect(before.body.client_id).toBe(s.env.OKTA_CLIENT_ID);
    const userinfo = await fetch(`${s.env.OKTA_ISSUER}/v1/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);

    const revoked = await form('/v1/revoke', { token: tokens.access_token, token_type_hint: 'access_token' });
    expect(revoked.status).toBe(200);
    const after = await form('/v1/introspect', { token: tokens.access_token });
    expect(after.body).toEqual({ active: false });
    const refused = await fetch(`${s.env.OKTA_ISSUER}/v1/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(refused.status).toBe(401);
  });

  it('a refresh token is active until revoked; then it no longer refreshes', async () => {
    const { tokens } = await signIn();
    expect(tokens.refresh_token).toBeTruthy();
    expect((await form('/v1/introspect', { token: tokens.refresh_token, token_type_hint: 'refresh_token' })).body.active).toBe(true);
    expect((await form('/v1/revoke', { token: tokens.refresh_token, token_type_hint: 'refresh_token' })).status).toBe(200);
    expect((await form('/v1/introspect', { token: tokens.refresh_token })).body.active).toBe(false);
    const refresh = await form('/v1/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('introspect and revoke need the client to authenticate', async () => {
    const { tokens } = await signIn();
    const wrong = await form(
      '/v1/introspect',
      { token: tokens.access_token },
      `Basic ${Buffer.from(`${s.env.OKTA_CLIENT_ID}:nope`).toString('base64')}`,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
  });
});

describe('logout', () => {
  it('ends the sign-in session and redirects to the post-logout URI with the state; the next silent authorize needs a login', async () => {
    const { tokens, go } = await signIn();
    const q = new URLSearchParams({
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: 'http://localhost:8080/',
      state: 'bye',
    });
    const out = await go(`${s.env.OKTA_ISSUER}/v1/logout?${q}`);
    expect(out.url?.toString()).toBe('http://localhost:8080/?state=bye');
    const silent = new URLSearchParams({
      client_id: s.env.OKTA_CLIENT_ID,
      redirect_uri: s.env.OKTA_REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      state: 's2',
      prompt: 'none',
      code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const back = await go(`${s.env.OKTA_ISSUER}/v1/authorize?${silent}`);
    expect(back.url?.searchParams.get('error')).toBe('login_required');
  });
});

describe('key rotation (control plane)', () => {
  async function published(): Promise<string[]> {
    const res = await fetch(`${s.env.OKTA_ISSUER}/v1/keys`);
    return ((await res.json()) as Json).keys.map((k: Json) => k.kid);
  }

  it('publishes the new kid first, keeps the old one verifying until the next rotation', async () => {
    const first = await signIn();
    const kid1 = headerOf(first.tokens.access_token).kid;
    expect(await published()).toEqual([kid1]);
    const listed = await s.control('GET', 'okta/keys');
    expect(listed.body.keys.map((k: Json) => k.kid)).toEqual([kid1]);

    const rotated = await s.control('POST', 'okta/keys/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.previousKid).toBe(kid1);
    const kid2 = rotated.body.kid as string;
    expect(kid2).not.toBe(kid1);
    expect(await published()).toEqual([kid2, kid1]);
    expect(await (await fetch(`${s.env.OKTA_ORG_URL}/oauth2/v1/keys`)).json()).toMatchObject({ keys: [{ kid: kid2 }, { kid: kid1 }] });

    // The old token still verifies; new tokens carry the new kid; the session survived the rotation.
    expect((await form('/v1/introspect', { token: first.tokens.access_token })).body.active).toBe(true);
    const second = await signIn(first.go);
    expect(headerOf(second.tokens.access_token).kid).toBe(kid2);
    expect(headerOf(second.tokens.id_token).kid).toBe(kid2);

    // The next rotation drops kid1, and tokens it signed stop verifying.
    const again = await s.control('POST', 'okta/keys/rotate');
    expect(await published()).toEqual([again.body.kid, kid2]);
    expect((await form('/v1/introspect', { token: first.tokens.access_token })).body.active).toBe(false);
    expect((await form('/v1/introspect', { token: second.tokens.access_token })).body.active).toBe(true);
  });

  it('every answer matched the contract', () => {
    expect(s.kernel.responseViolations).toEqual([]);
  });
});
