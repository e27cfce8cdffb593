// Event hooks: registration, the one-time verification, activation, and deliveries of System Log events through the kernel's outbox in Okta's envelope.

import { randomBytes } from 'node:crypto';
import type { OutboundDelivery } from '../../../src/kernel/outbox.ts';
import { notFound, oktaError, validationFailed } from '../errors.ts';
import { log, NO_CONTENT, type OktaContext } from '../render.ts';
import { type EventHookRecord, iso, type LogEvent, logView, newId, newUuid } from '../store.ts';

/** Okta's limits: 3 s to answer; one retry on a timeout or a 5xx, none on a 4xx. */
export const HOOK_TIMEOUT_MS = 3000;
export const HOOK_RETRY_DELAYS_MS = [5000];
const MAX_ACTIVE_HOOKS = 25;

interface HookArgs {
  name: string;
  events: { type: 'EVENT_TYPE'; items: string[]; filter?: unknown };
  channel: {
    type: 'HTTP';
    version: string;
    config: {
      uri: string;
      method?: string;
      headers?: { key: string; value: string }[];
      authScheme?: { type: string; key: string; value: string } | null;
    };
  };
}

/** A hook as Okta answers: the authorization secret is never echoed. */
export function hookView(h: EventHookRecord, baseUrl: string): Record<string, unknown> {
  const self = `${baseUrl}/api/v1/eventHooks/${h.id}`;
  const { authScheme, ...config } = h.channel.config;
  return {
    id: h.id,
    status: h.status,
    verificationStatus: h.verificationStatus,
    name: h.name,
    created: h.created,
    createdBy: h.createdBy,
    lastUpdated: h.lastUpdated,
    events: h.events,
    channel: { ...h.channel, config: { ...config, authScheme: authScheme ? { type: authScheme.type, key: authScheme.key } : null } },
    _links: {
      self: { href: self },
      verify: { href: `${self}/lifecycle/verify`, hints: { allow: ['POST'] } },
      deactivate: { href: `${self}/lifecycle/deactivate`, hints: { allow: ['POST'] } },
    },
  };
}

function hookFromPath(ctx: OktaContext<unknown>): EventHookRecord {
  const h = ctx.state.eventHooks.get(ctx.params.eventHookId);
  if (!h) throw notFound(ctx.params.eventHookId, 'EventHook');
  return h;
}

function checkUri(uri: string): void {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw validationFailed('channel.config.uri', [{ errorSummary: 'channel.config.uri: The URI is not valid' }]);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw validationFailed('channel.config.uri', [{ errorSummary: 'channel.config.uri: The URI must be HTTP(S)' }]);
}

export function listEventHooks(ctx: OktaContext): unknown {
  return [...ctx.state.eventHooks.values()].map((h) => hookView(h, ctx.baseUrl));
}

/**
 * POST /api/v1/eventHooks: ACTIVE and UNVERIFIED; only verified hooks receive events.
 *
 * Limitations: `events.filter` (Okta Expression Language filters) is stored but not applied; the twin sends plain http too (Okta requires https).
 */
export function createEventHook(ctx: OktaContext<HookArgs>): unknown {
  const a = ctx.args;
  checkUri(a.channel.config.uri);
  const active = [...ctx.state.eventHooks.values()].filter((h) => h.status === 'ACTIVE').length;
  if (active >= MAX_ACTIVE_HOOKS) throw validationFailed('eventHook', [{ errorSummary: 'An org may have at most 25 active event hooks' }]);
  const now = iso(ctx.now());
  const h: EventHookRecord = {
    id: newId(ctx.state, 'who'),
    name: a.name,
    status: 'ACTIVE',
    verificationStatus: 'UNVERIFIED',
    created: now,
    lastUpdated: now,
    createdBy: ctx.principal.userId ?? ctx.principal.clientId ?? 'unknown',
    events: { type: 'EVENT_TYPE', items: [...a.events.items], ...(a.events.filter ? { filter: a.events.filter } : {}) },
    channel: {
      type: 'HTTP',
      version: a.channel.version,
      config: {
        uri: a.channel.config.uri,
        ...(a.channel.config.method ? { method: a.channel.config.method } : {}),
        headers: (a.channel.config.headers ?? []).map((x) => ({ key: x.key, value: x.value })),
        authScheme: a.channel.config.authScheme ? { ...a.channel.config.authScheme } : null,
      },
    },
  };
  ctx.state.eventHooks.set(h.id, h);
  log(ctx, {
    eventType: 'event_hook.created',
    displayMessage: 'Event hook created',
    target: [{ id: h.id, type: 'EventHook', alternateId: h.name, displayName: h.name, detailEntry: null }],
  });
  return hookView(h, ctx.baseUrl);
}

export function getEventHook(ctx: OktaContext): unknown {
  return hookView(hookFromPath(ctx), ctx.baseUrl);
}

/** PUT /api/v1/eventHooks/{eventHookId}: a new URI or auth header needs verifying again. */
export function replaceEventHook(ctx: OktaContext<HookArgs>): unknown {
  const h = hookFromPath(ctx);
  const a = ctx.args;
  checkUri(a.channel.config.uri);
  const changedTarget = a.channel.config.uri !== h.channel.config.uri;
  h.name = a.name;
  h.events = { type: 'EVENT_TYPE', items: [...a.events.items] };
  h.channel = {
    type: 'HTTP',
    version: a.channel.version,
    config: {
      uri: a.channel.config.uri,
      headers: (a.channel.config.headers ?? []).map((x) => ({ key: x.key, value: x.value })),
      // Okta keeps the secret when the update leaves it out.
      authScheme: a.channel.config.authScheme?.value ? { ...a.channel.config.authScheme } : h.channel.config.authScheme,
    },
  };
  if (changedTarget) h.verificationStatus = 'UNVERIFIED';
  h.lastUpdated = iso(ctx.now());
  return hookView(h, ctx.baseUrl);
}

