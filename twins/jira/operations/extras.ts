// Watchers, votes, worklogs, issue links and attachments (multipart with X-Atlassian-Token: no-check, bytes served back with their declared type).

import type { UploadedFile } from '../../../src/kernel/types.ts';
import { badRequest, clip, fieldErrors, forbidden, issueNotFound, jiraError, notFound } from '../errors.ts';
import { issueEvent } from '../events.ts';
import { readRichText } from '../fields.ts';
import { attachmentJson, userJson, worklogJson } from '../render.ts';
import { findIssue, type Issue, nextId } from '../store.ts';
import { base, caller, issueParam, type JiraCtx, obj, paging, queryString, reply, version } from './common.ts';

/** Per-issue limits Jira enforces with 413. */
export const MAX_ATTACHMENTS_PER_ISSUE = 2000;
export const MAX_LINKS_PER_ISSUE = 2000;
export const MAX_WORKLOGS_PER_ISSUE = 10000;

function accountArg(ctx: JiraCtx): string {
  const raw = ctx.args as unknown;
  const id =
    typeof raw === 'string' ? raw : typeof queryString(ctx, 'accountId') === 'string' ? (queryString(ctx, 'accountId') as string) : '';
  return id || caller(ctx).accountId;
}

/** GET /issue/{issueIdOrKey}/watchers. */
export function getIssueWatchers(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  return {
    self: `${base(ctx)}/rest/api/${version(ctx)}/issue/${issue.key}/watchers`,
    isWatching: issue.watchers.includes(me.accountId),
    watchCount: issue.watchers.length,
    watchers: issue.watchers.flatMap((id) => {
      const u = ctx.state.users.get(id);
      return u ? [userJson(u, base(ctx), version(ctx))] : [];
    }),
  };
}

/** POST /issue/{issueIdOrKey}/watchers: body is the account id as a JSON string (the caller when empty); 204. */
export function addWatcher(ctx: JiraCtx): unknown {
  caller(ctx);
  const issue = issueParam(ctx);
  const id = accountArg(ctx);
  if (!ctx.state.users.has(id))
    throw badRequest(`The user "${clip(id)}" does not have permission to view this issue. This user will not be added to the watch list.`);
  if (!issue.watchers.includes(id)) issue.watchers.push(id);
  return reply(204);
}

/** DELETE /issue/{issueIdOrKey}/watchers?accountId=: 204. */
export function removeWatcher(ctx: JiraCtx): unknown {
  caller(ctx);
  const issue = issueParam(ctx);
  const id = queryString(ctx, 'accountId') ?? '';
  if (!id) throw badRequest('The accountId query parameter needs to be provided.');
  issue.watchers = issue.watchers.filter((w) => w !== id);
  return reply(204);
}

/** GET /issue/{issueIdOrKey}/votes. */
export function getVotes(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  return {
    self: `${base(ctx)}/rest/api/${version(ctx)}/issue/${issue.key}/votes`,
    votes: issue.votes.length,
    hasVoted: issue.votes.includes(me.accountId),
    voters: issue.votes.flatMap((id) => {
      const u = ctx.state.users.get(id);
      return u ? [userJson(u, base(ctx), version(ctx))] : [];
    }),
  };
}

/** POST /issue/{issueIdOrKey}/votes: the caller votes (not on their own reported issue, as Jira refuses); 204. */
export function addVote(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  if (issue.resolutionId) throw notFound('You cannot vote for an issue that has been resolved.');
  if (!issue.votes.includes(me.accountId)) issue.votes.push(me.accountId);
  return reply(204);
}

/** DELETE /issue/{issueIdOrKey}/votes: 204. */
export function removeVote(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  issue.votes = issue.votes.filter((v) => v !== me.accountId);
  return reply(204);
}

/** `1w 2d 3h 30m` (Jira's 8-hour days, 5-day weeks) to seconds; undefined when not a duration. */
export function parseTimeSpent(s: string): number | undefined {
  const parts = s.trim().split(/\s+/);
  let total = 0;
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)([wdhm])$/.exec(p);
    if (!m) return undefined;
    total += Number(m[1]) * { w: 5 * 8 * 3600, d: 8 * 3600, h: 3600, m: 60 }[m[2] as 'w'];
  }
  return total > 0 ? Math.round(total) : undefined;
}

