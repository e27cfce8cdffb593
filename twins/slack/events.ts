// What the Slack twin sends to the app: Events API callbacks, url_verification, slash commands and interactivity, signed as Slack signs them.

import { createHmac } from 'node:crypto';
import type { DeliverySpec, OutboundDelivery, ReceiverAnswer } from '../../src/kernel/outbox.ts';
import type { Tenant } from '../../src/kernel/types.ts';
import { type Conversation, channelType, mint, type SlackState, seconds } from './store.ts';

/** What sending needs: the tenant (state and clock) and the kernel's outbox. Operation and control contexts both fit. */
export interface SlackEnv {
  tenant: Tenant<SlackState>;
  deliver(spec: DeliverySpec): OutboundDelivery;
  /** The twin's external origin, for response_url and file links. */
  baseUrl?: string;
}

/** Receivers must answer within this long. */
export const SLACK_TIMEOUT_MS = 3000;

/** Slack's user agent on outgoing requests. */
const USER_AGENT = 'Slackbot 1.0 (+https://api.slack.com/robots)';

/**
 * The v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` keyed by the
 * app's signing secret, exactly as Bolt recomputes it.
 */
export function signature(signingSecret: string, timestampSec: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

/**
 * Signature headers for one attempt. The timestamp is real wall-clock time even when the tenant's
 * clock is virtual: receivers reject timestamps more than five minutes from their own clock.
 */
export function signedHeaders(
  signingSecret: string,
  body: string,
  contentType: string,
  nowSec = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'content-type': contentType,
    'user-agent': USER_AGENT,
    'x-slack-request-timestamp': String(nowSec),
    'x-slack-signature': signature(signingSecret, nowSec, body),
  };
}

/** Slack's retry rules: 2xx is delivered, `X-Slack-No-Retry: 1` stops retrying, anything else is retried. */
export function classifyEventAnswer(answer: ReceiverAnswer): { outcome: 'delivered' | 'retry' | 'failed'; reason?: string } {
  if (answer.status >= 200 && answer.status < 300) return { outcome: 'delivered' };
  const noRetry = Object.entries(answer.headers).some(([k, v]) => k.toLowerCase() === 'x-slack-no-retry' && v.trim() === '1');
  if (noRetry) return { outcome: 'failed', reason: 'http_error' };
  if (answer.status >= 300 && answer.status < 400) return { outcome: 'retry', reason: 'too_many_redirects' };
  return { outcome: 'retry', reason: 'http_error' };
}

// ---------------------------------------------------------------------------------------------
// Events API

/** Event types that Slack only sends from conversations the app's bot is in. */
const MEMBER_ONLY = new Set([
  'message',
  'app_mention',
  'reaction_added',
  'reaction_removed',
  'member_joined_channel',
  'member_left_channel',
]);

const MESSAGE_SUBSCRIPTION: Record<string, string> = {
  channel: 'message.channels',
  group: 'message.groups',
  im: 'message.im',
  mpim: 'message.mpim',
};

/** Whether the app can receive events at all: a Request URL that passed the handshake. */
export function receivesEvents(state: SlackState): boolean {
  return Boolean(state.app.request_url && state.app.url_verified);
}

/** Whether the app subscribed to this event (`message` covers every `message.*`). */
export function isSubscribed(state: SlackState, type: string, conv?: Conversation): boolean {
  const subs = state.app.event_subscriptions;
  if (subs.includes(type)) return true;
  if (type === 'message' && conv) return subs.includes(MESSAGE_SUBSCRIPTION[channelType(conv)]);
  return false;
}

/** An `event_context` value: opaque to apps, stable for one event. */
function eventContext(state: SlackState, event: Record<string, unknown>): string {
  const payload = JSON.stringify({ et: event.type, tid: state.team.id, aid: state.app.app_id, cid: event.channel ?? null });
  return `4-${Buffer.from(payload).toString('base64url')}`;
}

export interface EmitOptions {
  /** The conversation the event happened in; message, mention and reaction events need the bot in it. */
  channel?: string;
  /** Deliver even though the bot is no longer a member (its own `member_left_channel`). */
  ignoreMembership?: boolean;
}

/** The Events API envelope around an inner event. */
export function buildEnvelope(
  state: SlackState,
  event: Record<string, unknown>,
  eventId: string,
  eventTime: number,
): Record<string, unknown> {
  const team = state.team.id;
  return {
    token: state.app.verification_token,
    team_id: team,
    context_team_id: team,
    context_enterprise_id: null,
    api_app_id: state.app.app_id,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: eventTime,
    authorizations: [{ enterprise_id: null, team_id: team, user_id: state.app.bot_user_id, is_bot: true, is_enterprise_install: false }],
    // Legacy, truncated to one entry since 2021 but still in the published wrapper schema.
    authed_users: [state.app.bot_user_id],
    is_ext_shared_channel: false,
    event_context: eventContext(state, event),
  };
}

