// Comments on issues: list (paged), add (ADF in v3, strings in v2, visibility), get, update, delete.

import { badRequest, commentNotFound, fieldErrors, forbidden, jiraError } from '../errors.ts';
import { issueEvent } from '../events.ts';
import { readRichText } from '../fields.ts';
import { commentJson, commentVisibleTo } from '../render.ts';
import { type Comment, type Issue, nextId } from '../store.ts';
import { base, caller, issueParam, type JiraCtx, obj, paging, queryList, queryString, reply, version } from './common.ts';

/** Jira's per-issue limit on comments (413 past it). */
export const MAX_COMMENTS_PER_ISSUE = 5000;

function readBody(ctx: JiraCtx): Comment['body'] {
  const body = readRichText(ctx.args.body, version(ctx));
  if (!body) {
    throw fieldErrors({
      comment: version(ctx) === '3' ? 'Comment body is not valid!' : 'Comment body can not be empty!',
    });
  }
  return body;
}

function readVisibility(ctx: JiraCtx): Comment['visibility'] {
  if (ctx.args.visibility === undefined || ctx.args.visibility === null) return undefined;
  const v = obj(ctx.args.visibility);
  const value = typeof v.value === 'string' ? v.value : typeof v.identifier === 'string' ? v.identifier : '';
  if ((v.type !== 'role' && v.type !== 'group') || !value)
    throw fieldErrors({ commentLevel: `You are currently not a member of the project role: ${value.slice(0, 60)}` });
  return { type: v.type, value };
}

function commentParam(ctx: JiraCtx, issue: Issue): Comment {
  const id = ctx.params.id ?? '';
  const c = issue.comments.find((x) => x.id === id);
  // A comment restricted to a group or role the caller is not in is, for them, no comment at all.
  if (!c || !commentVisibleTo(ctx.state, issue, c, ctx.principal.accountId)) throw commentNotFound(id);
  return c;
}

/** GET /issue/{issueIdOrKey}/comment: `{startAt, maxResults, total, comments}`, oldest first (orderBy=-created reverses). */
export function getComments(ctx: JiraCtx): unknown {
  caller(ctx);
  const issue = issueParam(ctx);
  const { startAt, maxResults } = paging(ctx, 100, 5000);
  const rendered = queryList(ctx, 'expand').includes('renderedBody');
  let all = issue.comments.filter((c) => commentVisibleTo(ctx.state, issue, c, ctx.principal.accountId));
  if (queryString(ctx, 'orderBy')?.startsWith('-')) all = all.reverse();
  const comments = all.slice(startAt, startAt + maxResults).map((c) => commentJson(ctx.state, issue, c, base(ctx), version(ctx), rendered));
  return { startAt, maxResults, total: all.length, comments };
}

/** POST /issue/{issueIdOrKey}/comment: 201 with the comment; fires `comment_created` and `issue_commented`. */
export function addComment(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  if (issue.comments.length >= MAX_COMMENTS_PER_ISSUE)
    throw jiraError(413, [`The issue has reached the limit of ${MAX_COMMENTS_PER_ISSUE} comments.`]);
  const now = ctx.now();
  const comment: Comment = {
    id: String(nextId(ctx.state, 'comment')),
    authorId: me.accountId,
    updateAuthorId: me.accountId,
    body: readBody(ctx),
    created: now,
    updated: now,
    visibility: readVisibility(ctx),
  };
  issue.comments.push(comment);
  issue.updated = now;
  issueEvent(ctx, issue, 'comment_created', 'issue_commented', { comment });
  const rendered = queryList(ctx, 'expand').includes('renderedBody');
  return reply(201, commentJson(ctx.state, issue, comment, base(ctx), version(ctx), rendered));
}

/** GET /issue/{issueIdOrKey}/comment/{id}. */
export function getComment(ctx: JiraCtx): unknown {
  caller(ctx);
  const issue = issueParam(ctx);
  const rendered = queryList(ctx, 'expand').includes('renderedBody');
  return commentJson(ctx.state, issue, commentParam(ctx, issue), base(ctx), version(ctx), rendered);
}

/** PUT /issue/{issueIdOrKey}/comment/{id}: only its author (or an admin) may edit it. */
export function updateComment(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  const c = commentParam(ctx, issue);
  if (c.authorId !== me.accountId && me.accountId !== ctx.state.adminAccountId)
    throw forbidden('You do not have the permission to edit this comment.');
  c.body = readBody(ctx);
  if (ctx.args.visibility !== undefined) c.visibility = readVisibility(ctx);
  c.updateAuthorId = me.accountId;
  c.updated = ctx.now();
  issue.updated = c.updated;
  issueEvent(ctx, issue, 'comment_updated', 'issue_comment_edited', { comment: c });
  return commentJson(ctx.state, issue, c, base(ctx), version(ctx));
}

/** DELETE /issue/{issueIdOrKey}/comment/{id}: 204. */
export function deleteComment(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  const c = commentParam(ctx, issue);
  if (c.authorId !== me.accountId && me.accountId !== ctx.state.adminAccountId)
    throw forbidden('You do not have the permission to delete this comment.');
  issue.comments = issue.comments.filter((x) => x !== c);
  issue.updated = ctx.now();
  issueEvent(ctx, issue, 'comment_deleted', 'issue_comment_deleted', { comment: c });
  return reply(204);
}

/** Guard for ids in bodies (comment lists by id). */
export function assertIds(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'number' && typeof x !== 'string'))
    throw badRequest('ids must be a list of comment ids.');
  return ids.map(String);
}
