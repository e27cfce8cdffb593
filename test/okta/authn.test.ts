// Classic API sign-in against the Okta twin over HTTP: /api/v1/authn, sessionToken → session, and /api/v1/sessions/me by the `sid` cookie.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type OktaFixture, startOkta } from './support.ts';

let s: OktaFixture;

beforeAll(async () => {
  s = await startOkta({ seed: 7 });
});
afterAll(async () => {
  await s?.close();
});

const PASSWORD = 'Correct-Horse-9';

/** POST /api/v1/authn as a browser or app does: no credentials, JSON. */
function authn(username: string, password: string) {
  return s.api('POST', '/api/v1/authn', { username, password }, { 'content-type': 'application/json', accept: 'application/json' });
}

/** GET or DELETE /api/v1/sessions/me with the cookies given. */
function me(method: 'GET' | 'DELETE', cookie?: string) {
  return s.api(method, '/api/v1/sessions/me', undefined, { accept: 'application/json', ...(cookie ? { cookie } : {}) });
}

/** A new ACTIVE person with PASSWORD (management API, SSWS). */
async function person(login: string): Promise<Json> {
  const res = await s.api('POST', '/api/v1/users', {
    profile: { login, email: login, firstName: 'Sam', lastName: 'Rivera' },
    credentials: { password: { value: PASSWORD } },
  });
  expect(res.status).toBe(200);
  return res.body;
}

/** The org's System Log events of a type naming this login as the actor, oldest first. */
async function sessionEvents(login: string): Promise<Json[]> {
  const since = encodeURIComponent(new Date(0).toISOString());
  const res = await s.api(
    'GET',
    `/api/v1/logs?since=${since}&limit=1000&filter=${encodeURIComponent('eventType eq "user.session.start"')}`,
  );
  expect(res.status).toBe(200);
  return (res.body as unknown as Json[]).filter((e) => e.actor?.alternateId === login);
}

