// jira.js AgileClient (boards, backlog, sprints, epics) and the issue extras (watchers, votes, worklogs, links, attachments), plus the rate-limit answer.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JiraFixture, type Json, jiraFailure, startJira } from './support.ts';

let j: JiraFixture;

beforeAll(async () => {
  // A virtual clock: the per-issue bucket below refills only when the test says, so its 429 does not race the machine's load.
  j = await startJira({ seed: 5, clock: 'virtual', clockStart: Date.UTC(2026, 0, 5, 9) });
});
afterAll(async () => {
  await j.close();
});

describe('agile', () => {
  it('finds the project board with its filter, its sprint and its issues', async () => {
    const boards = await j.agile.board.getAllBoards({ projectKeyOrId: j.env.JIRA_PROJECT_KEY });
    expect(boards.values?.map((b) => [b.name, b.type])).toEqual([['OPS board', 'scrum']]);
    const id = boards.values?.[0].id as number;
    const config = await j.agile.board.getConfiguration({ boardId: id });
    expect(config.filter?.self).toBeTruthy();
    const sprints = await j.agile.board.getAllSprints({ boardId: id, state: 'active' });
    expect(sprints.values?.map((s) => s.name)).toEqual(['OPS Sprint 1']);
    const issues = await j.agile.board.getIssuesForBoard({ boardId: id });
    expect(issues.issues?.map((i) => i.key)).toEqual(['OPS-1', 'OPS-2', 'OPS-3']);
  });

  it('creates, fills, starts and completes a sprint; the backlog and the sprint field follow', async () => {
    const created = await j.v3.issues.createIssue({
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Story' }, summary: 'sprint me' },
    });
    const backlog = await j.agile.board.getIssuesForBacklog({ boardId: 1 });
    expect(backlog.issues?.map((i) => i.key)).toEqual([created.key]);
    const sprint = await j.agile.sprint.createSprint({ name: 'OPS Sprint 2', originBoardId: 1 });
    expect(sprint.state).toBe('future');
    await j.agile.sprint.moveIssuesToSprintAndRank({ sprintId: sprint.id as number, issues: [created.key] });
    const issue = await j.v3.issues.getIssue({ issueIdOrKey: created.key, fields: ['customfield_10020'] });
    expect((issue.fields as Json).customfield_10020.map((s: Json) => s.name)).toEqual(['OPS Sprint 2']);
    const found = await j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: `sprint = ${sprint.id}`, fields: ['key'] });
    expect(found.issues?.map((i) => i.key)).toEqual([created.key]);
    const bad = await jiraFailure(j.agile.sprint.updateSprint({ sprintId: sprint.id as number, state: 'active' }));
    expect(bad.status).toBe(400);
    await j.agile.sprint.updateSprint({
      sprintId: sprint.id as number,
      state: 'active',
      startDate: '2026-01-05T09:00:00.000Z',
      endDate: '2026-01-19T09:00:00.000Z',
    });
    expect((await j.agile.sprint.getSprint({ sprintId: sprint.id as number })).state).toBe('active');
    await j.agile.backlog.moveIssuesToBacklog({ issues: [created.key] });
    expect((await j.agile.sprint.getIssuesForSprint({ sprintId: sprint.id as number })).issues).toEqual([]);
  });

  it('lists an epic and its issues', async () => {
    const epic = await j.v3.issues.createIssue({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Epic' }, summary: 'Big thing' } });
    await j.agile.epic.moveIssuesToEpic({ epicIdOrKey: epic.key, issues: ['OPS-1'] });
    expect((await j.agile.epic.getEpic({ epicIdOrKey: epic.key })).name).toBe('Big thing');
    expect(((await j.agile.epic.getIssuesForEpic({ epicIdOrKey: epic.key })) as Json).issues.map((i: Json) => i.key)).toEqual(['OPS-1']);
  });
});

