// chat.*: posting, editing, deleting, ephemeral and scheduled messages, and permalinks.

import type { DeliverySpec, OutboundDelivery } from '../../../src/kernel/outbox.ts';
import type { Tenant } from '../../../src/kernel/types.ts';
import type { SlackPrincipal } from '../auth.ts';
import {
  cantDeleteMessage,
  cantUpdateMessage,
  channelNotFound,
  invalidScheduledMessageId,
  invalidTime,
  isArchived,
  messageNotFound,
  notInChannel,
  timeInPast,
  timeTooFar,
  userNotFound,
  userNotInChannel,
} from '../errors.ts';
import type { SlackEnv } from '../events.ts';
import {
  type Author,
  buildMessage,
  checkContent,
  deleteMessage,
  isUserId,
  type MessageContent,
  postMessage as post,
  principalAuthor,
  updateMessage,
} from '../messaging.ts';
import { canSee, limitArg, page, type SlackCtx, str } from '../render.ts';
import {
  type Conversation,
  canonicalTs,
  conversationByName,
  ensureIm,
  findMessage,
  newId,
  nextTs,
  type SlackMessage,
  type SlackState,
  seconds,
} from '../store.ts';

type PostArgs = MessageContent & {
  channel?: string;
  thread_ts?: string;
  reply_broadcast?: boolean;
};

/**
 * The conversation a `channel` argument names for posting: an id, a `#name`, or a user id (the
 * DM between the caller and that user, opened if needed, as Slack does for App Home messages).
 */
export function postTarget(state: SlackState, ref: unknown, principal: SlackPrincipal, nowMs: number): Conversation {
  if (typeof ref !== 'string' || ref === '') throw channelNotFound();
  let conv: Conversation | undefined = state.conversations.get(ref);
  if (!conv && isUserId(ref)) {
    const user = state.users.get(ref);
    if (!user || user.deleted) throw channelNotFound();
    conv = ensureIm(state, principal.userId, user.id, seconds(nowMs)).conv;
  }
  if (!conv && !/^[CGD][A-Z0-9]{8,}$/.test(ref)) conv = conversationByName(state, ref);
  if (!conv || !canSee(conv, principal.userId)) throw channelNotFound();
  return conv;
}

/** Slack's posting rule: members post; a bot with chat:write.public may post in public channels it is not in. */
export function checkCanPost(conv: Conversation, principal: SlackPrincipal): void {
  if (conv.is_archived) throw isArchived();
  if (conv.members.includes(principal.userId)) return;
  const publicChannel = !conv.is_private && !conv.is_im && !conv.is_mpim;
  if (publicChannel && principal.tokenType === 'bot' && principal.scopes.includes('chat:write.public')) return;
  throw notInChannel();
}

/** The message as chat.postMessage answers it (serialised by respond at once, so no copy is needed). */
function answerMessage(message: SlackMessage): Record<string, unknown> {
  return message as unknown as Record<string, unknown>;
}

/**
 * chat.postMessage: post to a channel, DM or thread; emits `message` (and `app_mention`).
 *
 * Limitations: `parse`, `link_names`, `unfurl_*` and `mrkdwn` are accepted and ignored; text is
 * stored as sent. `username`/`icon_*` overrides are stored without checking chat:write.customize.
 */
export function postMessage(ctx: SlackCtx<PostArgs>) {
  const { state, principal, args } = ctx;
  const conv = postTarget(state, args.channel, principal, ctx.now());
  checkCanPost(conv, principal);
  const { message } = post(ctx, conv, principalAuthor(principal), args, {
    thread_ts: args.thread_ts,
    reply_broadcast: args.reply_broadcast,
  });
  return { channel: conv.id, ts: message.ts, message: answerMessage(message) };
}

/** Whether the caller wrote this message (the app's bot, or the token's user). */
function isAuthor(message: SlackMessage, principal: SlackPrincipal): boolean {
  if (principal.tokenType === 'bot') return message.bot_id === principal.botId || message.user === principal.userId;
  return message.user === principal.userId && !message.bot_id;
}

/**
 * chat.update: edit a message the caller posted; emits `message_changed`.
 *
 * Limitations: the edit window (`edit_window_closed`) is never enforced.
 */
