// jira-client 8 unmodified (protocol, host, port, base path, basic auth, apiVersion 2 or 3) against the Jira twin over HTTP.

import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JiraFixture, type Json, startJira } from './support.ts';

/** The subset of jira-client's JiraApi these tests call; the package ships no types and the lead installs none. */
interface JiraApi {
  findIssue(key: string, expand?: string, fields?: string): Promise<Json>;
  addNewIssue(issue: Json): Promise<Json>;
  updateIssue(key: string, update: Json, query?: Json): Promise<Json | undefined>;
  listTransitions(key: string): Promise<Json>;
  transitionIssue(key: string, transition: Json): Promise<Json | undefined>;
  addComment(key: string, comment: unknown): Promise<Json>;
  getCurrentUser(): Promise<Json>;
  searchJira(jql: string, optional?: Json): Promise<Json>;
  deleteIssue(key: string): Promise<Json | undefined>;
}
type JiraApiOptions = {
  protocol: string;
  host: string;
  port: string;
  base?: string;
  username: string;
  password: string;
  apiVersion: string;
  strictSSL: boolean;
};
// jira-client is CommonJS (`module.exports = JiraApi`), so it is loaded exactly as a Node app would require it.
const JiraClient = createRequire(import.meta.url)('jira-client') as new (options: JiraApiOptions) => JiraApi;

let j: JiraFixture;

/** A jira-client configured only the way its README says: host, port, credentials, API version. */
function client(apiVersion: '2' | '3', over: Partial<JiraApiOptions> = {}): JiraApi {
  const u = new URL(j.env.JIRA_BASE_URL);
  return new JiraClient({
    protocol: u.protocol.replace(':', ''),
    host: u.hostname,
    port: u.port,
    username: j.env.JIRA_EMAIL,
    password: j.env.JIRA_API_TOKEN,
    apiVersion,
    strictSSL: false,
    ...over,
  });
}

/** jira-client turns a >= 400 answer into `new Error(JSON.stringify(body))`; this reads that body back. */
async function failure(p: Promise<unknown>): Promise<Json> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return JSON.parse((err as Error).message) as Json;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  j = await startJira({ seed: 42 });
});
afterAll(async () => {
  await j.close();
});

describe('jira-client 8 with apiVersion 2', () => {
  let key = '';

  it('getCurrentUser names the admin of JIRA_EMAIL', async () => {
    const me = await client('2').getCurrentUser();
    expect(me.emailAddress).toBe(j.env.JIRA_EMAIL);
    expect(me.active).toBe(true);
    expect(me.self).toBe(`${j.env.JIRA_BASE_URL}/rest/api/2/user?accountId=${me.accountId}`);
  });

  it('addNewIssue creates an issue with a plain-text description, findIssue reads it back', async () => {
    const jira = client('2');
    const created = await jira.addNewIssue({
      fields: {
        project: { key: j.env.JIRA_PROJECT_KEY },
        summary: 'Created by jira-client',
        issuetype: { name: 'Task' },
        description: 'First line\nSecond line',
        labels: ['jira-client'],
      },
    });
    expect(created.key).toMatch(new RegExp(`^${j.env.JIRA_PROJECT_KEY}-\\d+$`));
    expect(created.self).toBe(`${j.env.JIRA_BASE_URL}/rest/api/2/issue/${created.id}`);
    key = created.key as string;
    // findIssue sends expand='', fields='*all', properties='*all', fieldsByKeys=false: the twin must accept all of them.
    const issue = await jira.findIssue(key);
    expect(issue.key).toBe(key);
    expect(issue.fields.summary).toBe('Created by jira-client');
    expect(issue.fields.description).toBe('First line\nSecond line');
    expect(issue.fields.labels).toEqual(['jira-client']);
    expect(issue.fields.status.name).toBe('To Do');
    expect(issue.fields.issuetype.name).toBe('Task');
  });

  it('updateIssue changes fields (204, no body) and findIssue sees the change', async () => {
    const jira = client('2');
    const res = await jira.updateIssue(key, {
      fields: { summary: 'Renamed by jira-client' },
      update: { labels: [{ add: 'triaged' }] },
    });
    expect(res).toBeUndefined();
    const issue = await jira.findIssue(key);
    expect(issue.fields.summary).toBe('Renamed by jira-client');
    expect([...(issue.fields.labels as string[])].sort()).toEqual(['jira-client', 'triaged']);
  });

  it('listTransitions offers the workflow from To Do; transitionIssue moves the issue and sets the resolution', async () => {
    const jira = client('2');
    const listed = await jira.listTransitions(key);
    const names = (listed.transitions as Json[]).map((t) => t.name);
    expect(names).toEqual(['In Progress', 'Done']);
    const done = (listed.transitions as Json[]).find((t) => t.name === 'Done') as Json;
    expect(done.to.statusCategory.key).toBe('done');
    expect(await jira.transitionIssue(key, { transition: { id: done.id } })).toBeUndefined();
    const issue = await jira.findIssue(key);
    expect(issue.fields.status.name).toBe('Done');
    expect(issue.fields.resolution?.name).toBe('Done');
    // A transition id the workflow does not offer is refused in Jira's envelope.
    expect(await failure(jira.transitionIssue(key, { transition: { id: '999' } }))).toEqual({
      errorMessages: ["Transition id '999' is not valid for this issue."],
      errors: {},
    });
  });

  it('addComment posts a string body (v2) and findIssue lists it', async () => {
    const jira = client('2');
    const comment = await jira.addComment(key, 'Looks good from jira-client');
    expect(comment.body).toBe('Looks good from jira-client');
    expect(comment.author.emailAddress).toBe(j.env.JIRA_EMAIL);
    expect(comment.self).toBe(`${j.env.JIRA_BASE_URL}/rest/api/2/issue/${(await jira.findIssue(key)).id}/comment/${comment.id}`);
    const issue = await jira.findIssue(key);
    expect((issue.fields.comment.comments as Json[]).map((c) => c.body)).toContain('Looks good from jira-client');
  });

  it('searchJira POSTs to the removed /rest/api/2/search: the 410 surfaces as the error with Atlassian message', async () => {
    const body = await failure(client('2').searchJira(`project = ${j.env.JIRA_PROJECT_KEY}`, { maxResults: 5 }));
    expect(body).toEqual({
      errorMessages: [
        'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
      ],
      errors: {},
    });
  });

  it('deleteIssue removes the issue; findIssue then fails with 404 in the error', async () => {
    const jira = client('2');
    expect(await jira.deleteIssue(key)).toBeUndefined();
    expect(await failure(jira.findIssue(key))).toEqual({
      errorMessages: ['Issue does not exist or you do not have permission to see it.'],
      errors: {},
    });
    expect((await failure(jira.deleteIssue(key))).errorMessages).toEqual(['Issue does not exist or you do not have permission to see it.']);
  });

  it('a wrong API token surfaces the 401 envelope as the error', async () => {
    const body = await failure(client('2', { password: 'not-the-token' }).getCurrentUser());
    expect(body.errorMessages).toEqual(['Client must be authenticated to access this resource.']);
  });
});

