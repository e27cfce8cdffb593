// The System Log (polling and bounded queries) and event hooks (verification, deliveries through the outbox, Okta's retry rule) with okta-sdk-nodejs and a real receiver.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type OktaFixture, rejection, startOkta } from './support.ts';

let s: OktaFixture;
let receiver: Server;
let receiverUrl: string;
/** What the receiver got, in order. */
const received: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[] = [];
/** How the receiver answers deliveries (POST), by path. */
const answers = new Map<string, number>();

beforeAll(async () => {
  s = await startOkta({ seed: 5 });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (req.method === 'GET') {
        const challenge = req.headers['x-okta-verification-challenge'];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ verification: req.url?.startsWith('/wrong') ? 'nope' : challenge }));
        return;
      }
      res.writeHead(answers.get(req.url ?? '') ?? 200);
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await s?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

async function within<T>(ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`nothing within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function all<T>(collection: AsyncIterable<T | null>, max = 10_000): Promise<T[]> {
  const out: T[] = [];
  for await (const item of collection) {
    if (item !== null) out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

describe('System Log', () => {
  it('a bounded query ends; filter narrows by eventType and target', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const created = await s.client.userApi.createUser({
      body: { profile: { login: 'log.me@example.test', email: 'log.me@example.test', firstName: 'Log', lastName: 'Me' } },
    });
    await s.client.userApi.deactivateUser({ userId: created.id as string });
    const until = new Date(Date.now() + 1000).toISOString();
    const events = await all(await s.client.systemLogApi.listLogEvents({ since, until, limit: 2 }));
    expect(events.map((e) => e.eventType)).toEqual(expect.arrayContaining(['user.lifecycle.create', 'user.lifecycle.deactivate']));
    const deact = await all(
      await s.client.systemLogApi.listLogEvents({
        since,
        until,
        filter: `eventType eq "user.lifecycle.deactivate" and target.id eq "${created.id}"`,
      }),
    );
    expect(deact).toHaveLength(1);
    expect(deact[0]).toMatchObject({ eventType: 'user.lifecycle.deactivate', outcome: { result: 'SUCCESS' }, actor: { type: 'User' } });
    expect(deact[0].uuid).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await rejection(all(await s.client.systemLogApi.listLogEvents({ since, until, filter: 'eventType eq' })));
    expect(bad.errorCode).toBe('E0000031');
  });

  it('a polling request (no until, ascending) has a next link on every page, also an empty one, and the next page brings new events only', async () => {
    const first = await s.api('GET', `/api/v1/logs?since=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&limit=1000`);
    expect(first.status).toBe(200);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] as string;
    expect(next).toContain('after=');
    const empty = await s.api('GET', next.slice(s.env.OKTA_ORG_URL.length));
    expect(empty.body).toEqual([]);
    const again = /<([^>]+)>; rel="next"/.exec(empty.headers.get('link') ?? '')?.[1] as string;
    expect(again).toBeTruthy();
    await s.client.groupApi.createGroup({ group: { profile: { name: 'Polled' } } });
    const fresh = await s.api('GET', again.slice(s.env.OKTA_ORG_URL.length));
    expect(fresh.body.map((e: Json) => e.eventType)).toEqual(['group.lifecycle.create']);
  });
});

describe('event hooks', () => {
  it('verifies with the challenge, then delivers Okta envelopes with the auth header; an unverified hook gets nothing', async () => {
    const hook = await s.client.eventHookApi.createEventHook({
      eventHook: {
        name: 'lifecycle',
        events: { type: 'EVENT_TYPE', items: ['user.lifecycle.deactivate', 'group.user_membership.add'] },
        channel: {
          type: 'HTTP',
          version: '1.0.0',
          config: {
            uri: `${receiverUrl}/okta/hooks`,
            headers: [{ key: 'X-Extra', value: 'yes' }],
            authScheme: { type: 'HEADER', key: 'Authorization', value: 'hook-secret' },
          },
        },
      },
    });
    expect(hook).toMatchObject({ status: 'ACTIVE', verificationStatus: 'UNVERIFIED' });
    expect(JSON.stringify(hook)).not.toContain('hook-secret');
    const user = await s.client.userApi.createUser({
      body: { profile: { login: 'hooked@example.test', email: 'hooked@example.test', firstName: 'Hoo', lastName: 'Ked' } },
    });
    await s.client.userApi.suspendUser({ userId: user.id as string }).catch(() => undefined);
    await s.client.userApi.deactivateUser({ userId: user.id as string });
    expect(received.filter((r) => r.method === 'POST')).toEqual([]);

    const verified = await s.client.eventHookApi.verifyEventHook({ eventHookId: hook.id as string });
    expect(verified.verificationStatus).toBe('VERIFIED');
    const challenge = received.find((r) => r.method === 'GET');
    expect(challenge?.headers['x-okta-verification-challenge']).toBeTruthy();
    expect(challenge?.headers.authorization).toBe('hook-secret');

    const other = await s.client.userApi.createUser({
      body: { profile: { login: 'hooked2@example.test', email: 'hooked2@example.test', firstName: 'Hoo', lastName: 'Ked' } },
    });
    await s.client.userApi.deactivateUser({ userId: other.id as string });
    const delivery = await within(5000, () =>
      received.find((r) => r.method === 'POST' && r.body.includes(other.id as string) && r.body.includes('user.lifecycle.deactivate')),
    );
    expect(delivery.headers.authorization).toBe('hook-secret');
    expect(delivery.headers['x-extra']).toBe('yes');
    const envelope = JSON.parse(delivery.body) as Json;
    expect(envelope).toMatchObject({
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      contentType: 'application/json',
    });
    expect(envelope.source).toBe(`${s.env.OKTA_ORG_URL}/api/v1/eventHooks/${hook.id}`);
    expect(envelope.data.events[0]).toMatchObject({ eventType: 'user.lifecycle.deactivate', target: [{ id: other.id }] });
    const outbox = (await s.control('GET', 'outbox?kind=event_hook')).body.deliveries as Json[];
    expect(outbox.some((d) => d.meta.eventId === envelope.eventId)).toBe(true);
  });

  it('a failed verification is 400 E0000001 and leaves the hook unverified', async () => {
    const hook = await s.client.eventHookApi.createEventHook({
      eventHook: {
        name: 'wrong',
        events: { type: 'EVENT_TYPE', items: ['user.lifecycle.create'] },
        channel: { type: 'HTTP', version: '1.0.0', config: { uri: `${receiverUrl}/wrong` } },
      },
    });
    const err = await rejection(s.client.eventHookApi.verifyEventHook({ eventHookId: hook.id as string }));
    expect(err.status).toBe(400);
    expect(err.errorCode).toBe('E0000001');
    expect((await s.client.eventHookApi.getEventHook({ eventHookId: hook.id as string })).verificationStatus).toBe('UNVERIFIED');
    const active = await rejection(s.client.eventHookApi.deleteEventHook({ eventHookId: hook.id as string }));
    expect(active.status).toBe(403);
    await s.client.eventHookApi.deactivateEventHook({ eventHookId: hook.id as string });
    await s.client.eventHookApi.deleteEventHook({ eventHookId: hook.id as string });
    expect((await rejection(s.client.eventHookApi.getEventHook({ eventHookId: hook.id as string }))).errorCode).toBe('E0000007');
  });

  it('retries once on a 5xx, never on a 4xx', async () => {
    answers.set('/five', 503);
    answers.set('/four', 404);
    for (const path of ['/five', '/four']) {
      const h = await s.client.eventHookApi.createEventHook({
        eventHook: {
          name: path,
          events: { type: 'EVENT_TYPE', items: ['group.lifecycle.create'] },
          channel: { type: 'HTTP', version: '1.0.0', config: { uri: `${receiverUrl}${path}` } },
        },
      });
      await s.client.eventHookApi.verifyEventHook({ eventHookId: h.id as string });
    }
    await s.client.groupApi.createGroup({ group: { profile: { name: 'Retry me' } } });
    const byUrl = async (path: string) =>
      ((await s.control('GET', 'outbox?kind=event_hook')).body.deliveries as Json[]).find((d) => d.url === `${receiverUrl}${path}`);
    const four = await within(5000, async () => {
      const d = await byUrl('/four');
      return d?.status === 'failed' ? d : undefined;
    });
    expect(four.attempts).toHaveLength(1);
    const five = await within(5000, async () => {
      const d = await byUrl('/five');
      return d?.attempts.length === 1 && d.status === 'pending' ? d : undefined;
    });
    expect(five.nextAttemptAt).toBeTruthy();
    // An hour passes on the org's clock: the one retry is made, and no more.
    await s.control('POST', 'clock', { advance: '1h' });
    const done = await within(5000, async () => {
      const d = await byUrl('/five');
      return d?.status === 'failed' ? d : undefined;
    });
    expect(done.attempts).toHaveLength(2);
  });
});
