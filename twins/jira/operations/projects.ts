// Projects: create from the software templates, delete (with their issues), get, search (PageBean), roles, components, versions, statuses per issue type.

import { badRequest, clip, fieldErrors, jiraError, projectNotFound } from '../errors.ts';
import { componentJson, issueTypeJson, projectJson, statusJson, userRef, versionJson } from '../render.ts';
import { newProject, PROJECT_TEMPLATES } from '../seed.ts';
import { findProject, findUser, nextId, type Project } from '../store.ts';
import { base, caller, type JiraCtx, pageBean, paging, queryList, queryString, reply, version } from './common.ts';
import { removeIssue } from './issues.ts';

function projectParam(ctx: JiraCtx): Project {
  const ref = ctx.params.projectIdOrKey ?? '';
  const p = findProject(ctx.state, ref);
  if (!p) throw projectNotFound(ref);
  return p;
}

/**
 * POST /project: `{key, name, leadAccountId, projectTypeKey:'software', projectTemplateKey}` → 201 `{self, id, key}`.
 * Limitations: every project is a software project with the default workflow; `business` and `service_desk` types are refused.
 */
export function createProject(ctx: JiraCtx): unknown {
  caller(ctx);
  const a = ctx.args;
  const errors: Record<string, string> = {};
  const key = typeof a.key === 'string' ? a.key : '';
  if (!/^[A-Z][A-Z0-9_]{1,9}$/.test(key))
    errors.projectKey = 'Project keys must start with an uppercase letter, followed by one or more uppercase alphanumeric characters.';
  else if (findProject(ctx.state, key) || ctx.state.keys.has(`${key}-1`)) errors.projectKey = `Project '${key}' uses this project key.`;
  const name = typeof a.name === 'string' ? a.name.trim() : '';
  if (!name || name.length > 80) errors.projectName = 'You must specify a valid project name.';
  else if ([...ctx.state.projects.values()].some((p) => p.name.toLowerCase() === name.toLowerCase()))
    errors.projectName = 'A project with that name already exists.';
  const leadRef = typeof a.leadAccountId === 'string' ? a.leadAccountId : typeof a.lead === 'string' ? a.lead : caller(ctx).accountId;
  const lead = findUser(ctx.state, leadRef);
  if (!lead) errors.projectLead = 'The project lead specified does not exist.';
  if (a.projectTypeKey !== undefined && a.projectTypeKey !== 'software') errors.projectType = 'The twin creates software projects only.';
  const templateKey =
    typeof a.projectTemplateKey === 'string' ? a.projectTemplateKey : 'com.pyxis.greenhopper.jira:gh-simplified-agility-scrum';
  if (!Object.hasOwn(PROJECT_TEMPLATES, templateKey)) errors.projectTemplateKey = 'The project template key is not valid.';
  if (Object.keys(errors).length > 0 || !lead) throw fieldErrors(errors);
  const p = newProject(ctx.state, {
    key,
    name,
    leadAccountId: lead.accountId,
    templateKey,
    description: typeof a.description === 'string' ? a.description : '',
  });
  return reply(201, { self: `${base(ctx)}/rest/api/${version(ctx)}/project/${p.id}`, id: Number(p.id), key: p.key });
}

/** DELETE /project/{projectIdOrKey}: the project, its issues, boards and sprints (204). */
export function deleteProject(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = projectParam(ctx);
  for (const issue of [...ctx.state.issues.values()]) if (issue.projectId === p.id) removeIssue(ctx, issue);
  for (const [id, b] of ctx.state.boards) {
    if (b.projectId !== p.id) continue;
    ctx.state.boards.delete(id);
    for (const [sid, s] of ctx.state.sprints) if (s.boardId === id) ctx.state.sprints.delete(sid);
  }
  ctx.state.projects.delete(p.id);
  return reply(204);
}

/** GET /project/{projectIdOrKey}. */
export function getProject(ctx: JiraCtx): unknown {
  caller(ctx);
  return projectJson(ctx.state, projectParam(ctx), base(ctx), version(ctx));
}

/** PUT /project/{projectIdOrKey}: name, description, lead. */
export function updateProject(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = projectParam(ctx);
  if (typeof ctx.args.name === 'string' && ctx.args.name.trim()) p.name = ctx.args.name.trim().slice(0, 80);
  if (typeof ctx.args.description === 'string') p.description = ctx.args.description;
  if (typeof ctx.args.leadAccountId === 'string') {
    const lead = findUser(ctx.state, ctx.args.leadAccountId);
    if (!lead) throw fieldErrors({ projectLead: 'The project lead specified does not exist.' });
    p.leadAccountId = lead.accountId;
  }
  return projectJson(ctx.state, p, base(ctx), version(ctx));
}

