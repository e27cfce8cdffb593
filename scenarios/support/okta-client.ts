// How the World arranges, acts and observes on the Okta twin: its control plane (state, journal, outbox) and the org's management API as its super admin.

import { ControlClient, type JournalEntry, type OutboundDelivery } from './control-client.ts';

/**
 * The user agent of every management API call the steps make. Okta writes it into each System Log
 * event (`client.userAgent.rawUserAgent`), which is how observe steps tell the scenario's own doings
 * (arranging, an admin acting, a person signing in) from the app's.
 */
export const STEPS_USER_AGENT = 'twins-scenario-steps/1 (okta)';

/** Call timeout: verifying an event hook waits for the app (3 s, one retry) and then some. */
const CALL_TIMEOUT_MS = 20_000;

export interface OktaUserView {
  id: string;
  status: string;
  created: string;
  lastLogin: string | null;
  profile: Record<string, unknown>;
  [key: string]: unknown;
}

export interface OktaGroupView {
  id: string;
  type: string;
  profile: { name: string; description: string | null };
  members: string[];
  [key: string]: unknown;
}

export interface OktaLogActor {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
}

export interface OktaLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  displayMessage: string;
  actor: OktaLogActor;
  target: OktaLogActor[];
  outcome: { result: string; reason: string | null };
  client?: { userAgent?: { rawUserAgent?: string | null } | null };
  seq: number;
  [key: string]: unknown;
}

export interface OktaEventHookView {
  id: string;
  name: string;
  status: string;
  verificationStatus: string;
  events: { items: string[] };
  channel: { config: { uri: string } };
  [key: string]: unknown;
}

export interface OktaAppView {
  id: string;
  label: string;
  status: string;
  clientId: string;
  /** People assigned directly, and groups whose members are. */
  users: string[];
  groups: string[];
  [key: string]: unknown;
}

/** The parts of an Okta org's state the steps read (from the tenant's snapshot: no journal entry, no rate limit). */
export interface OktaStateView {
  org: { id: string; name: string; subdomain: string };
  users: Record<string, OktaUserView>;
  groups: Record<string, OktaGroupView>;
  logs: OktaLogEvent[];
  logSeq: number;
  eventHooks: Record<string, OktaEventHookView>;
  apps?: Record<string, OktaAppView>;
  adminUserId: string;
  [key: string]: unknown;
}

/** A management API call that Okta refused (its errorCode and errorSummary). */
export class OktaApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errorCode: string,
    readonly errorSummary: string,
  ) {
    super(`Okta answered ${method} ${path} with ${status} ${errorCode}: ${errorSummary}`);
    this.name = 'OktaApiError';
  }
}

/** An Okta event hook delivery as the outbox keeps it, with its envelope's events read out. */
export interface OktaHookDelivery {
  delivery: OutboundDelivery;
  eventType: string;
  events: OktaLogEvent[];
}

type Query = Record<string, string | number | boolean | undefined>;

/** Status words as scenarios write them. */
export const OKTA_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;

function lower(v: unknown): string {
  return typeof v === 'string' ? v.toLowerCase() : '';
}

/** Whom a System Log event is about, for humans: its targets' logins or names, else its actor's. */
export function subjectOf(e: OktaLogEvent): string {
  return (e.target?.length ? e.target : [e.actor]).map((t) => t.alternateId).join(', ');
}

/** A person's name as people say it: "Alice Johnston" (or their login). */
export function personName(u: OktaUserView): string {
  const name = [u.profile.firstName, u.profile.lastName].filter((x) => typeof x === 'string' && x).join(' ');
  return name || String(u.profile.login ?? u.id);
}

/**
 * The control plane of the Okta twin bound to one tenant, plus that org's management API as its
 * seeded super admin (the SSWS token the control plane hands out with the tenant's variables).
 * Every management call the steps make is remembered, so `appCalls` shows only the app's.
 */
