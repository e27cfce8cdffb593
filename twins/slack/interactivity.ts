// Slash commands, block actions and view submissions: what Slack sends the app when a person acts, and what it does with the app's answers.

import { json, TwinError } from '../../src/kernel/types.ts';
import { emitEvent, type FirstAnswer, postForm, postInteraction, type SlackEnv } from './events.ts';
import { buildMessage, deleteMessage, eventTs, postMessage, updateMessage } from './messaging.ts';
import { applyView, closeModals, createView } from './operations/views.ts';
import { renderView } from './render.ts';
import {
  type Conversation,
  type EphemeralMessage,
  ensureIm,
  findMessage,
  mintResponseUrl,
  mintTrigger,
  nextTs,
  type SlackMessage,
  type SlackState,
  type SlackUser,
  type SlackView,
  seconds,
} from './store.ts';

/** A control-plane failure in the control plane's own shape. */
export function controlError(status: number, code: string, message: string): TwinError {
  return new TwinError(json(status, { error: { code, message } }), message);
}

/** The `user` object interaction payloads carry. */
function payloadUser(state: SlackState, user: SlackUser): Record<string, unknown> {
  return { id: user.id, username: user.name, name: user.name, team_id: state.team.id };
}

/** What the app asked for in a message answer (slash command reply, response_url post). */
export interface AppMessage {
  text?: unknown;
  blocks?: unknown;
  attachments?: unknown;
  response_type?: unknown;
  replace_original?: unknown;
  delete_original?: unknown;
  thread_ts?: unknown;
}

const yes = (v: unknown): boolean => v === true || v === 'true' || v === 1 || v === '1';

/** Add an ephemeral message only `user` sees. */
export function addEphemeral(state: SlackState, channel: string, user: string, message: SlackMessage, threadTs?: string): EphemeralMessage {
  const entry: EphemeralMessage = { channel, user, ts: message.ts, message };
  if (threadTs) entry.thread_ts = threadTs;
  state.ephemeral.push(entry);
  return entry;
}

export interface AppliedMessage {
  kind: 'ephemeral' | 'in_channel' | 'replaced' | 'deleted' | 'none';
  ts?: string;
}

/**
 * Apply a message the app sent through a response_url or as a slash command's answer:
 * ephemeral to the user by default, `in_channel` as the bot, or replacing/deleting the message
 * the interaction came from.
 */
export function applyAppMessage(
  env: SlackEnv,
  target: { channel: string; user: string; message_ts?: string; ephemeral?: boolean },
  body: AppMessage,
): AppliedMessage {
  const state = env.tenant.state;
  const now = env.tenant.clock.now();
  const conv = state.conversations.get(target.channel);
  if (!conv) return { kind: 'none' };
  if (yes(body.delete_original) && target.message_ts) {
    if (target.ephemeral) {
      state.ephemeral = state.ephemeral.filter((e) => !(e.channel === conv.id && e.user === target.user && e.ts === target.message_ts));
    } else {
      const original = findMessage(state, conv.id, target.message_ts);
      if (original) deleteMessage(env, conv, original);
    }
    return { kind: 'deleted', ts: target.message_ts };
  }
  if (yes(body.replace_original) && target.message_ts) {
    if (target.ephemeral) {
      const entry = state.ephemeral.find((e) => e.channel === conv.id && e.user === target.user && e.ts === target.message_ts);
      if (entry) {
        if (body.text !== undefined) entry.message.text = String(body.text);
        if (Array.isArray(body.blocks)) entry.message.blocks = body.blocks;
      }
    } else {
      const original = findMessage(state, conv.id, target.message_ts);
      if (original) updateMessage(env, conv, original, state.app.bot_user_id, body);
    }
    return { kind: 'replaced', ts: target.message_ts };
  }
  const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
  if (body.response_type === 'in_channel') {
    const { message } = postMessage(env, conv, { userId: state.app.bot_user_id, asBot: true }, body, {
      thread_ts: threadTs,
      trusted: true,
    });
    return { kind: 'in_channel', ts: message.ts };
  }
  const message = buildMessage(state, { userId: state.app.bot_user_id, asBot: true }, body, nextTs(state, now));
  addEphemeral(state, conv.id, target.user, message, threadTs);
  return { kind: 'ephemeral', ts: message.ts };
}

