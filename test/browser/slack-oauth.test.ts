// The Slack OAuth v2 install flow completed in a real browser, then the code traded for a bot token with the SDK.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, launchChromium } from '../support/browser.ts';
import { type SlackFixture, startSlack } from '../support/slack.ts';

const unavailable = browserUnavailable();
if (unavailable) console.warn(`browser tests skipped: ${unavailable}`);

describe.skipIf(unavailable)('Slack OAuth v2 install in Chromium', () => {
  let s: SlackFixture;
  let browser: Browser;
  let app: Server;
  let redirectUri: string;
  const received: URL[] = [];

  beforeAll(async () => {
    s = await startSlack({ seed: 8 });
    browser = await launchChromium();
    // The "app": its redirect URL records what the twin sent back and shows a page.
    app = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://app.test');
      if (url.pathname === '/slack/oauth_redirect') received.push(url);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Installed</h1>');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/oauth_redirect`;
  });
  afterAll(async () => {
    await browser?.close();
    app?.close();
    await s?.close();
  });

  it('Allow redirects with a code and the state; oauth.v2.access trades it for a working bot token with those scopes', async () => {
    const authorize = new URL(`${s.url}/oauth/v2/authorize`);
    authorize.searchParams.set('client_id', s.env.SLACK_CLIENT_ID);
    authorize.searchParams.set('scope', 'channels:read,chat:write');
    authorize.searchParams.set('user_scope', 'search:read');
    authorize.searchParams.set('redirect_uri', redirectUri);
    authorize.searchParams.set('state', 'xyz-123');
    const page = await browser.newPage();
    await page.goto(authorize.toString());
    await expect(page.locator('body')).toBeTruthy();
    expect(await page.textContent('body')).toContain('chat:write');
    await page.getByRole('button', { name: /allow/i }).click();
    await page.waitForURL(/slack\/oauth_redirect/);
    expect(await page.textContent('h1')).toBe('Installed');
    const back = received.at(-1) as URL;
    expect(back.searchParams.get('state')).toBe('xyz-123');
    const code = back.searchParams.get('code') as string;
    expect(code).toBeTruthy();

    const anon = new WebClient(undefined, { slackApiUrl: s.env.SLACK_API_URL });
    const access = await anon.oauth.v2.access({
      client_id: s.env.SLACK_CLIENT_ID,
      client_secret: s.env.SLACK_CLIENT_SECRET,
      code,
      redirect_uri: redirectUri,
    });
    expect(access).toMatchObject({ ok: true, token_type: 'bot', team: { id: s.env.SLACK_TEAM_ID } });
    expect(access.access_token).toMatch(/^xoxb-/);
    expect(access.scope?.split(',').sort()).toEqual(['channels:read', 'chat:write']);
    expect(access.authed_user?.scope).toBe('search:read');

    const installed = new WebClient(access.access_token, { slackApiUrl: s.env.SLACK_API_URL });
    expect((await installed.auth.test()).ok).toBe(true);
    const denied = await installed.users.list({}).catch((e) => e.data);
    expect(denied).toMatchObject({ ok: false, error: 'missing_scope', provided: 'channels:read,chat:write' });

    const reused = await anon.oauth.v2
      .access({ client_id: s.env.SLACK_CLIENT_ID, client_secret: s.env.SLACK_CLIENT_SECRET, code, redirect_uri: redirectUri })
      .catch((e) => e.data);
    expect(reused).toMatchObject({ ok: false, error: 'invalid_code' });
    const badSecret = await anon.oauth.v2
      .access({ client_id: s.env.SLACK_CLIENT_ID, client_secret: 'wrong', code: 'x' })
      .catch((e) => e.data);
    expect(badSecret).toMatchObject({ ok: false, error: 'bad_client_secret' });
  });

  it('Cancel redirects with error=access_denied', async () => {
    const page = await browser.newPage();
    await page.goto(
      `${s.url}/oauth/v2/authorize?client_id=${s.env.SLACK_CLIENT_ID}&scope=chat:write&redirect_uri=${encodeURIComponent(redirectUri)}&state=s2`,
    );
    await page.getByRole('button', { name: /cancel/i }).click();
    await page.waitForURL(/slack\/oauth_redirect/);
    const back = received.at(-1) as URL;
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('s2');
  });
});
