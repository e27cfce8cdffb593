// The official @slack/web-api client, unmodified (only slackApiUrl and a token), against the Slack twin over HTTP.

import { ErrorCode, type WebAPIPlatformError, WebClient, WebClientEvent } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type SlackFixture, startSlack } from '../support/slack.ts';

let s: SlackFixture;
let ops: string;

beforeAll(async () => {
  s = await startSlack({ seed: 42 });
  const created = await s.bot.conversations.create({ name: 'sdk-ops' });
  ops = created.channel?.id as string;
});
afterAll(async () => {
  await s.close();
});

async function platformError(p: Promise<unknown>): Promise<WebAPIPlatformError> {
  try {
    await p;
  } catch (err) {
    const e = err as WebAPIPlatformError;
    expect(e.code).toBe(ErrorCode.PlatformError);
    return e;
  }
  throw new Error('expected the SDK to throw a platform error');
}

describe('auth', () => {
  it('auth.test names the bot, its user and the workspace', async () => {
    const r = await s.bot.auth.test();
    expect(r.ok).toBe(true);
    expect(r.team_id).toBe(s.env.SLACK_TEAM_ID);
    expect(r.user_id).toMatch(/^U/);
    expect(r.bot_id).toMatch(/^B/);
    expect(r.url).toMatch(/^https:\/\/.+\.slack\.com\/$/);
    expect(r.response_metadata?.scopes).toContain('chat:write');
  });

  it('answers not_authed, invalid_auth and token_revoked as platform errors', async () => {
    const anon = new WebClient(undefined, { slackApiUrl: s.env.SLACK_API_URL });
    expect((await platformError(anon.auth.test())).data.error).toBe('not_authed');
    const bogus = new WebClient('xoxb-not-a-real-token', { slackApiUrl: s.env.SLACK_API_URL });
    expect((await platformError(bogus.auth.test())).data.error).toBe('invalid_auth');
  });

  it('auth.revoke revokes the token it is called with', async () => {
    const t = (await s.control('POST', 'tenants', { seed: 9 })).body;
    const user = new WebClient(t.env.SLACK_USER_TOKEN, { slackApiUrl: t.env.SLACK_API_URL });
    expect(((await user.auth.revoke()) as Json).revoked).toBe(true);
    expect((await platformError(user.auth.test())).data.error).toBe('token_revoked');
  });
});

