// Issue 9's reproductions, one test each (built-in names are in regressions-builtins.test.ts): deep JSON, the clock, snapshots, faults, the journal's memory, paths, Host, tenant ids, HEAD, slow headers.

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { JsonMap, type Kernel } from '../../src/kernel/index.ts';
import * as store from '../../twins/slack/store.ts';
import { type SlackState, TS_MAX_MICROS } from '../../twins/slack/store.ts';
import { BASE, CONTROL_TOKEN, type Json, slack, slackKernel } from './slack-harness.ts';
import { deepJson, heapAfterGc, makeKernel } from './support.ts';

describe('JSON nested thousands deep', () => {
  let s: Awaited<ReturnType<typeof slackKernel>>;
  beforeAll(async () => {
    s = await slackKernel();
  });
  afterAll(() => s.kernel.close());

  it('is refused with invalid_json, stored nowhere, and every reader still works, for every tenant', async () => {
    const channel = await s.channel();
    for (const field of ['metadata', 'blocks', 'attachments']) {
      const res = await s.kernel.fetch(`${BASE}/api/chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${s.envOf().SLACK_BOT_TOKEN}` },
        body: `{"channel":"${channel}","text":"deep","${field}":${deepJson(5000, 'mixed')}}`,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: false, error: 'invalid_json' });
    }
    // The same depth inside a form field Slack parses as JSON (blocks=…) is refused as well.
    const form = await s.kernel.fetch(`${BASE}/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${s.envOf().SLACK_BOT_TOKEN}` },
      body: `channel=${channel}&text=x&blocks=${encodeURIComponent(deepJson(5000))}`,
    });
    expect(((await form.json()) as Json).ok).toBe(false);
    const history = await s.api('conversations.history', { channel });
    expect(history.body.ok).toBe(true);
    expect((history.body.messages as Json[]).some((m) => m.text === 'deep')).toBe(false);
    expect((await s.control('GET', 'snapshot')).status).toBe(200);
  });

  it('is refused on the control plane too (an act carrying deep blocks), leaving snapshots readable', async () => {
    const channel = await s.channel();
    const res = await s.control(
      'POST',
      'slack/act/message',
      `{"user":"alice","channel":"${channel}","text":"deep act","blocks":${deepJson(5000)}}`,
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await s.control('GET', 'snapshot')).status).toBe(200);
    const history = await s.api('conversations.history', { channel });
    expect((history.body.messages as Json[]).some((m) => m.text === 'deep act')).toBe(false);
  });

  it('one unauthenticated deep request does not break GET /_twin/journal', async () => {
    const res = await s.kernel.fetch(`${BASE}/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"channel":"C1","x":${deepJson(5000, 'object')}}`,
    });
    expect(res.status).toBe(200);
    const journal = await s.control('GET', 'journal');
    expect(journal.status).toBe(200);
    expect(journal.body.entries.length).toBeGreaterThan(0);
  });
});

