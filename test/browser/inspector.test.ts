// The inspector page (/_twin/ui) in Chromium: a locked Slack twin shows nothing without the control token, refuses its bot token, and with the token shows messages, threads, reactions, the journal, deliveries, faults and the clock appearing live, hostile text as text; locked Okta and Jira twins the same way with their own state.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';
import { basic, type JiraFixture, startJira } from '../jira/support.ts';
import { type OktaFixture, startOkta } from '../okta/support.ts';
import { browserUnavailable, launchChromium } from '../support/browser.ts';
import { eventually, type Json, type SlackFixture, startSlack } from '../support/slack.ts';

const unavailable = browserUnavailable();
if (unavailable) console.warn(`browser tests skipped: ${unavailable}`);

const CONTROL_TOKEN = 'inspector-test-control-token-0123456789';
const HOSTILE = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold</b> & done`;
/** How long the page may take to show a change: it polls every second. */
const LIVE_MS = 8000;

// Each test waits on a page that polls every second: generous bounds for a loaded 2-core CI machine.
describe.skipIf(unavailable)('the inspector in Chromium, on a locked Slack twin', { timeout: 60_000 }, () => {
  let s: SlackFixture;
  let browser: Browser;
  let receiver: Server;
  let receiverUrl: string;
  const received: string[] = [];
  const dialogs: string[] = [];

  /** A control-plane call with the control token. */
  const control = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${s.url}/_twin/${path}`, {
      method,
      headers: { 'x-twin-control-token': CONTROL_TOKEN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  async function openPage(): Promise<Page> {
    const page = await browser.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${s.url}/_twin/ui`);
    return page;
  }

  async function logIn(page: Page, token: string): Promise<void> {
    await page.locator('#login').waitFor({ state: 'visible', timeout: LIVE_MS });
    await page.fill('#token', token);
    await page.click('#login button');
  }

  beforeAll(async () => {
    s = await startSlack({ seed: 21, controlToken: CONTROL_TOKEN });
    browser = await launchChromium();
    // The app's Events API endpoint: it records what arrives and says 200.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push(body);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await browser?.close();
    receiver?.close();
    await s?.close();
  });

  it('without the token the page shows nothing of any tenant, and a vendor token is refused', async () => {
    const feedAnswers: number[] = [];
    const page = await openPage();
    page.on('response', (r) => {
      if (r.url().includes('/_twin/ui/feed')) feedAnswers.push(r.status());
    });
    await page.locator('#login').waitFor({ state: 'visible', timeout: LIVE_MS });
    expect(await page.locator('#main').isHidden()).toBe(true);
    const team = (s.kernel.tenants.default().state as { team: { name: string; id: string } }).team;
    const shown = (await page.locator('body').textContent()) ?? '';
    for (const secret of [team.name, team.id, 'general', s.env.SLACK_BOT_TOKEN, 'default']) expect(shown).not.toContain(secret);
    expect(await page.locator('#tenant option').count()).toBe(0);

    // The bot token typed in as if it were the control token: refused, still nothing shown.
    await logIn(page, s.env.SLACK_BOT_TOKEN);
    await expect.poll(() => page.locator('#login-error').textContent(), { timeout: LIVE_MS }).toBe('The twin refused that token.');
    expect(feedAnswers.length).toBeGreaterThanOrEqual(1);
    expect(feedAnswers.every((status) => status === 401)).toBe(true);
    expect(await page.locator('#main').isHidden()).toBe(true);
    expect(await page.locator('#state .body').textContent()).toBe('');
    // The token went in a header, never in the page's URL.
    expect(page.url()).toBe(`${s.url}/_twin/ui`);
    await page.close();

    // The feed with the bot token as a vendor would send it: refused, and filed in the tenant's journal.
    const before = s.kernel.journal.query({ operation: '_twin.refused' }).length;
    const res = await fetch(`${s.url}/_twin/ui/feed`, { headers: { authorization: `Bearer ${s.env.SLACK_BOT_TOKEN}` } });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'control_token_required', message: expect.any(String) } });
    expect(text).not.toContain(team.name);
    // The page itself holds no state and opens without the token, but not with a vendor credential.
    const pageWithToken = await fetch(`${s.url}/_twin/ui?token=${encodeURIComponent(s.env.SLACK_BOT_TOKEN)}`);
    expect(pageWithToken.status).toBe(401);
    expect((await fetch(`${s.url}/_twin/ui`)).status).toBe(200);
    const refused = s.kernel.journal.query({ operation: '_twin.refused', tenant: 'default' });
    expect(refused.length - before).toBe(2);
    expect(refused.map((e) => e.path)).toEqual(expect.arrayContaining(['/_twin/ui/feed', '/_twin/ui']));
  });

  it('with the control token it shows messages, threads, reactions, the journal, deliveries, faults and the clock, live', async () => {
    // The app subscribes to message events at the receiver (no handshake: verify false).
    expect(
      (await control('POST', 'slack/app', { request_url: receiverUrl, verify: false, event_subscriptions: ['message', 'reaction_added'] }))
        .status,
    ).toBe(200);
    const page = await openPage();
    await logIn(page, CONTROL_TOKEN);
    await page.locator('#state details.view', { hasText: 'Messages in #general' }).waitFor({ timeout: LIVE_MS });
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await page.locator('#tenant').inputValue()).toBe('default');
    expect(await page.locator('#state details.view', { hasText: 'Channels' }).locator('td', { hasText: '#ops' }).count()).toBe(1);
    // A mark that a reload would wipe: everything below must arrive without one.
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });

    // The app acts through the official SDK, a person through the control plane.
    const channels = await s.bot.conversations.list({});
    const general = channels.channels?.find((c) => c.name === 'general')?.id as string;
    const parent = await s.bot.chat.postMessage({ channel: general, text: HOSTILE });
    await s.bot.chat.postMessage({ channel: general, thread_ts: parent.ts, text: 'a reply in the thread' });
    await s.bot.reactions.add({ channel: general, timestamp: parent.ts as string, name: 'eyes' });
    await s.user.reactions.add({ channel: general, timestamp: parent.ts as string, name: 'eyes' });
    expect((await control('POST', 'slack/act/message', { user: 'bob', channel: '#general', text: 'bob says hi' })).status).toBe(200);

    const message = page.locator(`#state li.item[data-key="${parent.ts}"]`);
    await message.waitFor({ timeout: LIVE_MS });
    // Hostile text is text: the markup shows as typed and nothing of it became an element or ran.
    expect(await message.locator(':scope > .text').textContent()).toBe(HOSTILE);
    await message.locator('li.item', { hasText: 'a reply in the thread' }).waitFor({ timeout: LIVE_MS });
    await expect
      .poll(() => message.locator(':scope > .tags .tag').allTextContents(), { timeout: LIVE_MS })
      .toEqual([expect.stringMatching(/^:eyes: 2 \(.+, .+\)$/)]);
    await page.locator('#state li.item', { hasText: 'bob says hi' }).waitFor({ timeout: LIVE_MS });
    expect(await page.locator('#state img, #state script').count()).toBe(0);
    expect(await page.locator('#state b', { hasText: /^bold$/ }).count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // The journal of the app's calls, with their answers.
    const postRow = page.locator('#journal tr', { hasText: 'chat.postMessage' }).first();
    await postRow.waitFor({ timeout: LIVE_MS });
    await page.locator('#journal tr', { hasText: 'reactions.add' }).first().waitFor({ timeout: LIVE_MS });
    await postRow.locator('summary').click();
    expect(await postRow.locator('pre').first().textContent()).toContain('a reply in the thread');
    expect(await postRow.locator('pre').last().textContent()).toContain('"ok": true');

    // Deliveries and their attempts: the message events the twin sent the app.
    await eventually(() => received.some((b) => b.includes('bob says hi')), 'the event at the receiver');
    const delivery = page.locator('#deliveries details[data-delivery]', { hasText: receiverUrl }).first();
    await delivery.locator('.badge.delivered').waitFor({ timeout: LIVE_MS });
    await delivery.locator('summary').click();
    expect(await delivery.locator('table tbody tr').first().textContent()).toContain('200');

    // An armed fault shows, and the call it fails shows in the journal as an error.
    const armed = await control('POST', 'faults', { operation: 'chat.postMessage', error: 'fatal_error', count: 1 });
    expect(armed.status).toBe(201);
    await page.locator(`#faults tr[data-fault="${armed.body.id}"]`, { hasText: 'error fatal_error' }).waitFor({ timeout: LIVE_MS });
    const failed = await s.bot.chat.postMessage({ channel: general, text: 'this one fails' }).catch((e) => e.data);
    expect(failed).toMatchObject({ ok: false, error: 'fatal_error' });
    await page.locator('#journal tr.bad', { hasText: 'fatal_error' }).waitFor({ timeout: LIVE_MS });
    // Fired once, it disarms, and the page says so.
    await page.locator('#faults .empty', { hasText: 'No faults armed.' }).waitFor({ timeout: LIVE_MS });

    // The clock.
    expect((await control('POST', 'clock', { mode: 'virtual', to: '2031-02-03T04:05:06Z' })).status).toBe(200);
    await expect.poll(() => page.locator('#clock').textContent(), { timeout: LIVE_MS }).toContain('virtual clock 2031-02-03T04:05:06');
    expect(await page.locator('#clock-section td', { hasText: 'virtual' }).count()).toBe(1);

    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(dialogs).toEqual([]);
    // Nothing secret on the page: the view leaves tokens and secrets out.
    const shown = (await page.locator('#state').textContent()) ?? '';
    for (const secret of [s.env.SLACK_BOT_TOKEN, s.env.SLACK_USER_TOKEN, s.env.SLACK_SIGNING_SECRET, s.env.SLACK_CLIENT_SECRET])
      expect(shown).not.toContain(secret);
    await page.close();
  });

  it('picks a tenant by id and shows only that tenant', async () => {
    const created = await control('POST', 'tenants', { seed: 5, id: 'second-shop' });
    expect(created.status).toBe(201);
    const other = new WebClient(created.body.env.SLACK_BOT_TOKEN, { slackApiUrl: s.env.SLACK_API_URL, retryConfig: { retries: 0 } });
    const channels = await other.conversations.list({});
    const general = channels.channels?.find((c) => c.name === 'general')?.id as string;
    await other.chat.postMessage({ channel: general, text: 'only in the second shop' });

    const page = await openPage();
    await logIn(page, CONTROL_TOKEN);
    await page.locator('#state li.item', { hasText: 'bob says hi' }).waitFor({ timeout: LIVE_MS });
    await page.selectOption('#tenant', 'second-shop');
    await page.locator('#state li.item', { hasText: 'only in the second shop' }).waitFor({ timeout: LIVE_MS });
    expect(await page.locator('#state li.item', { hasText: 'bob says hi' }).count()).toBe(0);
    expect(await page.locator('#journal tr', { hasText: 'reactions.add' }).count()).toBe(0);
    expect(new URL(page.url()).hash).toBe('#tenant=second-shop');
    expect(await page.title()).toBe('Slack twin inspector: second-shop');
    await page.close();
  });
});

