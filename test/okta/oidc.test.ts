// Sign-in and tokens against the Okta twin with the official clients, unmodified: openid-client (discovery, code + PKCE through the real sign-in page in Chromium, refresh, client_credentials with private_key_jwt), @okta/jwt-verifier, and okta-sdk-nodejs in PrivateKey mode.

import { createPrivateKey } from 'node:crypto';
import OktaJwtVerifier from '@okta/jwt-verifier';
import okta from '@okta/okta-sdk-nodejs';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, launchChromium } from '../support/browser.ts';
import { type Json, type OktaFixture, rejection, startOkta } from './support.ts';

let s: OktaFixture;

beforeAll(async () => {
  s = await startOkta({ seed: 11 });
});
afterAll(async () => {
  await s?.close();
});

async function serviceKey(): Promise<CryptoKey> {
  const der = createPrivateKey(s.env.OKTA_SERVICE_PRIVATE_KEY).export({ format: 'der', type: 'pkcs8' });
  return crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
}

function claimsOf(jwt: string): Json {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Json;
}

async function serviceConfig(): Promise<client.Configuration> {
  return client.discovery(
    new URL(s.env.OKTA_ORG_URL),
    s.env.OKTA_SERVICE_CLIENT_ID,
    undefined,
    client.PrivateKeyJwt({ key: await serviceKey(), kid: s.env.OKTA_SERVICE_KEY_ID }),
    { execute: [client.allowInsecureRequests] },
  );
}

