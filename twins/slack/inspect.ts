// What the inspector page (/_twin/ui) shows of a Slack workspace: channels, their messages with threads and reactions, and users.

import type { InspectorCell, InspectorItem, InspectorSection, InspectorView } from '../../src/kernel/types.ts';
import type { ChannelLog, Conversation, SlackMessage, SlackState, SlackUser } from './store.ts';

/** How many of a channel's newest messages the page shows (and replies per thread): a refresh stays cheap. */
export const INSPECT_LIMITS = { messagesPerChannel: 100, repliesPerThread: 50, users: 500, channels: 500, messageSections: 50 } as const;

// The store's records are plain objects or Maps (JsonMap) depending on its version; the page reads both.
type Records<V> = Record<string, V> | ReadonlyMap<string, V>;

function valuesOf<V>(records: Records<V>): V[] {
  return records instanceof Map ? [...records.values()] : Object.values(records as Record<string, V>);
}

function lookup<V>(records: Records<V> | undefined, key: string): V | undefined {
  if (!records) return undefined;
  if (records instanceof Map) return records.get(key);
  const plain = records as Record<string, V>;
  return Object.hasOwn(plain, key) ? plain[key] : undefined;
}

function kindOf(conv: Conversation): string {
  if (conv.is_im) return 'im';
  if (conv.is_mpim) return 'mpim';
  return conv.is_private ? 'private' : 'public';
}

/** How a person would name a conversation: `#ops`, `DM with alice`. */
function conversationLabel(conv: Conversation, users: Records<SlackUser>): string {
  if (conv.is_im) return `DM with ${userLabel(conv.user ?? '', users)}`;
  if (conv.is_mpim) return `group DM ${conv.name}`;
  return `#${conv.name}`;
}

function userLabel(id: string, users: Records<SlackUser>): string {
  const user = lookup(users, id);
  return user ? `${user.name} (${id})` : id;
}

function author(message: SlackMessage, state: SlackState): string {
  if (message.user) return userLabel(message.user, state.users);
  if (message.bot_id) {
    const name = typeof message.bot_profile?.name === 'string' ? message.bot_profile.name : message.username;
    return `${typeof name === 'string' ? name : 'bot'} (${message.bot_id})`;
  }
  return 'unknown';
}

/** `ts 1712345678.000100 · 2024-04-05T19:34:38Z`, then subtype, edit and pins. */
function messageMeta(message: SlackMessage): string[] {
  const meta = [`ts ${message.ts}`];
  const seconds = Number(message.ts.split('.')[0]);
  if (Number.isFinite(seconds)) meta.push(new Date(seconds * 1000).toISOString().replace('.000Z', 'Z'));
  if (message.subtype) meta.push(message.subtype);
  if (message.edited) meta.push(`edited ${message.edited.ts}`);
  if (message.thread_ts && message.thread_ts !== message.ts) meta.push(`in thread ${message.thread_ts}`);
  if (message.pinned_to?.length) meta.push('pinned');
  if (message.files?.length) meta.push(`${message.files.length} file(s)`);
  if (message.blocks?.length && !message.text) meta.push(`${message.blocks.length} block(s)`);
  return meta;
}

function reactionTags(message: SlackMessage, users: Records<SlackUser>): string[] {
  return (message.reactions ?? []).map(
    (r) => `:${r.name}: ${r.count}${r.users.length ? ` (${r.users.map((u) => lookup(users, u)?.name ?? u).join(', ')})` : ''}`,
  );
}

function messageItem(message: SlackMessage, state: SlackState, replies: SlackMessage[]): InspectorItem {
  const item: InspectorItem = {
    key: message.ts,
    title: author(message, state),
    text: message.text,
    meta: messageMeta(message),
    tags: reactionTags(message, state.users),
  };
  if (replies.length > 0) item.items = replies.map((r) => messageItem(r, state, []));
  return item;
}

