// The door's tenant prefix: `/t/<tenantId>/…` reaches that tenant's vendor API, pinned to it, with base URLs keeping the prefix; the default tenant stays at the root.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantPrefix } from '../../src/host.ts';
import { createKernel, type Kernel, type RunningTwin, serve } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';

interface TenantView {
  id: string;
  env: Record<string, string>;
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('tenant prefix in the door', () => {
  let kernel: Kernel<unknown, unknown>;
  let twin: RunningTwin;
  let acme: TenantView;
  let rootEnv: Record<string, string>;

  beforeAll(async () => {
    kernel = createKernel(slackTwin, { seed: 7 }) as Kernel<unknown, unknown>;
    twin = await serve(kernel, { port: 0 });
    const res = await postJson(`${twin.url}/_twin/tenants`, { id: 'acme' });
    expect(res.status).toBe(201);
    acme = (await res.json()) as TenantView;
    rootEnv = kernel.env(kernel.tenants.default(), twin.url);
  });
  afterAll(async () => {
    await twin?.close();
  });

  it.each([
    ['/t/acme/api/v1/users', { tenantId: 'acme', rest: '/api/v1/users' }],
    ['/t/a.b_c-9', { tenantId: 'a.b_c-9', rest: '/' }],
    ['/t/acme/_twin/tenants', { tenantId: 'acme', rest: '/_twin/tenants' }],
    ['/t/', undefined],
    ['/t/..', undefined],
    ['/t/has%20space/api', undefined],
    [`/t/${'x'.repeat(65)}/api`, undefined],
    ['/api/t/acme', undefined],
  ])('%s splits as %j', (path, expected) => {
    expect(tenantPrefix(path)).toEqual(expected);
  });

  it('a created tenant is given its prefixed URL; the default tenant stays at the root', () => {
    expect(acme.env.SLACK_API_URL).toBe(`${twin.url}/t/acme/api/`);
    expect(rootEnv.SLACK_API_URL).toBe(`${twin.url}/api/`);
  });

  it('Slack works for each tenant at its own URL, and the default tenant also at /t/default', async () => {
    const mine = await postJson(`${acme.env.SLACK_API_URL}auth.test`, {}, { authorization: `Bearer ${acme.env.SLACK_BOT_TOKEN}` });
    expect(await mine.json()).toMatchObject({ ok: true });
    const root = await postJson(`${rootEnv.SLACK_API_URL}auth.test`, {}, { authorization: `Bearer ${rootEnv.SLACK_BOT_TOKEN}` });
    expect(await root.json()).toMatchObject({ ok: true });
    const named = await postJson(`${twin.url}/t/default/api/auth.test`, {}, { authorization: `Bearer ${rootEnv.SLACK_BOT_TOKEN}` });
    expect(await named.json()).toMatchObject({ ok: true });
  });

  it("a URL naming one tenant refuses another tenant's credential as the vendor refuses an unknown one", async () => {
    const res = await postJson(`${acme.env.SLACK_API_URL}auth.test`, {}, { authorization: `Bearer ${rootEnv.SLACK_BOT_TOKEN}` });
    expect(await res.json()).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('a tenant that does not exist is an unknown route in the vendor shape, never a 500', async () => {
    const res = await postJson(`${twin.url}/t/nobody/api/auth.test`, {}, { authorization: `Bearer ${rootEnv.SLACK_BOT_TOKEN}` });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ ok: false });
  });

  it('the control plane is not reachable under a prefix', async () => {
    const res = await fetch(`${twin.url}/t/acme/_twin/tenants`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.tenants).toBeUndefined();
    expect(body.ok).toBe(false);
  });

  it('msw and kernel.fetch take the same door', async () => {
    const res = await kernel.fetch(`http://slack.test/t/acme/api/auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${acme.env.SLACK_BOT_TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await res.json()).toMatchObject({ ok: true });
  });
});
