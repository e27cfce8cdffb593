// The Slack twin's own control-plane routes: configure the app, make people act (with the events Slack would send), and observe.

import { JsonMap } from '../../src/kernel/records.ts';
import { type ControlContext, type ControlRoute, TwinError } from '../../src/kernel/types.ts';
import { emitEvent, recentEvents, redeliverEvent, SLACK_TIMEOUT_MS, type SlackEnv, verifyRequestUrl } from './events.ts';
import { controlError, openAppHome, runBlockAction, runSlashCommand, runViewSubmission } from './interactivity.ts';
import { addReaction, eventTs, joinConversation, leaveConversation, postMessage, reactionName, removeReaction } from './messaging.ts';
import { archiveChannel, createChannel } from './operations/conversations.ts';
import { renderConversation, renderUser, renderView } from './render.ts';
import { buildUser } from './seed.ts';
import {
  type Conversation,
  channelNameError,
  ensureIm,
  findMessage,
  newId,
  resolveConversation,
  resolveUser,
  type SlackMessage,
  type SlackState,
  type SlackUser,
  seconds,
} from './store.ts';

type Ctx = ControlContext<SlackState>;

const FULL_ACCESS = { token: '', tokenType: 'none' as const, userId: '', appId: '', scopes: ['users:read.email'] };

