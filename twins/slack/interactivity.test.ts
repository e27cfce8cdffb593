// Slash commands, block actions, view submissions and control-plane acts against a real HTTP receiver standing in for the app.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { type SlackPrincipal, type SlackState, slackTwin } from './index.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test reads JSON bodies field by field.
type Json = Record<string, any>;
interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  form: URLSearchParams;
  json: Json;
}

const BASE = 'http://slack.twin';
let kernel: Kernel<SlackState, SlackPrincipal>;
let receiver: Server;
let appUrl: string;
let env: Record<string, string>;
let bot: WebClient;
const seen: Seen[] = [];
let answer: (s: Seen, res: ServerResponse) => void = (_s, res) => res.writeHead(200).end();

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await kernel.fetch(`${BASE}/_twin/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

beforeAll(async () => {
  kernel = createKernel(slackTwin, { seed: 21, rateLimits: false });
  env = kernel.env(kernel.tenants.default(), BASE);
  bot = new WebClient(env.SLACK_BOT_TOKEN, { slackApiUrl: env.SLACK_API_URL, fetch: kernel.fetch, retryConfig: { retries: 0 } });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      let json: Json = {};
      try {
        json = JSON.parse(form.get('payload') ?? body) as Json;
      } catch {
        json = {};
      }
      const entry = { path: req.url ?? '', headers: req.headers, body, form, json };
      seen.push(entry);
      if (json.type === 'url_verification') return res.writeHead(200, { 'content-type': 'text/plain' }).end(json.challenge);
      answer(entry, res);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const configured = await control('POST', 'slack/app', {
    request_url: `${appUrl}/events`,
    interactivity_url: `${appUrl}/interactive`,
    slash_commands: { '/incident': `${appUrl}/commands` },
    retry_delays_ms: [50, 50, 50],
  });
  expect(configured.status).toBe(200);
  expect(configured.body.verification.verified).toBe(true);
});
beforeEach(() => {
  seen.length = 0;
  answer = (_s, res) => res.writeHead(200).end();
});
afterAll(async () => {
  receiver.closeAllConnections();
  receiver.close();
  kernel.close();
});

const signedOk = (s: Seen) =>
  verifySlackRequest({
    signingSecret: env.SLACK_SIGNING_SECRET,
    body: s.body,
    headers: {
      'x-slack-signature': String(s.headers['x-slack-signature']),
      'x-slack-request-timestamp': Number(s.headers['x-slack-request-timestamp']),
    },
  });

async function waitFor<T>(what: string, check: () => T | undefined): Promise<T> {
  const end = Date.now() + 3000;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('slash commands', () => {
  it('posts the signed form; the immediate JSON answer becomes an ephemeral message', async () => {
    answer = (_s, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: 'Declared INC-1' }));
    const r = await control('POST', 'slack/act/slash-command', {
      user: 'alice',
      channel: '#incidents',
      command: '/incident',
      text: 'db down',
    });
    expect(r.status).toBe(200);
    expect(r.body.answer).toMatchObject({ kind: 'ephemeral', body: { text: 'Declared INC-1' } });
    const cmd = seen.find((x) => x.path === '/commands') as Seen;
    expect(() => signedOk(cmd)).not.toThrow();
    expect(cmd.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(cmd.form)).toMatchObject({
      command: '/incident',
      text: 'db down',
      channel_name: 'incidents',
      user_name: 'alice',
      team_id: env.SLACK_TEAM_ID,
      api_app_id: env.SLACK_APP_ID,
      response_url: expect.stringMatching(/^http:\/\/slack\.twin\/commands\/T/),
      trigger_id: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]+$/),
    });
    const eph = await control('GET', 'slack/ephemeral?channel=%23incidents&user=alice');
    expect(eph.body.messages.map((m: Json) => m.text)).toContain('Declared INC-1');
  });

  it('an in_channel answer shows the command and the answer; response_url posts later, at most 5 times', async () => {
    answer = (_s, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response_type: 'in_channel', text: 'On it' }));
    const r = await control('POST', 'slack/act/slash-command', {
      user: 'bob',
      channel: 'incidents',
      command: '/incident',
      text: 'api slow',
    });
    const messages = (await control('GET', 'slack/messages?channel=incidents')).body.messages as Json[];
    expect(messages.slice(-2).map((m) => m.text)).toEqual(['/incident api slow', 'On it']);
    const url = new URL(r.body.response_url);
    const post = (body: Json) =>
      kernel.fetch(`${BASE}${url.pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ text: 'update', response_type: 'in_channel' })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await post({ text: `eph ${i}` })).status).toBe(200);
    const sixth = await post({ text: 'too many' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
  });

  it('a slow or failing command leaves Slackbot’s error for the user', async () => {
    answer = (_s, res) => res.writeHead(500).end();
    const r = await control('POST', 'slack/act/slash-command', { user: 'carol', channel: 'general', command: '/incident', text: '' });
    expect(r.body.answer.body).toEqual({ error: 'http_service_error' });
    const eph = await control('GET', 'slack/ephemeral?user=carol');
    expect(eph.body.messages.at(-1)).toMatchObject({ user: 'USLACKBOT', text: '/incident failed with the error "http_service_error"' });
  });
});

