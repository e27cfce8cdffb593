// Issues: create (one and bulk), get, edit, assign, delete, transitions, the changelog, create/edit meta.

import { textToAdf } from '../adf.ts';
import { badRequest, clip, fieldErrors, issueNotFound, jiraError, projectNotFound } from '../errors.ts';
import { issueEvent } from '../events.ts';
import { applyFields, readRichText } from '../fields.ts';
import { availableTransitions, editMetaFields, historyJson, issueJson, issueTypeJson, selectFields, transitionsJson } from '../render.ts';
import { blankIssue, storeIssue } from '../seed.ts';
import { findProject, type Issue, type JiraState, nextId, type Project } from '../store.ts';
import { base, caller, issueParam, type JiraCtx, obj, paging, queryList, queryString, recordChange, reply, version } from './common.ts';

function projectOf(state: JiraState, issue: Issue): Project {
  const p = state.projects.get(issue.projectId);
  if (!p) throw issueNotFound();
  return p;
}

/** The `{id, key, self}` Jira answers a create with. */
function created(ctx: JiraCtx, issue: Issue): Record<string, unknown> {
  return { id: issue.id, key: issue.key, self: `${base(ctx)}/rest/api/${version(ctx)}/issue/${issue.id}` };
}

/** Build one issue from a create body; throws a 400 with the field errors, stores nothing on error. */
function buildIssue(
  ctx: JiraCtx,
  body: Record<string, unknown>,
): { issue: Issue; comments: unknown[] } | { errors: Record<string, string> } {
  const fields = obj(body.fields);
  const update = obj(body.update);
  const errors: Record<string, string> = {};
  const p = obj(fields.project);
  const projectRef = typeof p.key === 'string' ? p.key : typeof p.id === 'string' || typeof p.id === 'number' ? String(p.id) : undefined;
  const project = projectRef === undefined ? undefined : findProject(ctx.state, projectRef);
  if (!project) errors.project = 'Specify a valid project ID or key';
  const t = obj(fields.issuetype);
  const type = [...ctx.state.issueTypes.values()].find(
    (x) => (t.id !== undefined && x.id === String(t.id)) || (typeof t.name === 'string' && x.name.toLowerCase() === t.name.toLowerCase()),
  );
  if (!type) errors.issuetype = fields.issuetype === undefined ? 'Specify an issue type' : 'Specify a valid issue type';
  if (fields.summary === undefined) errors.summary = 'You must specify a summary of the issue.';
  if (!project || !type) return { errors };
  if (type.subtask && fields.parent === undefined) errors.parent = 'Given parent issue does not belong to appropriate hierarchy.';
  const me = caller(ctx);
  // Numbers are taken only when the issue is stored, so a failed create uses no key.
  const draft = blankIssue(ctx.state, { ...project, nextNumber: project.nextNumber }, ctx.now(), me.accountId);
  draft.issueTypeId = type.id;
  draft.reporterId = me.accountId;
  const result = applyFields(ctx.state, project, draft, fields, update, version(ctx), true);
  Object.assign(errors, result.errors);
  if (Object.keys(errors).length > 0) return { errors };
  const issue = result.issue;
  issue.key = `${project.key}-${project.nextNumber++}`;
  return { issue, comments: result.comments };
}

function addInitialComments(ctx: JiraCtx, issue: Issue, comments: unknown[]): void {
  for (const c of comments) {
    const body = readRichText(obj(c).body, version(ctx));
    if (!body) continue;
    const now = ctx.now();
    issue.comments.push({
      id: String(nextId(ctx.state, 'comment')),
      authorId: caller(ctx).accountId,
      updateAuthorId: caller(ctx).accountId,
      body,
      created: now,
      updated: now,
    });
  }
}

/** POST /issue: 201 `{id, key, self}`; 400 with `errors` keyed by field for bad fields. */
export function createIssue(ctx: JiraCtx): unknown {
  const built = buildIssue(ctx, ctx.args);
  if ('errors' in built) throw fieldErrors(built.errors);
  storeIssue(ctx.state, built.issue);
  addInitialComments(ctx, built.issue, built.comments);
  issueEvent(ctx, built.issue, 'jira:issue_created', 'issue_created');
  return reply(201, created(ctx, built.issue));
}

