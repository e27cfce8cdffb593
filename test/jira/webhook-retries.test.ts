// Jira's webhook retry policy through the outbox, on the tenant's virtual clock: 408, 409, 425 and 5xx are retried with
// the same X-Atlassian-Webhook-Identifier and a growing X-Atlassian-Webhook-Retry after 10 s, 1, 5, 10 and 15 minutes;
// a receiver that cannot be reached is retried the same way and the delivery ends failed; every attempt is queryable.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JIRA_RETRY_DELAYS_MS } from '../../twins/jira/events.ts';
import { eventually } from '../support/slack.ts';
import { type JiraFixture, type Json, startJira } from './support.ts';

const T0 = Date.UTC(2026, 0, 5, 9);
let j: JiraFixture;
let server: Server;
let receiverUrl: string;
let deadUrl: string;
const received: { headers: Record<string, string | string[] | undefined>; body: Json }[] = [];
const answers: number[] = [];

beforeAll(async () => {
  j = await startJira({ seed: 31, clock: 'virtual', clockStart: T0 });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jira`;
  // A port that was free a moment ago and has no listener now: connections to it are refused.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/gone`;
  await new Promise((r) => probe.close(r));
}, 60_000);

afterAll(async () => {
  await j.close();
  await new Promise((r) => server.close(r));
});

async function hook(name: string, url: string, label: string): Promise<void> {
  const r = await j.api('POST', '/rest/webhooks/1.0/webhook', {
    name,
    url,
    events: ['jira:issue_created'],
    filters: { 'issue-related-events-section': `labels = ${label}` },
  });
  expect(r.status).toBe(201);
}

async function deliveryOf(key: string): Promise<Json> {
  const o = await j.control('GET', 'outbox?kind=webhook');
  const d = (o.body.deliveries as Json[]).find((x) => x.meta.issueKey === key);
  if (!d) throw new Error(`no delivery for ${key}`);
  return d;
}

const advance = async (ms: number) => {
  const r = await j.control('POST', 'clock', { advance: `${ms / 1000}s` });
  expect(r.status).toBe(200);
};

describe('Jira webhook retries on the tenant clock', () => {
  it('retries 408, 409, 425 and 500 after 10 s, 1 min, 5 min and 10 min with one identifier, then delivers', async () => {
    expect(JIRA_RETRY_DELAYS_MS).toEqual([10_000, 60_000, 300_000, 600_000, 900_000]);
    await hook('retrying', receiverUrl, 'retry');
    answers.push(408, 409, 425, 500);
    const before = received.length;
    const { key } = await j.v3.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'retry policy', labels: ['retry'] },
    });
    await eventually(() => received.length === before + 1, 'the first attempt');
    for (const [i, delay] of JIRA_RETRY_DELAYS_MS.slice(0, 4).entries()) {
      // Waiting for the retry: it is due `delay` after the attempt that failed, on the tenant clock.
      const d = await eventually(
        async () => {
          const x = await deliveryOf(key);
          return x.status === 'pending' && x.attempts.length === i + 1 ? x : undefined;
        },
        `the retry ${i + 1} scheduled`,
      );
      const last = d.attempts.at(-1) as Json;
      expect(Date.parse(d.nextAttemptAt) - Date.parse(last.startedAt)).toBe(delay);
      await advance(delay);
      await eventually(() => received.length === before + i + 2, `attempt ${i + 2}`);
    }
    const attempts = received.slice(before);
    expect(attempts.map((a) => a.headers['x-atlassian-webhook-retry'])).toEqual([undefined, '1', '2', '3', '4']);
    expect(new Set(attempts.map((a) => a.headers['x-atlassian-webhook-identifier'])).size).toBe(1);
    expect(attempts.every((a) => a.body.issue?.key === key && a.headers['x-atlassian-webhook-flow'] === 'Primary')).toBe(true);
    const done = await eventually(async () => {
      const x = await deliveryOf(key);
      return x.status === 'delivered' ? x : undefined;
    }, 'the delivered record');
    expect(done.attempts.map((a: Json) => [a.status, a.outcome])).toEqual([
      [408, 'retry'],
      [409, 'retry'],
      [425, 'retry'],
      [500, 'retry'],
      [200, 'delivered'],
    ]);
  });

  it('a 404 answer is not retried: the delivery fails at once', async () => {
    await hook('refused', receiverUrl, 'refused');
    answers.push(404);
    const { key } = await j.v3.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'not found', labels: ['refused'] },
    });
    const d = await eventually(async () => {
      const x = await deliveryOf(key);
      return x.status === 'failed' ? x : undefined;
    }, 'the failed delivery');
    expect(d.attempts.map((a: Json) => [a.status, a.outcome])).toEqual([[404, 'failed']]);
    expect(d.nextAttemptAt).toBeUndefined();
  });

  it('retries a receiver it cannot connect to five times, then fails it; each attempt says why', async () => {
    await hook('unreachable', deadUrl, 'dead');
    const { key } = await j.v3.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'nobody home', labels: ['dead'] },
    });
    for (const [i, delay] of JIRA_RETRY_DELAYS_MS.entries()) {
      const d = await eventually(
        async () => {
          const x = await deliveryOf(key);
          return x.status === 'pending' && x.attempts.length === i + 1 ? x : undefined;
        },
        `attempt ${i + 1} failed and retry scheduled`,
      );
      expect(d.attempts.at(-1)).toMatchObject({ outcome: 'retry', reason: 'connection_failed' });
      await advance(delay);
    }
    const failed = await eventually(async () => {
      const x = await deliveryOf(key);
      return x.status === 'failed' ? x : undefined;
    }, 'the delivery given up');
    expect(failed.attempts).toHaveLength(JIRA_RETRY_DELAYS_MS.length + 1);
    expect(failed.attempts.every((a: Json) => a.reason === 'connection_failed' && a.status === undefined)).toBe(true);
    // Queryable by status as the grader reads it.
    const list = await j.control('GET', 'outbox?kind=webhook&status=failed');
    expect((list.body.deliveries as Json[]).map((x) => x.meta.issueKey)).toContain(key);
  });
});
