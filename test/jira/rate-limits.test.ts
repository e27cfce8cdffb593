// Jira's rate limits on the twin: burst buckets per site, operation and method (so a spent write bucket leaves reads, other
// operations and other sites alone), the per-issue write limit keyed by issue, Jira's 429 headers, refill on the tenant clock,
// and the switch that turns them off. Small rules are given to the twin so a handful of calls spends a bucket.

import { describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { PER_ISSUE_WRITE_RULE } from '../../twins/jira/errors.ts';
import { createJiraTwin, JIRA_RATE_LIMITS } from '../../twins/jira/index.ts';
import type { JiraState } from '../../twins/jira/store.ts';
import { basic, type Json } from './support.ts';

const BASE = 'http://jira.limits.test';
const T0 = Date.UTC(2026, 0, 5, 9);
const SMALL = {
  'burst-read': { perMinute: 60, burst: 3 },
  'burst-write': { perMinute: 60, burst: 3 },
  'burst-search': { perMinute: 60, burst: 3 },
  [PER_ISSUE_WRITE_RULE]: { perMinute: 60, burst: 2 },
};

function setup() {
  const kernel = createKernel(createJiraTwin({ rateLimits: SMALL }), {
    seed: 41,
    clock: 'virtual',
    clockStart: T0,
    rateLimits: true,
  }) as Kernel<JiraState, unknown>;
  const siteA = kernel.tenants.default();
  const siteB = kernel.createTenant({ id: 'site-b' });
  const auth = (t: typeof siteA) => {
    const env = kernel.env(t, BASE);
    return basic(env.JIRA_EMAIL, env.JIRA_API_TOKEN);
  };
  const call = async (t: typeof siteA, method: string, path: string, body?: unknown) => {
    const res = await kernel.fetch(`${BASE}${path}`, {
      method,
      headers: { authorization: auth(t), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const create = (t: typeof siteA, summary: string) =>
    call(t, 'POST', '/rest/api/3/issue', { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary } });
  return { kernel, siteA, siteB, call, create };
}

describe('Jira rate limits', () => {
  it('the twin’s own rules are generous bursts and a per-issue write limit', () => {
    expect(Object.keys(JIRA_RATE_LIMITS).sort()).toEqual(['burst-read', 'burst-search', 'burst-write', PER_ISSUE_WRITE_RULE].sort());
    expect(JIRA_RATE_LIMITS[PER_ISSUE_WRITE_RULE].burst).toBeLessThan(JIRA_RATE_LIMITS['burst-write'].burst);
  });

  it('a spent burst bucket answers 429 with Jira’s headers, only for that site and operation, and refills on the tenant clock', async () => {
    const { kernel, siteA, siteB, call, create } = setup();
    for (let i = 0; i < 3; i++) expect((await create(siteA, `burst ${i}`)).status).toBe(201);
    const limited = await create(siteA, 'one too many');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ errorMessages: ['Rate limit exceeded.'], errors: {} });
    expect(limited.headers.get('ratelimit-reason')).toBe('jira-burst-based');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('60');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = limited.headers.get('x-ratelimit-reset') as string;
    expect(reset).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/);
    expect(Date.parse(reset)).toBeGreaterThan(T0 - 60_000);
    // Nothing was created by the refused call.
    const count = await call(siteA, 'POST', '/rest/api/3/search/approximate-count', { jql: 'summary ~ "\\"one too many\\""' });
    expect(count.body.count).toBe(0);
    // Another operation (a read, the same path with another method, a bulk create) and another site are not affected.
    expect((await call(siteA, 'GET', '/rest/api/3/myself')).status).toBe(200);
    expect((await call(siteA, 'GET', '/rest/api/3/issue/OPS-1?fields=summary')).status).toBe(200);
    expect((await create(siteB, 'other site')).status).toBe(201);
    // The bucket refills at its rate on the site's clock: one request a second here.
    await siteA.clock.advance(Number(limited.headers.get('retry-after')) * 1000);
    expect((await create(siteA, 'after the wait')).status).toBe(201);
    kernel.close();
  });

  it('the per-issue write limit counts every write to an issue together and says so in RateLimit-Reason', async () => {
    const { kernel, siteA, call } = setup();
    expect((await call(siteA, 'PUT', '/rest/api/3/issue/OPS-1', { fields: { summary: 'one' } })).status).toBe(204);
    expect((await call(siteA, 'PUT', '/rest/api/3/issue/OPS-1', { fields: { summary: 'two' } })).status).toBe(204);
    const limited = await call(siteA, 'PUT', '/rest/api/3/issue/OPS-1', { fields: { summary: 'three' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit-reason')).toBe('jira-per-issue-on-write');
    expect(limited.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/);
    // Another issue is still writable; reading the limited one still works and shows the last accepted write.
    expect((await call(siteA, 'PUT', '/rest/api/3/issue/OPS-2', { fields: { summary: 'other issue' } })).status).toBe(204);
    const read = await call(siteA, 'GET', '/rest/api/3/issue/OPS-1?fields=summary');
    expect(read.body.fields.summary).toBe('two');
    // Every kind of write to the same issue draws from the same bucket, as Jira counts them: a comment and an
    // assignment are refused too, while OPS-2 (one write so far) takes one more of any kind.
    expect((await call(siteA, 'POST', '/rest/api/3/issue/OPS-1/comment', { body: 'a comment' })).status).toBe(429);
    expect((await call(siteA, 'PUT', '/rest/api/3/issue/OPS-1/assignee', { accountId: null })).status).toBe(429);
    expect((await call(siteA, 'POST', '/rest/api/2/issue/OPS-2/comment', { body: 'a comment' })).status).toBe(201);
    expect((await call(siteA, 'PUT', '/rest/api/3/issue/OPS-2/assignee', { accountId: null })).status).toBe(429);
    kernel.close();
  });

  it('switched off through the control plane, nothing is limited; switched on again, the buckets apply', async () => {
    const { kernel, siteA, create } = setup();
    const off = await kernel.fetch(`${BASE}/_twin/rate-limits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    expect(off.status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await create(siteA, `free ${i}`)).status).toBe(201);
    await kernel.fetch(`${BASE}/_twin/rate-limits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await create(siteA, `limited ${i}`)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    kernel.close();
  });
});
