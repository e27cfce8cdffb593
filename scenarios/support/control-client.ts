// A small typed client for a twin's control plane (/_twin/...): the generic routes every twin serves and the Slack twin's own.

import type { ClockState } from '../../src/kernel/clock.ts';
import type { Fault, FaultSpec } from '../../src/kernel/faults.ts';
import type { JournalEntry, JournalQuery } from '../../src/kernel/journal.ts';
import type { AttemptRecord, OutboundDelivery } from '../../src/kernel/outbox.ts';

export type { AttemptRecord, ClockState, Fault, JournalEntry, JournalQuery, OutboundDelivery };

/** A control call that answered 4xx/5xx (`{error: {code, message}}`), or could not be made. */
export class ControlCallError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(`${method} /_twin/${path} failed (${status} ${code}): ${detail}`);
    this.name = 'ControlCallError';
  }
}

export interface TenantInfo {
  id: string;
  seed: number;
  clock: ClockState;
  /** What an app needs to reach the tenant: SLACK_API_URL, SLACK_BOT_TOKEN, … */
  env: Record<string, string>;
}

/** What `POST /_twin/companies` answers: the company's id (each twin's tenant id) and each twin's part. */
export interface CompanyInfo {
  id: string;
  twins: Partial<Record<string, { tenant: string; url: string; env: Record<string, string> }>>;
}

/** What `POST /_twin/faults` takes: an operation and at least one effect (the tenant is the World's own). */
export type FaultRequest = Omit<FaultSpec, 'tenant'>;

export interface ClockRequest {
  mode?: 'real' | 'virtual';
  /** Epoch ms or ISO time; never earlier than now. */
  to?: number | string;
  /** Milliseconds or a duration such as "2h". */
  advance?: number | string;
}

export interface SlackReaction {
  name: string;
  users: string[];
  count: number;
}

/** A Slack message as the twin stores it (the fields the steps read; the rest passes through). */
export interface SlackMessage {
  ts: string;
  type?: string;
  subtype?: string;
  text?: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  thread_ts?: string;
  reply_count?: number;
  reactions?: SlackReaction[];
  blocks?: unknown[];
  attachments?: unknown[];
  [key: string]: unknown;
}

/** An ephemeral message: the message plus where it showed (`channel`) and to whom (`recipient`). */
export interface SlackEphemeral extends SlackMessage {
  channel: string;
  recipient: string;
}

export interface SlackApp {
  app_id: string;
  name: string;
  bot_user_id: string;
  bot_id: string;
  request_url?: string | null;
  url_verified: boolean;
  interactivity_url?: string | null;
  slash_commands: Record<string, string>;
  event_subscriptions: string[];
  bot_scopes: string[];
  retry_delays_ms: number[];
  team: { id: string; name: string; domain: string };
  bot_token: string | null;
  user_token: string | null;
}

export interface SlackAppRequest {
  request_url?: string;
  verify?: boolean;
  interactivity_url?: string;
  slash_commands?: Record<string, string>;
  replace_commands?: boolean;
  event_subscriptions?: string[];
  retry_delays_ms?: number[];
  redirect_urls?: string[];
  bot_scopes?: string[];
  user_scopes?: string[];
  name?: string;
}

export interface SlackVerification {
  verified: boolean;
  status?: number | null;
  reason?: string | null;
  delivery_id?: string;
  skipped?: boolean;
}

