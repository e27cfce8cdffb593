// The Jira twin's control routes under /_twin/jira/: point the seeded webhook at the app, make people act as they do in Jira, and observe issues.

import { type ControlContext, type ControlRoute, json, TwinError } from '../../src/kernel/types.ts';
import { adfToText, textToAdf } from './adf.ts';
import { compileJql } from './jql/evaluate.ts';
import { JqlError } from './jql/parse.ts';
import * as comments from './operations/comments.ts';
import { type JiraCtx, Reply } from './operations/common.ts';
import * as issues from './operations/issues.ts';
import { WEBHOOK_EVENTS } from './operations/webhooks.ts';
import { historyJson, issueJson, selectFields } from './render.ts';
import { findIssue, findUser, type JiraState, nextId, type User } from './store.ts';

type Ctx = ControlContext<JiraState>;

function controlError(status: number, code: string, message: string): TwinError {
  return new TwinError(json(status, { error: { code, message } }), message);
}

function person(state: JiraState, ref: unknown, field = 'as'): User {
  const r = typeof ref === 'string' ? ref : '';
  if (!r) return state.users.get(state.adminAccountId) as User;
  const u =
    findUser(state, r) ??
    [...state.users.values()].find(
      (x) =>
        x.emailAddress.split('@')[0].toLowerCase() === r.toLowerCase() || x.displayName.split(' ')[0].toLowerCase() === r.toLowerCase(),
    );
  if (!u) throw controlError(404, 'user_not_found', `no person "${r.slice(0, 80)}" on this site (${field})`);
  return u;
}

/** An operation context for a person acting through the control plane: Jira then does (and sends) what it would for that person. */
function actingCtx(
  ctx: Ctx,
  who: User,
  params: Record<string, string>,
  args: Record<string, unknown>,
  query: Record<string, unknown> = {},
): JiraCtx {
  const tenant = ctx.tenant;
  return {
    twin: 'jira',
    operationId: 'control',
    op: undefined as never,
    args,
    params: { apiVersion: '3', ...params },
    query,
    req: {
      method: 'POST',
      url: new URL(`${ctx.baseUrl}/_twin/jira/act`),
      path: '/_twin/jira/act',
      headers: {},
      query: {},
      contentType: 'application/json',
      body: args,
      baseUrl: ctx.baseUrl,
    },
    tenant,
    state: tenant.state,
    principal: { accountId: who.accountId },
    now: () => tenant.clock.now(),
    baseUrl: ctx.baseUrl,
    deliver: ctx.deliver,
    schedule: (at, fn) => tenant.clock.schedule(at, fn),
    reindexCredentials: ctx.reindexCredentials,
  };
}

/** Run a vendor operation as a person; a Jira error becomes a 409 naming what Jira would answer. */
function run(fn: () => unknown): unknown {
  try {
    const r = fn();
    return r instanceof Reply ? r.body : r;
  } catch (err) {
    if (err instanceof TwinError && typeof err.response.body === 'string' && err.response.status < 500) {
      throw controlError(409, 'jira_error', `Jira would answer ${err.response.status}: ${err.response.body.slice(0, 300)}`);
    }
    throw err;
  }
}

function issueRef(ctx: Ctx, ref: unknown) {
  const issue = typeof ref === 'string' ? findIssue(ctx.tenant.state, ref) : undefined;
  if (!issue) throw controlError(404, 'issue_not_found', `no issue "${String(ref ?? '').slice(0, 80)}"`);
  return issue;
}

/** POST jira/webhook `{url, events?, jql?, excludeBody?}`: the seeded admin webhook (signed with JIRA_WEBHOOK_SECRET) points at the app. */
function configureWebhook(ctx: Ctx): unknown {
  const state = ctx.tenant.state;
  const url = typeof ctx.body.url === 'string' ? ctx.body.url : '';
  try {
    if (url) new URL(url);
  } catch {
    throw controlError(400, 'invalid_argument', 'url must be an absolute http(s) URL');
  }
  const events = Array.isArray(ctx.body.events)
    ? ctx.body.events.map(String)
    : WEBHOOK_EVENTS.filter((e) => e.startsWith('jira:issue') || e.startsWith('comment_'));
  let hook = [...state.webhooks.values()].find((h) => h.secret === state.webhookSecret);
  const now = ctx.tenant.clock.now();
  if (!hook) {
    hook = {
      id: nextId(state, 'webhook', 1),
      name: 'Twin app',
      url,
      events,
      jqlFilter: '',
      excludeBody: false,
      secret: state.webhookSecret,
      enabled: Boolean(url),
      created: now,
      updated: now,
      lastUpdatedUser: state.adminAccountId,
    };
    state.webhooks.set(hook.id, hook);
  }
  Object.assign(hook, {
    url,
    events,
    enabled: Boolean(url),
    updated: now,
    jqlFilter: typeof ctx.body.jql === 'string' ? ctx.body.jql : hook.jqlFilter,
    excludeBody: ctx.body.excludeBody === true,
  });
  return { webhook: { id: hook.id, url: hook.url, events: hook.events, jqlFilter: hook.jqlFilter, enabled: hook.enabled } };
}

