// The Jira twin for the step library: its control routes (/_twin/jira/...), the vendor API as the site admin for arranging, and the scenario's bookkeeping (issue aliases, its own API calls and comments).

import { ControlCallError, ControlClient, type JournalEntry, type OutboundDelivery, type TenantInfo } from './control-client.ts';

/** A person on the site, as `GET /_twin/jira/people` lists them. */
export interface JiraPerson {
  accountId: string;
  displayName: string;
  emailAddress: string;
}

/** One change in an issue's history (`changelog.histories[].items[]`). */
export interface JiraChangeItem {
  field: string;
  fromString?: string | null;
  toString?: string | null;
  [key: string]: unknown;
}

/** An issue as `GET /_twin/jira/issues/{key}` shows it to the steps. */
export interface JiraIssueView {
  key: string;
  id: string;
  summary: string;
  description: string;
  status: string;
  assignee: string | null;
  labels: string[];
  resolution: string | null;
  sprints: (string | undefined)[];
  comments: { author?: string; body: string }[];
  history: { id: string; author?: { displayName?: string }; created: string; items: JiraChangeItem[] }[];
  fields: Record<string, unknown>;
}

/** What `POST /_twin/jira/act` takes: a person (`as`) does `action` in Jira, firing the webhooks Jira would. */
export interface JiraActRequest {
  as?: string;
  action: 'create' | 'comment' | 'transition' | 'assign' | 'label' | 'sprint' | 'edit';
  issue?: string;
  project?: string;
  summary?: string;
  description?: string;
  type?: string;
  status?: string;
  to?: string;
  body?: string;
  assignee?: string | null;
  labels?: string[];
  add?: string | string[];
  remove?: string | string[];
  sprint?: string | number;
  fields?: Record<string, unknown>;
}

/** The seeded admin webhook as the scenario set it: where Jira sends the app its events. */
export interface JiraWebhookConfig {
  url: string;
  events?: string[];
  jql?: string;
}

