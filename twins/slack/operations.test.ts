// Every implemented Web API method through the official WebClient in-process: happy paths and the vendor errors state produces.

import { type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { type SlackPrincipal, type SlackState, slackTwin } from './index.ts';
import { DEFAULT_BOT_SCOPES } from './seed.ts';

const BASE = 'http://slack.twin';
let kernel: Kernel<SlackState, SlackPrincipal>;
let bot: WebClient;
let user: WebClient;
let env: Record<string, string>;

const state = () => kernel.tenants.default().state;
const ch = (name: string) => [...state().conversations.values()].find((c) => c.name === name)?.id as string;
const person = (name: string) => [...state().users.values()].find((u) => u.name === name)?.id as string;

async function err(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as WebAPIPlatformError).data?.error ?? String(e);
  }
  return 'no error';
}

beforeAll(() => {
  kernel = createKernel(slackTwin, { seed: 3, rateLimits: false });
  env = kernel.env(kernel.tenants.default(), BASE);
  const opts = { slackApiUrl: env.SLACK_API_URL, fetch: kernel.fetch, retryConfig: { retries: 0 } };
  bot = new WebClient(env.SLACK_BOT_TOKEN, opts);
  user = new WebClient(env.SLACK_USER_TOKEN, opts);
});
afterAll(() => kernel.close());

describe('auth, team, bots', () => {
  it('auth.test for a user token has no bot_id', async () => {
    const r = await user.auth.test();
    expect(r).toMatchObject({ ok: true, user: 'alice', user_id: person('alice'), team_id: env.SLACK_TEAM_ID });
    expect(r.bot_id).toBeUndefined();
  });

  it('team.info and bots.info describe the workspace and the app', async () => {
    expect((await bot.team.info()).team).toMatchObject({ id: env.SLACK_TEAM_ID, domain: state().team.domain });
    expect(await err(bot.team.info({ team: 'T0OTHER' }))).toBe('team_not_found');
    expect((await bot.bots.info({ bot: state().app.bot_id })).bot).toMatchObject({
      app_id: env.SLACK_APP_ID,
      user_id: state().app.bot_user_id,
    });
    expect(await err(bot.bots.info({ bot: 'B0NOPE' }))).toBe('bot_not_found');
  });
});

describe('users', () => {
  it('info, lookupByEmail and profile.get; email only with users:read.email', async () => {
    const alice = person('alice');
    const email = state().users.get(alice)?.profile.email as string;
    expect((await bot.users.info({ user: alice })).user?.profile?.email).toBe(email);
    expect((await bot.users.lookupByEmail({ email: email.toUpperCase() })).user?.id).toBe(alice);
    expect(await err(bot.users.lookupByEmail({ email: 'nobody@nowhere.test' }))).toBe('users_not_found');
    expect(await err(bot.users.info({ user: 'U0NOBODY' }))).toBe('user_not_found');
    expect(await err(bot.users.profile.get({ user: alice }))).toBe('missing_scope');
    expect((await user.users.profile.get({ user: alice })).profile?.real_name).toBe(state().users.get(alice)?.real_name);
    const narrow = (await kernel.fetch(`${BASE}/_twin/slack/app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ bot_scopes: DEFAULT_BOT_SCOPES.filter((s) => s !== 'users:read.email') }),
    })) as Response;
    expect(narrow.status).toBe(200);
    expect((await bot.users.info({ user: alice })).user?.profile?.email).toBeUndefined();
    expect(await err(bot.users.lookupByEmail({ email }))).toBe('missing_scope');
    await kernel.fetch(`${BASE}/_twin/slack/app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ bot_scopes: DEFAULT_BOT_SCOPES }),
    });
  });

  it('users.conversations lists what a user is in, as the caller may see it', async () => {
    const r = await bot.users.conversations({ user: person('alice'), types: 'public_channel,private_channel' });
    // alice is in #leadership, but the bot is not, so it cannot see it.
    expect(r.channels?.map((c) => c.name)).toEqual(['general', 'random', 'ops', 'incidents', 'old-announcements']);
    expect(await err(bot.users.conversations({ types: 'nonsense' }))).toBe('invalid_types');
  });
});

