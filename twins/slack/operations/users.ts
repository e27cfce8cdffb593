// users.*: the people of the workspace, with emails shown only to tokens holding users:read.email.

import { usersNotFound } from '../errors.ts';
import { canSee, flag, knownUser, limitArg, page, renderConversation, renderUser, type SlackCtx, str } from '../render.ts';
import { conversationKind, seconds, userByEmail } from '../store.ts';
import { typesArg } from './conversations.ts';

function withLocale<T extends object>(user: T, include: unknown): T {
  return flag(include) ? { ...user, locale: 'en-US' } : user;
}

/** users.info: one user. */
export function info(ctx: SlackCtx<{ user?: string; include_locale?: boolean }>) {
  const user = knownUser(ctx.state, ctx.args.user);
  return { user: withLocale(renderUser(user, ctx.principal), ctx.args.include_locale) };
}

/** users.list: everyone, bots and Slackbot included, in creation order, cursor-paginated (limit ≤ 1000). */
export function list(ctx: SlackCtx<{ limit?: unknown; cursor?: string; include_locale?: boolean }>) {
  const { state, principal, args } = ctx;
  const users = [...state.users.values()];
  const p = page(users, (u) => u.id, 'user', limitArg(args.limit, 1000, 1000), args.cursor);
  return {
    members: p.items.map((u) => withLocale(renderUser(u, principal), args.include_locale)),
    cache_ts: seconds(ctx.now()),
    response_metadata: { next_cursor: p.next_cursor },
  };
}

/** users.lookupByEmail: the user with that email (case-insensitive); users_not_found otherwise. */
export function lookupByEmail(ctx: SlackCtx<{ email?: string }>) {
  const user = userByEmail(ctx.state, String(ctx.args.email ?? ''));
  if (!user) throw usersNotFound();
  return { user: renderUser(user, ctx.principal) };
}

/** users.conversations: conversations a user is in that the caller can also see. */
export function conversations(
  ctx: SlackCtx<{ user?: string; types?: string; exclude_archived?: boolean; limit?: unknown; cursor?: string }>,
) {
  const { state, principal, args } = ctx;
  const userId = str(args.user) ?? principal.userId;
  knownUser(state, userId);
  const types = typesArg(args.types);
  const items = [...state.conversations.values()].filter(
    (c) =>
      c.members.includes(userId) &&
      types.includes(conversationKind(c)) &&
      canSee(c, principal.userId) &&
      !(flag(args.exclude_archived) && c.is_archived),
  );
  const p = page(items, (c) => c.id, 'team', limitArg(args.limit, 100, 1000), args.cursor);
  return {
    channels: p.items.map((c) => renderConversation(state, c, principal.userId)),
    response_metadata: { next_cursor: p.next_cursor },
  };
}

/** users.profile.get: a user's profile (the caller's by default). */
export function profileGet(ctx: SlackCtx<{ user?: string }>) {
  const user = knownUser(ctx.state, str(ctx.args.user) ?? ctx.principal.userId);
  return { profile: renderUser(user, ctx.principal).profile };
}
