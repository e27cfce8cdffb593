// The Slack twin's Events API delivery against a real receiver: handshake, signing, envelope, retries, No-Retry, timeouts, a receiver that is down.

import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { Ajv } from 'ajv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Json, type SlackFixture, startSlack } from '../support/slack.ts';

interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
  json: Json;
}
type Answer = (seen: Seen, res: ServerResponse) => void;

let s: SlackFixture;
let receiver: Server;
let url: string;
let answer: Answer;
const seen: Seen[] = [];

const WRAPPER_SCHEMA = new URL('../../../shared/specs/slack-event-wrapper-schema.json', import.meta.url);

beforeAll(async () => {
  s = await startSlack({ seed: 31 });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const entry = { headers: req.headers, body, json: safeJson(body) };
      seen.push(entry);
      if (entry.json.type === 'url_verification') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: entry.json.challenge }));
        return;
      }
      answer(entry, res);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack/events`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  receiver.close();
  await s.close();
});
afterEach(() => {
  seen.length = 0;
});

function safeJson(text: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

async function configure(extra: Json = {}) {
  const r = await s.control('POST', 'slack/app', { request_url: url, retry_delays_ms: [100, 200, 300], ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const post = (text: string) => s.control('POST', 'slack/act/message', { user: 'alice', channel: 'general', text });

describe('Events API delivery', () => {
  it('verifies the request URL with a signed url_verification handshake', async () => {
    answer = (_s, res) => res.writeHead(200).end();
    const body = await configure();
    expect(body.url_verified ?? body.app?.url_verified).toBe(true);
    const hs = seen.find((x) => x.json.type === 'url_verification') as Seen;
    expect(hs.json).toMatchObject({ type: 'url_verification', token: expect.any(String), challenge: expect.any(String) });
    expect(() =>
      verifySlackRequest({ signingSecret: s.env.SLACK_SIGNING_SECRET, body: hs.body, headers: hs.headers as never }),
    ).not.toThrow();
  });

  it('a URL that does not echo the challenge stays unverified', async () => {
    const bad = createServer((_req, res) => res.writeHead(200).end('nope'));
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    try {
      const r = await s.control('POST', 'slack/app', { request_url: `http://127.0.0.1:${(bad.address() as AddressInfo).port}/x` });
      expect(r.body.url_verified ?? r.body.app?.url_verified).toBe(false);
    } finally {
      bad.close();
    }
  });

  it('sends event_callback envelopes signed v0 with the signing secret, in the vendor shape', async () => {
    answer = (_s, res) => res.writeHead(200).end();
    await configure();
    await post('envelope check');
    const got = await eventually(() => seen.find((x) => x.json.event?.text === 'envelope check'), 'the message event');
    expect(() =>
      verifySlackRequest({ signingSecret: s.env.SLACK_SIGNING_SECRET, body: got.body, headers: got.headers as never }),
    ).not.toThrow();
    expect(() => verifySlackRequest({ signingSecret: 'not-the-secret', body: got.body, headers: got.headers as never })).toThrow();
    expect(got.headers['content-type']).toMatch(/application\/json/);
    expect(got.json).toMatchObject({
      type: 'event_callback',
      team_id: s.env.SLACK_TEAM_ID,
      api_app_id: s.env.SLACK_APP_ID,
      event_id: expect.stringMatching(/^Ev/),
      event_time: expect.any(Number),
      authorizations: [expect.objectContaining({ team_id: s.env.SLACK_TEAM_ID, is_bot: true })],
      event: {
        type: 'message',
        text: 'envelope check',
        channel_type: 'channel',
        ts: expect.stringMatching(/^\d{10}\.\d{6}$/),
        event_ts: expect.any(String),
      },
    });
    expect(got.headers['x-slack-retry-num']).toBeUndefined();
    if (existsSync(WRAPPER_SCHEMA)) {
      const schema = JSON.parse(readFileSync(WRAPPER_SCHEMA, 'utf8'));
      const ajv = new Ajv({ strict: false });
      const validate = ajv.compile(schema);
      expect(validate(got.json), JSON.stringify(validate.errors)).toBe(true);
    } else {
      console.warn("../shared/specs not found: envelope not checked against Slack's wrapper schema");
    }
  });

  it('retries a failed delivery with X-Slack-Retry-Num and X-Slack-Retry-Reason, same event_id', async () => {
    let n = 0;
    answer = (_s, res) => {
      n++;
      res.writeHead(n <= 2 ? 500 : 200).end();
    };
    await configure();
    await post('retry me');
    const attempts = await eventually(() => {
      const list = seen.filter((x) => x.json.event?.text === 'retry me');
      return list.length >= 3 ? list : undefined;
    }, 'three attempts');
    expect(attempts.map((a) => a.headers['x-slack-retry-num'])).toEqual([undefined, '1', '2']);
    expect(attempts[1].headers['x-slack-retry-reason']).toBe('http_error');
    expect(new Set(attempts.map((a) => a.json.event_id)).size).toBe(1);
    const deliveries = (await s.control('GET', 'outbox?kind=event_callback')).body.deliveries as Json[];
    const d = deliveries.find((x) => x.meta?.event_id === attempts[0].json.event_id) as Json;
    expect(d.status).toBe('delivered');
    expect(d.attempts.map((a: Json) => a.outcome)).toEqual(['retry', 'retry', 'delivered']);
  });

  it('X-Slack-No-Retry: 1 stops retries', async () => {
    answer = (_s, res) => res.writeHead(500, { 'x-slack-no-retry': '1' }).end();
    await configure();
    await post('do not retry');
    const first = await eventually(() => seen.find((x) => x.json.event?.text === 'do not retry'), 'the attempt');
    const d = await eventually(async () => {
      const list = (await s.control('GET', 'outbox?kind=event_callback&status=failed')).body.deliveries as Json[];
      return list.find((x) => x.meta?.event_id === first.json.event_id);
    }, 'the failed delivery');
    expect(d.attempts).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(seen.filter((x) => x.json.event?.text === 'do not retry')).toHaveLength(1);
  });

  it('a receiver slower than 3 seconds gets an http_timeout retry', async () => {
    let n = 0;
    answer = (_s, res) => {
      n++;
      if (n === 1) setTimeout(() => res.writeHead(200).end(), 3500);
      else res.writeHead(200).end();
    };
    await configure();
    await post('slow receiver');
    const attempts = await eventually(
      () => {
        const list = seen.filter((x) => x.json.event?.text === 'slow receiver');
        return list.length >= 2 ? list : undefined;
      },
      'the timeout retry',
      8000,
    );
    expect(attempts[1].headers['x-slack-retry-reason']).toBe('http_timeout');
  }, 15_000);

  it('when the receiver goes down, nothing is lost: the delivery is kept as failed with every attempt', async () => {
    // A receiver that passes the handshake, then goes away.
    const brief = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: safeJson(body).challenge })),
      );
    });
    await new Promise<void>((r) => brief.listen(0, '127.0.0.1', r));
    const gone = `http://127.0.0.1:${(brief.address() as AddressInfo).port}/slack/events`;
    const r = await s.control('POST', 'slack/app', { request_url: gone, retry_delays_ms: [50, 50, 50] });
    expect(r.body.url_verified ?? r.body.app?.url_verified).toBe(true);
    await new Promise<void>((done) => brief.close(() => done()));
    await post('into the void');
    const d = await eventually(async () => {
      const list = (await s.control('GET', 'outbox?kind=event_callback&status=failed')).body.deliveries as Json[];
      return list.find((x) => x.url === gone && JSON.parse(x.body).event.text === 'into the void');
    }, 'the failed delivery');
    expect(d.attempts).toHaveLength(4);
    expect(d.attempts.every((a: Json) => a.reason === 'connection_failed')).toBe(true);
  });
});
