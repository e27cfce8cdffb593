// The Slack twin's tenant state (one workspace): records keyed by id in JsonMaps (JSON in snapshots), with the helpers operations share.

import { createHash } from 'node:crypto';
import { JsonMap, type JsonOf } from '../../src/kernel/records.ts';
import { TenantSecrets } from '../../src/kernel/secrets.ts';

/** The workspace (`team.info`). */
export interface SlackTeam {
  id: string;
  name: string;
  domain: string;
  email_domain: string;
  created: number;
}

/** The one app installed in the workspace: the app under test. */
export interface SlackApp {
  app_id: string;
  name: string;
  client_id: string;
  client_secret: string;
  signing_secret: string;
  /** Legacy verification token, sent as `token` in envelopes and slash commands. */
  verification_token: string;
  bot_user_id: string;
  bot_id: string;
  request_url?: string;
  url_verified: boolean;
  interactivity_url?: string;
  /** Command name (with the slash) → the URL Slack POSTs it to. */
  slash_commands: JsonMap<string>;
  /** Event types the app subscribed to; `message` means every `message.*` channel type. */
  event_subscriptions: string[];
  /** Delays before each Events API retry, in ms. Real Slack: about immediately, 1 min, 5 min. */
  retry_delays_ms: number[];
  /** Scopes the install grants a bot token. */
  bot_scopes: string[];
  /** Redirect URLs the OAuth flow accepts; empty accepts any http(s) URL. */
  redirect_urls: string[];
  updated: number;
}

export interface SlackUserProfile {
  title: string;
  phone: string;
  skype: string;
  real_name: string;
  real_name_normalized: string;
  display_name: string;
  display_name_normalized: string;
  fields: Record<string, unknown> | null;
  status_text: string;
  status_emoji: string;
  status_expiration: number;
  avatar_hash: string;
  email?: string;
  first_name: string;
  last_name: string;
  image_24: string;
  image_32: string;
  image_48: string;
  image_72: string;
  image_192: string;
  image_512: string;
  status_text_canonical: string;
  team: string;
  bot_id?: string;
  api_app_id?: string;
  always_active?: boolean;
  [k: string]: unknown;
}

/** A user, stored in the shape `users.info` returns (`email` filtered by scope on the way out). */
export interface SlackUser {
  id: string;
  team_id: string;
  name: string;
  deleted: boolean;
  color: string;
  real_name: string;
  tz: string;
  tz_label: string;
  tz_offset: number;
  profile: SlackUserProfile;
  is_admin: boolean;
  is_owner: boolean;
  is_primary_owner: boolean;
  is_restricted: boolean;
  is_ultra_restricted: boolean;
  is_bot: boolean;
  is_app_user: boolean;
  updated: number;
  is_email_confirmed: boolean;
  who_can_share_contact_card: string;
  [k: string]: unknown;
}

export interface SlackToken {
  token: string;
  type: 'bot' | 'user';
  user_id: string;
  scopes: string[];
  revoked: boolean;
  created: number;
}

export interface TopicOrPurpose {
  value: string;
  creator: string;
  last_set: number;
}

/** A channel, private channel, DM or group DM. Flags relative to a viewer (`is_member`) are added when rendered. */
export interface Conversation {
  id: string;
  /** Empty for DMs. */
  name: string;
  created: number;
  creator: string;
  is_channel: boolean;
  is_group: boolean;
  is_im: boolean;
  is_mpim: boolean;
  is_private: boolean;
  is_archived: boolean;
  is_general: boolean;
  topic: TopicOrPurpose;
  purpose: TopicOrPurpose;
  previous_names: string[];
  members: string[];
  /** The other party of a DM. */
  user?: string;
  updated: number;
}

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

/** A message in the shape `conversations.history` returns it. */
export interface SlackMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  bot_profile?: Record<string, unknown>;
  team?: string;
  subtype?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  parent_user_id?: string;
  reactions?: Reaction[];
  edited?: { user: string; ts: string };
  files?: Record<string, unknown>[];
  pinned_to?: string[];
  [k: string]: unknown;
}

/**
 * One conversation's messages. `order` holds the ts of history-visible messages (top level and
 * thread broadcasts) ascending; `threads` the replies per parent ts, ascending. Every message
 * lives once in `byTs`, so a broadcast reply edited through one list is edited in both.
 */
export interface ChannelLog {
  order: string[];
  byTs: JsonMap<SlackMessage>;
  threads: JsonMap<string[]>;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  ts: string;
  thread_ts?: string;
  message: SlackMessage;
}

