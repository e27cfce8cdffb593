// Groups: OKTA_GROUP create, read, replace, delete; lists with q/filter/search; members added, removed and listed in cursor pages.

import { noPermission, notFound, validationFailed } from '../errors.ts';
import { GROUP_FILTER, GROUP_SEARCH, getterOf, parseExpression } from '../query.ts';
import { log, NO_CONTENT, type OktaContext, pageOf, queryString, Reply, sentQuery } from '../render.ts';
import {
  compareIds,
  type GroupRecord,
  groupActor,
  groupView,
  iso,
  linkHeader,
  newId,
  putGroup,
  removeGroup,
  sortedGroupIds,
  userView,
} from '../store.ts';
import { addMember, removeMember, userFromPath } from './users.ts';

interface GroupArgs {
  profile: { name: string; description?: string | null };
}

/** listGroups' default and largest page; listGroupUsers' default (its largest is 10,000 too). */
export const GROUPS_PAGE_MAX = 10_000;
const MEMBERS_PAGE_DEFAULT = 1000;

export function groupFromPath(ctx: OktaContext<unknown>, id: string): GroupRecord {
  const g = ctx.state.groups.get(id);
  if (!g) throw notFound(id, 'UserGroup');
  return g;
}

/** Only OKTA_GROUPs are changed through the API; BUILT_IN (Everyone) and APP_GROUPs are not. */
function editable(g: GroupRecord): GroupRecord {
  if (g.type !== 'OKTA_GROUP') throw noPermission();
  return g;
}

function checkName(ctx: OktaContext<unknown>, name: string, selfId?: string): void {
  for (const g of ctx.state.groups.values()) {
    if (g.id !== selfId && g.type === 'OKTA_GROUP' && g.profile.name === name)
      throw validationFailed('name', [{ errorSummary: 'name: An object with this field already exists in the current organization' }]);
  }
}

/**
 * GET /api/v1/groups: `search`, else `filter`, else `q` (name prefix, case-insensitive); pages by id.
 *
 * Limitations: `expand` (stats, app) is ignored; `sortBy` is ignored (pages are in id order).
 */
export function listGroups(ctx: OktaContext): unknown {
  const search = queryString(ctx, 'search');
  const filter = queryString(ctx, 'filter');
  const q = queryString(ctx, 'q');
  let match: (g: GroupRecord) => boolean = () => true;
  if (search) {
    const p = parseExpression(search, GROUP_SEARCH);
    match = (g) => p(getterOf(g as unknown as Record<string, unknown>));
  } else if (filter) {
    const p = parseExpression(filter, GROUP_FILTER);
    match = (g) => p(getterOf(g as unknown as Record<string, unknown>));
  } else if (q) {
    const needle = q.toLowerCase();
    match = (g) => g.profile.name.toLowerCase().startsWith(needle);
  }
  const limit = Math.min(typeof ctx.query.limit === 'number' ? ctx.query.limit : GROUPS_PAGE_MAX, GROUPS_PAGE_MAX);
  const page = pageOf(sortedGroupIds(ctx.state), queryString(ctx, 'after'), limit, (id) => {
    const g = ctx.state.groups.get(id);
    return g && match(g) ? g : undefined;
  });
  const link = linkHeader(ctx.baseUrl, '/api/v1/groups', sentQuery(ctx), page.next);
  return new Reply(
    200,
    page.items.map((g) => groupView(g, ctx.baseUrl)),
    { link },
  );
}

/** POST /api/v1/groups: a new OKTA_GROUP; names are unique among OKTA_GROUPs. */
export function addGroup(ctx: OktaContext<GroupArgs>): unknown {
  const { name, description } = ctx.args.profile;
  checkName(ctx, name);
  const now = iso(ctx.now());
  const g: GroupRecord = {
    id: newId(ctx.state, '00g'),
    created: now,
    lastUpdated: now,
    lastMembershipUpdated: now,
    type: 'OKTA_GROUP',
    profile: { name, description: description ?? null },
    members: [],
  };
  putGroup(ctx.state, g);
  log(ctx, { eventType: 'group.lifecycle.create', displayMessage: 'Create okta group', target: [groupActor(g)] });
  return groupView(g, ctx.baseUrl);
}

export function getGroup(ctx: OktaContext): unknown {
  return groupView(groupFromPath(ctx, ctx.params.groupId), ctx.baseUrl);
}

/** PUT /api/v1/groups/{groupId}: replace an OKTA_GROUP's profile. */
export function replaceGroup(ctx: OktaContext<GroupArgs>): unknown {
  const g = editable(groupFromPath(ctx, ctx.params.groupId));
  checkName(ctx, ctx.args.profile.name, g.id);
  g.profile = { name: ctx.args.profile.name, description: ctx.args.profile.description ?? null };
  g.lastUpdated = iso(ctx.now());
  log(ctx, { eventType: 'group.profile.update', displayMessage: 'Update group profile', target: [groupActor(g)] });
  return groupView(g, ctx.baseUrl);
}

/** DELETE /api/v1/groups/{groupId}: OKTA_GROUPs only. */
export function deleteGroup(ctx: OktaContext): unknown {
  const g = editable(groupFromPath(ctx, ctx.params.groupId));
  removeGroup(ctx.state, g.id);
  log(ctx, { eventType: 'group.lifecycle.delete', displayMessage: 'Delete okta group', target: [groupActor(g)] });
  return NO_CONTENT;
}

/** GET /api/v1/groups/{groupId}/users: members in id order, paged. */
export function listGroupUsers(ctx: OktaContext): unknown {
  const g = groupFromPath(ctx, ctx.params.groupId);
  const ids = [...g.members].sort(compareIds);
  const limit = Math.min(typeof ctx.query.limit === 'number' ? ctx.query.limit : MEMBERS_PAGE_DEFAULT, GROUPS_PAGE_MAX);
  const page = pageOf(ids, queryString(ctx, 'after'), limit, (id) => ctx.state.users.get(id));
  const link = linkHeader(ctx.baseUrl, `/api/v1/groups/${g.id}/users`, sentQuery(ctx), page.next);
  return new Reply(
    200,
    page.items.map((u) => userView(u, ctx.baseUrl)),
    { link },
  );
}

/** PUT /api/v1/groups/{groupId}/users/{userId}: 204, also when already a member. */
export function assignUserToGroup(ctx: OktaContext): unknown {
  const g = editable(groupFromPath(ctx, ctx.params.groupId));
  const user = userFromPath(ctx, ctx.params.userId);
  addMember(ctx, g.id, user, iso(ctx.now()));
  return NO_CONTENT;
}

/** DELETE /api/v1/groups/{groupId}/users/{userId}: 204, also when not a member. */
export function unassignUserFromGroup(ctx: OktaContext): unknown {
  const g = editable(groupFromPath(ctx, ctx.params.groupId));
  const user = userFromPath(ctx, ctx.params.userId);
  removeMember(ctx, g.id, user, iso(ctx.now()));
  return NO_CONTENT;
}