describe('chat', () => {
  it('posts, updates and deletes a message, in ts order', async () => {
    const a = await s.bot.chat.postMessage({ channel: ops, text: 'first' });
    const b = await s.bot.chat.postMessage({
      channel: ops,
      text: 'second',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*second*' } }],
    });
    expect(a.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(b.message?.blocks?.[0]).toMatchObject({ type: 'section' });
    const u = await s.bot.chat.update({ channel: ops, ts: a.ts as string, text: 'first, edited' });
    expect(u.text).toBe('first, edited');
    const hist = await s.bot.conversations.history({ channel: ops, limit: 10 });
    const texts = hist.messages?.map((m) => m.text);
    expect(texts?.slice(0, 2)).toEqual(['second', 'first, edited']);
    expect(hist.messages?.[1].edited).toBeTruthy();
    await s.bot.chat.delete({ channel: ops, ts: b.ts as string });
    const after = await s.bot.conversations.history({ channel: ops, limit: 10 });
    expect(after.messages?.map((m) => m.ts)).not.toContain(b.ts);
    expect((await platformError(s.bot.chat.delete({ channel: ops, ts: b.ts as string }))).data.error).toBe('message_not_found');
  });

  it('threads: replies carry thread_ts and the parent counts them', async () => {
    const parent = await s.bot.chat.postMessage({ channel: ops, text: 'incident' });
    const ts = parent.ts as string;
    await s.bot.chat.postMessage({ channel: ops, text: 'r1', thread_ts: ts });
    await s.user.conversations.join({ channel: ops });
    await s.user.chat.postMessage({ channel: ops, text: 'r2', thread_ts: ts, reply_broadcast: true });
    const replies = await s.bot.conversations.replies({ channel: ops, ts });
    expect(replies.messages?.map((m) => m.text)).toEqual(['incident', 'r1', 'r2']);
    const head = replies.messages?.[0] as Json;
    expect(head.reply_count).toBe(2);
    expect(head.reply_users).toHaveLength(2);
    expect(head.latest_reply).toBe(replies.messages?.[2].ts);
    expect(replies.messages?.[1].thread_ts).toBe(ts);
    const hist = await s.bot.conversations.history({ channel: ops, limit: 5 });
    // A broadcast reply also shows in the channel; plain replies do not.
    expect(hist.messages?.map((m) => m.text)).toContain('r2');
    expect(hist.messages?.map((m) => m.text)).not.toContain('r1');
  });

  it('vendor errors: channel_not_found, no_text, is_archived, not_in_channel', async () => {
    expect((await platformError(s.bot.chat.postMessage({ channel: 'C0NOTTHERE', text: 'x' }))).data.error).toBe('channel_not_found');
    expect((await platformError(s.bot.chat.postMessage({ channel: ops } as never))).data.error).toBe('no_text');
    const gone = await s.bot.conversations.create({ name: 'sdk-archived' });
    await s.bot.conversations.archive({ channel: gone.channel?.id as string });
    expect((await platformError(s.bot.chat.postMessage({ channel: gone.channel?.id as string, text: 'x' }))).data.error).toBe(
      'is_archived',
    );
    expect((await platformError(s.bot.conversations.archive({ channel: gone.channel?.id as string }))).data.error).toBe('already_archived');
    const priv = await s.user.conversations.create({ name: 'sdk-private', is_private: true });
    expect((await platformError(s.bot.chat.postMessage({ channel: priv.channel?.id as string, text: 'x' }))).data.error).toMatch(
      /channel_not_found|not_in_channel/,
    );
  });

  it('ephemeral messages are not in history; permalinks point at the workspace', async () => {
    const me = await s.user.auth.test();
    const eph = await s.bot.chat.postEphemeral({ channel: ops, user: me.user_id as string, text: 'only you' });
    expect(eph.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    const hist = await s.bot.conversations.history({ channel: ops, limit: 50 });
    expect(hist.messages?.map((m) => m.text)).not.toContain('only you');
    const posted = await s.bot.chat.postMessage({ channel: ops, text: 'link me' });
    const link = await s.bot.chat.getPermalink({ channel: ops, message_ts: posted.ts as string });
    expect(link.permalink).toMatch(
      new RegExp(`^https://[\\w-]+\\.slack\\.com/archives/${ops}/p${(posted.ts as string).replace('.', '')}$`),
    );
  });

  it('scheduled messages post when the tenant clock reaches post_at', async () => {
    const t = (await s.control('POST', 'tenants', { seed: 3, clock: 'virtual' })).body;
    const bot = new WebClient(t.env.SLACK_BOT_TOKEN, { slackApiUrl: t.env.SLACK_API_URL });
    const ch = (await bot.conversations.create({ name: 'later' })).channel?.id as string;
    const clock = (await s.control('GET', `clock?tenant=${t.id}`)).body;
    const postAt = Math.floor(clock.now / 1000) + 3600;
    const sched = await bot.chat.scheduleMessage({ channel: ch, text: 'an hour later', post_at: postAt });
    expect(sched.scheduled_message_id).toMatch(/^Q/);
    const listed = await bot.chat.scheduledMessages.list({ channel: ch });
    expect(listed.scheduled_messages?.map((m) => m.id)).toContain(sched.scheduled_message_id);
    expect((await bot.conversations.history({ channel: ch })).messages).toEqual([]);
    await s.control('POST', 'clock', { tenant: t.id, advance: '59m' });
    expect((await bot.conversations.history({ channel: ch })).messages).toEqual([]);
    await s.control('POST', 'clock', { tenant: t.id, advance: '1m' });
    const hist = await bot.conversations.history({ channel: ch });
    expect(hist.messages?.map((m) => m.text)).toEqual(['an hour later']);
    expect(Math.floor(Number(hist.messages?.[0].ts))).toBe(postAt);
    const past = await platformError(bot.chat.scheduleMessage({ channel: ch, text: 'x', post_at: postAt - 7200 }));
    expect(past.data.error).toBe('time_in_past');
  });
});

describe('pagination with client.paginate', () => {
  it('walks conversations.history newest first across pages, ending on an empty cursor', async () => {
    const ch = (await s.bot.conversations.create({ name: 'sdk-paging' })).channel?.id as string;
    for (let i = 0; i < 7; i++) await s.bot.chat.postMessage({ channel: ch, text: `m${i}` });
    const pages: Json[] = [];
    for await (const page of s.bot.paginate('conversations.history', { channel: ch, limit: 3 })) pages.push(page as Json);
    expect(pages.map((p) => p.messages.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.messages.map((m: Json) => m.text))).toEqual(['m6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);
    expect(pages[0].has_more).toBe(true);
    expect(pages[2].response_metadata?.next_cursor ?? '').toBe('');
  });

  it('walks conversations.list and users.list, seeing each item once', async () => {
    const all = await s.bot.conversations.list({ limit: 1000, types: 'public_channel,private_channel' });
    const channels: string[] = [];
    for await (const page of s.bot.paginate('conversations.list', { limit: 2, types: 'public_channel,private_channel' })) {
      channels.push(...((page as Json).channels as Json[]).map((c) => c.id));
    }
    expect(channels.length).toBeGreaterThan(2);
    expect(new Set(channels).size).toBe(channels.length);
    expect(channels.sort()).toEqual((all.channels ?? []).map((c) => c.id as string).sort());
    const users: string[] = [];
    for await (const page of s.bot.paginate('users.list', { limit: 3 })) users.push(...((page as Json).members as Json[]).map((u) => u.id));
    expect(users.length).toBeGreaterThan(3);
    expect(new Set(users).size).toBe(users.length);
  });

  it('rejects a bad cursor with invalid_cursor', async () => {
    expect((await platformError(s.bot.conversations.list({ cursor: 'bm90LWEtY3Vyc29y!!' }))).data.error).toBe('invalid_cursor');
  });
});

describe('conversations', () => {
  it('create, info, setTopic, invite, members, join, open', async () => {
    const created = await s.bot.conversations.create({ name: 'sdk-war-room' });
    const id = created.channel?.id as string;
    expect(created.channel).toMatchObject({ name: 'sdk-war-room', is_channel: true, is_private: false, is_archived: false });
    expect((await platformError(s.bot.conversations.create({ name: 'sdk-war-room' }))).data.error).toBe('name_taken');
    expect((await platformError(s.bot.conversations.create({ name: 'Has Spaces' }))).data.error).toMatch(/^invalid_name/);
    await s.bot.conversations.setTopic({ channel: id, topic: 'SEV1' });
    const info = await s.bot.conversations.info({ channel: id });
    expect(info.channel?.topic?.value).toBe('SEV1');
    const users = (await s.bot.users.list({})).members?.filter((u) => !u.is_bot && !u.deleted && u.id !== 'USLACKBOT') ?? [];
    const [u1, u2] = users;
    await s.bot.conversations.invite({ channel: id, users: `${u1.id},${u2.id}` });
    const members = await s.bot.conversations.members({ channel: id });
    expect(members.members).toEqual(expect.arrayContaining([u1.id, u2.id]));
    expect((await platformError(s.bot.conversations.invite({ channel: id, users: u1.id as string }))).data.error).toBe(
      'already_in_channel',
    );
    expect((await platformError(s.bot.conversations.invite({ channel: id, users: 'U0NOBODY' }))).data.error).toBe('user_not_found');
    const join = await s.bot.conversations.join({ channel: id });
    expect(join.warning).toBe('already_in_channel');
    const dm = await s.bot.conversations.open({ users: u1.id as string });
    expect(dm.channel?.id).toMatch(/^D/);
    const again = await s.bot.conversations.open({ users: u1.id as string });
    expect(again.channel?.id).toBe(dm.channel?.id);
    await s.bot.chat.postMessage({ channel: dm.channel?.id as string, text: 'psst' });
  });
});

describe('users, reactions, team', () => {
  it('users.info and users.lookupByEmail', async () => {
    const members = (await s.bot.users.list({})).members ?? [];
    const human = members.find((u) => !u.is_bot && u.profile?.email) as Json;
    const info = await s.bot.users.info({ user: human.id });
    expect(info.user?.id).toBe(human.id);
    const found = await s.bot.users.lookupByEmail({ email: human.profile.email });
    expect(found.user?.id).toBe(human.id);
    expect((await platformError(s.bot.users.lookupByEmail({ email: 'nobody@nowhere.test' }))).data.error).toBe('users_not_found');
    expect((await platformError(s.bot.users.info({ user: 'U0NOBODY' }))).data.error).toBe('user_not_found');
  });

  it('reactions.add/remove with already_reacted and no_reaction', async () => {
    const m = await s.bot.chat.postMessage({ channel: ops, text: 'react to me' });
    const ts = m.ts as string;
    await s.bot.reactions.add({ channel: ops, timestamp: ts, name: 'eyes' });
    expect((await platformError(s.bot.reactions.add({ channel: ops, timestamp: ts, name: 'eyes' }))).data.error).toBe('already_reacted');
    const got = await s.bot.reactions.get({ channel: ops, timestamp: ts });
    expect((got.message as Json).reactions).toEqual([expect.objectContaining({ name: 'eyes', count: 1 })]);
    await s.bot.reactions.remove({ channel: ops, timestamp: ts, name: 'eyes' });
    expect((await platformError(s.bot.reactions.remove({ channel: ops, timestamp: ts, name: 'eyes' }))).data.error).toBe('no_reaction');
  });

  it('team.info describes the workspace', async () => {
    const t = await s.bot.team.info();
    expect(t.team?.id).toBe(s.env.SLACK_TEAM_ID);
    expect(t.team?.domain).toBeTruthy();
  });
});

describe('views', () => {
  it('views.publish sets App Home; views.open needs a live trigger_id', async () => {
    const me = await s.user.auth.test();
    const home = await s.bot.views.publish({
      user_id: me.user_id as string,
      view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] },
    });
    expect(home.view?.id).toMatch(/^V/);
    const upd = await s.bot.views.update({ view_id: home.view?.id as string, view: { type: 'home', blocks: [] } });
    expect(upd.view?.id).toBe(home.view?.id);
    expect(
      (await platformError(s.bot.views.update({ view_id: home.view?.id as string, hash: 'stale', view: { type: 'home', blocks: [] } })))
        .data.error,
    ).toBe('hash_conflict');
    const modal = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Hi' }, blocks: [] };
    expect((await platformError(s.bot.views.open({ trigger_id: '12345.98765.abcd', view: modal }))).data.error).toMatch(
      /invalid_trigger_id|expired_trigger_id/,
    );
  });
});

describe('files', () => {
  it('files.uploadV2 uploads bytes and shares them in a channel', async () => {
    const r = (await s.bot.files.uploadV2({
      channel_id: ops,
      filename: 'report.txt',
      content: 'all green',
      title: 'Report',
      initial_comment: 'here',
    })) as Json;
    expect(r.ok).toBe(true);
    const file = r.files[0].files[0];
    expect(file.id).toMatch(/^F/);
    const info = await s.bot.files.info({ file: file.id });
    expect(info.file).toMatchObject({ id: file.id, name: 'report.txt', title: 'Report', size: 9 });
    const hist = await s.bot.conversations.history({ channel: ops, limit: 1 });
    expect((hist.messages as Json[])[0].files?.[0]?.id).toBe(file.id);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After; the SDK waits it out and retries', async () => {
    const client = new WebClient(s.env.SLACK_BOT_TOKEN, { slackApiUrl: s.env.SLACK_API_URL });
    let limitedFor: number | undefined;
    client.on(WebClientEvent.RATE_LIMITED, (secs: number) => {
      limitedFor = secs;
    });
    await s.control('POST', 'faults', { operation: 'conversations.info', rateLimit: { retryAfter: 1 }, count: 1 });
    const started = Date.now();
    const r = await client.conversations.info({ channel: ops });
    expect(r.ok).toBe(true);
    expect(limitedFor).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const journal = (await s.control('GET', 'journal?operation=conversations.info&limit=2')).body.entries;
    expect(journal.map((e: Json) => [e.status, e.error])).toEqual([
      [429, 'ratelimited'],
      [200, undefined],
    ]);
  });

  it('tier limits apply by default: a burst past the tier gets 429 ratelimited', async () => {
    const strict = await startSlack({ seed: 5, rateLimits: true });
    try {
      const client = new WebClient(strict.env.SLACK_BOT_TOKEN, { slackApiUrl: strict.env.SLACK_API_URL, rejectRateLimitedCalls: true });
      const results: string[] = [];
      for (let i = 0; i < 60; i++) {
        try {
          await client.conversations.list({ limit: 1 });
          results.push('ok');
        } catch (err) {
          results.push((err as { code?: string }).code ?? 'other');
          break;
        }
      }
      expect(results.at(-1)).toBe(ErrorCode.RateLimitedError);
      expect(results.length).toBeGreaterThan(1);
    } finally {
      await strict.close();
    }
  });
});

describe('every response the suite saw', () => {
  it("validates against the twin's own openapi.yaml", () => {
    expect(s.kernel.responseViolations, JSON.stringify(s.kernel.responseViolations, null, 1)).toEqual([]);
  });
});
