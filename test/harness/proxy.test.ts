// The grader's recording proxy: vendor requests forwarded unchanged (Host kept), /_twin/ refused in every spelling and recorded as an attempt, every request recorded with its phase, credentials redacted, the record bounded, and the real Slack twin's URLs pointing back through it.

import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseTarget, type ProxyRecord, redact, startTrialProxy, type TrialProxy } from '../../harness/proxy.ts';
import { ControlClient } from '../../scenarios/support/control-client.ts';
import { startTwins } from '../../src/cli/up.ts';

/** A stand-in twin that answers every request with what it received. */
let echo: Server;
let echoUrl: string;
const seen: { method: string; url: string; host: string; body: string }[] = [];

beforeAll(async () => {
  echo = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', body });
      if (req.url?.startsWith('/api/fail')) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-oauth-scopes': 'chat:write' });
        res.end(JSON.stringify({ ok: false, error: 'channel_not_found' }));
        return;
      }
      if (req.url?.startsWith('/drop')) {
        req.socket.destroy();
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-oauth-scopes': 'chat:write' });
      res.end(JSON.stringify({ ok: true, url: req.url, host: req.headers.host, body }));
    });
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => echo.close(() => r())));

/** A raw HTTP request, so that the target goes on the wire exactly as written (fetch would normalise it). */
function raw(
  base: string,
  target: string,
  opts: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: u.hostname, port: u.port, method: opts.method ?? 'GET', path: target, headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function withProxy<T>(fn: (p: TrialProxy, inspected: { r: ProxyRecord; text: string }[]) => Promise<T>, limits = {}): Promise<T> {
  const inspected: { r: ProxyRecord; text: string }[] = [];
  const p = await startTrialProxy({
    twins: { slack: { url: echoUrl, control: `${echoUrl}/_twin` } },
    inspect: (r, text) => inspected.push({ r, text }),
    limits,
  });
  try {
    return await fn(p, inspected);
  } finally {
    await p.close();
  }
}

/** Records arrive when the exchange has ended; wait for them with a bound. */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('normaliseTarget', () => {
  it.each([
    '/_twin/tenants',
    '/_twin',
    '/_TWIN/tenants',
    '/%5Ftwin/tenants',
    '/%5ftwin/faults',
    '/%255Ftwin/journal',
    '/api/../_twin/tenants',
    '/api/%2e%2e/_twin/tenants',
    '/api/%2E%2E/%5Ftwin/scopes',
    '/api%2F..%2F_twin/tenants',
    '/api/..%5C_twin/tenants',
    '/api\\..\\_twin/tenants',
    '/./_twin/reset',
    '/api/x/../../_twin/clock',
    '/_twin;x=1/tenants',
    '/_twin%00/tenants',
    '/api/chat.postMessage/../../_twin/outbox?x=1',
  ])('names %s a control-plane request', (target) => {
    expect(normaliseTarget(target).control).toBe(true);
  });

  it('leaves vendor paths alone, query and dot-segments aside', () => {
    expect(normaliseTarget('/api/chat.postMessage?channel=C1')).toEqual({ path: '/api/chat.postMessage', control: false, invalid: false });
    expect(normaliseTarget('/api/./x/../conversations.history')).toEqual({
      path: '/api/conversations.history',
      control: false,
      invalid: false,
    });
    expect(normaliseTarget('/rest/api/3/issue/OPS-1').control).toBe(false);
  });

  it('calls targets that are not a plain path invalid', () => {
    expect(normaliseTarget('http://127.0.0.1:1/api/x').invalid).toBe(true);
    expect(normaliseTarget('//evil/api/x').invalid).toBe(true);
    expect(normaliseTarget('*').invalid).toBe(true);
  });
});

describe('redact', () => {
  it('hides credentials in forms, JSON and headers-like text, and keeps the rest', () => {
    const text = redact(
      'token=xoxb-1-2-abc&channel=C1&text=hello\n{"client_secret":"s3cr3t","text":"kept"}\nBearer abc.def and xoxp-9-9-zz',
    );
    expect(text).not.toMatch(/xoxb-1-2-abc|s3cr3t|abc\.def|xoxp-9-9-zz/);
    expect(text).toContain('channel=C1');
    expect(text).toContain('"text":"kept"');
  });
});

describe('startTrialProxy', () => {
  it('forwards vendor requests unchanged, with the Host header the caller sent, and records them by phase', async () => {
    await withProxy(async (p, inspected) => {
      const base = p.url('slack');
      const r = await raw(base, '/api/chat.postMessage?x=1', {
        method: 'POST',
        body: 'channel=C1&text=hello+world+canary-0123456789abcdef&token=xoxb-secret-1',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer xoxb-secret-2' },
      });
      expect(r.status).toBe(201);
      expect(r.headers['x-oauth-scopes']).toBe('chat:write');
      const answered = JSON.parse(r.body) as { url: string; host: string; body: string };
      expect(answered.url).toBe('/api/chat.postMessage?x=1');
      expect(answered.host).toBe(new URL(base).host);
      expect(answered.body).toBe('channel=C1&text=hello+world+canary-0123456789abcdef&token=xoxb-secret-1');

      p.setPhase('app');
      await raw(base, '/api/fail', { method: 'POST', body: '{"channel":"C9"}', headers: { 'content-type': 'application/json' } });
      await until(() => p.records().length === 2);
      const [first, second] = p.records();
      expect(first).toMatchObject({ twin: 'slack', phase: 'agent', method: 'POST', path: '/api/chat.postMessage', status: 201 });
      expect(first.summary).toContain('hello+world');
      expect(first.summary).not.toContain('xoxb-secret');
      expect(second).toMatchObject({ phase: 'app', path: '/api/fail', status: 200, error: 'channel_not_found' });
      // The inspector sees the decoded text (a step's spaces travel as +), unredacted and whole.
      expect(inspected[0].text).toContain('hello world canary-0123456789abcdef');
    });
  });

  it('refuses /_twin/ in every spelling with 403 JSON, never reaches the twin, and keeps each as an attempt', async () => {
    await withProxy(async (p) => {
      const before = seen.length;
      const targets = ['/_twin/tenants', '/%5Ftwin/faults', '/api/..%2F_twin/journal', '/api/%2e%2e/_twin/reset', '/_TWIN/scopes'];
      for (const t of targets) {
        const r = await raw(p.url('slack'), t, {
          method: 'DELETE',
          body: '{"id":"x"}',
          headers: { authorization: 'Bearer xoxb-a', 'content-type': 'application/json' },
        });
        expect(r.status).toBe(403);
        expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'forbidden' } });
      }
      // Absolute-form targets are refused too, whatever they name.
      const abs = await raw(p.url('slack'), `${echoUrl}/_twin/tenants`);
      expect(abs.status).toBe(403);
      expect(seen.length).toBe(before);
      await until(() => p.attempts().length === targets.length + 1);
      expect(p.attempts().map((a) => a.path)).toEqual(expect.arrayContaining(['/_twin/tenants', '/_twin/faults', '/_twin/journal']));
      expect(p.attempts().every((a) => a.refused && a.status === 403)).toBe(true);
    });
  });

  it('keeps at most the bounded number of records, counts the rest, still inspects them, and keeps attempts apart', async () => {
    await withProxy(
      async (p, inspected) => {
        for (let i = 0; i < 5; i++) await raw(p.url('slack'), `/api/n${i}`, { method: 'POST', body: 'x'.repeat(100) });
        await raw(p.url('slack'), '/_twin/tenants');
        await until(() => inspected.length === 6);
        expect(p.records()).toHaveLength(3);
        expect(p.dropped).toBe(3);
        expect(p.attempts()).toHaveLength(1);
        expect(p.records()[0].summary.length).toBeLessThanOrEqual(10);
      },
      { records: 3, summaryChars: 10 },
    );
  });

  it('breaks the connection when the twin drops it, as the twin meant', async () => {
    await withProxy(async (p) => {
      await expect(raw(p.url('slack'), '/drop')).rejects.toThrow();
      await until(() => p.records().length === 1);
      expect(p.records()[0].status).toBe(502);
    });
  });

  it('rewrites only the twin URLs of an environment to the proxy', async () => {
    await withProxy(async (p) => {
      const env = p.rewriteEnv({ SLACK_API_URL: `${echoUrl}/api/`, SLACK_BOT_TOKEN: 'xoxb-1', OTHER: 'http://elsewhere/' });
      expect(env).toEqual({ SLACK_API_URL: `${p.url('slack')}/api/`, SLACK_BOT_TOKEN: 'xoxb-1', OTHER: 'http://elsewhere/' });
    });
  });
});