export interface ScheduledMessage {
  id: string;
  channel: string;
  post_at: number;
  date_created: number;
  status: 'pending' | 'posted' | 'deleted' | 'failed';
  /** Who scheduled it (the principal), so the post is authored the same way. */
  author: { user_id: string; bot: boolean; scopes: string[] };
  text: string;
  args: Record<string, unknown>;
  posted_ts?: string;
  error?: string;
}

export interface SlackFile {
  id: string;
  /** The random key of the file's upload URL (a credential until the upload completes). */
  upload_key?: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  user_team: string;
  editable: boolean;
  size: number;
  mode: string;
  is_external: boolean;
  external_type: string;
  is_public: boolean;
  public_url_shared: boolean;
  display_as_bot: boolean;
  username: string;
  url_private: string;
  url_private_download: string;
  permalink: string;
  channels: string[];
  groups: string[];
  ims: string[];
  comments_count: number;
  alt_txt?: string;
  /** Internal: bytes arrived at the upload URL. */
  uploaded: boolean;
  /** Internal: completeUploadExternal ran. */
  completed: boolean;
  deleted: boolean;
  /** Internal: the bytes, base64. */
  content_base64?: string;
  [k: string]: unknown;
}

export interface SlackView {
  id: string;
  team_id: string;
  type: 'modal' | 'home' | string;
  /** Whose screen shows it. */
  user_id: string;
  title?: unknown;
  close?: unknown;
  submit?: unknown;
  blocks: unknown[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, unknown> };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string;
  previous_view_id: string | null;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
  /** Internal: closed modals stay for observation. */
  closed: boolean;
  /** Internal: the `errors` the app answered a submission with. */
  errors?: Record<string, string>;
  [k: string]: unknown;
}

export interface OAuthCode {
  code: string;
  client_id: string;
  scopes: string[];
  user_scopes: string[];
  redirect_uri: string;
  user_id: string;
  expires_at: number;
  used: boolean;
}

export interface TriggerRecord {
  user_id: string;
  expires_at: number;
  used: boolean;
  /** The modal the interaction came from, so views.push knows what to stack on. */
  view_id?: string;
}

export interface ResponseUrlRecord {
  id: string;
  secret: string;
  channel: string;
  user: string;
  expires_at: number;
  uses: number;
  /** The message the interaction came from (block actions), for replace_original/delete_original. */
  message_ts?: string;
  ephemeral?: boolean;
}

export interface PinRecord {
  ts: string;
  created: number;
  created_by: string;
}

export interface SlackState {
  version: 1;
  tenantId: string;
  /** Makes this workspace's ids distinct from other tenants' at a glance. */
  idTag: string;
  team: SlackTeam;
  app: SlackApp;
  users: JsonMap<SlackUser>;
  tokens: JsonMap<SlackToken>;
  conversations: JsonMap<Conversation>;
  messages: JsonMap<ChannelLog>;
  ephemeral: EphemeralMessage[];
  scheduled: JsonMap<ScheduledMessage>;
  files: JsonMap<SlackFile>;
  views: JsonMap<SlackView>;
  /** App Home view per user. */
  home: JsonMap<string>;
  /** Open modal stack per user, root first. */
  modals: JsonMap<string[]>;
  oauthCodes: JsonMap<OAuthCode>;
  triggers: JsonMap<TriggerRecord>;
  responseUrls: JsonMap<ResponseUrlRecord>;
  pins: JsonMap<PinRecord[]>;
  counters: {
    /** Sequence behind C…/U…/F…/V… ids. */
    id: number;
    /** The last message ts handed out, in microseconds; ts values never repeat or go back. */
    tsMicros: number;
    event: number;
    /** Sequence behind minted secrets (tokens, codes, trigger ids). */
    mint: number;
  };
}

/** A workspace as its snapshot holds it (what `JSON.stringify(state)` writes): records as objects. */
export type SlackStateJson = JsonOf<SlackState>;