/** GET /project/search: PageBean; `query` matches key or name, `keys` filters. */
export function searchProjects(ctx: JiraCtx): unknown {
  caller(ctx);
  const { startAt, maxResults } = paging(ctx, 50, 100);
  const q = (queryString(ctx, 'query') ?? '').toLowerCase();
  const keys = queryList(ctx, 'keys').map((k) => k.toUpperCase());
  const ids = queryList(ctx, 'id');
  const orderBy = queryString(ctx, 'orderBy') ?? 'key';
  const all = [...ctx.state.projects.values()]
    .filter(
      (p) =>
        (!q || p.key.toLowerCase().includes(q) || p.name.toLowerCase().includes(q)) &&
        (keys.length === 0 || keys.includes(p.key)) &&
        (ids.length === 0 || ids.includes(p.id)),
    )
    .sort((a, b) => {
      const desc = orderBy.startsWith('-');
      const field = orderBy.replace(/^[-+]/, '');
      const cmp =
        field === 'name' ? a.name.localeCompare(b.name) : field === 'id' ? Number(a.id) - Number(b.id) : a.key.localeCompare(b.key);
      return desc ? -cmp : cmp;
    })
    .map((p) => {
      const j = projectJson(ctx.state, p, base(ctx), version(ctx));
      return {
        expand: j.expand,
        self: j.self,
        id: j.id,
        key: j.key,
        name: j.name,
        avatarUrls: j.avatarUrls,
        projectTypeKey: j.projectTypeKey,
        simplified: j.simplified,
        style: j.style,
        isPrivate: false,
        properties: {},
        ...(queryList(ctx, 'expand').includes('lead') ? { lead: j.lead } : {}),
        ...(queryList(ctx, 'expand').includes('description') ? { description: j.description } : {}),
      };
    });
  return pageBean(ctx, all, startAt, maxResults);
}

/** GET /project: every project (deprecated; still served). */
export function getAllProjects(ctx: JiraCtx): unknown {
  caller(ctx);
  return [...ctx.state.projects.values()].map((p) => projectJson(ctx.state, p, base(ctx), version(ctx)));
}

/** GET /project/{projectIdOrKey}/statuses: per issue type, the workflow's statuses. */
export function getAllStatuses(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = projectParam(ctx);
  const statuses = p.workflow.statusIds.flatMap((id) => {
    const s = ctx.state.statuses.get(id);
    return s ? [statusJson(s, base(ctx), version(ctx))] : [];
  });
  return p.issueTypeIds.map((id) => {
    const t = issueTypeJson(ctx.state, id, base(ctx), version(ctx)) ?? {};
    return { self: t.self, id: t.id, name: t.name, subtask: t.subtask, statuses };
  });
}

/** GET /project/{projectIdOrKey}/role: role name → URL. */
export function getProjectRoles(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = projectParam(ctx);
  return Object.fromEntries(p.roles.map((r) => [r.name, `${base(ctx)}/rest/api/${version(ctx)}/project/${p.id}/role/${r.id}`]));
}

/** GET /project/{projectIdOrKey}/role/{id}: the role and its actors. */
export function getProjectRole(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = projectParam(ctx);
  const r = p.roles.find((x) => x.id === ctx.params.id);
  if (!r) throw jiraError(404, [`Can not retrieve a role actor for a null project role.`]);
  return {
    self: `${base(ctx)}/rest/api/${version(ctx)}/project/${p.id}/role/${r.id}`,
    name: r.name,
    id: Number(r.id),
    description: r.name,
    actors: r.actors.map((id, i) => ({
      id: i + 1,
      displayName: ctx.state.users.get(id)?.displayName ?? id,
      type: 'atlassian-user-role-actor',
      actorUser: { accountId: id },
    })),
  };
}

/** GET /project/{projectIdOrKey}/components. */
export function getProjectComponents(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = projectParam(ctx);
  return p.components.map((c) => componentJson(p, c, base(ctx), version(ctx)));
}

/** POST /component: `{project, name}` → 201. */
export function createComponent(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = findProject(ctx.state, String(ctx.args.project ?? ctx.args.projectId ?? ''));
  if (!p) throw fieldErrors({ project: 'The project specified does not exist.' });
  const name = typeof ctx.args.name === 'string' ? ctx.args.name.trim() : '';
  if (!name || name.length > 255) throw fieldErrors({ name: 'The component name specified is invalid.' });
  if (p.components.some((c) => c.name.toLowerCase() === name.toLowerCase()))
    throw fieldErrors({ name: `A component with the name ${clip(name)} already exists in this project.` });
  const c = {
    id: String(nextId(ctx.state, 'component')),
    name,
    description: typeof ctx.args.description === 'string' ? ctx.args.description : '',
  };
  p.components.push(c);
  return reply(201, {
    ...componentJson(p, c, base(ctx), version(ctx)),
    lead: userRef(ctx.state, p.leadAccountId, base(ctx), version(ctx)),
  });
}

/** GET /project/{projectIdOrKey}/versions. */
export function getProjectVersions(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = projectParam(ctx);
  return p.versions.map((v) => versionJson(p, v, base(ctx), version(ctx)));
}

/** POST /version: `{projectId|project, name, released?, releaseDate?}` → 201. */
export function createVersion(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = findProject(ctx.state, String(ctx.args.projectId ?? ctx.args.project ?? ''));
  if (!p) throw fieldErrors({ project: 'The project specified does not exist.' });
  const name = typeof ctx.args.name === 'string' ? ctx.args.name.trim() : '';
  if (!name || name.length > 255) throw fieldErrors({ name: 'You must specify a valid version name' });
  if (p.versions.some((v) => v.name === name)) throw fieldErrors({ name: 'A version with this name already exists in this project.' });
  const releaseDate =
    typeof ctx.args.releaseDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(ctx.args.releaseDate) ? ctx.args.releaseDate : undefined;
  const v = {
    id: String(nextId(ctx.state, 'version')),
    name,
    description: typeof ctx.args.description === 'string' ? ctx.args.description : '',
    released: ctx.args.released === true,
    archived: ctx.args.archived === true,
    releaseDate,
  };
  p.versions.push(v);
  return reply(201, versionJson(p, v, base(ctx), version(ctx)));
}

/** Unknown orderings are Jira's 400. */
export function assertOrder(order: string): void {
  if (!/^[-+]?(key|name|id|category|owner|issueCount|lastIssueUpdatedDate|archivedDate|deletedDate)$/.test(order))
    throw badRequest(`Invalid orderBy: ${clip(order)}`);
}
