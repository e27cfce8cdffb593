// Behaviour shared by Web API operations and control-plane acts: posting, editing, deleting, joining, reacting, and the events each emits.

import type { SlackPrincipal } from './auth.ts';
import { invalidBlocks, invalidBlocksFormat, msgTooLong, noText, slackError, tooManyAttachments } from './errors.ts';
import { emitEvent, receivesEvents, type SlackEnv } from './events.ts';
import {
  addMember,
  botProfile,
  type Conversation,
  channelLog,
  channelType,
  findMessage,
  nextTs,
  refreshThread,
  removeMember,
  removeMessage,
  type SlackMessage,
  type SlackState,
  storeMessage,
  userMessage,
} from './store.ts';

/** Slack's limits on message content. */
export const MAX_TEXT = 40_000;
export const MAX_BLOCKS = 50;
export const MAX_ATTACHMENTS = 100;

/** Who a message is from: the app's bot user, or a person. */
export interface Author {
  userId: string;
  asBot: boolean;
}

export function principalAuthor(p: SlackPrincipal): Author {
  return { userId: p.userId, asBot: p.tokenType === 'bot' };
}

export interface MessageContent {
  text?: unknown;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
  markdown_text?: unknown;
  icon_emoji?: unknown;
  icon_url?: unknown;
  username?: unknown;
}

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);

/** Slack's content checks: something to show, not too long, blocks and attachments as arrays. */
export function checkContent(c: MessageContent, opts: { requireContent?: boolean } = {}): void {
  if (typeof c.blocks === 'string') throw invalidBlocksFormat();
  if (c.blocks !== undefined && !Array.isArray(c.blocks)) throw invalidBlocks();
  if (Array.isArray(c.blocks)) {
    if (c.blocks.length > MAX_BLOCKS) throw invalidBlocks([`[ERROR] no more than ${MAX_BLOCKS} items allowed [json-pointer:/blocks]`]);
    c.blocks.forEach((b, i) => {
      if (!b || typeof b !== 'object' || typeof (b as Record<string, unknown>).type !== 'string') {
        throw invalidBlocks([`[ERROR] missing required field: type [json-pointer:/blocks/${i}]`]);
      }
    });
  }
  if (typeof c.attachments === 'string') throw slackError('invalid_attachments');
  if (Array.isArray(c.attachments) && c.attachments.length > MAX_ATTACHMENTS) throw tooManyAttachments();
  if (opts.requireContent !== false && !present(c.text) && !present(c.blocks) && !present(c.attachments) && !present(c.markdown_text)) {
    throw noText();
  }
  const text = typeof c.text === 'string' ? c.text : typeof c.markdown_text === 'string' ? c.markdown_text : '';
  if (text.length > MAX_TEXT) throw msgTooLong();
}

function textOf(c: MessageContent): string {
  if (typeof c.text === 'string') return c.text;
  if (typeof c.markdown_text === 'string') return c.markdown_text;
  return '';
}

/** A message from an author, ready to store. */
export function buildMessage(state: SlackState, author: Author, c: MessageContent, ts: string): SlackMessage {
  const text = textOf(c);
  let message: SlackMessage;
  // Objects are built whole, never with `delete`: a deleted key turns a V8 object into a slow dictionary,
  // and every stored message would then cost more to keep and to serialise.
  if (author.asBot) {
    const app = state.app;
    message = {
      user: app.bot_user_id,
      bot_id: app.bot_id,
      app_id: app.app_id,
      bot_profile: botProfile(state),
      team: state.team.id,
      type: 'message',
      ts,
      text,
    };
    if (Array.isArray(c.blocks)) message.blocks = c.blocks;
    if (typeof c.username === 'string' && c.username) message.username = c.username;
    if (typeof c.icon_emoji === 'string' || typeof c.icon_url === 'string') {
      message.icons = typeof c.icon_emoji === 'string' ? { emoji: c.icon_emoji } : { image_48: c.icon_url };
    }
  } else {
    message = userMessage(state, author.userId, text, ts, Array.isArray(c.blocks) ? c.blocks : undefined);
  }
  if (Array.isArray(c.attachments)) {
    message.attachments = c.attachments.map((a, i) => (a && typeof a === 'object' ? { id: i + 1, ...(a as object) } : a));
  }
  if (c.metadata && typeof c.metadata === 'object') message.metadata = c.metadata;
  return message;
}

