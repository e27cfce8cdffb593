// Identity and the site's catalogues: /myself, users, groups, statuses, issue types, priorities, resolutions, fields, link types, labels, server info.

import { badRequest, clip, conflict, jiraError, notFound, userNotFound } from '../errors.ts';
import { fieldsJson, issueTypeJson, priorityJson, resolutionJson, statusCategoryJson, statusJson, userJson } from '../render.ts';
import { findGroup, findProject, findUser, type Group, nextId, type User } from '../store.ts';
import { base, caller, type JiraCtx, pageBean, paging, queryList, queryString, reply, version } from './common.ts';

/** GET /serverInfo: open to anyone. */
export function getServerInfo(ctx: JiraCtx): unknown {
  return {
    baseUrl: base(ctx),
    displayUrl: base(ctx),
    version: '1001.0.0-SNAPSHOT',
    versionNumbers: [1001, 0, 0],
    deploymentType: 'Cloud',
    buildNumber: 100283,
    buildDate: '2026-12-01T00:00:00.000+0000',
    serverTime: new Date(ctx.now()).toISOString().replace('Z', '+0000'),
    scmInfo: 'twin',
    serverTitle: ctx.state.siteName,
  };
}

/** GET /myself: the caller. */
export function getCurrentUser(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const groups = [...ctx.state.groups.values()].filter((g) => g.members.includes(me.accountId));
  const expand = queryList(ctx, 'expand');
  return {
    ...userJson(me, base(ctx), version(ctx)),
    ...(expand.includes('groups')
      ? { groups: { size: groups.length, items: groups.map((g) => ({ name: g.name, groupId: g.groupId })) } }
      : {}),
    applicationRoles: { size: 1, items: [] },
  };
}

function userParam(ctx: JiraCtx): User {
  const id = queryString(ctx, 'accountId');
  if (!id) throw badRequest('The accountId query parameter needs to be provided.');
  const u = ctx.state.users.get(id);
  if (!u) throw userNotFound();
  return u;
}

/** GET /user?accountId=. */
export function getUser(ctx: JiraCtx): unknown {
  caller(ctx);
  return userJson(userParam(ctx), base(ctx), version(ctx));
}

/** POST /user: invite a person by email (201). */
export function createUser(ctx: JiraCtx): unknown {
  caller(ctx);
  const email = typeof ctx.args.emailAddress === 'string' ? ctx.args.emailAddress.trim() : '';
  if (!/^[^@\s]+@[^@\s]+$/.test(email) || email.length > 255)
    throw jiraError(400, [], { emailAddress: 'You must specify a valid email address.' });
  if (findUser(ctx.state, email)) throw badRequest(`A user with email address '${clip(email)}' already exists.`);
  const n = nextId(ctx.state, 'user', 1);
  const accountId = `712020:${n.toString(16).padStart(8, '0')}-twin-${ctx.state.siteId}`;
  const u: User = {
    accountId,
    emailAddress: email,
    displayName:
      typeof ctx.args.displayName === 'string' && ctx.args.displayName ? ctx.args.displayName.slice(0, 255) : email.split('@')[0],
    active: true,
    timeZone: 'Etc/UTC',
    locale: 'en_US',
    accountType: 'atlassian',
  };
  ctx.state.users.set(accountId, u);
  return reply(201, userJson(u, base(ctx), version(ctx)));
}

/** DELETE /user?accountId=: the person is gone (204). */
export function removeUser(ctx: JiraCtx): unknown {
  const me = caller(ctx);
  const u = userParam(ctx);
  if (u.accountId === me.accountId) throw badRequest('You cannot delete yourself.');
  ctx.state.users.delete(u.accountId);
  for (const g of ctx.state.groups.values()) g.members = g.members.filter((m) => m !== u.accountId);
  return reply(204);
}

function matches(u: User, query: string): boolean {
  const q = query.toLowerCase();
  return (
    u.displayName
      .toLowerCase()
      .split(/\s+/)
      .some((w) => w.startsWith(q)) ||
    u.displayName.toLowerCase().startsWith(q) ||
    u.emailAddress.toLowerCase().startsWith(q) ||
    u.accountId === query
  );
}

