// The Slack twin through the kernel in-process (kernel.fetch), driven by raw requests and by the official WebClient.

import { type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import type { SlackPrincipal, SlackState } from './index.ts';
import { slackTwin } from './index.ts';
import { mintTrigger, restoreSlackState } from './store.ts';

const BASE = 'http://slack.twin';
let kernel: Kernel<SlackState, SlackPrincipal>;
let env: Record<string, string>;
let bot: WebClient;
let user: WebClient;

const state = () => kernel.tenants.default().state;
const channelId = (name: string) => [...state().conversations.values()].find((c) => c.name === name)?.id as string;

async function api(method: string, args: Record<string, string>, token = env.SLACK_BOT_TOKEN) {
  const res = await kernel.fetch(`${BASE}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(args).toString(),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads JSON answers field by field.
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

async function slackError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as WebAPIPlatformError).data.error;
  }
  throw new Error('expected a Slack error');
}

beforeAll(() => {
  kernel = createKernel(slackTwin, { seed: 11, rateLimits: false, clock: 'virtual', clockStart: Date.UTC(2026, 2, 1) });
  env = kernel.env(kernel.tenants.default(), BASE);
  const options = { slackApiUrl: env.SLACK_API_URL, fetch: kernel.fetch, retryConfig: { retries: 0 } };
  bot = new WebClient(env.SLACK_BOT_TOKEN, options);
  user = new WebClient(env.SLACK_USER_TOKEN, options);
});
afterAll(() => kernel.close());

describe('chat.postMessage → conversations.history through kernel.fetch', () => {
  it('a form-encoded post shows up newest first in history, with the scope headers', async () => {
    const ops = channelId('ops');
    const a = await api('chat.postMessage', { channel: ops, text: 'first', token: env.SLACK_BOT_TOKEN });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ ok: true, channel: ops, ts: expect.stringMatching(/^\d{10}\.\d{6}$/) });
    expect(a.body.message).toMatchObject({ type: 'message', text: 'first', bot_id: state().app.bot_id, user: state().app.bot_user_id });
    expect(a.headers.get('x-oauth-scopes')).toContain('chat:write');
    expect(a.headers.get('x-accepted-oauth-scopes')).toContain('chat:write');
    const b = await api('chat.postMessage', {
      channel: ops,
      text: 'second',
      blocks: JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: '*second*' } }]),
    });
    expect(b.body.ts > a.body.ts).toBe(true);
    expect(b.body.message.blocks[0].type).toBe('section');
    const h = await api('conversations.history', { channel: ops, limit: '2' });
    expect(h.body.messages.map((m: { text: string }) => m.text)).toEqual(['second', 'first']);
    expect(h.body.has_more).toBe(true);
    expect(h.body.response_metadata.next_cursor).not.toBe('');
    expect(JSON.stringify(state().messages)).not.toContain(env.SLACK_BOT_TOKEN);
  });

  it('warns about the charset as Slack does', async () => {
    const post = (contentType: string, body: string) =>
      kernel.fetch(`${BASE}/api/auth.test`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.SLACK_BOT_TOKEN}`, 'content-type': contentType },
        body,
      });
    const json = (await (await post('application/json', '{}')).json()) as Record<string, unknown>;
    expect(json).toMatchObject({ ok: true, warning: 'missing_charset', response_metadata: { warnings: ['missing_charset'] } });
    const jsonUtf8 = (await (await post('application/json; charset=utf-8', '{}')).json()) as Record<string, unknown>;
    expect(jsonUtf8.warning).toBeUndefined();
    const form = (await (await post('application/x-www-form-urlencoded; charset=utf-8', 'a=1')).json()) as Record<string, unknown>;
    expect(form.warning).toBe('superfluous_charset');
  });

  it('the official client posts, threads and reads replies parent first', async () => {
    const ch = channelId('incidents');
    const parent = await bot.chat.postMessage({ channel: ch, text: 'incident opened' });
    await bot.chat.postMessage({ channel: ch, thread_ts: parent.ts, text: 'update 1' });
    await bot.chat.postMessage({ channel: ch, thread_ts: parent.ts as string, text: 'update 2', reply_broadcast: true });
    const replies = await bot.conversations.replies({ channel: ch, ts: parent.ts as string });
    expect(replies.messages?.map((m) => m.text)).toEqual(['incident opened', 'update 1', 'update 2']);
    expect(replies.messages?.[0]).toMatchObject({ reply_count: 2, thread_ts: parent.ts });
    const history = await bot.conversations.history({ channel: ch, limit: 2 });
    expect(history.messages?.map((m) => m.text)).toEqual(['update 2', 'incident opened']);
    expect(history.messages?.[0].subtype).toBe('thread_broadcast');
  });

  it('answers Slack errors from the state', async () => {
    expect(await slackError(bot.chat.postMessage({ channel: 'C0NOSUCH000', text: 'x' }))).toBe('channel_not_found');
    expect(await slackError(bot.chat.postMessage({ channel: channelId('leadership'), text: 'x' }))).toBe('channel_not_found');
    expect(await slackError(bot.chat.postMessage({ channel: channelId('old-announcements'), text: 'x' }))).toBe('is_archived');
    expect(await slackError(bot.chat.postMessage({ channel: channelId('ops'), text: '' }))).toBe('no_text');
    expect(await slackError(bot.chat.postMessage({ channel: channelId('ops'), text: 'y'.repeat(40_001) }))).toBe('msg_too_long');
    expect(await slackError(bot.conversations.history({ channel: channelId('random') }))).toBe('not_in_channel');
    // chat:write.public lets the bot post where it is not a member.
    expect((await bot.chat.postMessage({ channel: channelId('random'), text: 'public post' })).ok).toBe(true);
    const other = (await bot.chat.postMessage({ channel: channelId('ops'), text: 'mine' })).ts as string;
    expect(await slackError(user.chat.update({ channel: channelId('ops'), ts: other, text: 'theirs' }))).toBe('cant_update_message');
    expect(await slackError(bot.conversations.history({ channel: channelId('ops'), cursor: 'bm9wZQ==' }))).toBe('invalid_cursor');
  });

  it('updates and deletes', async () => {
    const ch = channelId('general');
    const posted = await bot.chat.postMessage({ channel: ch, text: 'draft' });
    const updated = await bot.chat.update({ channel: ch, ts: posted.ts as string, text: 'final' });
    expect(updated).toMatchObject({ ok: true, channel: ch, ts: posted.ts, text: 'final' });
    expect(updated.message?.edited?.user).toBe(state().app.bot_user_id);
    await bot.chat.delete({ channel: ch, ts: posted.ts as string });
    const history = await bot.conversations.history({ channel: ch });
    expect(history.messages?.some((m) => m.ts === posted.ts)).toBe(false);
    const link = await bot.chat.getPermalink({ channel: ch, message_ts: history.messages?.[0].ts as string });
    expect(link.permalink).toBe(
      `https://${state().team.domain}.slack.com/archives/${ch}/p${String(history.messages?.[0]?.ts).replace('.', '')}`,
    );
  });
});

