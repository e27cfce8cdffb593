// A Jira site's state: people, groups, projects and their workflows, issues with comments and history, webhooks, boards and sprints, all in Maps.

import type { AdfNode } from './adf.ts';

/** Secrets the twin makes (src/kernel/secrets.ts): API tokens and webhook secrets. */
export const JIRA_SECRET_FORMATS = {
  'api-token': 'ATATT3xFfGF0{a48}',
  'webhook-secret': '{a32}',
} as const;

export interface User {
  accountId: string;
  emailAddress: string;
  displayName: string;
  active: boolean;
  timeZone: string;
  locale: string;
  accountType: 'atlassian' | 'app';
  /** The basic-auth API token, for seeded people (a tenant secret). */
  apiToken?: string;
}

export interface Group {
  groupId: string;
  name: string;
  members: string[];
}

export type StatusCategoryKey = 'new' | 'indeterminate' | 'done';

export interface Status {
  id: string;
  name: string;
  category: StatusCategoryKey;
  description: string;
}

export interface Transition {
  id: string;
  name: string;
  /** Statuses it may start from; empty means from any status other than its target (a global transition). */
  from: string[];
  to: string;
}

export interface Workflow {
  name: string;
  statusIds: string[];
  transitions: Transition[];
  initialStatusId: string;
}

export interface IssueType {
  id: string;
  name: string;
  description: string;
  subtask: boolean;
  hierarchyLevel: number;
}

export interface Component {
  id: string;
  name: string;
  description?: string;
  leadAccountId?: string;
}

export interface Version {
  id: string;
  name: string;
  description?: string;
  released: boolean;
  archived: boolean;
  releaseDate?: string;
}

export interface Project {
  id: string;
  key: string;
  name: string;
  description: string;
  projectTypeKey: 'software' | 'business' | 'service_desk';
  /** Team-managed (`next-gen`) or company-managed (`classic`). */
  style: 'classic' | 'next-gen';
  templateKey: string;
  leadAccountId: string;
  issueTypeIds: string[];
  workflow: Workflow;
  components: Component[];
  versions: Version[];
  /** The next issue number: keys are never reused, even after a delete. */
  nextNumber: number;
  /** Role name → account ids. */
  roles: { id: string; name: string; actors: string[] }[];
}

export interface ChangeItem {
  field: string;
  fieldtype: 'jira' | 'custom';
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface History {
  id: string;
  authorId: string;
  /** Epoch ms on the tenant clock. */
  created: number;
  items: ChangeItem[];
}

export interface Comment {
  id: string;
  authorId: string;
  updateAuthorId: string;
  body: AdfNode;
  created: number;
  updated: number;
  visibility?: { type: 'role' | 'group'; value: string };
}

export interface Worklog {
  id: string;
  authorId: string;
  comment?: AdfNode;
  started: number;
  timeSpentSeconds: number;
  created: number;
  updated: number;
}

export interface Attachment {
  id: string;
  filename: string;
  mimeType: string;
  size: number;
  authorId: string;
  created: number;
  /** The bytes, base64, so a snapshot carries them as text. */
  content: string;
}

export interface IssueLink {
  id: string;
  typeId: string;
  inwardIssueId: string;
  outwardIssueId: string;
}

export interface IssueLinkType {
  id: string;
  name: string;
  inward: string;
  outward: string;
}

export interface Issue {
  id: string;
  key: string;
  projectId: string;
  issueTypeId: string;
  summary: string;
  description: AdfNode | null;
  environment: AdfNode | null;
  statusId: string;
  priorityId: string;
  assigneeId: string | null;
  reporterId: string | null;
  creatorId: string;
  labels: string[];
  componentIds: string[];
  fixVersionIds: string[];
  versionIds: string[];
  created: number;
  updated: number;
  statusChanged: number;
  resolutionId: string | null;
  resolutionDate: number | null;
  /** `YYYY-MM-DD` or null. */
  duedate: string | null;
  parentId: string | null;
  sprintIds: number[];
  /** customfield_NNNNN → value. */
  custom: Map<string, unknown>;
  comments: Comment[];
  histories: History[];
  watchers: string[];
  votes: string[];
  worklogs: Worklog[];
  attachments: Attachment[];
}

export interface CustomField {
  id: string;
  name: string;
  /** The schema Jira reports: `string`, `number`, `array` of `string`, `date`, `option`, … */
  type: string;
  items?: string;
  custom: string;
}

export interface AdminWebhook {
  id: number;
  name: string;
  url: string;
  events: string[];
  jqlFilter: string;
  excludeBody: boolean;
  secret?: string;
  enabled: boolean;
  created: number;
  updated: number;
  lastUpdatedUser: string;
}

export interface Board {
  id: number;
  name: string;
  type: 'scrum' | 'kanban' | 'simple';
  projectId: string;
  filterJql: string;
}

export interface Sprint {
  id: number;
  name: string;
  state: 'future' | 'active' | 'closed';
  boardId: number;
  startDate?: number;
  endDate?: number;
  completeDate?: number;
  createdDate: number;
  goal?: string;
}

/** Everything one Jira site holds. Every collection keyed by caller input is a Map. */
export interface JiraState {
  siteId: string;
  siteName: string;
  /** The account the seeded admin credential belongs to (JIRA_EMAIL). */
  adminAccountId: string;
  /** The secret of the seeded admin webhook (JIRA_WEBHOOK_SECRET), when one is configured. */
  webhookSecret: string;
  defaultProjectKey: string;
  users: Map<string, User>;
  groups: Map<string, Group>;
  statuses: Map<string, Status>;
  issueTypes: Map<string, IssueType>;
  priorities: Map<string, { id: string; name: string; statusColor: string }>;
  resolutions: Map<string, { id: string; name: string; description: string }>;
  projects: Map<string, Project>;
  issues: Map<string, Issue>;
  /** Issue key → id, including the old keys of moved issues. */
  keys: Map<string, string>;
  customFields: Map<string, CustomField>;
  linkTypes: Map<string, IssueLinkType>;
  links: Map<string, IssueLink>;
  webhooks: Map<number, AdminWebhook>;
  boards: Map<number, Board>;
  sprints: Map<number, Sprint>;
  /** Counters for new ids, by kind. */
  counters: Map<string, number>;
  /** Account id → issue ids it viewed, most recent last (for `issueHistory()`). */
  views: Map<string, string[]>;
}

/** A new id of `kind`, counting from `start`. */
export function nextId(state: JiraState, kind: string, start = 10000): number {
  const n = (state.counters.get(kind) ?? start - 1) + 1;
  state.counters.set(kind, n);
  return n;
}

/**
 * Make `JSON.stringify(state)` give `stateToJson(state)`: the kernel snapshots a tenant with
 * JSON.stringify, and Maps would otherwise come out as `{}`. Not enumerable, so it is not state.
 */
export function withJson(state: JiraState): JiraState {
  Object.defineProperty(state, 'toJSON', { value: () => stateToJson(state), enumerable: false, configurable: true });
  return state;
}

/** The state as plain JSON (what a snapshot holds): Maps become arrays of their values. */
export function stateToJson(state: JiraState): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) {
    if (k === 'issues') out[k] = [...state.issues.values()].map((i) => ({ ...i, custom: [...i.custom] }));
    else if (k === 'keys' || k === 'counters' || k === 'views') out[k] = [...(v as Map<string, unknown>)];
    else if (v instanceof Map) out[k] = [...v.values()];
    else out[k] = v;
  }
  return out;
}

