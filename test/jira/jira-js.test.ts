// jira.js 5 unmodified (Version3Client, Version2Client; basic auth, host only) against the Jira twin over HTTP.

import { Version3Client } from 'jira.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JiraFixture, type Json, jiraFailure, startJira } from './support.ts';

let j: JiraFixture;
const doc = (text: string) => ({
  type: 'doc' as const,
  version: 1,
  content: [{ type: 'paragraph' as const, content: [{ type: 'text' as const, text }] }],
});

beforeAll(async () => {
  j = await startJira({ seed: 42 });
});
afterAll(async () => {
  await j.close();
});

describe('identity', () => {
  it('myself names the admin of JIRA_EMAIL with Jira user fields and an absolute self link', async () => {
    const me = await j.v3.myself.getCurrentUser();
    expect(me.emailAddress).toBe(j.env.JIRA_EMAIL);
    expect(me.accountType).toBe('atlassian');
    expect(me.active).toBe(true);
    expect(me.self).toBe(`${j.env.JIRA_BASE_URL}/rest/api/3/user?accountId=${me.accountId}`);
    expect(Object.keys(me.avatarUrls ?? {})).toEqual(expect.arrayContaining(['16x16', '24x24', '32x32', '48x48']));
  });

  it('answers a wrong token, a wrong email and no credentials with 401 in the error envelope', async () => {
    const bad = new Version3Client({ host: j.env.JIRA_BASE_URL, authentication: { basic: { email: j.env.JIRA_EMAIL, apiToken: 'nope' } } });
    const f = await jiraFailure(bad.myself.getCurrentUser());
    expect(f.status).toBe(401);
    expect(f.data.errorMessages).toEqual(['Client must be authenticated to access this resource.']);
    const wrongEmail = new Version3Client({
      host: j.env.JIRA_BASE_URL,
      authentication: { basic: { email: 'bob@elsewhere.test', apiToken: j.env.JIRA_API_TOKEN } },
    });
    expect((await jiraFailure(wrongEmail.myself.getCurrentUser())).status).toBe(401);
    const anon = await fetch(`${j.env.JIRA_BASE_URL}/rest/api/3/myself`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({
      errorMessages: ['You are not authenticated. Authentication required to perform this operation.'],
      errors: {},
    });
  });

  it('finds users by query and assignable users by project, and a user by accountId', async () => {
    const found = await j.v3.userSearch.findUsers({ query: 'alice' });
    expect(found.map((u) => u.displayName)).toEqual(['Alice Adams']);
    const assignable = await j.v3.userSearch.findAssignableUsers({ project: j.env.JIRA_PROJECT_KEY });
    expect(assignable.length).toBe(5);
    const one = await j.v3.users.getUser({ accountId: found[0].accountId as string });
    expect(one.emailAddress).toMatch(/^alice@/);
    expect((await jiraFailure(j.v3.users.getUser({ accountId: 'no-such' }))).status).toBe(404);
  });
});

describe('projects and catalogues', () => {
  it('searches projects as a PageBean and gets the seeded one with its issue types', async () => {
    const page = await j.v3.projects.searchProjects({ query: 'OPS' });
    expect(page.isLast).toBe(true);
    expect(page.total).toBe(1);
    expect(page.values?.[0].key).toBe('OPS');
    const p = await j.v3.projects.getProject({ projectIdOrKey: 'OPS' });
    expect(p.issueTypes?.map((t) => t.name)).toEqual(['Epic', 'Story', 'Task', 'Bug', 'Subtask']);
    expect((await jiraFailure(j.v3.projects.getProject({ projectIdOrKey: 'NOPE' }))).data.errorMessages).toEqual([
      "No project could be found with key 'NOPE'.",
    ]);
  });

  it('creates a scrum project (AUTOTEST, lead = myself) and deletes it', async () => {
    const me = await j.v3.myself.getCurrentUser();
    const created = await j.v3.projects.createProject({
      key: 'AUTOTEST',
      name: 'Autotest',
      leadAccountId: me.accountId as string,
      projectTypeKey: 'software',
      projectTemplateKey: 'com.pyxis.greenhopper.jira:gh-simplified-agility-scrum',
    });
    expect(created.key).toBe('AUTOTEST');
    const dup = await jiraFailure(
      j.v3.projects.createProject({ key: 'AUTOTEST', name: 'Other', leadAccountId: me.accountId as string, projectTypeKey: 'software' }),
    );
    expect(dup.status).toBe(400);
    expect(dup.data.errors.projectKey).toMatch(/uses this project key/);
    await j.v3.projects.deleteProject({ projectIdOrKey: 'AUTOTEST' });
    expect((await jiraFailure(j.v3.projects.getProject({ projectIdOrKey: 'AUTOTEST' }))).status).toBe(404);
  });

  it('lists statuses with their categories, priorities, fields and link types', async () => {
    const statuses = await j.v3.workflowStatuses.getStatuses();
    expect(statuses.map((s) => [s.name, s.statusCategory?.key])).toEqual([
      ['To Do', 'new'],
      ['In Progress', 'indeterminate'],
      ['Done', 'done'],
    ]);
    const fields = await j.v3.issueFields.getFields();
    expect(fields.find((f) => f.id === 'summary')?.clauseNames).toEqual(['summary']);
    expect(fields.find((f) => f.id === 'customfield_10020')?.name).toBe('Sprint');
    const types = await j.v3.issueLinkTypes.getIssueLinkTypes();
    expect(types.issueLinkTypes?.map((t) => t.name)).toContain('Blocks');
    const byName = await j.v3.status.getStatusesByName({ name: ['Done'] } as never);
    expect((byName as Json[]).map((s) => s.name)).toEqual(['Done']);
  });
});

describe('issues', () => {
  let key: string;

  it('creates an issue with ADF in v3 and reads it back in v3 (ADF) and v2 (string)', async () => {
    const created = await j.v3.issues.createIssue({
      fields: {
        project: { key: 'OPS' },
        issuetype: { name: 'Bug' },
        summary: 'Checkout fails',
        description: doc('Stack trace attached'),
        labels: ['checkout'],
        priority: { name: 'High' },
      },
    });
    expect(created.key).toMatch(/^OPS-\d+$/);
    expect(created.self).toBe(`${j.env.JIRA_BASE_URL}/rest/api/3/issue/${created.id}`);
    key = created.key;
    const v3 = await j.v3.issues.getIssue({ issueIdOrKey: key });
    expect(v3.fields.description).toEqual(doc('Stack trace attached'));
    expect(v3.fields.status.name).toBe('To Do');
    expect(v3.fields.priority?.name).toBe('High');
    expect(v3.fields.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    const v2 = await j.v2.issues.getIssue({ issueIdOrKey: key });
    expect(v2.fields.description).toBe('Stack trace attached');
  });

  it('creates in v2 with a string and refuses a string in v3, naming the field', async () => {
    const created = await j.v2.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'From v2', description: 'line one\nline two' },
    });
    const v3 = await j.v3.issues.getIssue({ issueIdOrKey: created.key, fields: ['description'] });
    expect((v3.fields as Json).description.content).toHaveLength(2);
    // jira.js wraps a string in ADF itself, so the raw call shows what Jira answers to a string.
    const f = await j.api('POST', '/rest/api/3/issue', {
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'x', description: 'plain' },
    });
    expect(f.status).toBe(400);
    expect(f.body).toEqual({
      errorMessages: [],
      errors: { description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' },
    });
  });

  it('answers missing fields with 400 keyed by field id and uses no key for a failed create', async () => {
    const before = await j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = OPS ORDER BY key DESC',
      maxResults: 1,
      fields: ['key'],
    });
    const f = await jiraFailure(j.v3.issues.createIssue({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' } } as never }));
    expect(f.data.errors).toEqual({ summary: 'You must specify a summary of the issue.' });
    const bad = await jiraFailure(
      j.v3.issues.createIssue({ fields: { project: { key: 'ZZZ' }, issuetype: { name: 'Nope' }, summary: 's' } }),
    );
    expect(Object.keys(bad.data.errors).sort()).toEqual(['issuetype', 'project']);
    const next = await j.v3.issues.createIssue({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'next' } });
    const lastNumber = Number(String(before.issues?.[0].key).split('-')[1]);
    expect(next.key).toBe(`OPS-${lastNumber + 1}`);
  });

  it('creates in bulk, reporting failures by index', async () => {
    const r = await j.v3.issues.createIssues({
      issueUpdates: [
        { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'bulk one' } },
        { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' } } as never },
      ],
    });
    expect(r.issues).toHaveLength(1);
    expect(r.errors?.[0]).toMatchObject({
      failedElementNumber: 1,
      status: 400,
      elementErrors: { errors: { summary: 'You must specify a summary of the issue.' } },
    });
  });

  it('edits fields and update operations, recording each change in the changelog', async () => {
    await j.v3.issues.editIssue({
      issueIdOrKey: key,
      fields: { summary: 'Checkout fails on Safari' },
      update: { labels: [{ add: 'safari' }, { remove: 'checkout' }] },
    });
    const issue = await j.v3.issues.getIssue({ issueIdOrKey: key, expand: 'changelog,names,renderedFields,transitions' });
    expect(issue.fields.summary).toBe('Checkout fails on Safari');
    expect(issue.fields.labels).toEqual(['safari']);
    const items = issue.changelog?.histories?.flatMap((h) => h.items ?? []) ?? [];
    expect(items.map((i) => i.field)).toEqual(['summary', 'labels']);
    expect(items[1]).toMatchObject({ fromString: 'checkout', toString: 'safari' });
    expect((issue.names as Json).summary).toBe('Summary');
    expect((issue.renderedFields as Json).description).toContain('<p>Stack trace attached</p>');
    expect(issue.transitions?.map((t) => t.name)).toEqual(['In Progress', 'Done']);
    const logs = await j.v3.issues.getChangeLogs({ issueIdOrKey: key });
    expect(logs.total).toBe(1);
  });

  it('assigns and unassigns', async () => {
    const [alice] = await j.v3.userSearch.findUsers({ query: 'alice' });
    await j.v3.issues.assignIssue({ issueIdOrKey: key, accountId: alice.accountId as string });
    expect((await j.v3.issues.getIssue({ issueIdOrKey: key, fields: ['assignee'] })).fields.assignee?.displayName).toBe('Alice Adams');
    await j.v3.issues.assignIssue({ issueIdOrKey: key, accountId: null as never });
    expect((await j.v3.issues.getIssue({ issueIdOrKey: key, fields: ['assignee'] })).fields.assignee).toBeNull();
  });

  it('transitions from the current status only, setting and clearing the resolution', async () => {
    const { transitions } = await j.v3.issues.getTransitions({ issueIdOrKey: key });
    const done = transitions?.find((t) => t.name === 'Done');
    await j.v3.issues.doTransition({ issueIdOrKey: key, transition: { id: done?.id as string } });
    let issue = await j.v3.issues.getIssue({ issueIdOrKey: key });
    expect(issue.fields.status.statusCategory?.key).toBe('done');
    expect(issue.fields.resolution?.name).toBe('Done');
    expect(issue.fields.resolutiondate).toBeTruthy();
    const again = await jiraFailure(j.v3.issues.doTransition({ issueIdOrKey: key, transition: { id: done?.id as string } }));
    expect(again.status).toBe(400);
    expect(again.data.errorMessages).toEqual([`Transition id '${done?.id}' is not valid for this issue.`]);
    await j.v3.issues.doTransition({ issueIdOrKey: key, transition: { id: '11' } });
    issue = await j.v3.issues.getIssue({ issueIdOrKey: key });
    expect(issue.fields.status.name).toBe('To Do');
    expect(issue.fields.resolution).toBeNull();
  });

  it('comments in ADF (v3) and strings (v2), paged, with visibility', async () => {
    const c = await j.v3.issueComments.addComment({
      issueIdOrKey: key,
      comment: doc('first') as never,
      visibility: { type: 'role', value: 'Developers' },
    } as never);
    expect(c.body).toEqual(doc('first'));
    expect(c.visibility).toMatchObject({ type: 'role', value: 'Developers' });
    await j.v2.issueComments.addComment({ issueIdOrKey: key, comment: 'second' } as never);
    const page = await j.v3.issueComments.getComments({ issueIdOrKey: key, maxResults: 1 });
    expect(page.total).toBe(2);
    expect(page.comments).toHaveLength(1);
    const v2 = await j.v2.issueComments.getComments({ issueIdOrKey: key });
    expect(v2.comments?.map((x) => (x as Json).body)).toEqual(['first', 'second']);
    await j.v3.issueComments.updateComment({ issueIdOrKey: key, id: c.id as string, body: doc('first, edited') } as never);
    expect((await j.v3.issueComments.getComment({ issueIdOrKey: key, id: c.id as string })).body).toEqual(doc('first, edited'));
    await j.v3.issueComments.deleteComment({ issueIdOrKey: key, id: c.id as string });
    expect((await jiraFailure(j.v3.issueComments.getComment({ issueIdOrKey: key, id: c.id as string }))).status).toBe(404);
  });

  it('deletes an issue (subtasks need deleteSubtasks) and never reuses its key', async () => {
    const parent = await j.v3.issues.createIssue({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'parent' } });
    await j.v3.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Subtask' }, summary: 'child', parent: { key: parent.key } },
    });
    expect((await jiraFailure(j.v3.issues.deleteIssue({ issueIdOrKey: parent.key }))).status).toBe(400);
    await j.v3.issues.deleteIssue({ issueIdOrKey: parent.key, deleteSubtasks: true });
    const missing = await jiraFailure(j.v3.issues.getIssue({ issueIdOrKey: parent.key }));
    expect(missing).toEqual({
      status: 404,
      data: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} },
    });
    const after = await j.v3.issues.createIssue({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'after' } });
    expect(Number(after.key.split('-')[1])).toBe(Number(parent.key.split('-')[1]) + 2);
  });

  it('create and edit meta list the fields', async () => {
    const types = await j.v3.issues.getCreateIssueMetaIssueTypes({ projectIdOrKey: 'OPS' });
    expect(types.issueTypes?.map((t) => t.name)).toContain('Task');
    const meta = await j.v3.issues.getEditIssueMeta({ issueIdOrKey: key });
    expect((meta.fields as Json).labels.operations).toEqual(['add', 'set', 'remove']);
  });
});

