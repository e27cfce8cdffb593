// Jira Software (/rest/agile/1.0): boards by project with their filter JQL, board issues and backlog (startAt paging), sprints (create, start, complete, move issues), epics.

import { badRequest, clip, jiraError, notFound } from '../errors.ts';
import { compileJql } from '../jql/evaluate.ts';
import { JqlError } from '../jql/parse.ts';
import { issueJson, projectRef, selectFields, sprintJson } from '../render.ts';
import { type Board, findIssue, findProject, type Issue, nextId, type Sprint } from '../store.ts';
import { base, caller, type JiraCtx, obj, paging, queryList, queryString, recordChange, reply } from './common.ts';

function boardJson(ctx: JiraCtx, b: Board): Record<string, unknown> {
  const p = ctx.state.projects.get(b.projectId);
  return {
    id: b.id,
    self: `${base(ctx)}/rest/agile/1.0/board/${b.id}`,
    name: b.name,
    type: b.type,
    location: p
      ? {
          projectId: Number(p.id),
          displayName: `${p.name} (${p.key})`,
          projectName: p.name,
          projectKey: p.key,
          projectTypeKey: p.projectTypeKey,
          name: `${p.name} (${p.key})`,
        }
      : undefined,
  };
}

function boardParam(ctx: JiraCtx): Board {
  const raw = ctx.params.boardId ?? '';
  const b = /^\d{1,9}$/.test(raw) ? ctx.state.boards.get(Number(raw)) : undefined;
  if (!b) throw notFound(`Board does not exist or you do not have permission to see it.`);
  return b;
}

function sprintParam(ctx: JiraCtx): Sprint {
  const raw = ctx.params.sprintId ?? '';
  const s = /^\d{1,9}$/.test(raw) ? ctx.state.sprints.get(Number(raw)) : undefined;
  if (!s) throw notFound(`Sprint with id ${clip(raw)} does not exist or you do not have permission to view it.`);
  return s;
}

/** GET /board: boards, filtered by `projectKeyOrId`, `type`, `name` (startAt paging). */
export function getAllBoards(ctx: JiraCtx): unknown {
  caller(ctx);
  const { startAt, maxResults } = paging(ctx, 50, 50);
  const project = queryString(ctx, 'projectKeyOrId');
  const types = queryList(ctx, 'type');
  const name = (queryString(ctx, 'name') ?? '').toLowerCase();
  const p = project ? findProject(ctx.state, project) : undefined;
  if (project && !p) throw badRequest(`No project could be found with key or id '${clip(project)}'.`);
  const all = [...ctx.state.boards.values()].filter(
    (b) => (!p || b.projectId === p.id) && (types.length === 0 || types.includes(b.type)) && b.name.toLowerCase().includes(name),
  );
  const values = all.slice(startAt, startAt + maxResults).map((b) => boardJson(ctx, b));
  return { maxResults, startAt, total: all.length, isLast: startAt + values.length >= all.length, values };
}

/** GET /board/{boardId}. */
export function getBoard(ctx: JiraCtx): unknown {
  caller(ctx);
  return boardJson(ctx, boardParam(ctx));
}

/** GET /board/{boardId}/configuration: the board's filter and columns. */
export function getBoardConfiguration(ctx: JiraCtx): unknown {
  caller(ctx);
  const b = boardParam(ctx);
  const p = ctx.state.projects.get(b.projectId);
  return {
    id: b.id,
    name: b.name,
    type: b.type,
    self: `${base(ctx)}/rest/agile/1.0/board/${b.id}/configuration`,
    location: { type: 'project', key: p?.key, id: p?.id },
    filter: { id: String(10000 + b.id), self: `${base(ctx)}/rest/api/2/filter/${10000 + b.id}`, jql: b.filterJql },
    columnConfig: {
      columns: (p?.workflow.statusIds ?? []).map((id) => ({
        name: ctx.state.statuses.get(id)?.name,
        statuses: [{ id, self: `${base(ctx)}/rest/api/2/status/${id}` }],
      })),
      constraintType: 'none',
    },
    ranking: { rankCustomFieldId: 10019 },
  };
}