/** DELETE: only an INACTIVE hook. */
export function deleteEventHook(ctx: OktaContext): unknown {
  const h = hookFromPath(ctx);
  if (h.status === 'ACTIVE') throw oktaError(403, 'E0000038', 'Cannot delete an active event hook. Deactivate it first.');
  ctx.state.eventHooks.delete(h.id);
  return NO_CONTENT;
}

export function activateEventHook(ctx: OktaContext): unknown {
  const h = hookFromPath(ctx);
  h.status = 'ACTIVE';
  h.lastUpdated = iso(ctx.now());
  return hookView(h, ctx.baseUrl);
}

export function deactivateEventHook(ctx: OktaContext): unknown {
  const h = hookFromPath(ctx);
  h.status = 'INACTIVE';
  h.lastUpdated = iso(ctx.now());
  return hookView(h, ctx.baseUrl);
}

function hookHeaders(h: EventHookRecord): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, value } of h.channel.config.headers) headers[key.toLowerCase()] = value;
  const auth = h.channel.config.authScheme;
  if (auth?.value) headers[(auth.key || 'Authorization').toLowerCase()] = auth.value;
  return headers;
}

/**
 * POST …/lifecycle/verify: a GET to the hook's URI with `x-okta-verification-challenge` (and the
 * configured headers); the answer must be 200 with `{"verification": <the challenge>}`. 3 s to
 * answer, one retry. VERIFIED on success; 400 E0000001 otherwise.
 */
export async function verifyEventHook(ctx: OktaContext): Promise<unknown> {
  const h = hookFromPath(ctx);
  const challenge = randomBytes(24).toString('base64url');
  let why = 'no answer';
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await fetch(h.channel.config.uri, {
        method: 'GET',
        headers: {
          ...hookHeaders(h),
          'x-okta-verification-challenge': challenge,
          accept: 'application/json',
          'user-agent': 'Okta Event Hooks (twin)',
        },
        signal: AbortSignal.timeout(HOOK_TIMEOUT_MS),
        redirect: 'manual',
      });
      const text = (await res.text()).slice(0, 64 * 1024);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (res.status === 200 && (body as { verification?: unknown } | undefined)?.verification === challenge) {
        h.verificationStatus = 'VERIFIED';
        h.lastUpdated = iso(ctx.now());
        log(ctx, {
          eventType: 'event_hook.verified',
          displayMessage: 'Event hook verified',
          target: [{ id: h.id, type: 'EventHook', alternateId: h.name, displayName: h.name, detailEntry: null }],
        });
        return hookView(h, ctx.baseUrl);
      }
      why = res.status === 200 ? 'the answer did not echo the verification value' : `the endpoint answered HTTP ${res.status}`;
      if (res.status < 500) break;
    } catch (err) {
      why = (err as Error).name === 'TimeoutError' ? 'the endpoint did not answer within 3 seconds' : 'the endpoint could not be reached';
    }
  }
  throw validationFailed('verifyEventHook', [{ errorSummary: `Verification of the event hook failed: ${why}` }]);
}

let deliverySeq = 0;
const processTag = randomBytes(4).toString('hex');

/** A delivery's eventId: unique in this process, even across resets of the org (a uuid's shape kept). */
function deliveryUuid(base: string): string {
  const tail = `${processTag}${(++deliverySeq).toString(16).padStart(4, '0')}`.slice(-12);
  return `${base.slice(0, 24)}${tail.padStart(12, '0')}`;
}

/**
 * Deliver a System Log event to every ACTIVE, VERIFIED hook subscribed to its type, through the
 * outbox: Okta's envelope, the configured headers, 3 s timeout, one retry on a timeout or 5xx.
 */
export function deliverToHooks(ctx: OktaContext<unknown>, event: LogEvent): OutboundDelivery[] {
  const out: OutboundDelivery[] = [];
  for (const h of ctx.state.eventHooks.values()) {
    if (h.status !== 'ACTIVE' || h.verificationStatus !== 'VERIFIED' || !h.events.items.includes(event.eventType)) continue;
    // From a process-wide sequence, not the org's counter: a reset org must not send an eventId it sent
    // before, or an app that drops repeated deliveries (as it should) drops new ones (as the Slack twin does).
    const eventId = deliveryUuid(newUuid(ctx.state));
    const body = JSON.stringify({
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      source: `${ctx.baseUrl}/api/v1/eventHooks/${h.id}`,
      eventId,
      eventTime: iso(ctx.now()),
      contentType: 'application/json',
      data: { events: [logView(event)] },
    });
    const headers = {
      ...hookHeaders(h),
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'Okta Event Hooks (twin)',
    };
    out.push(
      ctx.deliver({
        tenantId: ctx.tenant.id,
        kind: 'event_hook',
        url: h.channel.config.uri,
        build: () => ({ method: 'POST', headers, body }),
        timeoutMs: HOOK_TIMEOUT_MS,
        retryDelaysMs: HOOK_RETRY_DELAYS_MS,
        classify: (a) =>
          a.status >= 200 && a.status < 300
            ? { outcome: 'delivered' }
            : a.status >= 500
              ? { outcome: 'retry', reason: 'http_error' }
              : { outcome: 'failed', reason: 'http_error' },
        meta: { eventHookId: h.id, eventId, eventType: event.eventType, uuid: event.uuid },
        clock: ctx.tenant.clock,
      }),
    );
  }
  return out;
}