/**
 * The event form of a stored message: the message plus channel, event_ts and channel_type.
 * A shallow copy is enough: emitEvent serialises the body before anything can change the message.
 */
export function messageEvent(conv: Conversation, message: SlackMessage, eventTs = message.ts): Record<string, unknown> {
  return { ...message, channel: conv.id, event_ts: eventTs, channel_type: channelType(conv) };
}

/** Send the `message` event, and `app_mention` when a person mentions the app's bot. */
export function emitMessage(env: SlackEnv, conv: Conversation, message: SlackMessage): void {
  const state = env.tenant.state;
  // Most posts go to apps with no events URL (tests, benchmarks): build nothing for them.
  if (!receivesEvents(state)) return;
  emitEvent(env, { type: 'message', ...messageEvent(conv, message) }, { channel: conv.id });
  const bot = state.app.bot_user_id;
  if (message.user !== bot && !message.subtype && typeof message.text === 'string' && message.text.includes(`<@${bot}>`)) {
    const mention: Record<string, unknown> = {
      type: 'app_mention',
      user: message.user,
      text: message.text,
      ts: message.ts,
      team: message.team,
      channel: conv.id,
      event_ts: message.ts,
    };
    if (message.client_msg_id) mention.client_msg_id = message.client_msg_id;
    if (message.blocks) mention.blocks = message.blocks;
    if (message.thread_ts && message.thread_ts !== message.ts) mention.thread_ts = message.thread_ts;
    if (message.files) mention.files = message.files;
    emitEvent(env, mention, { channel: conv.id });
  }
}

// Slack's ts shape (10 digits in practice); the bounds keep an argument from becoming a huge thread key.
const THREAD_TS_SHAPE = /^\d{1,10}\.\d{1,6}$/;

export interface PostOptions {
  thread_ts?: unknown;
  reply_broadcast?: unknown;
  /** Fields to add to the message (subtype, files, inviter, …). */
  extra?: Record<string, unknown>;
  /** Content checks off (system messages such as channel_join). */
  trusted?: boolean;
}

/**
 * Post a message to a conversation and emit its events. A reply names its parent by `thread_ts`
 * (a reply's own ts finds the same thread). Slack accepts a well-formed thread_ts that matches
 * no message and stores the reply where no history shows it; a malformed one is
 * `invalid_thread_ts`.
 */
export function postMessage(
  env: SlackEnv,
  conv: Conversation,
  author: Author,
  content: MessageContent,
  opts: PostOptions = {},
): { message: SlackMessage; parent?: SlackMessage } {
  const state = env.tenant.state;
  if (!opts.trusted) checkContent(content);
  let threadTs: string | undefined;
  if (opts.thread_ts !== undefined && opts.thread_ts !== null) {
    const raw = String(opts.thread_ts);
    if (!THREAD_TS_SHAPE.test(raw) || Number(raw) === 0) {
      throw slackError('invalid_thread_ts', { response_metadata: { messages: [`[ERROR] ${raw || "''"} is not a valid thread_ts`] } });
    }
    const target = findMessage(state, conv.id, raw);
    threadTs = target?.thread_ts && target.thread_ts !== target.ts ? target.thread_ts : raw;
  }
  const ts = nextTs(state, env.tenant.clock.now());
  const message = buildMessage(state, author, content, ts);
  if (opts.extra) Object.assign(message, opts.extra);
  const broadcast =
    threadTs !== undefined && (opts.reply_broadcast === true || opts.reply_broadcast === 'true' || opts.reply_broadcast === '1');
  let parent: SlackMessage | undefined;
  if (threadTs !== undefined) {
    parent = findMessage(state, conv.id, threadTs);
    message.thread_ts = threadTs;
    if (parent) message.parent_user_id = parent.user ?? parent.bot_id;
    if (broadcast) {
      message.subtype = 'thread_broadcast';
      if (parent) message.root = rootSummary(parent);
    }
  }
  storeMessage(state, conv.id, message, { broadcast });
  emitMessage(env, conv, message);
  return { message, parent };
}

