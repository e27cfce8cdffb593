// jira.js AgileClient unmodified: a sprint's whole life (create, fill, start, complete) with the backlog, the sprint field
// and the sprint JQL functions following it; board issues and backlog paged by startAt; a kanban board's issues.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JiraFixture, type Json, jiraFailure, startJira } from './support.ts';

let j: JiraFixture;
let boardId: number;
const keysOf = (r: { issues?: { key?: string }[] }) => (r.issues ?? []).map((i) => i.key);
const jql = async (q: string) => keysOf(await j.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: q, maxResults: 100 }));

beforeAll(async () => {
  j = await startJira({ seed: 51 });
  const boards = await j.agile.board.getAllBoards({ projectKeyOrId: j.env.JIRA_PROJECT_KEY });
  boardId = boards.values?.[0].id as number;
}, 60_000);
afterAll(async () => {
  await j.close();
});

async function task(summary: string): Promise<string> {
  return (await j.v3.issues.createIssue({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary } })).key;
}

describe('a sprint from creation to completion', () => {
  it('completing a sprint closes it; its unfinished issues return to the backlog, the finished ones stay out', async () => {
    const [active] = (await j.agile.board.getAllSprints({ boardId, state: 'active' })).values ?? [];
    // The seeded active sprint is completed first, so this board runs one active sprint at a time here.
    await j.agile.sprint.updateSprint({ sprintId: active.id, state: 'closed' });
    const finished = await task('will be finished');
    const unfinished = await task('will be left over');
    const sprint = await j.agile.sprint.createSprint({ name: 'Audit sprint', originBoardId: boardId, goal: 'ship it' });
    await j.agile.sprint.moveIssuesToSprintAndRank({ sprintId: sprint.id, issues: [finished, unfinished] });
    expect(await jql('sprint in futureSprints() AND project = OPS')).toEqual(expect.arrayContaining([finished, unfinished]));
    expect(keysOf(await j.agile.board.getIssuesForBacklog({ boardId }))).not.toContain(finished);

    const early = await jiraFailure(j.agile.sprint.updateSprint({ sprintId: sprint.id, state: 'closed' }));
    expect(early.status).toBe(400);
    await j.agile.sprint.updateSprint({
      sprintId: sprint.id,
      state: 'active',
      startDate: '2026-01-05T09:00:00.000Z',
      endDate: '2026-01-19T09:00:00.000Z',
    });
    expect(await jql(`sprint in openSprints() AND key in (${finished}, ${unfinished})`)).toHaveLength(2);
    const { transitions } = await j.v3.issues.getTransitions({ issueIdOrKey: finished });
    await j.v3.issues.doTransition({ issueIdOrKey: finished, transition: { id: transitions?.find((t) => t.to?.name === 'Done')?.id } });

    const closed = await j.agile.sprint.updateSprint({ sprintId: sprint.id, state: 'closed' });
    expect(closed.state).toBe('closed');
    const got = await j.agile.sprint.getSprint({ sprintId: sprint.id });
    expect(got).toMatchObject({ state: 'closed', goal: 'ship it', originBoardId: boardId });
    expect(got.completeDate).toBeTruthy();
    expect(await jql(`sprint in openSprints() AND key in (${finished}, ${unfinished})`)).toEqual([]);
    expect((await jql(`sprint in closedSprints() AND key in (${finished}, ${unfinished})`)).sort()).toEqual([finished, unfinished].sort());
    const backlog = keysOf(await j.agile.board.getIssuesForBacklog({ boardId, maxResults: 100 }));
    expect(backlog).toContain(unfinished);
    expect(backlog).not.toContain(finished);
    // The sprint field keeps the closed sprint, as Jira keeps an issue's sprint history.
    const issue = await j.v3.issues.getIssue({ issueIdOrKey: unfinished, fields: ['customfield_10020'] });
    expect(((issue.fields as Json).customfield_10020 as Json[]).map((s) => [s.name, s.state])).toEqual([['Audit sprint', 'closed']]);
    // A closed sprint takes no issues and cannot be started again.
    expect((await jiraFailure(j.agile.sprint.moveIssuesToSprintAndRank({ sprintId: sprint.id, issues: [unfinished] }))).status).toBe(400);
    expect((await jiraFailure(j.agile.sprint.updateSprint({ sprintId: sprint.id, state: 'active' }))).status).toBe(400);
    // Only a future sprint can be deleted.
    expect((await jiraFailure(j.agile.sprint.deleteSprint({ sprintId: sprint.id }))).status).toBe(400);
    const spare = await j.agile.sprint.createSprint({ name: 'Spare', originBoardId: boardId });
    await j.agile.sprint.deleteSprint({ sprintId: spare.id });
    expect((await jiraFailure(j.agile.sprint.getSprint({ sprintId: spare.id }))).status).toBe(404);
  });
});

describe('board issues and backlog, paged', () => {
  it('pages board issues and the backlog by startAt with their totals', async () => {
    for (let i = 0; i < 3; i++) await task(`paging ${i}`);
    const all = await j.agile.board.getIssuesForBoard({ boardId, maxResults: 1000 });
    const total = all.total as number;
    expect(total).toBe(all.issues?.length);
    const first = await j.agile.board.getIssuesForBoard({ boardId, startAt: 0, maxResults: 2 });
    const second = await j.agile.board.getIssuesForBoard({ boardId, startAt: 2, maxResults: 2 });
    expect(first).toMatchObject({ startAt: 0, maxResults: 2, total });
    expect(second).toMatchObject({ startAt: 2, maxResults: 2, total });
    expect([...keysOf(first), ...keysOf(second)]).toEqual(keysOf(all).slice(0, 4));
    const backlogAll = await j.agile.board.getIssuesForBacklog({ boardId, maxResults: 1000 });
    const backlogPage = await j.agile.board.getIssuesForBacklog({ boardId, startAt: 1, maxResults: 1 });
    expect(backlogPage.total).toBe(backlogAll.total);
    expect(keysOf(backlogPage)).toEqual(keysOf(backlogAll).slice(1, 2));
  });

  it('a kanban board shows its project’s issues, has no sprints, and its filter finds the same issues', async () => {
    const me = await j.v3.myself.getCurrentUser();
    await j.v3.projects.createProject({
      key: 'FLOW',
      name: 'Flow',
      leadAccountId: me.accountId as string,
      projectTypeKey: 'software',
      projectTemplateKey: 'com.pyxis.greenhopper.jira:gh-simplified-agility-kanban',
    });
    const made = await j.v3.issues.createIssue({ fields: { project: { key: 'FLOW' }, issuetype: { name: 'Task' }, summary: 'on kanban' } });
    const [board] = (await j.agile.board.getAllBoards({ type: 'kanban', projectKeyOrId: 'FLOW' })).values ?? [];
    expect(board.type).toBe('kanban');
    expect(keysOf(await j.agile.board.getIssuesForBoard({ boardId: board.id as number }))).toEqual([made.key]);
    const config = await j.agile.board.getConfiguration({ boardId: board.id as number });
    expect(await jql((config.filter as Json).jql)).toEqual([made.key]);
    expect((await jiraFailure(j.agile.board.getAllSprints({ boardId: board.id as number }))).status).toBe(400);
  });

  it('every answer in this file matched the twin contract', () => {
    expect((j.kernel as unknown as { responseViolations: unknown[] }).responseViolations).toEqual([]);
  });
});