describe('the clock', () => {
  let s: Awaited<ReturnType<typeof slackKernel>>;
  beforeAll(async () => {
    s = await slackKernel();
  });
  afterAll(() => s.kernel.close());

  it('refuses advance: 1e308 (and other impossible moves) with 400 and does not apply them', async () => {
    const before = (await s.control('GET', 'clock')).body.now as number;
    const bodies: Json[] = [
      { advance: 1e308 },
      { advance: -1 },
      { advance: '1e308' },
      { to: '2300-01-01T00:00:00Z' },
      { to: 1e308 },
      { mode: 'warp' },
      // Valid parts with an invalid one: a 400 means none of it happened.
      { to: before + 60_000, advance: 1e308 },
      { mode: 'real', advance: 1e308 },
    ];
    for (const body of bodies) {
      const res = await s.control('POST', 'clock', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const after = (await s.control('GET', 'clock')).body;
      expect(after.now, JSON.stringify(body)).toBe(before);
      expect(after.mode, JSON.stringify(body)).toBe('virtual');
    }
  });

  it('keeps every message with a vendor-shaped, unique, ordered ts after refused moves', async () => {
    await s.control('POST', 'clock', { advance: 1e308 });
    const channel = await s.channel();
    const posted: string[] = [];
    for (let i = 0; i < 3; i++) posted.push((await s.api('chat.postMessage', { channel, text: `after ${i}` })).body.ts);
    for (const ts of posted) expect(ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(new Set(posted).size).toBe(3);
    const history = await s.api('conversations.history', { channel, limit: 1000 });
    const texts = (history.body.messages as Json[]).map((m) => m.text);
    for (let i = 0; i < 3; i++) expect(texts).toContain(`after ${i}`);
  });

  it('the Slack ts stays 10.6 digits, unique and increasing whatever the clock says (2300, Infinity, NaN, before 2001)', () => {
    const state = { counters: { tsMicros: 0, id: 0, event: 0, mint: 0 }, messages: new JsonMap() } as unknown as SlackState;
    const seen: string[] = [];
    for (const now of [Date.UTC(2300, 0, 1), Date.UTC(2300, 0, 1), Number.POSITIVE_INFINITY, Number.NaN, 5, -1e12, Date.UTC(2026, 0, 1)]) {
      seen.push(store.nextTs(state, now));
    }
    for (const ts of seen) expect(ts).toMatch(/^\d{10}\.\d{6}$/);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
    expect(store.tsToMicros(seen[0])).toBeLessThanOrEqual(TS_MAX_MICROS);
  });

  it('a snapshot whose ts counter is broken or behind its messages still gets unique ts per channel', () => {
    const state = { counters: { tsMicros: Number.NaN, id: 0, event: 0, mint: 0 }, messages: new JsonMap() } as unknown as SlackState;
    const first = { type: 'message', ts: '1767600000.000001', text: 'a' } as store.SlackMessage;
    store.storeMessage(state, 'C1', first);
    // A counter behind the stored messages (a hand-edited snapshot) hands out a taken ts; storing moves it on.
    state.counters.tsMicros = 0;
    const clash = { type: 'message', ts: '1767600000.000001', text: 'b' } as store.SlackMessage;
    store.storeMessage(state, 'C1', clash);
    expect(clash.ts).not.toBe(first.ts);
    expect([...(state.messages.get('C1')?.byTs.keys() ?? [])].sort()).toEqual([first.ts, clash.ts].sort());
    state.counters.tsMicros = Number.NaN;
    expect(store.tsToMicros(store.nextTs(state, Date.UTC(2026, 0, 1)))).toBeGreaterThan(store.tsToMicros(clash.ts));
  });
});

describe('snapshot restore', () => {
  let s: Awaited<ReturnType<typeof slackKernel>>;
  beforeAll(async () => {
    s = await slackKernel();
  });
  afterAll(() => s.kernel.close());

  it('a tenant with state {} is refused with 400, replaces nothing, and GET /_twin/tenants still answers', async () => {
    const before = JSON.stringify(s.kernel.tenants.default().state);
    const res = await s.control('PUT', 'snapshot', { twin: 'slack', version: 1, tenants: [{ id: 'default', seed: 3, state: {} }] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(s.kernel.tenants.default().state)).toBe(before);
    expect((await s.control('GET', 'tenants')).status).toBe(200);
    expect((await s.api('auth.test')).body.ok).toBe(true);
  });

  it('is all or nothing: a good tenant then a bad one restores neither', async () => {
    const snap = (await s.control('GET', 'snapshot', undefined, { 'x-twin-tenant': 'default' })).body;
    const channel = await s.channel();
    await s.api('chat.postMessage', { channel, text: 'after the snapshot' });
    const before = JSON.stringify(s.kernel.tenants.default().state);
    const res = await s.control('PUT', 'snapshot', {
      ...snap,
      tenants: [...snap.tenants, { id: 'other', seed: 1, state: { nope: true } }],
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(s.kernel.tenants.default().state)).toBe(before);
    expect(s.kernel.tenants.get('other')).toBeUndefined();
  });
});

describe('a control-plane 4xx means nothing happened', () => {
  let s: Awaited<ReturnType<typeof slackKernel>>;
  beforeAll(async () => {
    s = await slackKernel();
  });
  afterAll(() => s.kernel.close());

  it('a channel whose member list names nobody known is refused and not created', async () => {
    const before = JSON.stringify(s.kernel.tenants.default().state);
    const res = await s.control('POST', 'slack/channels', { name: 'half-made', members: ['alice', 'nobody-by-this-name'] });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(s.kernel.tenants.default().state)).toBe(before);
    const list = await s.api('conversations.list', { limit: 1000 });
    expect((list.body.channels as Json[]).some((c) => c.name === 'half-made')).toBe(false);
  });

  it('a person posting nothing into a channel they are not in is refused without joining it', async () => {
    const created = await s.control('POST', 'slack/channels', { name: 'quiet-room' });
    expect(created.status).toBe(200);
    const before = JSON.stringify(s.kernel.tenants.default().state);
    for (const body of [{}, { text: '  ' }, { blocks: '{not json' }, { blocks: [] }]) {
      const res = await s.control('POST', 'slack/act/message', { user: 'bob', channel: '#quiet-room', ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(JSON.stringify(s.kernel.tenants.default().state)).toBe(before);
  });
});

describe('faults are range-checked', () => {
  let s: Awaited<ReturnType<typeof slackKernel>>;
  beforeAll(async () => {
    s = await slackKernel();
  });
  afterAll(() => s.kernel.close());

  const bad: [string, Json][] = [
    ['status 100 (would hang the next call)', { status: 100 }],
    ['status 7', { status: 7 }],
    ['status 0', { status: 0 }],
    ['status 600', { status: 600 }],
    ['status as text', { status: 'abc' }],
    ['a latency of 25 days', { latencyMs: 25 * 86_400_000 }],
    ['a latency as text', { latency: '25d' }],
    ['a negative latency', { latencyMs: -5 }],
    ['Retry-After that is no number', { rateLimit: { retryAfter: 'soon' } }],
    ['Retry-After of a year', { rateLimit: { retryAfter: 31_536_000 } }],
    ['rateLimit: null', { rateLimit: null }],
    ['count as an object', { status: 500, count: {} }],
    ['count 0', { status: 500, count: 0 }],
    ['probability as text', { status: 500, probability: 'often' }],
    ['drop as text', { drop: 'yes' }],
    ['an error code with a newline', { error: 'a\nb' }],
  ];
  for (const [what, fields] of bad) {
    it(`refuses ${what} with 400 and arms nothing`, async () => {
      // Each case on its own: a fault a broken check armed must not fail the next case.
      s.kernel.faults.disarm();
      const res = await s.control('POST', 'faults', { operation: 'auth.test', ...fields });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(typeof res.body.error?.code).toBe('string');
      expect((await s.control('GET', 'faults')).body.faults).toEqual([]);
      // The next call is answered, normally and at once.
      const next = await Promise.race([s.api('auth.test'), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 2000).unref())]);
      expect(next === 'hung' ? next : next.body.ok).toBe(true);
    });
  }

  it('a fault within range still works (status 503, Retry-After 7)', async () => {
    s.kernel.faults.disarm();
    expect((await s.control('POST', 'faults', { operation: 'auth.test', status: 503, count: 1 })).status).toBe(201);
    expect((await s.api('auth.test')).status).toBe(503);
    expect((await s.control('POST', 'faults', { operation: 'auth.test', rateLimit: { retryAfter: 7 }, count: 1 })).status).toBe(201);
    const limited = await s.kernel.fetch(`${BASE}/api/auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.envOf().SLACK_BOT_TOKEN}` },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
  });
});

describe('the journal under a flood of unauthenticated bodies', () => {
  let s: Awaited<ReturnType<typeof slackKernel>>;
  beforeAll(async () => {
    s = await slackKernel();
  });
  afterAll(() => s.kernel.close());

  it('250 requests of 1 MB without a valid token keep the heap flat, and no body is journaled', async () => {
    // About 1 MB in strings each within the edge's bounds, so it is the credential that is refused.
    const body = JSON.stringify({ channel: 'C1', text: 'x'.repeat(400_000), username: 'y'.repeat(400_000), icon_url: 'z'.repeat(240_000) });
    expect(body.length).toBeGreaterThan(1_000_000);
    // Warm up: the first requests compile validators and allocate lasting structures.
    for (let i = 0; i < 5; i++) await s.api('chat.postMessage', JSON.parse(body), 'xoxb-not-a-token');
    const before = heapAfterGc();
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < 250; i++) {
      const res = await s.kernel.fetch(`${BASE}/api/chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-not-a-token' },
        body,
      });
      expect(((await res.json()) as Json).error).toBe('invalid_auth');
    }
    const grown = heapAfterGc() - before;
    expect(grown, `heap grew by ${Math.round(grown / 1024 / 1024)} MB`).toBeLessThan(16 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
    const entries = (await s.control('GET', 'journal?limit=300')).body.entries as Json[];
    expect(entries.length).toBeGreaterThanOrEqual(250);
    expect(entries.every((e) => e.args === undefined)).toBe(true);
  });

  it('keeps bounded, redacted summaries of what a tenant sent', async () => {
    const channel = await s.channel();
    const token = s.envOf().SLACK_BOT_TOKEN;
    await s.api('chat.postMessage', { channel, text: 'y'.repeat(30_000), token }, null);
    const [entry] = (await s.control('GET', 'journal?operation=chat.postMessage&limit=1')).body.entries as Json[];
    expect(entry.args.channel).toBe(channel);
    expect(JSON.stringify(entry)).not.toContain(token);
    expect(entry.args.text.length).toBeLessThan(4096);
    expect(JSON.stringify(entry).length).toBeLessThan(16_384);
  });
});

/** One raw HTTP/1.1 exchange: what a client that builds its own bytes gets back (status line and body). */
function rawHttp(port: number, request: string, timeoutMs = 5000): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(request.slice(0, 120))}`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n') });
    });
    socket.write(request);
  });
}

describe('over raw HTTP, locked', () => {
  let kernel: Kernel<unknown, unknown>;
  let twin: RunningTwin;
  let secrets: string[];
  beforeAll(async () => {
    kernel = await makeKernel(slack, { seed: 3, controlToken: CONTROL_TOKEN });
    kernel.createTenant({ id: 'witness', seed: 11 });
    secrets = kernel.def.credentialKeys((kernel.tenants.get('witness') as { state: unknown }).state).filter((k) => k.length > 12);
    twin = await serve(kernel);
  });
  afterAll(() => twin.close());

  const get = (path: string, headers: string[] = [], method = 'GET') =>
    rawHttp(
      twin.port,
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${twin.port}\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`,
    );

  it('no dot-segment or escaped path reaches the control plane with a vendor token, or shows any tenant credential', async () => {
    const bot = kernel.env(kernel.tenants.default() as never, twin.url).SLACK_BOT_TOKEN;
    for (const path of [
      '/api/%2e%2e/_twin/tenants',
      '/api/%2E%2E/_twin/tenants',
      '/api/../_twin/tenants',
      '/api/..%2f_twin/tenants',
      '/api/%2e%2e%2f_twin%2ftenants',
      '/%5Ftwin/tenants',
      '/api/.%2e/_twin/snapshot',
      '/api/%2e%2e/_twin/snapshot?tenant=witness',
    ]) {
      const res = await get(path, [`Authorization: Bearer ${bot}`]);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      for (const secret of secrets) expect(res.body, path).not.toContain(secret);
    }
  });

  it('a missing or malformed Host is not answered invalid_json, and is never copied into the URLs handed back', async () => {
    const bot = kernel.env(kernel.tenants.default() as never, twin.url).SLACK_BOT_TOKEN;
    const http10 = await rawHttp(twin.port, `POST /api/auth.test HTTP/1.0\r\nAuthorization: Bearer ${bot}\r\nContent-Length: 0\r\n\r\n`);
    expect(http10.body).not.toContain('invalid_json');
    for (const host of ['evil.test/../x', 'a b', 'x"y<z>', '[::1', 'evil.test:99999']) {
      const res = await rawHttp(
        twin.port,
        `GET /_twin/tenants/default HTTP/1.1\r\nHost: ${host}\r\nX-Twin-Control-Token: ${CONTROL_TOKEN}\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status, host).toBeLessThan(500);
      expect(res.body, host).not.toContain('invalid_json');
      expect(res.body, host).not.toContain(host);
    }
  });

  it('HEAD answers with the same status as GET on every route, locked or not', async () => {
    const paths = [
      '/_twin/health',
      '/_twin/tenants',
      '/_twin/tenants/default',
      '/_twin/tenants/witness',
      '/_twin/tenants/nope',
      '/_twin/snapshot',
      '/_twin/journal',
      '/api/auth.test',
    ];
    for (const path of paths) {
      const g = await get(path);
      const h = await get(path, [], 'HEAD');
      expect(h.status, `HEAD ${path}`).toBe(g.status);
      expect(h.body, `HEAD ${path}`).toBe('');
    }
  });

  it('closes connections whose headers never finish', async () => {
    const server = twin.server.server;
    expect(server.headersTimeout, 'headersTimeout').toBeGreaterThan(0);
    expect(server.headersTimeout, 'headersTimeout').toBeLessThanOrEqual(30_000);
    expect(server.requestTimeout, 'requestTimeout').toBeGreaterThan(0);
    expect(server.requestTimeout, 'requestTimeout').toBeLessThanOrEqual(120_000);
    const interval = (server as unknown as { connectionsCheckingInterval?: number }).connectionsCheckingInterval ?? 30_000;
    const limit = server.headersTimeout + interval + 2000;
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(twin.port, '127.0.0.1');
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, limit);
      socket.on('error', () => {});
      // Read what comes (a 408): an unread socket never sees its end, so never closes.
      socket.resume();
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.write('GET /_twin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    });
    expect(closed).toBe(true);
  }, 60_000);
});

describe('tenant ids have a format', () => {
  let s: Awaited<ReturnType<typeof slackKernel>>;
  beforeAll(async () => {
    s = await slackKernel(CONTROL_TOKEN);
  });
  afterAll(() => s.kernel.close());

  for (const [what, id] of [
    ['a NUL', 'a\u0000b'],
    ['100,000 characters', 'x'.repeat(100_000)],
    ['a line break', 'a\r\nb'],
  ] as [string, string][]) {
    it(`refuses an id with ${what}`, async () => {
      const before = s.kernel.tenants.list().length;
      const res = await s.control('POST', 'tenants', { id });
      expect(res.status).toBe(400);
      expect(s.kernel.tenants.list().length).toBe(before);
    });
  }
});
