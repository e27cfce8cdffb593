// The contract with Jira's users, as they meet it: `twins up jira --json` (a real process) gives twins.jira.env with exactly
// JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN, JIRA_PROJECT_KEY and JIRA_WEBHOOK_SECRET, and each one does what it says with
// jira.js configured by host and basic auth only; a tenant made later is its own site under its own URL prefix.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgileClient, Version3Client } from 'jira.js';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, twins, until } from '../support/cli.ts';
import { basic, type Json } from './support.ts';

const dirs: string[] = [];
afterAll(() => {
  killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('twins up jira --json', () => {
  it('gives exactly the five variables, and each works unmodified with jira.js', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twins-up-jira-'));
    dirs.push(dir);
    const p = twins(['up', 'jira', '--port', '0', '--json', '--seed', '12', '--env-file', join(dir, 'twins.env')]);
    await until(() => p.out().includes('\n'), 'the JSON line', 60_000);
    const { twins: up } = JSON.parse(p.out().trim()) as { twins: { jira: { url: string; control: string; env: Record<string, string> } } };
    const { url, env } = up.jira;
    expect(Object.keys(env).sort()).toEqual(['JIRA_API_TOKEN', 'JIRA_BASE_URL', 'JIRA_EMAIL', 'JIRA_PROJECT_KEY', 'JIRA_WEBHOOK_SECRET']);
    // The site URL, at the root for the default site, no trailing slash.
    expect(env.JIRA_BASE_URL).toBe(url);
    expect(env.JIRA_BASE_URL.endsWith('/')).toBe(false);
    for (const v of Object.values(env)) expect(v).not.toBe('');

    const auth = { basic: { email: env.JIRA_EMAIL, apiToken: env.JIRA_API_TOKEN } };
    const v3 = new Version3Client({ host: env.JIRA_BASE_URL, authentication: auth });
    const agile = new AgileClient({ host: env.JIRA_BASE_URL, authentication: auth });
    // JIRA_EMAIL + JIRA_API_TOKEN: a site admin.
    const me = await v3.myself.getCurrentUser({ expand: 'groups' });
    expect(me.emailAddress).toBe(env.JIRA_EMAIL);
    expect(me.groups?.items?.map((g) => g.name)).toContain('jira-admins');
    // JIRA_PROJECT_KEY: a seeded software project with a board; every self link absolute on the URL used.
    const project = await v3.projects.getProject({ projectIdOrKey: env.JIRA_PROJECT_KEY });
    expect(project.projectTypeKey).toBe('software');
    expect(project.self).toBe(`${env.JIRA_BASE_URL}/rest/api/3/project/${project.id}`);
    const boards = await agile.board.getAllBoards({ projectKeyOrId: env.JIRA_PROJECT_KEY });
    expect(boards.values?.length).toBeGreaterThanOrEqual(1);
    expect(boards.values?.[0].self).toBe(`${env.JIRA_BASE_URL}/rest/agile/1.0/board/${boards.values?.[0].id}`);
    // REST under /rest/api/3, /rest/api/2 and /rest/agile/1.0 on that URL.
    for (const path of ['/rest/api/3/myself', '/rest/api/2/myself', '/rest/agile/1.0/board']) {
      const res = await fetch(`${env.JIRA_BASE_URL}${path}`, { headers: { authorization: basic(env.JIRA_EMAIL, env.JIRA_API_TOKEN) } });
      expect(res.status, path).toBe(200);
    }
    // JIRA_WEBHOOK_SECRET: the secret of the seeded admin webhook once it is configured (pointed at the app); listed, the
    // secret is masked. (That it signs with this secret: test/jira/webhooks.test.ts.)
    const listHooks = async () =>
      (await (
        await fetch(`${env.JIRA_BASE_URL}/rest/webhooks/1.0/webhook`, {
          headers: { authorization: basic(env.JIRA_EMAIL, env.JIRA_API_TOKEN) },
        })
      ).json()) as Json[];
    expect(await listHooks()).toEqual([]);
    const pointed = await fetch(`${up.jira.control}/jira/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/jira/webhook' }),
    });
    expect(pointed.status).toBe(200);
    const hooks = await listHooks();
    expect(hooks.map((h) => [h.url, h.enabled, h.secret])).toEqual([['http://127.0.0.1:9/jira/webhook', true, '**********']]);
    expect(JSON.stringify(hooks)).not.toContain(env.JIRA_WEBHOOK_SECRET);

    // A site made through the control plane is its own site under /t/<id>, with its own credentials.
    const made = await fetch(`${up.jira.control}/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'second-site' }),
    });
    expect(made.status).toBe(201);
    const second = ((await made.json()) as { env: Record<string, string> }).env;
    expect(Object.keys(second).sort()).toEqual(Object.keys(env).sort());
    expect(second.JIRA_BASE_URL).toBe(`${url}/t/second-site`);
    expect(second.JIRA_API_TOKEN).not.toBe(env.JIRA_API_TOKEN);
    const v3b = new Version3Client({
      host: second.JIRA_BASE_URL,
      authentication: { basic: { email: second.JIRA_EMAIL, apiToken: second.JIRA_API_TOKEN } },
    });
    const created = await v3b.issues.createIssue({
      fields: { project: { key: second.JIRA_PROJECT_KEY }, issuetype: { name: 'Task' }, summary: 'on the second site' },
    });
    expect(created.self).toBe(`${second.JIRA_BASE_URL}/rest/api/3/issue/${created.id}`);
    const onFirst = await v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'summary ~ "second site"' });
    expect(onFirst.issues).toEqual([]);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 120_000);
});