// ---------------------------------------------------------------------------------------------
// Deterministic ids and secrets

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MIXED_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters from `alphabet`, derived from `parts` by SHA-256: the same parts give the same string. */
export function derive(parts: (string | number)[], length: number, alphabet: string = UPPER_ALNUM): string {
  let out = '';
  let round = 0;
  while (out.length < length) {
    const bytes = createHash('sha256')
      .update(`${parts.join(':')}#${round++}`)
      .digest();
    for (const b of bytes) {
      out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export const derivedDigits = (parts: (string | number)[], length: number): string => derive(parts, length, '0123456789').replace(/^0/, '1');
export const derivedHex = (parts: (string | number)[], length: number): string => derive(parts, length, '0123456789abcdef');
export const derivedMixed = (parts: (string | number)[], length: number): string => derive(parts, length, MIXED_ALNUM);

/** A new workspace-unique id such as `C4K7Q00001F`; ids sort in creation order. */
export function newId(state: SlackState, letter: string): string {
  const n = ++state.counters.id;
  return `${letter}${state.idTag}${n.toString(36).toUpperCase().padStart(6, '0')}`;
}

/** A fresh secret unique to this workspace (tokens, codes, trigger ids), reproducible from the state. */
export function mint(state: SlackState, kind: string, length: number, alphabet?: string): string {
  const n = ++state.counters.mint;
  return derive([state.team.id, kind, n], length, alphabet);
}

/**
 * What each of a workspace's secrets looks like. They are random per tenant (TenantSecrets), never
 * derived from the seed: anyone can compute a seed's derived ids, no one another tenant's tokens.
 */
export const SLACK_SECRET_FORMATS: Readonly<Record<string, string>> = {
  'bot-token': 'xoxb-{d13}-{d13}-{a24}',
  'user-token': 'xoxp-{d13}-{d13}-{d13}-{h32}',
  'client-id': '{d13}.{d13}',
  'client-secret': '{h32}',
  'signing-secret': '{h32}',
  'verification-token': '{a24}',
  /** The secret part of a response_url. */
  'response-url': '{a24}',
  /** The opaque part of an upload URL (files.getUploadURLExternal). */
  'upload-key': '{a40}',
};

/** Throwaway secrets, for state made outside a kernel (unit tests, benchmarks). */
export function looseSecrets(): TenantSecrets {
  return new TenantSecrets(SLACK_SECRET_FORMATS);
}

// ---------------------------------------------------------------------------------------------
// Message timestamps

const TS_RE = /^\d{10}\.\d{6}$/;

/** True for a canonical message ts (`1712345678.000100`). */
export function isTs(value: unknown): value is string {
  return typeof value === 'string' && TS_RE.test(value);
}

export function tsToMicros(ts: string): number {
  const [sec, frac = ''] = ts.split('.');
  return Number(sec) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

export function microsToTs(micros: number): string {
  const sec = Math.floor(micros / 1_000_000);
  const frac = micros - sec * 1_000_000;
  return `${String(sec).padStart(10, '0')}.${String(frac).padStart(6, '0')}`;
}

/**
 * A bound such as `latest`/`oldest` as a canonical ts, so it compares as a string against stored
 * ts values. Slack accepts `0`, `1712345678` and `1712345678.5`; anything else is `undefined`.
 */
export function canonicalTs(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) value = String(value);
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{1,10})(?:\.(\d{0,6})\d*)?$/.exec(value.trim());
  if (!m) return undefined;
  return `${m[1].padStart(10, '0')}.${(m[2] ?? '').padEnd(6, '0')}`;
}

/** The earliest ts a message gets from the clock: 2001-09-09, the first 10-digit second (Slack's ts are 10 digits). */
export const TS_MIN_MICROS = 1_000_000_000 * 1_000_000;
/**
 * The latest: 2200-01-01, far below both the 11th digit (2286) and the microseconds a double
 * counts exactly (2^53 µs is in 2255), so later bumps of one microsecond stay exact and ordered.
 */
export const TS_MAX_MICROS = Date.UTC(2200, 0, 1) * 1000;

/** The largest ts stored in any conversation, in microseconds (0 when there is none). */
function latestStoredMicros(state: SlackState): number {
  let latest = 0;
  for (const log of state.messages.values()) {
    for (const ts of log.byTs.keys()) {
      if (!isTs(ts)) continue;
      const micros = tsToMicros(ts);
      if (micros > latest) latest = micros;
    }
  }
  return latest;
}

/**
 * The next message ts: the clock's microsecond, or one microsecond after the last ts when the
 * clock has not moved past it (virtual time standing still, or many posts in one millisecond).
 * Whatever the clock says (NaN, Infinity, the year 2300) and whatever a restored snapshot holds,
 * the ts is vendor-shaped (10 digits '.' 6 digits) and greater than every ts handed out before.
 */
export function nextTs(state: SlackState, nowMs: number): string {
  let last = state.counters.tsMicros;
  // A counter a snapshot broke (missing, NaN, out of range) is rebuilt from the messages themselves.
  // (Any safe integer is at most 10 digits of seconds, so bumps past TS_MAX_MICROS keep the shape.)
  if (!Number.isSafeInteger(last) || last < 0) last = Math.min(latestStoredMicros(state), Number.MAX_SAFE_INTEGER - 1);
  const fromClock = Number.isFinite(nowMs) ? Math.min(Math.max(Math.floor(nowMs) * 1000, TS_MIN_MICROS), TS_MAX_MICROS) : TS_MIN_MICROS;
  // Past the maximum the counter keeps counting microseconds: still unique, still 10 digits.
  const micros = Math.max(fromClock, last + 1);
  state.counters.tsMicros = micros;
  return microsToTs(micros);
}

// ---------------------------------------------------------------------------------------------
// Messages

export function channelLog(state: SlackState, channel: string): ChannelLog {
  let log = state.messages.get(channel);
  if (!log) {
    log = { order: [], byTs: new JsonMap(), threads: new JsonMap() };
    state.messages.set(channel, log);
  }
  return log;
}

/** First index in a sorted ts list whose ts is >= `ts` (binary search). */
export function lowerBound(order: string[], ts: string): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order[mid] < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose ts is > `ts`. */
export function upperBound(order: string[], ts: string): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order[mid] <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Add `ts` to a sorted list: an append when it is the newest (the usual case), else a binary insert. */
export function insertSorted(order: string[], ts: string): void {
  const last = order[order.length - 1];
  if (last === undefined || last < ts) {
    order.push(ts);
    return;
  }
  const i = lowerBound(order, ts);
  if (order[i] !== ts) order.splice(i, 0, ts);
}

export function removeSorted(order: string[], ts: string): void {
  const i = lowerBound(order, ts);
  if (order[i] === ts) order.splice(i, 1);
}

export function findMessage(state: SlackState, channel: string, ts: string): SlackMessage | undefined {
  return state.messages.get(channel)?.byTs.get(ts);
}

/**
 * Store a message. A reply (thread_ts ≠ ts) goes to its thread and updates the parent's
 * reply_count, reply_users, reply_users_count and latest_reply; a broadcast reply also shows in
 * history. Returns the parent for replies.
 */
export function storeMessage(
  state: SlackState,
  channel: string,
  message: SlackMessage,
  opts: { broadcast?: boolean } = {},
): { parent?: SlackMessage } {
  const log = channelLog(state, channel);
  // A ts is unique per conversation: a taken one (a snapshot whose counter lags its messages) moves on.
  while (log.byTs.has(message.ts)) message.ts = nextTs(state, tsToMicros(message.ts) / 1000);
  log.byTs.set(message.ts, message);
  const parentTs = message.thread_ts;
  if (!parentTs || parentTs === message.ts) {
    insertSorted(log.order, message.ts);
    return {};
  }
  const parent = log.byTs.get(parentTs);
  let replies = log.threads.get(parentTs);
  if (!replies) {
    replies = [];
    log.threads.set(parentTs, replies);
  }
  insertSorted(replies, message.ts);
  if (opts.broadcast) insertSorted(log.order, message.ts);
  if (parent) refreshThread(parent, log);
  return { parent };
}

/** Recompute a parent's thread summary from its replies. */
export function refreshThread(parent: SlackMessage, log: ChannelLog): void {
  const replies = log.threads.get(parent.ts) ?? [];
  if (replies.length === 0) {
    // A parent whose replies are all gone stops being a thread parent.
    delete parent.thread_ts;
    delete parent.reply_count;
    delete parent.reply_users;
    delete parent.reply_users_count;
    delete parent.latest_reply;
    delete parent.is_locked;
    delete parent.subscribed;
    return;
  }
  const users: string[] = [];
  for (const ts of replies) {
    const reply = log.byTs.get(ts);
    const author = reply?.user ?? reply?.bot_id;
    if (author && !users.includes(author)) users.push(author);
  }
  parent.thread_ts = parent.ts;
  parent.reply_count = replies.length;
  parent.reply_users = users.slice(0, 5);
  parent.reply_users_count = users.length;
  parent.latest_reply = replies[replies.length - 1];
  parent.is_locked = false;
  parent.subscribed = false;
}

/** Remove a message outright (a reply, or a top-level message without replies). */
export function removeMessage(state: SlackState, channel: string, ts: string): SlackMessage | undefined {
  const log = state.messages.get(channel);
  const message = log?.byTs.get(ts);
  if (!log || !message) return undefined;
  log.byTs.delete(ts);
  removeSorted(log.order, ts);
  const parentTs = message.thread_ts;
  if (parentTs && parentTs !== ts) {
    const replies = log.threads.get(parentTs);
    if (replies) {
      removeSorted(replies, ts);
      if (replies.length === 0) log.threads.delete(parentTs);
    }
    const parent = log.byTs.get(parentTs);
    if (parent) {
      refreshThread(parent, log);
      // A tombstoned parent disappears once its last reply goes.
      if (parent.subtype === 'tombstone' && !log.threads.has(parentTs)) removeMessage(state, channel, parentTs);
    }
  }
  return message;
}

export interface HistoryQuery {
  latest?: string;
  oldest?: string;
  inclusive?: boolean;
  limit: number;
  /** Exclusive upper bound from a cursor: continue below this ts. */
  before?: string;
}

export interface HistoryPage {
  messages: SlackMessage[];
  has_more: boolean;
  /** The ts to continue below, when there is more. */
  next?: string;
}

/**
 * Newest-first messages between `oldest` and `latest` from a sorted ts list, found by binary
 * search so a page costs O(log n + limit) however long the channel is.
 */
export function pageDescending(order: string[], byTs: JsonMap<SlackMessage>, q: HistoryQuery): HistoryPage {
  // End index (exclusive) from the upper bound.
  let end = order.length;
  if (q.latest !== undefined) end = q.inclusive ? upperBound(order, q.latest) : lowerBound(order, q.latest);
  if (q.before !== undefined) end = Math.min(end, lowerBound(order, q.before));
  let start = 0;
  if (q.oldest !== undefined) start = q.inclusive ? lowerBound(order, q.oldest) : upperBound(order, q.oldest);
  const messages: SlackMessage[] = [];
  let i = end - 1;
  for (; i >= start && messages.length < q.limit; i--) messages.push(byTs.get(order[i]) as SlackMessage);
  const has_more = i >= start;
  return { messages, has_more, next: has_more ? messages[messages.length - 1]?.ts : undefined };
}

/** Oldest-first messages of a sorted ts list (thread replies), with an exclusive lower bound from a cursor. */
export function pageAscending(order: string[], byTs: JsonMap<SlackMessage>, q: HistoryQuery & { after?: string }): HistoryPage {
  let start = 0;
  if (q.oldest !== undefined) start = q.inclusive ? lowerBound(order, q.oldest) : upperBound(order, q.oldest);
  if (q.after !== undefined) start = Math.max(start, upperBound(order, q.after));
  let end = order.length;
  if (q.latest !== undefined) end = q.inclusive ? upperBound(order, q.latest) : lowerBound(order, q.latest);
  const messages: SlackMessage[] = [];
  let i = start;
  for (; i < end && messages.length < q.limit; i++) messages.push(byTs.get(order[i]) as SlackMessage);
  const has_more = i < end;
  return { messages, has_more, next: has_more ? messages[messages.length - 1]?.ts : undefined };
}

// ---------------------------------------------------------------------------------------------
// Cursors

/** An opaque cursor such as Slack's `dGVhbTpDMDYxRkE1UEI=` (`team:C061FA5PB`). */
export function encodeCursor(kind: string, value: string): string {
  return Buffer.from(`${kind}:${value}`, 'utf8').toString('base64');
}

/** The value inside a cursor of `kind`, or `undefined` when it is not one of ours. */
export function decodeCursor(kind: string, cursor: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  if (!text.startsWith(`${kind}:`)) return undefined;
  const value = text.slice(kind.length + 1);
  return value === '' ? undefined : value;
}

export interface ListPage<T> {
  items: T[];
  next_cursor: string;
}

/**
 * One page of a list whose items have stable ids. The cursor names the next item and its
 * position, so a page survives items being added or removed before it.
 *
 * @returns `undefined` when the cursor is not valid for this list (→ `invalid_cursor`).
 */
export function paginate<T>(
  items: T[],
  idOf: (item: T) => string,
  kind: string,
  limit: number,
  cursor: string | undefined,
): ListPage<T> | undefined {
  let start = 0;
  if (cursor) {
    const value = decodeCursor(kind, cursor);
    if (value === undefined) return undefined;
    const sep = value.indexOf(':');
    const index = Number(value.slice(0, sep));
    const id = value.slice(sep + 1);
    if (sep < 0 || !Number.isInteger(index) || index < 0) return undefined;
    if (items[index] !== undefined && idOf(items[index]) === id) start = index;
    else {
      const found = items.findIndex((it) => idOf(it) === id);
      start = found >= 0 ? found : Math.min(index, items.length);
    }
  }
  const page = items.slice(start, start + limit);
  const nextIndex = start + page.length;
  const next = items[nextIndex];
  return {
    items: page,
    next_cursor: next === undefined ? '' : encodeCursor(kind, `${nextIndex}:${idOf(next)}`),
  };
}

// ---------------------------------------------------------------------------------------------
// Lookups

export function isMember(conv: Conversation, userId: string): boolean {
  return conv.members.includes(userId);
}

export function addMember(conv: Conversation, userId: string): boolean {
  if (conv.members.includes(userId)) return false;
  conv.members.push(userId);
  return true;
}

export function removeMember(conv: Conversation, userId: string): boolean {
  const i = conv.members.indexOf(userId);
  if (i < 0) return false;
  conv.members.splice(i, 1);
  return true;
}

export function conversationByName(state: SlackState, name: string): Conversation | undefined {
  const wanted = name.replace(/^#/, '').toLowerCase();
  for (const conv of state.conversations.values()) {
    if (!conv.is_im && !conv.is_mpim && conv.name === wanted) return conv;
  }
  return undefined;
}

/** A conversation by id, `#name` or bare name. */
export function resolveConversation(state: SlackState, ref: string): Conversation | undefined {
  if (!ref) return undefined;
  return state.conversations.get(ref) ?? conversationByName(state, ref);
}

/** A user by id, `@name`, name, display name or email. */
export function resolveUser(state: SlackState, ref: string): SlackUser | undefined {
  if (!ref) return undefined;
  const byId = state.users.get(ref);
  if (byId) return byId;
  const wanted = ref.replace(/^@/, '').toLowerCase();
  for (const u of state.users.values()) {
    if (
      u.name.toLowerCase() === wanted ||
      u.profile.email?.toLowerCase() === wanted ||
      u.profile.display_name.toLowerCase() === wanted ||
      u.real_name.toLowerCase() === wanted
    ) {
      return u;
    }
  }
  return undefined;
}

export function userByEmail(state: SlackState, email: string): SlackUser | undefined {
  const wanted = email.trim().toLowerCase();
  for (const u of state.users.values()) if (u.profile.email?.toLowerCase() === wanted) return u;
  return undefined;
}

/** The DM between two users, if one is open. */
export function findIm(state: SlackState, a: string, b: string): Conversation | undefined {
  for (const conv of state.conversations.values()) {
    if (!conv.is_im) continue;
    if (a === b ? conv.members.length === 1 && conv.members[0] === a : conv.members.includes(a) && conv.members.includes(b)) {
      return conv;
    }
  }
  return undefined;
}

/** The DM between two users, opened if it does not exist yet. */
export function ensureIm(state: SlackState, a: string, b: string, nowSec: number): { conv: Conversation; created: boolean } {
  const existing = findIm(state, a, b);
  if (existing) return { conv: existing, created: false };
  const conv = blankConversation(newId(state, 'D'), '', a, nowSec);
  conv.is_im = true;
  conv.is_private = true;
  conv.members = a === b ? [a] : [a, b];
  conv.user = b;
  state.conversations.set(conv.id, conv);
  return { conv, created: true };
}

export function blankConversation(id: string, name: string, creator: string, createdSec: number): Conversation {
  return {
    id,
    name,
    created: createdSec,
    creator,
    is_channel: false,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: false,
    is_archived: false,
    is_general: false,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    previous_names: [],
    members: [],
    updated: createdSec * 1000,
  };
}

/** Slack's `channel_type` for a conversation, as message events carry it. */
export function channelType(conv: Conversation): 'channel' | 'group' | 'im' | 'mpim' {
  if (conv.is_im) return 'im';
  if (conv.is_mpim) return 'mpim';
  return conv.is_private ? 'group' : 'channel';
}

/** The `types` name conversations.list filters by. */
export function conversationKind(conv: Conversation): 'public_channel' | 'private_channel' | 'im' | 'mpim' {
  if (conv.is_im) return 'im';
  if (conv.is_mpim) return 'mpim';
  return conv.is_private ? 'private_channel' : 'public_channel';
}

/**
 * Check a channel name against Slack's rules: lower-case letters, digits, hyphens and
 * underscores, at most 80 characters.
 *
 * @returns the vendor error code, or `undefined` when the name is valid.
 */
export function channelNameError(name: string): string | undefined {
  if (name.length === 0) return 'invalid_name_required';
  if (name.length > 80) return 'invalid_name_maxlength';
  if (/^[-_]+$/.test(name)) return 'invalid_name_punctuation';
  if (!/^[a-z0-9_-]+$/.test(name)) return 'invalid_name_specials';
  return undefined;
}

/** Seconds on the tenant clock. */
export const seconds = (ms: number): number => Math.floor(ms / 1000);

// ---------------------------------------------------------------------------------------------
// Message builders

/** The `rich_text` block Slack clients attach to what a person types. */
export function richTextBlocks(text: string, blockId: string): unknown[] {
  return [
    {
      type: 'rich_text',
      block_id: blockId,
      elements: [{ type: 'rich_text_section', elements: textElements(text) }],
    },
  ];
}

function textElements(text: string): unknown[] {
  const out: unknown[] = [];
  const re = /<@([UW][A-Z0-9]+)>|<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push({ type: 'text', text: text.slice(last, m.index) });
    out.push(m[1] ? { type: 'user', user_id: m[1] } : { type: 'channel', channel_id: m[2] });
    last = m.index + m[0].length;
  }
  if (last < text.length || out.length === 0) out.push({ type: 'text', text: text.slice(last) });
  return out;
}

/** A message as a person posts it from a Slack client. */
export function userMessage(state: SlackState, userId: string, text: string, ts: string, blocks?: unknown[]): SlackMessage {
  const hex = '0123456789abcdef';
  const clientMsgId = [8, 4, 4, 4, 12].map((n) => mint(state, 'cm', n, hex)).join('-');
  return {
    user: userId,
    type: 'message',
    ts,
    client_msg_id: clientMsgId,
    text,
    team: state.team.id,
    blocks: blocks ?? richTextBlocks(text, mint(state, 'blk', 5, MIXED_ALNUM)),
  };
}

// One shared profile per workspace: 100,000 bot messages would otherwise hold 100,000 copies.
// Nothing mutates it, and a renamed app gets a fresh one; snapshots serialise it per message as Slack does.
const sharedProfiles = new WeakMap<SlackState, Record<string, unknown>>();

/** The `bot_profile` Slack attaches to messages the app's bot posts. */
export function botProfile(state: SlackState): Record<string, unknown> {
  const app = state.app;
  const cached = sharedProfiles.get(state);
  if (cached && cached.id === app.bot_id && cached.name === app.name && cached.updated === app.updated) return cached;
  const profile = {
    id: app.bot_id,
    deleted: false,
    name: app.name,
    updated: app.updated,
    app_id: app.app_id,
    icons: {
      image_36: 'https://a.slack-edge.com/80588/img/plugins/app/bot_36.png',
      image_48: 'https://a.slack-edge.com/80588/img/plugins/app/bot_48.png',
      image_72: 'https://a.slack-edge.com/80588/img/plugins/app/service_72.png',
    },
    team_id: state.team.id,
  };
  sharedProfiles.set(state, profile);
  return profile;
}

// ---------------------------------------------------------------------------------------------
// Short-lived credentials

/** Slack's trigger_id lives 3 seconds. */
export const TRIGGER_TTL_MS = 3000;

/** A trigger_id for an interaction by `userId`, valid for 3 s on the tenant clock. */
export function mintTrigger(state: SlackState, userId: string, nowMs: number, viewId?: string): string {
  // Expired triggers are only kept a minute, so the map stays small.
  for (const [id, t] of state.triggers) if (t.expires_at < nowMs - 60_000) state.triggers.delete(id);
  const id = `${derivedDigits([state.team.id, 'trig1', state.counters.mint], 11)}.${derivedDigits([state.team.id, 'trig2', state.counters.mint], 9)}.${mint(state, 'trigger', 32, '0123456789abcdef')}`;
  state.triggers.set(id, { user_id: userId, expires_at: nowMs + TRIGGER_TTL_MS, used: false, view_id: viewId });
  return id;
}

/** response_url lives 30 minutes and takes 5 posts. */
export const RESPONSE_URL_TTL_MS = 30 * 60_000;
export const RESPONSE_URL_USES = 5;

/** A response_url for a slash command or interaction. */
export function mintResponseUrl(
  state: SlackState,
  secrets: TenantSecrets,
  baseUrl: string,
  fields: { channel: string; user: string; message_ts?: string; ephemeral?: boolean },
  nowMs: number,
): string {
  for (const [id, r] of state.responseUrls) if (r.expires_at < nowMs - 60_000) state.responseUrls.delete(id);
  const id = derivedDigits([state.team.id, 'cmd', ++state.counters.mint], 13);
  // The URL is a bearer credential: its secret is random, and the kernel finds the workspace by it.
  const secret = secrets.mint('response-url');
  state.responseUrls.set(id, { id, secret, expires_at: nowMs + RESPONSE_URL_TTL_MS, uses: 0, ...fields });
  return `${baseUrl}/commands/${state.team.id}/${id}/${secret}`;
}

// ---------------------------------------------------------------------------------------------
// Snapshots

/** A record in a snapshot: a JSON object (anything else is refused). */
function record<T>(value: unknown, what: string): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${what} must be an object`);
  return value as T;
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new TypeError(`${what} must be a list of strings`);
  return value as string[];
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string`);
  return value;
}

