// Jira steps: the site as it is (projects, people, issues in their statuses), what people do in Jira (which fires the webhooks), and what shows up there afterwards.

import { createHmac, randomUUID } from 'node:crypto';
import type { DataTable } from '@cucumber/cucumber';
import type { OutboundDelivery } from '../../src/kernel/outbox.ts';
import { ControlCallError } from '../support/control-client.ts';
import { step } from '../support/define.ts';
import { JiraApiError, type JiraControlClient, type JiraIssueView } from '../support/jira-client.ts';
import { patientStep, watchfulStep } from '../support/patience.ts';
import { eventually, never } from '../support/wait.ts';
import type { TwinsWorld } from '../support/world.ts';

const topic = 'jira';

/** The fields an arranged issue's data table may set, one `| field | value |` row each. */
const ISSUE_TABLE_FIELDS = ['status', 'assignee', 'labels', 'type', 'priority', 'description', 'sprint'];

function list(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** What the scenario's issues, the app's Jira calls and the webhooks look like, for a failed wait. */
function seen(jira: JiraControlClient, keys: string[] = []): () => Promise<string> {
  return () => jira.describe(keys.length ? [...keys, ...jira.aliases.values()] : undefined);
}

/** Poll until `check` finds it, within the step's patience; the failure shows the issue, the app's calls and the webhooks. */
function waitFor<T>(
  world: TwinsWorld,
  waitMs: number | undefined,
  describe: string,
  check: () => Promise<T | undefined | null | false>,
  keys: string[] = [],
): Promise<T> {
  return eventually(check, { timeoutMs: world.patience(waitMs), describe, saw: seen(world.jira, keys) });
}

/** Watch the whole window that `check` finds nothing. */
function mustNotSee<T>(
  world: TwinsWorld,
  waitMs: number | undefined,
  describe: string,
  check: () => Promise<T | undefined | null | false>,
  render: (found: T) => string,
  keys: string[] = [],
): Promise<void> {
  return never(check, { timeoutMs: world.patience(waitMs), describe, render, saw: seen(world.jira, keys) });
}

/** A vendor call whose refusal says what Jira answered and what to write instead. */
async function arranging<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof JiraApiError) throw new Error(`could not arrange ${what}: ${err.message}`);
    throw err;
  }
}

/** The project exists (created by the admin, a scrum software project named after its key, if it was not there). */
async function ensureProject(jira: JiraControlClient, key: string): Promise<void> {
  if (!/^[A-Z][A-Z0-9_]{1,9}$/.test(key))
    throw new Error(`"${key}" is not a Jira project key: 2 to 10 capital letters and digits, starting with a letter (e.g. "OPS")`);
  try {
    await jira.api('GET', `/rest/api/2/project/${key}`);
    return;
  } catch (err) {
    if (!(err instanceof JiraApiError) || err.status !== 404) throw err;
  }
  const admin = await jira.requirePerson('the admin');
  await arranging(`the Jira project ${key}`, () =>
    jira.api('POST', '/rest/api/2/project', {
      key,
      name: `${key} project`,
      leadAccountId: admin.accountId,
      projectTypeKey: 'software',
      projectTemplateKey: 'com.pyxis.greenhopper.jira:gh-simplified-agility-scrum',
    }),
  );
}

/** Move an issue to a status quietly, through the admin, as the board would. */
async function arrangeStatus(jira: JiraControlClient, key: string, status: string): Promise<void> {
  await jira.quietly(() => jira.act({ action: 'transition', issue: key, to: status }));
}

/** Comments that are outcomes: those the scenario's own people wrote are left out, one for one. */
function outcomeComments(jira: JiraControlClient, key: string, issue: JiraIssueView): { author?: string; body: string }[] {
  const own = jira.ownComments.filter((c) => c.startsWith(`${key}\n`));
  return issue.comments.filter((c) => {
    const i = own.indexOf(`${key}\n${c.author ?? ''}\n${c.body}`);
    if (i < 0) return true;
    own.splice(i, 1);
    return false;
  });
}

// ── arrange ──────────────────────────────────────────────────────────────────