/**
 * Send one event to the app's Request URL, if the app would get it from Slack: the URL is set
 * and verified, the app subscribed to the type, and for conversation events the bot is a member.
 * The body is fixed now; each attempt is re-signed with a fresh timestamp, and retries carry
 * `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`.
 *
 * @returns the delivery, or `undefined` when Slack would not send this event to the app.
 *
 * Limitations: Slack disables an app's subscriptions after sustained failures; the twin keeps
 * delivering (and logging) every event.
 */
export function emitEvent(env: SlackEnv, event: Record<string, unknown>, opts: EmitOptions = {}): OutboundDelivery | undefined {
  const state = env.tenant.state;
  const app = state.app;
  const type = String(event.type);
  const conv = opts.channel ? state.conversations.get(opts.channel) : undefined;
  if (!app.request_url || !receivesEvents(state)) return undefined;
  if (!isSubscribed(state, type, conv)) return undefined;
  if (MEMBER_ONLY.has(type) && !opts.ignoreMembership && !conv?.members.includes(app.bot_user_id)) return undefined;
  const nowMs = env.tenant.clock.now();
  state.counters.event++;
  // From a process-wide sequence, not the tenant's counter: a reset tenant must not send an
  // event_id it sent before, or an app that drops repeated ids (as it should) drops new events.
  const eventId = `Ev${state.idTag}${(++eventSeq).toString(36).toUpperCase().padStart(7, '0')}`;
  const body = JSON.stringify(buildEnvelope(state, event, eventId, seconds(nowMs)));
  const secret = app.signing_secret;
  const spec: DeliverySpec = {
    tenantId: env.tenant.id,
    kind: 'event_callback',
    url: app.request_url,
    timeoutMs: SLACK_TIMEOUT_MS,
    retryDelaysMs: [...app.retry_delays_ms],
    clock: env.tenant.clock,
    classify: classifyEventAnswer,
    meta: { event_id: eventId, event_type: type, subtype: event.subtype ?? null, channel: opts.channel ?? null },
    build: ({ number, lastReason }) => {
      const headers = signedHeaders(secret, body, 'application/json');
      if (number > 1) {
        headers['x-slack-retry-num'] = String(number - 1);
        headers['x-slack-retry-reason'] = lastReason ?? 'unknown_error';
      }
      return { method: 'POST', headers, body };
    },
  };
  const delivery = env.deliver(spec);
  remember(state, {
    eventId,
    type,
    byApp: event.user === app.bot_user_id || typeof event.bot_id === 'string',
    delivery,
    spec,
    redeliveries: 0,
  });
  return delivery;
}

// ---------------------------------------------------------------------------------------------
// Sending an event again, as Slack retries it

/** Every event id the twin mints comes from here (see emitEvent). */
let eventSeq = 0;

/** An event the twin sent the app, kept so that it can be sent again with the same event_id. */
export interface SentEvent {
  eventId: string;
  type: string;
  /** Caused by the app's own bot (its messages and reactions echo back to it as events). */
  byApp: boolean;
  /** The original delivery (the outbox's live record: its attempts grow). */
  delivery: OutboundDelivery;
  spec: DeliverySpec;
  /** How many times it was sent again through `redeliverEvent`. */
  redeliveries: number;
}

/** How many recent events each workspace keeps for redelivery. */
const SENT_EVENTS_KEPT = 200;

/** Per state object, so a reset or restored tenant (a new state) starts with none. */
const sentEvents = new WeakMap<SlackState, SentEvent[]>();

function remember(state: SlackState, sent: SentEvent): void {
  const list = sentEvents.get(state) ?? [];
  if (list.length === 0) sentEvents.set(state, list);
  list.push(sent);
  if (list.length > SENT_EVENTS_KEPT) list.splice(0, list.length - SENT_EVENTS_KEPT);
}

/** The events the twin sent this workspace's app, oldest first (the last 200). */
export function recentEvents(state: SlackState): readonly SentEvent[] {
  return sentEvents.get(state) ?? [];
}

/**
 * Send an event again, as Slack does when the app's answer came too late or failed: the same
 * body (so the same event_id), freshly signed, to the app's current Request URL, with
 * `X-Slack-Retry-Num` counting every earlier attempt and `X-Slack-Retry-Reason`. The redelivery
 * is one attempt; whatever the app answers is logged in the outbox like any delivery.
 */
export function redeliverEvent(env: SlackEnv, sent: SentEvent, reason = 'http_timeout') {
  const retryNum = sent.delivery.attempts.length + sent.redeliveries;
  sent.redeliveries++;
  const { spec, first } = withFirstAnswer({
    ...sent.spec,
    url: env.tenant.state.app.request_url ?? sent.spec.url,
    retryDelaysMs: [],
    clock: env.tenant.clock,
    meta: { ...sent.spec.meta, redelivery_of: sent.delivery.id, retry_num: retryNum },
    build: () => sent.spec.build({ number: retryNum + 1, lastReason: reason }),
  });
  const delivery = env.deliver(spec);
  return { delivery, retryNum, answered: first(delivery) };
}

// ---------------------------------------------------------------------------------------------
// Waiting for the app's first answer

export interface FirstAnswer {
  /** The receiver's answer, when it answered. */
  answer?: ReceiverAnswer;
  /** Why it did not, when it did not: http_timeout, connection_failed, … */
  reason?: string;
  error?: string;
}

