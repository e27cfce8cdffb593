// The Jira twin: its contract, state, behaviour and control routes wired into one TwinDefinition.

import { loadOpenApi, type OpenApiDocument, type OperationSpec } from '../../src/kernel/openapi.ts';
import type {
  OperationContext,
  OperationHandler,
  OperationInput,
  RateLimitRule,
  TwinDefinition,
  TwinResponse,
} from '../../src/kernel/types.ts';
import { authenticateJira, type JiraPrincipal } from './auth.ts';
import { jiraControlRoutes } from './control.ts';
import { PER_ISSUE_WRITE_RULE, renderJiraError } from './errors.ts';
import { inspectJira } from './inspect.ts';
import * as agile from './operations/agile.ts';
import * as comments from './operations/comments.ts';
import { Reply } from './operations/common.ts';
import * as extras from './operations/extras.ts';
import * as issues from './operations/issues.ts';
import * as meta from './operations/meta.ts';
import * as projects from './operations/projects.ts';
import * as search from './operations/search.ts';
import * as webhooks from './operations/webhooks.ts';
import { seedJiraState } from './seed.ts';
import { JIRA_SECRET_FORMATS, type JiraState, stateFromJson, stateToJson } from './store.ts';

export type { JiraPrincipal } from './auth.ts';
export type { JiraState } from './store.ts';

// Handlers declare their own argument types; the kernel validated them against the contract.
type AnyHandler = (ctx: never) => unknown;

