import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { GENERIC_ROUTES } from '../../src/control/control-plane.ts';
import { createKernel, type Kernel } from '../../src/index.ts';
import { type ToyState, toyTwin } from './toy-twin.ts';

// biome-ignore lint/suspicious/noExplicitAny: control-plane answers are read field by field; tests assert their shape.
type Json = Record<string, any>;

let twin: RunningTwin;
let kernel: Kernel<ToyState, { token: string }>;
const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${twin.url}/_twin/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
};
const api = (token: string, path: string, init: RequestInit = {}) =>
  fetch(`${twin.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
const post = (token: string, text: string) => api(token, '/notes', { method: 'POST', body: JSON.stringify({ text }) });

beforeAll(async () => {
  kernel = createKernel(toyTwin, { seed: 3, rateLimits: false });
  twin = await serve(kernel as never);
});
afterAll(() => twin.close());
beforeEach(async () => {
  await control('POST', 'reset');
  await control('POST', 'rate-limits', { enabled: false });
});

const defaultToken = () => kernel.tenants.default().state.token;

describe('control plane', () => {
  it('filters the outbox by a kind it knows, and refuses one it does not with a 400', async () => {
    const known = await control('GET', 'outbox?kind=webhook');
    expect(known.status).toBe(200);
    const unknown = await control('GET', 'outbox?kind=__proto__');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('invalid_argument');
    expect(unknown.body.error.message).toContain('event_callback');
  });

  it('reports health', async () => {
    const { status, body } = await control('GET', 'health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', twin: 'toy', tenants: 1 });
  });

  it('creates tenants whose state and credentials are isolated', async () => {
    const a = (await control('POST', 'tenants', { seed: 11 })).body;
    const b = (await control('POST', 'tenants', { seed: 11 })).body;
    expect(a.env.TOY_TOKEN).not.toBe(b.env.TOY_TOKEN);
    await post(a.env.TOY_TOKEN, 'only in a');
    const inB = await (await api(b.env.TOY_TOKEN, '/notes')).json();
    expect(inB.notes).toEqual([]);
    const inA = await (await api(a.env.TOY_TOKEN, '/notes')).json();
    expect(inA.notes.map((n: { text: string }) => n.text)).toEqual(['only in a']);
    expect((await control('GET', `tenants/${a.id}`)).body.id).toBe(a.id);
    expect((await control('GET', 'tenants/nope')).status).toBe(404);
  });

  it('snapshots and restores state as JSON', async () => {
    await post(defaultToken(), 'first');
    const snap = (await control('GET', 'snapshot?tenant=default')).body;
    expect(snap).toMatchObject({ twin: 'toy', version: 1 });
    await post(defaultToken(), 'second');
    expect((await control('PUT', 'snapshot', snap)).status).toBe(200);
    const notes = await (await api(defaultToken(), '/notes')).json();
    expect(notes.notes.map((n: { text: string }) => n.text)).toEqual(['first']);
    expect((await control('PUT', 'snapshot', { ...snap, twin: 'jira' })).body.error.code).toBe('wrong_twin');
  });

  it('resets one tenant to its seeded state', async () => {
    await post(defaultToken(), 'x');
    await control('POST', 'reset?tenant=default');
    expect((await (await api(defaultToken(), '/notes')).json()).notes).toEqual([]);
  });

  it('journals every request with its operation, status and redacted arguments', async () => {
    await post(defaultToken(), 'journaled');
    await api(defaultToken(), '/notes/99');
    const all = (await control('GET', 'journal?tenant=default')).body.entries;
    expect(all.map((e: { operation: string; status: number }) => [e.operation, e.status])).toEqual([
      ['createNote', 201],
      ['getNote', 404],
    ]);
    expect(all[0].args).toEqual({ text: 'journaled' });
    const onlyCreates = (await control('GET', 'journal?operation=createNote')).body.entries;
    expect(onlyCreates).toHaveLength(1);
    const after = (await control('GET', `journal?after=${all[0].seq}`)).body.entries;
    expect(after.map((e: { seq: number }) => e.seq)).toEqual([all[1].seq]);
  });

  it('arms faults: vendor error for a count, then normal service', async () => {
    const armed = await control('POST', 'faults', { operation: 'listNotes', status: 503, error: 'service_unavailable', count: 2 });
    expect(armed.status).toBe(201);
    const r1 = await api(defaultToken(), '/notes');
    const r2 = await api(defaultToken(), '/notes');
    const r3 = await api(defaultToken(), '/notes');
    expect([r1.status, r2.status, r3.status]).toEqual([503, 503, 200]);
    expect((await r1.json()).error).toBe('service_unavailable');
    expect((await control('GET', 'faults')).body.faults).toEqual([]);
  });

  it('arms latency, dropped connections and rate limits', async () => {
    await control('POST', 'faults', { operation: 'listNotes', latency: '150ms', count: 1 });
    const t0 = Date.now();
    await api(defaultToken(), '/notes');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await control('POST', 'faults', { operation: 'listNotes', drop: true, count: 1 });
    await expect(api(defaultToken(), '/notes')).rejects.toThrow();
    await control('POST', 'faults', { operation: 'listNotes', rateLimit: { retryAfter: 7 }, count: 1 });
    const limited = await api(defaultToken(), '/notes');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
  });

  it('fires probabilistic faults about as often as asked', async () => {
    await control('POST', 'faults', { operation: 'listNotes', status: 500, probability: 0.5 });
    let failures = 0;
    for (let i = 0; i < 200; i++) if ((await api(defaultToken(), '/notes')).status === 500) failures++;
    expect(failures).toBeGreaterThan(60);
    expect(failures).toBeLessThan(140);
    expect((await control('DELETE', 'faults')).body.disarmed).toBe(1);
  });

  it('rejects faults it cannot apply, saying why', async () => {
    expect((await control('POST', 'faults', { operation: 'nope', status: 500 })).body.error.code).toBe('unknown_operation');
    expect((await control('POST', 'faults', { operation: 'listNotes' })).body.error.message).toMatch(/needs one of/);
    expect((await control('POST', 'faults', { operation: 'listNotes', latency: 'soon' })).status).toBe(400);
  });

  it('rate-limits per operation on the tenant clock and recovers as time passes', async () => {
    await control('POST', 'rate-limits', { enabled: true });
    const t = (await control('POST', 'tenants', { clock: 'virtual' })).body;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(t.env.TOY_TOKEN, `n${i}`)).status);
    expect(statuses).toEqual([201, 201, 429]);
    const limited = await post(t.env.TOY_TOKEN, 'again');
    expect(Number(limited.headers.get('retry-after'))).toBe(1);
    await control('POST', 'clock', { tenant: t.id, advance: '1s' });
    expect((await post(t.env.TOY_TOKEN, 'after a second')).status).toBe(201);
  });

  it('moves a tenant clock: virtual mode, jump, advance', async () => {
    const t = (await control('POST', 'tenants', {})).body;
    const set = await control('POST', 'clock', { tenant: t.id, mode: 'virtual', to: '2030-01-01T00:00:00Z' });
    expect(set.body).toMatchObject({ mode: 'virtual', iso: '2030-01-01T00:00:00.000Z' });
    const adv = await control('POST', 'clock', { tenant: t.id, advance: '90m' });
    expect(adv.body.iso).toBe('2030-01-01T01:30:00.000Z');
    expect((await control('POST', 'clock', { tenant: t.id, to: '2029-01-01T00:00:00Z' })).status).toBe(400);
  });

  it('answers bad control calls with a clear error, never a 500', async () => {
    const bad = await fetch(`${twin.url}/_twin/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid_json');
    expect((await control('GET', 'nothing-here')).status).toBe(404);
    expect((await control('PUT', 'health')).status).toBe(405);
  });

  it('serves exactly the routes its OpenAPI document describes', async () => {
    const doc = parseYaml(readFileSync(new URL('../../src/control/openapi.yaml', import.meta.url), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => ['get', 'post', 'put', 'delete'].includes(k))
        .map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(new Set(documented)).toEqual(new Set(GENERIC_ROUTES));
    const served = (await control('GET', 'openapi.json')).body;
    expect(Object.keys(served.paths)).toEqual(Object.keys(doc.paths));
  });
});