step({
  kind: 'arrange',
  topic,
  expression: 'a Jira project {string}',
  example: 'Given a Jira project "SUP"',
  doc: 'A scrum software project with that key exists (with its board and the default workflow To Do → In Progress → Done); the seeded site already has "OPS".',
  async run(this: TwinsWorld, key: string) {
    await ensureProject(this.jira, key);
  },
});

step({
  kind: 'arrange',
  topic,
  expression: "the app's Jira webhook URL is {string}",
  example: 'Given the app\'s Jira webhook URL is "/webhooks/jira"',
  doc: "Jira sends the app its issue and comment webhooks at this path on the app (or full URL) instead of the run's default `/jira/webhook`, signed with JIRA_WEBHOOK_SECRET as before.",
  async run(this: TwinsWorld, pathOrUrl: string) {
    this.jira.webhook = { url: this.appUrlFor(pathOrUrl) };
    await this.jira.configureWebhook(this.jira.webhook);
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'a Jira user {string}',
  example: 'Given a Jira user "zoe"',
  doc: 'A person with that name (or email) is on the site; seeded people are admin, alice, bob, carol and dave (`<name>@twin-site.test`).',
  async run(this: TwinsWorld, ref: string) {
    if (await this.jira.person(ref)) return;
    const name = ref.split('@')[0];
    const email = ref.includes('@') ? ref : `${name}@${await this.jira.emailDomain()}`;
    await arranging(`the Jira user ${ref}`, () =>
      this.jira.api('POST', '/rest/api/2/user', {
        emailAddress: email,
        displayName: name.charAt(0).toUpperCase() + name.slice(1),
        products: ['jira-software'],
      }),
    );
    this.jira.forgetPeople();
  },
});

/** Create an issue through the REST API as the admin, quietly, and remember the feature's key for it. */
async function arrangeIssue(world: TwinsWorld, alias: string, summary: string, project: string, table?: DataTable): Promise<void> {
  const jira = world.jira;
  if (!/^[A-Z][A-Z0-9_]{1,9}-\d+$/.test(alias)) throw new Error(`"${alias}" is not an issue key; write e.g. "${project}-1"`);
  if (alias.split('-')[0] !== project)
    throw new Error(`the issue "${alias}" would be in ${project}: give it a key of that project, e.g. "${project}-1"`);
  if (jira.aliases.has(alias)) throw new Error(`the scenario already has a Jira issue "${alias}"`);
  const rows: Record<string, string> = {};
  for (const [field, value] of table ? table.raw() : []) {
    const f = (field ?? '').trim().toLowerCase();
    if (!ISSUE_TABLE_FIELDS.includes(f))
      throw new Error(`an issue's table takes the fields ${ISSUE_TABLE_FIELDS.join(', ')}; not "${field}"`);
    rows[f] = (value ?? '').trim();
  }
  await ensureProject(jira, project);
  const fields: Record<string, unknown> = { project: { key: project }, issuetype: { name: rows.type || 'Task' }, summary };
  if (rows.description) fields.description = rows.description;
  if (rows.labels) fields.labels = list(rows.labels);
  if (rows.priority) fields.priority = { name: rows.priority };
  if (rows.assignee) fields.assignee = { accountId: (await jira.requirePerson(rows.assignee)).accountId };
  await jira.quietly(async () => {
    const created = await arranging(`the Jira issue ${alias}`, () => jira.api<{ key: string }>('POST', '/rest/api/2/issue', { fields }));
    jira.aliases.set(alias, created.key);
    if (rows.status) await arrangeStatus(jira, created.key, rows.status);
    if (rows.sprint) await jira.act({ action: 'sprint', issue: created.key, sprint: rows.sprint });
  });
}

step({
  kind: 'arrange',
  topic,
  expression: 'a Jira issue {string} {string} in {string}',
  example: 'Given a Jira issue "OPS-1" "Login page times out" in "OPS"',
  doc: "An issue with that summary is in the project (a Task in To Do, created by the admin, the app unaware); the key written is the scenario's name for it, whatever key the twin gave it.",
  async run(this: TwinsWorld, alias: string, summary: string, project: string) {
    await arrangeIssue(this, alias, summary, project);
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'a Jira issue {string} {string} in {string} with:',
  example: 'Given a Jira issue "OPS-2" "Checkout fails" in "OPS" with:',
  doc: 'Like the issue without a table, with the rows `| status | In Progress |`, `| assignee | bob |`, `| labels | incident, p1 |`, `| type | Bug |`, `| priority | High |`, `| description | … |`, `| sprint | OPS Sprint 1 |` set as given.',
  async run(this: TwinsWorld, alias: string, summary: string, project: string, table: DataTable) {
    await arrangeIssue(this, alias, summary, project, table);
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'the Jira issue {string} is {string}',
  example: 'Given the Jira issue "OPS-1" is "In Progress"',
  doc: 'The issue is in that status (moved there by the admin, the app unaware; into Done sets the resolution).',
  async run(this: TwinsWorld, ref: string, status: string) {
    await arrangeStatus(this.jira, await this.jira.key(ref), status);
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'the Jira issue {string} is already assigned to {string}',
  example: 'Given the Jira issue "OPS-1" is already assigned to "bob"',
  doc: 'The issue is assigned to that person (by the admin, the app unaware).',
  async run(this: TwinsWorld, ref: string, assignee: string) {
    const key = await this.jira.key(ref);
    const person = await this.jira.requirePerson(assignee);
    await this.jira.quietly(() => this.jira.api('PUT', `/rest/api/2/issue/${key}/assignee`, { accountId: person.accountId }));
  },
});

step({
  kind: 'arrange',
  topic,
  expression: 'the Jira issue {string} has already been commented on by {string}: {string}',
  example: 'Given the Jira issue "OPS-1" has already been commented on by "carol": "seen this before"',
  doc: 'The comment is on the issue from before the scenario: the app got no webhook for it, and it is not an outcome.',
  async run(this: TwinsWorld, ref: string, who: string, body: string) {
    const key = await this.jira.key(ref);
    const person = await this.jira.requirePerson(who);
    await this.jira.quietly(() => this.jira.act({ as: person.accountId, action: 'comment', issue: key, body }));
    this.jira.ownComments.push(`${key}\n${person.displayName}\n${body}`);
  },
});

// ── act: people do things in Jira, and Jira sends the app its webhooks ──────

/** A person acts on an issue through the twin's control plane, as they would in Jira. */
async function act(world: TwinsWorld, who: string, body: Omit<Parameters<JiraControlClient['act']>[0], 'as'>): Promise<void> {
  const person = await world.jira.requirePerson(who);
  await world.jira.act({ ...body, as: person.accountId });
}

step({
  kind: 'act',
  topic,
  expression: '{string} creates a Jira issue {string} in {string}',
  example: 'When "alice" creates a Jira issue "Database is down" in "OPS"',
  doc: 'The person creates a Task with that summary in the project; the app gets `jira:issue_created`, and steps name the issue by its summary.',
  async run(this: TwinsWorld, who: string, summary: string, project: string) {
    await act(this, who, { action: 'create', project, summary });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} creates a Jira issue {string} {string} in {string}',
  example: 'When "alice" creates a Jira issue "OPS-9" "Database is down" in "OPS"',
  doc: "Like creating an issue, with the key written as the scenario's name for it (whatever key the twin gives it).",
  async run(this: TwinsWorld, who: string, alias: string, summary: string, project: string) {
    if (this.jira.aliases.has(alias)) throw new Error(`the scenario already has a Jira issue "${alias}"`);
    const person = await this.jira.requirePerson(who);
    const { issue } = await this.jira.act({ as: person.accountId, action: 'create', project, summary });
    if (issue) this.jira.aliases.set(alias, issue.key);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} comments on {string}: {string}',
  example: 'When "bob" comments on "OPS-1": "is anyone on this?"',
  doc: 'The person comments on the issue; the app gets `comment_created` and `jira:issue_updated` (issue_commented).',
  async run(this: TwinsWorld, who: string, ref: string, body: string) {
    const key = await this.jira.key(ref);
    const person = await this.jira.requirePerson(who);
    await this.jira.act({ as: person.accountId, action: 'comment', issue: key, body });
    this.jira.ownComments.push(`${key}\n${person.displayName}\n${body}`);
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} transitions {string} to {string}',
  example: 'When "alice" transitions "OPS-1" to "Done"',
  doc: 'The person moves the issue to that status; the app gets `jira:issue_updated` (issue_generic) with the status change in its changelog.',
  async run(this: TwinsWorld, who: string, ref: string, status: string) {
    await act(this, who, { action: 'transition', issue: await this.jira.key(ref), to: status });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} assigns {string} to {string}',
  example: 'When "alice" assigns "OPS-1" to "bob"',
  doc: 'The person assigns the issue to someone; the app gets `jira:issue_updated` (issue_assigned).',
  async run(this: TwinsWorld, who: string, ref: string, assignee: string) {
    const target = await this.jira.requirePerson(assignee);
    await act(this, who, { action: 'assign', issue: await this.jira.key(ref), assignee: target.accountId });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} unassigns {string}',
  example: 'When "alice" unassigns "OPS-1"',
  doc: 'The person leaves the issue unassigned; the app gets `jira:issue_updated` (issue_assigned).',
  async run(this: TwinsWorld, who: string, ref: string) {
    await act(this, who, { action: 'assign', issue: await this.jira.key(ref), assignee: null });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} adds the label {string} to {string}',
  example: 'When "carol" adds the label "incident" to "OPS-1"',
  doc: 'The person adds the label to the issue; the app gets `jira:issue_updated` with the labels change.',
  async run(this: TwinsWorld, who: string, label: string, ref: string) {
    await act(this, who, { action: 'label', issue: await this.jira.key(ref), add: [label] });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} removes the label {string} from {string}',
  example: 'When "carol" removes the label "incident" from "OPS-1"',
  doc: 'The person takes the label off the issue; the app gets `jira:issue_updated` with the labels change.',
  async run(this: TwinsWorld, who: string, label: string, ref: string) {
    await act(this, who, { action: 'label', issue: await this.jira.key(ref), remove: [label] });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} moves {string} to the sprint {string}',
  example: 'When "alice" moves "OPS-1" to the sprint "OPS Sprint 1"',
  doc: 'The person puts the issue in the sprint (by name or id); the app gets `jira:issue_updated` with the Sprint change.',
  async run(this: TwinsWorld, who: string, ref: string, sprint: string) {
    await act(this, who, { action: 'sprint', issue: await this.jira.key(ref), sprint });
  },
});

step({
  kind: 'act',
  topic,
  expression: '{string} changes the summary of {string} to {string}',
  example: 'When "bob" changes the summary of "OPS-1" to "Login fails for SSO users"',
  doc: "The person edits the issue's summary; the app gets `jira:issue_updated` with the summary change.",
  async run(this: TwinsWorld, who: string, ref: string, summary: string) {
    await act(this, who, { action: 'edit', issue: await this.jira.key(ref), fields: { summary } });
  },
});

/** `sha256=<hex HMAC-SHA256(secret, body)>`, Jira's X-Hub-Signature. */
function hubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface ChangeItem {
  field?: string;
}

/** The changelog items of a delivered webhook body (none when it is not JSON or has no changelog). */
function changedFields(d: OutboundDelivery): string[] {
  try {
    const body = JSON.parse(d.body ?? '') as { changelog?: { items?: ChangeItem[] } };
    return (body.changelog?.items ?? []).map((i) => String(i.field ?? '').toLowerCase());
  } catch {
    return [];
  }
}

/** Where Jira sends the app its webhooks in this scenario; fails the step when nowhere. */
function webhookUrl(world: TwinsWorld): string {
  const url = world.jira.webhook?.url;
  if (!url) throw new Error('Jira sends this run no webhooks (no app under test, or the run has no Jira twin)');
  return url;
}

/** POST a webhook to the app as Jira's delivery client would, ignoring the answer. */
async function postWebhook(url: string, headers: Record<string, string>, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  await res.body?.cancel();
}

step({
  kind: 'act',
  topic,
  expression: 'Jira delivers the webhook of the last {string} change to {string} again',
  example: 'When Jira delivers the webhook of the last "labels" change to "OPS-1" again',
  doc: 'Jira sends the app the newest `jira:issue_updated` delivery whose changelog changed that field of the issue once more: the same body and X-Atlassian-Webhook-Identifier, signed with JIRA_WEBHOOK_SECRET, with X-Atlassian-Webhook-Retry: 1, as Jira does when it is not sure the first one arrived; the step waits for that delivery to exist first.',
  async run(this: TwinsWorld, field: string, ref: string) {
    const key = await this.jira.key(ref);
    const url = webhookUrl(this);
    const wanted = field.toLowerCase();
    const delivery = await this.waitFor(
      async () =>
        (await this.jira.webhooks())
          .filter((d) => d.meta.webhookEvent === 'jira:issue_updated' && d.meta.issueKey === key && d.body)
          .filter((d) => changedFields(d).includes(wanted))
          .at(-1),
      { describe: `a jira:issue_updated webhook changing ${field} of ${this.jira.nameOf(key)}` },
    );
    const { env } = await this.jira.tenantInfo();
    const body = delivery.body ?? '';
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Atlassian Webhook HTTP Client',
      'x-atlassian-webhook-identifier': String(delivery.meta.identifier ?? randomUUID()),
      'x-atlassian-webhook-flow': 'Primary',
      'x-atlassian-webhook-retry': '1',
    };
    if (env.JIRA_WEBHOOK_SECRET) headers['x-hub-signature'] = hubSignature(env.JIRA_WEBHOOK_SECRET, body);
    await postWebhook(delivery.url || url, headers, body);
  },
});

step({
  kind: 'act',
  topic,
  expression: 'a Jira webhook with a wrong signature says {string} added the label {string} to {string}',
  example: 'When a Jira webhook with a wrong signature says "carol" added the label "approved" to "OPS-1"',
  doc: "Someone who does not hold JIRA_WEBHOOK_SECRET posts the app's Jira webhook URL a `jira:issue_updated` that looks like Jira's (the issue as Jira last sent it, the label added in fields and changelog, the person as the user) but is signed (X-Hub-Signature) with another secret, so nothing changes in Jira and an app that checks signatures ignores it.",
  async run(this: TwinsWorld, who: string, label: string, ref: string) {
    const key = await this.jira.key(ref);
    const url = webhookUrl(this);
    const person = await this.jira.requirePerson(who);
    const last = await this.waitFor(
      async () =>
        (await this.jira.webhooks())
          .filter((d) => d.meta.issueKey === key && d.body && String(d.meta.webhookEvent ?? '').startsWith('jira:issue_'))
          .at(-1),
      { describe: `a webhook Jira sent the app about ${this.jira.nameOf(key)} (the forgery copies it)` },
    );
    const payload = JSON.parse(last.body ?? '{}') as {
      issue?: { self?: string; fields?: { labels?: string[] } };
      [k: string]: unknown;
    };
    const before = [...(payload.issue?.fields?.labels ?? [])];
    const after = before.includes(label) ? before : [...before, label];
    if (payload.issue?.fields) payload.issue.fields.labels = after;
    const base = String(payload.issue?.self ?? '').replace(/\/rest\/api\/.*$/, '');
    const forged = {
      ...payload,
      timestamp: Date.now(),
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_updated',
      user: {
        self: `${base}/rest/api/2/user?accountId=${person.accountId}`,
        accountId: person.accountId,
        displayName: person.displayName,
        active: true,
        accountType: 'atlassian',
      },
      changelog: {
        id: String(900_000 + Math.floor(Math.random() * 99_999)),
        items: [
          {
            field: 'labels',
            fieldtype: 'jira',
            fieldId: 'labels',
            from: null,
            fromString: before.join(' '),
            to: null,
            toString: after.join(' '),
          },
        ],
      },
    };
    const body = JSON.stringify(forged);
    await postWebhook(
      url,
      {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Atlassian Webhook HTTP Client',
        'x-atlassian-webhook-identifier': randomUUID(),
        'x-atlassian-webhook-flow': 'Primary',
        'x-hub-signature': hubSignature(`not-the-secret-${randomUUID()}`, body),
      },
      body,
    );
  },
});

// ── observe ──────────────────────────────────────────────────────────────────

/** The issues a query finds, as the feature names them; ordered when the query says ORDER BY. */
async function matching(jira: JiraControlClient, jql: string): Promise<string[]> {
  return (await jira.issues(jira.jql(jql))).map((i) => i.key);
}

/** A query Jira cannot parse fails the step at once with Jira's message: waiting would not mend it. */
async function checkJql(jira: JiraControlClient, jql: string): Promise<void> {
  try {
    await jira.issues(jira.jql(jql));
  } catch (err) {
    if (err instanceof ControlCallError && err.code === 'invalid_jql') throw new Error(`the JQL "${jql}" is not valid: ${err.message}`);
    throw err;
  }
}

function sameKeys(found: string[], wanted: string[], ordered: boolean): boolean {
  if (found.length !== wanted.length) return false;
  if (ordered) return found.every((k, i) => k === wanted[i]);
  const set = new Set(found);
  return wanted.every((k) => set.has(k));
}

patientStep({
  topic,
  expression: 'the Jira issues matching {string} are {string}',
  example: 'Then the Jira issues matching "project = OPS AND status = Done" are "OPS-1, OPS-2"',
  doc: "Waits {wait} for the JQL query (with the scenario's keys) to find exactly those issues, in that order when it says ORDER BY, else in any order.",
  async run(this: TwinsWorld, waitMs: number | undefined, jql: string, keys: string) {
    await checkJql(this.jira, jql);
    const wanted = await Promise.all(list(keys).map((k) => this.jira.key(k)));
    const ordered = /\border\s+by\b/i.test(jql);
    let last: string[] = [];
    await waitFor(this, waitMs, `the Jira issues matching ${jql} to be ${keys}`, async () => {
      last = await matching(this.jira, jql);
      return sameKeys(last, wanted, ordered);
    }).catch((err: Error) => {
      throw new Error(`${err.message}\nThe query found: ${last.map((k) => this.jira.nameOf(k)).join(', ') || 'nothing'}`);
    });
  },
});

watchfulStep({
  topic,
  expression: 'no Jira issue matches {string}',
  example: 'Then no Jira issue matches "labels = escalated"',
  doc: "Watches for {wait} and passes only if the JQL query (with the scenario's keys) finds no issue all along; it always waits the full time.",
  async run(this: TwinsWorld, waitMs: number | undefined, jql: string) {
    await checkJql(this.jira, jql);
    await mustNotSee(
      this,
      waitMs,
      `Jira issue matching ${jql}`,
      async () => {
        const found = await matching(this.jira, jql);
        return found.length > 0 ? found : undefined;
      },
      (found) => found.map((k) => this.jira.nameOf(k)).join(', '),
    );
  },
});

/** Wait for an issue to satisfy `test`; the failure shows the issue. */
async function issueBecomes(
  world: TwinsWorld,
  waitMs: number | undefined,
  ref: string,
  describe: string,
  test: (issue: JiraIssueView, key: string) => boolean,
): Promise<void> {
  const key = await world.jira.key(ref);
  await waitFor(world, waitMs, `${ref} ${describe}`, async () => test(await world.jira.issue(key), key), [key]);
}

patientStep({
  topic,
  expression: 'the Jira issue {string} has status {string}',
  example: 'Then the Jira issue "OPS-1" has status "In Progress"',
  doc: 'Waits {wait} for the issue to be in that status (names compared without regard to case).',
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, status: string) {
    await issueBecomes(this, waitMs, ref, `to have status ${status}`, (i) => i.status.toLowerCase() === status.toLowerCase());
  },
});

patientStep({
  topic,
  expression: 'the Jira issue {string} is assigned to {string}',
  example: 'Then the Jira issue "OPS-1" is assigned to "bob"',
  doc: 'Waits {wait} for the issue to be assigned to that person (by name, email or display name).',
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, who: string) {
    const person = await this.jira.requirePerson(who);
    await issueBecomes(this, waitMs, ref, `to be assigned to ${person.displayName}`, (i) => i.assignee === person.displayName);
  },
});

patientStep({
  topic,
  expression: 'the Jira issue {string} is unassigned',
  example: 'Then the Jira issue "OPS-1" is unassigned',
  doc: 'Waits {wait} for the issue to have no assignee.',
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string) {
    await issueBecomes(this, waitMs, ref, 'to be unassigned', (i) => i.assignee === null);
  },
});

