// A fresh Jira site for a tenant: people, groups, a scrum software project with its board and sprint, and a few issues; API tokens from the tenant's random secrets.

import type { CompanyPlan } from '../../src/company/types.ts';
import { seededRandom } from '../../src/kernel/rng.ts';
import { TenantSecrets } from '../../src/kernel/secrets.ts';
import { textToAdf } from './adf.ts';
import {
  type Issue,
  type IssueType,
  JIRA_SECRET_FORMATS,
  type JiraState,
  nextId,
  type Project,
  type Status,
  type User,
  type Workflow,
  withJson,
} from './store.ts';

/** Every seeded date is relative to this instant, so one seed always gives the same bytes. */
export const SEED_EPOCH_MS = Date.UTC(2025, 0, 1, 0, 0, 0);

/** The seeded people: the admin (JIRA_EMAIL) first. */
export const SEED_PEOPLE = [
  { name: 'admin', displayName: 'Ada Admin' },
  { name: 'alice', displayName: 'Alice Adams' },
  { name: 'bob', displayName: 'Bob Brown' },
  { name: 'carol', displayName: 'Carol Chen' },
  { name: 'dave', displayName: 'Dave Diaz' },
] as const;

/** Jira's default statuses: To Do, In Progress, Done (and the category each belongs to). */
export const DEFAULT_STATUSES: Status[] = [
  { id: '10000', name: 'To Do', category: 'new', description: '' },
  {
    id: '10001',
    name: 'In Progress',
    category: 'indeterminate',
    description: 'This issue is being actively worked on at the moment by the assignee.',
  },
  { id: '10002', name: 'Done', category: 'done', description: '' },
];

export const DEFAULT_ISSUE_TYPES: IssueType[] = [
  { id: '10000', name: 'Epic', description: 'A big user story that needs to be broken down.', subtask: false, hierarchyLevel: 1 },
  { id: '10001', name: 'Story', description: 'Functionality or a feature expressed as a user goal.', subtask: false, hierarchyLevel: 0 },
  { id: '10002', name: 'Task', description: 'A small, distinct piece of work.', subtask: false, hierarchyLevel: 0 },
  { id: '10003', name: 'Bug', description: 'A problem or error.', subtask: false, hierarchyLevel: 0 },
  { id: '10004', name: 'Subtask', description: 'A small piece of work that is part of a larger task.', subtask: true, hierarchyLevel: -1 },
];

/** The default workflow: To Do → In Progress → Done, each reachable from the others. */
export function defaultWorkflow(projectKey: string): Workflow {
  return {
    name: `${projectKey} workflow`,
    statusIds: ['10000', '10001', '10002'],
    initialStatusId: '10000',
    transitions: [
      { id: '11', name: 'To Do', from: ['10001', '10002'], to: '10000' },
      { id: '21', name: 'In Progress', from: ['10000', '10002'], to: '10001' },
      { id: '31', name: 'Done', from: ['10000', '10001'], to: '10002' },
    ],
  };
}

/** Project templates Jira's create-project accepts, by template key. */
export const PROJECT_TEMPLATES: Record<string, { style: 'classic' | 'next-gen'; board: 'scrum' | 'kanban' | 'simple' }> = {
  'com.pyxis.greenhopper.jira:gh-simplified-agility-scrum': { style: 'next-gen', board: 'scrum' },
  'com.pyxis.greenhopper.jira:gh-simplified-agility-kanban': { style: 'next-gen', board: 'kanban' },
  'com.pyxis.greenhopper.jira:gh-simplified-scrum-classic': { style: 'classic', board: 'scrum' },
  'com.pyxis.greenhopper.jira:gh-simplified-kanban-classic': { style: 'classic', board: 'kanban' },
  'com.pyxis.greenhopper.jira:gh-simplified-basic': { style: 'classic', board: 'simple' },
  'com.pyxis.greenhopper.jira:gh-scrum-template': { style: 'classic', board: 'scrum' },
  'com.pyxis.greenhopper.jira:gh-kanban-template': { style: 'classic', board: 'kanban' },
};