describe('discovery', () => {
  it('the org server and the default server are discovered with issuers exactly on the URL used', async () => {
    const org = await client.discovery(new URL(s.env.OKTA_ORG_URL), s.env.OKTA_CLIENT_ID, s.env.OKTA_CLIENT_SECRET, undefined, {
      execute: [client.allowInsecureRequests],
    });
    expect(org.serverMetadata().issuer).toBe(s.env.OKTA_ORG_URL);
    expect(org.serverMetadata().token_endpoint).toBe(`${s.env.OKTA_ORG_URL}/oauth2/v1/token`);
    const def = await client.discovery(new URL(s.env.OKTA_ISSUER), s.env.OKTA_CLIENT_ID, s.env.OKTA_CLIENT_SECRET, undefined, {
      execute: [client.allowInsecureRequests],
    });
    const meta = def.serverMetadata();
    expect(meta.issuer).toBe(s.env.OKTA_ISSUER);
    expect(meta.jwks_uri).toBe(`${s.env.OKTA_ISSUER}/v1/keys`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    for (const path of [
      '/oauth2/default/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/oauth2/default',
    ]) {
      const res = await s.api('GET', path, undefined, {});
      expect(res.status).toBe(200);
      expect(res.body.issuer).toBe(s.env.OKTA_ISSUER);
    }
    const keys = await s.api('GET', '/oauth2/default/v1/keys', undefined, {});
    expect(keys.body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(keys.body.keys[0].d).toBeUndefined();
  });
});

describe('client_credentials with private_key_jwt (the service app)', () => {
  it('gets a JWT access token with Okta claims that the management API accepts for its scope only', async () => {
    const tokens = await client.clientCredentialsGrant(await serviceConfig(), { scope: 'okta.users.read' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const c = claimsOf(tokens.access_token);
    expect(c).toMatchObject({
      ver: 1,
      iss: s.env.OKTA_ORG_URL,
      aud: s.env.OKTA_ORG_URL,
      cid: s.env.OKTA_SERVICE_CLIENT_ID,
      scp: ['okta.users.read'],
    });
    expect(typeof c.jti).toBe('string');
    const bearer = { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' };
    expect((await s.api('GET', '/api/v1/users?limit=2', undefined, bearer)).status).toBe(200);
    const groups = await s.api('GET', '/api/v1/groups', undefined, bearer);
    expect(groups.status).toBe(403);
    expect(groups.body.errorCode).toBe('E0000006');
    expect(groups.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('a scope the app was not granted is refused', async () => {
    const err = await rejection(client.clientCredentialsGrant(await serviceConfig(), { scope: 'okta.apps.manage' }));
    expect(JSON.stringify(err.error ?? err.code ?? err.message)).toMatch(/invalid_scope|scope/);
  });

  it('okta-sdk-nodejs in PrivateKey mode (a DPoP proof on its token request) gets a Bearer token that works', async () => {
    const sdk = new okta.Client({
      orgUrl: s.env.OKTA_ORG_URL,
      authorizationMode: 'PrivateKey',
      clientId: s.env.OKTA_SERVICE_CLIENT_ID,
      scopes: ['okta.users.read', 'okta.groups.read'],
      privateKey: s.env.OKTA_SERVICE_PRIVATE_KEY,
      keyId: s.env.OKTA_SERVICE_KEY_ID,
    });
    const me = await sdk.userApi.getUser({ userId: s.env.OKTA_TEST_USERNAME });
    expect(me.profile?.login).toBe(s.env.OKTA_TEST_USERNAME);
    const groups: unknown[] = [];
    for await (const g of await sdk.groupApi.listGroups({ limit: 2 })) groups.push(g);
    expect(groups.length).toBeGreaterThan(2);
    const denied = await rejection(
      sdk.userApi.createUser({ body: { profile: { login: 'x@y.test', email: 'x@y.test', firstName: 'X', lastName: 'Y' } } }),
    );
    expect(denied.status).toBe(403);
    expect(denied.errorCode).toBe('E0000006');
  });
});

describe('tokens of a custom server at the management API', () => {
  it('are refused with 401 E0000011, like any token the org did not issue', async () => {
    const res = await s.api('GET', '/api/v1/users', undefined, { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln' });
    expect(res.status).toBe(401);
    expect(res.body.errorCode).toBe('E0000011');
  });
});

const noBrowser = browserUnavailable();

describe.skipIf(noBrowser)('code + PKCE through the sign-in page in Chromium', () => {
  let browser: Browser;
  let config: client.Configuration;

  beforeAll(async () => {
    browser = await launchChromium();
    config = await client.discovery(new URL(s.env.OKTA_ISSUER), s.env.OKTA_CLIENT_ID, s.env.OKTA_CLIENT_SECRET, undefined, {
      execute: [client.allowInsecureRequests],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Start an authorization in `page`; resolve with the redirect to the app (never loaded: the app is not running). */
  async function authorize(page: Page, extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: s.env.OKTA_REDIRECT_URI,
      scope: 'openid profile email groups offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    let resolveRedirect: (url: string) => void = () => undefined;
    const redirected = new Promise<string>((resolve) => {
      resolveRedirect = resolve;
    });
    await page.route(`${s.env.OKTA_REDIRECT_URI}**`, (route) => {
      resolveRedirect(route.request().url());
      void route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' });
    });
    // A redirect followed inside one navigation is seen as a request, not routed: the app is not
    // running, so that navigation fails, which is fine once its URL is known.
    page.on('request', (r) => {
      if (r.url().startsWith(s.env.OKTA_REDIRECT_URI)) resolveRedirect(r.url());
    });
    await page.goto(url.href).catch((err: Error) => {
      if (!/ERR_CONNECTION_REFUSED|ERR_ABORTED/.test(err.message)) throw err;
    });
    return { verifier, state, nonce, redirected };
  }

  it('signs in, exchanges the code, refreshes, and verifies the tokens with @okta/jwt-verifier; the second authorize is silent', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const first = await authorize(page, { login_hint: s.env.OKTA_TEST_USERNAME });
    await expect.poll(() => page.inputValue('#okta-signin-username'), { timeout: 10_000 }).toBe(s.env.OKTA_TEST_USERNAME);
    await page.fill('#okta-signin-password', 'wrong password');
    await page.click('#okta-signin-submit');
    await page.waitForSelector('[role=alert]', { timeout: 10_000 });
    expect(await page.textContent('[role=alert]')).toContain('Unable to sign in');
    await page.fill('#okta-signin-password', s.env.OKTA_TEST_PASSWORD);
    await page.click('#okta-signin-submit');
    const callback = await first.redirected;
    const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: first.verifier,
      expectedState: first.state,
      expectedNonce: first.nonce,
    });
    const at = claimsOf(tokens.access_token);
    expect(at).toMatchObject({
      ver: 1,
      iss: s.env.OKTA_ISSUER,
      aud: 'api://default',
      cid: s.env.OKTA_CLIENT_ID,
      sub: s.env.OKTA_TEST_USERNAME,
    });
    expect(at.scp).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(typeof at.uid).toBe('string');
    const idClaims = tokens.claims();
    expect(idClaims?.email).toBe(s.env.OKTA_TEST_USERNAME);
    expect(idClaims?.aud).toBe(s.env.OKTA_CLIENT_ID);

    const verifier = new OktaJwtVerifier({ issuer: s.env.OKTA_ISSUER, testing: { disableHttpsCheck: true } });
    const verified = await verifier.verifyAccessToken(tokens.access_token, 'api://default');
    expect(verified.claims.uid).toBe(at.uid);
    await verifier.verifyIdToken(tokens.id_token as string, s.env.OKTA_CLIENT_ID, first.nonce);
    await expect(verifier.verifyAccessToken(tokens.access_token, 'api://someone-else')).rejects.toThrow(/audience/i);

    const raw = await s.api('GET', '/oauth2/default/v1/userinfo', undefined, { authorization: `Bearer ${tokens.access_token}` });
    expect(raw.status).toBe(200);
    expect(raw.body.email).toBe(s.env.OKTA_TEST_USERNAME);
    expect(raw.body.sub).toBe(at.uid);

    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(claimsOf(refreshed.access_token).uid).toBe(at.uid);

    // A custom server's token opens nothing at the management API.
    const mgmt = await s.api('GET', '/api/v1/users', undefined, { authorization: `Bearer ${tokens.access_token}` });
    expect(mgmt.status).toBe(401);
    expect(mgmt.body.errorCode).toBe('E0000011');

    // The session cookie makes the next authorization silent: no form, straight back to the app.
    const page2 = await context.newPage();
    const second = await authorize(page2);
    const url2 = new URL(await second.redirected);
    expect(url2.searchParams.get('code')).toBeTruthy();
    await context.close();
  });

  it('refuses a suspended person, and counts wrong passwords toward lockout', async () => {
    const users = [...(s.kernel.tenants.default().state as Json).users.values()] as Json[];
    const bob = users.find((u) => u.status === 'ACTIVE' && u.profile.firstName === 'Bob') as Json;
    const context = await browser.newContext();
    const page = await context.newPage();
    await s.api('POST', `/api/v1/users/${bob.id}/lifecycle/suspend`);
    await authorize(page);
    await page.fill('#okta-signin-username', bob.profile.login);
    await page.fill('#okta-signin-password', s.env.OKTA_TEST_PASSWORD);
    await page.click('#okta-signin-submit');
    await page.waitForSelector('[role=alert]', { timeout: 10_000 });
    expect(await page.textContent('[role=alert]')).toContain('Unable to sign in');
    await s.api('POST', `/api/v1/users/${bob.id}/lifecycle/unsuspend`);
    for (let i = 0; i < 10; i++) {
      await page.fill('#okta-signin-username', bob.profile.login);
      await page.fill('#okta-signin-password', `wrong-${i}`);
      await page.click('#okta-signin-submit');
      await page.waitForSelector('[role=alert]', { timeout: 10_000 });
    }
    expect((await s.api('GET', `/api/v1/users/${bob.id}`)).body.status).toBe('LOCKED_OUT');
    const log = (s.kernel.tenants.default().state as Json).logs as Json[];
    expect(log.some((e) => e.eventType === 'user.account.lock' && e.target[0].id === bob.id)).toBe(true);
    await context.close();
  });
});
