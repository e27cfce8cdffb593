import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Clock } from '../../src/kernel/clock.ts';
import { Outbox } from '../../src/kernel/outbox.ts';

type Answer = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function receiver(
  answer: Answer,
): Promise<{ url: string; server: Server; seen: { headers: IncomingMessage['headers']; body: string }[] }> {
  const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server, seen };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('Outbox', () => {
  it('retries on failure after the configured delays on the tenant clock, rebuilding each attempt', async () => {
    let calls = 0;
    const r = await receiver((_req, res) => {
      calls++;
      res.writeHead(calls < 3 ? 500 : 200).end('ok');
    });
    servers.push(r.server);
    const clock = new Clock('virtual', Date.parse('2026-01-01T00:00:00Z'));
    const outbox = new Outbox();
    const d = outbox.enqueue({
      tenantId: 't1',
      kind: 'event',
      url: r.url,
      clock,
      timeoutMs: 1000,
      retryDelaysMs: [60_000, 300_000],
      build: ({ number, lastReason }) => ({ headers: { 'x-attempt': String(number), 'x-reason': lastReason ?? '' }, body: '{"n":1}' }),
    });
    const first = await outbox.firstAttempt(d.id);
    expect(first).toMatchObject({ number: 1, status: 500, outcome: 'retry', reason: 'http_error' });
    expect(outbox.get(d.id)?.status).toBe('pending');
    await clock.advance(60_000);
    await waitFor(() => outbox.get(d.id)?.attempts.length === 2);
    await clock.advance(300_000);
    const settled = await outbox.settled(d.id);
    expect(settled.status).toBe('delivered');
    expect(settled.attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'delivered']);
    expect(r.seen.map((s) => s.headers['x-attempt'])).toEqual(['1', '2', '3']);
    expect(r.seen[1].headers['x-reason']).toBe('http_error');
  });

  it('keeps a delivery queryable as failed when the receiver is down, with every attempt logged', async () => {
    const clock = new Clock('virtual', 0);
    const outbox = new Outbox();
    const d = outbox.enqueue({
      tenantId: 't1',
      kind: 'event',
      url: 'http://127.0.0.1:9/nothing-listens-here',
      clock,
      timeoutMs: 1000,
      retryDelaysMs: [10],
      build: () => ({ headers: {}, body: 'x' }),
    });
    await outbox.firstAttempt(d.id);
    await clock.advance(10);
    const settled = await outbox.settled(d.id);
    expect(settled.status).toBe('failed');
    expect(settled.attempts).toHaveLength(2);
    expect(settled.attempts[0].reason).toBe('connection_failed');
    expect(outbox.list({ status: 'failed' }).map((x) => x.id)).toEqual([d.id]);
  });

  it('gives up on a slow receiver at the timeout and says so', async () => {
    const r = await receiver(() => {
      /* never answers */
    });
    servers.push(r.server);
    const outbox = new Outbox();
    const d = outbox.enqueue({
      tenantId: 't',
      kind: 'event',
      url: r.url,
      clock: new Clock('virtual', 0),
      timeoutMs: 150,
      retryDelaysMs: [],
      build: () => ({ headers: {}, body: 'x' }),
    });
    const a = await outbox.firstAttempt(d.id);
    expect(a).toMatchObject({ outcome: 'failed', reason: 'http_timeout' });
    r.server.closeAllConnections();
  });

  it('bounds how many deliveries are in flight at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const r = await receiver((_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end('ok');
      }, 20);
    });
    servers.push(r.server);
    const outbox = new Outbox({ concurrency: 3 });
    const clock = new Clock('virtual', 0);
    const ids = Array.from(
      { length: 12 },
      () =>
        outbox.enqueue({
          tenantId: 't',
          kind: 'e',
          url: r.url,
          clock,
          timeoutMs: 2000,
          retryDelaysMs: [],
          build: () => ({ headers: {}, body: 'x' }),
        }).id,
    );
    await Promise.all(ids.map((id) => outbox.settled(id)));
    expect(peak).toBeLessThanOrEqual(3);
    expect(outbox.list({ status: 'delivered' })).toHaveLength(12);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
