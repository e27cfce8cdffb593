// Webhooks: admin webhooks (/rest/webhooks/1.0/webhook) with JQL filters, events, excludeBody and a secret; the app-only /rest/api/3/webhook refused to basic auth.

import { badRequest, forbidden, jiraError, notFound } from '../errors.ts';
import { JqlError, parseJql } from '../jql/parse.ts';
import { jiraDate } from '../render.ts';
import { type AdminWebhook, nextId } from '../store.ts';
import { base, caller, type JiraCtx, reply } from './common.ts';

/** Events an admin webhook may subscribe to. */
export const WEBHOOK_EVENTS = [
  'jira:issue_created',
  'jira:issue_updated',
  'jira:issue_deleted',
  'comment_created',
  'comment_updated',
  'comment_deleted',
  'worklog_created',
  'worklog_updated',
  'worklog_deleted',
  'issuelink_created',
  'issuelink_deleted',
  'attachment_created',
  'attachment_deleted',
  'sprint_created',
  'sprint_started',
  'sprint_closed',
  'project_created',
  'project_deleted',
];

function webhookJson(ctx: JiraCtx, h: AdminWebhook): Record<string, unknown> {
  return {
    name: h.name,
    url: h.url,
    excludeBody: h.excludeBody,
    filters: { 'issue-related-events-section': h.jqlFilter },
    events: h.events,
    enabled: h.enabled,
    self: `${base(ctx)}/rest/webhooks/1.0/webhook/${h.id}`,
    lastUpdatedUser: h.lastUpdatedUser,
    lastUpdatedDisplayName: ctx.state.users.get(h.lastUpdatedUser)?.displayName ?? '',
    lastUpdated: h.updated,
    ...(h.secret ? { secret: '**********' } : {}),
  };
}

function readWebhook(ctx: JiraCtx, existing?: AdminWebhook): Omit<AdminWebhook, 'id' | 'created' | 'updated' | 'lastUpdatedUser'> {
  const a = ctx.args;
  const name = typeof a.name === 'string' ? a.name.trim() : (existing?.name ?? '');
  const url = typeof a.url === 'string' ? a.url.trim() : (existing?.url ?? '');
  if (!name) throw jiraError(400, [], { name: 'A webhook name is required.' });
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw jiraError(400, [], { url: 'The URL must be a valid http or https URL.' });
  const events = Array.isArray(a.events) ? a.events.map(String) : (existing?.events ?? []);
  const unknown = events.find((e) => !WEBHOOK_EVENTS.includes(e));
  if (unknown !== undefined) throw jiraError(400, [], { events: `Unknown event '${unknown.slice(0, 60)}'.` });
  const filters = a.filters && typeof a.filters === 'object' ? (a.filters as Record<string, unknown>) : undefined;
  const jqlFilter =
    typeof filters?.['issue-related-events-section'] === 'string'
      ? (filters['issue-related-events-section'] as string)
      : (existing?.jqlFilter ?? '');
  if (jqlFilter) {
    try {
      parseJql(jqlFilter);
    } catch (err) {
      if (err instanceof JqlError) throw jiraError(400, [], { filters: err.message });
      throw err;
    }
  }
  const secret = typeof a.secret === 'string' && a.secret ? a.secret.slice(0, 256) : existing?.secret;
  return {
    name: name.slice(0, 255),
    url,
    events,
    jqlFilter,
    excludeBody: a.excludeBody === true || (a.excludeBody === undefined && Boolean(existing?.excludeBody)),
    secret,
    enabled: a.enabled === undefined ? (existing?.enabled ?? true) : a.enabled !== false,
  };
}

/** POST /rest/webhooks/1.0/webhook: 201 with the webhook. */
export function createAdminWebhook(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const data = readWebhook(ctx);
  const now = ctx.now();
  const h: AdminWebhook = { id: nextId(ctx.state, 'webhook', 1), ...data, created: now, updated: now, lastUpdatedUser: me.accountId };
  ctx.state.webhooks.set(h.id, h);
  return reply(201, webhookJson(ctx, h));
}

/** GET /rest/webhooks/1.0/webhook: every admin webhook. */
export function listAdminWebhooks(ctx: JiraCtx): unknown {
  caller(ctx);
  return [...ctx.state.webhooks.values()].map((h) => webhookJson(ctx, h));
}

function webhookParam(ctx: JiraCtx): AdminWebhook {
  const raw = ctx.params.webhookId ?? '';
  const h = /^\d{1,9}$/.test(raw) ? ctx.state.webhooks.get(Number(raw)) : undefined;
  if (!h) throw notFound('Webhook not found.');
  return h;
}

/** GET /rest/webhooks/1.0/webhook/{webhookId}. */
export function getAdminWebhook(ctx: JiraCtx): unknown {
  caller(ctx);
  return webhookJson(ctx, webhookParam(ctx));
}

/** PUT /rest/webhooks/1.0/webhook/{webhookId}. */
export function updateAdminWebhook(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const h = webhookParam(ctx);
  Object.assign(h, readWebhook(ctx, h), { updated: ctx.now(), lastUpdatedUser: me.accountId });
  return webhookJson(ctx, h);
}

/** DELETE /rest/webhooks/1.0/webhook/{webhookId}: 204. */
export function deleteAdminWebhook(ctx: JiraCtx): unknown {
  caller(ctx);
  const h = webhookParam(ctx);
  ctx.state.webhooks.delete(h.id);
  return reply(204);
}

/** /rest/api/3/webhook (every method): apps only; a basic-auth caller gets Jira's 403. */
export function dynamicWebhooksForApps(ctx: JiraCtx): unknown {
  caller(ctx);
  throw forbidden('Only Connect and OAuth 2.0 apps can use this operation.');
}

/** Date helper kept for payloads that name when a webhook last changed. */
export const webhookDate = jiraDate;
/** Input guard for ids in bodies. */
export const assertWebhookIds = (ids: unknown): number[] => {
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'number')) throw badRequest('webhookIds must be a list of numbers.');
  return ids as number[];
};