function parseStarted(s: unknown, fallback: number): number | undefined {
  if (s === undefined) return fallback;
  if (typeof s !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?)([+-]\d{2}):?(\d{2})$/.exec(s);
  const ms = m ? Date.parse(`${m[1]}${m[2]}:${m[3]}`) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** GET /issue/{issueIdOrKey}/worklog: `{startAt, maxResults, total, worklogs}`. */
export function getIssueWorklog(ctx: JiraCtx): unknown {
  caller(ctx);
  const issue = issueParam(ctx);
  const { startAt, maxResults } = paging(ctx, 5000, 5000);
  const all = issue.worklogs.map((w) => worklogJson(ctx.state, issue, w, base(ctx), version(ctx)));
  return { startAt, maxResults, total: all.length, worklogs: all.slice(startAt, startAt + maxResults) };
}

/** POST /issue/{issueIdOrKey}/worklog: `{timeSpentSeconds | timeSpent, started?, comment?}` → 201. */
export function addWorklog(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const issue = issueParam(ctx);
  if (issue.worklogs.length >= MAX_WORKLOGS_PER_ISSUE)
    throw jiraError(413, [`The issue has reached the limit of ${MAX_WORKLOGS_PER_ISSUE} worklogs.`]);
  const a = ctx.args;
  const seconds =
    typeof a.timeSpentSeconds === 'number' && a.timeSpentSeconds > 0
      ? Math.round(a.timeSpentSeconds)
      : typeof a.timeSpent === 'string'
        ? parseTimeSpent(a.timeSpent)
        : undefined;
  if (!seconds) throw fieldErrors({ timeLogged: 'You must indicate the time spent working.' });
  const now = ctx.now();
  const started = parseStarted(a.started, now);
  if (started === undefined) throw fieldErrors({ started: 'The started date is not valid.' });
  const comment = a.comment === undefined ? undefined : readRichText(a.comment, version(ctx));
  if (comment === undefined && a.comment !== undefined) throw fieldErrors({ comment: 'Comment body is not valid!' });
  const w = {
    id: String(nextId(ctx.state, 'worklog')),
    authorId: me.accountId,
    comment: comment ?? undefined,
    started,
    timeSpentSeconds: seconds,
    created: now,
    updated: now,
  };
  issue.worklogs.push(w);
  issue.updated = now;
  return reply(201, worklogJson(ctx.state, issue, w, base(ctx), version(ctx)));
}

/** DELETE /issue/{issueIdOrKey}/worklog/{id}: 204. */
export function deleteWorklog(ctx: JiraCtx): unknown {
  caller(ctx);
  const issue = issueParam(ctx);
  const id = ctx.params.id ?? '';
  if (!issue.worklogs.some((w) => w.id === id)) throw notFound(`Cannot find worklog with id: '${clip(id)}'.`);
  issue.worklogs = issue.worklogs.filter((w) => w.id !== id);
  return reply(204);
}

function linkedIssue(ctx: JiraCtx, v: unknown, field: string): Issue {
  const r = obj(v);
  const issue = findIssue(ctx.state, String(r.key ?? r.id ?? ''));
  if (!issue) throw jiraError(404, [`Issue does not exist or you do not have permission to see it.`], { [field]: 'Issue not found.' });
  return issue;
}

/** POST /issueLink: `{type:{name|id}, inwardIssue:{key}, outwardIssue:{key}}` → 201. */
export function linkIssues(ctx: JiraCtx): unknown {
  caller(ctx);
  const t = obj(ctx.args.type);
  const type = [...ctx.state.linkTypes.values()].find(
    (x) => x.id === String(t.id ?? '') || x.name.toLowerCase() === String(t.name ?? '').toLowerCase(),
  );
  if (!type) throw notFound(`No issue link type with name '${clip(String(t.name ?? t.id ?? ''))}' found.`);
  const inward = linkedIssue(ctx, ctx.args.inwardIssue, 'inwardIssue');
  const outward = linkedIssue(ctx, ctx.args.outwardIssue, 'outwardIssue');
  const count = [...ctx.state.links.values()].filter((l) => l.inwardIssueId === inward.id || l.outwardIssueId === inward.id).length;
  if (count >= MAX_LINKS_PER_ISSUE) throw jiraError(413, [`The issue has reached the limit of ${MAX_LINKS_PER_ISSUE} links.`]);
  const id = String(nextId(ctx.state, 'link'));
  ctx.state.links.set(id, { id, typeId: type.id, inwardIssueId: inward.id, outwardIssueId: outward.id });
  const now = ctx.now();
  inward.updated = now;
  outward.updated = now;
  return reply(201);
}

/** GET /issueLink/{linkId}. */
export function getIssueLink(ctx: JiraCtx): unknown {
  caller(ctx);
  const l = ctx.state.links.get(ctx.params.linkId ?? '');
  if (!l) throw notFound(`No issue link with id '${clip(ctx.params.linkId ?? '')}' exists.`);
  const type = ctx.state.linkTypes.get(l.typeId);
  const short = (id: string) => {
    const i = ctx.state.issues.get(id);
    return i ? { id: i.id, key: i.key, self: `${base(ctx)}/rest/api/${version(ctx)}/issue/${i.id}` } : null;
  };
  return {
    id: l.id,
    self: `${base(ctx)}/rest/api/${version(ctx)}/issueLink/${l.id}`,
    type,
    inwardIssue: short(l.inwardIssueId),
    outwardIssue: short(l.outwardIssueId),
  };
}

/** DELETE /issueLink/{linkId}: 204. */
export function deleteIssueLink(ctx: JiraCtx): unknown {
  caller(ctx);
  const id = ctx.params.linkId ?? '';
  if (!ctx.state.links.delete(id)) throw notFound(`No issue link with id '${clip(id)}' exists.`);
  return reply(204);
}

/**
 * POST /issue/{issueIdOrKey}/attachments: multipart `file` parts; without `X-Atlassian-Token: no-check` Jira's XSRF check refuses it (403).
 * Limitations: attachments are kept in the site's state (base64), so snapshots carry them; keep them small.
 */
export function addAttachment(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  if ((ctx.req.headers['x-atlassian-token'] ?? '').toLowerCase() !== 'no-check') throw forbidden('XSRF check failed');
  const issue = issueParam(ctx);
  const body = ctx.req.body as { files?: UploadedFile[] } | undefined;
  const files = (body?.files ?? []).filter((f) => f.field === 'file');
  if (files.length === 0) throw badRequest('No file was attached: send multipart/form-data with a part named "file".');
  if (issue.attachments.length + files.length > MAX_ATTACHMENTS_PER_ISSUE)
    throw jiraError(413, [`The issue has reached the limit of ${MAX_ATTACHMENTS_PER_ISSUE} attachments.`]);
  const now = ctx.now();
  const added = files.map((f) => {
    const a = {
      id: String(nextId(ctx.state, 'attachment')),
      filename: f.filename.slice(0, 255) || 'file',
      mimeType: f.contentType || 'application/octet-stream',
      size: f.data.length,
      authorId: me.accountId,
      created: now,
      content: Buffer.from(f.data).toString('base64'),
    };
    issue.attachments.push(a);
    return a;
  });
  issue.updated = now;
  issueEvent(ctx, issue, 'attachment_created', 'issue_updated');
  return added.map((a) => attachmentJson(ctx.state, a, base(ctx), version(ctx)));
}

function attachmentParam(ctx: JiraCtx): { issue: Issue; attachment: Issue['attachments'][number] } {
  const id = ctx.params.id ?? '';
  for (const issue of ctx.state.issues.values()) {
    const attachment = issue.attachments.find((a) => a.id === id);
    if (attachment) return { issue, attachment };
  }
  throw notFound(`The attachment with id '${clip(id)}' does not exist`);
}

/** GET /attachment/{id}: its metadata. */
export function getAttachment(ctx: JiraCtx): unknown {
  caller(ctx);
  const { attachment } = attachmentParam(ctx);
  return attachmentJson(ctx.state, attachment, base(ctx), version(ctx));
}

/** GET /attachment/content/{id}: the bytes, with the type declared at upload. */
export function getAttachmentContent(ctx: JiraCtx): unknown {
  caller(ctx);
  const { attachment } = attachmentParam(ctx);
  return reply(200, new Uint8Array(Buffer.from(attachment.content, 'base64')), {
    'content-type': attachment.mimeType,
    'content-disposition': `attachment; filename="${attachment.filename.replace(/["\\\r\n]/g, '_')}"`,
  });
}

/** DELETE /attachment/{id}: 204. */
export function removeAttachment(ctx: JiraCtx): unknown {
  caller(ctx);
  const { issue, attachment } = attachmentParam(ctx);
  issue.attachments = issue.attachments.filter((a) => a !== attachment);
  return reply(204);
}

/** Guard shared by the steps: an issue that must exist. */
export function mustFind(ctx: JiraCtx, ref: string): Issue {
  const i = findIssue(ctx.state, ref);
  if (!i) throw issueNotFound();
  return i;
}