describe('the inspector feed, unlocked', () => {
  let kernel: Kernel<unknown, unknown>;
  beforeAll(() => {
    kernel = createKernel(slackTwin, { seed: 3, rateLimits: false }) as Kernel<unknown, unknown>;
  });
  afterAll(() => kernel?.close());

  it('answers anyone by tenant id, and refuses a vendor credential (403) and files it', async () => {
    const open = await kernel.fetch('http://slack.test/_twin/ui/feed?tenant=default');
    expect(open.status).toBe(200);
    const feed = (await open.json()) as Json;
    expect(feed).toMatchObject({ twin: 'slack', tenant: 'default', view: { source: 'twin' }, faults: [], deliveries: { total: 0 } });
    const bot = kernel.env(kernel.tenants.default(), 'http://slack.test').SLACK_BOT_TOKEN;
    const refused = await kernel.fetch('http://slack.test/_twin/ui/feed', { headers: { authorization: `Bearer ${bot}` } });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('vendor_credential');
    expect(kernel.journal.query({ operation: '_twin.refused' }).at(-1)).toMatchObject({ path: '/_twin/ui/feed', status: 403 });
    const missing = await kernel.fetch('http://slack.test/_twin/ui/feed?tenant=nobody');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('tenant_not_found');
  });
});

