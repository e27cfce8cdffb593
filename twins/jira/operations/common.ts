// What every Jira operation shares: the context type, the caller, the API version, paging arguments and the changelog.

import type { OperationContext } from '../../../src/kernel/types.ts';
import type { JiraPrincipal } from '../auth.ts';
import { badRequest, clip, issueNotFound, notAuthenticated } from '../errors.ts';
import { type ApiVersion, apiVersionOf } from '../render.ts';
import { type ChangeItem, findIssue, type Issue, type JiraState, nextId, type User } from '../store.ts';

/** The context every Jira operation gets; arguments were validated against the contract. */
export type JiraCtx = OperationContext<JiraState, JiraPrincipal, Record<string, unknown>>;

/** The calling person; anonymous callers get Jira's 401. */
export function caller(ctx: JiraCtx): User {
  const id = ctx.principal.accountId;
  const u = id ? ctx.state.users.get(id) : undefined;
  if (!u) throw notAuthenticated();
  return u;
}

export function version(ctx: JiraCtx): ApiVersion {
  return apiVersionOf(ctx.params);
}

/** The site URL the caller used, no trailing slash: every `self` link starts with it. */
export function base(ctx: JiraCtx): string {
  return ctx.baseUrl.replace(/\/+$/, '');
}

/** The issue the path names, or Jira's 404 (the same for missing and hidden issues). */
export function issueParam(ctx: JiraCtx, name = 'issueIdOrKey'): Issue {
  const ref = ctx.params[name] ?? '';
  const issue = findIssue(ctx.state, ref);
  if (!issue) throw issueNotFound();
  return issue;
}

/** A query argument as one string (the last, when repeated). */
export function queryString(ctx: JiraCtx, name: string): string | undefined {
  const v = ctx.query[name];
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? String(v[v.length - 1]) : String(v);
}

/** A list argument: repeated keys or comma lists, both as clients send them. */
export function queryList(ctx: JiraCtx, name: string): string[] {
  const v = ctx.query[name] ?? (ctx.args as Record<string, unknown>)[name];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v])
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

/** `startAt`/`maxResults` as Jira reads them: bad numbers are 400s, maxResults capped. */
export function paging(ctx: JiraCtx, defaultMax = 50, cap = 100): { startAt: number; maxResults: number } {
  const startAt = intArg(queryString(ctx, 'startAt'), 0, 'startAt');
  const maxResults = Math.min(intArg(queryString(ctx, 'maxResults'), defaultMax, 'maxResults'), cap);
  return { startAt: Math.max(0, startAt), maxResults: Math.max(0, maxResults) };
}

function intArg(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw badRequest(`The value '${clip(raw)}' is not a valid number for ${name}.`);
  return n;
}

/** A PageBean: `{self, nextPage?, maxResults, startAt, total, isLast, values}`. */
export function pageBean<T>(ctx: JiraCtx, all: T[], startAt: number, maxResults: number): Record<string, unknown> {
  const values = all.slice(startAt, startAt + maxResults);
  const isLast = startAt + values.length >= all.length;
  const self = new URL(ctx.req.url.href);
  const out: Record<string, unknown> = {
    self: `${base(ctx)}${ctx.req.url.pathname.replace(/^.*?(\/rest\/)/, '$1')}${self.search}`,
    maxResults,
    startAt,
    total: all.length,
    isLast,
    values,
  };
  if (!isLast) {
    const next = new URL(out.self as string);
    next.searchParams.set('startAt', String(startAt + values.length));
    next.searchParams.set('maxResults', String(maxResults));
    out.nextPage = next.href;
  }
  return out;
}

/** Record one change of the issue (a changelog history) and bump `updated`. */
export function recordChange(ctx: JiraCtx, issue: Issue, authorId: string, items: ChangeItem[]): void {
  if (items.length === 0) return;
  const now = ctx.now();
  issue.histories.push({ id: String(nextId(ctx.state, 'changelog')), authorId, created: now, items });
  issue.updated = now;
}

/** An object argument, or an empty one. */
export function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The state helpers need the JiraState type too. */
export type { JiraState };

/** An answer with a status other than 200, or with no body (204), or with headers. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** `reply(201, {id})`, `reply(204)`. */
export function reply(status: number, body?: unknown, headers?: Record<string, string>): Reply {
  return new Reply(status, body, headers);
}