describe('search', () => {
  it('searches with /search/jql: fields default to id, nextPageToken pages, no total', async () => {
    const first = await j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'project = OPS ORDER BY key ASC', maxResults: 2 });
    expect(first.issues?.[0]).toEqual({ expand: expect.any(String), id: expect.any(String), self: expect.any(String), key: 'OPS-1' });
    expect((first as Json).isLast).toBe(false);
    expect(first).not.toHaveProperty('total');
    const second = await j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = OPS ORDER BY key ASC',
      maxResults: 2,
      nextPageToken: first.nextPageToken as string,
      fields: ['summary', 'status'],
    });
    expect(second.issues?.[0].key).toBe('OPS-3');
    expect(second.issues?.[0].fields?.summary).toBe('Write the incident runbook');
    const post = await j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
      jql: 'project = OPS AND labels = incident',
      fields: ['*all'],
    });
    expect(post.issues?.map((i) => i.key)).toEqual(['OPS-2']);
    expect((post as Json).isLast).toBe(true);
    expect(post).not.toHaveProperty('nextPageToken');
    const count = await j.v3.issueSearch.countIssues({ jql: 'project = OPS' });
    expect(count.count).toBeGreaterThan(3);
  });

  it('answers bad JQL, unbounded queries and bad tokens with 400; the removed /search with 410', async () => {
    const parse = await jiraFailure(j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'project = ' }));
    expect(parse.status).toBe(400);
    expect(parse.data.errorMessages[0]).toMatch(/^Error in the JQL Query: .*\(line 1, character \d+\)$/);
    const unbounded = await jiraFailure(j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'ORDER BY created' }));
    expect(unbounded.data.errorMessages).toEqual([
      'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
    ]);
    const token = await jiraFailure(
      j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'project = OPS', nextPageToken: 'garbage' }),
    );
    expect(token.data.errorMessages).toEqual(['Invalid format of nextPageToken']);
    const removed = await jiraFailure(j.v3.issueSearch.searchForIssuesUsingJql({ jql: 'project = OPS' }));
    expect(removed.status).toBe(410);
    expect(removed.data.errorMessages[0]).toMatch(/migrate to the \/rest\/api\/3\/search\/jql API/);
    const removed2 = await jiraFailure(j.v2.issueSearch.searchForIssuesUsingJql({ jql: 'project = OPS' }));
    expect(removed2.status).toBe(410);
  });

  it('parses JQL', async () => {
    const r = await j.v3.jql.parseJqlQueries({
      queries: ['project = OPS ORDER BY created DESC', 'nope = 1', 'a = '],
      validation: 'strict',
    });
    expect(r.queries?.[0].structure?.where).toMatchObject({ field: { name: 'project' }, operator: '=', operand: { value: 'OPS' } });
    expect(r.queries?.[1].errors).toEqual(["Field 'nope' does not exist or you do not have permission to view it."]);
    expect(r.queries?.[2].errors?.[0]).toMatch(/^Error in the JQL Query/);
  });
});

describe('webhooks and contract', () => {
  it('refuses the app-only dynamic webhook API to basic auth with 403', async () => {
    const f = await jiraFailure(j.v3.webhooks.getDynamicWebhooksForApp());
    expect(f.status).toBe(403);
    expect(f.data.errorMessages).toHaveLength(1);
  });

  it('every answer so far matched the twin contract', () => {
    expect((j.kernel as unknown as { responseViolations: unknown[] }).responseViolations).toEqual([]);
  });
});