describe('POST /api/v1/authn', () => {
  it('signs in the seeded test user: SUCCESS, a sessionToken, the user embedded, and a SUCCESS System Log event', async () => {
    const res = await authn(s.env.OKTA_TEST_USERNAME, s.env.OKTA_TEST_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('SUCCESS');
    expect(typeof res.body.sessionToken).toBe('string');
    expect(res.body.sessionToken.length).toBeGreaterThan(20);
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
    const user = res.body._embedded.user;
    expect(user.profile.login).toBe(s.env.OKTA_TEST_USERNAME);
    expect(Object.keys(user.profile).sort()).toEqual(['firstName', 'lastName', 'locale', 'login', 'timeZone']);
    const byApi = await s.api('GET', `/api/v1/users/${encodeURIComponent(s.env.OKTA_TEST_USERNAME)}`);
    expect(user.id).toBe(byApi.body.id);
    expect(byApi.body.lastLogin).not.toBeNull();
    const events = await sessionEvents(s.env.OKTA_TEST_USERNAME);
    expect(events.at(-1)?.outcome).toEqual({ result: 'SUCCESS', reason: null });
    // The login is case-insensitive, as on the sign-in page.
    expect((await authn(s.env.OKTA_TEST_USERNAME.toUpperCase(), s.env.OKTA_TEST_PASSWORD)).body.status).toBe('SUCCESS');
  });

  it('refuses a wrong password and an unknown person alike: 401 E0000004, a FAILURE event, no token', async () => {
    const wrong = await authn(s.env.OKTA_TEST_USERNAME, 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.body.errorCode).toBe('E0000004');
    expect(wrong.body.errorSummary).toBe('Authentication failed');
    expect(wrong.body.sessionToken).toBeUndefined();
    const events = await sessionEvents(s.env.OKTA_TEST_USERNAME);
    expect(events.at(-1)?.outcome).toEqual({ result: 'FAILURE', reason: 'INVALID_CREDENTIALS' });
    const unknown = await authn('nobody@example.test', 'whatever-1');
    expect(unknown.status).toBe(401);
    expect(unknown.body.errorCode).toBe('E0000004');
    // A user id is not a username.
    const byId = await authn(
      (await authn(s.env.OKTA_TEST_USERNAME, s.env.OKTA_TEST_PASSWORD)).body._embedded.user.id,
      s.env.OKTA_TEST_PASSWORD,
    );
    expect(byId.status).toBe(401);
  });

  it('locks a person out after 10 wrong passwords in a row; then even the right one answers LOCKED_OUT until an admin unlocks', async () => {
    const p = await person('lockout.authn@example.test');
    for (let i = 0; i < 9; i++) expect((await authn('lockout.authn@example.test', `wrong-${i}`)).status).toBe(401);
    expect((await s.api('GET', `/api/v1/users/${p.id}`)).body.status).toBe('ACTIVE');
    expect((await authn('lockout.authn@example.test', 'wrong-10')).status).toBe(401);
    expect((await s.api('GET', `/api/v1/users/${p.id}`)).body.status).toBe('LOCKED_OUT');
    const locked = await authn('lockout.authn@example.test', PASSWORD);
    expect(locked.status).toBe(200);
    expect(locked.body).toEqual({ status: 'LOCKED_OUT' });
    expect((await sessionEvents('lockout.authn@example.test')).at(-1)?.outcome).toEqual({ result: 'FAILURE', reason: 'LOCKED_OUT' });
    expect((await s.api('POST', `/api/v1/users/${p.id}/lifecycle/unlock`)).status).toBe(200);
    expect((await authn('lockout.authn@example.test', PASSWORD)).body.status).toBe('SUCCESS');
  });

  it('a success resets the count of wrong passwords', async () => {
    const p = await person('reset.count@example.test');
    for (let i = 0; i < 9; i++) await authn('reset.count@example.test', `wrong-${i}`);
    expect((await authn('reset.count@example.test', PASSWORD)).body.status).toBe('SUCCESS');
    await authn('reset.count@example.test', 'wrong-again');
    expect((await s.api('GET', `/api/v1/users/${p.id}`)).body.status).toBe('ACTIVE');
  });

  it('refuses suspended and deactivated people even with the right password (401 E0000004)', async () => {
    const suspended = await person('suspended.authn@example.test');
    expect((await s.api('POST', `/api/v1/users/${suspended.id}/lifecycle/suspend`)).status).toBe(200);
    const a = await authn('suspended.authn@example.test', PASSWORD);
    expect(a.status).toBe(401);
    expect(a.body.errorCode).toBe('E0000004');
    const gone = await person('deactivated.authn@example.test');
    expect((await s.api('POST', `/api/v1/users/${gone.id}/lifecycle/deactivate`)).status).toBe(200);
    const b = await authn('deactivated.authn@example.test', PASSWORD);
    expect(b.status).toBe(401);
    expect(b.body.errorCode).toBe('E0000004');
  });

  it('answers PASSWORD_EXPIRED (a stateToken, no sessionToken) for an expired password', async () => {
    const p = await person('expired.authn@example.test');
    expect((await s.api('POST', `/api/v1/users/${p.id}/lifecycle/expire_password`)).status).toBe(200);
    const res = await authn('expired.authn@example.test', PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('PASSWORD_EXPIRED');
    expect(typeof res.body.stateToken).toBe('string');
    expect(res.body.sessionToken).toBeUndefined();
    expect(res.body._embedded.user.id).toBe(p.id);
    // The wrong password is still just a failure.
    expect((await authn('expired.authn@example.test', 'nope-nope-1')).status).toBe(401);
  });

  it('validates the body: a missing password is 400 E0000001', async () => {
    const res = await s.api('POST', '/api/v1/authn', { username: 'x@example.test' }, { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.errorCode).toBe('E0000001');
  });
});

describe('sessions', () => {
  async function sessionToken(): Promise<string> {
    const res = await authn(s.env.OKTA_TEST_USERNAME, s.env.OKTA_TEST_PASSWORD);
    expect(res.body.status).toBe('SUCCESS');
    return res.body.sessionToken as string;
  }

  it('exchanges a sessionToken once for an ACTIVE session of that person', async () => {
    const token = await sessionToken();
    const res = await s.api('POST', '/api/v1/sessions', { sessionToken: token });
    expect(res.status).toBe(200);
    const alice = (await s.api('GET', `/api/v1/users/${encodeURIComponent(s.env.OKTA_TEST_USERNAME)}`)).body;
    expect(res.body).toMatchObject({ userId: alice.id, login: s.env.OKTA_TEST_USERNAME, status: 'ACTIVE', amr: ['pwd'] });
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.parse(res.body.createdAt));
    expect(res.body._links.self.href).toBe(`${s.env.OKTA_ORG_URL}/api/v1/sessions/${res.body.id}`);
    const again = await s.api('POST', '/api/v1/sessions', { sessionToken: token });
    expect(again.status).toBe(403);
    expect(again.body.errorCode).toBe('E0000005');
    expect((await s.api('POST', '/api/v1/sessions', { sessionToken: 'made-up' })).status).toBe(403);
  });

  it('needs an API token to create a session', async () => {
    const res = await s.api('POST', '/api/v1/sessions', { sessionToken: await sessionToken() }, { 'content-type': 'application/json' });
    expect(res.status).toBe(403);
    expect(res.body.errorCode).toBe('E0000005');
  });

  it('refuses a sessionToken older than 5 minutes on the org clock', async () => {
    const token = await sessionToken();
    expect((await s.control('POST', 'clock', { advance: '6m' })).status).toBe(200);
    const res = await s.api('POST', '/api/v1/sessions', { sessionToken: token });
    expect(res.status).toBe(403);
    expect(res.body.errorCode).toBe('E0000005');
  });

  it('GET /api/v1/sessions/me answers the session of the sid cookie, 404 E0000007 without one; DELETE ends it', async () => {
    const created = (await s.api('POST', '/api/v1/sessions', { sessionToken: await sessionToken() })).body;
    const none = await me('GET');
    expect(none.status).toBe(404);
    expect(none.body.errorCode).toBe('E0000007');
    expect((await me('GET', 'sid=not-a-session')).status).toBe(404);
    const mine = await me('GET', `theme=dark; sid=${created.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(created);
    expect((await me('DELETE', `sid=${created.id}`)).status).toBe(204);
    const after = await me('GET', `sid=${created.id}`);
    expect(after.status).toBe(404);
    expect(after.body.errorCode).toBe('E0000007');
    expect((await me('DELETE', `sid=${created.id}`)).status).toBe(404);
  });

  it('a session ends after 2 hours on the org clock', async () => {
    const created = (await s.api('POST', '/api/v1/sessions', { sessionToken: await sessionToken() })).body;
    expect((await me('GET', `sid=${created.id}`)).status).toBe(200);
    expect((await s.control('POST', 'clock', { advance: '2h' })).status).toBe(200);
    expect((await me('GET', `sid=${created.id}`)).status).toBe(404);
  });

  /**
   * Follow an authorize request's redirects as a browser would (keeping cookies) until the answer
   * leaves the twin: the last Location, or the status of a page that stops the chain.
   */
  async function followAuthorize(start: string): Promise<{ location?: string; status: number }> {
    const jar = new Map<string, string>();
    let url = start;
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      await res.arrayBuffer();
      const location = res.headers.get('location');
      if (!location) return { status: res.status };
      const next = new URL(location, url).toString();
      if (!next.startsWith(s.env.OKTA_ORG_URL)) return { location: next, status: res.status };
      url = next;
    }
    throw new Error('too many redirects');
  }

  function authorizeUrl(sessionToken: string): string {
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: s.env.OKTA_CLIENT_ID,
      redirect_uri: s.env.OKTA_REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile',
      state: 'st-1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      sessionToken,
    });
    return `${s.env.OKTA_ISSUER}/v1/authorize?${q}`;
  }

  it('/authorize?sessionToken= signs the person in without the page, once', async () => {
    const token = await sessionToken();
    const first = await followAuthorize(authorizeUrl(token));
    expect(first.location).toBeDefined();
    const back = new URL(first.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(s.env.OKTA_REDIRECT_URI);
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('state')).toBe('st-1');
    // The token is spent: the same request now stops at the sign-in page.
    const again = await followAuthorize(authorizeUrl(token));
    expect(again.location).toBeUndefined();
    expect(again.status).toBe(401);
  });

  it('every answer matched the contract', () => {
    expect(s.kernel.responseViolations).toEqual([]);
  });
});