/** Issues of a board (its filter), optionally narrowed by `jql`, in agile's `{startAt, maxResults, total, issues}`. */
function boardIssues(ctx: JiraCtx, b: Board, extra: (i: Issue) => boolean): unknown {
  const { startAt, maxResults } = paging(ctx, 50, 100);
  const jql = queryString(ctx, 'jql');
  const now = ctx.now();
  let filter: (i: Issue) => boolean;
  try {
    const boardQ = compileJql(b.filterJql, { state: ctx.state, callerId: ctx.principal.accountId, now });
    const userQ = jql ? compileJql(jql, { state: ctx.state, callerId: ctx.principal.accountId, now }) : undefined;
    filter = (i) => boardQ.matches(i) && (!userQ || userQ.matches(i));
  } catch (err) {
    if (err instanceof JqlError) throw badRequest(err.message);
    throw err;
  }
  const all = [...ctx.state.issues.values()].filter((i) => filter(i) && extra(i)).sort((x, y) => Number(x.id) - Number(y.id));
  return issuePage(ctx, all, startAt, maxResults);
}

function issuePage(ctx: JiraCtx, all: Issue[], startAt: number, maxResults: number): unknown {
  const fields = selectFields(ctx.state, ctx.query.fields, '*navigable');
  const issues = all.slice(startAt, startAt + maxResults).map((i) =>
    issueJson(ctx.state, i, {
      fields,
      expand: new Set(queryList(ctx, 'expand')),
      v: '2',
      base: base(ctx),
      callerId: ctx.principal.accountId ?? undefined,
    }),
  );
  return { expand: 'schema,names', startAt, maxResults, total: all.length, issues };
}

/** GET /board/{boardId}/issue: every issue of the board. */
export function getIssuesForBoard(ctx: JiraCtx): unknown {
  caller(ctx);
  return boardIssues(ctx, boardParam(ctx), () => true);
}

/** GET /board/{boardId}/backlog: the board's issues in no open or future sprint and not done (scrum). */
export function getIssuesForBacklog(ctx: JiraCtx): unknown {
  caller(ctx);
  const b = boardParam(ctx);
  if (b.type !== 'scrum') throw badRequest('The board does not support sprints: it has no backlog.');
  return boardIssues(
    ctx,
    b,
    (i) =>
      !i.sprintIds.some((id) => ctx.state.sprints.get(id)?.state !== 'closed') && ctx.state.statuses.get(i.statusId)?.category !== 'done',
  );
}

/** GET /board/{boardId}/sprint: the board's sprints, `state` filtering (future, active, closed). */
export function getAllSprints(ctx: JiraCtx): unknown {
  caller(ctx);
  const b = boardParam(ctx);
  if (b.type !== 'scrum') throw badRequest('The board does not support sprints');
  const { startAt, maxResults } = paging(ctx, 50, 50);
  const states = queryList(ctx, 'state');
  const all = [...ctx.state.sprints.values()].filter((s) => s.boardId === b.id && (states.length === 0 || states.includes(s.state)));
  const values = all.slice(startAt, startAt + maxResults).map((s) => sprintJson(s, base(ctx)));
  return { maxResults, startAt, isLast: startAt + values.length >= all.length, values };
}

function isoArg(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) throw jiraError(400, [], { [name]: `The ${name} is not a valid date.` });
  return ms;
}