describe('conversation lifecycle', () => {
  it('join, invite, kick, leave, archive, unarchive, rename, topic and purpose', async () => {
    const random = ch('random');
    expect((await bot.conversations.join({ channel: random })).channel?.is_member).toBe(true);
    expect(await err(bot.conversations.join({ channel: ch('old-announcements') }))).toBe('is_archived');
    const made = (await bot.conversations.create({ name: 'lifecycle' })).channel?.id as string;
    const [bob, carol] = [person('bob'), person('carol')];
    await bot.conversations.invite({ channel: made, users: `${bob},${carol}` });
    expect((await bot.conversations.members({ channel: made })).members).toEqual([state().app.bot_user_id, bob, carol]);
    expect(await err(bot.conversations.invite({ channel: made, users: bob }))).toBe('already_in_channel');
    expect(await err(bot.conversations.invite({ channel: made, users: state().app.bot_user_id }))).toBe('cant_invite_self');
    expect(await err(bot.conversations.invite({ channel: made, users: 'U0NOBODY' }))).toBe('user_not_found');
    await bot.conversations.kick({ channel: made, user: carol });
    expect(await err(bot.conversations.kick({ channel: made, user: carol }))).toBe('not_in_channel');
    expect(await err(bot.conversations.kick({ channel: made, user: state().app.bot_user_id }))).toBe('cant_kick_self');
    const topic = await bot.conversations.setTopic({ channel: made, topic: 'Incident 42' });
    expect(topic.channel?.topic).toMatchObject({ value: 'Incident 42', creator: state().app.bot_user_id });
    await bot.conversations.setPurpose({ channel: made, purpose: 'Coordinate' });
    const renamed = await bot.conversations.rename({ channel: made, name: 'lifecycle-2' });
    expect(renamed.channel).toMatchObject({ name: 'lifecycle-2', previous_names: ['lifecycle'] });
    expect(await err(bot.conversations.rename({ channel: made, name: 'general' }))).toBe('name_taken');
    const history = await bot.conversations.history({ channel: made });
    expect(history.messages?.map((m) => m.subtype)).toEqual([
      'channel_name',
      'channel_purpose',
      'channel_topic',
      'channel_leave',
      'channel_join',
      'channel_join',
    ]);
    await bot.conversations.archive({ channel: made });
    expect(await err(bot.conversations.archive({ channel: made }))).toBe('already_archived');
    expect(await err(bot.chat.postMessage({ channel: made, text: 'x' }))).toBe('is_archived');
    await bot.conversations.unarchive({ channel: made });
    expect(await err(bot.conversations.unarchive({ channel: made }))).toBe('not_archived');
    expect(await err(bot.conversations.archive({ channel: ch('general') }))).toBe('cant_archive_general');
    expect(await err(bot.conversations.leave({ channel: ch('general') }))).toBe('cant_leave_general');
    expect(await bot.conversations.leave({ channel: made })).toMatchObject({ ok: true });
    expect(await bot.conversations.leave({ channel: made })).toMatchObject({ ok: true, not_in_channel: true });
    expect(await err(bot.conversations.info({ channel: ch('leadership') }))).toBe('channel_not_found');
    expect((await user.conversations.info({ channel: ch('leadership'), include_num_members: true })).channel).toMatchObject({
      is_private: true,
      num_members: 3,
    });
  });

  it('open gives the same DM twice and a group DM for several people', async () => {
    const first = await bot.conversations.open({ users: person('dave') });
    expect(first.channel?.id).toMatch(/^D/);
    const again = await bot.conversations.open({ users: person('dave'), return_im: true });
    expect(again).toMatchObject({ already_open: true, channel: { id: first.channel?.id, is_im: true, user: person('dave') } });
    const group = await bot.conversations.open({ users: `${person('dave')},${person('erin')}` });
    expect(group.channel?.id).toMatch(/^G/);
    expect((await bot.conversations.info({ channel: group.channel?.id as string })).channel).toMatchObject({ is_mpim: true });
    expect(await err(bot.conversations.open({} as never))).toBe('users_list_not_supplied');
    const dm = await bot.chat.postMessage({ channel: person('dave'), text: 'psst' });
    expect(dm.channel).toBe(first.channel?.id);
  });
});

describe('reactions and pins', () => {
  it('add, get, remove with the vendor errors', async () => {
    const ops = ch('ops');
    const posted = await bot.chat.postMessage({ channel: ops, text: 'react to me' });
    const ts = posted.ts as string;
    await bot.reactions.add({ channel: ops, timestamp: ts, name: 'eyes' });
    expect(await err(bot.reactions.add({ channel: ops, timestamp: ts, name: 'eyes' }))).toBe('already_reacted');
    expect(await err(bot.reactions.add({ channel: ops, timestamp: ts, name: 'Not An Emoji!' }))).toBe('invalid_name');
    expect(await err(bot.reactions.add({ channel: ops, timestamp: '1000000000.000001', name: 'eyes' }))).toBe('message_not_found');
    expect(await err(bot.reactions.add({ name: 'eyes' } as never))).toMatch(/no_item_specified|channel_not_found/);
    await user.reactions.add({ channel: ops, timestamp: ts, name: 'eyes' });
    const got = await bot.reactions.get({ channel: ops, timestamp: ts });
    expect(got.message?.reactions).toEqual([{ name: 'eyes', users: [state().app.bot_user_id, person('alice')], count: 2 }]);
    await bot.reactions.remove({ channel: ops, timestamp: ts, name: 'eyes' });
    expect(await err(bot.reactions.remove({ channel: ops, timestamp: ts, name: 'eyes' }))).toBe('no_reaction');
    await bot.pins.add({ channel: ops, timestamp: ts });
    expect(await err(bot.pins.add({ channel: ops, timestamp: ts }))).toBe('already_pinned');
    expect((await bot.pins.list({ channel: ops })).items).toMatchObject([{ type: 'message', channel: ops, message: { ts } }]);
    expect((await bot.conversations.history({ channel: ops, limit: 1 })).pin_count).toBe(1);
    await bot.pins.remove({ channel: ops, timestamp: ts });
    expect(await err(bot.pins.remove({ channel: ops, timestamp: ts }))).toBe('no_pin');
  });
});

