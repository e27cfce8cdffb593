// A locked control plane: the token opens everything; without it a caller reaches only the tenant it names by a credential, and sees only decoys.

import { describe, expect, it } from 'vitest';
import { createKernel } from '../../src/kernel/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: control-plane answers are checked field by field below.
type Json = Record<string, any>;

const TOKEN = 'control-secret';

function locked() {
  const kernel = createKernel(slackTwin, { seed: 3, rateLimits: false, controlToken: TOKEN });
  const call = async (method: string, path: string, opts: { body?: unknown; admin?: boolean } = {}) => {
    const res = await kernel.fetch(`http://twin.test/_twin/${path}`, {
      method,
      headers: {
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.admin ? { 'x-twin-control-token': TOKEN } : {}),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  return { kernel, call };
}

describe('a control plane locked with a token', () => {
  it('answers health and its documents to anyone, and everything to the token', async () => {
    const { call } = locked();
    expect((await call('GET', 'health')).status).toBe(200);
    expect((await call('GET', 'openapi.json')).status).toBe(200);
    const created = await call('POST', 'tenants', { admin: true, body: { seed: 4 } });
    expect(created.status).toBe(201);
    expect((await call('GET', 'tenants', { admin: true })).body.tenants.map((t: Json) => t.id)).toEqual(['default', created.body.id]);
  });

  it('without the token: no admin routes, no tenant by id, and a tenant list holding only decoys', async () => {
    const { call } = locked();
    const other = (await call('POST', 'tenants', { admin: true, body: { seed: 4 } })).body;
    await call('POST', 'tenants', { admin: true, body: { id: 'decoy-1', decoy: true } });
    const refused = await call('POST', 'tenants', { body: { seed: 5 } });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('control_token_required');
    expect((await call('GET', `journal?tenant=${other.id}`)).status).toBe(401);
    expect((await call('GET', 'journal')).status).toBe(401);
    expect((await call('POST', 'rate-limits', { body: { enabled: false, tenant: other.env.SLACK_BOT_TOKEN } })).status).toBe(401);
    expect((await call('DELETE', `tenants/${other.id}`, { body: { tenant: other.env.SLACK_BOT_TOKEN } })).status).toBe(401);
    expect((await call('GET', 'tenants')).body.tenants.map((t: Json) => t.id)).toEqual(['decoy-1']);
  });

  it('a tenant named by its own bot token is reachable, and only that tenant', async () => {
    const { call, kernel } = locked();
    const mine = (await call('POST', 'tenants', { admin: true, body: { seed: 4 } })).body;
    const theirs = (await call('POST', 'tenants', { admin: true, body: { seed: 5 } })).body;
    const me = encodeURIComponent(mine.env.SLACK_BOT_TOKEN);
    const posted = await call('POST', `slack/act/message?tenant=${me}`, { body: { user: 'alice', channel: '#general', text: 'hello' } });
    expect(posted.status).toBe(200);
    const fault = await call('POST', `faults?tenant=${me}`, { body: { operation: 'chat.postMessage', error: 'fatal_error', count: 1 } });
    expect(fault.status).toBe(201);
    const theirFault = (
      await call('POST', 'faults', { admin: true, body: { operation: 'chat.postMessage', error: 'fatal_error', tenant: theirs.id } })
    ).body;
    expect((await call('DELETE', `faults?tenant=${me}&id=${theirFault.id}`)).status).toBe(401);
    expect((await call('GET', `journal?tenant=${me}`)).status).toBe(200);
    const snap = (await call('GET', `snapshot?tenant=${me}`)).body;
    expect(snap.tenants.map((t: Json) => t.id)).toEqual([mine.id]);
    expect((await call('PUT', `snapshot?tenant=${me}`, { body: snap })).status).toBe(200);
    const forged = { ...snap, tenants: [{ ...snap.tenants[0], id: theirs.id }] };
    expect((await call('PUT', `snapshot?tenant=${me}`, { body: forged })).status).toBe(401);
    expect((await call('POST', `reset?tenant=${me}`)).status).toBe(200);
    // The other tenant's fault is still armed: nothing of the first tenant's reached it.
    expect(kernel.faults.list(theirs.id)).toHaveLength(1);
  });
});