describe('jira-client 8 with apiVersion 3', () => {
  it('reads and writes ADF on /rest/api/3 and refuses a string comment body with 400', async () => {
    const jira = client('3');
    const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
    const created = await jira.addNewIssue({
      fields: {
        project: { key: j.env.JIRA_PROJECT_KEY },
        summary: 'v3 via jira-client',
        issuetype: { name: 'Bug' },
        description: adf('Broken'),
      },
    });
    expect(created.self).toBe(`${j.env.JIRA_BASE_URL}/rest/api/3/issue/${created.id}`);
    const issue = await jira.findIssue(created.key as string);
    expect(issue.fields.description).toEqual(adf('Broken'));
    // jira-client's addComment wraps its argument as {body}; on v3 an ADF document is the only accepted form.
    const ok = await jira.addComment(created.key as string, adf('ADF comment'));
    expect(ok.body).toEqual(adf('ADF comment'));
    expect(await failure(jira.addComment(created.key as string, 'plain string'))).toEqual({
      errorMessages: [],
      errors: { comment: 'Comment body is not valid!' },
    });
    // The removed search is removed on v3 too.
    expect((await failure(jira.searchJira('order by created'))).errorMessages[0]).toMatch(/^The requested API has been removed/);
    await jira.deleteIssue(created.key as string);
  });
});

describe('jira-client 8 under a base path', () => {
  it('reaches a site pinned by its /t/<id> prefix with that site own credential, and self links keep the prefix', async () => {
    const site = j.kernel.createTenant({ id: 'jc-site' });
    const env = j.kernel.env(site, j.url);
    const jira = client('2', { base: '/t/jc-site', username: env.JIRA_EMAIL, password: env.JIRA_API_TOKEN });
    const me = await jira.getCurrentUser();
    expect(me.emailAddress).toBe(env.JIRA_EMAIL);
    expect(me.self).toBe(`${j.url}/t/jc-site/rest/api/2/user?accountId=${me.accountId}`);
    const created = await jira.addNewIssue({
      fields: { project: { key: env.JIRA_PROJECT_KEY }, summary: 'On site b', issuetype: { name: 'Task' } },
    });
    expect(created.self).toBe(`${j.url}/t/jc-site/rest/api/2/issue/${created.id}`);
    // The default site's credential is refused under another site's prefix.
    const foreign = client('2', { base: '/t/jc-site' });
    expect((await failure(foreign.getCurrentUser())).errorMessages).toEqual(['Client must be authenticated to access this resource.']);
  });
});