describe('chat extras', () => {
  it('postEphemeral needs the user in the channel and stays out of history', async () => {
    const ops = ch('ops');
    const r = await bot.chat.postEphemeral({ channel: ops, user: person('alice'), text: 'only you' });
    expect(r.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect((await bot.conversations.history({ channel: ops, limit: 5 })).messages?.some((m) => m.text === 'only you')).toBe(false);
    expect(await err(bot.chat.postEphemeral({ channel: ops, user: person('heidi'), text: 'x' }))).toBe('user_not_in_channel');
  });

  it('scheduled messages can be listed and deleted', async () => {
    const ops = ch('ops');
    const postAt = Math.floor(Date.now() / 1000) + 3600;
    const s = await bot.chat.scheduleMessage({ channel: ops, text: 'later', post_at: postAt });
    expect((await bot.chat.scheduledMessages.list({})).scheduled_messages).toMatchObject([
      { id: s.scheduled_message_id, channel_id: ops, post_at: postAt, text: 'later' },
    ]);
    await bot.chat.deleteScheduledMessage({ channel: ops, scheduled_message_id: s.scheduled_message_id as string });
    expect(await err(bot.chat.deleteScheduledMessage({ channel: ops, scheduled_message_id: s.scheduled_message_id as string }))).toBe(
      'invalid_scheduled_message_id',
    );
    expect(await err(bot.chat.scheduleMessage({ channel: ops, text: 'x', post_at: postAt + 200 * 86400 }))).toBe('time_too_far');
  });

  it('deleting a thread parent leaves a tombstone while replies remain', async () => {
    const ops = ch('ops');
    const parent = (await user.chat.postMessage({ channel: ops, text: 'parent' })).ts as string;
    await bot.chat.postMessage({ channel: ops, text: 'reply', thread_ts: parent });
    await user.chat.delete({ channel: ops, ts: parent });
    const replies = await bot.conversations.replies({ channel: ops, ts: parent });
    expect(replies.messages?.map((m) => (m as { subtype?: string }).subtype ?? m.text)).toEqual(['tombstone', 'reply']);
    expect(await err(bot.chat.delete({ channel: ops, ts: parent }))).toBe('message_not_found');
    expect(await err(bot.chat.postMessage({ channel: ops, text: 'x', thread_ts: '0' }))).toBe('invalid_thread_ts');
  });
});

describe('files', () => {
  it('list pages with legacy paging; delete tombstones the share', async () => {
    for (const name of ['a.txt', 'b.txt', 'c.png']) {
      await bot.filesUploadV2({ channel_id: ch('ops'), filename: name, content: name });
    }
    const page1 = await bot.files.list({ count: 2 });
    expect(page1.paging).toEqual({ count: 2, total: 3, page: 1, pages: 2 });
    expect(page1.files?.map((f) => f.name)).toEqual(['c.png', 'b.txt']);
    expect((await bot.files.list({ count: 2, page: 2 })).files?.map((f) => f.name)).toEqual(['a.txt']);
    const png = page1.files?.[0];
    expect(png).toMatchObject({ mimetype: 'image/png', filetype: 'png' });
    await bot.files.delete({ file: png?.id as string });
    expect(await err(bot.files.info({ file: png?.id as string }))).toBe('file_deleted');
    const shared = (await bot.conversations.history({ channel: ch('ops'), limit: 3 })).messages?.flatMap((m) => m.files ?? []);
    expect(shared?.find((f) => f.id === png?.id)).toEqual({ id: png?.id, mode: 'tombstone' });
    // alice is a workspace admin, so her user token may delete the bot's file.
    expect((await user.files.delete({ file: page1.files?.[1].id as string })).ok).toBe(true);
  });
});

describe('auth.revoke', () => {
  it('revokes the calling token; test only checks', async () => {
    const t = await kernel.fetch(`${BASE}/_twin/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seed: 50 }),
    });
    const created = (await t.json()) as { env: Record<string, string> };
    const c = new WebClient(created.env.SLACK_BOT_TOKEN, {
      slackApiUrl: created.env.SLACK_API_URL,
      fetch: kernel.fetch,
      retryConfig: { retries: 0 },
    });
    expect(await c.auth.revoke({ test: true })).toMatchObject({ revoked: false });
    expect(await c.auth.revoke()).toMatchObject({ revoked: true });
    expect(await err(c.auth.test())).toBe('token_revoked');
  });
});