function channelMessages(conv: Conversation, log: ChannelLog, state: SlackState): InspectorSection {
  const order = log.order;
  const shown = order.slice(-INSPECT_LIMITS.messagesPerChannel);
  const items: InspectorItem[] = [];
  for (const ts of shown) {
    const message = lookup(log.byTs, ts);
    if (!message) continue;
    // A broadcast reply sits in history and in its thread; under its parent is enough.
    if (message.thread_ts && message.thread_ts !== ts && lookup(log.byTs, message.thread_ts)) continue;
    const replyTs = lookup(log.threads, ts) ?? [];
    const replies = replyTs
      .slice(-INSPECT_LIMITS.repliesPerThread)
      .map((r) => lookup(log.byTs, r))
      .filter((m): m is SlackMessage => m !== undefined);
    items.push(messageItem(message, state, replies));
  }
  const hidden = order.length - shown.length;
  return {
    kind: 'list',
    title: `Messages in ${conversationLabel(conv, state.users)}`,
    items,
    note: hidden > 0 ? `the newest ${shown.length} of ${order.length} messages` : undefined,
  };
}

/**
 * The Slack twin's inspector view: the workspace and the app, channels, one section of messages
 * (with threads and reactions) per conversation that has any, and users. Tokens and secrets are
 * never shown.
 */
export function inspectSlack(state: SlackState): InspectorView {
  const conversations = valuesOf(state.conversations);
  const app = state.app;
  const sections: InspectorSection[] = [
    {
      kind: 'table',
      title: 'Workspace',
      columns: ['field', 'value'],
      rows: [
        ['team', `${state.team.name} (${state.team.id})`],
        ['domain', state.team.domain],
        ['app', `${app.name} (${app.app_id}), bot ${app.bot_user_id}`],
        ['events request URL', app.request_url ? `${app.request_url}${app.url_verified ? ' (verified)' : ' (not verified)'}` : null],
        ['event subscriptions', app.event_subscriptions.join(', ')],
        ['interactivity URL', app.interactivity_url ?? null],
        ['bot scopes', app.bot_scopes.join(', ')],
      ],
    },
  ];
  const channelRows: InspectorCell[][] = conversations
    .slice(0, INSPECT_LIMITS.channels)
    .map((c) => [
      c.id,
      conversationLabel(c, state.users),
      kindOf(c),
      c.members.length,
      c.topic.value,
      c.is_archived,
      lookup(state.messages, c.id)?.order.length ?? 0,
    ]);
  sections.push({
    kind: 'table',
    title: 'Channels',
    columns: ['id', 'name', 'kind', 'members', 'topic', 'archived', 'messages'],
    rows: channelRows,
    note: conversations.length > INSPECT_LIMITS.channels ? `the first ${INSPECT_LIMITS.channels} of ${conversations.length}` : undefined,
  });
  // Bounded: past the first conversations, the rest are listed by name and count only.
  const withMessages = conversations
    .map((conv) => ({ conv, log: lookup(state.messages, conv.id) }))
    .filter((c): c is { conv: Conversation; log: ChannelLog } => c.log !== undefined && c.log.order.length > 0);
  const active = withMessages.slice(0, INSPECT_LIMITS.messageSections);
  for (const { conv, log } of active) sections.push(channelMessages(conv, log, state));
  if (withMessages.length > active.length)
    sections.push({
      kind: 'table',
      title: 'More conversations with messages',
      columns: ['id', 'name', 'messages'],
      rows: withMessages.slice(active.length).map(({ conv, log }) => [conv.id, conversationLabel(conv, state.users), log.order.length]),
    });
  const users = valuesOf(state.users);
  sections.push({
    kind: 'table',
    title: 'Users',
    columns: ['id', 'name', 'real name', 'email', 'bot', 'admin', 'deleted'],
    rows: users
      .slice(0, INSPECT_LIMITS.users)
      .map((u) => [u.id, u.name, u.real_name, u.profile.email ?? null, u.is_bot, u.is_admin, u.deleted]),
    note: users.length > INSPECT_LIMITS.users ? `the first ${INSPECT_LIMITS.users} of ${users.length}` : undefined,
  });
  return { sections };
}