/** operationId → handler. */
const handlers: Record<string, AnyHandler> = {
  getServerInfo: meta.getServerInfo,
  getCurrentUser: meta.getCurrentUser,
  getUser: meta.getUser,
  createUser: meta.createUser,
  removeUser: meta.removeUser,
  findUsers: meta.findUsers,
  getAllUsers: meta.getAllUsers,
  getAllUsersDefault: meta.getAllUsers,
  findAssignableUsers: meta.findAssignableUsers,
  getUserGroups: meta.getUserGroups,
  createGroup: meta.createGroup,
  removeGroup: meta.removeGroup,
  getUsersFromGroup: meta.getUsersFromGroup,
  addUserToGroup: meta.addUserToGroup,
  removeUserFromGroup: meta.removeUserFromGroup,
  findGroups: meta.findGroups,
  bulkGetGroups: meta.bulkGetGroups,
  getStatuses: meta.getStatuses,
  getStatus: meta.getStatus,
  searchStatuses: meta.searchStatuses,
  getStatusesByName: meta.getStatusesByName,
  getStatusesById: meta.getStatusesById,
  getStatusCategories: meta.getStatusCategories,
  getIssueAllTypes: meta.getIssueAllTypes,
  getIssueType: meta.getIssueType,
  getPriorities: meta.getPriorities,
  searchPriorities: meta.searchPriorities,
  getPriority: meta.getPriority,
  getResolutions: meta.getResolutions,
  getFields: meta.getFields,
  getIssueLinkTypes: meta.getIssueLinkTypes,
  getAllLabels: meta.getAllLabels,
  createProject: projects.createProject,
  getAllProjects: projects.getAllProjects,
  searchProjects: projects.searchProjects,
  getProject: projects.getProject,
  updateProject: projects.updateProject,
  deleteProject: projects.deleteProject,
  getAllStatuses: projects.getAllStatuses,
  getProjectRoles: projects.getProjectRoles,
  getProjectRole: projects.getProjectRole,
  getProjectComponents: projects.getProjectComponents,
  createComponent: projects.createComponent,
  getProjectVersions: projects.getProjectVersions,
  createVersion: projects.createVersion,
  createIssue: issues.createIssue,
  createIssues: issues.createIssues,
  getCreateIssueMetaIssueTypes: issues.getCreateIssueMetaIssueTypes,
  getCreateIssueMetaIssueTypeId: issues.getCreateIssueMetaIssueTypeId,
  getIssue: issues.getIssue,
  editIssue: issues.editIssue,
  deleteIssue: issues.deleteIssue,
  assignIssue: issues.assignIssue,
  getEditIssueMeta: issues.getEditIssueMeta,
  getChangeLogs: issues.getChangeLogs,
  getTransitions: issues.getTransitions,
  doTransition: issues.doTransition,
  submitBulkTransition: issues.submitBulkTransition,
  getComments: comments.getComments,
  addComment: comments.addComment,
  getComment: comments.getComment,
  updateComment: comments.updateComment,
  deleteComment: comments.deleteComment,
  searchAndReconsileIssuesUsingJql: search.searchJql,
  searchAndReconsileIssuesUsingJqlPost: search.searchJql,
  countIssues: search.countIssues,
  searchForIssuesUsingJql: search.searchRemovedOp,
  searchForIssuesUsingJqlPost: search.searchRemovedOp,
  parseJqlQueries: search.parseJqlQueries,
  getAutoComplete: search.getAutoComplete,
  createAdminWebhook: webhooks.createAdminWebhook,
  listAdminWebhooks: webhooks.listAdminWebhooks,
  getAdminWebhook: webhooks.getAdminWebhook,
  updateAdminWebhook: webhooks.updateAdminWebhook,
  deleteAdminWebhook: webhooks.deleteAdminWebhook,
  registerDynamicWebhooks: webhooks.dynamicWebhooksForApps,
  getDynamicWebhooksForApp: webhooks.dynamicWebhooksForApps,
  deleteWebhookById: webhooks.dynamicWebhooksForApps,
  refreshWebhooks: webhooks.dynamicWebhooksForApps,
  getIssueWatchers: extras.getIssueWatchers,
  addWatcher: extras.addWatcher,
  removeWatcher: extras.removeWatcher,
  getVotes: extras.getVotes,
  addVote: extras.addVote,
  removeVote: extras.removeVote,
  getIssueWorklog: extras.getIssueWorklog,
  addWorklog: extras.addWorklog,
  deleteWorklog: extras.deleteWorklog,
  linkIssues: extras.linkIssues,
  getIssueLink: extras.getIssueLink,
  deleteIssueLink: extras.deleteIssueLink,
  addAttachment: extras.addAttachment,
  getAttachment: extras.getAttachment,
  getAttachmentContent: extras.getAttachmentContent,
  removeAttachment: extras.removeAttachment,
  getAllBoards: agile.getAllBoards,
  getBoard: agile.getBoard,
  getBoardConfiguration: agile.getBoardConfiguration,
  getIssuesForBoard: agile.getIssuesForBoard,
  getIssuesForBacklog: agile.getIssuesForBacklog,
  getAllSprints: agile.getAllSprints,
  createSprint: agile.createSprint,
  getSprint: agile.getSprint,
  updateSprint: agile.updateSprint,
  partiallyUpdateSprint: agile.updateSprint,
  deleteSprint: agile.deleteSprint,
  getIssuesForSprint: agile.getIssuesForSprint,
  moveIssuesToSprintAndRank: agile.moveIssuesToSprintAndRank,
  moveIssuesToBacklog: agile.moveIssuesToBacklog,
  getEpic: agile.getEpic,
  getIssuesForEpic: agile.getIssuesForEpic,
  moveIssuesToEpic: agile.moveIssuesToEpic,
};

/** The operations the twin implements, by operationId (anything else in the contract answers 501). */
export const jiraOperations = handlers as unknown as Record<string, OperationHandler<JiraState, JiraPrincipal>>;

/**
 * Jira's burst limits for API-token traffic (per site, endpoint and method) and its per-issue
 * write limit. Generous enough for any app, tight enough for a runaway loop to meet a 429.
 */
export const JIRA_RATE_LIMITS: Record<string, RateLimitRule> = {
  'burst-read': { perMinute: 6000, burst: 200 },
  'burst-write': { perMinute: 3000, burst: 100 },
  'burst-search': { perMinute: 3000, burst: 100 },
  [PER_ISSUE_WRITE_RULE]: { perMinute: 600, burst: 20 },
};

