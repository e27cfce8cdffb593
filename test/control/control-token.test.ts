// A locked control plane: health and its documents are open, everything else answers the control token only; tenants are named by id.

import { describe, expect, it } from 'vitest';
import { createKernel } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: control-plane answers are checked field by field below.
type Json = Record<string, any>;

const TOKEN = 'control-secret';

function locked() {
  const kernel = createKernel(slackTwin, { seed: 3, rateLimits: false, controlToken: TOKEN });
  const call = async (method: string, path: string, opts: { body?: unknown; admin?: boolean; token?: string } = {}) => {
    const res = await kernel.fetch(`http://twin.test/_twin/${path}`, {
      method,
      headers: {
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.admin ? { 'x-twin-control-token': TOKEN } : opts.token ? { 'x-twin-control-token': opts.token } : {}),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  return { kernel, call };
}

describe('a control plane locked with a token', () => {
  it('answers health and its documents to anyone (GET and HEAD), and everything to the token', async () => {
    const { call, kernel } = locked();
    for (const path of ['health', 'openapi.json', 'contract', 'coverage']) {
      expect((await call('GET', path)).status, path).toBe(200);
      expect((await call('HEAD', path)).status, path).toBe(200);
    }
    const created = await call('POST', 'tenants', { admin: true, body: { seed: 4 } });
    expect(created.status).toBe(201);
    expect((await call('GET', 'tenants', { admin: true })).body.tenants.map((t: Json) => t.id)).toEqual(['default', created.body.id]);
    expect((await call('GET', `journal?tenant=${created.body.id}`, { admin: true })).status).toBe(200);
    expect((await call('DELETE', `tenants/${created.body.id}`, { admin: true })).status).toBe(200);
    expect(kernel.tenants.get(created.body.id)).toBeUndefined();
  });

  it('without the token (or with a wrong one) every other route answers 401 and lists nothing, HEAD included', async () => {
    const { call, kernel } = locked();
    const other = (await call('POST', 'tenants', { admin: true, body: { seed: 4 } })).body;
    const before = JSON.stringify(kernel.tenants.get(other.id)?.state);
    const attempts: [string, string, unknown?][] = [
      ['GET', 'tenants'],
      ['HEAD', 'tenants'],
      ['POST', 'tenants', { seed: 5 }],
      ['GET', `tenants/${other.id}`],
      ['DELETE', `tenants/${other.id}`],
      ['GET', `journal?tenant=${other.id}`],
      ['GET', 'journal'],
      ['DELETE', 'journal'],
      ['GET', `snapshot?tenant=${other.id}`],
      ['POST', `reset?tenant=${other.id}`],
      ['POST', 'reset'],
      ['GET', 'faults'],
      ['DELETE', 'faults'],
      ['GET', `clock?tenant=${other.id}`],
      ['GET', 'outbox'],
      ['POST', 'rate-limits', { enabled: false }],
      ['GET', `slack/app?tenant=${other.id}`],
      ['POST', `slack/act/message?tenant=${other.id}`, { user: 'alice', channel: '#general', text: 'x' }],
      ['GET', 'no/such/route'],
    ];
    for (const token of [undefined, 'wrong', `${TOKEN}x`]) {
      for (const [method, path, body] of attempts) {
        const res = await call(method, path, { body, token });
        expect(res.status, `${method} ${path} with ${token}`).toBe(401);
        if (method !== 'HEAD') expect(res.body.error.code).toBe('control_token_required');
        expect(JSON.stringify(res.body)).not.toContain(other.id);
      }
    }
    expect(kernel.tenants.get(other.id)).toBeDefined();
    expect(JSON.stringify(kernel.tenants.get(other.id)?.state)).toBe(before);
    expect(kernel.limiter.enabled).toBe(false);
  });
});
