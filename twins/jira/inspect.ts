// What the inspector page (/_twin/ui) shows of a Jira site: projects, the recently updated issues with status and assignee, recent comments, webhooks, boards and sprints, people.

import type { InspectorCell, InspectorItem, InspectorSection, InspectorView } from '../../src/kernel/types.ts';
import { adfToText } from './adf.ts';
import type { Comment, Issue, JiraState } from './store.ts';

/** How much one refresh shows: the page polls every second, so a site of 100,000 issues costs one pass over them, not a sort. */
export const INSPECT_LIMITS = {
  issues: 200,
  comments: 50,
  commentChars: 2000,
  projects: 200,
  users: 300,
  webhooks: 100,
  sprints: 100,
} as const;

const when = (ms: number | null | undefined): string | null => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

/** The `n` items with the largest `score`, best first, in one pass (no sort of everything). */
function top<T>(items: Iterable<T>, n: number, score: (t: T) => number): T[] {
  const best: { t: T; s: number }[] = [];
  for (const t of items) {
    const s = score(t);
    if (best.length === n && s <= best[best.length - 1].s) continue;
    let i = best.length;
    while (i > 0 && best[i - 1].s < s) i--;
    best.splice(i, 0, { t, s });
    if (best.length > n) best.pop();
  }
  return best.map((b) => b.t);
}

/**
 * The Jira twin's inspector view: the site, projects with their workflows, the most recently
 * updated issues (status, assignee, priority, labels), the newest comments, admin webhooks (their
 * deliveries are in the page's Deliveries section), boards and sprints, and people. API tokens and
 * webhook secrets are never shown.
 */
export function inspectJira(state: JiraState): InspectorView {
  const person = (id: string | null | undefined): string | null => (id ? (state.users.get(id)?.displayName ?? id) : null);
  const statusName = (id: string) => state.statuses.get(id)?.name ?? id;
  const projects = [...state.projects.values()];
  const issuesPerProject = new Map<string, number>();
  for (const i of state.issues.values()) issuesPerProject.set(i.projectId, (issuesPerProject.get(i.projectId) ?? 0) + 1);

  const sections: InspectorSection[] = [
    {
      kind: 'table',
      title: 'Site',
      columns: ['field', 'value'],
      rows: [
        ['site', `${state.siteName} (${state.siteId})`],
        ['default project', state.defaultProjectKey],
        ['admin', person(state.adminAccountId)],
        ['issues', state.issues.size],
        ['people', state.users.size],
        ['webhooks', state.webhooks.size],
      ],
    },
    {
      kind: 'table',
      title: 'Projects',
      columns: ['id', 'key', 'name', 'template', 'lead', 'issues', 'workflow', 'components', 'versions'],
      rows: projects
        .slice(0, INSPECT_LIMITS.projects)
        .map((p): InspectorCell[] => [
          p.id,
          p.key,
          p.name,
          p.templateKey,
          person(p.leadAccountId),
          issuesPerProject.get(p.id) ?? 0,
          p.workflow.statusIds.map(statusName).join(' → '),
          p.components.map((c) => c.name).join(', '),
          p.versions.map((v) => v.name).join(', '),
        ]),
    },
  ];

  const recent = top(state.issues.values(), INSPECT_LIMITS.issues, (i) => i.updated);
  sections.push({
    kind: 'table',
    title: 'Issues (most recently updated first)',
    columns: ['key', 'summary', 'type', 'status', 'assignee', 'reporter', 'priority', 'labels', 'resolution', 'updated'],
    rows: recent.map((i): InspectorCell[] => [
      i.key,
      i.summary,
      state.issueTypes.get(i.issueTypeId)?.name ?? i.issueTypeId,
      statusName(i.statusId),
      person(i.assigneeId),
      person(i.reporterId),
      state.priorities.get(i.priorityId)?.name ?? i.priorityId,
      i.labels.join(', '),
      i.resolutionId ? (state.resolutions.get(i.resolutionId)?.name ?? i.resolutionId) : null,
      when(i.updated),
    ]),
    note: state.issues.size > recent.length ? `the ${recent.length} most recently updated of ${state.issues.size} issues` : undefined,
  });

  const comments = top(
    (function* () {
      for (const issue of state.issues.values()) for (const c of issue.comments) yield { issue, c };
    })(),
    INSPECT_LIMITS.comments,
    ({ c }: { issue: Issue; c: Comment }) => Math.max(c.created, c.updated),
  );
  sections.push({
    kind: 'list',
    title: 'Recent comments',
    items: comments.map(({ issue, c }): InspectorItem => {
      const body = adfToText(c.body);
      return {
        key: `${issue.key}/${c.id}`,
        title: `${person(c.authorId) ?? 'unknown'} on ${issue.key}`,
        text: body.length > INSPECT_LIMITS.commentChars ? `${body.slice(0, INSPECT_LIMITS.commentChars)}…` : body,
        meta: [when(c.created) ?? '', ...(c.updated !== c.created ? [`edited ${when(c.updated)}`] : [])],
        tags: c.visibility ? [`visible to ${c.visibility.type} ${c.visibility.value}`] : [],
      };
    }),
  });

  sections.push({
    kind: 'table',
    title: 'Webhooks',
    columns: ['id', 'name', 'URL', 'events', 'JQL filter', 'body', 'signed', 'enabled'],
    rows: [...state.webhooks.values()].slice(0, INSPECT_LIMITS.webhooks).map((w): InspectorCell[] => [
      w.id,
      w.name,
      w.url,
      w.events.join(', '),
      w.jqlFilter,
      w.excludeBody ? 'excluded' : 'sent',
      // Whether a secret signs the deliveries (X-Hub-Signature), never the secret.
      Boolean(w.secret),
      w.enabled,
    ]),
    note: 'Each webhook’s deliveries and their attempts are in the Deliveries section of this page (kind webhook).',
  });

  const boards = [...state.boards.values()];
  if (boards.length > 0) {
    const sprints = [...state.sprints.values()].slice(0, INSPECT_LIMITS.sprints);
    sections.push({
      kind: 'table',
      title: 'Boards and sprints',
      columns: ['board', 'type', 'project', 'filter', 'sprints'],
      rows: boards.map((b): InspectorCell[] => [
        `${b.name} (${b.id})`,
        b.type,
        state.projects.get(b.projectId)?.key ?? b.projectId,
        b.filterJql,
        sprints
          .filter((s) => s.boardId === b.id)
          .map((s) => `${s.name} (${s.state})`)
          .join(', '),
      ]),
    });
  }

  const users = [...state.users.values()];
  sections.push({
    kind: 'table',
    title: 'People',
    columns: ['accountId', 'name', 'email', 'type', 'active'],
    rows: users
      .slice(0, INSPECT_LIMITS.users)
      .map((u): InspectorCell[] => [u.accountId, u.displayName, u.emailAddress, u.accountType, u.active]),
    note: users.length > INSPECT_LIMITS.users ? `the first ${INSPECT_LIMITS.users} of ${users.length}` : undefined,
  });
  return { sections };
}