/** The per-issue write limit is kept per issue, one bucket for every kind of write to it (as Jira counts them). */
export function jiraRateLimitKey(op: OperationSpec, input: OperationInput): { shared: string } | undefined {
  if (op.extensions['x-twin-rate-limit'] !== PER_ISSUE_WRITE_RULE) return undefined;
  return { shared: `${PER_ISSUE_WRITE_RULE}|${String(input.params.issueIdOrKey ?? '').toUpperCase()}` };
}

const JSON_TYPE = { 'content-type': 'application/json;charset=UTF-8' };

/** 200 JSON, or what a handler's `reply(...)` asked for (201, 204 with no body, headers). */
export function respondJira(result: unknown, _ctx: OperationContext<JiraState, JiraPrincipal>): TwinResponse {
  if (result instanceof Reply) {
    if (result.body === undefined) return { status: result.status, headers: { ...result.headers } };
    if (result.body instanceof Uint8Array) return { status: result.status, headers: { ...result.headers }, body: result.body };
    return { status: result.status, headers: { ...JSON_TYPE, ...result.headers }, body: JSON.stringify(result.body) };
  }
  return { status: 200, headers: { ...JSON_TYPE }, body: JSON.stringify(result ?? null) };
}

export interface JiraTwinOptions {
  openapi?: OpenApiDocument;
  rateLimits?: Record<string, RateLimitRule>;
}

/** Build the Jira twin's definition. */
export function createJiraTwin(options: JiraTwinOptions = {}): TwinDefinition<JiraState, JiraPrincipal> {
  const openapi = options.openapi ?? loadOpenApi(new URL('./generated/openapi.json', import.meta.url));
  return {
    name: 'jira',
    title: 'Jira',
    openapi,
    authenticate: authenticateJira,
    renderError: (kind, detail, req) => {
      // The per-issue write rule says so in RateLimit-Reason.
      const rule = detail.operationId && kind === 'rate_limited' ? openapiRule(openapi, detail.operationId) : undefined;
      return renderJiraError(kind, rule === PER_ISSUE_WRITE_RULE ? { ...detail, error: PER_ISSUE_WRITE_RULE } : detail, req);
    },
    respond: respondJira,
    createState: ({ seed, tenantId, ordinal, secrets }) => seedJiraState({ seed, tenantId, ordinal, secrets }),
    secretFormats: { ...JIRA_SECRET_FORMATS },
    credentialKeys: (state) => [...state.users.values()].flatMap((u) => (u.apiToken ? [u.apiToken] : [])),
    env: (state, baseUrl) => {
      const admin = state.users.get(state.adminAccountId);
      return {
        JIRA_BASE_URL: baseUrl.replace(/\/+$/, ''),
        JIRA_EMAIL: admin?.emailAddress ?? '',
        JIRA_API_TOKEN: admin?.apiToken ?? '',
        JIRA_PROJECT_KEY: state.defaultProjectKey,
        JIRA_WEBHOOK_SECRET: state.webhookSecret,
      };
    },
    // Snapshots are JSON: Maps go out as arrays and come back as Maps.
    restoreState: (json) => stateFromJson(json),
    inspect: inspectJira,
    operations: jiraOperations,
    rateLimits: options.rateLimits ?? JIRA_RATE_LIMITS,
    rateLimitKey: jiraRateLimitKey,
    control: jiraControlRoutes,
    controlOpenapi: () => loadOpenApi(new URL('./control.yaml', import.meta.url)),
  };
}

const ruleCache = new Map<string, string | undefined>();
function openapiRule(doc: OpenApiDocument, operationId: string): string | undefined {
  if (ruleCache.has(operationId)) return ruleCache.get(operationId);
  let found: string | undefined;
  for (const item of Object.values(doc.paths)) {
    for (const o of Object.values(item as Record<string, { operationId?: string; 'x-twin-rate-limit'?: string }>)) {
      if (o && typeof o === 'object' && o.operationId === operationId) found = o['x-twin-rate-limit'];
    }
  }
  ruleCache.set(operationId, found);
  return found;
}

/** The Jira twin, as `twins up` and the tests load it. */
export const jiraTwin: TwinDefinition<JiraState, JiraPrincipal> = createJiraTwin();

/** Snapshot JSON of a state (Maps as arrays), for tests and tools outside the kernel. */
export const jiraStateToJson = stateToJson;