const BY_ID = ['users', 'groups', 'statuses', 'issueTypes', 'priorities', 'resolutions', 'projects', 'customFields', 'linkTypes', 'links'];

/** Rebuild a state from its JSON (snapshot restore): every collection back into a Map. Throws on a shape that is not a site's. */
export function stateFromJson(json: unknown): JiraState {
  if (!json || typeof json !== 'object') throw new TypeError('a Jira site state is an object');
  const j = json as Record<string, unknown>;
  const arr = (k: string): Record<string, unknown>[] => {
    const v = j[k];
    if (!Array.isArray(v)) throw new TypeError(`"${k}" must be an array`);
    return v as Record<string, unknown>[];
  };
  const keyed = <T>(k: string, key: string): Map<never, T> => {
    const m = new Map<never, T>();
    for (const v of arr(k)) m.set(v[key] as never, v as T);
    return m;
  };
  const state = {
    siteId: String(j.siteId),
    siteName: String(j.siteName),
    adminAccountId: String(j.adminAccountId),
    webhookSecret: String(j.webhookSecret ?? ''),
    defaultProjectKey: String(j.defaultProjectKey),
  } as JiraState;
  const s = state as unknown as Record<string, unknown>;
  for (const k of BY_ID) s[k] = keyed(k, k === 'groups' ? 'groupId' : k === 'users' ? 'accountId' : 'id');
  state.issues = new Map();
  for (const raw of arr('issues')) {
    const issue = { ...raw, custom: new Map(raw.custom as [string, unknown][]) } as unknown as Issue;
    state.issues.set(issue.id, issue);
  }
  state.keys = new Map(arr('keys') as unknown as [string, string][]);
  state.counters = new Map(arr('counters') as unknown as [string, number][]);
  state.views = new Map(Array.isArray(j.views) ? (j.views as [string, string[]][]) : []);
  state.webhooks = keyed('webhooks', 'id');
  state.boards = keyed('boards', 'id');
  state.sprints = keyed('sprints', 'id');
  return withJson(state);
}

/** The issue an id or key names, or undefined (keys are upper-cased as Jira does). */
export function findIssue(state: JiraState, idOrKey: string): Issue | undefined {
  const byId = state.issues.get(idOrKey);
  if (byId) return byId;
  const id = state.keys.get(idOrKey.toUpperCase());
  return id === undefined ? undefined : state.issues.get(id);
}

/** The project an id or key names (keys case-insensitively), or undefined. */
export function findProject(state: JiraState, idOrKey: string): Project | undefined {
  const byId = state.projects.get(idOrKey);
  if (byId) return byId;
  const upper = idOrKey.toUpperCase();
  for (const p of state.projects.values()) if (p.key === upper) return p;
  return undefined;
}

/** A user by account id, email (case-insensitive) or display name. */
export function findUser(state: JiraState, ref: string): User | undefined {
  const byId = state.users.get(ref);
  if (byId) return byId;
  const lower = ref.toLowerCase();
  for (const u of state.users.values()) if (u.emailAddress.toLowerCase() === lower || u.displayName.toLowerCase() === lower) return u;
  return undefined;
}

/** A group by name or id. */
export function findGroup(state: JiraState, ref: string): Group | undefined {
  const byId = state.groups.get(ref);
  if (byId) return byId;
  for (const g of state.groups.values()) if (g.name.toLowerCase() === ref.toLowerCase()) return g;
  return undefined;
}