/** A conversation's messages from a snapshot: every ts its lists name must be one of its messages. */
function restoreChannelLog(value: unknown, channel: string): ChannelLog {
  const log = record<Record<string, unknown>>(value, `messages.${channel}`);
  const byTs = JsonMap.fromJSON(log.byTs, `messages.${channel}.byTs`, (m, ts) => record<SlackMessage>(m, `messages.${channel}.byTs.${ts}`));
  const threads = JsonMap.fromJSON(log.threads, `messages.${channel}.threads`, (list, ts) =>
    stringList(list, `messages.${channel}.threads.${ts}`),
  );
  const order = stringList(log.order, `messages.${channel}.order`);
  for (const ts of [...order, ...[...threads.values()].flat()]) {
    if (!byTs.has(ts)) throw new TypeError(`messages.${channel} lists ts ${JSON.stringify(ts)}, which is none of its messages`);
  }
  return { order, byTs, threads };
}

/**
 * A workspace from its snapshot JSON (what `JSON.stringify(state)` wrote): every record keyed by
 * id, ts or name becomes a JsonMap again. Throws a TypeError naming the first part that is not in
 * the state's shape, before anything is built for the tenant.
 */
export function restoreSlackState(json: unknown): SlackState {
  const s = record<Record<string, unknown>>(json, 'the state');
  if (s.version !== 1) throw new TypeError(`state version ${JSON.stringify(s.version)} is not 1`);
  const app = record<Record<string, unknown>>(s.app, 'app');
  if (!Array.isArray(s.ephemeral)) throw new TypeError('ephemeral must be a list');
  const counters = record<SlackState['counters']>(s.counters, 'counters');
  return {
    ...(s as unknown as SlackState),
    tenantId: text(s.tenantId, 'tenantId'),
    idTag: text(s.idTag, 'idTag'),
    team: record<SlackTeam>(s.team, 'team'),
    app: {
      ...(app as unknown as SlackApp),
      slash_commands: JsonMap.fromJSON(app.slash_commands, 'app.slash_commands', (url, name) => text(url, `app.slash_commands.${name}`)),
    },
    users: JsonMap.fromJSON(s.users, 'users', (v, id) => record<SlackUser>(v, `users.${id}`)),
    tokens: JsonMap.fromJSON(s.tokens, 'tokens', (v, id) => record<SlackToken>(v, `tokens.${id.slice(0, 4)}…`)),
    conversations: JsonMap.fromJSON(s.conversations, 'conversations', (v, id) => {
      const conv = record<Conversation>(v, `conversations.${id}`);
      stringList(conv.members, `conversations.${id}.members`);
      return conv;
    }),
    messages: JsonMap.fromJSON(s.messages, 'messages', restoreChannelLog),
    ephemeral: s.ephemeral as EphemeralMessage[],
    scheduled: JsonMap.fromJSON(s.scheduled, 'scheduled', (v, id) => record<ScheduledMessage>(v, `scheduled.${id}`)),
    files: JsonMap.fromJSON(s.files, 'files', (v, id) => record<SlackFile>(v, `files.${id}`)),
    views: JsonMap.fromJSON(s.views, 'views', (v, id) => record<SlackView>(v, `views.${id}`)),
    home: JsonMap.fromJSON(s.home, 'home', (v, user) => text(v, `home.${user}`)),
    modals: JsonMap.fromJSON(s.modals, 'modals', (v, user) => stringList(v, `modals.${user}`)),
    oauthCodes: JsonMap.fromJSON(s.oauthCodes, 'oauthCodes', (v) => record<OAuthCode>(v, 'an oauth code')),
    triggers: JsonMap.fromJSON(s.triggers, 'triggers', (v) => record<TriggerRecord>(v, 'a trigger')),
    responseUrls: JsonMap.fromJSON(s.responseUrls, 'responseUrls', (v) => record<ResponseUrlRecord>(v, 'a response_url')),
    pins: JsonMap.fromJSON(s.pins, 'pins', (v, channel) => {
      if (!Array.isArray(v)) throw new TypeError(`pins.${channel} must be a list`);
      return v.map((p) => record<PinRecord>(p, `a pin in ${channel}`));
    }),
    counters,
  };
}