patientStep({
  topic,
  expression: 'the Jira issue {string} has the label {string}',
  example: 'Then the Jira issue "OPS-1" has the label "triaged"',
  doc: 'Waits {wait} for the issue to carry the label (labels are case-sensitive in Jira).',
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, label: string) {
    await issueBecomes(this, waitMs, ref, `to have the label ${label}`, (i) => i.labels.includes(label));
  },
});

watchfulStep({
  topic,
  expression: 'the Jira issue {string} has no label {string}',
  example: 'Then the Jira issue "OPS-1" has no label "escalated"',
  doc: 'Watches the issue for {wait} and passes only if it never carries the label meanwhile; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, label: string) {
    const key = await this.jira.key(ref);
    await mustNotSee(
      this,
      waitMs,
      `label ${label} on ${ref}`,
      async () => (await this.jira.issue(key)).labels.includes(label),
      () => `${ref} has the label ${label}`,
      [key],
    );
  },
});

patientStep({
  topic,
  expression: 'the Jira issue {string} has a comment containing {string}',
  example: 'Then the Jira issue "OPS-1" has a comment containing "on it"',
  doc: "Waits {wait} for a comment on the issue containing the text, written by anyone but the scenario's own steps.",
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, text: string) {
    await issueBecomes(this, waitMs, ref, `to have a comment containing "${text}"`, (i, key) =>
      outcomeComments(this.jira, key, i).some((c) => c.body.includes(text)),
    );
  },
});

