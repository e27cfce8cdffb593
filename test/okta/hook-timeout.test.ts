// Okta's event-hook rule for a receiver that does not answer in time: the 3 s timeout counts as a failure that is retried
// once (as a 5xx is), and the retry that succeeds ends the delivery; every attempt is in the outbox.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Json, type OktaFixture, startOkta } from './support.ts';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

let s: OktaFixture;
let receiver: Server;
let receiverUrl: string;
let posts = 0;

beforeAll(async () => {
  s = await startOkta({ seed: 13 });
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ verification: req.headers['x-okta-verification-challenge'] }));
        return;
      }
      posts++;
      // The first delivery is held past Okta's 3 s timeout; the retry is answered at once.
      if (posts === 1) setTimeout(() => res.writeHead(200).end(), 6000);
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slow`;
});
afterAll(async () => {
  await s?.close();
  receiver?.closeAllConnections();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

async function within<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`nothing within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('event hook deliveries to a slow receiver', () => {
  it('time out after 3 s, are retried once, and end delivered', async () => {
    const hook = await s.client.eventHookApi.createEventHook({
      eventHook: {
        name: 'slow receiver',
        events: { type: 'EVENT_TYPE', items: ['group.lifecycle.create'] },
        channel: { type: 'HTTP', version: '1.0.0', config: { uri: receiverUrl } },
      },
    });
    await s.client.eventHookApi.verifyEventHook({ eventHookId: hook.id as string });
    await s.client.groupApi.createGroup({ group: { profile: { name: 'Slowly announced' } } });
    const delivery = async () =>
      ((await s.control('GET', 'outbox?kind=event_hook')).body.deliveries as Json[]).find((d) => d.url === receiverUrl);
    const first = await within(30_000, async () => {
      const d = await delivery();
      return d && d.attempts.length === 1 && d.status === 'pending' ? d : undefined;
    });
    expect(first.attempts[0].reason).toBe('http_timeout');
    // Not given up before Okta's 3 s (load can only make it later).
    expect(first.attempts[0].durationMs).toBeGreaterThanOrEqual(2900);
    // The retry waits on the org's clock: move it on.
    await s.control('POST', 'clock', { advance: '1h' });
    const done = await within(30_000, async () => {
      const d = await delivery();
      return d?.status === 'delivered' ? d : undefined;
    });
    expect(done.attempts).toHaveLength(2);
    expect(done.attempts[1].status).toBe(200);
    const envelope = JSON.parse(done.body) as Json;
    expect(envelope.eventType).toBe('com.okta.event_hook');
    expect(envelope.data.events[0].eventType).toBe('group.lifecycle.create');
  });
});