describe('startTrialProxy in front of the Slack twin', () => {
  it('serves the vendor API through the proxy with the twin answering in its own words, and the control plane never', async () => {
    const token = 'control-token-for-test';
    const { running, summary } = await startTwins({
      twins: ['slack'],
      host: '127.0.0.1',
      port: 0,
      seed: 1,
      rateLimits: false,
      controlToken: token,
    });
    const s = summary.slack as { url: string; control: string };
    const p = await startTrialProxy({ twins: { slack: { url: s.url, control: s.control, token } } });
    try {
      const tenant = await new ControlClient(s.control, undefined, token).createTenant({ seed: 1 });
      const env = p.rewriteEnv(tenant.env);
      // The twin's URL for a tenant other than the default names it (`/t/<tenantId>/`, issue 11); only the origin changes.
      expect(env.SLACK_API_URL).toBe(`${p.url('slack')}${new URL(tenant.env.SLACK_API_URL).pathname}`);
      expect(env.SLACK_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+(\/t\/[A-Za-z0-9._-]+)?\/api\/$/);
      const auth = await fetch(`${env.SLACK_API_URL}auth.test`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.SLACK_BOT_TOKEN}` },
      });
      const body = (await auth.json()) as { ok: boolean; url?: string };
      expect(body.ok).toBe(true);
      // The twin's absolute URLs follow the Host header, so they point back through the proxy.
      if (body.url) expect(body.url).not.toContain(new URL(s.url).host);
      // Even the control token does not open the control plane through the proxy.
      const r = await fetch(`${p.url('slack')}/_twin/tenants`, { headers: { authorization: `Bearer ${token}` } });
      expect(r.status).toBe(403);
    } finally {
      await p.close();
      await Promise.all([...running.values()].map((t) => t.close()));
    }
  });
});