patientStep({
  topic,
  expression: 'the Jira issue {string} has a comment by {string} containing {string}',
  example: 'Then the Jira issue "OPS-1" has a comment by "the app" containing "on it"',
  doc: 'Waits {wait} for a comment containing the text by that person; "the app" is the site admin whose credential the app holds (the scenario\'s own comments never count).',
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, who: string, text: string) {
    const person = await this.jira.requirePerson(who);
    await issueBecomes(this, waitMs, ref, `to have a comment by ${person.displayName} containing "${text}"`, (i, key) =>
      outcomeComments(this.jira, key, i).some((c) => c.author === person.displayName && c.body.includes(text)),
    );
  },
});

watchfulStep({
  topic,
  expression: 'the Jira issue {string} has no comment containing {string}',
  example: 'Then the Jira issue "OPS-1" has no comment containing "escalated"',
  doc: "Watches the issue for {wait} and passes only if no comment containing the text appears (the scenario's own aside); it always waits the full time.",
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, text: string) {
    const key = await this.jira.key(ref);
    await mustNotSee(
      this,
      waitMs,
      `comment containing "${text}" on ${ref}`,
      async () => outcomeComments(this.jira, key, await this.jira.issue(key)).find((c) => c.body.includes(text)),
      (c) => `a comment by ${c.author ?? '?'}: "${c.body.slice(0, 160)}"`,
      [key],
    );
  },
});

