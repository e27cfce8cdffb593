// The control plane's archive and redeliver acts: Slack's retry of an event (same body and event_id, X-Slack-Retry-Num), and event ids that stay unique across a reset.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, type Json, type SlackFixture, startSlack } from '../../test/support/slack.ts';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  json: Json;
}

let slack: SlackFixture;
let app: Server;
let appUrl: string;
let received: Received[] = [];
/** What the app answers events with; a test may make it fail. */
let answerStatus = 200;

const tenant = () => slack.kernel.tenants.default().id;
const control = (method: string, path: string, body?: unknown) =>
  slack.control(method, `${path}${path.includes('?') ? '&' : '?'}tenant=${tenant()}`, body);
const events = (type?: string) => received.filter((r) => r.json.type === 'event_callback' && (!type || r.json.event.type === type));

beforeAll(async () => {
  slack = await startSlack();
  app = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const json = JSON.parse(raw) as Json;
      if (json.type === 'url_verification') {
        res.end(JSON.stringify({ challenge: json.challenge }));
        return;
      }
      received.push({ headers: req.headers, raw, json });
      res.statusCode = answerStatus;
      res.end();
    });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/events`;
});

afterAll(async () => {
  await slack?.close();
  await new Promise((r) => app?.close(r));
});

beforeEach(async () => {
  answerStatus = 200;
  expect((await control('POST', 'reset')).status).toBe(200);
  expect((await control('POST', 'slack/app', { request_url: appUrl })).body.verification.verified).toBe(true);
  received = [];
});

describe('POST /_twin/slack/act/redeliver', () => {
  it("sends a person's last event again: the same body and event_id, signed afresh, with X-Slack-Retry-Num 1 and the reason", async () => {
    await control('POST', 'slack/act/message', { user: 'alice', channel: '#ops', text: 'incident: db down' });
    const r = await control('POST', 'slack/act/redeliver', { event_type: 'message' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.deliveries).toEqual([expect.objectContaining({ retry_num: 1, status: 200 })]);
    const [first, again] = await eventually(() => events('message').length >= 2 && events('message'), 'two deliveries');
    expect(again.raw).toBe(first.raw);
    expect(again.json.event_id).toBe(r.body.event_id);
    expect(first.headers['x-slack-retry-num']).toBeUndefined();
    expect(again.headers['x-slack-retry-num']).toBe('1');
    expect(again.headers['x-slack-retry-reason']).toBe('http_timeout');
    const signingSecret = slack.env.SLACK_SIGNING_SECRET;
    const asBolt = (h: IncomingHttpHeaders) => ({
      'x-slack-signature': String(h['x-slack-signature']),
      'x-slack-request-timestamp': Number(h['x-slack-request-timestamp']),
    });
    expect(() => verifySlackRequest({ signingSecret, body: again.raw, headers: asBolt(again.headers) })).not.toThrow();
    const outbox = (await control('GET', 'outbox')).body.deliveries as Json[];
    expect(outbox.find((d) => d.id === r.body.deliveries[0].id)?.meta).toMatchObject({ redelivery_of: r.body.original, retry_num: 1 });
  });

  it('counts every earlier attempt in X-Slack-Retry-Num when sending several times, and takes a reason', async () => {
    await control('POST', 'slack/act/reaction', {
      user: 'bob',
      channel: '#ops',
      ts: (await control('POST', 'slack/act/message', { user: 'alice', channel: '#ops', text: 'hello' })).body.ts,
      name: 'rotating_light',
    });
    const r = await control('POST', 'slack/act/redeliver', { event_type: 'reaction_added', times: 3, reason: 'http_error' });
    expect(r.body.deliveries.map((d: Json) => d.retry_num)).toEqual([1, 2, 3]);
    const reactions = await eventually(() => events('reaction_added').length >= 4 && events('reaction_added'), 'four deliveries');
    expect(reactions.map((x) => x.headers['x-slack-retry-num'])).toEqual([undefined, '1', '2', '3']);
    expect(new Set(reactions.map((x) => x.json.event_id)).size).toBe(1);
    expect(reactions[3].headers['x-slack-retry-reason']).toBe('http_error');
  });

  it("skips the app's own messages echoing back, unless include_app", async () => {
    await control('POST', 'slack/act/message', { user: 'alice', channel: '#ops', text: 'from a person' });
    await slack.bot.chat.postMessage({ channel: '#ops', text: 'from the app' });
    await eventually(() => events('message').length >= 2, 'both messages delivered');
    const person = await control('POST', 'slack/act/redeliver', { event_type: 'message' });
    const own = await control('POST', 'slack/act/redeliver', { event_type: 'message', include_app: true });
    const text = (id: string) => events('message').find((e) => e.json.event_id === id)?.json.event.text;
    expect(text(person.body.event_id)).toBe('from a person');
    expect(text(own.body.event_id)).toBe('from the app');
  });

  it('reports what the app answered the redelivery, and answers 404 event_not_found or 400 for a bad request', async () => {
    await control('POST', 'slack/act/message', { user: 'alice', channel: '#ops', text: 'hi' });
    await eventually(() => events('message').length >= 1, 'delivered');
    answerStatus = 500;
    const failed = await control('POST', 'slack/act/redeliver', { event_type: 'message' });
    expect(failed.body.deliveries[0]).toMatchObject({ status: 500 });
    const missing = await control('POST', 'slack/act/redeliver', { event_type: 'app_home_opened' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('event_not_found');
    expect(missing.body.error.message).toMatch(/recent event types: message/);
    expect((await control('POST', 'slack/act/redeliver', { times: 0 })).status).toBe(400);
    expect((await control('POST', 'slack/act/redeliver', { reason: 'whim' })).status).toBe(400);
  });

  it('never sends an event_id again after a reset (an app that drops repeated ids must not drop new events)', async () => {
    await control('POST', 'slack/act/message', { user: 'alice', channel: '#ops', text: 'before' });
    await eventually(() => events('message').length >= 1, 'first');
    const before = events('message')[0].json.event_id;
    await control('POST', 'reset');
    await control('POST', 'slack/app', { request_url: appUrl });
    expect((await control('POST', 'slack/act/redeliver', {})).status).toBe(404);
    await control('POST', 'slack/act/message', { user: 'alice', channel: '#ops', text: 'after' });
    await eventually(() => events('message').length >= 2, 'second');
    expect(events('message')[1].json.event_id).not.toBe(before);
  });
});

describe('POST /_twin/slack/act/archive', () => {
  it('archives a channel as a person would (channel_archive), after which nobody can post there', async () => {
    const r = await control('POST', 'slack/act/archive', { user: 'alice', channel: '#ops' });
    expect(r.body).toMatchObject({ archived: true });
    await eventually(() => events('channel_archive').length >= 1, 'channel_archive');
    expect(events('channel_archive')[0].json.event).toMatchObject({ channel: r.body.channel, user: expect.stringMatching(/^U/) });
    const post = await slack.bot.chat.postMessage({ channel: r.body.channel, text: 'hi' }).catch((e) => e.data);
    expect(post.error).toBe('is_archived');
    expect((await control('POST', 'slack/act/archive', { user: 'alice', channel: '#ops' })).body.error.code).toBe('already_archived');
    expect((await control('POST', 'slack/act/archive', { user: 'alice', channel: '#general' })).body.error.code).toBe(
      'cant_archive_general',
    );
  });
});