export function update(ctx: SlackCtx<PostArgs & { ts?: string }>) {
  const { state, principal, args } = ctx;
  const conv = state.conversations.get(args.channel ?? '');
  if (!conv || !canSee(conv, principal.userId)) throw channelNotFound();
  const message = findMessage(state, conv.id, String(args.ts ?? ''));
  if (!message || message.subtype === 'tombstone') throw messageNotFound();
  if (!isAuthor(message, principal)) throw cantUpdateMessage();
  if (conv.is_archived) throw isArchived();
  checkContent(args);
  updateMessage(ctx, conv, message, principal.userId, args);
  return { channel: conv.id, ts: message.ts, text: message.text, message: answerMessage(message) };
}

/**
 * chat.delete: delete a message the caller posted (workspace admins with a user token may delete
 * anyone's); emits `message_deleted`.
 */
export function deleteMessage_(ctx: SlackCtx<{ channel?: string; ts?: string }>) {
  const { state, principal, args } = ctx;
  const conv = state.conversations.get(args.channel ?? '');
  if (!conv || !canSee(conv, principal.userId)) throw channelNotFound();
  const message = findMessage(state, conv.id, String(args.ts ?? ''));
  if (!message || message.subtype === 'tombstone') throw messageNotFound();
  const admin = principal.tokenType === 'user' && state.users.get(principal.userId)?.is_admin === true;
  if (!isAuthor(message, principal) && !admin) throw cantDeleteMessage();
  deleteMessage(ctx, conv, message);
  return { channel: conv.id, ts: message.ts };
}
export { deleteMessage_ as delete };

/**
 * chat.postEphemeral: a message only `user` sees; not stored in history and no event fires.
 *
 * Limitations: ephemeral messages never expire; observe them with `GET /_twin/slack/ephemeral`.
 */
export function postEphemeral(ctx: SlackCtx<PostArgs & { user?: string }>) {
  const { state, principal, args } = ctx;
  const conv = postTarget(state, args.channel, principal, ctx.now());
  const user = state.users.get(args.user ?? '');
  if (!user) throw userNotFound();
  checkCanPost(conv, principal);
  if (!conv.members.includes(user.id)) throw userNotInChannel();
  checkContent(args);
  const ts = nextTs(state, ctx.now());
  const message = buildMessage(state, principalAuthor(principal), args, ts);
  if (args.thread_ts) message.thread_ts = String(args.thread_ts);
  state.ephemeral.push({ channel: conv.id, user: user.id, ts, thread_ts: message.thread_ts, message });
  return { message_ts: ts };
}

/** chat.getPermalink: `https://<domain>.slack.com/archives/<C>/p<ts without dot>`, with the thread for replies. */
export function getPermalink(ctx: SlackCtx<{ channel?: string; message_ts?: string }>) {
  const { state, principal, args } = ctx;
  const conv = state.conversations.get(args.channel ?? '');
  if (!conv || !canSee(conv, principal.userId)) throw channelNotFound();
  const message = findMessage(state, conv.id, String(args.message_ts ?? ''));
  if (!message) throw messageNotFound();
  return { channel: conv.id, permalink: permalink(state, conv.id, message) };
}

export function permalink(state: SlackState, channel: string, message: SlackMessage): string {
  const base = `https://${state.team.domain}.slack.com/archives/${channel}/p${message.ts.replace('.', '')}`;
  if (message.thread_ts && message.thread_ts !== message.ts) return `${base}?thread_ts=${message.thread_ts}&cid=${channel}`;
  return base;
}

/** Slack refuses to schedule further ahead than 120 days. */
const MAX_SCHEDULE_AHEAD_S = 120 * 86400;

/**
 * chat.scheduleMessage: post when the tenant's clock reaches `post_at` (Unix seconds). The post
 * emits the same events as chat.postMessage. With a virtual clock, advance it to fire.
 *
 * Limitations: channel access is checked when scheduling and again when posting; a post that
 * fails then is dropped without telling the app and shows as `failed` in the twin's state.
 */
