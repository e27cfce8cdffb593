// conversations.*: listing, history and threads, membership, and the life of a channel.

import type { SlackPrincipal } from '../auth.ts';
import {
  alreadyArchived,
  cantArchiveGeneral,
  cantInviteSelf,
  cantKickFromGeneral,
  cantKickSelf,
  cantLeaveGeneral,
  channelNotFound,
  invalidCursor,
  invalidTsLatest,
  invalidTsOldest,
  isArchived,
  methodNotSupportedForChannelType,
  nameTaken,
  notArchived,
  notInChannel,
  slackError,
  threadNotFound,
  tooManyUsers,
  userNotFound,
  usersListNotSupplied,
} from '../errors.ts';
import { emitEvent, type SlackEnv } from '../events.ts';
import { eventTs, joinConversation, leaveConversation, postSystemMessage } from '../messaging.ts';
import { canSee, flag, limitArg, list, page, renderConversation, type SlackCtx, str, visibleConversation } from '../render.ts';
import {
  blankConversation,
  type Conversation,
  canonicalTs,
  channelLog,
  channelNameError,
  conversationKind,
  decodeCursor,
  encodeCursor,
  ensureIm,
  findMessage,
  newId,
  pageAscending,
  pageDescending,
  type SlackMessage,
  type SlackState,
  seconds,
} from '../store.ts';

const KINDS = ['public_channel', 'private_channel', 'mpim', 'im'];

/** The `types` argument as a list; invalid_types for names Slack does not know. */
export function typesArg(value: unknown): string[] {
  const types = list(value);
  if (types.length === 0) return ['public_channel'];
  if (types.some((t) => !KINDS.includes(t))) throw slackError('invalid_types');
  return types;
}

/** conversations.list: conversations the caller can see, in creation order, cursor-paginated (limit ≤ 1000). */
export function list_(ctx: SlackCtx<{ types?: string; exclude_archived?: boolean; limit?: unknown; cursor?: string }>) {
  const { state, principal, args } = ctx;
  const types = typesArg(args.types);
  const items = [...state.conversations.values()].filter(
    (c) => types.includes(conversationKind(c)) && canSee(c, principal.userId) && !(flag(args.exclude_archived) && c.is_archived),
  );
  const p = page(items, (c) => c.id, 'team', limitArg(args.limit, 100, 1000), args.cursor);
  return {
    channels: p.items.map((c) => renderConversation(state, c, principal.userId, { numMembers: true })),
    response_metadata: { next_cursor: p.next_cursor },
  };
}
export { list_ as list };

/** conversations.info: one conversation the caller can see. */
export function info(ctx: SlackCtx<{ channel?: string; include_num_members?: boolean }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  return { channel: renderConversation(state, conv, principal.userId, { numMembers: flag(args.include_num_members) }) };
}

/** A bot reads only conversations it is in; a person may read any public channel. */
function checkCanRead(conv: Conversation, principal: SlackPrincipal): void {
  if (principal.tokenType === 'bot' && !conv.members.includes(principal.userId)) throw notInChannel();
}

function bound(value: unknown, onError: () => Error): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ts = canonicalTs(value);
  if (ts === undefined) throw onError();
  return ts;
}

/**
 * conversations.history: newest first between `oldest` and `latest` (exclusive unless
 * `inclusive`), `has_more`, and a cursor. Thread replies are left out unless broadcast.
 *
 * Limitations: every range pages newest first from `latest` (or now); how Slack pages when only
 * `oldest` is given is not verified.
 */