describe('lists paginate to an empty cursor', () => {
  it('users.list and conversations.list walk every page', async () => {
    const users: string[] = [];
    for await (const page of bot.paginate('users.list', { limit: 3 }))
      users.push(...((page as { members?: { id: string }[] }).members ?? []).map((m) => m.id));
    expect(users).toEqual([...state().users.keys()]);
    const channels: string[] = [];
    for await (const page of bot.paginate('conversations.list', { limit: 2, types: 'public_channel,private_channel' })) {
      channels.push(...((page as { channels?: { name: string }[] }).channels ?? []).map((c) => c.name));
    }
    // The bot is not in #leadership, so it cannot see it.
    expect(channels).toEqual(['general', 'random', 'ops', 'incidents', 'old-announcements']);
  });

  it('conversations.create follows the name rules and emits nothing it should not', async () => {
    expect(await slackError(bot.conversations.create({ name: 'Has Caps' }))).toBe('invalid_name_specials');
    expect(await slackError(bot.conversations.create({ name: 'general' }))).toBe('name_taken');
    const made = await bot.conversations.create({ name: 'war-room' });
    expect(made.channel).toMatchObject({ name: 'war-room', is_member: true, creator: state().app.bot_user_id });
    const joined = await bot.conversations.join({ channel: made.channel?.id as string });
    expect(joined.warning).toBe('already_in_channel');
    expect(joined.response_metadata?.warnings).toEqual(['already_in_channel']);
  });
});

describe('views and triggers', () => {
  it('views.open takes a fresh trigger once; an expired one fails', async () => {
    const tenant = kernel.tenants.default();
    const alice = [...state().users.values()].find((u) => u.name === 'alice') as { id: string };
    const view = { type: 'modal', title: { type: 'plain_text', text: 'Declare' }, blocks: [] };
    const trigger = mintTrigger(state(), alice.id, tenant.clock.now());
    const opened = await bot.views.open({ trigger_id: trigger, view: view as never });
    expect(opened.view).toMatchObject({ id: expect.stringMatching(/^V/), type: 'modal', hash: expect.any(String) });
    expect(await slackError(bot.views.open({ trigger_id: trigger, view: view as never }))).toBe('exchanged_trigger_id');
    const late = mintTrigger(state(), alice.id, tenant.clock.now());
    await tenant.clock.advance(3001);
    expect(await slackError(bot.views.open({ trigger_id: late, view: view as never }))).toBe('expired_trigger_id');
    expect(await slackError(bot.views.open({ trigger_id: 'nope', view: view as never }))).toBe('invalid_trigger_id');
    const updated = await bot.views.update({
      view_id: opened.view?.id as string,
      hash: opened.view?.hash,
      view: { ...view, blocks: [{ type: 'divider' }] } as never,
    });
    expect(updated.view?.blocks).toHaveLength(1);
    expect(await slackError(bot.views.update({ view_id: opened.view?.id as string, hash: opened.view?.hash, view: view as never }))).toBe(
      'hash_conflict',
    );
  });
});

