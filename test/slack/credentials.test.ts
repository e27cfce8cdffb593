// Credentials are secrets: random per tenant and per process, sealed out of snapshots (which stay byte-identical for a seed), and a restore can never add, change or move one.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';
import type { SlackState, SlackStateJson } from '../../twins/slack/store.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field; tests assert their shape.
type Json = Record<string, any>;

const ROOT = new URL('../../', import.meta.url).pathname;
const SECRET_VARS = ['SLACK_BOT_TOKEN', 'SLACK_USER_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET'];

const kernels: Kernel<unknown, unknown>[] = [];
afterAll(() => {
  for (const k of kernels) k.close();
});

/** The grader's token: the restore checks hold for the control plane's trusted caller too. */
const CONTROL_TOKEN = 'grader';

function twin(seed = 6): Kernel<unknown, unknown> {
  const k = createKernel(slackTwin, {
    seed,
    rateLimits: false,
    clock: 'virtual',
    clockStart: Date.UTC(2026, 0, 1),
    controlToken: CONTROL_TOKEN,
  }) as Kernel<unknown, unknown>;
  kernels.push(k);
  return k;
}

async function control(k: Kernel<unknown, unknown>, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await k.fetch(`http://slack.test/_twin/${path}`, {
    method,
    headers: { 'x-twin-control-token': CONTROL_TOKEN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function authTest(k: Kernel<unknown, unknown>, token: string): Promise<Json> {
  const res = await k.fetch('http://slack.test/api/auth.test', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as Json;
}

describe('credentials are random per tenant', () => {
  it('two tenants with the same seed share no token or secret, and each token reaches only its own tenant', async () => {
    const k = twin();
    const a = (await control(k, 'POST', 'tenants', { seed: 6 })).body;
    const b = (await control(k, 'POST', 'tenants', { seed: 6 })).body;
    for (const v of SECRET_VARS) expect(a.env[v], v).not.toBe(b.env[v]);
    expect(a.env.SLACK_BOT_TOKEN).toMatch(/^xoxb-\d{13}-\d{13}-[A-Za-z0-9]{24}$/);
    expect(a.env.SLACK_USER_TOKEN).toMatch(/^xoxp-\d{13}-\d{13}-\d{13}-[0-9a-f]{32}$/);
    // The seed still decides the workspace's data: the same people.
    const people = (id: string) => Object.values((k.tenants.get(id)?.state as SlackState | undefined)?.users ?? {}).map((u) => u.real_name);
    expect(people(a.id)).toEqual(people(b.id));
    expect((await authTest(k, a.env.SLACK_BOT_TOKEN)).ok).toBe(true);
    expect(k.tenants.byCredential(a.env.SLACK_BOT_TOKEN)?.id).toBe(a.id);
    expect(k.tenants.byCredential(b.env.SLACK_BOT_TOKEN)?.id).toBe(b.id);
    // A reset keeps a tenant's credentials: apps started with them keep working.
    await control(k, 'POST', `reset?tenant=${a.id}`);
    expect(k.env(k.tenants.get(a.id) as never, '').SLACK_BOT_TOKEN).toBe(a.env.SLACK_BOT_TOKEN);
    expect((await authTest(k, a.env.SLACK_BOT_TOKEN)).ok).toBe(true);
    // Resetting everything drops the other tenants (their tokens die) and keeps the default's.
    const defaultToken = k.env(k.tenants.default(), '').SLACK_BOT_TOKEN;
    expect((await control(k, 'POST', 'reset')).status).toBe(200);
    expect((await authTest(k, defaultToken)).ok).toBe(true);
    expect(await authTest(k, a.env.SLACK_BOT_TOKEN)).toMatchObject({ ok: false, error: 'invalid_auth' });
  });

  it('two twins with the same seed give different tokens and byte-identical snapshots', async () => {
    const one = twin();
    const two = twin();
    expect(one.env(one.tenants.default(), '').SLACK_BOT_TOKEN).not.toBe(two.env(two.tenants.default(), '').SLACK_BOT_TOKEN);
    await control(one, 'POST', 'tenants', { id: 'trial-1', seed: 8 });
    await control(two, 'POST', 'tenants', { id: 'trial-1', seed: 8 });
    for (const tenant of ['default', 'trial-1']) {
      const headers = { 'x-twin-control-token': CONTROL_TOKEN };
      const a = await (await one.fetch(`http://slack.test/_twin/snapshot?tenant=${tenant}`, { headers })).text();
      const b = await (await two.fetch(`http://slack.test/_twin/snapshot?tenant=${tenant}`, { headers })).text();
      expect(a).toBe(b);
      expect(a).toContain('<<twin-secret:bot-token>>');
      for (const v of SECRET_VARS) expect(a).not.toContain(one.env(one.tenants.get(tenant) as never, '')[v]);
    }
  });

  it('two processes with the same seed give different tokens and byte-identical snapshots', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twins-secrets-'));
    try {
      const script = join(dir, 'print.mts');
      writeFileSync(
        script,
        `import { createKernel } from '${ROOT}src/index.ts';
import { slackTwin } from '${ROOT}twins/slack/index.ts';
const k = createKernel(slackTwin, { seed: 42, rateLimits: false });
const snapshot = await (await k.fetch('http://slack.test/_twin/snapshot?tenant=default')).text();
console.log(JSON.stringify({ token: k.env(k.tenants.default(), '').SLACK_BOT_TOKEN, snapshot }));
k.close();
process.exit(0);
`,
      );
      const run = () => {
        const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { token: string; snapshot: string };
      };
      const a = run();
      const b = run();
      expect(a.token).toMatch(/^xoxb-/);
      expect(a.token).not.toBe(b.token);
      expect(a.snapshot).toBe(b.snapshot);
      expect(a.snapshot).not.toContain(a.token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('a snapshot restore cannot add, change or move credentials', () => {
  async function pair() {
    const k = twin();
    const mine = (await control(k, 'POST', 'tenants', { id: 'mine', seed: 6 })).body;
    const theirs = (await control(k, 'POST', 'tenants', { id: 'theirs', seed: 6 })).body;
    const snap = (await control(k, 'GET', 'snapshot?tenant=mine')).body;
    const fingerprint = () => JSON.stringify(k.tenants.list().map((t) => [t.id, t.state]));
    return { k, mine, theirs, snap, fingerprint };
  }

  it('restores its own snapshot: placeholders become the tenant own tokens again', async () => {
    const { k, mine, snap } = await pair();
    await k.fetch('http://slack.test/api/chat.postMessage', {
      method: 'POST',
      headers: { authorization: `Bearer ${mine.env.SLACK_BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'general', text: 'after the snapshot' }),
    });
    const restored = await control(k, 'PUT', 'snapshot', snap);
    expect(restored.status).toBe(200);
    expect((await authTest(k, mine.env.SLACK_BOT_TOKEN)).ok).toBe(true);
    const state = k.tenants.get('mine')?.state as SlackState;
    expect([...state.tokens.keys()]).toContain(mine.env.SLACK_BOT_TOKEN);
    expect(JSON.stringify(state)).not.toContain('after the snapshot');
  });

  it("a snapshot moved onto another tenant takes that tenant's own credentials, never the source's", async () => {
    const { k, mine, theirs, snap } = await pair();
    const moved = { ...snap, tenants: [{ ...snap.tenants[0], id: 'theirs' }] };
    expect((await control(k, 'PUT', 'snapshot', moved)).status).toBe(200);
    const state = k.tenants.get('theirs')?.state as SlackState;
    expect([...state.tokens.keys()]).toContain(theirs.env.SLACK_BOT_TOKEN);
    expect([...state.tokens.keys()]).not.toContain(mine.env.SLACK_BOT_TOKEN);
    expect(state.app.signing_secret).toBe(theirs.env.SLACK_SIGNING_SECRET);
    expect(k.tenants.byCredential(mine.env.SLACK_BOT_TOKEN)?.id).toBe('mine');
  });

  it.each([
    ["another tenant's bot token", (other: Json) => other.env.SLACK_BOT_TOKEN as string],
    ['a literal token of its own choosing', () => 'xoxb-1111111111111-2222222222222-chosenbytheattackerxxxxx'],
  ])('refuses a restore that plants %s, and changes nothing', async (_what, pick) => {
    const { k, theirs, snap, fingerprint } = await pair();
    const before = fingerprint();
    const state = structuredClone(snap.tenants[0].state) as SlackStateJson;
    const planted = pick(theirs);
    const bot = Object.values(state.tokens).find((t) => t.type === 'bot');
    state.tokens[planted] = { ...(bot as SlackStateJson['tokens'][string]), token: planted };
    const refused = await control(k, 'PUT', 'snapshot', { ...snap, tenants: [{ ...snap.tenants[0], state }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('foreign_credential');
    expect(JSON.stringify(refused.body)).not.toContain(planted);
    expect(fingerprint()).toBe(before);
    expect(k.tenants.byCredential(planted)?.id).not.toBe('mine');
    // Without the control token the same body is a vendor credential knocking on the wrong door.
    const open = createKernel(slackTwin, { seed: 6, rateLimits: false }) as Kernel<unknown, unknown>;
    kernels.push(open);
    const victim = open.createTenant({ id: 'victim' });
    const victimToken = open.env(victim, '').SLACK_BOT_TOKEN;
    const openSnap = (await (await open.fetch('http://slack.test/_twin/snapshot?tenant=default')).json()) as Json;
    const openState = structuredClone(openSnap.tenants[0].state) as SlackStateJson;
    openState.tokens[victimToken] = { ...(bot as SlackStateJson['tokens'][string]), token: victimToken };
    const res = await open.fetch('http://slack.test/_twin/snapshot', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...openSnap, tenants: [{ ...openSnap.tenants[0], state: openState }] }),
    });
    expect(res.status).toBe(403);
    expect(open.journal.query({ tenant: 'victim', operation: '_twin.refused' })).toHaveLength(1);
    expect(Object.keys((open.tenants.default().state as SlackState).tokens)).not.toContain(victimToken);
  });

  it('refuses a changed client id, and an entry later in the list undoes nothing before it', async () => {
    const { k, snap, fingerprint } = await pair();
    const before = fingerprint();
    const good = { ...snap.tenants[0], state: { ...snap.tenants[0].state, team: { ...snap.tenants[0].state.team, name: 'Renamed' } } };
    const bad = {
      ...snap.tenants[0],
      id: 'theirs',
      state: { ...snap.tenants[0].state, app: { ...snap.tenants[0].state.app, client_id: '1234567890123.1234567890123' } },
    };
    const refused = await control(k, 'PUT', 'snapshot', { ...snap, tenants: [good, bad] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('foreign_credential');
    expect(fingerprint()).toBe(before);
  });

  it('refuses a placeholder for a secret the twin does not make, and a restore into a new tenant that plants one leaves no tenant behind', async () => {
    const { k, snap, theirs, fingerprint } = await pair();
    const before = fingerprint();
    const text = JSON.stringify(snap).replace('<<twin-secret:signing-secret>>', '<<twin-secret:master-key>>');
    const refused = await control(k, 'PUT', 'snapshot', JSON.parse(text));
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_snapshot');
    const state = structuredClone(snap.tenants[0].state) as SlackStateJson;
    state.app.client_id = theirs.env.SLACK_CLIENT_ID;
    const planted = await control(k, 'PUT', 'snapshot', { ...snap, tenants: [{ id: 'brand-new', state }] });
    expect(planted.status).toBe(400);
    expect(k.tenants.get('brand-new')).toBeUndefined();
    expect(fingerprint()).toBe(before);
  });
});