export class OktaControlClient extends ControlClient {
  /** Journal seq before the scenario's first step. */
  journalAfter = 0;
  /** The org's System Log position when the scenario began. */
  logAfter = 0;
  /** Journal entries of the steps' own management calls (never the app's). */
  readonly ownCalls = new Set<number>();
  private env?: Record<string, string>;
  private quietDepth = 0;

  /** The tenant's variables (OKTA_ORG_URL, OKTA_API_TOKEN, …), read once from the control plane. */
  async credentials(): Promise<Record<string, string>> {
    if (!this.env) {
      const tenant = this.requireTenant('the Okta org');
      this.env = (await this.call<{ env: Record<string, string> }>('GET', `tenants/${encodeURIComponent(tenant)}`, { tenant: false })).env;
    }
    return this.env;
  }

  /** The org's state, as the tenant's snapshot holds it. */
  async state(): Promise<OktaStateView> {
    const snap = await this.snapshot<OktaStateView>();
    const state = snap.tenants[0]?.state;
    if (!state) throw new Error(`the Okta twin returned no state for tenant ${this.tenant ?? '(default)'}`);
    return state;
  }

  /** Mark where the scenario begins: later journal entries and System Log events are outcomes. */
  async begin(): Promise<void> {
    this.journalAfter = await this.journalHead();
    this.logAfter = (await this.state()).logSeq;
  }