/** A 24-hex account id from the seeded random source, like Atlassian's. */
function accountId(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 24; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

/** An empty site with the global catalogues (statuses, issue types, priorities, fields). */
export function blankSite(siteId: string, siteName: string): JiraState {
  const state: JiraState = {
    siteId,
    siteName,
    adminAccountId: '',
    webhookSecret: '',
    defaultProjectKey: '',
    users: new Map(),
    groups: new Map(),
    statuses: new Map(DEFAULT_STATUSES.map((s) => [s.id, { ...s }])),
    issueTypes: new Map(DEFAULT_ISSUE_TYPES.map((t) => [t.id, { ...t }])),
    priorities: new Map(
      [
        ['1', 'Highest', '#d04437'],
        ['2', 'High', '#f15C75'],
        ['3', 'Medium', '#f79232'],
        ['4', 'Low', '#707070'],
        ['5', 'Lowest', '#999999'],
      ].map(([id, name, statusColor]) => [id, { id, name, statusColor }]),
    ),
    resolutions: new Map(
      [
        ['10000', 'Done', 'Work has been completed on this issue.'],
        ['10001', "Won't Do", "This issue won't be actioned."],
        ['10002', 'Duplicate', 'The problem is a duplicate of an existing issue.'],
      ].map(([id, name, description]) => [id, { id, name, description }]),
    ),
    projects: new Map(),
    issues: new Map(),
    keys: new Map(),
    customFields: new Map([
      [
        'customfield_10020',
        { id: 'customfield_10020', name: 'Sprint', type: 'array', items: 'json', custom: 'com.pyxis.greenhopper.jira:gh-sprint' },
      ],
      [
        'customfield_10016',
        { id: 'customfield_10016', name: 'Story point estimate', type: 'number', custom: 'com.pyxis.greenhopper.jira:jsw-story-points' },
      ],
      [
        'customfield_10030',
        {
          id: 'customfield_10030',
          name: 'Customer',
          type: 'string',
          custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield',
        },
      ],
    ]),
    linkTypes: new Map(
      [
        ['10000', 'Blocks', 'is blocked by', 'blocks'],
        ['10001', 'Cloners', 'is cloned by', 'clones'],
        ['10002', 'Duplicate', 'is duplicated by', 'duplicates'],
        ['10003', 'Relates', 'relates to', 'relates to'],
      ].map(([id, name, inward, outward]) => [id, { id, name, inward, outward }]),
    ),
    links: new Map(),
    webhooks: new Map(),
    boards: new Map(),
    sprints: new Map(),
    counters: new Map(),
    views: new Map(),
  };
  return withJson(state);
}

/** A new project with the default workflow and every issue type. */
export function newProject(
  state: JiraState,
  opts: { key: string; name: string; leadAccountId: string; templateKey: string; description?: string },
): Project {
  const template = (Object.hasOwn(PROJECT_TEMPLATES, opts.templateKey) ? PROJECT_TEMPLATES[opts.templateKey] : undefined) ?? {
    style: 'classic' as const,
    board: 'scrum' as const,
  };
  const project: Project = {
    id: String(nextId(state, 'project')),
    key: opts.key,
    name: opts.name,
    description: opts.description ?? '',
    projectTypeKey: 'software',
    style: template.style,
    templateKey: opts.templateKey,
    leadAccountId: opts.leadAccountId,
    issueTypeIds: DEFAULT_ISSUE_TYPES.map((t) => t.id),
    workflow: defaultWorkflow(opts.key),
    components: [],
    versions: [],
    nextNumber: 1,
    roles: [
      { id: '10002', name: 'Administrators', actors: [opts.leadAccountId] },
      { id: '10001', name: 'Developers', actors: [] },
      { id: '10000', name: 'Viewers', actors: [] },
    ],
  };
  state.projects.set(project.id, project);
  const boardId = nextId(state, 'board', 1);
  state.boards.set(boardId, {
    id: boardId,
    name: `${opts.key} board`,
    type: template.board,
    projectId: project.id,
    filterJql: `project = ${opts.key} ORDER BY Rank ASC`,
  });
  return project;
}

/** A blank issue in `project` at `at`, not yet stored (the caller fills the fields and stores it). */
export function blankIssue(state: JiraState, project: Project, at: number, creatorId: string): Issue {
  const key = `${project.key}-${project.nextNumber++}`;
  return {
    id: String(nextId(state, 'issue')),
    key,
    projectId: project.id,
    issueTypeId: '10002',
    summary: '',
    description: null,
    environment: null,
    statusId: project.workflow.initialStatusId,
    priorityId: '3',
    assigneeId: null,
    reporterId: creatorId,
    creatorId,
    labels: [],
    componentIds: [],
    fixVersionIds: [],
    versionIds: [],
    created: at,
    updated: at,
    statusChanged: at,
    resolutionId: null,
    resolutionDate: null,
    duedate: null,
    parentId: null,
    sprintIds: [],
    custom: new Map(),
    comments: [],
    histories: [],
    watchers: [creatorId],
    votes: [],
    worklogs: [],
    attachments: [],
  };
}

/** Store an issue and index its key. */
export function storeIssue(state: JiraState, issue: Issue): void {
  state.issues.set(issue.id, issue);
  state.keys.set(issue.key, issue.id);
}

/**
 * A fresh site for a tenant. The same (seed, ordinal) gives the same site apart from its secrets
 * (API tokens, the webhook secret), which come from the tenant's random secrets.
 *
 * @example seedJiraState({ seed: 42, tenantId: 'default', ordinal: 0, secrets }).defaultProjectKey // 'OPS'
 */
export function seedJiraState(opts: {
  seed: number;
  tenantId: string;
  ordinal: number;
  secrets?: TenantSecrets;
  /** A company's people, groups, projects and issues instead of the built-in ones (src/company; docs/company.md). */
  company?: CompanyPlan;
}): JiraState {
  const secrets = opts.secrets ?? new TenantSecrets(JIRA_SECRET_FORMATS);
  const rand = seededRandom(opts.seed * 7919 + opts.ordinal * 104729 + 17);
  const siteName = opts.ordinal === 0 ? 'twin-site' : `twin-site-${opts.ordinal}`;
  const state = blankSite(accountId(rand).slice(0, 8), siteName);
  if (opts.company) return seedCompanySite(state, opts.company, rand, secrets);
  const people: User[] = SEED_PEOPLE.map((p, i) => ({
    accountId: accountId(rand),
    emailAddress: `${p.name}@${siteName}.test`,
    displayName: p.displayName,
    active: true,
    timeZone: 'Etc/UTC',
    locale: 'en_US',
    accountType: 'atlassian',
    // The admin's token is JIRA_API_TOKEN; each other person has one too, to act as them.
    apiToken: i === 0 ? secrets.get('api-token') : secrets.forRole(`api-token#${i}`),
  }));
  for (const u of people) state.users.set(u.accountId, u);
  const admin = people[0];
  state.adminAccountId = admin.accountId;
  state.groups.set('g-admins', { groupId: 'g-admins', name: 'jira-admins', members: [admin.accountId] });
  state.groups.set('g-users', { groupId: 'g-users', name: 'jira-software-users', members: people.map((u) => u.accountId) });
  state.groups.set('g-oncall', { groupId: 'g-oncall', name: 'oncall', members: [people[1].accountId, people[2].accountId] });
  const ops = newProject(state, {
    key: 'OPS',
    name: 'Operations',
    leadAccountId: admin.accountId,
    templateKey: 'com.pyxis.greenhopper.jira:gh-simplified-agility-scrum',
    description: 'Incidents and operational work.',
  });
  state.defaultProjectKey = ops.key;
  ops.components.push({ id: '10000', name: 'api' }, { id: '10001', name: 'web' });
  ops.versions.push(
    { id: '10000', name: '1.0', released: true, archived: false, releaseDate: '2024-12-01' },
    { id: '10001', name: '1.1', released: false, archived: false },
  );
  state.counters.set('component', 10001);
  state.counters.set('version', 10001);
  const sprintId = nextId(state, 'sprint', 1);
  state.sprints.set(sprintId, {
    id: sprintId,
    name: 'OPS Sprint 1',
    state: 'active',
    boardId: 1,
    startDate: SEED_EPOCH_MS,
    endDate: SEED_EPOCH_MS + 14 * 86_400_000,
    createdDate: SEED_EPOCH_MS - 86_400_000,
    goal: 'Keep the lights on',
  });
  const seeded: [string, string, number, string][] = [
    ['Set up the on-call rotation', '10000', 1, '10002'],
    ['API returns 500 on login', '10001', 2, '10003'],
    ['Write the incident runbook', '10002', 3, '10002'],
  ];
  seeded.forEach(([summary, statusId, who, typeId], i) => {
    const at = SEED_EPOCH_MS + i * 3_600_000;
    const issue = blankIssue(state, ops, at, admin.accountId);
    issue.summary = summary;
    issue.description = textToAdf(`${summary}.`);
    issue.issueTypeId = typeId;
    issue.statusId = statusId;
    issue.assigneeId = people[who].accountId;
    issue.labels = i === 1 ? ['incident'] : [];
    issue.sprintIds = [sprintId];
    if (statusId === '10002') {
      issue.resolutionId = '10000';
      issue.resolutionDate = at;
    }
    storeIssue(state, issue);
  });
  const secret = secrets.get('webhook-secret');
  state.webhookSecret = secret;
  return state;
}

const ISSUE_TYPE_IDS = { Epic: '10000', Story: '10001', Task: '10002', Bug: '10003' } as const;
const STATUS_IDS = { 'To Do': '10000', 'In Progress': '10001', Done: '10002' } as const;

/**
 * The company's people with a Jira account (the first admin among them is JIRA_EMAIL), jira-admins,
 * jira-software-users and the company's groups, its projects (lead, Developers role, board) and
 * issues, each an hour apart from the seed epoch.
 */
function seedCompanySite(state: JiraState, company: CompanyPlan, rand: () => number, secrets: TenantSecrets): JiraState {
  const ids = new Map<string, string>();
  const people = company.people.filter((p) => p.jira);
  const adminIndex = Math.max(
    0,
    people.findIndex((p) => p.admin),
  );
  people.forEach((p, i) => {
    const user: User = {
      accountId: accountId(rand),
      emailAddress: p.email,
      displayName: `${p.firstName} ${p.lastName}`,
      active: p.status === 'ACTIVE' || p.status === 'STAGED',
      timeZone: p.timezone,
      locale: 'en_US',
      accountType: 'atlassian',
      apiToken: i === adminIndex ? secrets.get('api-token') : secrets.forRole(`api-token#${i + 1}`),
    };
    state.users.set(user.accountId, user);
    ids.set(p.handle, user.accountId);
  });
  const admin = people[adminIndex] ? ids.get(people[adminIndex].handle) : undefined;
  state.adminAccountId = admin ?? '';
  const all = [...ids.values()];
  state.groups.set('g-admins', { groupId: 'g-admins', name: 'jira-admins', members: admin ? [admin] : [] });
  state.groups.set('g-users', { groupId: 'g-users', name: 'jira-software-users', members: all });
  company.groups.forEach((g, i) => {
    const groupId = `g-${i + 1}`;
    state.groups.set(groupId, { groupId, name: g.name, members: g.members.flatMap((h) => ids.get(h) ?? []) });
  });
  const projects = new Map<string, Project>();
  for (const p of company.projects) {
    const lead = ids.get(p.lead) ?? admin ?? '';
    const project = newProject(state, {
      key: p.key,
      name: p.name,
      leadAccountId: lead,
      templateKey: 'com.pyxis.greenhopper.jira:gh-simplified-agility-scrum',
      description: p.description,
    });
    const developers = project.roles.find((r) => r.name === 'Developers');
    if (developers) developers.actors = p.members.flatMap((h) => ids.get(h) ?? []);
    projects.set(p.key, project);
  }
  state.defaultProjectKey = company.projects[0]?.key ?? '';
  company.issues.forEach((x, i) => {
    const project = projects.get(x.project);
    if (!project) return;
    const at = SEED_EPOCH_MS + i * 3_600_000;
    const reporter = (x.reporter && ids.get(x.reporter)) || project.leadAccountId;
    const issue = blankIssue(state, project, at, reporter);
    issue.summary = x.summary;
    issue.description = x.description ? textToAdf(x.description) : null;
    issue.issueTypeId = ISSUE_TYPE_IDS[x.type];
    issue.statusId = STATUS_IDS[x.status];
    issue.assigneeId = (x.assignee && ids.get(x.assignee)) || null;
    issue.labels = [...x.labels];
    if (x.status === 'Done') {
      issue.resolutionId = '10000';
      issue.resolutionDate = at;
    }
    storeIssue(state, issue);
  });
  state.webhookSecret = secrets.get('webhook-secret');
  return state;
}
