// Checks the Jira twin's contract against Atlassian's platform document (deliberate differences listed in docs/twins/jira-differences.json), and that a walk over the API answers only what the contract declares.

import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { jiraOperations, jiraTwin } from '../../twins/jira/index.ts';
import {
  compareOperation,
  type DeliberateDifferences,
  type LocatedOperation,
  listedFor,
  mentionedNames,
  operationsOf,
  readDocument,
} from '../support/vendor-conformance.ts';
import { basic, type Json } from './support.ts';

const DIFFERENCES = JSON.parse(
  readFileSync(new URL('../../docs/twins/jira-differences.json', import.meta.url), 'utf8'),
) as DeliberateDifferences;
const contract = readDocument(new URL('../../twins/jira/openapi.yaml', import.meta.url));
const implemented = new Set(Object.keys(jiraOperations));
/** The operations the twin serves (the rest of its contract answers 501 and is not compared). */
const ours = operationsOf(contract).filter((o) => o.op.operationId && implemented.has(o.op.operationId));
const byId = new Map(ours.map((o) => [o.op.operationId as string, o]));

// The twin writes the platform paths once for v2, v3 and latest; Atlassian's document is v3.
const vendorPath = (path: string) => path.replace('/rest/api/{apiVersion}/', '/rest/api/3/');

const vendorUrl = new URL('../../../shared/specs/jira-platform-v3.json', import.meta.url);
const haveVendor = existsSync(vendorUrl);
if (!haveVendor) console.warn('../shared/specs/jira-platform-v3.json not found: conformance against Atlassian’s document skipped');

describe('Jira deliberate differences (docs/twins/jira-differences.json)', () => {
  it('name only operations the twin implements', () => {
    const named = mentionedNames(DIFFERENCES).filter((id) => !byId.has(id));
    expect(named, 'listed operations the twin does not serve (stale entries)').toEqual([]);
  });

  it('are each described in docs/twins/jira-differences.md', () => {
    const page = readFileSync(new URL('../../docs/twins/jira-differences.md', import.meta.url), 'utf8');
    for (const id of mentionedNames(DIFFERENCES)) expect(page, `${id} is described`).toContain(`\`${id}\``);
  });
});

(haveVendor ? describe : describe.skip)('Jira contract against Atlassian’s platform document (jira-platform-v3.json)', () => {
  let vendor: LocatedOperation[] = [];
  beforeAll(() => {
    vendor = operationsOf(readDocument(vendorUrl));
  }, 60_000);

  it('serves more than a handful of operations (the comparison below is not empty)', () => {
    expect(ours.length).toBeGreaterThanOrEqual(100);
    expect(vendor.length).toBeGreaterThan(400);
  });

  // One case per operation: the vendor has it (path and method), its required parameters agree, our
  // statuses are the vendor's, and the property names of our success answers are in its schemas
  // (three levels deep); anything else is listed, and every listed difference still occurs.
  it.each([...byId.keys()])('%s agrees with the vendor document, or differs only as listed', (id) => {
    const found = compareOperation(byId.get(id) as LocatedOperation, vendor, { vendorPath, depth: 3 });
    expect({
      notInVendor: found.vendor === undefined,
      requiredParameters: found.requiredParameters,
      statuses: found.statuses,
      properties: found.properties,
    }).toEqual(listedFor(DIFFERENCES, id));
  });
});

// ---------- every answer of a walk validates against the twin's own contract ----------

type Step = [method: string, path: string, body?: unknown, expected?: number];

const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