/** POST /sprint: `{name, originBoardId, startDate?, endDate?, goal?}` → 201 (future). */
export function createSprint(ctx: JiraCtx): unknown {
  caller(ctx);
  const a = ctx.args;
  const name = typeof a.name === 'string' ? a.name.trim() : '';
  if (!name || name.length > 255) throw jiraError(400, [], { name: 'Sprint name is required and must be under 255 characters.' });
  const b = ctx.state.boards.get(Number(a.originBoardId));
  if (!b) throw jiraError(400, [], { originBoardId: 'Board does not exist or you do not have permission to see it.' });
  if (b.type !== 'scrum') throw badRequest('The board does not support sprints');
  const s: Sprint = {
    id: nextId(ctx.state, 'sprint', 1),
    name,
    state: 'future',
    boardId: b.id,
    createdDate: ctx.now(),
    startDate: isoArg(a.startDate, 'startDate'),
    endDate: isoArg(a.endDate, 'endDate'),
    goal: typeof a.goal === 'string' ? a.goal : undefined,
  };
  ctx.state.sprints.set(s.id, s);
  return reply(201, sprintJson(s, base(ctx)));
}

/** GET /sprint/{sprintId}. */
export function getSprint(ctx: JiraCtx): unknown {
  caller(ctx);
  return sprintJson(sprintParam(ctx), base(ctx));
}

/**
 * PUT and POST /sprint/{sprintId}: rename, dates, goal, and `state` (future → active → closed). A
 * board has one active sprint; starting needs start and end dates; closing moves unfinished issues out.
 */
export function updateSprint(ctx: JiraCtx): unknown {
  caller(ctx);
  const s = sprintParam(ctx);
  const a = ctx.args;
  if (typeof a.name === 'string' && a.name.trim()) s.name = a.name.trim().slice(0, 255);
  if (typeof a.goal === 'string') s.goal = a.goal;
  const start = isoArg(a.startDate, 'startDate');
  const end = isoArg(a.endDate, 'endDate');
  if (start !== undefined) s.startDate = start;
  if (end !== undefined) s.endDate = end;
  if (a.state !== undefined && a.state !== s.state) {
    if (a.state === 'active') {
      if (s.state !== 'future') throw badRequest('Only a future sprint can be started.');
      if (s.startDate === undefined || s.endDate === undefined) throw badRequest('A sprint needs a start date and an end date to start.');
      s.state = 'active';
    } else if (a.state === 'closed') {
      if (s.state !== 'active') throw badRequest('Only an active sprint can be completed.');
      s.state = 'closed';
      s.completeDate = ctx.now();
    } else throw badRequest(`The sprint state '${clip(String(a.state))}' is not valid here.`);
  }
  return sprintJson(s, base(ctx));
}

/** DELETE /sprint/{sprintId}: only future sprints; their issues go back to the backlog (204). */
export function deleteSprint(ctx: JiraCtx): unknown {
  caller(ctx);
  const s = sprintParam(ctx);
  if (s.state !== 'future') throw badRequest('Only future sprints can be deleted.');
  for (const i of ctx.state.issues.values()) i.sprintIds = i.sprintIds.filter((id) => id !== s.id);
  ctx.state.sprints.delete(s.id);
  return reply(204);
}

/** GET /sprint/{sprintId}/issue. */
export function getIssuesForSprint(ctx: JiraCtx): unknown {
  caller(ctx);
  const s = sprintParam(ctx);
  const { startAt, maxResults } = paging(ctx, 50, 100);
  const all = [...ctx.state.issues.values()].filter((i) => i.sprintIds.includes(s.id)).sort((x, y) => Number(x.id) - Number(y.id));
  return issuePage(ctx, all, startAt, maxResults);
}

function issuesArg(ctx: JiraCtx): Issue[] {
  const list = Array.isArray(ctx.args.issues) ? ctx.args.issues : [];
  if (list.length === 0 || list.length > 50) throw badRequest('Between 1 and 50 issues must be given.');
  return list.map((ref) => {
    const i = findIssue(ctx.state, String(ref));
    if (!i) throw badRequest(`Issue '${clip(String(ref))}' does not exist or you do not have permission to see it.`);
    return i;
  });
}