function parseAnswerBody(answer: FirstAnswer['answer']): AppMessage | string | undefined {
  if (!answer) return undefined;
  const body = answer.body.trim();
  if (!body) return undefined;
  const type = Object.entries(answer.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (type.includes('json') || body.startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (parsed && typeof parsed === 'object') return parsed as AppMessage;
    } catch {
      // Plain text after all.
    }
  }
  return body;
}

/** `channel_name` as slash commands report it. */
function channelName(conv: Conversation): string {
  if (conv.is_im) return 'directmessage';
  return conv.name;
}

export interface SlashCommandResult {
  delivery: unknown;
  status?: number;
  reason?: string;
  error?: string;
  response_url: string;
  trigger_id: string;
  /** What the app's immediate answer became. */
  answer: AppliedMessage & { body?: unknown };
}

/**
 * A person runs a slash command: Slack POSTs a signed form to the command's URL (3 s, no
 * retries); the app's immediate answer becomes an ephemeral message (or an in_channel one,
 * shown together with the command as typed). A failed call leaves Slackbot's error message.
 *
 * Limitations: Slackbot's error text for a failed command (`operation_timeout`,
 * `http_service_error`, `dispatch_failed`) is the twin's approximation.
 */
export async function runSlashCommand(
  env: SlackEnv,
  user: SlackUser,
  conv: Conversation,
  command: string,
  text: string,
): Promise<SlashCommandResult> {
  const state = env.tenant.state;
  const name = command.startsWith('/') ? command : `/${command}`;
  const url = state.app.slash_commands.get(name);
  if (!url)
    throw controlError(
      404,
      'command_not_found',
      `the app has no slash command ${name}; configure it with POST /_twin/slack/app {"slash_commands": {"${name}": "<url>"}}`,
    );
  const now = env.tenant.clock.now();
  const responseUrl = mintResponseUrl(state, env.tenant.secrets, env.baseUrl ?? '', { channel: conv.id, user: user.id }, now);
  const triggerId = mintTrigger(state, user.id, now);
  const form: Record<string, string> = {
    token: state.app.verification_token,
    team_id: state.team.id,
    team_domain: state.team.domain,
    channel_id: conv.id,
    channel_name: channelName(conv),
    user_id: user.id,
    user_name: user.name,
    command: name,
    text,
    api_app_id: state.app.app_id,
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: triggerId,
  };
  const res = await postForm(env, 'slash_command', url, form, { command: name, user: user.id, channel: conv.id });
  const result: SlashCommandResult = {
    delivery: res.delivery,
    status: res.answer?.status,
    reason: res.reason,
    error: res.error,
    response_url: responseUrl,
    trigger_id: triggerId,
    answer: { kind: 'none' },
  };
  const ok = res.answer && res.answer.status >= 200 && res.answer.status < 300;
  if (!ok) {
    const code = res.reason === 'http_timeout' ? 'operation_timeout' : res.answer ? 'http_service_error' : 'dispatch_failed';
    const message = buildMessage(
      state,
      { userId: 'USLACKBOT', asBot: false },
      { text: `${name} failed with the error "${code}"` },
      nextTs(state, env.tenant.clock.now()),
    );
    addEphemeral(state, conv.id, user.id, message);
    result.answer = { kind: 'ephemeral', ts: message.ts, body: { error: code } };
    return result;
  }
  const body = parseAnswerBody(res.answer);
  if (body === undefined) return result;
  const message: AppMessage = typeof body === 'string' ? { text: body } : body;
  if (message.response_type === 'in_channel') {
    // Slack shows the command as the person typed it alongside an in_channel answer.
    postMessage(env, conv, { userId: user.id, asBot: false }, { text: `${name} ${text}`.trim() }, { trusted: true });
  }
  result.answer = { ...applyAppMessage(env, { channel: conv.id, user: user.id }, message), body };
  return result;
}

function requireInteractivity(state: SlackState): string {
  const url = state.app.interactivity_url;
  if (!url)
    throw controlError(
      409,
      'interactivity_not_configured',
      'the app has no interactivity URL; set it with POST /_twin/slack/app {"interactivity_url": "<url>"}',
    );
  return url;
}

