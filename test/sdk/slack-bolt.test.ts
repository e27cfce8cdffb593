// @slack/bolt with its HTTP receiver and a real signing secret, receiving events and commands from the Slack twin.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Json, type SlackFixture, startSlack } from '../support/slack.ts';

let s: SlackFixture;
let app: App;
let server: Server;
let appUrl: string;
let channel: string;
const seen: Json[] = [];

beforeAll(async () => {
  s = await startSlack({ seed: 77 });
  app = new App({
    token: s.env.SLACK_BOT_TOKEN,
    signingSecret: s.env.SLACK_SIGNING_SECRET,
    clientOptions: { slackApiUrl: s.env.SLACK_API_URL },
    logLevel: LogLevel.ERROR,
  });
  app.message('hello', async ({ message, say }) => {
    seen.push({ kind: 'message', message });
    await say(`hi <@${(message as Json).user}>`);
  });
  app.event('app_mention', async ({ event, say }) => {
    seen.push({ kind: 'app_mention', event });
    await say({ text: 'on it', thread_ts: event.ts });
  });
  app.event('reaction_added', async ({ event }) => {
    seen.push({ kind: 'reaction_added', event });
  });
  app.command('/deploy', async ({ command, ack, respond }) => {
    await ack();
    seen.push({ kind: 'command', command });
    await respond({ text: `deploying ${command.text}` });
    await respond({ response_type: 'in_channel', text: `deploy of ${command.text} started by <@${command.user_id}>` });
  });
  server = (await app.start(0)) as Server;
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

  const configured = await s.control('POST', 'slack/app', {
    request_url: appUrl,
    slash_commands: { '/deploy': appUrl },
    interactivity_url: appUrl,
  });
  expect(configured.status).toBe(200);
  expect(configured.body.url_verified ?? configured.body.app?.url_verified).toBe(true);
  const created = await s.control('POST', 'slack/channels', { name: 'bolt-ops', members: ['alice', 'bob'], bot: true });
  expect(created.status).toBe(200);
  channel = created.body.channel?.id ?? created.body.id;
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await s?.close();
});

async function messages(): Promise<Json[]> {
  const r = await s.bot.conversations.history({ channel, limit: 50 });
  return (r.messages ?? []) as Json[];
}

describe('Bolt receives what the twin sends, and its answers land in the twin', () => {
  it('a person says hello: Bolt gets a signed message event and say() posts back', async () => {
    const act = await s.control('POST', 'slack/act/message', { user: 'alice', channel: 'bolt-ops', text: 'hello there' });
    expect(act.status).toBe(200);
    const reply = await eventually(
      async () => (await messages()).find((m) => typeof m.text === 'string' && m.text.startsWith('hi <@')),
      'say() to land',
    );
    expect(reply.bot_id).toMatch(/^B/);
    const got = seen.find((x) => x.kind === 'message');
    expect(got?.message.text).toBe('hello there');
    expect(got?.message.channel).toBe(channel);
  });

  it('a mention of the bot arrives as app_mention; the threaded say() is a reply', async () => {
    const bot = await s.bot.auth.test();
    await s.control('POST', 'slack/act/message', { user: 'bob', channel: 'bolt-ops', text: `<@${bot.user_id}> status?` });
    const mention = await eventually(() => seen.find((x) => x.kind === 'app_mention'), 'app_mention');
    const replies = await eventually(async () => {
      const r = await s.bot.conversations.replies({ channel, ts: mention.event.ts });
      return (r.messages ?? []).length >= 2 ? r.messages : undefined;
    }, 'the threaded reply');
    expect(replies?.[1]).toMatchObject({ text: 'on it', thread_ts: mention.event.ts });
  });

  it('a reaction arrives as reaction_added', async () => {
    const target = await s.bot.chat.postMessage({ channel, text: 'react here' });
    await s.control('POST', 'slack/act/reaction', { user: 'alice', channel: 'bolt-ops', ts: target.ts, name: 'tada' });
    const ev = await eventually(() => seen.find((x) => x.kind === 'reaction_added'), 'reaction_added');
    expect(ev.event).toMatchObject({ reaction: 'tada', item: { type: 'message', channel, ts: target.ts } });
  });

  it('a slash command reaches Bolt; respond() lands as an ephemeral and an in-channel message', async () => {
    const act = await s.control('POST', 'slack/act/slash-command', { user: 'alice', channel: 'bolt-ops', command: '/deploy', text: 'api' });
    expect(act.status).toBe(200);
    const posted = await eventually(
      async () =>
        (await messages()).find(
          (m) => m.text === 'deploy of api started by <@' + seen.find((x) => x.kind === 'command')?.command.user_id + '>',
        ),
      'the in_channel response',
    );
    expect(posted).toBeTruthy();
    const eph = await eventually(async () => {
      const r = await s.control('GET', `slack/ephemeral?channel=${channel}`);
      const list = (r.body.messages ?? r.body.ephemeral ?? []) as Json[];
      return list.find((m) => m.text === 'deploying api');
    }, 'the ephemeral response');
    expect(eph.text).toBe('deploying api');
  });

  it('every event delivery was signed, answered 2xx and logged in the outbox', async () => {
    const out = (await s.control('GET', 'outbox')).body.deliveries as Json[];
    const events = out.filter((d) => d.kind === 'event_callback');
    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const d of events) expect(d.status, JSON.stringify(d.attempts)).toBe('delivered');
  });
});