export function history(
  ctx: SlackCtx<{ channel?: string; latest?: unknown; oldest?: unknown; inclusive?: boolean; limit?: unknown; cursor?: string }>,
) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  checkCanRead(conv, principal);
  const latest = bound(args.latest, invalidTsLatest);
  const oldest = bound(args.oldest, invalidTsOldest);
  let before: string | undefined;
  if (typeof args.cursor === 'string' && args.cursor !== '') {
    before = decodeCursor('next_ts', args.cursor);
    if (!before || canonicalTs(before) !== before) throw invalidCursor();
  }
  const log = channelLog(state, conv.id);
  const result = pageDescending(log.order, log.byTs, {
    latest,
    oldest,
    inclusive: flag(args.inclusive),
    limit: limitArg(args.limit, 100, 999),
    before,
  });
  return {
    // Stored messages go out as they are: respond serialises them before anything can change them.
    messages: result.messages,
    has_more: result.has_more,
    pin_count: state.pins.get(conv.id)?.length ?? 0,
    channel_actions_ts: null,
    channel_actions_count: 0,
    response_metadata: { next_cursor: result.next ? encodeCursor('next_ts', result.next) : '' },
  };
}

/**
 * conversations.replies: the parent first, then replies oldest to newest; a reply's ts finds its
 * thread.
 *
 * Limitations: the parent comes on the first page only and counts toward `limit`; whether Slack
 * repeats it on later pages is not verified.
 */
export function replies(
  ctx: SlackCtx<{
    channel?: string;
    ts?: string;
    latest?: unknown;
    oldest?: unknown;
    inclusive?: boolean;
    limit?: unknown;
    cursor?: string;
  }>,
) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  checkCanRead(conv, principal);
  const target = findMessage(state, conv.id, String(args.ts ?? ''));
  if (!target) throw threadNotFound();
  const parentTs = target.thread_ts && target.thread_ts !== target.ts ? target.thread_ts : target.ts;
  const parent = findMessage(state, conv.id, parentTs);
  if (!parent) throw threadNotFound();
  const latest = bound(args.latest, invalidTsLatest);
  const oldest = bound(args.oldest, invalidTsOldest);
  let after: string | undefined;
  if (typeof args.cursor === 'string' && args.cursor !== '') {
    after = decodeCursor('next_ts', args.cursor);
    if (!after || canonicalTs(after) !== after) throw invalidCursor();
  }
  const limit = limitArg(args.limit, 1000, 1000);
  const log = channelLog(state, conv.id);
  const messages: SlackMessage[] = [];
  if (after === undefined) messages.push(parent);
  const rest = pageAscending(log.threads.get(parentTs) ?? [], log.byTs, {
    latest,
    oldest,
    inclusive: flag(args.inclusive),
    limit: Math.max(0, limit - messages.length),
    after,
  });
  messages.push(...rest.messages);
  const lastTs = messages[messages.length - 1].ts;
  return {
    messages,
    has_more: rest.has_more,
    response_metadata: { next_cursor: rest.has_more ? encodeCursor('next_ts', lastTs) : '' },
  };
}

function nameArg(value: unknown): string {
  const name = typeof value === 'string' ? value : '';
  const error = channelNameError(name);
  if (error) throw slackError(error);
  return name;
}

function nameInUse(state: SlackState, name: string, except?: string): boolean {
  return [...state.conversations.values()].some((c) => c.id !== except && !c.is_im && !c.is_mpim && c.name === name);
}

/** The `channel` object channel_created and channel_rename carry. */
function eventChannel(state: SlackState, conv: Conversation): Record<string, unknown> {
  return {
    id: conv.id,
    name: conv.name,
    name_normalized: conv.name,
    created: conv.created,
    creator: conv.creator,
    is_channel: conv.is_channel,
    is_mpim: conv.is_mpim,
    is_private: conv.is_private,
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    context_team_id: state.team.id,
  };
}

/**
 * Create a channel as `creator` and emit what Slack emits: channel_created for public channels,
 * then member_joined_channel for the creator.
 */
