import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTwin, serve } from '../../src/adapters/fastify.ts';
import { createKernel, type Kernel } from '../../src/index.ts';
import { type ToyState, toyTwin } from './toy-twin.ts';

describe('kernel over HTTP', () => {
  let twin: RunningTwin;
  let kernel: Kernel<ToyState, { token: string }>;
  let token: string;
  beforeAll(async () => {
    kernel = createKernel(toyTwin, { seed: 7 });
    twin = await serve(kernel as never);
    token = kernel.tenants.default().state.token;
  });
  afterAll(() => twin.close());
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${twin.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

  it('routes, validates and runs an operation', async () => {
    const created = await call('/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(created.status).toBe(201);
    const list = await (await call('/notes?limit=5')).json();
    expect(list.notes).toEqual([{ id: 1, text: 'hi' }]);
  });

  it('answers bad input in the twin shape, never a 500', async () => {
    const bad = await call('/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).kind).toBe('malformed_body');
    const missing = await call('/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await missing.json()).issues[0]).toMatchObject({ name: 'text', keyword: 'required' });
    const wrongType = await call('/notes', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(wrongType.status).toBe(415);
    const big = await call('/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(5000) }),
    });
    expect(big.status).toBe(413);
    expect((await call('/nope')).status).toBe(404);
    const method = await call('/notes/1', { method: 'PUT' });
    expect(method.status).toBe(405);
    const unimpl = await call('/notes/1', { method: 'DELETE' });
    expect(unimpl.status).toBe(501);
    expect((await call('/notes/abc')).status).toBe(400);
  });

  it('rejects unknown credentials', async () => {
    const res = await fetch(`${twin.url}/notes`, { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
  });
});

describe('contract validators', () => {
  it('compile in the background after start, each operation once', async () => {
    const k = createKernel(toyTwin, {});
    await k.validatorsReady;
    expect((k as unknown as { validators: { compiled: number } }).validators.compiled).toBe(k.operations.length);
    k.close();
  });

  it('eager compilation rejects a contract whose schema is broken, at construction', () => {
    const broken = {
      ...toyTwin,
      openapi: {
        ...toyTwin.openapi,
        paths: {
          '/x': {
            get: {
              operationId: 'x',
              parameters: [{ name: 'q', in: 'query', schema: { type: 'integer', minimum: 'zero' } }],
              responses: {},
            },
          },
        },
      },
    } as typeof toyTwin;
    expect(() => createKernel(broken, { compileValidators: 'eager' })).toThrow(/minimum/);
  });
});