/** GET /user/search: a bare array (`query` or `accountId`), paged by startAt/maxResults. */
export function findUsers(ctx: JiraCtx): unknown {
  caller(ctx);
  const query = queryString(ctx, 'query') ?? queryString(ctx, 'username') ?? '';
  const accountId = queryString(ctx, 'accountId');
  if (!query && !accountId && !queryString(ctx, 'property')) throw badRequest("One of 'query' or 'accountId' parameters must be provided.");
  const { startAt, maxResults } = paging(ctx, 50, 1000);
  const all = [...ctx.state.users.values()].filter((u) => (accountId ? u.accountId === accountId : matches(u, query)));
  return all.slice(startAt, startAt + maxResults).map((u) => userJson(u, base(ctx), version(ctx)));
}

/** GET /users/search and /users: every person, a bare array. */
export function getAllUsers(ctx: JiraCtx): unknown {
  caller(ctx);
  const { startAt, maxResults } = paging(ctx, 50, 1000);
  return [...ctx.state.users.values()].slice(startAt, startAt + maxResults).map((u) => userJson(u, base(ctx), version(ctx)));
}

/** GET /user/assignable/search: people who may be assigned in a project or issue. */
export function findAssignableUsers(ctx: JiraCtx): unknown {
  caller(ctx);
  const project = queryString(ctx, 'project');
  const issueKey = queryString(ctx, 'issueKey') ?? queryString(ctx, 'issueId');
  if (!project && !issueKey) throw badRequest("One of 'project', 'issueKey' or 'issueId' must be provided.");
  if (project && !findProject(ctx.state, project)) throw notFound(`No project could be found with key '${clip(project)}'.`);
  const query = queryString(ctx, 'query') ?? '';
  const accountId = queryString(ctx, 'accountId');
  const { startAt, maxResults } = paging(ctx, 50, 1000);
  const all = [...ctx.state.users.values()].filter(
    (u) => u.active && u.accountType === 'atlassian' && (accountId ? u.accountId === accountId : !query || matches(u, query)),
  );
  return all.slice(startAt, startAt + maxResults).map((u) => userJson(u, base(ctx), version(ctx)));
}

/** GET /status: every status. */
export function getStatuses(ctx: JiraCtx): unknown {
  caller(ctx);
  return [...ctx.state.statuses.values()].map((s) => statusJson(s, base(ctx), version(ctx)));
}

/** GET /status/{idOrName}. */
export function getStatus(ctx: JiraCtx): unknown {
  caller(ctx);
  const ref = ctx.params.idOrName ?? '';
  const s = ctx.state.statuses.get(ref) ?? [...ctx.state.statuses.values()].find((x) => x.name.toLowerCase() === ref.toLowerCase());
  if (!s) throw notFound(`The status with id '${clip(ref)}' does not exist.`);
  return statusJson(s, base(ctx), version(ctx));
}

function newStatusJson(s: { id: string; name: string; category: string; description: string }): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    statusCategory: s.category === 'new' ? 'TODO' : s.category === 'done' ? 'DONE' : 'IN_PROGRESS',
    scope: { type: 'GLOBAL' },
    description: s.description,
  };
}

/** GET /statuses/search: a PageBean of statuses (`searchString`, `statusCategory`). */
export function searchStatuses(ctx: JiraCtx): unknown {
  caller(ctx);
  const q = (queryString(ctx, 'searchString') ?? '').toLowerCase();
  const cat = queryString(ctx, 'statusCategory');
  const { startAt, maxResults } = paging(ctx, 200, 200);
  const all = [...ctx.state.statuses.values()]
    .filter((s) => s.name.toLowerCase().includes(q))
    .map((s) => newStatusJson(s))
    .filter((s) => !cat || s.statusCategory === cat);
  return pageBean(ctx, all, startAt, maxResults);
}

/** GET /statuses/byNames?name=…: the statuses with those names. */
export function getStatusesByName(ctx: JiraCtx): unknown {
  caller(ctx);
  const names = queryList(ctx, 'name').map((n) => n.toLowerCase());
  return [...ctx.state.statuses.values()].filter((s) => names.includes(s.name.toLowerCase())).map((s) => newStatusJson(s));
}

/** GET /statuses?id=…: the statuses with those ids. */
export function getStatusesById(ctx: JiraCtx): unknown {
  caller(ctx);
  const ids = queryList(ctx, 'id');
  return ids.flatMap((id) => {
    const s = ctx.state.statuses.get(id);
    return s ? [newStatusJson(s)] : [];
  });
}

