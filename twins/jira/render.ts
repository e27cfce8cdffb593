// How Jira shows things: dates, users, statuses, projects and issues (v3 with ADF, v2 with strings), field selection and expansions.

import { adfToHtml, adfToText } from './adf.ts';
import type { Comment, History, Issue, JiraState, Project, Sprint, Status, User } from './store.ts';

/** Jira's timestamp: `2022-10-06T07:32:47.000+0000` (site time zone UTC). */
export function jiraDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}+0000`;
}

/** The REST API version a request used: '2' shows rich text as strings, '3' as ADF. */
export type ApiVersion = '2' | '3';

export function apiVersionOf(params: Record<string, string>): ApiVersion {
  return params.apiVersion === '2' ? '2' : '3';
}

function avatarUrls(seed: string): Record<string, string> {
  const base = `https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/default-${seed.slice(0, 6)}`;
  return { '48x48': `${base}/48`, '24x24': `${base}/24`, '16x16': `${base}/16`, '32x32': `${base}/32` };
}

/** A user as Jira shows one (email only to admins, which every seeded caller is). */
export function userJson(u: User, base: string, v: ApiVersion = '3'): Record<string, unknown> {
  return {
    self: `${base}/rest/api/${v}/user?accountId=${u.accountId}`,
    accountId: u.accountId,
    accountType: u.accountType,
    emailAddress: u.emailAddress,
    avatarUrls: avatarUrls(u.accountId),
    displayName: u.displayName,
    active: u.active,
    timeZone: u.timeZone,
    locale: u.locale,
  };
}

export function userRef(state: JiraState, id: string | null, base: string, v: ApiVersion = '3'): Record<string, unknown> | null {
  if (!id) return null;
  const u = state.users.get(id);
  return u ? userJson(u, base, v) : null;
}

const CATEGORIES = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
} as const;

export function statusCategoryJson(key: Status['category'], base: string, v: ApiVersion = '3'): Record<string, unknown> {
  const c = CATEGORIES[key];
  return { self: `${base}/rest/api/${v}/statuscategory/${c.id}`, ...c };
}

export function statusJson(s: Status, base: string, v: ApiVersion = '3'): Record<string, unknown> {
  return {
    self: `${base}/rest/api/${v}/status/${s.id}`,
    description: s.description,
    iconUrl: `${base}/images/icons/statuses/generic.png`,
    name: s.name,
    untranslatedName: s.name,
    id: s.id,
    statusCategory: statusCategoryJson(s.category, base, v),
  };
}

export function issueTypeJson(state: JiraState, id: string, base: string, v: ApiVersion = '3'): Record<string, unknown> | null {
  const t = state.issueTypes.get(id);
  if (!t) return null;
  return {
    self: `${base}/rest/api/${v}/issuetype/${t.id}`,
    id: t.id,
    description: t.description,
    iconUrl: `${base}/images/icons/issuetypes/${t.name.toLowerCase()}.svg`,
    name: t.name,
    untranslatedName: t.name,
    subtask: t.subtask,
    hierarchyLevel: t.hierarchyLevel,
    avatarId: 10318,
  };
}

export function priorityJson(state: JiraState, id: string, base: string, v: ApiVersion = '3'): Record<string, unknown> | null {
  const p = state.priorities.get(id);
  if (!p) return null;
  return {
    self: `${base}/rest/api/${v}/priority/${p.id}`,
    iconUrl: `${base}/images/icons/priorities/${p.name.toLowerCase()}.svg`,
    name: p.name,
    id: p.id,
  };
}

export function resolutionJson(state: JiraState, id: string | null, base: string, v: ApiVersion = '3'): Record<string, unknown> | null {
  if (!id) return null;
  const r = state.resolutions.get(id);
  return r ? { self: `${base}/rest/api/${v}/resolution/${r.id}`, id: r.id, description: r.description, name: r.name } : null;
}

/** A project in the short form issues embed. */
export function projectRef(p: Project, base: string, v: ApiVersion = '3'): Record<string, unknown> {
  return {
    self: `${base}/rest/api/${v}/project/${p.id}`,
    id: p.id,
    key: p.key,
    name: p.name,
    projectTypeKey: p.projectTypeKey,
    simplified: p.style === 'next-gen',
    avatarUrls: avatarUrls(p.id.padStart(6, '0')),
  };
}

/** A project in full (GET /project/{key}). */
export function projectJson(state: JiraState, p: Project, base: string, v: ApiVersion = '3'): Record<string, unknown> {
  return {
    expand: 'description,lead,issueTypes,url,projectKeys,permissions,insight',
    ...projectRef(p, base, v),
    description: p.description,
    lead: userRef(state, p.leadAccountId, base, v),
    components: p.components.map((c) => componentJson(p, c, base, v)),
    issueTypes: p.issueTypeIds.map((id) => issueTypeJson(state, id, base, v)).filter(Boolean),
    assigneeType: 'UNASSIGNED',
    versions: p.versions.map((ver) => versionJson(p, ver, base, v)),
    style: p.style,
    isPrivate: false,
    properties: {},
    roles: Object.fromEntries(p.roles.map((r) => [r.name, `${base}/rest/api/${v}/project/${p.id}/role/${r.id}`])),
  };
}

export function componentJson(p: Project, c: Project['components'][number], base: string, v: ApiVersion = '3'): Record<string, unknown> {
  return {
    self: `${base}/rest/api/${v}/component/${c.id}`,
    id: c.id,
    name: c.name,
    description: c.description ?? '',
    project: p.key,
    projectId: Number(p.id),
  };
}

export function versionJson(p: Project, ver: Project['versions'][number], base: string, v: ApiVersion = '3'): Record<string, unknown> {
  return {
    self: `${base}/rest/api/${v}/version/${ver.id}`,
    id: ver.id,
    name: ver.name,
    description: ver.description ?? '',
    archived: ver.archived,
    released: ver.released,
    ...(ver.releaseDate ? { releaseDate: ver.releaseDate } : {}),
    projectId: Number(p.id),
  };
}

/** A rich-text value in the version's form: ADF for v3, its plain text for v2. */
export function richText(doc: Issue['description'], v: ApiVersion): unknown {
  if (!doc) return null;
  return v === '3' ? doc : adfToText(doc);
}

/**
 * Can this person see the comment? One without `visibility` is seen by all; one restricted to a group
 * or a project role by its members (and its author), as Jira hides it from everyone else.
 */
export function commentVisibleTo(state: JiraState, issue: Issue, c: Comment, accountId: string | undefined | null): boolean {
  if (!c.visibility || accountId === undefined) return true;
  if (!accountId) return false;
  if (c.authorId === accountId) return true;
  const want = c.visibility.value.toLowerCase();
  if (c.visibility.type === 'group')
    return [...state.groups.values()].some((g) => g.name.toLowerCase() === want && g.members.includes(accountId));
  const role = state.projects.get(issue.projectId)?.roles.find((r) => r.name.toLowerCase() === want);
  return role ? role.actors.includes(accountId) : false;
}

export function commentJson(
  state: JiraState,
  issue: Issue,
  c: Comment,
  base: string,
  v: ApiVersion,
  rendered = false,
): Record<string, unknown> {
  return {
    self: `${base}/rest/api/${v}/issue/${issue.id}/comment/${c.id}`,
    id: c.id,
    author: userRef(state, c.authorId, base, v),
    body: richText(c.body, v),
    ...(rendered ? { renderedBody: adfToHtml(c.body) } : {}),
    updateAuthor: userRef(state, c.updateAuthorId, base, v),
    created: jiraDate(c.created),
    updated: jiraDate(c.updated),
    jsdPublic: true,
    ...(c.visibility ? { visibility: { ...c.visibility, identifier: c.visibility.value } } : {}),
  };
}

export function historyJson(state: JiraState, h: History, base: string, v: ApiVersion): Record<string, unknown> {
  return { id: h.id, author: userRef(state, h.authorId, base, v), created: jiraDate(h.created), items: h.items };
}

export function sprintJson(s: Sprint, base: string): Record<string, unknown> {
  return {
    id: s.id,
    self: `${base}/rest/agile/1.0/sprint/${s.id}`,
    state: s.state,
    name: s.name,
    ...(s.startDate !== undefined ? { startDate: new Date(s.startDate).toISOString() } : {}),
    ...(s.endDate !== undefined ? { endDate: new Date(s.endDate).toISOString() } : {}),
    ...(s.completeDate !== undefined ? { completeDate: new Date(s.completeDate).toISOString() } : {}),
    createdDate: new Date(s.createdDate).toISOString(),
    originBoardId: s.boardId,
    goal: s.goal ?? '',
  };
}

/** Fields `*navigable` names (everything but comment/worklog/attachment bodies' heavy siblings). */
const ALL_FIELDS = [
  'summary',
  'description',
  'environment',
  'issuetype',
  'project',
  'status',
  'statuscategorychangedate',
  'priority',
  'assignee',
  'reporter',
  'creator',
  'labels',
  'components',
  'fixVersions',
  'versions',
  'created',
  'updated',
  'duedate',
  'resolution',
  'resolutiondate',
  'parent',
  'subtasks',
  'issuelinks',
  'watches',
  'votes',
  'timetracking',
  'comment',
  'worklog',
  'attachment',
  'lastViewed',
  'security',
];
const NOT_NAVIGABLE = new Set(['comment', 'worklog', 'attachment']);

/**
 * Which fields a `fields` argument asks for: `*all`, `*navigable`, a list (with `-field` to drop
 * one), or the default the caller gives (`*all` for get issue, `id` only for search/jql).
 */
export function selectFields(state: JiraState, raw: unknown, fallback: string): Set<string> {
  const list = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [fallback])
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
  const out = new Set<string>();
  const custom = [...state.customFields.keys()];
  for (const f of list.length ? list : [fallback]) {
    if (f === '*all') {
      for (const x of [...ALL_FIELDS, ...custom]) out.add(x);
    } else if (f === '*navigable') {
      for (const x of [...ALL_FIELDS, ...custom]) if (!NOT_NAVIGABLE.has(x)) out.add(x);
    } else if (f.startsWith('-')) out.delete(f.slice(1));
    else out.add(f);
  }
  return out;
}

export interface RenderOptions {
  fields: Set<string>;
  expand: Set<string>;
  v: ApiVersion;
  base: string;
  /** The caller, for transitions and `watches.isWatching`. */
  callerId?: string;
}

/** The value of one field of an issue, as Jira shows it. */
export function fieldValue(state: JiraState, issue: Issue, field: string, v: ApiVersion, base: string, callerId?: string): unknown {
  const project = state.projects.get(issue.projectId);
  switch (field) {
    case 'summary':
      return issue.summary;
    case 'description':
      return richText(issue.description, v);
    case 'environment':
      return richText(issue.environment, v);
    case 'issuetype':
      return issueTypeJson(state, issue.issueTypeId, base, v);
    case 'project':
      return project ? projectRef(project, base, v) : null;
    case 'status': {
      const s = state.statuses.get(issue.statusId);
      return s ? statusJson(s, base, v) : null;
    }
    case 'statuscategorychangedate':
      return jiraDate(issue.statusChanged);
    case 'priority':
      return priorityJson(state, issue.priorityId, base, v);
    case 'assignee':
      return userRef(state, issue.assigneeId, base, v);
    case 'reporter':
      return userRef(state, issue.reporterId, base, v);
    case 'creator':
      return userRef(state, issue.creatorId, base, v);
    case 'labels':
      return [...issue.labels];
    case 'components':
      return project
        ? issue.componentIds.flatMap((id) => project.components.filter((c) => c.id === id).map((c) => componentJson(project, c, base, v)))
        : [];
    case 'fixVersions':
    case 'versions': {
      const ids = field === 'fixVersions' ? issue.fixVersionIds : issue.versionIds;
      return project ? ids.flatMap((id) => project.versions.filter((x) => x.id === id).map((x) => versionJson(project, x, base, v))) : [];
    }
    case 'created':
      return jiraDate(issue.created);
    case 'updated':
      return jiraDate(issue.updated);
    case 'duedate':
      return issue.duedate;
    case 'resolution':
      return resolutionJson(state, issue.resolutionId, base, v);
    case 'resolutiondate':
      return issue.resolutionDate === null ? null : jiraDate(issue.resolutionDate);
    case 'parent': {
      const parent = issue.parentId ? state.issues.get(issue.parentId) : undefined;
      if (!parent) return undefined;
      return {
        id: parent.id,
        key: parent.key,
        self: `${base}/rest/api/${v}/issue/${parent.id}`,
        fields: {
          summary: parent.summary,
          status: fieldValue(state, parent, 'status', v, base),
          priority: fieldValue(state, parent, 'priority', v, base),
          issuetype: fieldValue(state, parent, 'issuetype', v, base),
        },
      };
    }
    case 'subtasks':
      return [...state.issues.values()]
        .filter((c) => c.parentId === issue.id && state.issueTypes.get(c.issueTypeId)?.subtask)
        .map((c) => ({
          id: c.id,
          key: c.key,
          self: `${base}/rest/api/${v}/issue/${c.id}`,
          fields: { summary: c.summary, status: fieldValue(state, c, 'status', v, base) },
        }));
    case 'issuelinks':
      return issueLinks(state, issue, base, v);
    case 'watches':
      return {
        self: `${base}/rest/api/${v}/issue/${issue.key}/watchers`,
        watchCount: issue.watchers.length,
        isWatching: callerId ? issue.watchers.includes(callerId) : false,
      };
    case 'votes':
      return {
        self: `${base}/rest/api/${v}/issue/${issue.key}/votes`,
        votes: issue.votes.length,
        hasVoted: callerId ? issue.votes.includes(callerId) : false,
      };
    case 'timetracking': {
      const spent = issue.worklogs.reduce((n, w) => n + w.timeSpentSeconds, 0);
      return spent ? { timeSpentSeconds: spent, timeSpent: formatDuration(spent) } : {};
    }
    case 'comment': {
      const comments = issue.comments
        .filter((c) => commentVisibleTo(state, issue, c, callerId))
        .map((c) => commentJson(state, issue, c, base, v));
      return {
        comments,
        self: `${base}/rest/api/${v}/issue/${issue.id}/comment`,
        maxResults: comments.length,
        total: comments.length,
        startAt: 0,
      };
    }
    case 'worklog':
      return {
        startAt: 0,
        maxResults: 20,
        total: issue.worklogs.length,
        worklogs: issue.worklogs.slice(0, 20).map((w) => worklogJson(state, issue, w, base, v)),
      };
    case 'attachment':
      return issue.attachments.map((a) => attachmentJson(state, a, base, v));
    case 'lastViewed':
    case 'security':
      return null;
    default: {
      if (field === 'customfield_10020') {
        const sprints = issue.sprintIds.map((id) => state.sprints.get(id)).filter((s): s is Sprint => Boolean(s));
        return sprints.length
          ? sprints.map((s) => ({
              id: s.id,
              name: s.name,
              state: s.state,
              boardId: s.boardId,
              goal: s.goal ?? '',
              ...(s.startDate ? { startDate: new Date(s.startDate).toISOString() } : {}),
              ...(s.endDate ? { endDate: new Date(s.endDate).toISOString() } : {}),
            }))
          : null;
      }
      if (state.customFields.has(field)) return issue.custom.get(field) ?? null;
      return undefined;
    }
  }
}

export function issueLinks(state: JiraState, issue: Issue, base: string, v: ApiVersion): unknown[] {
  const out: unknown[] = [];
  const short = (i: Issue) => ({
    id: i.id,
    key: i.key,
    self: `${base}/rest/api/${v}/issue/${i.id}`,
    fields: { summary: i.summary, status: fieldValue(state, i, 'status', v, base) },
  });
  for (const l of state.links.values()) {
    const type = state.linkTypes.get(l.typeId);
    if (!type) continue;
    const t = {
      id: type.id,
      name: type.name,
      inward: type.inward,
      outward: type.outward,
      self: `${base}/rest/api/${v}/issueLinkType/${type.id}`,
    };
    if (l.inwardIssueId === issue.id) {
      const other = state.issues.get(l.outwardIssueId);
      if (other) out.push({ id: l.id, self: `${base}/rest/api/${v}/issueLink/${l.id}`, type: t, outwardIssue: short(other) });
    } else if (l.outwardIssueId === issue.id) {
      const other = state.issues.get(l.inwardIssueId);
      if (other) out.push({ id: l.id, self: `${base}/rest/api/${v}/issueLink/${l.id}`, type: t, inwardIssue: short(other) });
    }
  }
  return out;
}

export function worklogJson(
  state: JiraState,
  issue: Issue,
  w: Issue['worklogs'][number],
  base: string,
  v: ApiVersion,
): Record<string, unknown> {
  return {
    self: `${base}/rest/api/${v}/issue/${issue.id}/worklog/${w.id}`,
    author: userRef(state, w.authorId, base, v),
    updateAuthor: userRef(state, w.authorId, base, v),
    ...(w.comment ? { comment: richText(w.comment, v) } : {}),
    created: jiraDate(w.created),
    updated: jiraDate(w.updated),
    started: jiraDate(w.started),
    timeSpent: formatDuration(w.timeSpentSeconds),
    timeSpentSeconds: w.timeSpentSeconds,
    id: w.id,
    issueId: issue.id,
  };
}

export function attachmentJson(state: JiraState, a: Issue['attachments'][number], base: string, v: ApiVersion): Record<string, unknown> {
  return {
    self: `${base}/rest/api/${v}/attachment/${a.id}`,
    id: a.id,
    filename: a.filename,
    author: userRef(state, a.authorId, base, v),
    created: jiraDate(a.created),
    size: a.size,
    mimeType: a.mimeType,
    content: `${base}/rest/api/${v}/attachment/content/${a.id}`,
  };
}

/** `1w 2d 3h 4m` from seconds (8-hour days, 5-day weeks as Jira counts them). */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.floor(seconds / 60);
  const units: [string, number][] = [
    ['w', 5 * 8 * 60],
    ['d', 8 * 60],
    ['h', 60],
    ['m', 1],
  ];
  for (const [u, n] of units) {
    if (rest >= n) {
      parts.push(`${Math.floor(rest / n)}${u}`);
      rest %= n;
    }
  }
  return parts.join(' ') || '0m';
}

export function transitionsJson(
  state: JiraState,
  issue: Issue,
  base: string,
  v: ApiVersion,
  withFields = false,
): Record<string, unknown>[] {
  const project = state.projects.get(issue.projectId);
  if (!project) return [];
  return availableTransitions(project, issue).map((t) => {
    const to = state.statuses.get(t.to);
    return {
      id: t.id,
      name: t.name,
      to: to ? statusJson(to, base, v) : null,
      hasScreen: false,
      isGlobal: t.from.length === 0,
      isInitial: false,
      isAvailable: true,
      isConditional: false,
      isLooped: false,
      ...(withFields ? { fields: {} } : {}),
    };
  });
}

/** The transitions the issue's workflow allows from its current status. */
export function availableTransitions(project: Project, issue: Issue): Project['workflow']['transitions'] {
  return project.workflow.transitions.filter((t) => (t.from.length === 0 ? t.to !== issue.statusId : t.from.includes(issue.statusId)));
}

/** An issue as Jira answers it: `{expand, id, self, key, fields, …expansions}`. */
export function issueJson(state: JiraState, issue: Issue, o: RenderOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const f of o.fields) {
    if (f === 'id' || f === 'key') continue;
    const value = fieldValue(state, issue, f, o.v, o.base, o.callerId);
    if (value !== undefined) fields[f] = value;
  }
  const out: Record<string, unknown> = {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    self: `${o.base}/rest/api/${o.v}/issue/${issue.id}`,
    key: issue.key,
  };
  if (o.fields.size > 0 && !(o.fields.size === 1 && o.fields.has('id'))) out.fields = fields;
  if (o.expand.has('renderedFields')) {
    const rendered: Record<string, unknown> = {};
    for (const f of Object.keys(fields)) {
      if (f === 'description' || f === 'environment') rendered[f] = adfToHtml(issue[f]);
      else if (f === 'created' || f === 'updated' || f === 'resolutiondate') rendered[f] = fields[f];
      else rendered[f] = null;
    }
    out.renderedFields = rendered;
  }
  if (o.expand.has('names')) out.names = Object.fromEntries(Object.keys(fields).map((f) => [f, fieldName(state, f)]));
  if (o.expand.has('schema')) out.schema = Object.fromEntries(Object.keys(fields).map((f) => [f, fieldSchema(state, f)]));
  if (o.expand.has('transitions')) out.transitions = transitionsJson(state, issue, o.base, o.v);
  if (o.expand.has('changelog')) {
    const histories = issue.histories.map((h) => historyJson(state, h, o.base, o.v));
    out.changelog = { startAt: 0, maxResults: histories.length, total: histories.length, histories };
  }
  if (o.expand.has('editmeta')) out.editmeta = { fields: editMetaFields(state) };
  if (o.expand.has('operations')) out.operations = { linkGroups: [] };
  return out;
}

/** System fields: id → [name, schema type, items?, clause names]. */
export const SYSTEM_FIELDS: Record<string, { name: string; type: string; items?: string; clauseNames: string[]; orderable: boolean }> = {
  summary: { name: 'Summary', type: 'string', clauseNames: ['summary'], orderable: true },
  description: { name: 'Description', type: 'string', clauseNames: ['description'], orderable: true },
  environment: { name: 'Environment', type: 'string', clauseNames: ['environment'], orderable: true },
  issuetype: { name: 'Issue Type', type: 'issuetype', clauseNames: ['issuetype', 'type'], orderable: true },
  project: { name: 'Project', type: 'project', clauseNames: ['project'], orderable: false },
  status: { name: 'Status', type: 'status', clauseNames: ['status'], orderable: false },
  priority: { name: 'Priority', type: 'priority', clauseNames: ['priority'], orderable: true },
  assignee: { name: 'Assignee', type: 'user', clauseNames: ['assignee'], orderable: true },
  reporter: { name: 'Reporter', type: 'user', clauseNames: ['reporter'], orderable: true },
  creator: { name: 'Creator', type: 'user', clauseNames: ['creator'], orderable: false },
  labels: { name: 'Labels', type: 'array', items: 'string', clauseNames: ['labels'], orderable: true },
  components: { name: 'Components', type: 'array', items: 'component', clauseNames: ['component'], orderable: true },
  fixVersions: { name: 'Fix versions', type: 'array', items: 'version', clauseNames: ['fixVersion'], orderable: true },
  versions: { name: 'Affects versions', type: 'array', items: 'version', clauseNames: ['affectedVersion'], orderable: true },
  created: { name: 'Created', type: 'datetime', clauseNames: ['created', 'createdDate'], orderable: false },
  updated: { name: 'Updated', type: 'datetime', clauseNames: ['updated', 'updatedDate'], orderable: false },
  duedate: { name: 'Due date', type: 'date', clauseNames: ['due', 'duedate'], orderable: true },
  resolution: { name: 'Resolution', type: 'resolution', clauseNames: ['resolution'], orderable: true },
  resolutiondate: { name: 'Resolved', type: 'datetime', clauseNames: ['resolved', 'resolutiondate'], orderable: false },
  parent: { name: 'Parent', type: 'issuelink', clauseNames: ['parent'], orderable: true },
  subtasks: { name: 'Sub-tasks', type: 'array', items: 'issuelinks', clauseNames: ['subtasks'], orderable: false },
  issuelinks: { name: 'Linked Issues', type: 'array', items: 'issuelinks', clauseNames: ['issueLink'], orderable: true },
  comment: { name: 'Comment', type: 'comments-page', clauseNames: ['comment'], orderable: true },
  worklog: { name: 'Log Work', type: 'array', items: 'worklog', clauseNames: ['worklogComment'], orderable: true },
  attachment: { name: 'Attachment', type: 'array', items: 'attachment', clauseNames: ['attachments'], orderable: true },
  watches: { name: 'Watchers', type: 'watches', clauseNames: ['watchers'], orderable: false },
  votes: { name: 'Votes', type: 'votes', clauseNames: ['votes'], orderable: false },
  timetracking: { name: 'Time tracking', type: 'timetracking', clauseNames: [], orderable: true },
  statuscategorychangedate: {
    name: 'Status Category Changed',
    type: 'datetime',
    clauseNames: ['statusCategoryChangedDate'],
    orderable: false,
  },
  lastViewed: { name: 'Last Viewed', type: 'datetime', clauseNames: ['lastViewed'], orderable: false },
  security: { name: 'Security Level', type: 'securitylevel', clauseNames: ['level'], orderable: true },
};

export function fieldName(state: JiraState, id: string): string {
  return (Object.hasOwn(SYSTEM_FIELDS, id) ? SYSTEM_FIELDS[id].name : undefined) ?? state.customFields.get(id)?.name ?? id;
}

export function fieldSchema(state: JiraState, id: string): Record<string, unknown> {
  // Field ids come from callers: built-in names such as `__proto__` are unknown fields, not Object's.
  const sys = Object.hasOwn(SYSTEM_FIELDS, id) ? SYSTEM_FIELDS[id] : undefined;
  if (sys) return { type: sys.type, ...(sys.items ? { items: sys.items } : {}), system: id };
  const c = state.customFields.get(id);
  if (c)
    return { type: c.type, ...(c.items ? { items: c.items } : {}), custom: c.custom, customId: Number(id.replace('customfield_', '')) };
  return { type: 'any' };
}

/** Every field as GET /field lists it. */
export function fieldsJson(state: JiraState): Record<string, unknown>[] {
  const sys = Object.entries(SYSTEM_FIELDS).map(([id, f]) => ({
    id,
    key: id,
    name: f.name,
    custom: false,
    orderable: f.orderable,
    navigable: true,
    searchable: f.clauseNames.length > 0,
    clauseNames: f.clauseNames,
    schema: fieldSchema(state, id),
  }));
  const custom = [...state.customFields.values()].map((c) => ({
    id: c.id,
    key: c.id,
    name: c.name,
    custom: true,
    orderable: true,
    navigable: true,
    searchable: true,
    clauseNames: [`cf[${c.id.replace('customfield_', '')}]`, c.name],
    schema: fieldSchema(state, c.id),
  }));
  return [...sys, ...custom];
}

const EDITABLE = [
  'summary',
  'description',
  'environment',
  'issuetype',
  'priority',
  'assignee',
  'reporter',
  'labels',
  'components',
  'fixVersions',
  'versions',
  'duedate',
  'parent',
];

/** Field metadata for edit/create meta: what can be set, with its operations. */
export function editMetaFields(state: JiraState, required: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const id of [...EDITABLE, ...state.customFields.keys()]) {
    const array = fieldSchema(state, id).type === 'array';
    out[id] = {
      required: required.includes(id),
      schema: fieldSchema(state, id),
      name: fieldName(state, id),
      key: id,
      fieldId: id,
      operations: array ? ['add', 'set', 'remove'] : ['set'],
      hasDefaultValue: id === 'priority',
    };
  }
  return out;
}
