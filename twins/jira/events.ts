// Jira webhooks through the kernel's outbox: admin webhooks filtered by JQL and event, Jira's payloads (v2 representation), headers, signature and retry policy.

import { createHmac, randomUUID } from 'node:crypto';
import type { ReceiverAnswer } from '../../src/kernel/outbox.ts';
import type { OperationContext } from '../../src/kernel/types.ts';
import { issueMatches } from './jql/evaluate.ts';
import { commentJson, issueJson, selectFields, userJson } from './render.ts';
import type { AdminWebhook, ChangeItem, Comment, Issue, JiraState } from './store.ts';

/** Minutes between Jira's retries: backoff for about half an hour, as Atlassian's retry policy does. */
export const JIRA_RETRY_DELAYS_MS = [10_000, 60_000, 5 * 60_000, 10 * 60_000, 15 * 60_000];
/** The receiver must answer within this long. */
export const JIRA_WEBHOOK_TIMEOUT_MS = 10_000;
/** Statuses Jira retries on; anything else that is not 2xx fails for good. */
const RETRY_STATUSES = new Set([408, 409, 425, 429]);

/** Jira's rule for a receiver's answer: 2xx delivered; 408, 409, 425, 429 and 5xx retried; other statuses failed. */
export function classifyJiraAnswer(answer: ReceiverAnswer): { outcome: 'delivered' | 'retry' | 'failed'; reason?: string } {
  if (answer.status >= 200 && answer.status < 300) return { outcome: 'delivered' };
  if (RETRY_STATUSES.has(answer.status) || answer.status >= 500) return { outcome: 'retry', reason: 'http_error' };
  return { outcome: 'failed', reason: 'http_error' };
}

/** `sha256=<hex HMAC-SHA256(secret, body)>`, the X-Hub-Signature of admin webhooks with a secret. */
export function hubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

type Ctx = Pick<OperationContext<JiraState, unknown>, 'state' | 'tenant' | 'now' | 'deliver' | 'baseUrl'> & {
  principal: { accountId: string | null };
};

export interface IssueEventExtra {
  changelogItems?: ChangeItem[];
  comment?: Comment;
}

/** Does a webhook want this event (`jira:issue_updated`, `comment_created`, …)? */
function wants(h: AdminWebhook, event: string): boolean {
  return h.enabled && h.url !== '' && h.events.includes(event);
}

/**
 * Fire an issue or comment event to every admin webhook that wants it and whose JQL filter
 * matches the issue. Comment events also fire `jira:issue_updated` (`issue_commented`), as Jira
 * sends both.
 */
export function issueEvent(ctx: Ctx, issue: Issue, webhookEvent: string, typeName: string, extra: IssueEventExtra = {}): void {
  const hooks = [...ctx.state.webhooks.values()];
  if (hooks.length === 0) return;
  const events: [string, string | undefined][] = [[webhookEvent, typeName]];
  if (webhookEvent === 'comment_created') events.push(['jira:issue_updated', 'issue_commented']);
  if (webhookEvent === 'comment_updated') events.push(['jira:issue_updated', 'issue_comment_edited']);
  if (webhookEvent === 'comment_deleted') events.push(['jira:issue_updated', 'issue_comment_deleted']);
  const base = ctx.baseUrl.replace(/\/+$/, '');
  const jqlCtx = { state: ctx.state, callerId: ctx.principal.accountId, now: ctx.now() };
  for (const [event, type] of events) {
    for (const h of hooks) {
      if (!wants(h, event) || !issueMatches(h.jqlFilter, issue, jqlCtx)) continue;
      const payload = buildPayload(ctx, base, issue, event, type, extra);
      send(ctx, h, event, payload, issue.key);
    }
  }
}

function buildPayload(
  ctx: Ctx,
  base: string,
  issue: Issue,
  event: string,
  type: string | undefined,
  extra: IssueEventExtra,
): Record<string, unknown> {
  const user = ctx.principal.accountId ? ctx.state.users.get(ctx.principal.accountId) : undefined;
  const fullIssue = issueJson(ctx.state, issue, {
    fields: selectFields(ctx.state, '*navigable', '*navigable'),
    expand: new Set(),
    v: '2',
    base,
  });
  const payload: Record<string, unknown> = { timestamp: ctx.now(), webhookEvent: event };
  if (event.startsWith('comment_')) {
    if (extra.comment) payload.comment = commentJson(ctx.state, issue, extra.comment, base, '2');
    const f = (fullIssue.fields ?? {}) as Record<string, unknown>;
    payload.issue = {
      id: issue.id,
      key: issue.key,
      self: fullIssue.self,
      fields: {
        summary: f.summary,
        status: f.status,
        issuetype: f.issuetype,
        project: f.project,
        priority: f.priority,
        assignee: f.assignee,
      },
    };
    return payload;
  }
  if (type) payload.issue_event_type_name = type;
  if (user) payload.user = userJson(user, base, '2');
  payload.issue = fullIssue;
  if (extra.changelogItems && extra.changelogItems.length > 0) {
    const last = issue.histories[issue.histories.length - 1];
    payload.changelog = { id: last?.id ?? '0', items: extra.changelogItems };
  }
  if (extra.comment) payload.comment = commentJson(ctx.state, issue, extra.comment, base, '2');
  return payload;
}

/** Queue one delivery: the identifier stays the same across retries; retries say their number. */
export function send(
  ctx: Pick<Ctx, 'tenant' | 'deliver'>,
  h: AdminWebhook,
  event: string,
  payload: Record<string, unknown>,
  issueKey?: string,
  flow: 'Primary' | 'Secondary' = 'Primary',
): void {
  const identifier = randomUUID();
  const body = h.excludeBody ? '' : JSON.stringify(payload);
  ctx.deliver({
    tenantId: ctx.tenant.id,
    kind: 'webhook',
    url: h.url,
    timeoutMs: JIRA_WEBHOOK_TIMEOUT_MS,
    retryDelaysMs: JIRA_RETRY_DELAYS_MS,
    classify: classifyJiraAnswer,
    clock: ctx.tenant.clock,
    meta: { webhookId: h.id, webhookEvent: event, issueKey, identifier },
    build: ({ number }) => {
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Atlassian Webhook HTTP Client',
        'x-atlassian-webhook-identifier': identifier,
        'x-atlassian-webhook-flow': flow,
      };
      if (number > 1) headers['x-atlassian-webhook-retry'] = String(number - 1);
      if (h.secret) headers['x-hub-signature'] = hubSignature(h.secret, body);
      return { method: 'POST', headers, body };
    },
  });
}