  /**
   * One management API call as the org's super admin (`SSWS`), or without credentials
   * (`auth: false`, as `/api/v1/authn` is called). Okta's refusals become an OktaApiError unless
   * `allowError`; a 429 is waited out (twice at most). The call's journal entry is remembered as
   * the scenario's own.
   */
  async api<T = unknown>(
    method: string,
    path: string,
    opts: { query?: Query; body?: unknown; auth?: boolean; allowError?: boolean } = {},
  ): Promise<{ status: number; body: T }> {
    const env = await this.credentials();
    const url = new URL(`${env.OKTA_ORG_URL}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const head = await this.journalHead();
    let res: Response | undefined;
    let text = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          'user-agent': STEPS_USER_AGENT,
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(opts.auth === false ? {} : { authorization: `SSWS ${env.OKTA_API_TOKEN}` }),
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      text = await res.text();
      if (res.status !== 429) break;
      const reset = Number(res.headers.get('x-rate-limit-reset')) * 1000;
      await new Promise((r) => setTimeout(r, Math.min(10_000, Math.max(250, reset - Date.now()))));
    }
    await this.rememberOwn(head, method, url.pathname.slice(new URL(env.OKTA_ORG_URL).pathname.replace(/\/$/, '').length));
    const status = res?.status ?? 0;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (status >= 400 && !opts.allowError) {
      const e = (body ?? {}) as { errorCode?: string; errorSummary?: string };
      throw new OktaApiError(method, path, status, e.errorCode ?? 'error', e.errorSummary ?? text.slice(0, 200));
    }
    return { status, body: body as T };
  }

  /** The journal entries after `head` that are this call's (the first with its method and path not yet claimed). */
  private async rememberOwn(head: number, method: string, path: string): Promise<void> {
    const entries = await this.journal({ after: head });
    const mine = entries.find((e) => e.method === method && e.path === path && !this.ownCalls.has(e.seq));
    if (mine) this.ownCalls.add(mine.seq);
  }

  /** The app's Okta API calls in this scenario (the tenant's journal without the steps' own), oldest first. */
  async appCalls(operation?: string): Promise<JournalEntry[]> {
    return (await this.journal({ after: this.journalAfter, operation })).filter((e) => !this.ownCalls.has(e.seq));
  }

  /**
   * Run `fn` without the app hearing of it: arrange steps describe the org as it already is, so
   * the org's active event hooks are switched off meanwhile (and on again after).
   */
  async quietly<T>(fn: () => Promise<T>): Promise<T> {
    if (this.quietDepth > 0) return fn();
    const active = Object.values((await this.state()).eventHooks ?? {}).filter((h) => h.status === 'ACTIVE');
    for (const h of active) await this.api('POST', `/api/v1/eventHooks/${h.id}/lifecycle/deactivate`);
    this.quietDepth++;
    try {
      return await fn();
    } finally {
      this.quietDepth--;
      for (const h of active) await this.api('POST', `/api/v1/eventHooks/${h.id}/lifecycle/activate`);
    }
  }

  /**
   * Register `url` as an event hook for `events` (with `authorization` as its Authorization header,
   * when given) and verify it: Okta's one-time GET with `x-okta-verification-challenge`, which the
   * receiver must echo. Fails, saying why, when the receiver does not.
   */
  async registerEventHook(opts: {
    url: string;
    events: readonly string[];
    authorization?: string;
    name?: string;
  }): Promise<OktaEventHookView> {
    const created = await this.api<OktaEventHookView>('POST', '/api/v1/eventHooks', {
      body: {
        name: opts.name ?? 'The app under test',
        events: { type: 'EVENT_TYPE', items: [...opts.events] },
        channel: {
          type: 'HTTP',
          version: '1.0.0',
          config: {
            uri: opts.url,
            headers: [],
            authScheme: opts.authorization ? { type: 'HEADER', key: 'Authorization', value: opts.authorization } : null,
          },
        },
      },
    });
    const verified = await this.api<OktaEventHookView & { errorCauses?: { errorSummary: string }[] }>(
      'POST',
      `/api/v1/eventHooks/${created.body.id}/lifecycle/verify`,
      { allowError: true },
    );
    if (verified.status !== 200) {
      const why = verified.body.errorCauses?.map((c) => c.errorSummary).join('; ') || `HTTP ${verified.status}`;
      throw new Error(
        `the app did not verify its Okta event hook ${opts.url}: ${why}. It must answer Okta's GET with the ` +
          'x-okta-verification-challenge header by 200 {"verification": <that value>}.',
      );
    }
    return verified.body;
  }

  /** Okta event hook deliveries to the app in this scenario, oldest first, with the events they carry. */
  async hookDeliveries(): Promise<OktaHookDelivery[]> {
    const deliveries = await this.outbox({ kind: 'event_hook' });
    return deliveries.map((delivery) => {
      let events: OktaLogEvent[] = [];
      try {
        events = (JSON.parse(delivery.body ?? '{}') as { data?: { events?: OktaLogEvent[] } }).data?.events ?? [];
      } catch {
        events = [];
      }
      return { delivery, eventType: String(delivery.meta?.eventType ?? events[0]?.eventType ?? ''), events };
    });
  }

  /** System Log events since the scenario began that the scenario's own steps did not cause, oldest first. */
  async outcomeLogs(state?: OktaStateView): Promise<OktaLogEvent[]> {
    const s = state ?? (await this.state());
    return s.logs.filter((e) => e.seq > this.logAfter && e.client?.userAgent?.rawUserAgent !== STEPS_USER_AGENT);
  }

  /** The app's Okta API calls in this scenario, for humans. */
  async describeAppCalls(n = 20): Promise<string> {
    const calls = await this.appCalls();
    if (calls.length === 0) return 'The app made no Okta API calls in this scenario.';
    const shown = calls.slice(-n);
    const lines = [
      `The app's Okta API calls in this scenario (${shown.length === calls.length ? 'all' : `last ${shown.length} of`} ${calls.length}):`,
    ];
    for (const c of shown)
      lines.push(`  #${c.seq} ${c.operation ?? '?'} ${c.method} ${c.path} → ${c.error ? `${c.status} ${c.error}` : c.status}`);
    return lines.join('\n');
  }

  /** The event hook deliveries of this scenario, for humans. */
  async describeDeliveries(n = 20): Promise<string> {
    const all = await this.hookDeliveries();
    if (all.length === 0) return 'Okta sent no event hook deliveries in this scenario (is the app registered as an event hook?).';
    const lines = [`Okta's event hook deliveries in this scenario (${Math.min(n, all.length)} of ${all.length}), oldest first:`];
    for (const d of all.slice(-n)) {
      const who = d.events.map(subjectOf).join(', ');
      const tries = d.delivery.attempts.map((a) => a.status ?? a.reason ?? a.outcome).join(', ') || 'not yet attempted';
      lines.push(`  ${d.delivery.id} ${d.eventType} (${who}) → ${d.delivery.status} [${tries}]`);
    }
    return lines.join('\n');
  }

  /** The System Log events of this scenario that the steps did not cause, for humans. */
  async describeLogs(n = 20, state?: OktaStateView): Promise<string> {
    const logs = await this.outcomeLogs(state);
    if (logs.length === 0) return 'The System Log has no events in this scenario besides those of the steps themselves.';
    const lines = [
      `The System Log in this scenario, without the steps' own (${Math.min(n, logs.length)} of ${logs.length}), oldest first:`,
    ];
    for (const e of logs.slice(-n))
      lines.push(`  ${e.published.slice(11, 23)} ${e.eventType} ${e.outcome.result} by ${e.actor.alternateId} → ${subjectOf(e)}`);
    return lines.join('\n');
  }

  /** Everything worth seeing when a scenario fails. */
  async describe(): Promise<string> {
    return [await this.describeAppCalls(50), await this.describeDeliveries(), await this.describeLogs()].join('\n');
  }

  /**
   * A person by id, login, email, the login's part before `@`, first name or full name
   * ("alice" is the seeded Alice; several people of that first name: the earliest made).
   */
  findUser(state: OktaStateView, ref: string): OktaUserView | undefined {
    const users = Object.values(state.users);
    const wanted = ref.trim().toLowerCase();
    const byId = state.users[ref];
    if (byId) return byId;
    const exact = users.find((u) => lower(u.profile.login) === wanted || lower(u.profile.email) === wanted);
    if (exact) return exact;
    const local = users.find((u) => lower(u.profile.login).split('@')[0] === wanted);
    if (local) return local;
    const named = users
      .filter((u) => lower(u.profile.firstName) === wanted || personName(u).toLowerCase() === wanted)
      .sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
    return named[0];
  }

  /** Like findUser, but a missing person fails the step naming who is there. */
  resolveUser(state: OktaStateView, ref: string): OktaUserView {
    const user = this.findUser(state, ref);
    if (user) return user;
    const known = Object.values(state.users)
      .filter((u) => u.id !== state.adminUserId)
      .slice(0, 10)
      .map((u) => String(u.profile.firstName ?? u.profile.login).toLowerCase());
    throw new Error(`no Okta user "${ref}"; the org has ${known.join(', ')}, …; add one with: Given an Okta user "${ref}"`);
  }

  /** A group by id or name (any case). */
  findGroup(state: OktaStateView, ref: string): OktaGroupView | undefined {
    const wanted = ref.trim().toLowerCase();
    return state.groups[ref] ?? Object.values(state.groups).find((g) => g.profile.name.toLowerCase() === wanted);
  }

  /** An app by id, client id or label (any case). */
  findApp(state: OktaStateView, ref: string): OktaAppView | undefined {
    const apps = state.apps ?? {};
    const wanted = ref.trim().toLowerCase();
    return apps[ref] ?? Object.values(apps).find((a) => a.clientId === ref || a.label.toLowerCase() === wanted);
  }

  resolveApp(state: OktaStateView, ref: string): OktaAppView {
    const app = this.findApp(state, ref);
    if (app) return app;
    const known = Object.values(state.apps ?? {}).map((a) => a.label);
    throw new Error(`no Okta app "${ref}"; the org has ${known.join(', ') || 'none'}; add one with: Given an Okta app "${ref}"`);
  }

  /** Whether a person is assigned to an app, directly or through one of their groups. */
  isAssigned(state: OktaStateView, app: OktaAppView, userId: string): boolean {
    return app.users.includes(userId) || app.groups.some((g) => state.groups[g]?.members.includes(userId));
  }

  resolveGroup(state: OktaStateView, ref: string): OktaGroupView {
    const group = this.findGroup(state, ref);
    if (group) return group;
    const known = Object.values(state.groups).map((g) => g.profile.name);
    throw new Error(`no Okta group "${ref}"; the org has ${known.join(', ')}; add one with: Given an Okta group "${ref}"`);
  }
}
