// Jira sites as tenants: the same seed gives the same snapshot, a snapshot restores into Maps that keep working, and sites never see each other.

import { describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { jiraTwin } from '../../twins/jira/index.ts';
import type { JiraState } from '../../twins/jira/store.ts';
import { basic } from './support.ts';

const BASE = 'http://jira.test';

function kernelFor(seed: number): Kernel<JiraState, unknown> {
  return createKernel(jiraTwin, { seed, clock: 'virtual', clockStart: Date.UTC(2026, 0, 5), rateLimits: false }) as Kernel<
    JiraState,
    unknown
  >;
}

async function as(k: Kernel<JiraState, unknown>, env: Record<string, string>, method: string, path: string, body?: unknown) {
  const res = await k.fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: basic(env.JIRA_EMAIL, env.JIRA_API_TOKEN), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? {} : await res.json() };
}

describe('Jira tenants and snapshots', () => {
  it('the same seed gives the same snapshot; secrets are placeholders', () => {
    const a = kernelFor(11);
    const b = kernelFor(11);
    const sa = JSON.stringify(a.snapshotState(a.tenants.default()));
    expect(sa).toBe(JSON.stringify(b.snapshotState(b.tenants.default())));
    expect(sa).toContain('<<twin-secret:api-token>>');
    expect(sa).not.toContain(a.env(a.tenants.default(), BASE).JIRA_API_TOKEN);
    a.close();
    b.close();
  });

  it('a snapshot restores into Maps: issues, keys and counters keep working', async () => {
    const k = kernelFor(12);
    const t = k.tenants.default();
    const env = k.env(t, BASE);
    const created = await as(k, env, 'POST', '/rest/api/3/issue', {
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'kept', labels: ['__proto__'] },
    });
    const snap = k.snapshotState(t);
    await as(k, env, 'DELETE', `/rest/api/3/issue/${created.body.key}`);
    k.restoreTenant(t, k.prepareRestore(t, snap));
    expect(t.state.issues instanceof Map).toBe(true);
    const got = await as(k, env, 'GET', `/rest/api/3/issue/${created.body.key}?fields=labels`);
    expect(got.body.fields.labels).toEqual(['__proto__']);
    const next = await as(k, env, 'POST', '/rest/api/3/issue', {
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'next' },
    });
    expect(Number(next.body.key.split('-')[1])).toBe(Number(created.body.key.split('-')[1]) + 1);
    k.close();
  });

  it('sites are isolated: each credential sees its own site only', async () => {
    const k = kernelFor(13);
    const a = k.tenants.default();
    const b = k.createTenant({ id: 'site-b' });
    const envA = k.env(a, BASE);
    const envB = k.env(b, BASE);
    expect(envA.JIRA_API_TOKEN).not.toBe(envB.JIRA_API_TOKEN);
    const created = await as(k, envA, 'POST', '/rest/api/3/issue', {
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'only in A' },
    });
    expect((await as(k, envB, 'GET', `/rest/api/3/issue/${created.body.key}`)).status).toBe(404);
    const search = await as(k, envB, 'POST', '/rest/api/3/search/jql', { jql: 'summary ~ "only"', fields: ['key'] });
    expect(search.body.issues).toEqual([]);
    const mixed = await k.fetch(`${BASE}/rest/api/3/myself`, { headers: { authorization: basic(envA.JIRA_EMAIL, envB.JIRA_API_TOKEN) } });
    expect(mixed.status).toBe(401);
    // Through a site's own URL prefix: its own credential works and self links keep the prefix; another site's is refused.
    const own = await k.fetch(`${BASE}/t/site-b/rest/api/3/myself`, {
      headers: { authorization: basic(envB.JIRA_EMAIL, envB.JIRA_API_TOKEN) },
    });
    expect(own.status).toBe(200);
    expect(((await own.json()) as { self: string }).self.startsWith(`${BASE}/t/site-b/rest/api/3/user`)).toBe(true);
    const foreign = await k.fetch(`${BASE}/t/site-b/rest/api/3/myself`, {
      headers: { authorization: basic(envA.JIRA_EMAIL, envA.JIRA_API_TOKEN) },
    });
    expect(foreign.status).toBe(401);
    k.close();
  });
});