/** Find an interactive element by action_id in blocks: its block_id, type and text. */
export function findAction(
  blocks: unknown,
  actionId: string,
): { block_id?: string; type?: string; text?: unknown; value?: unknown } | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks as Record<string, unknown>[]) {
    const candidates: unknown[] = [];
    if (Array.isArray(block.elements)) candidates.push(...block.elements);
    if (block.accessory) candidates.push(block.accessory);
    if (block.element) candidates.push(block.element);
    for (const el of candidates as Record<string, unknown>[]) {
      if (el && el.action_id === actionId)
        return { block_id: block.block_id as string | undefined, type: el.type as string, text: el.text, value: el.value };
    }
  }
  return undefined;
}

export interface BlockActionInput {
  user: SlackUser;
  action_id: string;
  value?: unknown;
  block_id?: string;
  /** A message's button: the conversation and the message ts. */
  conv?: Conversation;
  message_ts?: string;
  /** A button in a modal or the App Home. */
  view?: SlackView;
  /** For select menus: the selected option. */
  selected_option?: unknown;
}

/** A person clicks a button (or picks an option) in a message or a view: Slack POSTs `block_actions`. */
export async function runBlockAction(env: SlackEnv, input: BlockActionInput) {
  const state = env.tenant.state;
  const url = requireInteractivity(state);
  const now = env.tenant.clock.now();
  const { user } = input;
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: payloadUser(state, user),
    api_app_id: state.app.app_id,
    token: state.app.verification_token,
    team: { id: state.team.id, domain: state.team.domain },
    enterprise: null,
    is_enterprise_install: false,
  };
  let blocks: unknown;
  let responseUrl: string | undefined;
  if (input.view) {
    blocks = input.view.blocks;
    payload.container = { type: 'view', view_id: input.view.id };
    payload.trigger_id = mintTrigger(state, user.id, now, input.view.type === 'modal' ? input.view.id : undefined);
    payload.view = renderView(input.view);
  } else if (input.conv && input.message_ts) {
    const conv = input.conv;
    const eph = state.ephemeral.find((e) => e.channel === conv.id && e.user === user.id && e.ts === input.message_ts);
    const message = eph?.message ?? findMessage(state, conv.id, input.message_ts);
    if (!message) throw controlError(404, 'message_not_found', `no message ${input.message_ts} in ${conv.id}`);
    blocks = message.blocks;
    responseUrl = mintResponseUrl(
      state,
      env.tenant.secrets,
      env.baseUrl ?? '',
      { channel: conv.id, user: user.id, message_ts: message.ts, ephemeral: !!eph },
      now,
    );
    payload.container = { type: 'message', message_ts: message.ts, channel_id: conv.id, is_ephemeral: !!eph };
    payload.trigger_id = mintTrigger(state, user.id, now);
    payload.channel = { id: conv.id, name: channelName(conv) };
    payload.message = structuredClone(message);
    payload.state = { values: {} };
    payload.response_url = responseUrl;
  } else {
    throw controlError(400, 'invalid_argument', 'a block action needs a channel and message_ts, or a view');
  }
  const found = findAction(blocks, input.action_id);
  const action: Record<string, unknown> = {
    action_id: input.action_id,
    block_id: input.block_id ?? found?.block_id ?? '',
    type: found?.type ?? 'button',
    action_ts: `${seconds(now)}.${String(now % 1000).padStart(3, '0')}000`,
  };
  if (found?.text) action.text = found.text;
  const value = input.value ?? found?.value;
  if (input.selected_option !== undefined) action.selected_option = input.selected_option;
  else if (value !== undefined) action.value = value;
  payload.actions = [action];
  const res = await postInteraction(env, url, payload);
  return {
    delivery: res.delivery,
    status: res.answer?.status,
    reason: res.reason,
    trigger_id: payload.trigger_id,
    response_url: responseUrl ?? null,
    payload,
  };
}