/** Does the issue's changelog have `field` changed (from `from`) to `to`? Field names and values compared without case. */
function changed(issue: JiraIssueView, field: string, to: string, from?: string): boolean {
  const eq = (a: unknown, b: string) => String(a ?? '').toLowerCase() === b.toLowerCase();
  return issue.history.some((h) =>
    h.items.some((i) => eq(i.field, field) && eq(i.toString, to) && (from === undefined || eq(i.fromString, from))),
  );
}

patientStep({
  topic,
  expression: "the Jira issue {string}'s history shows {string} changed from {string} to {string}",
  example: 'Then the Jira issue "OPS-1"\'s history shows "status" changed from "To Do" to "In Progress"',
  doc: "Waits {wait} for a change of that field (status, assignee, labels, summary, Sprint, …) from one value to the other in the issue's history.",
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, field: string, from: string, to: string) {
    await issueBecomes(this, waitMs, ref, `'s history to show ${field} changed from "${from}" to "${to}"`, (i) =>
      changed(i, field, to, from),
    );
  },
});

patientStep({
  topic,
  expression: "the Jira issue {string}'s history shows {string} changed to {string}",
  example: 'Then the Jira issue "OPS-1"\'s history shows "assignee" changed to "Bob Brown"',
  doc: "Waits {wait} for a change of that field to the value in the issue's history, whatever it was before (people by display name).",
  async run(this: TwinsWorld, waitMs: number | undefined, ref: string, field: string, to: string) {
    await issueBecomes(this, waitMs, ref, `'s history to show ${field} changed to "${to}"`, (i) => changed(i, field, to));
  },
});