describe('files.uploadV2', () => {
  it('uploads through the external flow and shares the file as a message', async () => {
    const ch = channelId('ops');
    const done = await bot.filesUploadV2({ channel_id: ch, filename: 'report.txt', content: 'all good', initial_comment: 'the report' });
    expect(done.ok).toBe(true);
    const history = await bot.conversations.history({ channel: ch, limit: 1 });
    expect(history.messages?.[0]).toMatchObject({ text: 'the report', subtype: 'file_share' });
    const fileId = String(history.messages?.[0]?.files?.[0]?.id);
    expect(state().files.get(fileId)).toMatchObject({ size: 8, name: 'report.txt', completed: true });
    expect(Buffer.from(state().files.get(fileId)?.content_base64 as string, 'base64').toString()).toBe('all good');
    const info = await bot.files.info({ file: fileId });
    expect(info.file).toMatchObject({ id: fileId, name: 'report.txt', channels: [ch] });
  });
});

describe('OAuth install', () => {
  it('consent page → code → oauth.v2.access mints new tokens; codes are single use', async () => {
    const q = new URLSearchParams({
      client_id: env.SLACK_CLIENT_ID,
      scope: 'chat:write,channels:read',
      user_scope: 'users:read',
      redirect_uri: 'http://app.test/oauth/callback',
      state: 'xyz',
    });
    const page = await kernel.fetch(`${BASE}/oauth/v2/authorize?${q}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('chat:write');
    expect(html).toContain('name="decision" value="allow"');
    const approve = await kernel.fetch(`${BASE}/oauth/v2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: env.SLACK_CLIENT_ID,
        scope: 'chat:write,channels:read',
        user_scope: 'users:read',
        redirect_uri: 'http://app.test/oauth/callback',
        state: 'xyz',
        decision: 'allow',
      }).toString(),
    });
    expect(approve.status).toBe(302);
    const location = new URL(approve.headers.get('location') as string);
    expect(location.searchParams.get('state')).toBe('xyz');
    const code = location.searchParams.get('code') as string;
    const anon = new WebClient(undefined, { slackApiUrl: env.SLACK_API_URL, fetch: kernel.fetch, retryConfig: { retries: 0 } });
    const args = {
      client_id: env.SLACK_CLIENT_ID,
      client_secret: env.SLACK_CLIENT_SECRET,
      code,
      redirect_uri: 'http://app.test/oauth/callback',
    };
    expect(await slackError(anon.oauth.v2.access({ ...args, client_secret: 'wrong' }))).toBe('bad_client_secret');
    const tokens = await anon.oauth.v2.access(args);
    expect(tokens).toMatchObject({
      ok: true,
      token_type: 'bot',
      scope: 'chat:write,channels:read',
      team: { id: env.SLACK_TEAM_ID },
      authed_user: { scope: 'users:read', token_type: 'user' },
    });
    const minted = new WebClient(tokens.access_token, { slackApiUrl: env.SLACK_API_URL, fetch: kernel.fetch });
    expect((await minted.auth.test()).user_id).toBe(state().app.bot_user_id);
    expect(await slackError(minted.users.list({}))).toBe('missing_scope');
    expect(await slackError(anon.oauth.v2.access(args))).toBe('invalid_code');
  });
});

describe('scheduled messages on a virtual clock', () => {
  it('post when the clock reaches post_at, and survive a snapshot restore', async () => {
    const tenant = kernel.tenants.default();
    const ch = channelId('ops');
    const postAt = Math.floor(tenant.clock.now() / 1000) + 600;
    const scheduled = await bot.chat.scheduleMessage({ channel: ch, text: 'ten minutes later', post_at: postAt });
    expect(scheduled.message?.type).toBe('delayed_message');
    const snapshot = restoreSlackState(JSON.parse(JSON.stringify(tenant.state)));
    kernel.restoreTenant(tenant, snapshot);
    await tenant.clock.advance(600_000);
    const history = await bot.conversations.history({ channel: ch, limit: 1 });
    expect(history.messages?.[0]).toMatchObject({ text: 'ten minutes later' });
    expect(Math.floor(Number(history.messages?.[0].ts))).toBe(postAt);
    expect((await bot.chat.scheduledMessages.list({ channel: ch })).scheduled_messages).toEqual([]);
  });
});