/** POST /issue/bulk: creates what it can; failures listed in `errors` by index. */
export function createIssues(ctx: JiraCtx): unknown {
  const updates = Array.isArray(ctx.args.issueUpdates) ? ctx.args.issueUpdates : [];
  if (updates.length > 50) throw badRequest('You can create at most 50 issues in one request.');
  const issues: unknown[] = [];
  const errors: unknown[] = [];
  updates.forEach((u, failedElementNumber) => {
    const built = buildIssue(ctx, obj(u));
    if ('errors' in built) {
      errors.push({ status: 400, elementErrors: { errorMessages: [], errors: built.errors }, failedElementNumber });
      return;
    }
    storeIssue(ctx.state, built.issue);
    addInitialComments(ctx, built.issue, built.comments);
    issueEvent(ctx, built.issue, 'jira:issue_created', 'issue_created');
    issues.push(created(ctx, built.issue));
  });
  return reply(issues.length === 0 && errors.length > 0 ? 400 : 201, { issues, errors });
}

/** GET /issue/{issueIdOrKey}: `fields` (default `*all`), `expand`; a missing or hidden issue is 404. */
export function getIssue(ctx: JiraCtx): unknown {
  if (!ctx.principal.accountId) throw issueNotFound();
  const issue = issueParam(ctx);
  noteView(ctx, issue);
  return issueJson(ctx.state, issue, {
    fields: selectFields(ctx.state, ctx.query.fields, '*all'),
    expand: new Set(queryList(ctx, 'expand')),
    v: version(ctx),
    base: base(ctx),
    callerId: ctx.principal.accountId,
  });
}

/** Remember that the caller viewed an issue (`issueHistory()` lists the last 50). */
function noteView(ctx: JiraCtx, issue: Issue): void {
  const id = ctx.principal.accountId;
  if (!id) return;
  const list = (ctx.state.views.get(id) ?? []).filter((x) => x !== issue.id);
  list.push(issue.id);
  ctx.state.views.set(id, list.slice(-50));
}

/** PUT /issue/{issueIdOrKey}: `fields` and `update`; 204, or 200 with the issue for `returnIssue=true`. */
export function editIssue(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  const project = projectOf(ctx.state, issue);
  const fields = obj(ctx.args.fields);
  const update = obj(ctx.args.update);
  const result = applyFields(ctx.state, project, issue, fields, update, version(ctx), false);
  if (Object.keys(result.errors).length > 0) throw fieldErrors(result.errors);
  Object.assign(issue, result.issue);
  recordChange(ctx, issue, me.accountId, result.items);
  addInitialComments(ctx, issue, result.comments);
  if (result.items.length > 0 || result.comments.length > 0) {
    const onlyAssignee = result.items.length > 0 && result.items.every((i) => i.fieldId === 'assignee');
    issueEvent(ctx, issue, 'jira:issue_updated', onlyAssignee ? 'issue_assigned' : 'issue_updated', { changelogItems: result.items });
  }
  if (queryString(ctx, 'returnIssue') === 'true') {
    return issueJson(ctx.state, issue, {
      fields: selectFields(ctx.state, undefined, '*all'),
      expand: new Set(queryList(ctx, 'expand')),
      v: version(ctx),
      base: base(ctx),
      callerId: me.accountId,
    });
  }
  return reply(204);
}

/** PUT /issue/{issueIdOrKey}/assignee: `{accountId}` (null or "-1" unassigns); 204. */
export function assignIssue(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  const project = projectOf(ctx.state, issue);
  const accountId = ctx.args.accountId === undefined ? (ctx.args.name ?? null) : ctx.args.accountId;
  const result = applyFields(ctx.state, project, issue, { assignee: accountId === null ? null : { accountId } }, {}, version(ctx), false);
  if (result.errors.assignee) throw jiraError(404, [`User '${clip(String(accountId))}' does not exist.`]);
  Object.assign(issue, result.issue);
  recordChange(ctx, issue, me.accountId, result.items);
  if (result.items.length > 0) issueEvent(ctx, issue, 'jira:issue_updated', 'issue_assigned', { changelogItems: result.items });
  return reply(204);
}