export function createChannel(env: SlackEnv, name: string, creator: string, opts: { private?: boolean } = {}): Conversation {
  const state = env.tenant.state;
  const now = env.tenant.clock.now();
  const conv = blankConversation(newId(state, 'C'), name, creator, seconds(now));
  conv.is_channel = true;
  conv.is_private = opts.private === true;
  state.conversations.set(conv.id, conv);
  channelLog(state, conv.id);
  if (!conv.is_private) {
    emitEvent(env, { type: 'channel_created', channel: eventChannel(state, conv), event_ts: eventTs(env) });
  }
  joinConversation(env, conv, creator, undefined, { silent: true });
  return conv;
}

/**
 * conversations.create: a new public or private channel with the caller as its first member.
 * Names: lower-case letters, digits, `-` and `_`, at most 80 characters.
 *
 * Limitations: no `channel_join` message is written for the creator, so a new channel's history
 * starts empty.
 */
export function create(ctx: SlackCtx<{ name?: string; is_private?: boolean }>) {
  const { state, principal, args } = ctx;
  const name = nameArg(args.name);
  if (nameInUse(state, name)) throw nameTaken();
  const conv = createChannel(ctx, name, principal.userId, { private: flag(args.is_private) });
  return { channel: renderConversation(state, conv, principal.userId) };
}

function isChannel(conv: Conversation): boolean {
  return !conv.is_im && !conv.is_mpim;
}