/** Values for a view submission: `{block_id: {action_id: {type, value}}}`, also accepting plain strings or `{action_id: value}`. */
export function submissionValues(view: SlackView, values: unknown): Record<string, Record<string, unknown>> {
  // Keyed by block and action ids the caller sends: no prototype, so "__proto__" is just an id.
  const out = Object.create(null) as Record<string, Record<string, unknown>>;
  if (!values || typeof values !== 'object') return out;
  const wrap = (v: unknown, type = 'plain_text_input') => (v && typeof v === 'object' ? v : { type, value: v });
  for (const [key, v] of Object.entries(values as Record<string, unknown>)) {
    const block = (view.blocks as Record<string, unknown>[]).find((b) => b.block_id === key);
    if (block && v && typeof v === 'object') {
      out[key] = Object.create(null) as Record<string, unknown>;
      for (const [actionId, av] of Object.entries(v as Record<string, unknown>))
        out[key][actionId] = wrap(av, (block.element as Record<string, unknown>)?.type as string);
      continue;
    }
    const found = findAction(view.blocks, key);
    const blockId = found?.block_id ?? key;
    out[blockId] ??= Object.create(null) as Record<string, unknown>;
    out[blockId][key] = wrap(v, found?.type);
  }
  return out;
}

/**
 * A person submits a modal: Slack POSTs `view_submission`; an empty 2xx answer closes the
 * view, and `response_action` (errors, update, push, clear) is applied as Slack applies it.
 *
 * Limitations: `view_closed` is never sent.
 */
export async function runViewSubmission(env: SlackEnv, user: SlackUser, view: SlackView, values: unknown) {
  const state = env.tenant.state;
  const url = requireInteractivity(state);
  const now = env.tenant.clock.now();
  view.state = { values: submissionValues(view, values) };
  delete view.errors;
  const payload = {
    type: 'view_submission',
    team: { id: state.team.id, domain: state.team.domain },
    user: payloadUser(state, user),
    api_app_id: state.app.app_id,
    token: state.app.verification_token,
    trigger_id: mintTrigger(state, user.id, now, view.id),
    view: renderView(view),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  const res = await postInteraction(env, url, payload);
  const ok = res.answer && res.answer.status >= 200 && res.answer.status < 300;
  let outcome = 'kept_open';
  if (ok) {
    const body = parseAnswerBody(res.answer);
    const action = body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
    const stack = state.modals.get(user.id) ?? [];
    switch (action?.response_action) {
      case 'errors':
        view.errors = (action.errors as Record<string, string>) ?? {};
        outcome = 'errors';
        break;
      case 'update': {
        const next = action.view as Record<string, unknown> | undefined;
        if (next && typeof next === 'object') applyView(state, view, next, now);
        outcome = 'updated';
        break;
      }
      case 'push': {
        const next = action.view as Record<string, unknown> | undefined;
        if (next && stack.length < 3) {
          const pushed = createView(state, user.id, next, now, { root: stack[0], previous: stack[stack.length - 1] });
          state.modals.set(user.id, [...stack, pushed.id]);
        }
        outcome = 'pushed';
        break;
      }
      case 'clear':
        closeModals(state, user.id);
        outcome = 'cleared';
        break;
      default: {
        view.closed = true;
        const rest = stack.filter((id) => id !== view.id);
        if (rest.length > 0) state.modals.set(user.id, rest);
        else state.modals.delete(user.id);
        outcome = 'closed';
      }
    }
  }
  return {
    delivery: res.delivery,
    status: res.answer?.status,
    reason: res.reason,
    outcome,
    view: renderView(view),
    errors: view.errors ?? null,
  };
}

/** A person opens the app's Home or Messages tab: `app_home_opened`. */
export function openAppHome(env: SlackEnv, user: SlackUser, tab: 'home' | 'messages') {
  const state = env.tenant.state;
  const { conv } = ensureIm(state, state.app.bot_user_id, user.id, seconds(env.tenant.clock.now()));
  // The DM is between the bot and the person; the event names the person.
  conv.user = user.id;
  const event: Record<string, unknown> = { type: 'app_home_opened', user: user.id, channel: conv.id, tab, event_ts: eventTs(env) };
  const home = state.views.get(state.home.get(user.id) ?? '');
  if (tab === 'home' && home) event.view = renderView(home);
  const delivery = emitEvent(env, event, { channel: conv.id });
  return { delivery: delivery ?? null, channel: conv.id };
}