/** GET /statuscategory. */
export function getStatusCategories(ctx: JiraCtx): unknown {
  caller(ctx);
  return [
    {
      self: `${base(ctx)}/rest/api/${version(ctx)}/statuscategory/1`,
      id: 1,
      key: 'undefined',
      colorName: 'medium-gray',
      name: 'No Category',
    },
    ...(['new', 'indeterminate', 'done'] as const).map((k) => statusCategoryJson(k, base(ctx), version(ctx))),
  ];
}

/** GET /issuetype. */
export function getIssueAllTypes(ctx: JiraCtx): unknown {
  caller(ctx);
  return [...ctx.state.issueTypes.keys()].map((id) => issueTypeJson(ctx.state, id, base(ctx), version(ctx)));
}

/** GET /issuetype/{id}. */
export function getIssueType(ctx: JiraCtx): unknown {
  caller(ctx);
  const t = issueTypeJson(ctx.state, ctx.params.id ?? '', base(ctx), version(ctx));
  if (!t) throw notFound('Issue type with given ID does not exist or you do not have permission to see it.');
  return t;
}

/** GET /priority (deprecated but still served). */
export function getPriorities(ctx: JiraCtx): unknown {
  caller(ctx);
  return [...ctx.state.priorities.keys()].map((id) => ({
    ...priorityJson(ctx.state, id, base(ctx), version(ctx)),
    statusColor: ctx.state.priorities.get(id)?.statusColor,
    description: '',
  }));
}

/** GET /priority/search: a PageBean. */
export function searchPriorities(ctx: JiraCtx): unknown {
  caller(ctx);
  const { startAt, maxResults } = paging(ctx, 50, 50);
  const all = [...ctx.state.priorities.keys()].map((id) => ({
    ...priorityJson(ctx.state, id, base(ctx), version(ctx)),
    statusColor: ctx.state.priorities.get(id)?.statusColor,
    description: '',
    isDefault: id === '3',
  }));
  return pageBean(ctx, all, startAt, maxResults);
}

/** GET /priority/{id}. */
export function getPriority(ctx: JiraCtx): unknown {
  caller(ctx);
  const p = priorityJson(ctx.state, ctx.params.id ?? '', base(ctx), version(ctx));
  if (!p) throw notFound(`Priority with ID ${clip(ctx.params.id ?? '')} not found.`);
  return p;
}

/** GET /resolution. */
export function getResolutions(ctx: JiraCtx): unknown {
  caller(ctx);
  return [...ctx.state.resolutions.keys()].map((id) => resolutionJson(ctx.state, id, base(ctx), version(ctx)));
}

/** GET /field: system and custom fields with their clause names and schemas. */
export function getFields(ctx: JiraCtx): unknown {
  caller(ctx);
  return fieldsJson(ctx.state);
}

/** GET /issueLinkType. */
export function getIssueLinkTypes(ctx: JiraCtx): unknown {
  caller(ctx);
  return {
    issueLinkTypes: [...ctx.state.linkTypes.values()].map((t) => ({
      ...t,
      self: `${base(ctx)}/rest/api/${version(ctx)}/issueLinkType/${t.id}`,
    })),
  };
}

/** GET /label: every label in use, a PageBean of strings. */
export function getAllLabels(ctx: JiraCtx): unknown {
  caller(ctx);
  const { startAt, maxResults } = paging(ctx, 1000, 1000);
  const labels = new Set<string>();
  for (const i of ctx.state.issues.values()) for (const l of i.labels) labels.add(l);
  return pageBean(ctx, [...labels].sort(), startAt, maxResults);
}

function groupJson(ctx: JiraCtx, g: Group): Record<string, unknown> {
  return {
    name: g.name,
    groupId: g.groupId,
    self: `${base(ctx)}/rest/api/${version(ctx)}/group?groupId=${g.groupId}`,
    users: { size: g.members.length, items: [], 'max-results': 50, 'start-index': 0, 'end-index': 0 },
    expand: 'users',
  };
}