describe('block actions and modals', () => {
  it('a button click sends block_actions; the trigger opens a modal; a submission with errors keeps it open', async () => {
    const ops = [...kernel.tenants.default().state.conversations.values()].find((c) => c.name === 'ops')?.id as string;
    const posted = await bot.chat.postMessage({
      channel: ops,
      text: 'Deploy?',
      blocks: [
        {
          type: 'actions',
          block_id: 'deploy',
          elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'v42' }],
        },
      ],
    });
    const click = await control('POST', 'slack/act/block-action', {
      user: 'alice',
      channel: '#ops',
      message_ts: posted.ts,
      action_id: 'approve',
    });
    expect(click.status).toBe(200);
    const payload = (seen.find((x) => x.path === '/interactive') as Seen).json;
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { username: 'alice' },
      container: { type: 'message', message_ts: posted.ts, channel_id: ops, is_ephemeral: false },
      channel: { id: ops, name: 'ops' },
      message: { ts: posted.ts, text: 'Deploy?' },
      actions: [{ action_id: 'approve', block_id: 'deploy', type: 'button', value: 'v42', text: { text: 'Approve' } }],
    });
    const view = {
      type: 'modal',
      callback_id: 'why',
      title: { type: 'plain_text', text: 'Reason' },
      submit: { type: 'plain_text', text: 'Send' },
      blocks: [
        {
          type: 'input',
          block_id: 'reason',
          label: { type: 'plain_text', text: 'Why?' },
          element: { type: 'plain_text_input', action_id: 'text' },
        },
      ],
    };
    const opened = await bot.views.open({ trigger_id: payload.trigger_id, view: view as never });
    answer = (_s, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ response_action: 'errors', errors: { reason: 'Too short' } }));
    const sub = await control('POST', 'slack/act/view-submission', { user: 'alice', values: { reason: { text: 'x' } } });
    expect(sub.body).toMatchObject({ outcome: 'errors', errors: { reason: 'Too short' } });
    const submitted = seen.find((x) => x.json.type === 'view_submission') as Seen;
    expect(submitted.json.view).toMatchObject({
      id: opened.view?.id,
      callback_id: 'why',
      state: { values: { reason: { text: { type: 'plain_text_input', value: 'x' } } } },
    });
    answer = (_s, res) => res.writeHead(200).end();
    const done = await control('POST', 'slack/act/view-submission', { user: 'alice', values: { text: 'because' } });
    expect(done.body.outcome).toBe('closed');
    expect((await control('GET', 'slack/views?user=alice')).body.modals).toEqual({});
    // The response_url replaces the original message.
    const replace = await kernel.fetch(`${BASE}${new URL(payload.response_url).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'Approved by alice' }),
    });
    expect(replace.status).toBe(200);
    const history = await bot.conversations.history({ channel: ops, limit: 1 });
    expect(history.messages?.[0]).toMatchObject({ ts: posted.ts, text: 'Approved by alice' });
  });
});

describe('acts emit the events Slack would', () => {
  it('a new person emits team_join and joins #general; a mention emits app_mention; app_home_opened names the DM', async () => {
    const made = await control('POST', 'slack/users', { real_name: 'Ivan Petrov', email: 'ivan@example.test' });
    expect(made.body.user).toMatchObject({ name: 'ivan.petrov', profile: { email: 'ivan@example.test' } });
    await waitFor('team_join', () => seen.find((x) => x.json.event?.type === 'team_join'));
    await waitFor('member_joined_channel', () =>
      seen.find((x) => x.json.event?.type === 'member_joined_channel' && x.json.event.user === made.body.user.id),
    );
    const botUser = kernel.tenants.default().state.app.bot_user_id;
    await control('POST', 'slack/act/message', { user: 'ivan@example.test', channel: '#general', text: `<@${botUser}> help` });
    const mention = await waitFor('app_mention', () => seen.find((x) => x.json.event?.type === 'app_mention'));
    expect(mention.json.event).toMatchObject({ user: made.body.user.id, text: `<@${botUser}> help` });
    expect(() => signedOk(mention)).not.toThrow();
    const home = await control('POST', 'slack/act/app-home-opened', { user: 'ivan.petrov' });
    const opened = await waitFor('app_home_opened', () => seen.find((x) => x.json.event?.type === 'app_home_opened'));
    expect(opened.json.event).toMatchObject({ user: made.body.user.id, channel: home.body.channel, tab: 'home' });
    const dm = await bot.conversations.info({ channel: home.body.channel });
    expect(dm.channel).toMatchObject({ is_im: true, user: made.body.user.id });
  });

  it('a reaction by a person on a message in a channel the bot is in emits reaction_added', async () => {
    const posted = (await control('POST', 'slack/act/message', { user: 'dave', channel: 'ops', text: 'ship it' })).body;
    await control('POST', 'slack/act/reaction', { user: 'erin', channel: 'ops', ts: posted.ts, name: ':+1:' });
    const ev = await waitFor('reaction_added', () => seen.find((x) => x.json.event?.type === 'reaction_added'));
    expect(ev.json.event).toMatchObject({ reaction: '+1', item: { type: 'message', ts: posted.ts }, item_user: posted.message.user });
    const again = await control('POST', 'slack/act/reaction', { user: 'erin', channel: 'ops', ts: posted.ts, name: '+1' });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'already_reacted' } } });
  });

  it('retries a failing receiver with X-Slack-Retry-Num and stops on X-Slack-No-Retry', async () => {
    let calls = 0;
    answer = (s, res) => {
      calls++;
      if (s.json.event?.text === 'no retry please') return res.writeHead(500, { 'x-slack-no-retry': '1' }).end();
      return calls < 3 ? res.writeHead(503).end() : res.writeHead(200).end();
    };
    await control('POST', 'slack/act/message', { user: 'alice', channel: 'ops', text: 'flaky' });
    const third = await waitFor('the second retry', () =>
      seen.find((x) => x.json.event?.text === 'flaky' && x.headers['x-slack-retry-num'] === '2'),
    );
    expect(third.headers['x-slack-retry-reason']).toBe('http_error');
    const ids = new Set(seen.filter((x) => x.json.event?.text === 'flaky').map((x) => x.json.event_id));
    expect(ids.size).toBe(1);
    await control('POST', 'slack/act/message', { user: 'alice', channel: 'ops', text: 'no retry please' });
    await waitFor('the first attempt', () => seen.find((x) => x.json.event?.text === 'no retry please'));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.filter((x) => x.json.event?.text === 'no retry please')).toHaveLength(1);
  });
});