/** The `root` a thread_broadcast carries: its parent as it stands. */
function rootSummary(parent: SlackMessage): Record<string, unknown> {
  const { reactions: _r, pinned_to: _p, ...rest } = structuredClone(parent);
  return rest;
}

/** Replace a message's content, mark it edited, and emit `message_changed`. */
export function updateMessage(
  env: SlackEnv,
  conv: Conversation,
  message: SlackMessage,
  editor: string,
  content: MessageContent,
): SlackMessage {
  const state = env.tenant.state;
  const previous = structuredClone(message);
  const eventTs = nextTs(state, env.tenant.clock.now());
  if (content.text !== undefined) message.text = textOf(content);
  if (Array.isArray(content.blocks)) message.blocks = content.blocks;
  else if (content.blocks !== undefined && present(content.blocks) === false) delete message.blocks;
  if (Array.isArray(content.attachments)) {
    message.attachments = content.attachments.map((a, i) => (a && typeof a === 'object' ? { id: i + 1, ...(a as object) } : a));
  }
  if (content.metadata && typeof content.metadata === 'object') message.metadata = content.metadata;
  message.edited = { user: editor, ts: eventTs };
  emitEvent(
    env,
    {
      type: 'message',
      subtype: 'message_changed',
      message: structuredClone(message),
      previous_message: previous,
      channel: conv.id,
      hidden: true,
      ts: eventTs,
      event_ts: eventTs,
      channel_type: channelType(conv),
    },
    { channel: conv.id },
  );
  return message;
}

/**
 * Delete a message and emit `message_deleted`. A parent with replies becomes a tombstone, as in
 * Slack, so the thread stays readable.
 */
export function deleteMessage(env: SlackEnv, conv: Conversation, message: SlackMessage): void {
  const state = env.tenant.state;
  const previous = structuredClone(message);
  const log = channelLog(state, conv.id);
  const hasReplies = (log.threads.get(message.ts)?.length ?? 0) > 0 && (!message.thread_ts || message.thread_ts === message.ts);
  const eventTs = nextTs(state, env.tenant.clock.now());
  if (hasReplies) {
    for (const key of Object.keys(message)) {
      if (
        !['type', 'ts', 'thread_ts', 'reply_count', 'reply_users', 'reply_users_count', 'latest_reply', 'is_locked', 'subscribed'].includes(
          key,
        )
      ) {
        delete message[key];
      }
    }
    Object.assign(message, { subtype: 'tombstone', text: 'This message was deleted.', user: 'USLACKBOT', hidden: true });
    refreshThread(message, log);
  } else {
    removeMessage(state, conv.id, message.ts);
  }
  const pins = state.pins.get(conv.id);
  if (pins)
    state.pins.set(
      conv.id,
      pins.filter((p) => p.ts !== previous.ts),
    );
  emitEvent(
    env,
    {
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      deleted_ts: previous.ts,
      channel: conv.id,
      previous_message: previous,
      ts: eventTs,
      event_ts: eventTs,
      channel_type: channelType(conv),
    },
    { channel: conv.id },
  );
}

/**
 * A person or the bot joins: membership, the `channel_join` message (unless `silent`) and
 * `member_joined_channel`.
 *
 * @returns false when the user was already a member (nothing happens).
 */
export function joinConversation(
  env: SlackEnv,
  conv: Conversation,
  userId: string,
  inviter?: string,
  opts: { silent?: boolean } = {},
): boolean {
  if (!addMember(conv, userId)) return false;
  const state = env.tenant.state;
  if (!opts.silent) {
    const extra: Record<string, unknown> = { subtype: 'channel_join' };
    if (inviter && inviter !== userId) extra.inviter = inviter;
    postSystemMessage(env, conv, userId, `<@${userId}> has joined the channel`, extra);
  }
  const event: Record<string, unknown> = {
    type: 'member_joined_channel',
    user: userId,
    channel: conv.id,
    channel_type: conv.is_private ? 'G' : 'C',
    team: state.team.id,
    event_ts: eventTs(env),
  };
  if (inviter && inviter !== userId) event.inviter = inviter;
  emitEvent(env, event, { channel: conv.id });
  return true;
}