/** Webhooks of that event for the issue that the app answered 2xx. */
async function receivedWebhooks(jira: JiraControlClient, event: string, key: string) {
  return (await jira.webhooks()).filter((d) => d.meta.webhookEvent === event && d.meta.issueKey === key && d.status === 'delivered');
}

patientStep({
  topic,
  expression: 'the app received a Jira webhook {string} for {string}',
  example: 'Then the app received a Jira webhook "jira:issue_updated" for "OPS-1"',
  doc: 'Waits {wait} for Jira to have delivered that webhook event about the issue to the app in this scenario, answered 2xx (Jira\'s "delivered").',
  async run(this: TwinsWorld, waitMs: number | undefined, event: string, ref: string) {
    if (!this.jira.webhook?.url)
      throw new Error(
        "Jira's webhook points at no app in this scenario (no app under test, or the app's slot has no Jira tenant), so Jira sends no webhooks; run with an app (--app)",
      );
    const key = await this.jira.key(ref);
    await waitFor(
      this,
      waitMs,
      `a ${event} webhook for ${ref} answered 2xx by the app`,
      async () => (await receivedWebhooks(this.jira, event, key))[0],
    );
  },
});

watchfulStep({
  topic,
  expression: 'the app received no Jira webhook {string} for {string}',
  example: 'Then the app received no Jira webhook "comment_created" for "OPS-1"',
  doc: 'Watches for {wait} and passes only if Jira delivered no such webhook about the issue to the app meanwhile; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, event: string, ref: string) {
    const key = await this.jira.key(ref);
    await mustNotSee(
      this,
      waitMs,
      `${event} webhook for ${ref}`,
      async () => (await receivedWebhooks(this.jira, event, key))[0],
      (d) => `delivery ${d.id} (${d.status})`,
    );
  },
});