/** DELETE /issue/{issueIdOrKey}: 400 when it has subtasks unless `deleteSubtasks=true`; keys are never reused. */
export function deleteIssue(ctx: JiraCtx): unknown {
  caller(ctx);
  const issue = issueParam(ctx);
  const children = [...ctx.state.issues.values()].filter(
    (i) => i.parentId === issue.id && ctx.state.issueTypes.get(i.issueTypeId)?.subtask,
  );
  if (children.length > 0 && queryString(ctx, 'deleteSubtasks') !== 'true') {
    throw badRequest(`The issue '${issue.key}' has subtasks. Set 'deleteSubtasks' to delete them too.`);
  }
  for (const c of [...children, issue]) removeIssue(ctx, c);
  return reply(204);
}

/** Forget an issue (its links too); its key stays taken. */
export function removeIssue(ctx: JiraCtx, issue: Issue): void {
  issueEvent(ctx, issue, 'jira:issue_deleted', 'issue_deleted');
  ctx.state.issues.delete(issue.id);
  for (const [id, l] of ctx.state.links) if (l.inwardIssueId === issue.id || l.outwardIssueId === issue.id) ctx.state.links.delete(id);
  for (const other of ctx.state.issues.values()) if (other.parentId === issue.id) other.parentId = null;
}

/** GET /issue/{issueIdOrKey}/transitions: those available from the current status. */
export function getTransitions(ctx: JiraCtx): unknown {
  caller(ctx);
  const issue = issueParam(ctx);
  const withFields = queryList(ctx, 'expand').includes('transitions.fields');
  let transitions = transitionsJson(ctx.state, issue, base(ctx), version(ctx), withFields);
  const only = queryString(ctx, 'transitionId');
  if (only) transitions = transitions.filter((t) => t.id === only);
  return { expand: 'transitions', transitions };
}

/**
 * Move an issue through its workflow: status, resolution (set on entering the done category,
 * cleared on leaving it), fields given with the transition. Returns the changelog items, or
 * throws Jira's 400 for a transition not available from the current status.
 */
export function transitionIssue(
  ctx: JiraCtx,
  issue: Issue,
  transitionId: string,
  fields: Record<string, unknown>,
  update: Record<string, unknown>,
): void {
  const me = caller(ctx);
  const project = projectOf(ctx.state, issue);
  const t = availableTransitions(project, issue).find((x) => x.id === transitionId);
  if (!t) throw badRequest(`Transition id '${clip(transitionId)}' is not valid for this issue.`);
  const { resolution, ...rest } = fields;
  const result = applyFields(ctx.state, project, issue, rest, update, version(ctx), false);
  const from = ctx.state.statuses.get(issue.statusId);
  const to = ctx.state.statuses.get(t.to);
  if (!to || !from) throw badRequest('The workflow names a status that does not exist.');
  let resolutionId = issue.resolutionId;
  if (to.category === 'done') {
    const r = obj(resolution);
    const chosen =
      resolution === undefined
        ? ctx.state.resolutions.get('10000')
        : [...ctx.state.resolutions.values()].find((x) => x.id === String(r.id ?? '') || x.name === r.name);
    if (!chosen) result.errors.resolution = 'The resolution selected is invalid.';
    else resolutionId = chosen.id;
  } else {
    if (resolution !== undefined)
      result.errors.resolution = "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown.";
    resolutionId = null;
  }
  if (Object.keys(result.errors).length > 0) throw fieldErrors(result.errors);
  Object.assign(issue, result.issue);
  const items = [...result.items];
  const now = ctx.now();
  if (resolutionId !== issue.resolutionId) {
    const name = (id: string | null) => (id ? (ctx.state.resolutions.get(id)?.name ?? null) : null);
    items.push({
      field: 'resolution',
      fieldtype: 'jira',
      fieldId: 'resolution',
      from: issue.resolutionId,
      fromString: name(issue.resolutionId),
      to: resolutionId,
      toString: name(resolutionId),
    });
    issue.resolutionId = resolutionId;
    issue.resolutionDate = resolutionId ? now : null;
  }
  items.push({ field: 'status', fieldtype: 'jira', fieldId: 'status', from: from.id, fromString: from.name, to: to.id, toString: to.name });
  if (from.category !== to.category) issue.statusChanged = now;
  issue.statusId = to.id;
  recordChange(ctx, issue, me.accountId, items);
  addInitialComments(ctx, issue, result.comments);
  issueEvent(ctx, issue, 'jira:issue_updated', 'issue_generic', { changelogItems: items });
}