function s(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function strings(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string')
    return v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  return undefined;
}

/** A person (or the app's bot, as `bot`) by id, name, display name or email. */
export function personRef(state: SlackState, ref: unknown, field = 'user'): SlackUser {
  const r = s(ref);
  if (!r) throw controlError(400, 'invalid_argument', `"${field}" is required: a user id, name or email`);
  const user = ['bot', '@bot', 'app', '@app'].includes(r.toLowerCase()) ? state.users.get(state.app.bot_user_id) : resolveUser(state, r);
  if (!user) throw controlError(404, 'user_not_found', `no user "${r}" in workspace ${state.team.id}`);
  return user;
}

/** A conversation by id or `#name`, or a DM when the reference names a person (the DM between `actor` and them). */
export function conversationRef(state: SlackState, ref: unknown, actor?: SlackUser, nowMs = 0): Conversation {
  const r = s(ref);
  if (!r) throw controlError(400, 'invalid_argument', '"channel" is required: an id or #name');
  const conv = resolveConversation(state, r);
  if (conv) return conv;
  if (actor) {
    const lowered = r.toLowerCase();
    const other = ['bot', '@bot', 'app', '@app'].includes(lowered) ? state.users.get(state.app.bot_user_id) : resolveUser(state, r);
    if (other) return ensureIm(state, actor.id, other.id, seconds(nowMs)).conv;
  }
  throw controlError(404, 'channel_not_found', `no conversation "${r}" in workspace ${state.team.id}`);
}

function env(ctx: Ctx): SlackEnv {
  return { tenant: ctx.tenant, deliver: ctx.deliver, baseUrl: ctx.baseUrl };
}

/** The app as the control plane shows it, with the tokens an app needs. */
function appView(state: SlackState) {
  const tokens = [...state.tokens.values()].filter((t) => !t.revoked);
  return {
    ...state.app,
    team: { id: state.team.id, name: state.team.name, domain: state.team.domain },
    bot_token: tokens.find((t) => t.type === 'bot')?.token ?? null,
    user_token: tokens.find((t) => t.type === 'user')?.token ?? null,
  };
}

/** A URL the twin may send to: http(s) only, so a stored command or callback URL is one fetch can use. */
function httpUrl(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw controlError(400, 'invalid_argument', `"${field}" must be an http(s) URL`);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw controlError(400, 'invalid_argument', `"${field}" must be an http(s) URL, got ${JSON.stringify(v.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw controlError(400, 'invalid_argument', `"${field}" must be an http(s) URL, got ${JSON.stringify(v.slice(0, 200))}`);
  return v;
}

/** A list of strings (or one comma-separated string), refused when anything else. */
function stringsArg(v: unknown, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.map((x) => x.trim()).filter(Boolean);
  if (typeof v === 'string') return strings(v);
  throw controlError(400, 'invalid_argument', `"${field}" must be a list of strings or one comma-separated string`);
}

/** The app's new slash commands from `{"/command": url}`, every one checked; a name is stored with its slash. */
function slashCommandsArg(v: unknown): Map<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw controlError(400, 'invalid_argument', '"slash_commands" must be an object of "/command": url');
  const commands = new Map<string, string>();
  // Object.entries reads own keys only: "__proto__" or "constructor" is just an odd command name here.
  for (const [name, url] of Object.entries(v)) {
    const command = name.startsWith('/') ? name : `/${name}`;
    if (!/^\/[^\s/]{1,32}$/.test(command))
      throw controlError(
        400,
        'invalid_argument',
        `slash command ${JSON.stringify(name.slice(0, 40))} must be "/" and 1 to 32 characters without spaces`,
      );
    commands.set(command, httpUrl(url, `slash_commands.${command}`));
  }
  return commands;
}

/**
 * POST /_twin/slack/app: configure the app. The whole body is checked first and applied only
 * when all of it is good, so a 4xx leaves the app as it was.
 */
async function configureApp(ctx: Ctx) {
  const b = ctx.body;
  // Check everything.
  const interactivity =
    b.interactivity_url === undefined || b.interactivity_url === '' || b.interactivity_url === null
      ? b.interactivity_url
      : httpUrl(b.interactivity_url, 'interactivity_url');
  const commands = b.slash_commands === undefined ? undefined : slashCommandsArg(b.slash_commands);
  const subs = stringsArg(b.event_subscriptions, 'event_subscriptions');
  let delays: number[] | undefined;
  if (b.retry_delays_ms !== undefined) {
    delays = (Array.isArray(b.retry_delays_ms) ? b.retry_delays_ms : (strings(b.retry_delays_ms) ?? [null])).map((d) =>
      typeof d === 'number' || (typeof d === 'string' && d.trim() !== '') ? Number(d) : Number.NaN,
    );
    if (delays.length > 10 || delays.some((d) => !Number.isFinite(d) || d < 0 || d > 3_600_000))
      throw controlError(400, 'invalid_argument', '"retry_delays_ms" must be a list of at most 10 numbers from 0 to 3600000');
  }
  const redirects = stringsArg(b.redirect_urls, 'redirect_urls');
  const scopes = stringsArg(b.bot_scopes, 'bot_scopes');
  const userScopes = stringsArg(b.user_scopes, 'user_scopes');
  if (b.name !== undefined && (typeof b.name !== 'string' || b.name.length > 80))
    throw controlError(400, 'invalid_argument', '"name" must be text of at most 80 characters');
  const requestUrl =
    b.request_url === undefined || b.request_url === '' || b.request_url === null ? undefined : httpUrl(b.request_url, 'request_url');

  // Then apply it.
  const { state } = ctx.tenant;
  const app = state.app;
  if (b.interactivity_url !== undefined) app.interactivity_url = s(interactivity);
  if (commands) {
    if (bool(b.replace_commands)) app.slash_commands.clear();
    for (const [name, url] of commands) app.slash_commands.set(name, url);
  }
  if (subs) app.event_subscriptions = subs;
  if (delays) app.retry_delays_ms = delays;
  if (redirects) app.redirect_urls = redirects;
  if (scopes) {
    app.bot_scopes = scopes;
    for (const t of state.tokens.values()) if (t.type === 'bot') t.scopes = [...scopes];
  }
  if (userScopes) for (const t of state.tokens.values()) if (t.type === 'user') t.scopes = [...userScopes];
  if (s(b.name)) app.name = String(b.name);
  let verification: Record<string, unknown> | undefined;
  if (b.request_url !== undefined) {
    const url = requestUrl;
    app.request_url = url;
    app.url_verified = false;
    if (url && b.verify !== false && b.verify !== 'false') {
      const result = await verifyRequestUrl(env(ctx), url);
      // The state may have been replaced while waiting (restore); write to the live one.
      ctx.tenant.state.app.url_verified = result.verified && ctx.tenant.state.app.request_url === url;
      verification = {
        verified: result.verified,
        status: result.status ?? null,
        reason: result.reason ?? null,
        delivery_id: result.delivery.id,
      };
    } else if (url) {
      app.url_verified = true;
      verification = { verified: true, skipped: true };
    }
  }
  ctx.reindexCredentials();
  return { app: appView(ctx.tenant.state), ...(verification ? { verification } : {}) };
}

function createUser(ctx: Ctx) {
  const { state } = ctx.tenant;
  const b = ctx.body;
  let first = s(b.first_name);
  let last = s(b.last_name);
  const realName = s(b.real_name) ?? s(b.name);
  if (!first && realName) [first, last] = [realName.split(' ')[0], realName.split(' ').slice(1).join(' ')];
  if (!first) throw controlError(400, 'invalid_argument', 'give "real_name" (or "first_name"/"last_name") for the new user');
  const email = s(b.email);
  if (email && [...state.users.values()].some((u) => u.profile.email?.toLowerCase() === email.toLowerCase())) {
    throw controlError(409, 'email_taken', `a user with email ${email} already exists`);
  }
  const user = buildUser(state, {
    id: newId(state, 'U'),
    first,
    last: last ?? '',
    email,
    title: s(b.title),
    updated: seconds(ctx.tenant.clock.now()),
    admin: bool(b.is_admin),
  });
  if (s(b.username)) user.name = String(b.username);
  if (s(b.display_name)) user.profile.display_name = String(b.display_name);
  state.users.set(user.id, user);
  // Everyone joins #general, as in Slack.
  const general = [...state.conversations.values()].find((c) => c.is_general);
  emitEvent(env(ctx), { type: 'team_join', user: renderUser(user, FULL_ACCESS), event_ts: eventTs(env(ctx)) });
  if (general && !general.is_archived) joinConversation(env(ctx), general, user.id);
  return { user: renderUser(user, FULL_ACCESS) };
}

function updateUser(ctx: Ctx) {
  const { state } = ctx.tenant;
  const user = personRef(state, ctx.params.user);
  const b = ctx.body;
  if (b.deleted !== undefined) user.deleted = bool(b.deleted);
  if (b.is_admin !== undefined) user.is_admin = bool(b.is_admin);
  if (s(b.real_name)) user.real_name = user.profile.real_name = String(b.real_name);
  if (s(b.email)) user.profile.email = String(b.email);
  for (const key of ['title', 'display_name', 'status_text', 'status_emoji', 'phone']) {
    if (typeof b[key] === 'string') user.profile[key] = b[key];
  }
  user.updated = seconds(ctx.tenant.clock.now());
  emitEvent(env(ctx), { type: 'user_change', user: renderUser(user, FULL_ACCESS), cache_ts: user.updated, event_ts: eventTs(env(ctx)) });
  return { user: renderUser(user, FULL_ACCESS) };
}

function createChannelAct(ctx: Ctx) {
  const { state } = ctx.tenant;
  const b = ctx.body;
  const name = (s(b.name) ?? '').replace(/^#/, '');
  const error = channelNameError(name);
  if (error) throw controlError(400, error, `"${name}" is not a valid channel name (lower-case letters, digits, - and _, at most 80)`);
  if (resolveConversation(state, `#${name}`)) throw controlError(409, 'name_taken', `#${name} already exists`);
  const owner = [...state.users.values()].find((u) => u.is_primary_owner) as SlackUser;
  const creator = b.creator !== undefined ? personRef(state, b.creator, 'creator') : owner;
  // Every member is resolved before the channel exists: a 4xx for an unknown person changes nothing.
  const memberRefs = strings(b.members) ?? [];
  if (bool(b.bot)) memberRefs.push('bot');
  const memberIds = memberRefs.map((ref) => personRef(state, ref, 'members').id);
  const e = env(ctx);
  const conv = createChannel(e, name, creator.id, { private: bool(b.private) || bool(b.is_private) });
  for (const id of memberIds) joinConversation(e, conv, id, creator.id);
  if (s(b.topic)) conv.topic = { value: String(b.topic), creator: creator.id, last_set: seconds(ctx.tenant.clock.now()) };
  if (s(b.purpose)) conv.purpose = { value: String(b.purpose), creator: creator.id, last_set: seconds(ctx.tenant.clock.now()) };
  if (bool(b.archived)) archiveChannel(e, conv, creator.id);
  return { channel: { ...renderConversation(state, conv, creator.id, { numMembers: true }), members: [...conv.members] } };
}

/** A person posts a message; in a public channel they are not in, they join first (with its events). */
function actMessage(ctx: Ctx) {
  const { state } = ctx.tenant;
  const b = ctx.body;
  const user = personRef(state, b.user);
  const conv = conversationRef(state, b.channel, user, ctx.tenant.clock.now());
  if (conv.is_archived) throw controlError(409, 'is_archived', `${conv.name || conv.id} is archived`);
  // Checked before the person joins, so that a refused message leaves no join behind.
  let blocks: unknown = b.blocks;
  if (typeof b.blocks === 'string') {
    try {
      blocks = JSON.parse(b.blocks) as unknown;
    } catch {
      throw controlError(400, 'invalid_blocks', '"blocks" is text that is not JSON; send the blocks array itself');
    }
  }
  const hasText = typeof b.text === 'string' && b.text.trim() !== '';
  if (!hasText && !(Array.isArray(blocks) && blocks.length > 0))
    throw controlError(400, 'no_text', 'give the message "text" (or non-empty "blocks")');
  const e = env(ctx);
  if (!conv.members.includes(user.id)) {
    if (conv.is_private || conv.is_im || conv.is_mpim)
      throw controlError(409, 'not_in_channel', `${user.name} is not a member of ${conv.name || conv.id}`);
    joinConversation(e, conv, user.id);
  }
  const { message } = postMessage(
    e,
    conv,
    { userId: user.id, asBot: user.id === state.app.bot_user_id },
    { text: b.text, blocks },
    { thread_ts: s(b.thread_ts), reply_broadcast: bool(b.reply_broadcast) },
  );
  return { channel: conv.id, ts: message.ts, message };
}

function messageIn(state: SlackState, conv: Conversation, ts: unknown) {
  const message = findMessage(state, conv.id, s(ts) ?? '');
  if (!message) throw controlError(404, 'message_not_found', `no message ${String(ts)} in ${conv.name || conv.id}`);
  return message;
}

function actReaction(ctx: Ctx) {
  const { state } = ctx.tenant;
  const b = ctx.body;
  const user = personRef(state, b.user);
  const conv = conversationRef(state, b.channel, user, ctx.tenant.clock.now());
  const message = messageIn(state, conv, b.ts ?? b.timestamp);
  const name = reactionName(b.name ?? b.reaction);
  if (!name) throw controlError(400, 'invalid_name', `"${String(b.name)}" is not an emoji name`);
  if (bool(b.remove)) removeReaction(env(ctx), conv, message, user.id, name);
  else addReaction(env(ctx), conv, message, user.id, name);
  return { channel: conv.id, ts: message.ts, reactions: message.reactions ?? [] };
}

function actJoin(ctx: Ctx) {
  const { state } = ctx.tenant;
  const user = personRef(state, ctx.body.user);
  const conv = conversationRef(state, ctx.body.channel);
  if (conv.is_im) throw controlError(400, 'invalid_argument', 'cannot join a DM');
  const joined = joinConversation(
    env(ctx),
    conv,
    user.id,
    s(ctx.body.inviter) ? personRef(state, ctx.body.inviter, 'inviter').id : undefined,
  );
  return { channel: conv.id, joined };
}

function actLeave(ctx: Ctx) {
  const { state } = ctx.tenant;
  const user = personRef(state, ctx.body.user);
  const conv = conversationRef(state, ctx.body.channel);
  return { channel: conv.id, left: leaveConversation(env(ctx), conv, user.id) };
}

/** A person archives a channel (channel_archive, for public ones); nobody can post in it afterwards. */
function actArchive(ctx: Ctx) {
  const { state } = ctx.tenant;
  const user = personRef(state, ctx.body.user);
  const conv = conversationRef(state, ctx.body.channel);
  if (conv.is_im || conv.is_mpim) throw controlError(400, 'method_not_supported_for_channel_type', 'only channels can be archived');
  if (conv.is_general) throw controlError(409, 'cant_archive_general', `#${conv.name} is the workspace's general channel`);
  if (conv.is_archived) throw controlError(409, 'already_archived', `#${conv.name} is already archived`);
  archiveChannel(env(ctx), conv, user.id);
  return { channel: conv.id, archived: true };
}

const REDELIVERY_REASONS = new Set(['http_timeout', 'http_error', 'connection_failed', 'unknown_error']);

/**
 * Slack sends an event it already sent once more (or `times` more), as it retries when an
 * answer came too late: the same body and event_id, with X-Slack-Retry-Num. The newest event
 * of `event_type` (or the one named by `event_id`) that a person caused is picked; the app's own
 * messages echoing back are skipped unless `include_app`. Each redelivery waits for the
 * previous attempt's answer first, so it arrives after the original, as Slack's retries do.
 */
async function actRedeliver(ctx: Ctx) {
  const { state } = ctx.tenant;
  const b = ctx.body;
  const eventId = s(b.event_id);
  const eventType = s(b.event_type);
  const times = b.times === undefined ? 1 : Number(b.times);
  if (!Number.isInteger(times) || times < 1 || times > 10)
    throw controlError(400, 'invalid_argument', '"times" must be a whole number from 1 to 10');
  const reason = s(b.reason) ?? 'http_timeout';
  if (!REDELIVERY_REASONS.has(reason))
    throw controlError(400, 'invalid_argument', `"reason" must be one of ${[...REDELIVERY_REASONS].join(', ')}`);
  const sent = recentEvents(state);
  const found = [...sent]
    .reverse()
    .find((e) => (eventId ? e.eventId === eventId : (!eventType || e.type === eventType) && (bool(b.include_app) || !e.byApp)));
  if (!found) {
    const types = [...new Set(sent.map((e) => e.type))];
    const what = eventId ? `event ${eventId}` : `${eventType ? `"${eventType}" ` : ''}event caused by a person`;
    const seen = types.length ? `recent event types: ${types.join(', ')}` : 'it has been sent no events yet';
    throw controlError(404, 'event_not_found', `no ${what} was sent to the app in this workspace (${seen})`);
  }
  const e = env(ctx);
  // A retry follows the attempt it retries: wait (bounded) for the original's first answer.
  const deadline = Date.now() + SLACK_TIMEOUT_MS + 2000;
  while (found.delivery.attempts.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const deliveries: Record<string, unknown>[] = [];
  for (let i = 0; i < times; i++) {
    const { delivery, retryNum, answered } = redeliverEvent(e, found, reason);
    const answer = await answered;
    deliveries.push({ id: delivery.id, retry_num: retryNum, status: answer.answer?.status ?? null, reason: answer.reason ?? null });
  }
  return { event_id: found.eventId, event_type: found.type, original: found.delivery.id, deliveries };
}

async function actSlashCommand(ctx: Ctx) {
  const { state } = ctx.tenant;
  const b = ctx.body;
  const user = personRef(state, b.user);
  const conv = conversationRef(state, b.channel, user, ctx.tenant.clock.now());
  const command = s(b.command);
  if (!command) throw controlError(400, 'invalid_argument', '"command" is required, e.g. "/incident"');
  return runSlashCommand(env(ctx), user, conv, command, typeof b.text === 'string' ? b.text : '');
}

async function actBlockAction(ctx: Ctx) {
  const { state } = ctx.tenant;
  const b = ctx.body;
  const user = personRef(state, b.user);
  const actionId = s(b.action_id);
  if (!actionId) throw controlError(400, 'invalid_argument', '"action_id" is required');
  const viewId = s(b.view_id);
  if (viewId) {
    const view = state.views.get(viewId);
    if (!view) throw controlError(404, 'view_not_found', `no view ${viewId}`);
    return runBlockAction(env(ctx), {
      user,
      action_id: actionId,
      value: b.value,
      block_id: s(b.block_id),
      view,
      selected_option: b.selected_option,
    });
  }
  const conv = conversationRef(state, b.channel, user, ctx.tenant.clock.now());
  return runBlockAction(env(ctx), {
    user,
    action_id: actionId,
    value: b.value,
    block_id: s(b.block_id),
    conv,
    message_ts: s(b.message_ts ?? b.ts),
    selected_option: b.selected_option,
  });
}

async function actViewSubmission(ctx: Ctx) {
  const { state } = ctx.tenant;
  const b = ctx.body;
  const user = personRef(state, b.user);
  let view = s(b.view_id) ? state.views.get(String(b.view_id)) : undefined;
  const open = (state.modals.get(user.id) ?? []).map((id) => state.views.get(id)).filter((v) => v !== undefined);
  if (!view && s(b.external_id)) view = [...state.views.values()].find((v) => v.external_id === b.external_id && !v.closed);
  if (!view && s(b.callback_id)) view = [...open].reverse().find((v) => v.callback_id === b.callback_id);
  view ??= open[open.length - 1];
  if (!view || view.closed) throw controlError(404, 'view_not_found', `${user.name} has no open modal to submit`);
  return runViewSubmission(env(ctx), user, view, b.values ?? b.state);
}

function actAppHome(ctx: Ctx) {
  const { state } = ctx.tenant;
  const user = personRef(state, ctx.body.user);
  const tab = ctx.body.tab === 'messages' ? 'messages' : 'home';
  return openAppHome(env(ctx), user, tab);
}

function observeMessages(ctx: Ctx) {
  const { state } = ctx.tenant;
  const conv = conversationRef(state, ctx.query.channel);
  // A conversation nobody has written in has no log yet; reading it must not make one.
  const log = state.messages.get(conv.id) ?? { order: [], byTs: new JsonMap<SlackMessage>(), threads: new JsonMap<string[]>() };
  const limit = Math.max(1, Number(ctx.query.limit ?? 1000) || 1000);
  const threadTs = s(ctx.query.thread_ts);
  const byTs = (ts: string) => log.byTs.get(ts) as SlackMessage;
  let messages: SlackMessage[];
  if (threadTs) {
    const parent = log.byTs.get(threadTs);
    messages = [...(parent ? [parent] : []), ...(log.threads.get(threadTs) ?? []).map(byTs)];
  } else {
    messages = log.order.slice(-limit).map(byTs);
  }
  return { channel: conv.id, name: conv.name, messages: structuredClone(messages.slice(-limit)) };
}

function observeEphemeral(ctx: Ctx) {
  const { state } = ctx.tenant;
  const conv = s(ctx.query.channel) ? conversationRef(state, ctx.query.channel) : undefined;
  const user = s(ctx.query.user) ? personRef(state, ctx.query.user) : undefined;
  // Each entry is the message itself plus where it showed and to whom (`recipient`); `user` stays its author.
  const messages = state.ephemeral
    .filter((e) => (!conv || e.channel === conv.id) && (!user || e.user === user.id))
    .map((e) => ({
      ...structuredClone(e.message),
      channel: e.channel,
      recipient: e.user,
      ...(e.thread_ts ? { thread_ts: e.thread_ts } : {}),
    }));
  return { messages };
}

function observeViews(ctx: Ctx) {
  const { state } = ctx.tenant;
  const user = s(ctx.query.user) ? personRef(state, ctx.query.user) : undefined;
  const views = [...state.views.values()]
    .filter((v) => (!user || v.user_id === user.id) && (!s(ctx.query.type) || v.type === ctx.query.type))
    .map((v) => ({ ...renderView(v), user_id: v.user_id, closed: v.closed, errors: v.errors ?? null }));
  return { views, modals: structuredClone(state.modals.toJSON()), home: structuredClone(state.home.toJSON()) };
}

/**
 * Acts reuse the Web API's behaviour, whose failures are Slack-shaped (HTTP 200, ok:false); a
 * control call that fails must not look like success, so those become 409s in the control
 * plane's shape.
 */
function guard(handler: (ctx: Ctx) => unknown): (ctx: Ctx) => Promise<unknown> {
  return async (ctx) => {
    try {
      return await handler(ctx);
    } catch (err) {
      if (err instanceof TwinError && err.response.status === 200 && typeof err.response.body === 'string') {
        const body = JSON.parse(err.response.body) as { error?: string };
        throw controlError(409, body.error ?? 'slack_error', `Slack would answer ${body.error}`);
      }
      throw err;
    }
  };
}

/** Every Slack-specific control route, mounted under /_twin/. */
export const slackControlRoutes: ControlRoute<SlackState>[] = [
  { method: 'GET', path: 'slack/app', handler: (ctx) => ({ app: appView(ctx.tenant.state) }) },
  { method: 'POST', path: 'slack/app', handler: guard(configureApp) },
  { method: 'POST', path: 'slack/users', handler: guard(createUser) },
  { method: 'POST', path: 'slack/users/:user', handler: guard(updateUser) },
  { method: 'POST', path: 'slack/channels', handler: guard(createChannelAct) },
  { method: 'POST', path: 'slack/act/message', handler: guard(actMessage) },
  { method: 'POST', path: 'slack/act/reaction', handler: guard(actReaction) },
  { method: 'POST', path: 'slack/act/join', handler: guard(actJoin) },
  { method: 'POST', path: 'slack/act/leave', handler: guard(actLeave) },
  { method: 'POST', path: 'slack/act/archive', handler: guard(actArchive) },
  { method: 'POST', path: 'slack/act/redeliver', handler: guard(actRedeliver) },
  { method: 'POST', path: 'slack/act/slash-command', handler: guard(actSlashCommand) },
  { method: 'POST', path: 'slack/act/block-action', handler: guard(actBlockAction) },
  { method: 'POST', path: 'slack/act/view-submission', handler: guard(actViewSubmission) },
  { method: 'POST', path: 'slack/act/app-home-opened', handler: guard(actAppHome) },
  { method: 'GET', path: 'slack/messages', handler: observeMessages },
  { method: 'GET', path: 'slack/ephemeral', handler: observeEphemeral },
  { method: 'GET', path: 'slack/views', handler: observeViews },
];