/**
 * POST jira/act `{as, action, ...}`: a person does something in Jira, which fires the webhooks.
 * Actions: create `{project?, summary, type?, description?, labels?, assignee?, status?}`, comment
 * `{issue, body}`, transition `{issue, to}` (a status name), assign `{issue, assignee}` (null unassigns),
 * label `{issue, add?, remove?}`, sprint `{issue, sprint}` (a sprint id or name), edit `{issue, fields}`.
 */
function act(ctx: Ctx): unknown {
  const state = ctx.tenant.state;
  const b = ctx.body;
  const who = person(state, b.as);
  const action = String(b.action ?? '');
  switch (action) {
    case 'create': {
      const fields: Record<string, unknown> = {
        project: { key: typeof b.project === 'string' ? b.project : state.defaultProjectKey },
        issuetype: { name: typeof b.type === 'string' ? b.type : 'Task' },
        summary: b.summary,
      };
      if (typeof b.description === 'string') fields.description = textToAdf(b.description);
      if (Array.isArray(b.labels)) fields.labels = b.labels;
      if (typeof b.assignee === 'string') fields.assignee = { accountId: person(state, b.assignee, 'assignee').accountId };
      if (typeof b.priority === 'string') fields.priority = { name: b.priority };
      const created = run(() => issues.createIssue(actingCtx(ctx, who, {}, { fields }))) as { key: string };
      if (typeof b.status === 'string') moveTo(ctx, who, created.key, b.status);
      return { issue: observeIssue(ctx, created.key) };
    }
    case 'comment': {
      const issue = issueRef(ctx, b.issue);
      const c = run(() => comments.addComment(actingCtx(ctx, who, { issueIdOrKey: issue.id }, { body: textToAdf(String(b.body ?? '')) })));
      return { comment: c };
    }
    case 'transition': {
      const issue = issueRef(ctx, b.issue);
      moveTo(ctx, who, issue.key, String(b.to ?? ''));
      return { issue: observeIssue(ctx, issue.key) };
    }
    case 'assign': {
      const issue = issueRef(ctx, b.issue);
      const accountId = b.assignee === null || b.assignee === undefined ? null : person(state, b.assignee, 'assignee').accountId;
      run(() => issues.assignIssue(actingCtx(ctx, who, { issueIdOrKey: issue.id }, { accountId })));
      return { issue: observeIssue(ctx, issue.key) };
    }
    case 'label': {
      const issue = issueRef(ctx, b.issue);
      const ops = [
        ...(Array.isArray(b.add) ? b.add : typeof b.add === 'string' ? [b.add] : []).map((l) => ({ add: l })),
        ...(Array.isArray(b.remove) ? b.remove : typeof b.remove === 'string' ? [b.remove] : []).map((l) => ({ remove: l })),
      ];
      run(() => issues.editIssue(actingCtx(ctx, who, { issueIdOrKey: issue.id }, { update: { labels: ops } })));
      return { issue: observeIssue(ctx, issue.key) };
    }
    case 'sprint': {
      const issue = issueRef(ctx, b.issue);
      const ref = String(b.sprint ?? '');
      const sprint = [...state.sprints.values()].find((s) => String(s.id) === ref || s.name.toLowerCase() === ref.toLowerCase());
      if (!sprint) throw controlError(404, 'sprint_not_found', `no sprint "${ref.slice(0, 80)}"`);
      run(() => issues.editIssue(actingCtx(ctx, who, { issueIdOrKey: issue.id }, { fields: { customfield_10020: sprint.id } })));
      return { issue: observeIssue(ctx, issue.key) };
    }
    case 'edit': {
      const issue = issueRef(ctx, b.issue);
      run(() =>
        issues.editIssue(
          actingCtx(
            ctx,
            who,
            { issueIdOrKey: issue.id },
            { fields: b.fields && typeof b.fields === 'object' ? (b.fields as Record<string, unknown>) : {} },
          ),
        ),
      );
      return { issue: observeIssue(ctx, issue.key) };
    }
    default:
      throw controlError(400, 'invalid_argument', 'action must be one of create, comment, transition, assign, label, sprint, edit');
  }
}

