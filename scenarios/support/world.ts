// The World each scenario gets: its tenants on the twins, clients for their control planes, and the app under test.

import { type IWorldOptions, World } from '@cucumber/cucumber';
import { CompanyClient } from './company-client.ts';
import {
  DEFAULT_EVENTS_PATH,
  DEFAULT_JIRA_WEBHOOK_PATH,
  DEFAULT_WAIT_MS,
  OKTA_HOOK_EVENTS,
  type ScenarioTwin,
  type Slot,
  type TwinsWorldParameters,
  withAppVariables,
} from './config.ts';
import {
  ControlCallError,
  ControlClient,
  type JournalEntry,
  SlackControlClient,
  type SlackConversation,
  type SlackMessage,
  type SlackStateView,
  type SlackUser,
} from './control-client.ts';
import { JiraControlClient } from './jira-client.ts';
import { OktaControlClient } from './okta-client.ts';
import { eventually, MAX_WAIT_MS, never } from './wait.ts';

/** Message subtypes the twin writes itself when people join, leave or rename: never an outcome of the app. */
const SYSTEM_SUBTYPE = /^(channel|group)_/;

/** A channel the scenario touched: its id and `#name`. */
export interface ChannelRef {
  id: string;
  name: string;
}

/** Every string under a `text` key, so patterns see what a person sees in blocks and attachments too. */
function collectTexts(value: unknown, out: string[], depth = 0): void {
  if (depth > 8 || !value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collectTexts(v, out, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if ((k === 'text' || k === 'fallback' || k === 'pretext' || k === 'title') && typeof v === 'string') out.push(v);
    else collectTexts(v, out, depth + 1);
  }
}

/** A message's text with the text of its blocks and attachments, one per line (block text that only repeats `text` left out). */
export function visibleText(message: SlackMessage): string {
  const found: string[] = [];
  collectTexts(message.blocks, found);
  collectTexts(message.attachments, found);
  const parts = [message.text ?? ''];
  for (const t of found) if (t.trim() && !parts.some((p) => p.includes(t))) parts.push(t);
  return parts.filter(Boolean).join('\n');
}

function clip(text: string, n = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

function tsTime(ts: string): string {
  const ms = Number(ts) * 1000;
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 23) : ts;
}

export class TwinsWorld extends World<TwinsWorldParameters> {
  /** When the scenario began (wall clock). */
  readonly startedAt = new Date();
  /** This scenario's tenant on each twin. */
  readonly tenants: Partial<Record<ScenarioTwin, string>> = {};
  /** The app under test's base URL (`http://127.0.0.1:3000`), when a run has one. */
  appUrl?: string;
  /** What the scenario touched, for failure diagnostics. */
  readonly touched = { channels: new Map<string, ChannelRef>(), users: new Set<string>() };
  /** The twin's clock (ms) when the scenario began: older messages are history, not outcomes. */
  slackStartMs = 0;
  /** Journal seq before the scenario's first step: later entries of the tenant are the app's calls in this scenario. */
  journalAfter = 0;

  private readonly fresh: { twin: ScenarioTwin; id: string }[] = [];
  private readonly own = new Set<string>();
  private botIds?: { userId: string; botId: string };
  private quietDepth = 0;
  private slackClient?: SlackControlClient;
  private jiraClient?: JiraControlClient;
  private oktaClient?: OktaControlClient;
  private companyClient?: CompanyClient;
  /** The app's Okta event hook in this scenario, when the run has an Okta events path (setUpOktaHook). */
  oktaHook?: { id: string; uri: string; verified: boolean; problem?: string };

  constructor(options: IWorldOptions<TwinsWorldParameters>) {
    super(options);
  }

  /** Default patience of observe steps that name no duration (worldParameters.waitMs, 5 s). */
  get waitMs(): number {
    return this.parameters.waitMs ?? DEFAULT_WAIT_MS;
  }

  /** The path the app takes Slack events, commands and interactivity on (worldParameters.eventsPath). */
  get eventsPath(): string {
    return this.parameters.eventsPath ?? DEFAULT_EVENTS_PATH;
  }

  /** The Slack twin's control plane, bound to this scenario's tenant. */
  get slack(): SlackControlClient {
    if (this.slackClient) return this.slackClient;
    const endpoint = this.parameters.twins?.slack;
    if (!endpoint) throw new Error('this run has no Slack twin (worldParameters.twins.slack is missing); start it with `twins up slack`');
    const tenant = this.tenants.slack;
    if (!tenant) throw new Error('the scenario has no Slack tenant yet: the Before hook of scenarios/support/register.ts provisions it');
    this.slackClient = new SlackControlClient(endpoint.control, undefined, endpoint.token).forTenant(tenant);
    return this.slackClient;
  }

  /** The Jira twin's control plane and REST API, bound to this scenario's tenant, with the scenario's issue aliases. */
  get jira(): JiraControlClient {
    if (this.jiraClient) return this.jiraClient;
    const endpoint = this.parameters.twins?.jira;
    if (!endpoint) throw new Error('this run has no Jira twin (worldParameters.twins.jira is missing); start it with `twins up jira`');
    const tenant = this.tenants.jira;
    if (!tenant) throw new Error('the scenario has no Jira tenant yet: the Before hook of scenarios/support/register.ts provisions it');
    this.jiraClient = new JiraControlClient(endpoint.control, undefined, endpoint.token).forTenant(tenant);
    return this.jiraClient;
  }

  /** The Okta twin's control plane and the org's management API (as its super admin), bound to this scenario's tenant. */
  get okta(): OktaControlClient {
    if (this.oktaClient) return this.oktaClient;
    const endpoint = this.parameters.twins?.okta;
    if (!endpoint) throw new Error('this run has no Okta twin (worldParameters.twins.okta is missing); start it with `twins up okta`');
    const tenant = this.tenants.okta;
    if (!tenant) throw new Error('the scenario has no Okta tenant yet: the Before hook of scenarios/support/register.ts provisions it');
    this.oktaClient = new OktaControlClient(endpoint.control, undefined, endpoint.token).forTenant(tenant);
    return this.oktaClient;
  }

  /** The company across the run's twins: one person in Okta, Slack and Jira by name (scenarios/support/company-client.ts). */
  get company(): CompanyClient {
    this.companyClient ??= new CompanyClient(this);
    return this.companyClient;
  }

  /** Okta's part of setUp: the slot's org reset to its seeded state (same credentials), or a fresh org of its own. */
  private async setUpOkta(slot: Slot | undefined): Promise<void> {
    const endpoint = this.parameters.twins?.okta;
    if (!endpoint) return;
    if (slot?.tenants.okta) {
      this.tenants.okta = slot.tenants.okta;
      await this.okta.reset();
    } else {
      const created = await new ControlClient(endpoint.control, undefined, endpoint.token).createTenant();
      this.tenants.okta = created.id;
      this.fresh.push({ twin: 'okta', id: created.id });
    }
  }

  /** Jira's part of setUp: the slot's tenant reset and its webhook pointed at the app, or a fresh tenant of its own. */
  private async setUpJira(slot: Slot | undefined): Promise<void> {
    const endpoint = this.parameters.twins?.jira;
    if (!endpoint) return;
    const base = new ControlClient(endpoint.control, undefined, endpoint.token);
    if (slot?.tenants.jira) {
      this.tenants.jira = slot.tenants.jira;
      await this.jira.reset();
      this.jira.webhook = { url: this.appUrlFor(this.parameters.jiraWebhookPath ?? DEFAULT_JIRA_WEBHOOK_PATH) };
      await this.jira.configureWebhook(this.jira.webhook);
    } else {
      const created = await base.createTenant();
      this.tenants.jira = created.id;
      this.fresh.push({ twin: 'jira', id: created.id });
    }
    this.jira.journalAfter = await base.journalHead();
  }

  /**
   * With an app under test and an Okta events path (task.yaml `app.events.okta`): the app registered as the
   * slot's Okta org's event hook, as an Okta admin does it (POST /api/v1/eventHooks with the org's API token,
   * then …/lifecycle/verify, which makes Okta GET the app's URL with `x-okta-verification-challenge`),
   * subscribed to OKTA_HOOK_EVENTS and sending OKTA_EVENT_HOOK_SECRET as its Authorization header. Runs after
   * the Okta tenant's reset (which removes the previous scenario's hook). An app that fails the verification
   * gets no events (Okta sends none to an unverified hook); the scenario goes on, and its diagnostics say why.
   */
  private async setUpOktaHook(slot: Slot | undefined): Promise<void> {
    const endpoint = this.parameters.twins?.okta;
    const path = this.parameters.oktaEventHookPath;
    if (!slot || !endpoint || !path || !slot.tenants.okta) return;
    const control = new ControlClient(endpoint.control, undefined, endpoint.token);
    if (!this.tenants.okta) {
      // The Okta steps' own set-up resets the slot's tenant when they are loaded; otherwise it is done here.
      this.tenants.okta = slot.tenants.okta;
      await control.forTenant(slot.tenants.okta).reset();
    }
    const tenant = await control.call<{ env: Record<string, string> }>('GET', `tenants/${encodeURIComponent(this.tenants.okta)}`, {
      tenant: false,
    });
    const env = withAppVariables(tenant.env);
    const uri = this.appUrlFor(path);
    const admin = async (method: string, apiPath: string, body?: unknown) => {
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(`${env.OKTA_ORG_URL}${apiPath}`, {
          method,
          headers: { authorization: `SSWS ${env.OKTA_API_TOKEN}`, accept: 'application/json', 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        // Many scenarios a minute can meet the org's event-hooks rate limit: wait as Okta asks (X-Rate-Limit-Reset), up to 10 s.
        if (res.status === 429 && attempt < 3) {
          await res.body?.cancel();
          const reset = Number(res.headers.get('x-rate-limit-reset')) * 1000 - (Date.parse(res.headers.get('date') ?? '') || Date.now());
          await new Promise((r) => setTimeout(r, Math.min(10_000, Math.max(1000, reset + 1000))));
          continue;
        }
        return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
      }
    };
    const created = await admin('POST', '/api/v1/eventHooks', {
      name: 'App under test',
      events: { type: 'EVENT_TYPE', items: [...OKTA_HOOK_EVENTS] },
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: { uri, headers: [], authScheme: { type: 'HEADER', key: 'Authorization', value: env.OKTA_EVENT_HOOK_SECRET } },
      },
    });
    if (created.status !== 200 || typeof created.body.id !== 'string')
      throw new Error(
        `could not register the app's Okta event hook at ${uri}: HTTP ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`,
      );
    const verified = await admin('POST', `/api/v1/eventHooks/${created.body.id}/lifecycle/verify`);
    this.oktaHook = { id: created.body.id, uri, verified: verified.status === 200 };
    if (!this.oktaHook.verified) {
      const causes = (verified.body.errorCauses as { errorSummary?: string }[] | undefined)?.map((c) => c.errorSummary).join('; ');
      this.oktaHook.problem =
        `the app did not verify its Okta event hook ${uri} (${causes || `HTTP ${verified.status}`}), so Okta sends it no events. ` +
        'It must answer GET there with 200 and {"verification": <the x-okta-verification-challenge header>}.';
    }
  }

  /** The slot this worker owns when an app is under test: `CUCUMBER_WORKER_ID` modulo the number of slots. */
  slot(): Slot | undefined {
    const slots = this.parameters.slots;
    if (!slots || slots.length === 0) return undefined;
    const worker = Number(process.env.CUCUMBER_WORKER_ID ?? 0);
    return slots[(Number.isFinite(worker) ? worker : 0) % slots.length];
  }

  /**
   * Give the scenario its tenants. With an app under test: reset the slot's tenant (fresh seeded
   * state, same credentials), put its clock back on real time, and point the app's events and
   * interactivity URL at the app, which must pass Slack's url_verification. Without one: a
   * fresh tenant per twin, deleted in `tearDown`.
   */
  async setUp(): Promise<void> {
    const endpoints = this.parameters.twins ?? {};
    if (!endpoints.slack && !endpoints.jira && !endpoints.okta)
      throw new Error('worldParameters.twins names no twin; the step library needs at least { slack: { url, control } }');
    const slot = this.slot();
    if (slot) this.appUrl = slot.appUrl.replace(/\/$/, '');
    await this.setUpJira(slot);
    await this.setUpOkta(slot);
    await this.setUpOktaHook(slot);
    if (this.tenants.okta) await this.okta.begin();
    if (!endpoints.slack) return;
    const base = new ControlClient(endpoints.slack.control, undefined, endpoints.slack.token);
    if (slot) {
      const tenant = slot.tenants.slack;
      if (!tenant) throw new Error(`the slot for ${slot.appUrl} has no Slack tenant (slots[].tenants.slack)`);
      this.tenants.slack = tenant;
      this.appUrl = slot.appUrl.replace(/\/$/, '');
      await this.slack.reset();
      await this.rewindClock();
      await this.pointAppAt(this.eventsPath);
    } else {
      const created = await base.createTenant();
      this.tenants.slack = created.id;
      this.fresh.push({ twin: 'slack', id: created.id });
    }
    this.slackStartMs = (await this.slack.clock()).now;
    this.journalAfter = await base.journalHead();
  }

  /**
   * Put a reset tenant's clock back on the wall clock. A reset keeps the clock, which never moves
   * backwards, so after an earlier scenario's "2 hours pass" the slot would run hours ahead of
   * the app, whose own clock (scheduling, expiry) would then disagree with Slack's. A snapshot
   * restore is the one control call that may set a clock freely.
   */
  private async rewindClock(): Promise<void> {
    const clock = await this.slack.clock();
    if (clock.mode === 'real' && Math.abs(clock.now - Date.now()) < 1000) return;
    const snap = await this.slack.snapshot();
    await this.slack.call('PUT', 'snapshot', {
      body: { ...snap, tenants: snap.tenants.map((t) => ({ ...t, clock: { mode: 'real', offsetMs: 0 } })) },
      tenant: false,
    });
  }

  /** Delete the tenants this scenario created (an app's slot tenant stays for the next scenario). */
  async tearDown(): Promise<void> {
    for (const { twin, id } of this.fresh.splice(0)) {
      const endpoint = this.parameters.twins?.[twin];
      if (endpoint) await new ControlClient(endpoint.control, undefined, endpoint.token).deleteTenant(id);
    }
  }

  /** `/slack/events` → the app's URL for it; an absolute URL stays as it is. */
  appUrlFor(pathOrUrl: string): string {
    if (/^https?:\/\//.test(pathOrUrl)) return pathOrUrl;
    if (!this.appUrl) throw new Error(`"${pathOrUrl}" is a path on the app, but this run has no app under test; give a full URL`);
    return `${this.appUrl}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  /** Set the app's Events API and interactivity URL; fails unless the app answers the url_verification challenge. */
  async pointAppAt(pathOrUrl: string): Promise<void> {
    const url = this.appUrlFor(pathOrUrl);
    const { verification } = await this.slack.configureApp({ request_url: url, interactivity_url: url });
    if (!verification?.verified) {
      const why = verification?.status
        ? `it answered HTTP ${verification.status}`
        : `it did not answer (${verification?.reason ?? 'no answer'})`;
      throw new Error(
        `the app did not verify its Slack events URL ${url}: ${why}${verification?.status && verification.reason ? `, ${verification.reason}` : ''}. ` +
          'It must answer the url_verification challenge there, signed with SLACK_SIGNING_SECRET.',
      );
    }
  }

  /**
   * Run `fn` without the app hearing of it: arrange steps describe the world as it already is,
   * so the twin sends no events meanwhile (the app's subscriptions are emptied, then restored).
   */
  async quietly<T>(fn: () => Promise<T>): Promise<T> {
    if (this.quietDepth > 0) return fn();
    const subs = (await this.slack.app()).event_subscriptions;
    await this.slack.configureApp({ event_subscriptions: [] });
    this.quietDepth++;
    try {
      return await fn();
    } finally {
      this.quietDepth--;
      await this.slack.configureApp({ event_subscriptions: subs });
    }
  }

  /** The app's bot user id (`U…`, what `<@…>` mentions) and bot id (`B…`, on its messages). */
  async bot(): Promise<{ userId: string; botId: string }> {
    if (!this.botIds) {
      const app = await this.slack.app();
      this.botIds = { userId: app.bot_user_id, botId: app.bot_id };
    }
    return this.botIds;
  }

  /** Whether the app's bot wrote `message`. */
  async byApp(message: SlackMessage): Promise<boolean> {
    const bot = await this.bot();
    return message.user === bot.userId || message.bot_id === bot.botId;
  }

  /** A person by id, user name, display name, real name or email, as the twin resolves them. */
  async resolveUser(ref: string, state?: SlackStateView): Promise<SlackUser> {
    const s = state ?? (await this.slack.state());
    const wanted = ref.replace(/^@/, '').toLowerCase();
    const user =
      s.users[ref] ??
      Object.values(s.users).find(
        (u) =>
          u.name.toLowerCase() === wanted ||
          u.profile.email?.toLowerCase() === wanted ||
          u.profile.display_name.toLowerCase() === wanted ||
          u.real_name.toLowerCase() === wanted,
      );
    if (!user) {
      const known = Object.values(s.users)
        .filter((u) => !u.is_bot && u.id !== 'USLACKBOT')
        .slice(0, 12)
        .map((u) => u.name);
      throw new Error(`no Slack user "${ref}"; the workspace has ${known.join(', ')}, …; add one with: Given a Slack user "${ref}"`);
    }
    this.touched.users.add(user.name);
    return user;
  }

  /** A channel by `#name` or id; remembered for failure diagnostics. */
  async resolveChannel(ref: string): Promise<ChannelRef> {
    try {
      const { channel, name } = await this.slack.messages(ref, { limit: 1 });
      const found = { id: channel, name: name ? `#${name}` : channel };
      this.touched.channels.set(found.id, found);
      return found;
    } catch (err) {
      if (err instanceof ControlCallError && err.code === 'channel_not_found')
        throw new Error(`no Slack channel ${ref}; add it with: Given a Slack channel "${ref}"`);
      throw err;
    }
  }

  /** Remember a message the scenario itself posted, so observe steps never mistake it for the app's doing. */
  recordOwn(channel: string, ts: string): void {
    this.own.add(`${channel}/${ts}`);
  }

  /**
   * Whether `message` in `channel` is an outcome to observe: posted after the scenario began,
   * not by the scenario's own people (arrange and act steps), and not a join/leave notice.
   */
  isOutcome(channel: string, message: SlackMessage): boolean {
    if (this.own.has(`${channel}/${message.ts}`)) return false;
    if (message.subtype && SYSTEM_SUBTYPE.test(message.subtype)) return false;
    return Number(message.ts) * 1000 >= this.slackStartMs - 1;
  }

  /** A channel's top-level messages, oldest first. */
  async history(channel: ChannelRef): Promise<SlackMessage[]> {
    return (await this.slack.messages(channel.id)).messages;
  }

  /** The replies in a thread, oldest first (without its parent). */
  async replies(channel: ChannelRef, threadTs: string): Promise<SlackMessage[]> {
    return (await this.slack.messages(channel.id, { thread_ts: threadTs })).messages.filter((m) => m.ts !== threadTs);
  }

  /** The newest top-level message of a channel that a person wrote (join and leave notices skipped). */
  async lastMessage(channel: ChannelRef): Promise<SlackMessage> {
    const last = (await this.history(channel)).filter((m) => !m.subtype || !SYSTEM_SUBTYPE.test(m.subtype)).at(-1);
    if (!last) throw new Error(`${channel.name} has no messages yet`);
    return last;
  }

  /** The newest top-level message of a channel whose text (or blocks) matches `pattern`. */
  async messageMatching(channel: ChannelRef, pattern: RegExp): Promise<SlackMessage | undefined> {
    return (await this.history(channel)).reverse().find((m) => pattern.test(visibleText(m)));
  }

  /** Like messageMatching, but a missing message fails the step saying what the channel holds. */
  async requireMessage(channel: ChannelRef, pattern: RegExp): Promise<SlackMessage> {
    const found = await this.messageMatching(channel, pattern);
    if (!found) throw new Error(`no message matching ${pattern} in ${channel.name}.\n${await this.describeChannel(channel)}`);
    return found;
  }

  /** The DM between the app's bot and a person, if one is open. */
  async imWith(userId: string): Promise<SlackConversation | undefined> {
    const [state, bot] = await Promise.all([this.slack.state(), this.bot()]);
    return Object.values(state.conversations).find(
      (c) => c.is_im && c.members.includes(userId) && c.members.includes(bot.userId) && (userId !== bot.userId || c.members.length === 1),
    );
  }

  /** The app's Slack API calls in this scenario (the tenant's journal), oldest first. */
  async appCalls(operation?: string): Promise<JournalEntry[]> {
    return this.slack.journal({ after: this.journalAfter, operation });
  }

  /** A duration from a step, bounded: real-time waits longer than MAX_WAIT_MS belong on the twin's clock. */
  patience(ms?: number): number {
    const wait = ms ?? this.waitMs;
    if (wait > MAX_WAIT_MS)
      throw new Error(
        `a step may wait at most ${MAX_WAIT_MS / 1000} seconds in real time, not ${wait / 1000}; to let hours pass, write e.g. "When 2 hours pass"`,
      );
    return wait;
  }

  /** Wait until `check` finds something; on timeout, say what was awaited and show the channel and the app's calls. */
  waitFor<T>(
    check: () => Promise<T | undefined | null | false>,
    opts: { timeoutMs?: number; describe: string; channel?: ChannelRef; extra?: () => Promise<string> },
  ): Promise<T> {
    return eventually(check, { timeoutMs: this.patience(opts.timeoutMs), describe: opts.describe, saw: () => this.seen(opts) });
  }

  /** Watch the whole window that `check` finds nothing; fail at once, saying what, if it does. */
  mustNotSee<T>(
    check: () => Promise<T | undefined | null | false>,
    opts: { timeoutMs?: number; describe: string; channel?: ChannelRef; render?: (found: T) => string },
  ): Promise<void> {
    return never(check, {
      timeoutMs: this.patience(opts.timeoutMs),
      describe: opts.describe,
      render: opts.render,
      saw: () => this.seen(opts),
    });
  }

  private async seen(opts: { channel?: ChannelRef; extra?: () => Promise<string> }): Promise<string> {
    const parts: string[] = [];
    if (opts.extra) parts.push(await opts.extra());
    if (opts.channel) parts.push(await this.describeChannel(opts.channel));
    parts.push(await this.describeAppCalls());
    return parts.filter(Boolean).join('\n');
  }

  /** The last `n` top-level messages of a channel with their thread replies, for humans. */
  async describeChannel(channel: ChannelRef, n = 10): Promise<string> {
    const [state, messages] = await Promise.all([this.slack.state(), this.history(channel)]);
    const bot = await this.bot();
    const who = (m: SlackMessage) =>
      m.user === bot.userId || m.bot_id === bot.botId ? 'the app' : m.user ? (state.users[m.user]?.name ?? m.user) : (m.bot_id ?? '?');
    const line = (m: SlackMessage, indent: string) => {
      const reactions = (m.reactions ?? []).map((r) => `:${r.name}: ×${r.count}`).join(' ');
      const marks = [
        m.subtype ? `(${m.subtype})` : '',
        reactions ? `[${reactions}]` : '',
        this.own.has(`${channel.id}/${m.ts}`) ? '(posted by the scenario)' : '',
      ]
        .filter(Boolean)
        .join(' ');
      // Mentions read as names: a person reading the failure knows bob, not U0123.
      const text = visibleText(m).replace(/<@([UW][A-Z0-9]+)>/g, (_, id: string) => `@${state.users[id]?.name ?? id}`);
      return `${indent}${tsTime(m.ts)} ${who(m)}: ${clip(text)}${marks ? ` ${marks}` : ''}`;
    };
    const recent = messages.slice(-n);
    if (recent.length === 0) return `${channel.name} has no messages.`;
    const lines = [`The last ${recent.length} of ${messages.length} messages in ${channel.name} (${channel.id}), oldest first:`];
    for (const m of recent) {
      lines.push(line(m, '  '));
      if (m.reply_count) for (const r of (await this.replies(channel, m.ts)).slice(-n)) lines.push(line(r, '      ↳ '));
    }
    return lines.join('\n');
  }

  /** The app's API calls in this scenario, for humans. */
  async describeAppCalls(n = 20): Promise<string> {
    const calls = await this.appCalls();
    if (calls.length === 0) return 'The app made no Slack API calls in this scenario.';
    const shown = calls.slice(-n);
    const lines = [
      `The app's Slack API calls in this scenario (${shown.length === calls.length ? 'all' : `last ${shown.length} of`} ${calls.length}):`,
    ];
    for (const c of shown) {
      const outcome = c.error ? `${c.status} ${c.error}` : String(c.status);
      lines.push(`  #${c.seq} ${c.operation ?? c.path} → ${outcome}${c.args ? ` ${clip(JSON.stringify(c.args), 200)}` : ''}`);
    }
    return lines.join('\n');
  }

  /** Everything worth seeing when a scenario fails: tenant, touched channels, the app's calls, undelivered events. */
  async diagnostics(): Promise<string> {
    const parts = [
      `Slack tenant ${this.tenants.slack ?? '(none)'}${this.appUrl ? `, app ${this.appUrl}` : ''}; the scenario began ${this.startedAt.toISOString()}.`,
    ];
    if (this.oktaHook?.problem) parts.push(this.oktaHook.problem);
    if (this.tenants.jira) {
      try {
        parts.push(`Jira tenant ${this.tenants.jira}:\n${await this.jira.describe()}`);
      } catch (err) {
        parts.push(`(could not read the Jira tenant: ${(err as Error).message})`);
      }
    }
    if (this.tenants.okta) {
      try {
        parts.push(`Okta tenant ${this.tenants.okta}:\n${await this.okta.describe()}`);
      } catch (err) {
        parts.push(`(could not read the Okta tenant: ${(err as Error).message})`);
      }
    }
    if (!this.tenants.slack) return parts.join('\n\n');
    const safely = async (what: string, fn: () => Promise<string>) => {
      try {
        parts.push(await fn());
      } catch (err) {
        parts.push(`(could not read ${what}: ${(err as Error).message})`);
      }
    };
    for (const channel of this.touched.channels.values()) await safely(channel.name, () => this.describeChannel(channel));
    await safely("the app's calls", () => this.describeAppCalls(50));
    await safely('the outbox', async () => {
      const failing = (await this.slack.outbox()).filter((d) => d.status !== 'delivered');
      if (failing.length === 0) return 'Every event, command and action the twin sent the app was answered 2xx.';
      const lines = ['Deliveries to the app that did not (yet) succeed:'];
      for (const d of failing.slice(-10)) {
        const last = d.attempts.at(-1);
        lines.push(
          `  ${d.id} ${d.kind} ${String(d.meta?.event_type ?? d.meta?.command ?? '')} → ${d.status}${last ? ` (attempt ${last.number}: ${last.status ?? last.reason ?? last.outcome})` : ''}`,
        );
      }
      return lines.join('\n');
    });
    return parts.join('\n\n');
  }
}
