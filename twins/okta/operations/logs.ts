// The System Log: /api/v1/logs with since, until, filter, q, sortOrder, limit and after, and Okta's polling semantics.

import { validationFailed } from '../errors.ts';
import { getterOf, LOG_FILTER, parseExpression } from '../query.ts';
import { type OktaContext, queryString, Reply, sentQuery } from '../render.ts';
import { type LogEvent, linkHeader, logView } from '../store.ts';

const LOGS_DEFAULT_LIMIT = 100;
const LOGS_MAX_LIMIT = 1000;
const DEFAULT_LOOKBACK_MS = 7 * 86_400_000;

function instant(ctx: OktaContext<unknown>, name: 'since' | 'until'): number | undefined {
  const v = queryString(ctx, name);
  if (v === undefined || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw validationFailed(name, [{ errorSummary: `${name}: The date is not a valid ISO 8601 instant` }]);
  return t;
}

/** Index of the first event whose sequence number is greater than `seq` (the log is in sequence order). */
function firstAfter(logs: readonly LogEvent[], seq: number): number {
  let lo = 0;
  let hi = logs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (logs[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * GET /api/v1/logs. Without `until` and in ascending order it is a polling request: ordered by
 * persistence, with a `next` link always (also on an empty page), so a poller keeps its place.
 * With `until` (or descending) the query is bounded and its last page has no `next`. `since`
 * defaults to seven days ago; `filter` is a SCIM expression over the event (`eventType eq
 * "user.lifecycle.deactivate"`, `target.id eq "00u…"`); `q` keeps events containing every word.
 *
 * Limitations: `filter` compares strings exactly (Okta's is also exact); `q` searches displayMessage, eventType, actor and targets only; events are kept up to 200,000 per org.
 */
export function listLogEvents(ctx: OktaContext): unknown {
  const now = ctx.now();
  const since = instant(ctx, 'since') ?? now - DEFAULT_LOOKBACK_MS;
  const until = instant(ctx, 'until');
  const order = (queryString(ctx, 'sortOrder') ?? 'ASCENDING').toUpperCase();
  if (order !== 'ASCENDING' && order !== 'DESCENDING')
    throw validationFailed('sortOrder', [{ errorSummary: 'sortOrder: must be ASCENDING or DESCENDING' }]);
  const polling = until === undefined && order === 'ASCENDING';
  const limitArg = typeof ctx.query.limit === 'number' ? ctx.query.limit : LOGS_DEFAULT_LIMIT;
  const limit = Math.max(0, Math.min(limitArg, LOGS_MAX_LIMIT));
  const filterText = queryString(ctx, 'filter');
  const filter = filterText ? parseExpression(filterText, LOG_FILTER) : undefined;
  const words = (queryString(ctx, 'q') ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10);
  const afterText = queryString(ctx, 'after');
  const after = afterText && /^\d{1,15}$/.test(afterText) ? Number(afterText) : undefined;
  if (afterText && after === undefined) throw validationFailed('after', [{ errorSummary: 'after: The cursor is not valid' }]);
  const end = until ?? now;
  const matches = (e: LogEvent): boolean => {
    const t = Date.parse(e.published);
    if (t < since || t >= end + (polling ? Number.POSITIVE_INFINITY : 0)) return false;
    if (filter && !filter(getterOf(e as unknown as Record<string, unknown>))) return false;
    if (words.length > 0) {
      const text = [
        e.displayMessage,
        e.eventType,
        e.actor.displayName,
        e.actor.alternateId,
        ...e.target.map((x) => `${x.displayName} ${x.alternateId}`),
      ]
        .join(' ')
        .toLowerCase();
      if (!words.every((w) => text.includes(w))) return false;
    }
    return true;
  };
  const logs = ctx.state.logs;
  const items: LogEvent[] = [];
  let more = false;
  if (order === 'ASCENDING') {
    for (let i = after === undefined ? 0 : firstAfter(logs, after); i < logs.length; i++) {
      if (!matches(logs[i])) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(logs[i]);
    }
  } else {
    const start = after === undefined ? logs.length - 1 : firstAfter(logs, after - 1) - 1;
    for (let i = start; i >= 0; i--) {
      if (!matches(logs[i])) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(logs[i]);
    }
  }
  const last = items[items.length - 1];
  let next: string | undefined;
  if (polling) next = last ? String(last.seq) : String(after ?? ctx.state.logSeq);
  else if (more && last) next = String(last.seq);
  return new Reply(200, items.map(logView), { link: linkHeader(ctx.baseUrl, '/api/v1/logs', sentQuery(ctx), next) });
}