/** Move an issue to a status by name through the first available transition that reaches it. */
function moveTo(ctx: Ctx, who: User, key: string, statusName: string): void {
  const state = ctx.tenant.state;
  const issue = issueRef(ctx, key);
  const status = [...state.statuses.values()].find((s) => s.name.toLowerCase() === statusName.toLowerCase());
  if (!status) throw controlError(404, 'status_not_found', `no status "${statusName.slice(0, 80)}"`);
  if (issue.statusId === status.id) return;
  const project = state.projects.get(issue.projectId);
  const t = project?.workflow.transitions.find((x) => x.to === status.id && (x.from.length === 0 || x.from.includes(issue.statusId)));
  if (!t) throw controlError(409, 'jira_error', `no transition from the issue's status to "${status.name}"`);
  run(() => issues.doTransition(actingCtx(ctx, who, { issueIdOrKey: issue.id }, { transition: { id: t.id } })));
}

/** An issue as the steps observe it: key, summary, status, assignee, labels, sprint, comments as text, history. */
function observeIssue(ctx: Ctx, key: string): Record<string, unknown> {
  const state = ctx.tenant.state;
  const issue = issueRef(ctx, key);
  const full = issueJson(state, issue, {
    fields: selectFields(state, '*all', '*all'),
    expand: new Set(),
    v: '3',
    base: ctx.baseUrl.replace(/\/+$/, ''),
  });
  return {
    key: issue.key,
    id: issue.id,
    summary: issue.summary,
    description: adfToText(issue.description),
    status: state.statuses.get(issue.statusId)?.name,
    assignee: issue.assigneeId ? (state.users.get(issue.assigneeId)?.displayName ?? null) : null,
    labels: issue.labels,
    resolution: issue.resolutionId ? state.resolutions.get(issue.resolutionId)?.name : null,
    sprints: issue.sprintIds.map((id) => state.sprints.get(id)?.name),
    comments: issue.comments.map((c) => ({ author: state.users.get(c.authorId)?.displayName, body: adfToText(c.body) })),
    history: issue.histories.map((h) => historyJson(state, h, ctx.baseUrl, '3')),
    fields: full.fields,
  };
}

/** GET jira/issues?jql=…: the issues a query finds (as the admin), with their key, summary and status. */
function listIssues(ctx: Ctx): unknown {
  const state = ctx.tenant.state;
  const jql = ctx.query.jql ?? '';
  try {
    const q = compileJql(jql, { state, callerId: state.adminAccountId, now: ctx.tenant.clock.now() });
    const found = [...state.issues.values()].filter(q.matches).sort(q.sort);
    return { issues: found.slice(0, 1000).map((i) => ({ key: i.key, summary: i.summary, status: state.statuses.get(i.statusId)?.name })) };
  } catch (err) {
    if (err instanceof JqlError) throw controlError(400, 'invalid_jql', err.message);
    throw err;
  }
}

/** Every Jira-specific control route, mounted under /_twin/. */
export const jiraControlRoutes: ControlRoute<JiraState>[] = [
  { method: 'POST', path: 'jira/webhook', handler: configureWebhook },
  { method: 'POST', path: 'jira/act', handler: act },
  { method: 'GET', path: 'jira/issues', handler: listIssues },
  { method: 'GET', path: 'jira/issues/:key', handler: (ctx) => ({ issue: observeIssue(ctx, ctx.params.key ?? '') }) },
  {
    method: 'GET',
    path: 'jira/people',
    handler: (ctx) => ({
      people: [...ctx.tenant.state.users.values()].map((u) => ({
        accountId: u.accountId,
        displayName: u.displayName,
        emailAddress: u.emailAddress,
      })),
    }),
  },
];
