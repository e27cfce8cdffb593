// The JQL table: 200 queries with their expected issue keys (or Jira's 400 message) on a site built through the API under a virtual clock.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '../../src/index.ts';
import { jiraTwin } from '../../twins/jira/index.ts';
import type { JiraState } from '../../twins/jira/store.ts';
import { basic, type Json } from './support.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0); // Monday 5 January 2026, 09:00 UTC
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE = 'http://jira.test';

let kernel: Kernel<JiraState, unknown>;
let auth: Record<string, string>;

async function call(as: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await kernel.fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: auth[as], ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function ok(as: string, method: string, path: string, body?: unknown): Promise<Json> {
  const r = await call(as, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} as ${as}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const at = async (ms: number) => {
  const clock = kernel.tenants.default().clock;
  await clock.advance(ms - clock.now());
};

async function create(as: string, fields: Json): Promise<string> {
  const r = await ok(as, 'POST', '/rest/api/3/issue', { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, ...fields } });
  return r.key as string;
}

async function move(as: string, key: string, to: string): Promise<void> {
  const { transitions } = await ok(as, 'GET', `/rest/api/3/issue/${key}/transitions`);
  const t = (transitions as Json[]).find((x) => x.to.name === to);
  if (!t) throw new Error(`no transition of ${key} to ${to}`);
  await ok(as, 'POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: t.id } });
}

const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

beforeAll(async () => {
  kernel = createKernel(jiraTwin, { seed: 7, clock: 'virtual', clockStart: T0 - HOUR, rateLimits: false }) as Kernel<JiraState, unknown>;
  const state = kernel.tenants.default().state;
  auth = {};
  for (const u of state.users.values()) auth[u.emailAddress.split('@')[0]] = basic(u.emailAddress, u.apiToken as string);
  const id = (name: string) => [...state.users.values()].find((u) => u.emailAddress.startsWith(`${name}@`))?.accountId as string;
  await ok('admin', 'POST', '/rest/api/3/project', {
    key: 'WEB',
    name: 'Website',
    leadAccountId: id('admin'),
    projectTypeKey: 'software',
    projectTemplateKey: 'com.pyxis.greenhopper.jira:gh-simplified-agility-kanban',
  });
  // Issues, an hour apart from T0.
  await at(T0);
  await create('admin', {
    issuetype: { name: 'Bug' },
    summary: 'Login error on mobile',
    description: adf('Users see an error after login'),
    labels: ['mobile', 'login'],
    priority: { name: 'High' },
    assignee: { accountId: id('alice') },
    components: [{ name: 'api' }],
    fixVersions: [{ name: '1.1' }],
    duedate: '2026-01-10',
    customfield_10030: 'Acme',
  });
  await at(T0 + HOUR);
  await create('admin', {
    summary: 'Rotate TLS certificates',
    labels: ['security'],
    assignee: { accountId: id('bob') },
    components: [{ name: 'web' }],
    duedate: '2026-01-20',
  });
  await at(T0 + 2 * HOUR);
  await create('admin', {
    issuetype: { name: 'Story' },
    summary: 'Dashboard shows stale data',
    description: adf('cache errors'),
    priority: { name: 'Low' },
    fixVersions: [{ name: '1.0' }],
    customfield_10016: 5,
  });
  await at(T0 + 3 * HOUR);
  await create('admin', {
    issuetype: { name: 'Epic' },
    summary: 'Q1 reliability',
    priority: { name: 'Highest' },
    assignee: { accountId: id('carol') },
  });
  await at(T0 + 4 * HOUR);
  await create('bob', {
    issuetype: { name: 'Subtask' },
    summary: 'Renew api cert',
    parent: { key: 'OPS-5' },
    assignee: { accountId: id('bob') },
  });
  await at(T0 + 5 * HOUR);
  await create('admin', {
    project: { key: 'WEB' },
    summary: 'Update footer links',
    labels: ['frontend'],
    priority: { name: 'Lowest' },
    assignee: { accountId: id('dave') },
  });
  await at(T0 + 6 * HOUR);
  await create('alice', {
    project: { key: 'WEB' },
    issuetype: { name: 'Bug' },
    summary: 'Search returns 500 error',
    labels: ['frontend', 'search'],
    priority: { name: 'High' },
    assignee: { accountId: id('alice') },
    parent: { key: 'OPS-7' },
  });
  await at(T0 + 7 * HOUR);
  await create('admin', { summary: 'Clean up old dashboards', customfield_10030: 'Globex' });
  // Day 1: work starts.
  await at(T0 + DAY);
  await move('alice', 'OPS-4', 'In Progress');
  await at(T0 + DAY + HOUR);
  await move('bob', 'OPS-5', 'In Progress');
  // Day 2: done, reassigned, reprioritised, discussed.
  await at(T0 + 2 * DAY);
  await move('alice', 'OPS-4', 'Done');
  await at(T0 + 2 * DAY + HOUR);
  await ok('admin', 'PUT', '/rest/api/3/issue/OPS-6/assignee', { accountId: id('carol') });
  await at(T0 + 2 * DAY + 2 * HOUR);
  await ok('admin', 'PUT', '/rest/api/3/issue/OPS-6/assignee', { accountId: id('dave') });
  await at(T0 + 2 * DAY + 3 * HOUR);
  await ok('admin', 'PUT', '/rest/api/3/issue/OPS-5', { fields: { priority: { name: 'High' } } });
  await at(T0 + 2 * DAY + 4 * HOUR);
  await ok('bob', 'POST', '/rest/api/3/issue/OPS-5/comment', { body: adf('Waiting on the vendor error fix') });
  await at(T0 + 2 * DAY + 5 * HOUR);
  await ok('alice', 'POST', '/rest/api/3/issue/WEB-1/comment', { body: adf('Looks good to me') });
  // Day 3: reopened, planned into sprints, looked at.
  await at(T0 + 3 * DAY);
  await move('bob', 'OPS-5', 'Done');
  await at(T0 + 3 * DAY + HOUR);
  await move('admin', 'OPS-5', 'To Do');
  await at(T0 + 3 * DAY + 2 * HOUR);
  state.sprints.set(2, { id: 2, name: 'OPS Sprint 2', state: 'future', boardId: 1, createdDate: T0 });
  state.counters.set('sprint', 2);
  await ok('admin', 'PUT', '/rest/api/3/issue/OPS-4', { fields: { customfield_10020: 1 } });
  await ok('admin', 'PUT', '/rest/api/3/issue/OPS-5', { fields: { customfield_10020: 1 } });
  await ok('admin', 'PUT', '/rest/api/3/issue/OPS-6', { fields: { customfield_10020: 2 } });
  await at(T0 + 3 * DAY + 3 * HOUR);
  await ok('alice', 'GET', '/rest/api/3/issue/OPS-6');
  await ok('alice', 'GET', '/rest/api/3/issue/WEB-1');
  await at(T0 + 3 * DAY + 4 * HOUR);
});

afterAll(() => kernel.close());

const OPS = (...n: number[]) => n.map((i) => `OPS-${i}`);
const WEB = (...n: number[]) => n.map((i) => `WEB-${i}`);
const ALL_OPS = OPS(1, 2, 3, 4, 5, 6, 7, 8, 9);
const ALL = [...ALL_OPS, ...WEB(1, 2)];
const TODO = [...OPS(1, 5, 6, 7, 8, 9), ...WEB(1, 2)];

/** [jql, expected keys (in order when the query sorts) or Jira's 400 message, who asks (admin by default)]. */
type Row = [string, string[] | RegExp, string?];

const TABLE: Row[] = [
  // project
  ['project = OPS', ALL_OPS],
  ['project = WEB', WEB(1, 2)],
  ['project in (OPS, WEB)', ALL],
  ['project != OPS', WEB(1, 2)],
  ['project not in (WEB)', ALL_OPS],
  ['project = "Operations"', ALL_OPS],
  ['project = NOPE', /^The value 'NOPE' does not exist for the field 'project'\.$/],
  // key
  ['key = OPS-4', OPS(4)],
  ['issuekey in (OPS-1, WEB-2)', [...OPS(1), ...WEB(2)]],
  ['key > OPS-7', OPS(8, 9)],
  ['key <= OPS-2', OPS(1, 2)],
  ['key != OPS-1 AND project = OPS', OPS(2, 3, 4, 5, 6, 7, 8, 9)],
  ['key = NOPE-1', /^The value 'NOPE-1' does not exist for the field 'key'\.$/],
  // issuetype
  ['issuetype = Bug', [...OPS(2, 4), ...WEB(2)]],
  ['type = Task', [...OPS(1, 3, 5, 9), ...WEB(1)]],
  ['issuetype in (Epic, Story)', OPS(6, 7)],
  ['issuetype != Task', [...OPS(2, 4, 6, 7, 8), ...WEB(2)]],
  ['issuetype = Subtask', OPS(8)],
  ['issuetype = Nope', /^The value 'Nope' does not exist for the field 'issuetype'\.$/],
  // status and category
  ['status = "To Do"', TODO],
  ['status = "In Progress"', OPS(2)],
  ['status = Done', OPS(3, 4)],
  ['status in ("In Progress", Done)', OPS(2, 3, 4)],
  ['status != Done', [...OPS(1, 2, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['status not in ("To Do")', OPS(2, 3, 4)],
  ['status = 10001', OPS(2)],
  ['status = Blocked', /^The value 'Blocked' does not exist for the field 'status'\.$/],
  ['statusCategory = Done', OPS(3, 4)],
  ['statusCategory = "In Progress"', OPS(2)],
  ['statusCategory = new', TODO],
  ['statusCategory != done', [...OPS(1, 2, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  // priority
  ['priority = High', [...OPS(4, 5), ...WEB(2)]],
  ['priority = Highest', OPS(7)],
  ['priority > Medium', [...OPS(4, 5, 7), ...WEB(2)]],
  ['priority >= High', [...OPS(4, 5, 7), ...WEB(2)]],
  ['priority < Medium', [...OPS(6), ...WEB(1)]],
  ['priority <= Low', [...OPS(6), ...WEB(1)]],
  ['priority in (Low, Lowest)', [...OPS(6), ...WEB(1)]],
  ['priority != Medium', [...OPS(4, 5, 6, 7), ...WEB(1, 2)]],
  ['priority = Urgent', /^The value 'Urgent' does not exist for the field 'priority'\.$/],
  // assignee, reporter, creator, watchers
  ['assignee = currentUser()', [...OPS(1, 4), ...WEB(2)], 'alice'],
  ['assignee = currentUser()', [], 'admin'],
  ['assignee = "Alice Adams"', [...OPS(1, 4), ...WEB(2)]],
  ['assignee in membersOf("oncall")', [...OPS(1, 2, 4, 5, 8), ...WEB(2)]],
  ['assignee is EMPTY', OPS(9)],
  ['assignee is not EMPTY', ALL.filter((k) => k !== 'OPS-9')],
  ['assignee = EMPTY', OPS(9)],
  ['assignee != "Bob Brown"', [...OPS(1, 3, 4, 6, 7), ...WEB(1, 2)]],
  ['assignee in ("Bob Brown", "Carol Chen")', OPS(2, 3, 5, 7, 8)],
  ['assignee = "nobody@example.test"', /^The value 'nobody@example.test' does not exist for the field 'assignee'\.$/],
  ['assignee not in membersOf("oncall")', [...OPS(3, 6, 7), ...WEB(1)]],
  ['assignee in membersOf("no-such-group")', /^Function 'membersOf' can not generate a list of usernames for group 'no-such-group'/],
  ['reporter = currentUser()', [...OPS(1, 2, 3, 4, 5, 6, 7, 9), ...WEB(1)]],
  ['reporter = "Alice Adams"', WEB(2)],
  ['creator = "Bob Brown"', OPS(8)],
  ['creator != currentUser()', [...OPS(8), ...WEB(2)]],
  ['watcher = currentUser()', [...OPS(1, 2, 3, 4, 5, 6, 7, 9), ...WEB(1)]],
  ['watcher = currentUser()', [...WEB(2)], 'alice'],
  // labels, components, versions
  ['labels = frontend', WEB(1, 2)],
  ['labels in (mobile, security)', OPS(4, 5)],
  ['labels is EMPTY', OPS(1, 3, 6, 7, 8, 9)],
  ['labels is not EMPTY', [...OPS(2, 4, 5), ...WEB(1, 2)]],
  ['labels != frontend', OPS(2, 4, 5)],
  ['labels not in (frontend, incident)', OPS(4, 5)],
  ['labels = search AND labels = frontend', WEB(2)],
  ['component = api', OPS(4)],
  ['component in (api, web)', OPS(4, 5)],
  ['component is EMPTY AND project = OPS', OPS(1, 2, 3, 6, 7, 8, 9)],
  ['fixVersion = "1.1"', OPS(4)],
  ['fixVersion in ("1.0", "1.1")', OPS(4, 6)],
  ['fixVersion is EMPTY AND project = OPS', OPS(1, 2, 3, 5, 7, 8, 9)],
  // sprints
  ['sprint = 1', OPS(1, 2, 3, 4, 5)],
  ['sprint = "OPS Sprint 2"', OPS(6)],
  ['sprint in openSprints()', OPS(1, 2, 3, 4, 5)],
  ['sprint in futureSprints()', OPS(6)],
  ['sprint in closedSprints()', []],
  ['sprint is EMPTY', [...OPS(7, 8, 9), ...WEB(1, 2)]],
  // parent
  ['parent = OPS-5', OPS(8)],
  ['parent = OPS-7', WEB(2)],
  ['parent in (OPS-5, OPS-7)', [...OPS(8), ...WEB(2)]],
  ['parent is EMPTY AND project = WEB', WEB(1)],
  // resolution
  ['resolution = Done', OPS(3, 4)],
  ['resolution = Unresolved', [...OPS(1, 2, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['resolution is EMPTY', [...OPS(1, 2, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['resolution is not EMPTY', OPS(3, 4)],
  ['resolution = "Won\'t Do"', []],
  ['resolution = Fixed', /^The value 'Fixed' does not exist for the field 'resolution'\.$/],
  // text
  ['summary ~ error', [...OPS(4), ...WEB(2)]],
  ['summary ~ "login"', OPS(2, 4)],
  ['summary ~ "dash*"', OPS(6, 9)],
  ['summary !~ error AND project = WEB', WEB(1)],
  ['description ~ cache', OPS(6)],
  ['description ~ "error"', OPS(4, 6)],
  ['comment ~ vendor', OPS(5)],
  ['comment ~ "looks good"', WEB(1)],
  ['text ~ error', [...OPS(4, 5, 6), ...WEB(2)]],
  ['text ~ "incident runbook"', OPS(3)],
  ['text ~ "\\"error after login\\""', OPS(4)],
  ['summary ~ "xyzzy"', []],
  ['summary ~ "err?r"', [...OPS(4), ...WEB(2)]],
  ['summary = "Rotate TLS certificates"', /^The operator '=' is not supported by the 'summary' field\.$/],
  ['project ~ OPS', /^The operator '~' is not supported by the 'project' field\.$/],
  // custom fields
  ['cf[10030] ~ acme', OPS(4)],
  ['Customer ~ Globex', OPS(9)],
  ['cf[10030] is EMPTY AND project = OPS', OPS(1, 2, 3, 5, 6, 7, 8)],
  ['cf[10016] = 5', OPS(6)],
  ['cf[10016] > 3', OPS(6)],
  ['"Story point estimate" >= 6', []],
  ['cf[99999] = x', /^Field 'cf\[99999\]' does not exist or you do not have permission to view it\.$/],
  // dates (now: Thursday 8 January 2026, 13:00)
  ['created >= "2026-01-05"', [...OPS(4, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['created < "2026-01-01"', OPS(1, 2, 3)],
  ['created >= -1d', []],
  ['created >= -4d', [...OPS(4, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['created > "2026-01-05 12:30"', [...OPS(8, 9), ...WEB(1, 2)]],
  ['created <= "2026/01/05 10:00"', OPS(1, 2, 3, 4, 5)],
  ['created >= startOfDay(-3)', [...OPS(4, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['created >= startOfDay()', []],
  ['created >= startOfWeek()', [...OPS(4, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['created >= startOfMonth()', [...OPS(4, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['created >= startOfYear()', [...OPS(4, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['created < startOfYear()', OPS(1, 2, 3)],
  ['created <= endOfDay(-3)', ALL],
  ['created < endOfMonth(-1)', OPS(1, 2, 3)],
  ['created < now()', ALL],
  ['created >= -1w', [...OPS(4, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['duedate <= endOfWeek()', OPS(4)],
  ['duedate <= endOfYear()', OPS(4, 5)],
  ['created < endOfYear(-1)', OPS(1, 2, 3)],
  ['created = "2026-01-05 09:00"', OPS(4)],
  ['created > "yesterday"', /^Date value 'yesterday' for field 'created' is invalid/],
  ['resolved >= "2026-01-07"', OPS(4)],
  ['resolved is EMPTY AND project = OPS AND status = Done', []],
  ['resolutiondate < "2025-06-01"', OPS(3)],
  ['duedate < "2026-01-15"', OPS(4)],
  ['due >= "2026-01-10"', OPS(4, 5)],
  ['duedate is EMPTY AND project = OPS', OPS(1, 2, 3, 6, 7, 8, 9)],
  ['duedate <= endOfMonth()', OPS(4, 5)],
  ['updated >= "2026-01-08"', OPS(4, 5, 6)],
  // history: WAS
  ['status was "In Progress"', OPS(2, 4, 5)],
  ['status was Done', OPS(3, 4, 5)],
  ['status was "In Progress" by currentUser()', OPS(4), 'alice'],
  ['status was not "In Progress"', [...OPS(1, 3, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['status was in ("In Progress", Done) before "2026-01-07"', OPS(2, 3, 4, 5)],
  ['status was Done after "2026-01-08"', OPS(3, 4, 5)],
  ['status was Done during ("2026-01-06", "2026-01-07 08:00")', OPS(3)],
  ['status was "To Do" on "2026-01-06"', [...OPS(1, 4, 5, 6, 7, 8, 9), ...WEB(1, 2)]],
  ['assignee was "Carol Chen"', OPS(3, 6, 7)],
  ['assignee was EMPTY', OPS(6, 9)],
  ['assignee was in ("Carol Chen", "Dave Diaz") and project = OPS', OPS(3, 6, 7)],
  ['priority was Medium', OPS(1, 2, 3, 5, 8, 9)],
  ['priority was not Medium', [...OPS(4, 6, 7), ...WEB(1, 2)]],
  ['resolution was Done', OPS(3, 4, 5)],
  ['status was Done by currentUser()', OPS(5), 'bob'],
  ['status was not in ("To Do", Done) and project = OPS', OPS(2)],
  // history: CHANGED
  ['status changed', OPS(4, 5)],
  ['status changed from "To Do" to "In Progress"', OPS(4, 5)],
  ['status changed to Done', OPS(4, 5)],
  ['status changed from Done to "To Do"', OPS(5)],
  ['status changed by currentUser()', OPS(4), 'alice'],
  ['status changed after "2026-01-08"', OPS(5)],
  ['status changed before "2026-01-07"', OPS(4, 5)],
  ['status changed during ("2026-01-07", "2026-01-07 23:59")', OPS(4)],
  ['status changed on "2026-01-06"', OPS(4, 5)],
  ['assignee changed', OPS(6)],
  ['assignee changed from EMPTY to "Carol Chen"', OPS(6)],
  ['priority changed to High', OPS(5)],
  ['resolution changed', OPS(4, 5)],
  ['status changed by "Bob Brown"', OPS(5)],
  ['labels changed', /^History searches do not support the 'labels' field\.$/],
  ['status changed from', /^Error in the JQL Query/],
  // functions
  ['issue in issueHistory()', [...OPS(6), ...WEB(1)], 'alice'],
  ['issue in issueHistory()', [], 'bob'],
  ['assignee = currentUser() AND status = "To Do"', [...OPS(1), ...WEB(2)], 'alice'],
  ['assignee = foo()', /^Unable to find JQL function 'foo\(\)'\.$/],
  // boolean logic
  ['project = OPS AND (status = Done OR priority = Highest)', OPS(3, 4, 7)],
  ['project = OPS AND NOT status = "To Do"', OPS(2, 3, 4)],
  ['NOT (project = OPS)', WEB(1, 2)],
  ['labels = frontend OR assignee is EMPTY', [...OPS(9), ...WEB(1, 2)]],
  ['(issuetype = Bug OR issuetype = Story) AND NOT assignee = "Alice Adams"', OPS(2, 6)],
  ['project = OPS and status != done and priority in (High, Highest) and assignee is not empty', OPS(5, 7)],
  ['! (status = Done) AND project = WEB', WEB(1, 2)],
  // ORDER BY (expected in order)
  ['project = OPS ORDER BY key ASC', ALL_OPS],
  ['project = OPS ORDER BY key DESC', [...ALL_OPS].reverse()],
  ['project = WEB ORDER BY created DESC', WEB(2, 1)],
  ['priority in (High, Highest) ORDER BY priority DESC, key ASC', [...OPS(7, 4, 5), ...WEB(2)]],
  ['priority in (High, Highest) ORDER BY priority ASC, created DESC', [...WEB(2), ...OPS(5, 4, 7)]],
  ['project = OPS AND status = "To Do" ORDER BY summary ASC', OPS(9, 6, 7, 8, 5, 1)],
  ['assignee is not EMPTY AND project = WEB ORDER BY assignee ASC', WEB(2, 1)],
  ['project = OPS AND duedate is not EMPTY ORDER BY duedate DESC', OPS(5, 4)],
  ['status = Done ORDER BY resolved ASC', OPS(3, 4)],
  ['project = OPS AND status = "To Do" ORDER BY assignee DESC', OPS(9, 6, 7, 5, 8, 1)],
  ['project in (WEB)', WEB(2, 1)],
  ['project = OPS AND issuetype = Bug ORDER BY updated DESC', OPS(4, 2)],
  ['project = OPS ORDER BY rank', ALL_OPS],
  ['sprint = 1 ORDER BY status ASC, key DESC', OPS(5, 1, 2, 4, 3)],
  ['project = OPS ORDER BY nope', /^Field 'nope' does not exist or you do not have permission to view it\.$/],
  ['ORDER BY created', /^Unbounded JQL queries are not allowed here/],
  ['', /^Unbounded JQL queries are not allowed here/],
  // parse errors, with Jira's wording and position
  ['project = ', /^Error in the JQL Query: Expecting either a value, list or function but got 'end of query'\. \(line 1, character \d+\)$/],
  ['project = OPS AND', /^Error in the JQL Query: .*\(line 1, character \d+\)$/],
  ['project = OPS status = Done', /^Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'status'\. \(line 1, character 15\)$/],
  ['project = OPS AND %', /^Error in the JQL Query: The character '%' is a reserved JQL character\./],
  ['assignee = nobody@example.test', /^Error in the JQL Query/],
  ['(project = OPS', /^Error in the JQL Query/],
  ['project in (OPS, ', /^Error in the JQL Query/],
  ['status was', /^Error in the JQL Query/],
  ['nope = 1', /^Field 'nope' does not exist or you do not have permission to view it\.$/],
  ['project = OPS ORDER BY', /^Error in the JQL Query/],
  // built-in names are ordinary unknown names
  ['__proto__ = 1', /^Field '__proto__' does not exist or you do not have permission to view it\.$/],
  ['constructor ~ x', /^Field 'constructor' does not exist or you do not have permission to view it\.$/],
  ['project = constructor', /^The value 'constructor' does not exist for the field 'project'\.$/],
  ['labels = __proto__', []],
  ['issue in (toString)', /^The value 'toString' does not exist for the field 'key'\.$/],
  ['project = OPS AND status = Done ORDER BY created DESC extra', /^Error in the JQL Query/],
];

describe('the JQL table', () => {
  it('has at least 150 queries', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(150);
  });

  it.each(TABLE.map((row, i) => [i, ...row] as const))('%i: %s', async (_i, jql, expected, as = 'admin') => {
    const r = await call(as, 'POST', '/rest/api/3/search/jql', { jql, maxResults: 100, fields: ['key'] });
    if (expected instanceof RegExp) {
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.errors).toEqual({});
      expect(r.body.errorMessages[0]).toMatch(expected);
      return;
    }
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const keys = (r.body.issues as Json[]).map((i) => i.key as string);
    const ordered = /order by/i.test(jql) || jql === 'project in (WEB)';
    if (ordered) expect(keys).toEqual(expected);
    else expect([...keys].sort()).toEqual([...expected].sort());
    const count = await call(as, 'POST', '/rest/api/3/search/approximate-count', { jql });
    expect(count.body.count).toBe(expected.length);
  });
});
