// Jira webhooks reach a local receiver that checks X-Hub-Signature: admin webhooks with JQL filters and events, Jira's payloads and headers, and its retry policy on the tenant clock.

import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/slack.ts';
import { type JiraFixture, type Json, startJira } from './support.ts';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Json;
  signatureOk: boolean;
}

let j: JiraFixture;
let server: Server;
let receiverUrl: string;
const received: Received[] = [];
/** Statuses to answer with, first come first served; 200 when empty. */
const answers: number[] = [];
let secret = 'receiver-secret';

beforeAll(async () => {
  j = await startJira({ seed: 3, clock: 'virtual', clockStart: Date.UTC(2026, 0, 5, 9) });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const expected = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
      received.push({
        headers: req.headers,
        raw,
        body: raw ? (JSON.parse(raw) as Json) : {},
        signatureOk: req.headers['x-hub-signature'] === expected,
      });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jira`;
});

afterAll(async () => {
  await j.close();
  await new Promise((r) => server.close(r));
});

const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
const events = (name: string) => received.filter((r) => r.body.webhookEvent === name);

describe('admin webhooks', () => {
  let hookId: string;

  it('registers a webhook with a JQL filter, events and a secret', async () => {
    const r = await j.api('POST', '/rest/webhooks/1.0/webhook', {
      name: 'ops hook',
      url: receiverUrl,
      events: ['jira:issue_created', 'jira:issue_updated', 'comment_created'],
      filters: { 'issue-related-events-section': 'project = OPS AND labels = hook' },
      secret,
    });
    expect(r.status).toBe(201);
    expect(r.body.filters).toEqual({ 'issue-related-events-section': 'project = OPS AND labels = hook' });
    hookId = String(r.body.self).split('/').pop() as string;
    const list = await j.api('GET', '/rest/webhooks/1.0/webhook');
    expect(list.body.map((h: Json) => h.name)).toContain('ops hook');
    const bad = await j.api('POST', '/rest/webhooks/1.0/webhook', {
      name: 'x',
      url: receiverUrl,
      events: ['jira:issue_created'],
      filters: { 'issue-related-events-section': 'project = ' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.filters).toMatch(/^Error in the JQL Query/);
  });

  it('sends jira:issue_created, signed, in the v2 representation, only for issues the filter matches', async () => {
    await j.v3.issues.createIssue({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'not for the hook' } });
    const created = await j.v3.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'hooked', labels: ['hook'], description: adf('rich text') },
    });
    const got = await eventually(() => events('jira:issue_created')[0], 'the created event');
    expect(got.signatureOk).toBe(true);
    expect(got.body.issue_event_type_name).toBe('issue_created');
    expect(got.body.issue.key).toBe(created.key);
    expect(got.body.issue.self).toBe(`${j.env.JIRA_BASE_URL}/rest/api/2/issue/${created.id}`);
    expect(got.body.issue.fields.description).toBe('rich text');
    expect(got.body.user.emailAddress).toBe(j.env.JIRA_EMAIL);
    expect(got.body.timestamp).toBe(Date.UTC(2026, 0, 5, 9));
    expect(got.headers['x-atlassian-webhook-identifier']).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.headers['x-atlassian-webhook-flow']).toBe('Primary');
    expect(got.headers['x-atlassian-webhook-retry']).toBeUndefined();
    expect(events('jira:issue_created')).toHaveLength(1);
  });

  it('sends a transition as jira:issue_updated (issue_generic) with the status changelog', async () => {
    const [issue] = (await j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'labels = hook', fields: ['key'] })).issues ?? [];
    await j.v3.issues.doTransition({ issueIdOrKey: issue.key as string, transition: { id: '21' } });
    const got = await eventually(
      () => events('jira:issue_updated').find((e) => e.body.issue_event_type_name === 'issue_generic'),
      'the transition event',
    );
    expect(got.body.changelog.items).toEqual([
      { field: 'status', fieldtype: 'jira', fieldId: 'status', from: '10000', fromString: 'To Do', to: '10001', toString: 'In Progress' },
    ]);
    expect(got.body.issue.fields.status.name).toBe('In Progress');
  });

  it('sends comment_created and jira:issue_updated (issue_commented) for a comment', async () => {
    const [issue] = (await j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'labels = hook', fields: ['key'] })).issues ?? [];
    await j.v3.issueComments.addComment({ issueIdOrKey: issue.key as string, comment: adf('on it') as never } as never);
    const c = await eventually(() => events('comment_created')[0], 'comment_created');
    expect(c.body.comment.body).toBe('on it');
    expect(c.body.issue.key).toBe(issue.key);
    const u = await eventually(
      () => events('jira:issue_updated').find((e) => e.body.issue_event_type_name === 'issue_commented'),
      'issue_commented',
    );
    expect(u.body.comment.body).toBe('on it');
  });

  it('retries 5xx and 429 on the tenant clock with a stable identifier and a retry number, and gives up on 4xx', async () => {
    const before = received.length;
    answers.push(503, 429);
    const created = await j.v3.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'retry me', labels: ['hook'] },
    });
    await eventually(() => received.length === before + 1, 'the first attempt');
    await j.control('POST', 'clock', { advance: '10s' });
    await eventually(() => received.length === before + 2, 'the first retry');
    await j.control('POST', 'clock', { advance: '1m' });
    await eventually(() => received.length === before + 3, 'the second retry');
    const attempts = received.slice(before);
    expect(new Set(attempts.map((a) => a.headers['x-atlassian-webhook-identifier'])).size).toBe(1);
    expect(attempts.map((a) => a.headers['x-atlassian-webhook-retry'])).toEqual([undefined, '1', '2']);
    expect(attempts.every((a) => a.body.issue.key === created.key && a.signatureOk)).toBe(true);
    const outbox = await j.control('GET', 'outbox?kind=webhook');
    const delivery = (outbox.body.deliveries as Json[]).find((d) => d.meta.issueKey === created.key);
    expect(delivery?.status).toBe('delivered');
    expect(delivery?.attempts.map((a: Json) => a.status)).toEqual([503, 429, 200]);

    answers.push(400);
    const gone = await j.v3.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'refused', labels: ['hook'] },
    });
    const failed = await eventually(async () => {
      const o = await j.control('GET', 'outbox?kind=webhook&status=failed');
      return (o.body.deliveries as Json[]).find((d) => d.meta.issueKey === gone.key);
    }, 'the refused delivery');
    expect(failed.attempts).toHaveLength(1);
  });

  it('excludeBody sends no body; deleting the webhook stops deliveries', async () => {
    await j.api('PUT', `/rest/webhooks/1.0/webhook/${hookId}`, { excludeBody: true });
    const before = received.length;
    await j.v3.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'bodiless', labels: ['hook'] },
    });
    const got = await eventually(() => received[before], 'the bodiless delivery');
    expect(got.raw).toBe('');
    expect(got.signatureOk).toBe(true);
    expect((await j.api('DELETE', `/rest/webhooks/1.0/webhook/${hookId}`)).status).toBe(204);
    expect((await j.api('GET', `/rest/webhooks/1.0/webhook/${hookId}`)).status).toBe(404);
  });

  it('the seeded webhook signs with JIRA_WEBHOOK_SECRET once the control plane points it at the app', async () => {
    secret = j.env.JIRA_WEBHOOK_SECRET;
    const r = await j.control('POST', 'jira/webhook', { url: receiverUrl });
    expect(r.body.webhook.enabled).toBe(true);
    const before = received.length;
    const acted = await j.control('POST', 'jira/act', { as: 'alice', action: 'create', summary: 'from a person' });
    expect(acted.status).toBe(200);
    const got = await eventually(
      () => received.slice(before).find((e) => e.body.webhookEvent === 'jira:issue_created'),
      'the seeded webhook delivery',
    );
    expect(got.signatureOk).toBe(true);
    expect(got.body.user.displayName).toBe('Alice Adams');
  });
});