describe('issue extras', () => {
  it('watchers and votes', async () => {
    const me = await j.v3.myself.getCurrentUser();
    const [bob] = await j.v3.userSearch.findUsers({ query: 'bob' });
    await j.v3.issueWatchers.addWatcher({ issueIdOrKey: 'OPS-1', accountId: bob.accountId as string });
    const w = await j.v3.issueWatchers.getIssueWatchers({ issueIdOrKey: 'OPS-1' });
    expect(w.watchers?.map((u) => u.accountId)).toEqual([me.accountId, bob.accountId]);
    await j.v3.issueWatchers.removeWatcher({ issueIdOrKey: 'OPS-1', accountId: bob.accountId as string });
    expect((await j.v3.issueWatchers.getIssueWatchers({ issueIdOrKey: 'OPS-1' })).watchCount).toBe(1);
    await j.v3.issueVotes.addVote({ issueIdOrKey: 'OPS-2' });
    expect((await j.v3.issueVotes.getVotes({ issueIdOrKey: 'OPS-2' })).votes).toBe(1);
  });

  it('worklogs and links', async () => {
    await j.v3.issueWorklogs.addWorklog({ issueIdOrKey: 'OPS-2', timeSpent: '1h 30m' });
    const logs = await j.v3.issueWorklogs.getIssueWorklog({ issueIdOrKey: 'OPS-2' });
    expect(logs.worklogs?.[0].timeSpentSeconds).toBe(5400);
    await j.v3.issueLinks.linkIssues({ type: { name: 'Blocks' }, inwardIssue: { key: 'OPS-1' }, outwardIssue: { key: 'OPS-2' } });
    const issue = await j.v3.issues.getIssue({ issueIdOrKey: 'OPS-1', fields: ['issuelinks'] });
    expect((issue.fields as Json).issuelinks[0].outwardIssue.key).toBe('OPS-2');
  });

  it('attachments need X-Atlassian-Token: no-check and serve the bytes back with their type', async () => {
    const form = () => {
      const f = new FormData();
      f.append('file', new Blob(['hello bytes'], { type: 'text/plain' }), 'hello.txt');
      return f;
    };
    const auth = { authorization: `Basic ${Buffer.from(`${j.env.JIRA_EMAIL}:${j.env.JIRA_API_TOKEN}`).toString('base64')}` };
    const refused = await fetch(`${j.env.JIRA_BASE_URL}/rest/api/3/issue/OPS-1/attachments`, {
      method: 'POST',
      headers: auth,
      body: form(),
    });
    expect(refused.status).toBe(403);
    const ok = await fetch(`${j.env.JIRA_BASE_URL}/rest/api/3/issue/OPS-1/attachments`, {
      method: 'POST',
      headers: { ...auth, 'x-atlassian-token': 'no-check' },
      body: form(),
    });
    expect(ok.status).toBe(200);
    const [att] = (await ok.json()) as Json[];
    expect(att).toMatchObject({ filename: 'hello.txt', mimeType: 'text/plain', size: 11 });
    const content = await fetch(att.content, { headers: auth });
    expect(content.headers.get('content-type')).toBe('text/plain');
    expect(await content.text()).toBe('hello bytes');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After, X-RateLimit-* (ISO reset) and RateLimit-Reason once the per-issue write limit is spent', async () => {
    await j.control('POST', 'rate-limits', { enabled: true });
    let last: Awaited<ReturnType<JiraFixture['api']>> | undefined;
    for (let i = 0; i < 25; i++) {
      last = await j.api('PUT', '/rest/api/3/issue/OPS-3', { fields: { summary: `edit ${i}` } });
      if (last.status === 429) break;
    }
    await j.control('POST', 'rate-limits', { enabled: false });
    expect(last?.status).toBe(429);
    expect(last?.headers.get('ratelimit-reason')).toBe('jira-per-issue-on-write');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/);
    expect(last?.body.errorMessages).toEqual(['Rate limit exceeded.']);
  });
});