function groupParam(ctx: JiraCtx): Group {
  const name = queryString(ctx, 'groupname') ?? queryString(ctx, 'groupName');
  const id = queryString(ctx, 'groupId');
  if (!name && !id) throw badRequest('Either a group name or a group ID must be provided.');
  const g = findGroup(ctx.state, id ?? name ?? '');
  if (!g) throw notFound(`Specified group does not exist.`);
  return g;
}

/** POST /group: `{name}` → 201. */
export function createGroup(ctx: JiraCtx): unknown {
  caller(ctx);
  const name = typeof ctx.args.name === 'string' ? ctx.args.name.trim() : '';
  if (!name || name.length > 255) throw badRequest('You must specify a group name.');
  if (findGroup(ctx.state, name)) throw badRequest(`A group with name '${clip(name)}' already exists.`);
  const g: Group = { groupId: `g-${nextId(ctx.state, 'group', 1)}-${ctx.state.siteId}`, name, members: [] };
  ctx.state.groups.set(g.groupId, g);
  return reply(201, groupJson(ctx, g));
}

/** DELETE /group?groupname=|groupId=: 200 empty. */
export function removeGroup(ctx: JiraCtx): unknown {
  caller(ctx);
  const g = groupParam(ctx);
  ctx.state.groups.delete(g.groupId);
  return reply(200);
}

/** GET /group/member: a PageBean of the group's members. */
export function getUsersFromGroup(ctx: JiraCtx): unknown {
  caller(ctx);
  const g = groupParam(ctx);
  const { startAt, maxResults } = paging(ctx, 50, 50);
  const all = g.members.flatMap((id) => {
    const u = ctx.state.users.get(id);
    return u ? [userJson(u, base(ctx), version(ctx))] : [];
  });
  return pageBean(ctx, all, startAt, maxResults);
}

/** POST /group/user?groupname=: `{accountId}` → 201 with the group. */
export function addUserToGroup(ctx: JiraCtx): unknown {
  caller(ctx);
  const g = groupParam(ctx);
  const id = typeof ctx.args.accountId === 'string' ? ctx.args.accountId : '';
  if (!ctx.state.users.has(id)) throw badRequest(`Specified user does not exist or you do not have required permissions`);
  if (g.members.includes(id)) throw conflict(`Cannot add user. User is already a member of '${g.name}'`);
  g.members.push(id);
  return reply(201, groupJson(ctx, g));
}

/** DELETE /group/user?groupname=&accountId=: 200. */
export function removeUserFromGroup(ctx: JiraCtx): unknown {
  caller(ctx);
  const g = groupParam(ctx);
  const id = queryString(ctx, 'accountId') ?? '';
  if (!g.members.includes(id)) throw badRequest('Cannot remove user. User is not a member of the group.');
  g.members = g.members.filter((m) => m !== id);
  return reply(200);
}

/** GET /groups/picker: groups whose name contains `query`. */
export function findGroups(ctx: JiraCtx): unknown {
  caller(ctx);
  const q = (queryString(ctx, 'query') ?? '').toLowerCase();
  const groups = [...ctx.state.groups.values()].filter((g) => g.name.toLowerCase().includes(q));
  return {
    header: `Showing ${groups.length} of ${groups.length} matching groups`,
    total: groups.length,
    groups: groups.map((g) => ({ name: g.name, groupId: g.groupId, html: g.name, labels: [] })),
  };
}

/** GET /group/bulk: a PageBean of groups. */
export function bulkGetGroups(ctx: JiraCtx): unknown {
  caller(ctx);
  const names = queryList(ctx, 'groupName');
  const ids = queryList(ctx, 'groupId');
  const { startAt, maxResults } = paging(ctx, 50, 50);
  const all = [...ctx.state.groups.values()]
    .filter((g) => (names.length === 0 && ids.length === 0) || names.includes(g.name) || ids.includes(g.groupId))
    .map((g) => ({ name: g.name, groupId: g.groupId }));
  return pageBean(ctx, all, startAt, maxResults);
}

/** GET /user/groups?accountId=. */
export function getUserGroups(ctx: JiraCtx): unknown {
  caller(ctx);
  const u = userParam(ctx);
  return [...ctx.state.groups.values()]
    .filter((g) => g.members.includes(u.accountId))
    .map((g) => ({ name: g.name, groupId: g.groupId, self: `${base(ctx)}/rest/api/${version(ctx)}/group?groupId=${g.groupId}` }));
}