export function scheduleMessage(ctx: SlackCtx<PostArgs & { post_at?: unknown }>) {
  const { state, principal, args } = ctx;
  const postAt = Number(args.post_at);
  if (!Number.isFinite(postAt) || postAt <= 0) throw invalidTime();
  const nowSec = ctx.now() / 1000;
  if (postAt <= nowSec) throw timeInPast();
  if (postAt > nowSec + MAX_SCHEDULE_AHEAD_S) throw timeTooFar();
  const conv = postTarget(state, args.channel, principal, ctx.now());
  checkCanPost(conv, principal);
  checkContent(args);
  const id = newId(state, 'Q');
  const { channel: _c, post_at: _p, ...content } = args;
  state.scheduled.set(id, {
    id,
    channel: conv.id,
    post_at: Math.floor(postAt),
    date_created: seconds(ctx.now()),
    status: 'pending',
    author: { user_id: principal.userId, bot: principal.tokenType === 'bot', scopes: [...principal.scopes] },
    text: typeof args.text === 'string' ? args.text : '',
    args: structuredClone(content) as Record<string, unknown>,
  });
  const env: SlackEnv = { tenant: ctx.tenant, deliver: ctx.deliver, baseUrl: ctx.baseUrl };
  ctx.schedule(Math.floor(postAt) * 1000, () => fireScheduled(env, id));
  // Slack answers with the message as it will be posted, typed `delayed_message` and without a ts.
  const preview: Record<string, unknown> = { ...buildMessage(state, principalAuthor(principal), args, ''), type: 'delayed_message' };
  delete preview.ts;
  delete preview.client_msg_id;
  return { channel: conv.id, scheduled_message_id: id, post_at: Math.floor(postAt), message: preview };
}

/** Post a scheduled message if it is still pending; safe to call twice. */
export function fireScheduled(env: SlackEnv, id: string): void {
  const state = env.tenant.state;
  const s = state.scheduled.get(id);
  if (s?.status !== 'pending') return;
  const conv = state.conversations.get(s.channel);
  if (!conv || conv.is_archived) {
    s.status = 'failed';
    s.error = conv ? 'is_archived' : 'channel_not_found';
    return;
  }
  const author: Author = { userId: s.author.user_id, asBot: s.author.bot };
  try {
    const { message } = post(env, conv, author, s.args, { thread_ts: s.args.thread_ts, reply_broadcast: s.args.reply_broadcast });
    s.status = 'posted';
    s.posted_ts = message.ts;
  } catch (err) {
    s.status = 'failed';
    s.error = err instanceof Error ? err.message : String(err);
  }
}

/** Re-arm pending scheduled messages on a tenant's clock (after creation or a snapshot restore). */
export function armScheduled(tenant: Tenant<SlackState>, deliver: (spec: DeliverySpec) => OutboundDelivery): void {
  const env: SlackEnv = { tenant, deliver };
  for (const s of [...tenant.state.scheduled.values()]) {
    if (s.status === 'pending') tenant.clock.schedule(s.post_at * 1000, () => fireScheduled(env, s.id));
  }
}

/** chat.deleteScheduledMessage: cancel a pending scheduled message. */
export function deleteScheduledMessage(ctx: SlackCtx<{ channel?: string; scheduled_message_id?: string }>) {
  const { state, principal, args } = ctx;
  const conv = state.conversations.get(args.channel ?? '');
  if (!conv || !canSee(conv, principal.userId)) throw channelNotFound();
  const s = state.scheduled.get(args.scheduled_message_id ?? '');
  if (s?.status !== 'pending' || s.channel !== conv.id) throw invalidScheduledMessageId();
  s.status = 'deleted';
  return {};
}

/** chat.scheduledMessages.list: pending scheduled messages, soonest first, cursor-paginated. */
export function scheduledMessagesList(
  ctx: SlackCtx<{ channel?: string; latest?: unknown; oldest?: unknown; limit?: unknown; cursor?: string }>,
) {
  const { state, principal, args } = ctx;
  const channel = str(args.channel);
  if (channel) {
    const conv = state.conversations.get(channel);
    if (!conv || !canSee(conv, principal.userId)) throw channelNotFound();
  }
  const latest = canonicalTs(args.latest);
  const oldest = canonicalTs(args.oldest);
  const items = [...state.scheduled.values()]
    .filter((s) => s.status === 'pending' && (!channel || s.channel === channel))
    .filter((s) => (latest === undefined || s.post_at <= Number(latest)) && (oldest === undefined || s.post_at >= Number(oldest)))
    .sort((a, b) => a.post_at - b.post_at || (a.id < b.id ? -1 : 1));
  const p = page(items, (s) => s.id, 'scheduled', limitArg(args.limit, 100, 1000), args.cursor);
  return {
    scheduled_messages: p.items.map((s) => ({
      id: s.id,
      channel_id: s.channel,
      post_at: s.post_at,
      date_created: s.date_created,
      text: s.text,
    })),
    response_metadata: { next_cursor: p.next_cursor },
  };
}
