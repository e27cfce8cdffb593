// pins.*: pinning messages to a conversation.

import { alreadyPinned, messageNotFound, noItemSpecified, noPin } from '../errors.ts';
import { type SlackCtx, str, visibleConversation } from '../render.ts';
import { findMessage, seconds } from '../store.ts';

/**
 * pins.add: pin a message.
 *
 * Limitations: only messages can be pinned (no files); no pin_added event is emitted.
 */
export function add(ctx: SlackCtx<{ channel?: string; timestamp?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (!str(args.timestamp)) throw noItemSpecified();
  const message = findMessage(state, conv.id, String(args.timestamp));
  if (!message) throw messageNotFound();
  let pins = state.pins.get(conv.id);
  if (!pins) {
    pins = [];
    state.pins.set(conv.id, pins);
  }
  if (pins.some((p) => p.ts === message.ts)) throw alreadyPinned();
  pins.push({ ts: message.ts, created: seconds(ctx.now()), created_by: principal.userId });
  message.pinned_to = [...new Set([...(message.pinned_to ?? []), conv.id])];
  return {};
}

/** pins.list: the conversation's pinned messages, newest pin first. */
export function list(ctx: SlackCtx<{ channel?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  const items = (state.pins.get(conv.id) ?? [])
    .filter((p) => findMessage(state, conv.id, p.ts))
    .slice()
    .reverse()
    .map((p) => ({
      type: 'message',
      created: p.created,
      created_by: p.created_by,
      channel: conv.id,
      message: structuredClone(findMessage(state, conv.id, p.ts)),
    }));
  return { items };
}

/** pins.remove: un-pin a message; no_pin when it was not pinned. */
export function remove(ctx: SlackCtx<{ channel?: string; timestamp?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (!str(args.timestamp)) throw noItemSpecified();
  const pins = state.pins.get(conv.id) ?? [];
  const i = pins.findIndex((p) => p.ts === args.timestamp);
  if (i < 0) throw noPin();
  pins.splice(i, 1);
  const message = findMessage(state, conv.id, String(args.timestamp));
  if (message?.pinned_to) {
    message.pinned_to = message.pinned_to.filter((c) => c !== conv.id);
    if (message.pinned_to.length === 0) delete message.pinned_to;
  }
  return {};
}
