// The Jira twin's inspector view (twins/jira/inspect.ts) through the feed: projects, issues with status and assignee, recent comments, webhooks; bounded; no secret shown.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import type { InspectorSection } from '../../src/kernel/types.ts';
import { jiraTwin } from '../../twins/jira/index.ts';
import { INSPECT_LIMITS } from '../../twins/jira/inspect.ts';
import { basic, type Json } from './support.ts';

const BASE = 'http://jira.inspect.test';
const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

describe('the Jira inspector view', () => {
  let kernel: Kernel<unknown, unknown>;
  let env: Record<string, string>;
  const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await kernel.fetch(`${BASE}${path}`, {
      method,
      headers: { authorization: basic(env.JIRA_EMAIL, env.JIRA_API_TOKEN), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    const text = await res.text();
    return text ? (JSON.parse(text) as Json) : {};
  };
  const view = async (): Promise<InspectorSection[]> => {
    const res = await kernel.fetch(`${BASE}/_twin/ui/feed?tenant=default`);
    expect(res.status).toBe(200);
    const feed = (await res.json()) as Json;
    expect(feed.view.source).toBe('twin');
    return feed.view.sections as InspectorSection[];
  };
  const section = (sections: InspectorSection[], title: string) => {
    const s = sections.find((x) => x.title.startsWith(title));
    if (!s) throw new Error(`no section "${title}" in ${sections.map((x) => x.title).join(', ')}`);
    return s;
  };

  beforeAll(() => {
    kernel = createKernel(jiraTwin, { rateLimits: false, seed: 8 }) as Kernel<unknown, unknown>;
    env = kernel.env(kernel.tenants.default(), BASE);
  });
  afterAll(() => kernel?.close());

  it('shows an issue’s new status and assignee first, its comment, and a webhook without its secret', async () => {
    const p = env.JIRA_PROJECT_KEY;
    const me = await api('GET', '/rest/api/3/myself');
    const made = await api('POST', '/rest/api/3/issue', {
      fields: { project: { key: p }, summary: 'Look inside me', issuetype: { name: 'Task' } },
    });
    const transitions = await api('GET', `/rest/api/3/issue/${made.key}/transitions`);
    const start = (transitions.transitions as Json[]).find((t) => t.to.name === 'In Progress');
    await api('POST', `/rest/api/3/issue/${made.key}/transitions`, { transition: { id: start?.id } });
    await api('PUT', `/rest/api/3/issue/${made.key}/assignee`, { accountId: me.accountId });
    await api('POST', `/rest/api/3/issue/${made.key}/comment`, { body: adf('<b>seen</b> from the inspector') });
    await api('POST', '/rest/webhooks/1.0/webhook', {
      name: 'ci',
      url: 'http://127.0.0.1:9/jira',
      events: ['jira:issue_updated'],
      filters: { 'issue-related-events-section': `project = ${p}` },
      secret: 'webhook-secret-value-456',
    });

    const sections = await view();
    expect(sections.map((s) => s.title)).toEqual([
      'Site',
      'Projects',
      'Issues (most recently updated first)',
      'Recent comments',
      'Webhooks',
      'Boards and sprints',
      'People',
    ]);
    const issues = section(sections, 'Issues');
    if (issues.kind !== 'table') throw new Error('issues are a table');
    expect(issues.rows[0].slice(0, 5)).toEqual([made.key, 'Look inside me', 'Task', 'In Progress', me.displayName]);
    const comments = section(sections, 'Recent comments');
    if (comments.kind !== 'list') throw new Error('comments are a list');
    expect(comments.items[0]).toMatchObject({ title: `${me.displayName} on ${made.key}`, text: '<b>seen</b> from the inspector' });
    const hooks = section(sections, 'Webhooks');
    if (hooks.kind !== 'table') throw new Error('webhooks are a table');
    expect(hooks.rows.find((r) => r[1] === 'ci')?.slice(2)).toEqual([
      'http://127.0.0.1:9/jira',
      'jira:issue_updated',
      `project = ${p}`,
      'sent',
      true,
      true,
    ]);
    const projects = section(sections, 'Projects');
    if (projects.kind !== 'table') throw new Error('projects are a table');
    expect(projects.rows.find((r) => r[1] === p)?.[6]).toBe('To Do → In Progress → Done');

    const shown = JSON.stringify(sections);
    expect(shown).not.toContain('webhook-secret-value-456');
    expect(shown).not.toContain(env.JIRA_API_TOKEN);
    if (env.JIRA_WEBHOOK_SECRET) expect(shown).not.toContain(env.JIRA_WEBHOOK_SECRET);
  });

  it('stays bounded on a busy site: the most recently updated issues only, and says so', async () => {
    const p = env.JIRA_PROJECT_KEY;
    for (let b = 0; b < 5; b++) {
      const issueUpdates = Array.from({ length: 50 }, (_, i) => ({
        fields: { project: { key: p }, summary: `Busy ${b * 50 + i}`, issuetype: { name: 'Task' } },
      }));
      await api('POST', '/rest/api/3/issue/bulk', { issueUpdates });
    }
    const last = await api('POST', '/rest/api/3/issue', {
      fields: { project: { key: p }, summary: 'The newest', issuetype: { name: 'Bug' } },
    });
    const issues = section(await view(), 'Issues');
    if (issues.kind !== 'table') throw new Error('issues are a table');
    expect(issues.rows).toHaveLength(INSPECT_LIMITS.issues);
    expect(issues.rows[0][0]).toBe(last.key);
    expect(issues.note).toMatch(/^the 200 most recently updated of \d+ issues$/);
  });
});