/** A person as users.info shows them. */
export interface SlackUser {
  id: string;
  name: string;
  real_name: string;
  deleted: boolean;
  is_bot: boolean;
  profile: { email?: string; display_name: string; real_name: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A conversation in the tenant's state (as a snapshot holds it). */
export interface SlackConversation {
  id: string;
  name: string;
  is_channel: boolean;
  is_im: boolean;
  is_mpim: boolean;
  is_private: boolean;
  is_archived: boolean;
  members: string[];
  user?: string;
  [key: string]: unknown;
}

/** The parts of a Slack tenant's state the steps resolve names with. */
export interface SlackStateView {
  team: { id: string; name: string; domain: string };
  app: { bot_user_id: string; bot_id: string; app_id: string };
  users: Record<string, SlackUser>;
  conversations: Record<string, SlackConversation>;
}

type Query = Record<string, string | number | boolean | undefined>;

/** Call timeout: acts wait for the app's answer (3 s at most, as Slack) and then some. */
const CALL_TIMEOUT_MS = 20_000;

/**
 * The control plane of one twin, optionally bound to one tenant (every call then names it).
 *
 * @example
 *   const control = new ControlClient('http://127.0.0.1:3100/_twin').forTenant('tenant-2');
 *   await control.setClock({ advance: '2h' });
 */
export class ControlClient {
  constructor(
    /** The control plane's base URL, `http://host:port/_twin`. */
    readonly base: string,
    readonly tenant?: string,
    /** The twin's control token, if it has one (sent as x-twin-control-token). */
    readonly token?: string,
  ) {}

  /** The same control plane (and client class), every call naming `tenant`. */
  forTenant(tenant: string): this {
    return new (this.constructor as new (base: string, tenant?: string, token?: string) => this)(this.base, tenant, this.token);
  }

  /** One call; a 4xx/5xx answer or a network failure becomes a ControlCallError. */
  async call<T>(method: string, path: string, opts: { query?: Query; body?: unknown; tenant?: boolean } = {}): Promise<T> {
    const url = new URL(`${this.base.replace(/\/$/, '')}/${path}`);
    const query: Query = { ...(opts.tenant !== false && this.tenant ? { tenant: this.tenant } : {}), ...opts.query };
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { 'x-twin-control-token': this.token } : {}),
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new ControlCallError(method, path, 0, 'unreachable', `the twin at ${this.base} did not answer (${cause})`);
    }
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new ControlCallError(method, path, res.status, 'invalid_answer', `not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string } }).error;
      throw new ControlCallError(method, path, res.status, e?.code ?? 'error', e?.message ?? text.slice(0, 200));
    }
    return parsed as T;
  }

  health(): Promise<{ status: string; twin: string; tenants: number; rateLimits: boolean }> {
    return this.call('GET', 'health', { tenant: false });
  }

  /** A fresh tenant with seeded state (201). */
  createTenant(opts: { seed?: number; id?: string; clock?: 'real' | 'virtual'; decoy?: boolean } = {}): Promise<TenantInfo> {
    return this.call('POST', 'tenants', { body: opts, tenant: false });
  }

  /**
   * A company across every twin started with this one (one process): a tenant per twin under one id, seeded
   * together, with the vendors' cross-twin effects (docs/company.md). Undefined when this twin serves no
   * companies or the company lacks one of `twins` (twins in separate processes): make a tenant per twin then.
   */
  async createCompany(opts: { seed?: number }, twins: readonly string[]): Promise<CompanyInfo | undefined> {
    let company: CompanyInfo;
    try {
      company = await this.call<CompanyInfo>('POST', 'companies', { body: opts, tenant: false });
    } catch {
      return undefined;
    }
    if (twins.every((t) => company.twins?.[t]?.env)) return company;
    await this.deleteCompany(company.id).catch(() => undefined);
    return undefined;
  }

  deleteCompany(id: string): Promise<{ deleted: string }> {
    return this.call('DELETE', `companies/${encodeURIComponent(id)}`, { tenant: false });
  }

  deleteTenant(id: string): Promise<{ deleted: string }> {
    return this.call('DELETE', `tenants/${encodeURIComponent(id)}`, { tenant: false });
  }

  /** The bound tenant back to its seeded state (same credentials); its journal, outbox and faults cleared. */
  reset(): Promise<{ reset: string }> {
    this.requireTenant('reset');
    return this.call('POST', 'reset');
  }

  /** The state of the bound tenant (or all), as `GET /_twin/snapshot` gives it. */
  snapshot<S = unknown>(): Promise<{ twin: string; version: number; tenants: { id: string; seed: number; state: S }[] }> {
    return this.call('GET', 'snapshot');
  }

  async journal(query: JournalQuery = {}): Promise<JournalEntry[]> {
    return (await this.call<{ entries: JournalEntry[] }>('GET', 'journal', { query: query as Query })).entries;
  }

  /** The newest journal entry's seq across every tenant (0 when empty), to read only what comes after. */
  async journalHead(): Promise<number> {
    const entries = (await this.call<{ entries: JournalEntry[] }>('GET', 'journal', { query: { limit: 1 }, tenant: false })).entries;
    return entries[entries.length - 1]?.seq ?? 0;
  }

  armFault(spec: FaultRequest): Promise<Fault> {
    return this.call('POST', 'faults', { body: spec });
  }

  async faults(): Promise<Fault[]> {
    return (await this.call<{ faults: Fault[] }>('GET', 'faults')).faults;
  }

  /** Disarm one fault by id, or every fault of the bound tenant. */
  disarmFaults(id?: string): Promise<{ disarmed: number }> {
    return this.call('DELETE', 'faults', { query: { id } });
  }

  clock(): Promise<ClockState & { tenant: string }> {
    return this.call('GET', 'clock');
  }

  setClock(body: ClockRequest): Promise<ClockState & { tenant: string }> {
    return this.call('POST', 'clock', { body });
  }

  async outbox(query: { status?: string; kind?: string } = {}): Promise<OutboundDelivery[]> {
    return (await this.call<{ deliveries: OutboundDelivery[] }>('GET', 'outbox', { query })).deliveries;
  }

  requireTenant(what: string): string {
    if (!this.tenant) throw new Error(`${what} needs a tenant; use forTenant(id)`);
    return this.tenant;
  }
}

/**
 * The Slack twin's control plane: the generic routes plus its own (`/_twin/slack/...`) to
 * configure the app, act as people and observe.
 *
 * @example
 *   const slack = new SlackControlClient('http://127.0.0.1:3100/_twin').forTenant('tenant-2');
 *   await slack.message({ user: 'alice', channel: '#ops', text: 'deploy' });
 */
export class SlackControlClient extends ControlClient {
  async app(): Promise<SlackApp> {
    return (await this.call<{ app: SlackApp }>('GET', 'slack/app')).app;
  }

  /** Configure the app; setting request_url runs the signed url_verification handshake. */
  configureApp(body: SlackAppRequest): Promise<{ app: SlackApp; verification?: SlackVerification }> {
    return this.call('POST', 'slack/app', { body });
  }

  async createUser(body: {
    real_name?: string;
    username?: string;
    display_name?: string;
    email?: string;
    is_admin?: boolean;
  }): Promise<SlackUser> {
    return (await this.call<{ user: SlackUser }>('POST', 'slack/users', { body })).user;
  }

  async updateUser(user: string, body: { real_name?: string; email?: string; deleted?: boolean; is_admin?: boolean }): Promise<SlackUser> {
    return (await this.call<{ user: SlackUser }>('POST', `slack/users/${encodeURIComponent(user)}`, { body })).user;
  }

  async createChannel(body: {
    name: string;
    private?: boolean;
    archived?: boolean;
    members?: string[];
    bot?: boolean;
    creator?: string;
    topic?: string;
    purpose?: string;
  }): Promise<SlackConversation> {
    return (await this.call<{ channel: SlackConversation }>('POST', 'slack/channels', { body })).channel;
  }

  /** A person posts (the app gets `message`, and `app_mention` when the text has `<@BOT>`). */
  message(body: {
    user: string;
    channel: string;
    text?: string;
    thread_ts?: string;
    reply_broadcast?: boolean;
    blocks?: unknown[];
  }): Promise<{ channel: string; ts: string; message: SlackMessage }> {
    return this.call('POST', 'slack/act/message', { body });
  }

  reaction(body: {
    user: string;
    channel: string;
    ts: string;
    name: string;
    remove?: boolean;
  }): Promise<{ channel: string; ts: string; reactions: SlackReaction[] }> {
    return this.call('POST', 'slack/act/reaction', { body });
  }

  join(body: { user: string; channel: string; inviter?: string }): Promise<{ channel: string; joined: boolean }> {
    return this.call('POST', 'slack/act/join', { body });
  }

  leave(body: { user: string; channel: string }): Promise<{ channel: string; left: boolean }> {
    return this.call('POST', 'slack/act/leave', { body });
  }

  /** A person runs a slash command; answers once the app has answered (or timed out). */
  slashCommand(body: {
    user: string;
    channel: string;
    command: string;
    text?: string;
  }): Promise<{ status?: number; reason?: string; error?: string; answer: { kind: string }; response_url: string; trigger_id: string }> {
    return this.call('POST', 'slack/act/slash-command', { body });
  }

  /** A person clicks a button (or picks an option) in a message or a view. */
  blockAction(body: {
    user: string;
    action_id: string;
    channel?: string;
    message_ts?: string;
    view_id?: string;
    value?: string;
    block_id?: string;
  }): Promise<{ status?: number; reason?: string; trigger_id: string; response_url: string | null }> {
    return this.call('POST', 'slack/act/block-action', { body });
  }

  viewSubmission(body: { user: string; view_id?: string; external_id?: string; callback_id?: string; values?: unknown }): Promise<unknown> {
    return this.call('POST', 'slack/act/view-submission', { body });
  }

  /** A conversation's messages, oldest first; with thread_ts, that thread (parent first). */
  messages(
    channel: string,
    opts: { thread_ts?: string; limit?: number } = {},
  ): Promise<{ channel: string; name: string; messages: SlackMessage[] }> {
    return this.call('GET', 'slack/messages', { query: { channel, ...opts } });
  }

  async ephemeral(query: { channel?: string; user?: string } = {}): Promise<SlackEphemeral[]> {
    return (await this.call<{ messages: SlackEphemeral[] }>('GET', 'slack/ephemeral', { query })).messages;
  }

  views(
    query: { user?: string; type?: string } = {},
  ): Promise<{ views: unknown[]; modals: Record<string, string[]>; home: Record<string, unknown> }> {
    return this.call('GET', 'slack/views', { query });
  }

  /** The names the steps resolve (people, conversations, the app's ids), from the tenant's snapshot. */
  async state(): Promise<SlackStateView> {
    const snap = await this.snapshot<SlackStateView>();
    const state = snap.tenants[0]?.state;
    if (!state) throw new Error(`the Slack twin returned no state for tenant ${this.tenant ?? '(default)'}`);
    return state;
  }
}
