// reactions.*: emoji reactions on messages, each change emitting reaction_added / reaction_removed.

import { invalidName, isArchived, messageNotFound, noItemSpecified } from '../errors.ts';
import { addReaction, reactionName, removeReaction } from '../messaging.ts';
import { flag, type SlackCtx, str, visibleConversation } from '../render.ts';
import { findMessage } from '../store.ts';

type ItemArgs = { channel?: string; timestamp?: string; name?: string; file?: string; file_comment?: string; full?: boolean };

function target(ctx: SlackCtx<ItemArgs>) {
  const { state, principal, args } = ctx;
  if (!str(args.channel) || !str(args.timestamp)) throw noItemSpecified();
  const conv = visibleConversation(state, args.channel, principal);
  const message = findMessage(state, conv.id, String(args.timestamp));
  if (!message || message.subtype === 'tombstone') throw messageNotFound();
  return { conv, message };
}

/**
 * reactions.add: react to a message as the caller.
 *
 * Limitations: reactions on files and file comments are not modelled (`no_item_specified`); any
 * well-formed emoji name is accepted, as if every custom emoji existed.
 */
export function add(ctx: SlackCtx<ItemArgs>) {
  const { conv, message } = target(ctx);
  const name = reactionName(ctx.args.name);
  if (!name) throw invalidName();
  if (conv.is_archived) throw isArchived();
  addReaction(ctx, conv, message, ctx.principal.userId, name);
  return {};
}

/** reactions.remove: take the caller's reaction back; no_reaction if there was none. */
export function remove(ctx: SlackCtx<ItemArgs>) {
  const { conv, message } = target(ctx);
  const name = reactionName(ctx.args.name);
  if (!name) throw invalidName();
  if (conv.is_archived) throw isArchived();
  removeReaction(ctx, conv, message, ctx.principal.userId, name);
  return {};
}

/** reactions.get: a message with its reactions (`full` keeps every user; otherwise Slack also returns them all for small counts). */
export function get(ctx: SlackCtx<ItemArgs>) {
  const { conv, message } = target(ctx);
  const copy = structuredClone(message);
  if (!flag(ctx.args.full) && copy.reactions) {
    for (const r of copy.reactions) r.users = r.users.slice(0, 50);
  }
  return { type: 'message', channel: conv.id, message: copy };
}