/** A vendor API call that answered 4xx/5xx: Jira's own error envelope in the message. */
export class JiraApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Jira answered ${method} ${path} with ${status}: ${body.slice(0, 300)}`);
    this.name = 'JiraApiError';
  }
}

/** An issue key as Jira writes them: `OPS-12`. */
export const ISSUE_KEY = /\b[A-Z][A-Z0-9_]{1,9}-\d+\b/g;

/**
 * The Jira twin's control plane bound to one tenant, the site's REST API as its admin, and what
 * one scenario remembers: the issue keys its features named (`OPS-1` → the key the twin gave),
 * the API calls it made itself (not the app's), the comments its people wrote.
 *
 * @example
 *   const jira = new JiraControlClient('http://127.0.0.1:3300/_twin').forTenant('tenant-2');
 *   await jira.act({ as: 'alice', action: 'comment', issue: 'OPS-1', body: 'looking' });
 */
export class JiraControlClient extends ControlClient {
  /** Issue keys as the feature names them → the keys the twin assigned. */
  readonly aliases = new Map<string, string>();
  /** Journal seqs of the vendor calls the steps made themselves: never the app's doing. */
  readonly ownCalls = new Set<number>();
  /** Comments the scenario's people wrote (`KEY\nbody`), never outcomes. */
  readonly ownComments: string[] = [];
  /** Journal seq before the scenario's first step; later entries of the tenant are calls in this scenario. */
  journalAfter = 0;
  /** Where the seeded webhook points while the scenario runs (undefined: nowhere, no app under test). */
  webhook?: JiraWebhookConfig;
  private info?: TenantInfo;
  private peopleCache?: JiraPerson[];
  private quietDepth = 0;

  // ── control routes ─────────────────────────────────────────────────────────

  /** The tenant's id, seed and env (JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN, …), read once. */
  async tenantInfo(): Promise<TenantInfo> {
    if (!this.info) this.info = await this.call<TenantInfo>('GET', `tenants/${encodeURIComponent(this.requireTenant('tenantInfo'))}`);
    return this.info;
  }

  /** Point the seeded admin webhook (signed with JIRA_WEBHOOK_SECRET) at a URL; an empty url disables it. */
  configureWebhook(body: { url: string; events?: string[]; jql?: string }): Promise<{ webhook: unknown }> {
    return this.call('POST', 'jira/webhook', { body });
  }

  /** A person acts in Jira; answers the issue (or comment) after the act. */
  act<T = { issue?: JiraIssueView; comment?: { id: string } }>(body: JiraActRequest): Promise<T> {
    return this.call('POST', 'jira/act', { body });
  }

  /** The issues a JQL query finds, as the admin sees them (at most 1000). */
  async issues(jql: string): Promise<{ key: string; summary: string; status: string }[]> {
    return (await this.call<{ issues: { key: string; summary: string; status: string }[] }>('GET', 'jira/issues', { query: { jql } }))
      .issues;
  }

  /** One issue with its fields, comments as text and history. */
  async issue(key: string): Promise<JiraIssueView> {
    return (await this.call<{ issue: JiraIssueView }>('GET', `jira/issues/${encodeURIComponent(key)}`)).issue;
  }

  /** The site's people (cached until a step adds one). */
  async people(): Promise<JiraPerson[]> {
    if (!this.peopleCache) this.peopleCache = (await this.call<{ people: JiraPerson[] }>('GET', 'jira/people')).people;
    return this.peopleCache;
  }

  /** The tenant's webhook deliveries, oldest first. */
  webhooks(): Promise<OutboundDelivery[]> {
    return this.outbox({ kind: 'webhook' });
  }

  /** The app's Jira API calls in this scenario (the tenant's journal, the steps' own calls left out), oldest first. */
  async appCalls(operation?: string): Promise<JournalEntry[]> {
    return (await this.journal({ after: this.journalAfter, operation, limit: 1000 })).filter((e) => !this.ownCalls.has(e.seq));
  }

  // ── the vendor API, as the site admin ──────────────────────────────────────

  /**
   * One REST call as the site's admin (JIRA_EMAIL / JIRA_API_TOKEN), for arranging what people
   * and admins set up through Jira itself. Its journal entry is remembered as the scenario's own,
   * so "the app called Jira …" never counts it.
   */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const { env } = await this.tenantInfo();
    const before = await this.journalHead();
    const auth = Buffer.from(`${env.JIRA_EMAIL}:${env.JIRA_API_TOKEN}`).toString('base64');
    let res: Response;
    try {
      res = await fetch(`${env.JIRA_BASE_URL}${path}`, {
        method,
        headers: {
          authorization: `Basic ${auth}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
    } catch (err) {
      throw new Error(`the Jira twin at ${env.JIRA_BASE_URL} did not answer ${method} ${path}: ${(err as Error).message}`);
    }
    const text = await res.text();
    const pathname = new URL(`${env.JIRA_BASE_URL}${path}`).pathname.replace(new URL(env.JIRA_BASE_URL).pathname.replace(/\/$/, ''), '');
    for (const e of await this.journal({ after: before, limit: 1000 })) {
      if (e.method === method && e.path === pathname) this.ownCalls.add(e.seq);
    }
    if (!res.ok) throw new JiraApiError(method, path, res.status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The domain of the site's people's emails (`twin-site.test`), from the admin's. */
  async emailDomain(): Promise<string> {
    const { env } = await this.tenantInfo();
    return env.JIRA_EMAIL?.split('@')[1] ?? 'twin-site.test';
  }

  forgetPeople(): void {
    this.peopleCache = undefined;
  }

  // ── names the features use ─────────────────────────────────────────────────

  /**
   * A person by account id, email, display name, first name or email user (`alice`), as the twin's
   * control routes resolve them; `the app` is the site admin, whose credential the app holds.
   */
  async person(ref: string): Promise<JiraPerson | undefined> {
    const people = await this.people();
    const r = ref.toLowerCase();
    if (r === 'the app' || r === 'the admin') {
      const { env } = await this.tenantInfo();
      return people.find((p) => p.emailAddress.toLowerCase() === env.JIRA_EMAIL?.toLowerCase());
    }
    return (
      people.find((p) => p.accountId === ref || p.emailAddress.toLowerCase() === r || p.displayName.toLowerCase() === r) ??
      people.find((p) => p.emailAddress.split('@')[0].toLowerCase() === r || p.displayName.split(' ')[0].toLowerCase() === r)
    );
  }

  /** Like person, but an unknown name fails the step saying who is there. */
  async requirePerson(ref: string): Promise<JiraPerson> {
    let found = await this.person(ref);
    if (found) return found;
    // Someone may have joined since the list was read (the app, or another twin's steps): read it again once.
    this.forgetPeople();
    found = await this.person(ref);
    if (found) return found;
    const known = (await this.people()).map((p) => p.emailAddress.split('@')[0]).slice(0, 12);
    throw new Error(`no Jira user "${ref}"; the site has ${known.join(', ')}; add one with: Given a Jira user "${ref}"`);
  }

  /** The key the twin gave the issue a feature calls `ref`: an alias, a key, or an exact summary. */
  async key(ref: string): Promise<string> {
    const aliased = this.aliases.get(ref);
    if (aliased) return aliased;
    if (/^[A-Z][A-Z0-9_]{1,9}-\d+$/.test(ref)) return ref;
    const bySummary = (await this.issues('')).filter((i) => i.summary === ref);
    if (bySummary.length === 1) return bySummary[0].key;
    if (bySummary.length > 1)
      throw new Error(`${bySummary.length} Jira issues are called "${ref}" (${bySummary.map((i) => i.key).join(', ')}); name one by key`);
    throw new Error(
      `no Jira issue "${ref}": name one by key (e.g. "OPS-1"), or arrange it with: Given a Jira issue "OPS-1" "${ref}" in "OPS"`,
    );
  }

  /** The name a feature knows a twin key by: its alias when it has one. */
  nameOf(key: string): string {
    for (const [alias, real] of this.aliases) if (real === key) return alias === key ? key : `${alias} (${key})`;
    return key;
  }

  /** A JQL query with the feature's issue keys replaced by the twin's. */
  jql(query: string): string {
    return query.replace(ISSUE_KEY, (k) => this.aliases.get(k) ?? k);
  }

  // ── quiet arranging ────────────────────────────────────────────────────────

  /**
   * Run `fn` without the app hearing of it: every enabled admin webhook (the seeded one pointed at
   * the app, and any the app registered itself) is switched off meanwhile through the REST API,
   * as an admin would, and switched back on afterwards.
   */
  async quietly<T>(fn: () => Promise<T>): Promise<T> {
    if (this.quietDepth > 0) return fn();
    const hooks = await this.api<{ self: string; enabled: boolean }[]>('GET', '/rest/webhooks/1.0/webhook');
    const on = hooks.filter((h) => h.enabled).map((h) => h.self.split('/').pop() as string);
    for (const id of on) await this.api('PUT', `/rest/webhooks/1.0/webhook/${id}`, { enabled: false });
    this.quietDepth++;
    try {
      return await fn();
    } finally {
      this.quietDepth--;
      for (const id of on) await this.api('PUT', `/rest/webhooks/1.0/webhook/${id}`, { enabled: true });
    }
  }

  // ── diagnostics ────────────────────────────────────────────────────────────

  /** What a person debugging a failed scenario wants to see: the scenario's issues, the app's calls, the webhooks. */
  async describe(keys: string[] = [...this.aliases.values()]): Promise<string> {
    const parts: string[] = [];
    for (const key of [...new Set(keys)].slice(0, 8)) {
      try {
        parts.push(describeIssue(await this.issue(key), this.nameOf(key)));
      } catch (err) {
        if (!(err instanceof ControlCallError)) throw err;
        parts.push(`${this.nameOf(key)}: ${err.message}`);
      }
    }
    parts.push(await this.describeAppCalls());
    parts.push(await this.describeWebhooks());
    return parts.join('\n');
  }

  async describeAppCalls(n = 20): Promise<string> {
    const calls = await this.appCalls();
    if (calls.length === 0) return 'The app made no Jira API calls in this scenario.';
    const shown = calls.slice(-n);
    const lines = [
      `The app's Jira API calls in this scenario (${shown.length === calls.length ? 'all' : `last ${shown.length} of`} ${calls.length}):`,
    ];
    for (const c of shown)
      lines.push(
        `  #${c.seq} ${c.operation ?? '?'} ${c.method} ${c.path} → ${c.status}${c.args ? ` ${clip(JSON.stringify(c.args))}` : ''}`,
      );
    return lines.join('\n');
  }

  async describeWebhooks(n = 15): Promise<string> {
    if (!this.webhook?.url) return 'The Jira webhook points at no app in this run.';
    const all = await this.webhooks();
    if (all.length === 0) return `Jira sent no webhook to ${this.webhook.url} in this scenario.`;
    const lines = [`Webhooks Jira sent to ${this.webhook.url} (last ${Math.min(n, all.length)} of ${all.length}):`];
    for (const d of all.slice(-n)) {
      const last = d.attempts.at(-1);
      const key = typeof d.meta.issueKey === 'string' ? this.nameOf(d.meta.issueKey) : '';
      lines.push(
        `  ${String(d.meta.webhookEvent ?? '?')} ${key} → ${d.status}${last ? ` (attempt ${last.number}: ${last.status ?? last.reason ?? last.outcome})` : ''}`,
      );
    }
    return lines.join('\n');
  }
}

function clip(text: string, n = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

/** An issue for humans: status, assignee, labels, the last comments and changes. */
export function describeIssue(issue: JiraIssueView, name = issue.key): string {
  const lines = [
    `${name} "${clip(issue.summary, 80)}": ${issue.status}, ${issue.assignee ? `assigned to ${issue.assignee}` : 'unassigned'}, labels [${issue.labels.join(', ')}]${issue.sprints.length ? `, sprint ${issue.sprints.join(', ')}` : ''}`,
  ];
  const comments = issue.comments.slice(-5);
  if (comments.length === 0) lines.push('  no comments');
  for (const c of comments) lines.push(`  comment by ${c.author ?? '?'}: ${clip(c.body, 160)}`);
  for (const h of issue.history.slice(-5)) {
    const items = h.items.map((i) => `${i.field}: ${i.fromString ?? '∅'} → ${i.toString ?? '∅'}`).join('; ');
    lines.push(`  ${h.created} ${h.author?.displayName ?? '?'} changed ${items}`);
  }
  return lines.join('\n');
}
