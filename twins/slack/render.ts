// Vendor-true objects for answers (conversation, user, file, view) and the lookups every operation repeats.

import { json, type NormalisedRequest, type OperationContext, type TwinResponse } from '../../src/kernel/types.ts';
import type { SlackPrincipal } from './auth.ts';
import { channelNotFound, invalidArguments, invalidCursor, userNotFound } from './errors.ts';
import { type Conversation, type ListPage, paginate, type SlackFile, type SlackState, type SlackUser, type SlackView } from './store.ts';

export type SlackCtx<A = Record<string, unknown>> = OperationContext<SlackState, SlackPrincipal, A>;

/** A conversation as Slack shows it to `viewer`. */
export function renderConversation(
  state: SlackState,
  conv: Conversation,
  viewer: string,
  opts: { numMembers?: boolean } = {},
): Record<string, unknown> {
  if (conv.is_im) {
    // A DM's `user` is the other party as the viewer sees it.
    const otherId = conv.members.find((m) => m !== viewer) ?? conv.user ?? viewer;
    const other = state.users.get(otherId);
    return {
      id: conv.id,
      created: conv.created,
      is_archived: conv.is_archived,
      is_im: true,
      is_org_shared: false,
      context_team_id: state.team.id,
      updated: conv.updated,
      user: otherId,
      is_user_deleted: other?.deleted ?? false,
      priority: 0,
    };
  }
  const out: Record<string, unknown> = {
    id: conv.id,
    name: conv.name,
    is_channel: conv.is_channel,
    is_group: conv.is_group,
    is_im: false,
    is_mpim: conv.is_mpim,
    is_private: conv.is_private,
    created: conv.created,
    is_archived: conv.is_archived,
    is_general: conv.is_general,
    unlinked: 0,
    name_normalized: conv.name,
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: state.team.id,
    updated: conv.updated,
    parent_conversation: null,
    creator: conv.creator,
    is_ext_shared: false,
    shared_team_ids: [state.team.id],
    pending_connected_team_ids: [],
    is_member: conv.members.includes(viewer),
    topic: { ...conv.topic },
    purpose: { ...conv.purpose },
    previous_names: [...conv.previous_names],
  };
  if (opts.numMembers) out.num_members = conv.members.length;
  return out;
}

/** A user as the caller may see them: the email only with `users:read.email`. */
export function renderUser(user: SlackUser, principal: SlackPrincipal): SlackUser {
  const copy = structuredClone(user);
  if (!principal.scopes.includes('users:read.email') && principal.tokenType !== 'none') delete copy.profile.email;
  return copy;
}

/** A file without the twin's internal fields. */
export function renderFile(file: SlackFile): Record<string, unknown> {
  const { uploaded: _u, completed: _c, deleted: _d, content_base64: _b, upload_key: _k, ...rest } = file;
  return structuredClone(rest);
}

/** A view without the twin's internal fields. */
export function renderView(view: SlackView): Record<string, unknown> {
  const { user_id: _u, closed: _c, errors: _e, ...rest } = view;
  return structuredClone(rest);
}

/** Whether `userId` can see a conversation at all: public channels are visible to everyone in the workspace. */
export function canSee(conv: Conversation, userId: string): boolean {
  return (!conv.is_private && !conv.is_im && !conv.is_mpim) || conv.members.includes(userId);
}

/** The conversation the `channel` argument names, if the caller can see it; else channel_not_found. */
export function visibleConversation(state: SlackState, ref: unknown, principal: SlackPrincipal): Conversation {
  const conv = typeof ref === 'string' ? state.conversations.get(ref) : undefined;
  if (!conv || !canSee(conv, principal.userId)) throw channelNotFound();
  return conv;
}

/** The user the argument names; else user_not_found. */
export function knownUser(state: SlackState, ref: unknown): SlackUser {
  const user = typeof ref === 'string' ? state.users.get(ref) : undefined;
  if (!user) throw userNotFound();
  return user;
}

/** `limit` as Slack reads it: default when absent or 0, capped at the method's maximum. */
export function limitArg(value: unknown, def: number, max: number): number {
  if (value === undefined || value === null || value === '') return def;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw invalidArguments([`[ERROR] invalid limit [json-pointer:/limit]`]);
  if (n === 0) return def;
  return Math.min(Math.floor(n), max);
}

/** One cursor page, or invalid_cursor. */
export function page<T>(items: T[], idOf: (item: T) => string, kind: string, limit: number, cursor: unknown): ListPage<T> {
  const c = typeof cursor === 'string' && cursor !== '' ? cursor : undefined;
  const result = paginate(items, idOf, kind, limit, c);
  if (!result) throw invalidCursor();
  return result;
}

/** A boolean argument that survived as a string (the kernel coerces most; this catches the rest). */
export function flag(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A comma-separated list argument (`users`, `types`, `channels`). */
export function list(value: unknown): string[] {
  if (Array.isArray(value))
    return value
      .map(String)
      .map((s) => s.trim())
      .filter(Boolean);
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Answers

/**
 * Slack warns about the charset of a POST body: JSON should say `charset=utf-8`
 * (`missing_charset`), a form should not (`superfluous_charset`).
 */
export function charsetWarning(req: NormalisedRequest | undefined): string | undefined {
  if (req?.method !== 'POST' || !req.path.startsWith('/api/') || !req.rawBody?.length) return undefined;
  const header = (req.headers['content-type'] ?? '').toLowerCase();
  const hasCharset = /;\s*charset=/.test(header);
  if (header.startsWith('application/json') && !hasCharset) return 'missing_charset';
  if (header.startsWith('application/x-www-form-urlencoded') && hasCharset) return 'superfluous_charset';
  return undefined;
}

const RAW = Symbol.for('twins.slack.raw-response');

/** Wrap a non-JSON answer (HTML page, redirect, upload ack) so `respondSlack` passes it through. */
export function passThrough(response: TwinResponse): Record<string, unknown> {
  return { [RAW]: response };
}

/**
 * The Web API's success envelope: `ok: true` first, then the result. A `warning` in the result
 * is repeated in `response_metadata.warnings`, as Slack does.
 */
export function respondSlack(result: unknown, ctx?: { req?: NormalisedRequest }): TwinResponse {
  if (result && typeof result === 'object' && RAW in result) return (result as Record<symbol, TwinResponse>)[RAW];
  const body: Record<string, unknown> = { ok: true, ...((result as Record<string, unknown>) ?? {}) };
  const charset = charsetWarning(ctx?.req);
  if (charset) body.warning = typeof body.warning === 'string' && body.warning ? `${body.warning},${charset}` : charset;
  if (typeof body.warning === 'string' && body.warning) {
    const meta = (body.response_metadata as Record<string, unknown> | undefined) ?? {};
    const warnings = body.warning.split(',');
    body.response_metadata = { ...meta, warnings: [...new Set([...((meta.warnings as string[]) ?? []), ...warnings])] };
  }
  return json(200, body);
}