describe('Jira answers validate against twins/jira/openapi.yaml', () => {
  let kernel: Kernel<unknown, unknown>;
  const base = 'http://jira.conformance.test';
  let env: Record<string, string>;

  beforeAll(() => {
    kernel = createKernel(jiraTwin, { rateLimits: false, recordResponseViolations: true, seed: 12 }) as Kernel<unknown, unknown>;
    env = kernel.env(kernel.tenants.default(), base);
  });
  afterAll(() => kernel?.close());

  async function call(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; body: Json }> {
    const headers: Record<string, string> = { 'x-atlassian-token': 'no-check' };
    if (auth) headers.authorization = basic(env.JIRA_EMAIL, env.JIRA_API_TOKEN);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await kernel.fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: Json = {};
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed };
  }

  it('over a walk through every area (reads, writes, JQL, agile, webhooks, errors) records no response violation', async () => {
    const p = env.JIRA_PROJECT_KEY;
    const me = (await call('GET', '/rest/api/3/myself')).body.accountId as string;
    const created = await call('POST', '/rest/api/3/issue', {
      fields: {
        project: { key: p },
        summary: 'Walk v3',
        issuetype: { name: 'Bug' },
        description: adf('an error in the walk'),
        labels: ['walk'],
      },
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const v2 = await call('POST', '/rest/api/2/issue', {
      fields: { project: { key: p }, summary: 'Walk v2', issuetype: { name: 'Task' }, description: 'plain text' },
    });
    expect(v2.status).toBe(201);
    const other = v2.body.key as string;
    const board = ((await call('GET', `/rest/agile/1.0/board?projectKeyOrId=${p}`)).body.values as Json[])[0];
    expect(board, 'the seeded project has a board').toBeDefined();

    const steps: Step[] = [
      ['GET', '/rest/api/3/serverInfo'],
      ['GET', `/rest/api/3/user?accountId=${me}`],
      ['GET', '/rest/api/3/user/search?query=a'],
      ['GET', `/rest/api/3/user/assignable/search?project=${p}`],
      ['GET', '/rest/api/3/users/search?maxResults=5'],
      ['GET', `/rest/api/3/user/groups?accountId=${me}`],
      ['POST', '/rest/api/3/group', { name: 'walkers' }, 201],
      ['POST', '/rest/api/3/group/user?groupname=walkers', { accountId: me }, 201],
      ['GET', '/rest/api/3/group/member?groupname=walkers'],
      ['GET', '/rest/api/3/groups/picker?query=walk'],
      ['GET', '/rest/api/3/group/bulk'],
      ['GET', '/rest/api/3/status'],
      ['GET', '/rest/api/3/statuses/search'],
      ['GET', '/rest/api/3/statuscategory'],
      ['GET', '/rest/api/3/issuetype'],
      ['GET', '/rest/api/3/priority'],
      ['GET', '/rest/api/3/priority/search'],
      ['GET', '/rest/api/3/resolution'],
      ['GET', '/rest/api/3/field'],
      ['GET', '/rest/api/3/issueLinkType'],
      ['GET', '/rest/api/3/label'],
      ['GET', '/rest/api/3/project'],
      ['GET', '/rest/api/3/project/search?query=a'],
      ['GET', `/rest/api/3/project/${p}`],
      ['GET', `/rest/api/3/project/${p}/statuses`],
      ['GET', `/rest/api/3/project/${p}/role`],
      ['GET', `/rest/api/3/project/${p}/components`],
      ['GET', `/rest/api/3/project/${p}/versions`],
      ['POST', '/rest/api/3/component', { project: p, name: 'walk-component' }, 201],
      ['POST', '/rest/api/3/version', { project: p, name: 'walk-1.0' }, 201],
      ['GET', `/rest/api/3/issue/createmeta/${p}/issuetypes`],
      ['GET', `/rest/api/3/issue/${key}?expand=names,schema,changelog,renderedFields,transitions`],
      ['GET', `/rest/api/2/issue/${key}?fields=*all`],
      ['PUT', `/rest/api/3/issue/${key}`, { fields: { summary: 'Walk edited' }, update: { labels: [{ add: 'edited' }] } }, 204],
      ['PUT', `/rest/api/3/issue/${key}/assignee`, { accountId: me }, 204],
      ['GET', `/rest/api/3/issue/${key}/editmeta`],
      ['GET', `/rest/api/3/issue/${key}/transitions`],
      ['POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: '21' } }, 204],
      ['GET', `/rest/api/3/issue/${key}/changelog`],
      ['POST', `/rest/api/3/issue/${key}/comment`, { body: adf('a comment') }, 201],
      ['POST', `/rest/api/2/issue/${key}/comment`, { body: 'a v2 comment' }, 201],
      ['GET', `/rest/api/3/issue/${key}/comment`],
      ['POST', `/rest/api/3/issue/${key}/watchers`, me, 204],
      ['GET', `/rest/api/3/issue/${key}/watchers`],
      ['POST', `/rest/api/3/issue/${other}/votes`, undefined, 204],
      ['GET', `/rest/api/3/issue/${other}/votes`],
      ['POST', `/rest/api/3/issue/${key}/worklog`, { timeSpentSeconds: 600 }, 201],
      ['GET', `/rest/api/3/issue/${key}/worklog`],
      ['POST', '/rest/api/3/issueLink', { type: { name: 'Blocks' }, inwardIssue: { key }, outwardIssue: { key: other } }, 201],
      ['POST', '/rest/api/3/search/jql', { jql: `project = ${p} ORDER BY updated DESC`, maxResults: 5, fields: ['*navigable'] }],
      ['GET', `/rest/api/3/search/jql?jql=${encodeURIComponent('text ~ "error" ORDER BY updated DESC')}&fields=summary,status`],
      ['POST', '/rest/api/3/search/approximate-count', { jql: `project = ${p}` }],
      ['POST', '/rest/api/3/search/jql', { jql: 'project = = X' }, 400],
      ['GET', '/rest/api/3/search?jql=project%20%3D%20X', undefined, 410],
      ['POST', '/rest/api/3/jql/parse?validation=strict', { queries: ['project = X', 'summary ~'] }],
      ['GET', '/rest/api/3/jql/autocompletedata'],
      ['GET', `/rest/agile/1.0/board/${board.id}`],
      ['GET', `/rest/agile/1.0/board/${board.id}/configuration`],
      ['GET', `/rest/agile/1.0/board/${board.id}/issue`],
      ['GET', `/rest/agile/1.0/board/${board.id}/backlog`],
      ['GET', `/rest/agile/1.0/board/${board.id}/sprint`],
      ['POST', '/rest/webhooks/1.0/webhook', { name: 'walk', url: 'http://127.0.0.1:9/hook', events: ['jira:issue_updated'] }, 201],
      ['GET', '/rest/webhooks/1.0/webhook'],
      ['GET', '/rest/api/3/webhook', undefined, 403],
      ['GET', `/rest/api/3/issue/${p}-99999`, undefined, 404],
      ['POST', '/rest/api/3/issue', { fields: { project: { key: 'NOPE' }, summary: 'x', issuetype: { name: 'Task' } } }, 400],
      ['DELETE', `/rest/api/3/issue/${other}`, undefined, 204],
    ];
    for (const [method, path, body, expected] of steps) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(expected ?? 200);
    }
    const sprint = await call('POST', '/rest/agile/1.0/sprint', { name: 'Walk sprint', originBoardId: board.id });
    expect(sprint.status).toBe(201);
    for (const [method, path, body, expected] of [
      ['POST', `/rest/agile/1.0/sprint/${sprint.body.id}/issue`, { issues: [key] }, 204],
      ['GET', `/rest/agile/1.0/sprint/${sprint.body.id}`],
      ['GET', `/rest/agile/1.0/sprint/${sprint.body.id}/issue`],
      ['POST', '/rest/agile/1.0/backlog/issue', { issues: [key] }, 204],
    ] as Step[]) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(expected ?? 200);
    }
    expect((await call('GET', '/rest/api/3/myself', undefined, false)).status).toBe(401);

    const reached = new Set(kernel.journal.query({}).map((e) => e.operation));
    expect(reached.size, 'the walk reached most of the contract').toBeGreaterThanOrEqual(60);
    expect(kernel.responseViolations, JSON.stringify(kernel.responseViolations, null, 1)).toEqual([]);
  }, 120_000);
});