function setSprint(ctx: JiraCtx, issue: Issue, sprint: Sprint | undefined): void {
  const before = issue.sprintIds.map((id) => ctx.state.sprints.get(id)?.name).join(', ');
  issue.sprintIds = [...issue.sprintIds.filter((id) => ctx.state.sprints.get(id)?.state === 'closed'), ...(sprint ? [sprint.id] : [])];
  const after = issue.sprintIds.map((id) => ctx.state.sprints.get(id)?.name).join(', ');
  if (before !== after)
    recordChange(ctx, issue, caller(ctx).accountId, [
      {
        field: 'Sprint',
        fieldtype: 'custom',
        fieldId: 'customfield_10020',
        from: null,
        fromString: before || null,
        to: null,
        toString: after || null,
      },
    ]);
}

/** POST /sprint/{sprintId}/issue: `{issues}` move into the sprint (not a closed one); 204. */
export function moveIssuesToSprintAndRank(ctx: JiraCtx): unknown {
  caller(ctx);
  const s = sprintParam(ctx);
  if (s.state === 'closed') throw badRequest('Issues cannot be moved to a closed sprint.');
  for (const i of issuesArg(ctx)) setSprint(ctx, i, s);
  return reply(204);
}

/** POST /backlog/issue: `{issues}` out of their open sprints; 204. */
export function moveIssuesToBacklog(ctx: JiraCtx): unknown {
  caller(ctx);
  for (const i of issuesArg(ctx)) setSprint(ctx, i, undefined);
  return reply(204);
}

/** GET /epic/{epicIdOrKey}. */
export function getEpic(ctx: JiraCtx): unknown {
  caller(ctx);
  const e = findIssue(ctx.state, ctx.params.epicIdOrKey ?? '');
  if (!e || ctx.state.issueTypes.get(e.issueTypeId)?.name !== 'Epic')
    throw notFound('Epic does not exist or you do not have permission to see it.');
  return {
    id: Number(e.id),
    key: e.key,
    self: `${base(ctx)}/rest/agile/1.0/epic/${e.id}`,
    name: e.summary,
    summary: e.summary,
    done: ctx.state.statuses.get(e.statusId)?.category === 'done',
  };
}

/** GET /epic/{epicIdOrKey}/issue: the epic's child issues. */
export function getIssuesForEpic(ctx: JiraCtx): unknown {
  caller(ctx);
  const e = findIssue(ctx.state, ctx.params.epicIdOrKey ?? '');
  if (!e) throw notFound('Epic does not exist or you do not have permission to see it.');
  const { startAt, maxResults } = paging(ctx, 50, 100);
  const all = [...ctx.state.issues.values()].filter((i) => i.parentId === e.id).sort((x, y) => Number(x.id) - Number(y.id));
  return issuePage(ctx, all, startAt, maxResults);
}

/** POST /epic/{epicIdOrKey}/issue: `{issues}` become the epic's children; 204. */
export function moveIssuesToEpic(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const e = findIssue(ctx.state, ctx.params.epicIdOrKey ?? '');
  if (!e) throw notFound('Epic does not exist or you do not have permission to see it.');
  for (const i of issuesArg(ctx)) {
    if (i.parentId === e.id || i.id === e.id) continue;
    const old = i.parentId ? ctx.state.issues.get(i.parentId) : undefined;
    recordChange(ctx, i, me.accountId, [
      {
        field: 'IssueParentAssociation',
        fieldtype: 'jira',
        fieldId: 'parent',
        from: old?.id ?? null,
        fromString: old?.key ?? null,
        to: e.id,
        toString: e.key,
      },
    ]);
    i.parentId = e.id;
  }
  return reply(204);
}

/** The project a board shows, for the steps. */
export function boardProject(ctx: JiraCtx, b: Board): Record<string, unknown> | undefined {
  const p = ctx.state.projects.get(b.projectId);
  return p ? projectRef(p, base(ctx), '2') : undefined;
}

/** Guard used by tests of hostile ids. */
export const sprintArg = (v: unknown): number => {
  const n = Number(obj({ v }).v);
  if (!Number.isInteger(n)) throw badRequest('Sprint id must be a number.');
  return n;
};