/** Open the page of a locked twin at `url`, type `token` in its login box, and hand the page back. */
async function openLocked(browser: Browser, url: string, token: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/_twin/ui`);
  await page.locator('#login').waitFor({ state: 'visible', timeout: LIVE_MS });
  await page.fill('#token', token);
  await page.click('#login button');
  return page;
}

/** A row of the view's table whose title starts with `title` that has `text`. */
const viewRow = (page: Page, title: string, text: string) =>
  page
    .locator('#state details.view')
    .filter({ has: page.locator('summary', { hasText: new RegExp(`^${title}`) }) })
    .locator('tr', { hasText: text });

describe.skipIf(unavailable)('the inspector in Chromium, on locked Okta and Jira twins', { timeout: 120_000 }, () => {
  let browser: Browser;
  let okta: OktaFixture;
  let jira: JiraFixture;
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    [okta, jira] = await Promise.all([
      startOkta({ seed: 31, controlToken: CONTROL_TOKEN }),
      startJira({ seed: 32, controlToken: CONTROL_TOKEN }),
    ]);
    browser = await launchChromium();
    // An Okta event hook endpoint: answers the one-time verification, takes deliveries.
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(req.method === 'GET' ? JSON.stringify({ verification: req.headers['x-okta-verification-challenge'] }) : '{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/okta/hooks`;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    receiver?.close();
    await Promise.all([okta?.close(), jira?.close()]);
  });

  it('Okta: its API token opens nothing; the control token shows people, groups, event hooks with deliveries and the System Log live', async () => {
    // The SSWS token typed in as if it were the control token: refused, nothing shown.
    const refusedPage = await openLocked(browser, okta.url, okta.env.OKTA_API_TOKEN);
    await expect.poll(() => refusedPage.locator('#login-error').textContent(), { timeout: LIVE_MS }).toBe('The twin refused that token.');
    expect(await refusedPage.locator('#main').isHidden()).toBe(true);
    expect((await refusedPage.locator('body').textContent()) ?? '').not.toContain(okta.env.OKTA_TEST_USERNAME);
    await refusedPage.close();
    // The feed with the token as the management API takes it: refused and filed.
    const res = await fetch(`${okta.url}/_twin/ui/feed`, { headers: { authorization: `SSWS ${okta.env.OKTA_API_TOKEN}` } });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(okta.env.OKTA_TEST_USERNAME);
    expect(okta.kernel.journal.query({ operation: '_twin.refused' }).map((e) => e.path)).toContain('/_twin/ui/feed');

    const page = await openLocked(browser, okta.url, CONTROL_TOKEN);
    await viewRow(page, 'People', okta.env.OKTA_TEST_USERNAME).waitFor({ timeout: LIVE_MS });
    expect(await viewRow(page, 'People', okta.env.OKTA_TEST_USERNAME).textContent()).toContain('ACTIVE');

    // An admin acts through the management API; the page follows without a reload.
    const hook = await okta.api('POST', '/api/v1/eventHooks', {
      name: 'inspector hook',
      events: { type: 'EVENT_TYPE', items: ['user.lifecycle.suspend'] },
      channel: { type: 'HTTP', version: '1.0.0', config: { uri: receiverUrl, headers: [], authScheme: null } },
    });
    expect(hook.status).toBe(200);
    expect((await okta.api('POST', `/api/v1/eventHooks/${hook.body.id}/lifecycle/verify`)).status).toBe(200);
    const person = await okta.api('POST', '/api/v1/users?activate=true', {
      profile: { firstName: 'Sue', lastName: 'Spended', email: 'sue@example.test', login: 'sue@example.test' },
      credentials: { password: { value: 'Suspend-me-42!' } },
    });
    const group = await okta.api('POST', '/api/v1/groups', { profile: { name: 'Night shift', description: '' } });
    expect((await okta.api('PUT', `/api/v1/groups/${group.body.id}/users/${person.body.id}`)).status).toBe(204);
    expect((await okta.api('POST', `/api/v1/users/${person.body.id}/lifecycle/suspend`)).status).toBe(200);

    await expect.poll(() => viewRow(page, 'People', 'sue@example.test').textContent(), { timeout: LIVE_MS }).toContain('SUSPENDED');
    await expect.poll(() => viewRow(page, 'Groups', 'Night shift').textContent(), { timeout: LIVE_MS }).toContain('sue@example.test');
    await expect.poll(() => viewRow(page, 'Event hooks', 'inspector hook').textContent(), { timeout: LIVE_MS }).toContain('VERIFIED');
    await page.locator('#state li.item', { hasText: 'user.lifecycle.suspend' }).first().waitFor({ timeout: LIVE_MS });
    // The hook's delivery of the suspension, with its attempt.
    const delivery = page.locator('#deliveries details[data-delivery]', { hasText: receiverUrl }).first();
    await delivery.locator('.badge.delivered').waitFor({ timeout: LIVE_MS });
    const shown = (await page.locator('#state').textContent()) ?? '';
    for (const secret of [okta.env.OKTA_API_TOKEN, okta.env.OKTA_CLIENT_SECRET, okta.env.OKTA_TEST_PASSWORD, 'Suspend-me-42!'])
      expect(shown).not.toContain(secret);
    await page.close();
  });

  it('Jira: basic auth opens nothing; the control token shows issues with status and assignee, comments and webhooks live', async () => {
    const refusedPage = await openLocked(browser, jira.url, jira.env.JIRA_API_TOKEN);
    await expect.poll(() => refusedPage.locator('#login-error').textContent(), { timeout: LIVE_MS }).toBe('The twin refused that token.');
    expect(await refusedPage.locator('#main').isHidden()).toBe(true);
    await refusedPage.close();
    const res = await fetch(`${jira.url}/_twin/ui/feed`, {
      headers: { authorization: basic(jira.env.JIRA_EMAIL, jira.env.JIRA_API_TOKEN) },
    });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(jira.env.JIRA_PROJECT_KEY);
    expect(jira.kernel.journal.query({ operation: '_twin.refused' }).map((e) => e.path)).toContain('/_twin/ui/feed');

    const page = await openLocked(browser, jira.url, CONTROL_TOKEN);
    const p = jira.env.JIRA_PROJECT_KEY;
    await viewRow(page, 'Projects', p).waitFor({ timeout: LIVE_MS });

    const me = await jira.v3.myself.getCurrentUser();
    const made = await jira.v3.issues.createIssue({
      fields: { project: { key: p }, summary: 'Seen <i>live</i>', issuetype: { name: 'Task' } },
    });
    await viewRow(page, 'Issues', made.key).waitFor({ timeout: LIVE_MS });
    expect(await viewRow(page, 'Issues', made.key).textContent()).toContain('To Do');
    const { transitions } = await jira.v3.issues.getTransitions({ issueIdOrKey: made.key });
    const start = transitions?.find((t) => t.to?.name === 'In Progress');
    await jira.v3.issues.doTransition({ issueIdOrKey: made.key, transition: { id: start?.id } });
    await jira.v3.issues.assignIssue({ issueIdOrKey: made.key, accountId: me.accountId as string });
    await jira.v3.issueComments.addComment({
      issueIdOrKey: made.key,
      comment: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'on it <script>x</script>' }] }] },
    });
    const hook = await jira.api('POST', '/rest/webhooks/1.0/webhook', {
      name: 'inspector webhook',
      url: 'http://127.0.0.1:9/jira',
      events: ['jira:issue_updated'],
      secret: 'inspector-webhook-secret-789',
    });
    expect(hook.status).toBe(201);

    await expect.poll(() => viewRow(page, 'Issues', made.key).textContent(), { timeout: LIVE_MS }).toContain('In Progress');
    expect(await viewRow(page, 'Issues', made.key).textContent()).toContain(me.displayName as string);
    const comment = page.locator('#state li.item', { hasText: `on ${made.key}` }).first();
    await comment.waitFor({ timeout: LIVE_MS });
    expect(await comment.locator('.text').textContent()).toBe('on it <script>x</script>');
    await viewRow(page, 'Webhooks', 'inspector webhook').waitFor({ timeout: LIVE_MS });
    expect(await page.locator('#state script, #state i').count()).toBe(0);
    const shown = (await page.locator('#state').textContent()) ?? '';
    for (const secret of [jira.env.JIRA_API_TOKEN, 'inspector-webhook-secret-789']) expect(shown).not.toContain(secret);
    await page.close();
  });
});
