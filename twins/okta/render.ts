// What Okta operations hand back (a status, a JSON body, headers such as Link) and the helpers they share: the acting admin for the System Log, cursor pages.

import { json, type OperationContext, type TwinResponse } from '../../src/kernel/types.ts';
import type { OktaPrincipal } from './auth.ts';
import { deliverToHooks } from './operations/event-hooks.ts';
import { appendLog, compareIds, type LogActor, type LogEvent, type OktaState, userActor } from './store.ts';

/** An answer other than a plain 200 JSON body: a status, headers (Link), or no body (204). */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** An answer made elsewhere (the OIDC engine's), passed on as it is. */
export class Raw {
  constructor(readonly response: TwinResponse) {}
}

/** 204 No Content. */
export const NO_CONTENT = new Reply(204, undefined);

export type OktaContext<A = Record<string, unknown>> = OperationContext<OktaState, OktaPrincipal, A>;

/** Map an operation's result to the wire. */
export function respondOkta(result: unknown): TwinResponse {
  if (result instanceof Raw) return result.response;
  if (result instanceof Reply) {
    if (result.status === 204 || result.body === undefined) return { status: result.status, headers: { ...result.headers } };
    return json(result.status, result.body, { ...result.headers });
  }
  return json(200, result ?? {});
}

/** Who the System Log names as the actor: the admin an SSWS token acts as, the OAuth client, or the org. */
export function actorOf(ctx: OktaContext<unknown>): LogActor {
  const p = ctx.principal;
  const user = p.userId ? ctx.state.users.get(p.userId) : undefined;
  if (user) return userActor(user);
  if (p.clientId) return { id: p.clientId, type: 'PublicClientApp', alternateId: p.clientId, displayName: p.clientId, detailEntry: null };
  return { id: ctx.state.org.id, type: 'Org', alternateId: ctx.state.org.subdomain, displayName: ctx.state.org.name, detailEntry: null };
}

/** Write a System Log event for this request (actor from the caller, client IP and user agent from the request). */
export function log(
  ctx: OktaContext<unknown>,
  e: Omit<Parameters<typeof appendLog>[2], 'actor' | 'ip' | 'userAgent'> & { actor?: LogActor },
): LogEvent {
  const event = appendLog(ctx.state, ctx.now(), {
    ...e,
    actor: e.actor ?? actorOf(ctx),
    ip: ctx.req.headers['x-forwarded-for']?.split(',')[0]?.trim() || '127.0.0.1',
    userAgent: ctx.req.headers['user-agent'] ?? null,
  });
  deliverToHooks(ctx, event);
  return event;
}

/**
 * One page of `ids` (sorted by id) after the cursor `after`, at most `limit` long, and the cursor
 * of the next page when there is one. Ids sort the same everywhere, so a cursor survives deletions.
 */
export function pageOf<T>(
  ids: readonly string[],
  after: string | undefined,
  limit: number,
  pick: (id: string) => T | undefined,
): { items: T[]; next?: string } {
  let start = 0;
  if (after !== undefined && after !== '') {
    // First id greater than the cursor (binary search: lists can be long).
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(ids[mid], after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items: T[] = [];
  let lastId: string | undefined;
  let i = start;
  for (; i < ids.length && items.length < limit; i++) {
    const item = pick(ids[i]);
    if (item !== undefined) {
      items.push(item);
      lastId = ids[i];
    }
  }
  // More only if another match lies beyond this page.
  let more = false;
  for (let j = i; j < ids.length; j++) {
    if (pick(ids[j]) !== undefined) {
      more = true;
      break;
    }
  }
  return { items, next: more ? lastId : undefined };
}

/** The request's query as sent (every parameter, in order), for Link headers. */
export function sentQuery(ctx: OktaContext<unknown>): URLSearchParams {
  return new URLSearchParams(ctx.req.url.search);
}

/** A query value as a string (repeated parameters: the last). */
export function queryString(ctx: OktaContext<unknown>, name: string): string | undefined {
  const v = ctx.query[name];
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof one === 'string' ? one : one === undefined || one === null ? undefined : String(one);
}