/** A member leaves (or is removed): membership, the `channel_leave` message and `member_left_channel`. */
export function leaveConversation(env: SlackEnv, conv: Conversation, userId: string): boolean {
  const state = env.tenant.state;
  const wasBot = userId === state.app.bot_user_id;
  // The leave message is posted while the user is still in, so members (and the bot) see it.
  if (!conv.members.includes(userId)) return false;
  postSystemMessage(env, conv, userId, `<@${userId}> has left the channel`, { subtype: 'channel_leave' });
  removeMember(conv, userId);
  emitEvent(
    env,
    {
      type: 'member_left_channel',
      user: userId,
      channel: conv.id,
      channel_type: conv.is_private ? 'G' : 'C',
      team: state.team.id,
      event_ts: eventTs(env),
    },
    { channel: conv.id, ignoreMembership: wasBot },
  );
  return true;
}

/** A fresh `event_ts` for an event that is not itself a message. */
export function eventTs(env: SlackEnv): string {
  return nextTs(env.tenant.state, env.tenant.clock.now());
}

/** A message Slack itself writes into a conversation (joins, leaves, topic changes). */
export function postSystemMessage(
  env: SlackEnv,
  conv: Conversation,
  userId: string,
  text: string,
  extra: Record<string, unknown>,
): SlackMessage {
  const state = env.tenant.state;
  const ts = nextTs(state, env.tenant.clock.now());
  const message: SlackMessage = { type: 'message', subtype: String(extra.subtype), ts, user: userId, text, ...extra };
  storeMessage(state, conv.id, message);
  emitMessage(env, conv, message);
  return message;
}

/** Reaction names Slack accepts: emoji short names, optionally with a skin tone. */
const REACTION_NAME = /^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/;
export const MAX_REACTIONS = 50;

/** Normalise a reaction name as Slack does (surrounding colons dropped); undefined if invalid. */
export function reactionName(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const name = raw.trim().replace(/^:/, '').replace(/:$/, '');
  return REACTION_NAME.test(name) ? name : undefined;
}

/** Add a reaction and emit `reaction_added`; throws already_reacted / too_many_reactions. */
export function addReaction(env: SlackEnv, conv: Conversation, message: SlackMessage, userId: string, name: string): void {
  if (!message.reactions) message.reactions = [];
  const reactions = message.reactions;
  let reaction = reactions.find((r) => r.name === name);
  if (reaction?.users.includes(userId)) throw slackError('already_reacted');
  if (!reaction) {
    if (reactions.length >= MAX_REACTIONS) throw slackError('too_many_reactions');
    reaction = { name, users: [], count: 0 };
    reactions.push(reaction);
  }
  reaction.users.push(userId);
  reaction.count = reaction.users.length;
  emitReaction(env, conv, message, userId, name, 'reaction_added');
}

/** Remove a reaction and emit `reaction_removed`; throws no_reaction. */
export function removeReaction(env: SlackEnv, conv: Conversation, message: SlackMessage, userId: string, name: string): void {
  const reactions = message.reactions ?? [];
  const reaction = reactions.find((r) => r.name === name);
  if (!reaction?.users.includes(userId)) throw slackError('no_reaction');
  reaction.users = reaction.users.filter((u) => u !== userId);
  reaction.count = reaction.users.length;
  if (reaction.count === 0) message.reactions = reactions.filter((r) => r !== reaction);
  if (message.reactions?.length === 0) delete message.reactions;
  emitReaction(env, conv, message, userId, name, 'reaction_removed');
}

function emitReaction(env: SlackEnv, conv: Conversation, message: SlackMessage, userId: string, name: string, type: string): void {
  const event: Record<string, unknown> = {
    type,
    user: userId,
    reaction: name,
    item: { type: 'message', channel: conv.id, ts: message.ts },
    event_ts: eventTs(env),
  };
  const itemUser = message.user ?? message.bot_id;
  if (itemUser) event.item_user = itemUser;
  emitEvent(env, event, { channel: conv.id });
}

/** The DM channel a user id names, for methods that accept a user id as `channel`. */
export function isUserId(ref: string): boolean {
  return /^[UW][A-Z0-9]{2,}$/.test(ref);
}
