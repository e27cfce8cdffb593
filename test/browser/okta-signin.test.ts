// The Okta twin's sign-in page in headless Chromium (playwright-core, system Chromium): who is refused (not assigned to the
// app, deactivated, locked out after wrong passwords), and that a person's session cookie makes the next authorize silent.
// The code is exchanged by openid-client, unmodified.

import { createHash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Json, type OktaFixture, startOkta } from '../okta/support.ts';
import { browserUnavailable, launchChromium } from '../support/browser.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const REDIRECT = 'http://localhost:3000/callback';
const PASSWORD = 'Correct-Horse-9';
const noBrowser = browserUnavailable();

describe.skipIf(noBrowser)('the Okta sign-in page in Chromium', () => {
  let s: OktaFixture;
  let browser: Browser;
  let app: Json;

  beforeAll(async () => {
    s = await startOkta({ seed: 29 });
    browser = await launchChromium();
    // A web app nobody is assigned to yet.
    const made = await s.api('POST', '/api/v1/apps', {
      name: 'oidc_client',
      label: 'Browser Closed App',
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } },
      settings: {
        oauthClient: {
          redirect_uris: [REDIRECT],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          application_type: 'web',
        },
      },
    });
    expect(made.status).toBe(200);
    app = made.body;
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  async function person(login: string): Promise<Json> {
    const res = await s.api('POST', '/api/v1/users', {
      profile: { login, email: login, firstName: 'Bea', lastName: 'Rowe' },
      credentials: { password: { value: PASSWORD } },
    });
    expect(res.status).toBe(200);
    return res.body;
  }

  /** Open /authorize for the app in `page`; resolves with the redirect back to the app (captured, never loaded). */
  async function authorize(page: Page) {
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: app.credentials.oauthClient.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid email',
      state: 'st-browser',
      nonce: 'n-browser',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    let resolveRedirect: (url: string) => void = () => undefined;
    const redirected = new Promise<string>((resolve) => {
      resolveRedirect = resolve;
    });
    await page.route(`${REDIRECT}**`, (route) => {
      resolveRedirect(route.request().url());
      void route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' });
    });
    page.on('request', (r) => {
      if (r.url().startsWith(REDIRECT)) resolveRedirect(r.url());
    });
    await page.goto(`${s.env.OKTA_ISSUER}/v1/authorize?${q}`).catch((err: Error) => {
      if (!/ERR_CONNECTION_REFUSED|ERR_ABORTED/.test(err.message)) throw err;
    });
    return { verifier, redirected };
  }

  async function submit(page: Page, login: string, password: string): Promise<string> {
    await page.fill('#okta-signin-username', login);
    await page.fill('#okta-signin-password', password);
    await page.click('#okta-signin-submit');
    await page.waitForSelector('[role=alert]', { timeout: 20_000 });
    return (await page.textContent('[role=alert]')) ?? '';
  }

  async function withPage<T>(f: (page: Page, context: BrowserContext) => Promise<T>): Promise<T> {
    const context = await browser.newContext();
    try {
      return await f(await context.newPage(), context);
    } finally {
      await context.close();
    }
  }

  it('refuses a person not assigned to the app, then lets them in once assigned; the next authorize is silent', async () => {
    const bea = await person('bea.unassigned@example.test');
    await withPage(async (page, context) => {
      await authorize(page);
      expect(await submit(page, bea.profile.login, PASSWORD)).toContain('not assigned');
      const assigned = await s.api('POST', `/api/v1/apps/${app.id}/users`, { id: bea.id });
      expect(assigned.status).toBe(200);
      const again = await authorize(page);
      await page.fill('#okta-signin-username', bea.profile.login);
      await page.fill('#okta-signin-password', PASSWORD);
      await page.click('#okta-signin-submit');
      const back = new URL(await again.redirected);
      expect(back.searchParams.get('state')).toBe('st-browser');
      // openid-client exchanges the code with the app's secret: the id token names Bea.
      const config = await client.discovery(
        new URL(s.env.OKTA_ISSUER),
        app.credentials.oauthClient.client_id,
        app.credentials.oauthClient.client_secret,
        undefined,
        { execute: [client.allowInsecureRequests] },
      );
      const tokens = await client.authorizationCodeGrant(config, back, {
        pkceCodeVerifier: again.verifier,
        expectedState: 'st-browser',
        expectedNonce: 'n-browser',
      });
      expect(tokens.claims()?.email).toBe(bea.profile.login);
      // The session cookie: a new authorize in another tab comes straight back with a code, no form.
      const tab = await context.newPage();
      const silent = await authorize(tab);
      expect(new URL(await silent.redirected).searchParams.get('code')).toBeTruthy();
      expect(await tab.locator('#okta-signin-password').count()).toBe(0);
    });
  });

  it('refuses a deactivated person even with the right password', async () => {
    const gone = await person('bea.gone@example.test');
    await s.api('POST', `/api/v1/apps/${app.id}/users`, { id: gone.id });
    expect((await s.api('POST', `/api/v1/users/${gone.id}/lifecycle/deactivate`)).status).toBe(200);
    await withPage(async (page) => {
      await authorize(page);
      expect(await submit(page, gone.profile.login, PASSWORD)).toContain('Unable to sign in');
    });
  });

  it('counts wrong passwords toward lockout, then refuses even the right password as locked', async () => {
    const lou = await person('bea.locked@example.test');
    await s.api('POST', `/api/v1/apps/${app.id}/users`, { id: lou.id });
    await withPage(async (page) => {
      await authorize(page);
      for (let i = 0; i < 10; i++) expect(await submit(page, lou.profile.login, `wrong-${i}`)).toContain('Unable to sign in');
      expect((await s.api('GET', `/api/v1/users/${lou.id}`)).body.status).toBe('LOCKED_OUT');
      expect(await submit(page, lou.profile.login, PASSWORD)).toContain('locked');
    });
    const since = encodeURIComponent(new Date(0).toISOString());
    const log = await s.api('GET', `/api/v1/logs?since=${since}&filter=${encodeURIComponent('eventType eq "user.account.lock"')}`);
    expect(log.body.map((e: Json) => e.target[0].id)).toContain(lou.id);
  });
});