patientStep({
  topic,
  expression: 'the app called Jira {string}',
  example: 'Then the app called Jira "addComment"',
  doc: "Waits {wait} for the app to have called that Jira REST operation (the contract's operationId, e.g. addComment, doTransition, editIssue, searchForIssuesUsingJqlPost) in this scenario, whatever Jira answered.",
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string) {
    await waitFor(this, waitMs, `a call of Jira ${operation} by the app`, async () => (await this.jira.appCalls(operation))[0]);
  },
});

patientStep({
  topic,
  expression: 'the app called Jira {string} on {string}',
  example: 'Then the app called Jira "doTransition" on "OPS-1"',
  doc: 'Waits {wait} for the app to have called that Jira operation on the issue (its key or id in the path) in this scenario, whatever Jira answered.',
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string, ref: string) {
    const key = await this.jira.key(ref);
    const { id } = await this.jira.issue(key);
    const onIssue = (path: string) => path.split('/').some((seg) => seg === key || seg === id);
    await waitFor(
      this,
      waitMs,
      `a call of Jira ${operation} on ${ref} by the app`,
      async () => (await this.jira.appCalls(operation)).find((e) => onIssue(e.path)),
      [key],
    );
  },
});

watchfulStep({
  topic,
  expression: 'the app never called Jira {string}',
  example: 'Then the app never called Jira "deleteIssue"',
  doc: 'Watches for {wait} and passes only if the app makes no call of that Jira operation in the scenario; it always waits the full time.',
  async run(this: TwinsWorld, waitMs: number | undefined, operation: string) {
    await mustNotSee(
      this,
      waitMs,
      `call of Jira ${operation} by the app`,
      async () => (await this.jira.appCalls(operation))[0],
      (e) => `${e.method} ${e.path} → ${e.status}`,
    );
  },
});