/**
 * A delivery spec whose first answer can be awaited: `classify` hands the full answer over,
 * and a look at the public record catches attempts that never got an answer.
 */
export function withFirstAnswer(spec: DeliverySpec): { spec: DeliverySpec; first(delivery: OutboundDelivery): Promise<FirstAnswer> } {
  let resolve!: (a: FirstAnswer) => void;
  const answered = new Promise<FirstAnswer>((r) => {
    resolve = r;
  });
  const classify = spec.classify;
  const wrapped: DeliverySpec = {
    ...spec,
    classify: (answer) => {
      resolve({ answer });
      return classify
        ? classify(answer)
        : answer.status >= 200 && answer.status < 300
          ? { outcome: 'delivered' }
          : { outcome: 'failed', reason: 'http_error' };
    },
  };
  const first = async (delivery: OutboundDelivery): Promise<FirstAnswer> => {
    const deadline = Date.now() + spec.timeoutMs + 2000;
    let timer: NodeJS.Timeout | undefined;
    const polled = new Promise<FirstAnswer>((r) => {
      const look = () => {
        const attempt = delivery.attempts[0];
        if (attempt && attempt.status === undefined) return r({ reason: attempt.reason, error: attempt.error });
        if (attempt && attempt.status !== undefined) {
          return r({ answer: { status: attempt.status, headers: attempt.responseHeaders ?? {}, body: attempt.responseBody ?? '' } });
        }
        if (Date.now() > deadline) return r({ reason: 'http_timeout', error: 'no answer recorded' });
        timer = setTimeout(look, 5);
      };
      look();
    });
    // classify runs before the attempt is recorded, so it usually wins and carries the uncut body.
    const result = await Promise.race([answered, polled]);
    if (timer) clearTimeout(timer);
    return result;
  };
  return { spec: wrapped, first };
}

// ---------------------------------------------------------------------------------------------
// url_verification

/** Whether an answer echoes the challenge the way Slack accepts: plain text, `challenge=` form, or JSON. */
export function echoesChallenge(body: string, challenge: string): boolean {
  const text = body.trim();
  if (text === challenge) return true;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && (parsed as Record<string, unknown>).challenge === challenge) return true;
  } catch {
    // not JSON
  }
  return new URLSearchParams(text).get('challenge') === challenge;
}

export interface VerificationResult {
  verified: boolean;
  delivery: OutboundDelivery;
  status?: number;
  reason?: string;
}

/** Slack's handshake for a new Request URL: a signed `url_verification` the app must echo. */
export async function verifyRequestUrl(env: SlackEnv, url: string): Promise<VerificationResult> {
  const state = env.tenant.state;
  const challenge = mint(state, 'challenge', 48, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
  const body = JSON.stringify({ token: state.app.verification_token, challenge, type: 'url_verification' });
  const secret = state.app.signing_secret;
  const { spec, first } = withFirstAnswer({
    tenantId: env.tenant.id,
    kind: 'url_verification',
    url,
    timeoutMs: SLACK_TIMEOUT_MS,
    retryDelaysMs: [],
    clock: env.tenant.clock,
    meta: { challenge },
    classify: (answer) =>
      answer.status === 200 && echoesChallenge(answer.body, challenge)
        ? { outcome: 'delivered' }
        : { outcome: 'failed', reason: 'challenge_failed' },
    build: () => ({ method: 'POST', headers: signedHeaders(secret, body, 'application/json'), body }),
  });
  const delivery = env.deliver(spec);
  const result = await first(delivery);
  const verified = !!result.answer && result.answer.status === 200 && echoesChallenge(result.answer.body, challenge);
  return { verified, delivery, status: result.answer?.status, reason: verified ? undefined : (result.reason ?? 'challenge_failed') };
}

// ---------------------------------------------------------------------------------------------
// Slash commands and interactivity: form posts without retries

/** POST a signed form to the app (no retries, as Slack does for commands and interactions). */
export async function postForm(
  env: SlackEnv,
  kind: string,
  url: string,
  form: Record<string, string>,
  meta: Record<string, unknown> = {},
): Promise<{ delivery: OutboundDelivery } & FirstAnswer> {
  const body = new URLSearchParams(form).toString();
  const secret = env.tenant.state.app.signing_secret;
  const { spec, first } = withFirstAnswer({
    tenantId: env.tenant.id,
    kind,
    url,
    timeoutMs: SLACK_TIMEOUT_MS,
    retryDelaysMs: [],
    clock: env.tenant.clock,
    meta,
    build: () => ({ method: 'POST', headers: signedHeaders(secret, body, 'application/x-www-form-urlencoded'), body }),
  });
  const delivery = env.deliver(spec);
  const result = await first(delivery);
  return { delivery, ...result };
}

/** POST an interaction payload (`payload=<JSON>`), as Slack sends block_actions and view_submission. */
export function postInteraction(env: SlackEnv, url: string, payload: Record<string, unknown>) {
  return postForm(env, 'interaction', url, { payload: JSON.stringify(payload) }, { type: payload.type ?? null });
}