/** POST /issue/{issueIdOrKey}/transitions: `{transition:{id}, fields?, update?}`; 204. */
export function doTransition(ctx: JiraCtx): unknown {
  const issue = issueParam(ctx);
  const t = obj(ctx.args.transition);
  const id = t.id === undefined ? undefined : String(t.id);
  if (!id) throw badRequest('Missing transition id.');
  transitionIssue(ctx, issue, id, obj(ctx.args.fields), obj(ctx.args.update));
  return reply(204);
}

/** POST /bulk/issues/transition: `{bulkTransitionInputs:[{selectedIssueIdsOrKeys, transitionId}]}`; every move applied, failures skipped. */
export function submitBulkTransition(ctx: JiraCtx): unknown {
  caller(ctx);
  const inputs = Array.isArray(ctx.args.bulkTransitionInputs) ? ctx.args.bulkTransitionInputs : [];
  let moved = 0;
  for (const input of inputs) {
    const i = obj(input);
    for (const ref of Array.isArray(i.selectedIssueIdsOrKeys) ? i.selectedIssueIdsOrKeys : []) {
      const issue = ctx.state.keys.has(String(ref).toUpperCase())
        ? ctx.state.issues.get(ctx.state.keys.get(String(ref).toUpperCase()) as string)
        : ctx.state.issues.get(String(ref));
      if (!issue) continue;
      try {
        transitionIssue(ctx, issue, String(i.transitionId), {}, {});
        moved++;
      } catch {
        // Jira's bulk operation reports failures in its progress; the twin skips them.
      }
    }
  }
  return reply(201, { taskId: String(nextId(ctx.state, 'task', 10000)), moved });
}

/** GET /issue/{issueIdOrKey}/changelog: a PageBean of histories, oldest first. */
export function getChangeLogs(ctx: JiraCtx): unknown {
  caller(ctx);
  const issue = issueParam(ctx);
  const { startAt, maxResults } = paging(ctx, 100, 100);
  const all = issue.histories.map((h) => historyJson(ctx.state, h, base(ctx), version(ctx)));
  const values = all.slice(startAt, startAt + maxResults);
  return {
    self: `${base(ctx)}/rest/api/${version(ctx)}/issue/${issue.key}/changelog?maxResults=${maxResults}&startAt=${startAt}`,
    maxResults,
    startAt,
    total: all.length,
    isLast: startAt + values.length >= all.length,
    values,
  };
}

function projectParam(ctx: JiraCtx): Project {
  const ref = ctx.params.projectIdOrKey ?? '';
  const p = findProject(ctx.state, ref);
  if (!p) throw projectNotFound(ref);
  return p;
}

/** GET /issue/createmeta/{projectIdOrKey}/issuetypes: the project's issue types, paged. */
export function getCreateIssueMetaIssueTypes(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = projectParam(ctx);
  const { startAt, maxResults } = paging(ctx, 50, 200);
  const all = p.issueTypeIds.map((id) => issueTypeJson(ctx.state, id, base(ctx), version(ctx)));
  const issueTypes = all.slice(startAt, startAt + maxResults);
  return { maxResults, startAt, total: all.length, issueTypes };
}

/** GET /issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}: the fields of a create screen. */
export function getCreateIssueMetaIssueTypeId(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = projectParam(ctx);
  if (!p.issueTypeIds.includes(ctx.params.issueTypeId ?? ''))
    throw jiraError(404, ['Issue type with given ID does not exist or you do not have permission to see it.']);
  const { startAt, maxResults } = paging(ctx, 50, 200);
  const meta = editMetaFields(ctx.state, ['summary', 'issuetype', 'project']);
  const all = Object.values(meta);
  const fields = all.slice(startAt, startAt + maxResults);
  return { maxResults, startAt, total: all.length, fields };
}

/** GET /issue/{issueIdOrKey}/editmeta: the fields that can be edited and their operations. */
export function getEditIssueMeta(ctx: JiraCtx): unknown {
  caller(ctx);
  issueParam(ctx);
  return { fields: editMetaFields(ctx.state) };
}

/** v2's wiki/plain text arrives as a string; keep a helper for steps that write text. */
export const plainToDoc = textToAdf;