/** conversations.join: join a public channel; already a member is `ok` with warning `already_in_channel`. */
export function join(ctx: SlackCtx<{ channel?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (!isChannel(conv) || conv.is_private) throw methodNotSupportedForChannelType();
  if (conv.is_archived) throw isArchived();
  if (conv.members.includes(principal.userId)) {
    return { channel: renderConversation(state, conv, principal.userId), warning: 'already_in_channel' };
  }
  joinConversation(ctx, conv, principal.userId);
  return { channel: renderConversation(state, conv, principal.userId) };
}

/** conversations.leave: leave a channel; not being in it answers `ok` with `not_in_channel: true`. */
export function leave(ctx: SlackCtx<{ channel?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (conv.is_im) throw methodNotSupportedForChannelType();
  if (conv.is_general) throw cantLeaveGeneral();
  if (conv.is_archived) throw isArchived();
  if (!conv.members.includes(principal.userId)) return { not_in_channel: true };
  leaveConversation(ctx, conv, principal.userId);
  return {};
}

/**
 * conversations.invite: add people (comma-separated `users`); emits member_joined_channel with
 * the inviter. Any failing user fails the call, listing each failure in `errors`, unless `force`.
 */
export function invite(ctx: SlackCtx<{ channel?: string; users?: string; force?: boolean }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (conv.is_im) throw methodNotSupportedForChannelType();
  if (conv.is_archived) throw isArchived();
  if (!conv.members.includes(principal.userId)) throw notInChannel();
  const ids = list(args.users);
  if (ids.length === 0) throw slackError('no_user');
  if (ids.length > 1000) throw tooManyUsers();
  const errors: { user: string; ok: false; error: string }[] = [];
  const toAdd: string[] = [];
  for (const id of ids) {
    const user = state.users.get(id);
    const error =
      !user || user.deleted
        ? 'user_not_found'
        : id === principal.userId
          ? 'cant_invite_self'
          : conv.members.includes(id)
            ? 'already_in_channel'
            : undefined;
    if (error) errors.push({ user: id, ok: false, error });
    else if (!toAdd.includes(id)) toAdd.push(id);
  }
  if (errors.length > 0 && !flag(args.force)) {
    if (ids.length === 1) {
      const code = errors[0].error;
      throw code === 'user_not_found' ? userNotFound() : code === 'cant_invite_self' ? cantInviteSelf() : slackError(code);
    }
    throw slackError(errors[0].error, { errors });
  }
  for (const id of toAdd) joinConversation(ctx, conv, id, principal.userId);
  const result: Record<string, unknown> = { channel: renderConversation(state, conv, principal.userId) };
  if (errors.length > 0) result.errors = errors;
  return result;
}

/** conversations.kick: remove someone from a channel; emits member_left_channel. */
export function kick(ctx: SlackCtx<{ channel?: string; user?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (conv.is_im) throw methodNotSupportedForChannelType();
  if (conv.is_general) throw cantKickFromGeneral();
  const user = state.users.get(args.user ?? '');
  if (!user) throw userNotFound();
  if (user.id === principal.userId) throw cantKickSelf();
  if (!conv.members.includes(principal.userId)) throw slackError('restricted_action');
  if (!conv.members.includes(user.id)) throw notInChannel();
  leaveConversation(ctx, conv, user.id);
  return {};
}

/** conversations.members: member ids, cursor-paginated (limit ≤ 1000). */
export function members(ctx: SlackCtx<{ channel?: string; limit?: unknown; cursor?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  const p = page(conv.members, (id) => id, 'members', limitArg(args.limit, 100, 1000), args.cursor);
  return { members: p.items, response_metadata: { next_cursor: p.next_cursor } };
}

/** Slack caps a group DM at 8 people, the caller included. */
const MAX_MPIM = 8;

/**
 * conversations.open: the DM with one person (D…) or a group DM with several (G…), opened if
 * needed; `channel` resumes an existing one. `return_im` answers the whole conversation.
 *
 * Limitations: with `prevent_creation` and nothing open the answer is `{no_op: true, channel: {}}`.
 */
export function open(ctx: SlackCtx<{ users?: string; channel?: string; return_im?: boolean; prevent_creation?: boolean }>) {
  const { state, principal, args } = ctx;
  const me = principal.userId;
  const render = (conv: Conversation, extra: Record<string, unknown> = {}) => ({
    ...extra,
    channel: flag(args.return_im) ? renderConversation(state, conv, me) : { id: conv.id },
  });
  if (str(args.channel)) {
    const conv = state.conversations.get(String(args.channel));
    if (!conv || (!conv.is_im && !conv.is_mpim) || !conv.members.includes(me)) throw channelNotFound();
    return render(conv, { no_op: true, already_open: true });
  }
  const ids = list(args.users);
  if (ids.length === 0) throw usersListNotSupplied();
  for (const id of ids) if (state.users.get(id)?.deleted !== false) throw userNotFound();
  const others = [...new Set(ids.filter((id) => id !== me))];
  if (others.length <= 1) {
    const other = others[0] ?? me;
    const existing = [...state.conversations.values()].find(
      (c) =>
        c.is_im && (other === me ? c.members.length === 1 && c.members[0] === me : c.members.includes(me) && c.members.includes(other)),
    );
    if (existing) return render(existing, { no_op: true, already_open: true });
    if (flag(args.prevent_creation)) return { no_op: true, channel: {} };
    const { conv } = ensureIm(state, me, other, seconds(ctx.now()));
    return render(conv);
  }
  const everyone = [me, ...others];
  if (everyone.length > MAX_MPIM) throw tooManyUsers();
  const key = [...everyone].sort().join(',');
  const existing = [...state.conversations.values()].find((c) => c.is_mpim && [...c.members].sort().join(',') === key);
  if (existing) return render(existing, { no_op: true, already_open: true });
  if (flag(args.prevent_creation)) return { no_op: true, channel: {} };
  const names = everyone.map((id) => state.users.get(id)?.name ?? id);
  const conv = blankConversation(newId(state, 'G'), `mpdm-${names.join('--')}-1`, me, seconds(ctx.now()));
  conv.is_mpim = true;
  conv.is_private = true;
  conv.members = everyone;
  state.conversations.set(conv.id, conv);
  channelLog(state, conv.id);
  return render(conv);
}

/** conversations.archive: archive a channel the caller is in; emits channel_archive. */
export function archive(ctx: SlackCtx<{ channel?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (!isChannel(conv)) throw methodNotSupportedForChannelType();
  if (conv.is_general) throw cantArchiveGeneral();
  if (conv.is_archived) throw alreadyArchived();
  if (!conv.members.includes(principal.userId)) throw notInChannel();
  archiveChannel(ctx, conv, principal.userId);
  return {};
}

export function archiveChannel(env: SlackEnv, conv: Conversation, by: string): void {
  conv.is_archived = true;
  conv.updated = env.tenant.clock.now();
  if (!conv.is_private) {
    emitEvent(env, { type: 'channel_archive', channel: conv.id, user: by, is_moved: 0, event_ts: eventTs(env) });
  }
}

/** conversations.unarchive: bring an archived channel back; emits channel_unarchive. */
export function unarchive(ctx: SlackCtx<{ channel?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (!isChannel(conv)) throw methodNotSupportedForChannelType();
  if (!conv.is_archived) throw notArchived();
  conv.is_archived = false;
  conv.updated = ctx.now();
  if (!conv.is_private) {
    emitEvent(ctx, { type: 'channel_unarchive', channel: conv.id, user: principal.userId, event_ts: eventTs(ctx) });
  }
  return {};
}

/** conversations.rename: same name rules as create; emits channel_rename. */
export function rename(ctx: SlackCtx<{ channel?: string; name?: string }>) {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (!isChannel(conv)) throw methodNotSupportedForChannelType();
  if (conv.is_archived) throw isArchived();
  if (!conv.members.includes(principal.userId)) throw notInChannel();
  const name = nameArg(args.name);
  if (name !== conv.name && nameInUse(state, name, conv.id)) throw nameTaken();
  if (name !== conv.name) {
    const old = conv.name;
    conv.previous_names = [old, ...conv.previous_names.filter((n) => n !== old)];
    conv.name = name;
    conv.updated = ctx.now();
    postSystemMessage(ctx, conv, principal.userId, `renamed the channel from "${old}" to "${name}"`, {
      subtype: 'channel_name',
      old_name: old,
      name,
    });
    if (!conv.is_private) {
      emitEvent(ctx, {
        type: 'channel_rename',
        channel: { id: conv.id, name, name_normalized: name, created: conv.created, is_channel: true, is_mpim: false },
        event_ts: eventTs(ctx),
      });
    }
  }
  return { channel: renderConversation(state, conv, principal.userId) };
}

/** Slack's cap on topic and purpose length. */
const MAX_TOPIC = 250;

function setTopicOrPurpose(ctx: SlackCtx<Record<string, unknown>>, field: 'topic' | 'purpose') {
  const { state, principal, args } = ctx;
  const conv = visibleConversation(state, args.channel, principal);
  if (conv.is_archived) throw isArchived();
  if (!conv.members.includes(principal.userId)) throw notInChannel();
  const value = typeof args[field] === 'string' ? (args[field] as string) : '';
  if (value.length > MAX_TOPIC) throw slackError('too_long');
  conv[field] = { value, creator: principal.userId, last_set: seconds(ctx.now()) };
  conv.updated = ctx.now();
  const text = field === 'topic' ? `set the channel topic: ${value}` : `set the channel description: ${value}`;
  postSystemMessage(ctx, conv, principal.userId, text, {
    subtype: field === 'topic' ? 'channel_topic' : 'channel_purpose',
    [field]: value,
  });
  return { channel: renderConversation(state, conv, principal.userId) };
}

/** conversations.setTopic: posts a channel_topic message. */
export function setTopic(ctx: SlackCtx<{ channel?: string; topic?: string }>) {
  return setTopicOrPurpose(ctx as SlackCtx<Record<string, unknown>>, 'topic');
}

/** conversations.setPurpose: posts a channel_purpose message. */
export function setPurpose(ctx: SlackCtx<{ channel?: string; purpose?: string }>) {
  return setTopicOrPurpose(ctx as SlackCtx<Record<string, unknown>>, 'purpose');
}
