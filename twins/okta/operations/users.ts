// People: create, read, update, the lifecycle operations with Okta's status rules, lists with q/filter/search and cursor pages.

import { randomBytes } from 'node:crypto';
import * as effects from '../effects.ts';
import {
  alreadyActive,
  invalidStatusTransition,
  notAllowedInStatus,
  notFound,
  notLockedOut,
  type OktaErrorCause,
  validationFailed,
} from '../errors.ts';
import { getterOf, parseExpression, USER_FILTER, USER_SEARCH } from '../query.ts';
import { log, NO_CONTENT, type OktaContext, pageOf, queryString, Reply, sentQuery } from '../render.ts';
import {
  compareIds,
  findUser,
  groupActor,
  groupsOf,
  groupView,
  iso,
  linkHeader,
  listAdd,
  listRemove,
  loginOwner,
  newId,
  type OktaState,
  profileValue,
  putUser,
  removeUser,
  sortedUserIds,
  type UserRecord,
  type UserStatus,
  userActor,
  userView,
} from '../store.ts';

interface CredentialsInput {
  password?: { value?: string };
  recovery_question?: { question?: string; answer?: string };
  provider?: { type?: string; name?: string };
}

interface CreateUserArgs {
  profile: Record<string, unknown>;
  credentials?: CredentialsInput;
  groupIds?: string[];
}

interface UpdateUserArgs {
  profile?: Record<string, unknown>;
  credentials?: CredentialsInput;
}

/** listUsers caps `limit` here (and defaults to it); `q` lookups default to 10. */
export const USERS_PAGE_MAX = 200;
const Q_DEFAULT_LIMIT = 10;
const REQUIRED_PROFILE = ['login', 'email', 'firstName', 'lastName'] as const;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The person a path names: id, login, or `me` (the caller). E0000007 when there is none. */
export function userFromPath(ctx: OktaContext<unknown>, ref: string): UserRecord {
  const id = ref === 'me' ? ctx.principal.userId : ref;
  const user = id === undefined ? undefined : findUser(ctx.state, id);
  if (!user) throw notFound(ref, 'User');
  return user;
}

/** Okta's checks of a profile (required base attributes, email shapes, a unique login). */
function checkProfile(state: OktaState, profile: Record<string, unknown>, selfId?: string): void {
  const causes: OktaErrorCause[] = [];
  for (const key of REQUIRED_PROFILE) {
    const v = profileValue(profile, key);
    if (typeof v !== 'string' || v.trim() === '') causes.push({ errorSummary: `${key}: The field cannot be left blank` });
  }
  const login = profileValue(profile, 'login');
  if (typeof login === 'string' && login.trim() && !EMAIL.test(login))
    causes.push({ errorSummary: 'login: Username must be in the form of an email address' });
  for (const key of ['email', 'secondEmail']) {
    const v = profileValue(profile, key);
    if (typeof v === 'string' && v.trim() && !EMAIL.test(v)) causes.push({ errorSummary: `${key}: Does not match required pattern` });
  }
  if (causes.length > 0) throw validationFailed('User', causes);
  const owner = loginOwner(state, login as string);
  if (owner !== undefined && owner !== selfId)
    throw validationFailed('login', [{ errorSummary: 'login: An object with this field already exists in the current organization' }]);
}

function checkPassword(password: unknown): string | undefined {
  if (password === undefined) return undefined;
  if (typeof password !== 'string' || password.length < 8)
    throw validationFailed('password', [
      { errorSummary: 'password: Password requirements were not met. Password requirements: at least 8 characters.' },
    ]);
  return password;
}

/** A profile with every own attribute copied (caller JSON never shares objects with the state). */
function copyProfile(profile: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(profile)) as Record<string, unknown>;
}

function setStatus(user: UserRecord, status: UserStatus, now: string): void {
  user.status = status;
  user.statusChanged = now;
  user.lastUpdated = now;
}

function activationReply(ctx: OktaContext<unknown>, sendEmail: boolean): Reply {
  if (sendEmail) return new Reply(200, {});
  const token = randomBytes(15).toString('base64url');
  return new Reply(200, { activationUrl: `${ctx.baseUrl}/welcome/${token}`, activationToken: token });
}

/**
 * POST /api/v1/users: `activate=false` → STAGED; activate with a password (or `provider=true`) →
 * ACTIVE; without a password → PROVISIONED. Joins `Everyone` and any `groupIds`.
 *
 * Limitations: `nextLogin=changePassword` is accepted and ignored; no password-policy history or complexity beyond 8 characters; `type` is ignored (every person has the default user type).
 */
export function createUser(ctx: OktaContext<CreateUserArgs>): unknown {
  const { profile, credentials, groupIds } = ctx.args;
  checkProfile(ctx.state, profile);
  const password = checkPassword(credentials?.password?.value);
  const groups = (groupIds ?? []).map((gid) => {
    const g = ctx.state.groups.get(gid);
    if (!g) throw notFound(gid, 'UserGroup');
    return g;
  });
  const now = iso(ctx.now());
  const activate = ctx.query.activate !== false;
  const provider = ctx.query.provider === true;
  const status: UserStatus = !activate ? 'STAGED' : password !== undefined || provider ? 'ACTIVE' : 'PROVISIONED';
  const user: UserRecord = {
    id: newId(ctx.state, '00u'),
    status,
    created: now,
    activated: activate ? now : null,
    statusChanged: activate ? now : null,
    lastLogin: null,
    lastUpdated: now,
    passwordChanged: password !== undefined ? now : null,
    profile: copyProfile(profile),
    provider: {
      type: credentials?.provider?.type ?? 'OKTA',
      name: credentials?.provider?.name ?? credentials?.provider?.type ?? 'OKTA',
    },
    failedLogins: 0,
  };
  if (password !== undefined) user.password = password;
  const rq = credentials?.recovery_question;
  if (rq?.question && rq.answer) user.recoveryQuestion = { question: rq.question, answer: rq.answer };
  putUser(ctx.state, user);
  log(ctx, { eventType: 'user.lifecycle.create', displayMessage: 'Create Okta user', target: [userActor(user)] });
  if (activate) log(ctx, { eventType: 'user.lifecycle.activate', displayMessage: 'Activate Okta user', target: [userActor(user)] });
  for (const g of ctx.state.groups.values()) {
    if (g.type === 'BUILT_IN' && g.profile.name === 'Everyone') addMember(ctx, g.id, user, now);
  }
  for (const g of groups) addMember(ctx, g.id, user, now);
  effects.afterUserChange(ctx, user);
  return userView(user, ctx.baseUrl);
}

/** Add a person to a group (no-op when a member), with the System Log's membership event. */
export function addMember(ctx: OktaContext<unknown>, groupId: string, user: UserRecord, now: string): boolean {
  const g = ctx.state.groups.get(groupId);
  if (!g || !listAdd(g.members, user.id)) return false;
  g.lastMembershipUpdated = now;
  log(ctx, {
    eventType: 'group.user_membership.add',
    displayMessage: 'Add user to group membership',
    target: [userActor(user), groupActor(g)],
  });
  return true;
}

/** Remove a person from a group (no-op when not a member). */
export function removeMember(ctx: OktaContext<unknown>, groupId: string, user: UserRecord, now: string): boolean {
  const g = ctx.state.groups.get(groupId);
  if (!g || !listRemove(g.members, user.id)) return false;
  g.lastMembershipUpdated = now;
  log(ctx, {
    eventType: 'group.user_membership.remove',
    displayMessage: 'Remove user from group membership',
    target: [userActor(user), groupActor(g)],
  });
  return true;
}

/** GET /api/v1/users/{userId}: by id, login or `me`. */
export function getUser(ctx: OktaContext): unknown {
  return userView(userFromPath(ctx, ctx.params.userId), ctx.baseUrl);
}

function applyUpdate(ctx: OktaContext<UpdateUserArgs>, replace: boolean): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status === 'DEPROVISIONED') throw notAllowedInStatus();
  const { profile, credentials } = ctx.args;
  const before = profileValue(user.profile, 'login') as string | undefined;
  let next = user.profile;
  if (profile) {
    if (replace) {
      // PUT replaces: base attributes not sent become null.
      next = copyProfile(profile);
      for (const key of ['mobilePhone', 'secondEmail', 'department', 'title', 'displayName', 'nickName'])
        if (!Object.hasOwn(next, key)) next[key] = null;
    } else {
      next = { ...copyProfile(user.profile), ...copyProfile(profile) };
    }
    checkProfile(ctx.state, next, user.id);
  } else if (replace) {
    throw validationFailed('User', [{ errorSummary: 'profile: The field cannot be left blank' }]);
  }
  const password = checkPassword(credentials?.password?.value);
  const now = iso(ctx.now());
  user.profile = next;
  user.lastUpdated = now;
  if (password !== undefined) {
    user.password = password;
    user.passwordChanged = now;
    if (user.status === 'PASSWORD_EXPIRED' || user.status === 'RECOVERY') setStatus(user, 'ACTIVE', now);
  }
  const rq = credentials?.recovery_question;
  if (rq?.question && rq.answer) user.recoveryQuestion = { question: rq.question, answer: rq.answer };
  putUser(ctx.state, user, before);
  if (profile)
    log(ctx, { eventType: 'user.account.update_profile', displayMessage: 'Update user profile for Okta', target: [userActor(user)] });
  if (password !== undefined)
    log(ctx, { eventType: 'user.account.update_password', displayMessage: 'Update password for user', target: [userActor(user)] });
  effects.afterUserChange(ctx, user);
  return userView(user, ctx.baseUrl);
}

/** POST /api/v1/users/{userId}: partial update (profile attributes sent replace theirs; others stay). */
export function updateUser(ctx: OktaContext<UpdateUserArgs>): unknown {
  return applyUpdate(ctx, false);
}

/** PUT /api/v1/users/{userId}: full update (profile attributes not sent become null). */
export function replaceUser(ctx: OktaContext<UpdateUserArgs>): unknown {
  return applyUpdate(ctx, true);
}

/** Deactivate a person (any status but DEPROVISIONED): the System Log and the hooks hear of it. */
function deactivate(ctx: OktaContext<unknown>, user: UserRecord): void {
  setStatus(user, 'DEPROVISIONED', iso(ctx.now()));
  effects.revokeSessions(ctx, user);
  log(ctx, { eventType: 'user.lifecycle.deactivate', displayMessage: 'Deactivate Okta user', target: [userActor(user)] });
  effects.afterUserChange(ctx, user);
}

/** DELETE /api/v1/users/{userId}: the first call deactivates, the call on a DEPROVISIONED person deletes. */
export function deleteUser(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status !== 'DEPROVISIONED') {
    deactivate(ctx, user);
    return NO_CONTENT;
  }
  log(ctx, { eventType: 'user.lifecycle.delete.initiated', displayMessage: 'Delete Okta user', target: [userActor(user)] });
  removeUser(ctx.state, user);
  effects.afterUserDelete(ctx, user);
  return NO_CONTENT;
}

/** POST …/lifecycle/activate: STAGED or DEPROVISIONED → ACTIVE (with a password) or PROVISIONED; anything else E0000016. */
export function activateUser(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status !== 'STAGED' && user.status !== 'DEPROVISIONED') throw alreadyActive();
  const now = iso(ctx.now());
  setStatus(user, user.password !== undefined || user.provider.type !== 'OKTA' ? 'ACTIVE' : 'PROVISIONED', now);
  user.activated = now;
  log(ctx, { eventType: 'user.lifecycle.activate', displayMessage: 'Activate Okta user', target: [userActor(user)] });
  effects.afterUserChange(ctx, user);
  return activationReply(ctx, ctx.query.sendEmail !== false);
}

/** POST …/lifecycle/reactivate: PROVISIONED or RECOVERY: a new activation token. */
export function reactivateUser(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status !== 'PROVISIONED' && user.status !== 'RECOVERY') throw notAllowedInStatus();
  const now = iso(ctx.now());
  setStatus(user, 'PROVISIONED', now);
  log(ctx, { eventType: 'user.lifecycle.reactivate', displayMessage: 'Reactivate Okta user', target: [userActor(user)] });
  return activationReply(ctx, ctx.query.sendEmail === true);
}

/** POST …/lifecycle/deactivate: anything → DEPROVISIONED (already DEPROVISIONED: nothing changes). */
export function deactivateUser(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status !== 'DEPROVISIONED') deactivate(ctx, user);
  return {};
}

/** POST …/lifecycle/suspend: ACTIVE only, else E0000001. */
export function suspendUser(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status !== 'ACTIVE') throw invalidStatusTransition('Cannot suspend a user that is not active');
  setStatus(user, 'SUSPENDED', iso(ctx.now()));
  effects.revokeSessions(ctx, user);
  log(ctx, { eventType: 'user.lifecycle.suspend', displayMessage: 'Suspend Okta user', target: [userActor(user)] });
  effects.afterUserChange(ctx, user);
  return {};
}

/** POST …/lifecycle/unsuspend: SUSPENDED only, else E0000001. */
export function unsuspendUser(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status !== 'SUSPENDED') throw invalidStatusTransition('Cannot unsuspend a user that is not suspended');
  setStatus(user, 'ACTIVE', iso(ctx.now()));
  log(ctx, { eventType: 'user.lifecycle.unsuspend', displayMessage: 'Unsuspend Okta user', target: [userActor(user)] });
  effects.afterUserChange(ctx, user);
  return {};
}

/** POST …/lifecycle/unlock: LOCKED_OUT → ACTIVE; anyone else E0000032. */
export function unlockUser(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status !== 'LOCKED_OUT') throw notLockedOut();
  setStatus(user, 'ACTIVE', iso(ctx.now()));
  user.failedLogins = 0;
  log(ctx, { eventType: 'user.account.unlock', displayMessage: 'Unlock user account', target: [userActor(user)] });
  return {};
}

/** POST …/lifecycle/expire_password: ACTIVE (or already expired) → PASSWORD_EXPIRED; answers the person. */
export function expirePassword(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status !== 'ACTIVE' && user.status !== 'PASSWORD_EXPIRED') throw notAllowedInStatus();
  setStatus(user, 'PASSWORD_EXPIRED', iso(ctx.now()));
  log(ctx, { eventType: 'user.account.expire_password', displayMessage: 'Expire user password', target: [userActor(user)] });
  return userView(user, ctx.baseUrl);
}

/**
 * POST …/lifecycle/reset_password: → RECOVERY (the old password stops working); a reset URL when
 * `sendEmail=false`.
 */
export function resetPassword(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  if (user.status === 'DEPROVISIONED' || user.status === 'SUSPENDED' || user.status === 'STAGED') throw notAllowedInStatus();
  setStatus(user, 'RECOVERY', iso(ctx.now()));
  delete user.password;
  if (ctx.query.revokeSessions === true) effects.revokeSessions(ctx, user);
  log(ctx, { eventType: 'user.account.reset_password', displayMessage: 'Reset user password', target: [userActor(user)] });
  if (ctx.query.sendEmail === true) return {};
  return { resetPasswordUrl: `${ctx.baseUrl}/reset_password/${randomBytes(15).toString('base64url')}` };
}

/** GET /api/v1/users/{userId}/groups. */
export function listUserGroups(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  return groupsOf(ctx.state, user.id).map((g) => groupView(g, ctx.baseUrl));
}

/**
 * GET /api/v1/users: `search` (SCIM-like, case-insensitive), else `filter` (Okta's attributes and
 * operators, case-sensitive), else `q` (prefix of first name, last name or email; at most 10 by
 * default, one page). Without `filter`/`search`, DEPROVISIONED people are left out.
 *
 * Limitations: `search` is answered at once (Okta's is eventually consistent); `sortBy` works for `search` only, on any attribute, in byte order; `expand` and `fields` are ignored.
 */
export function listUsers(ctx: OktaContext): unknown {
  const search = queryString(ctx, 'search');
  const filter = queryString(ctx, 'filter');
  const q = queryString(ctx, 'q');
  const after = queryString(ctx, 'after');
  const limitArg = typeof ctx.query.limit === 'number' ? ctx.query.limit : undefined;
  const state = ctx.state;
  let match: (u: UserRecord) => boolean;
  let limit = Math.min(limitArg ?? USERS_PAGE_MAX, USERS_PAGE_MAX);
  let paged = true;
  if (search !== undefined && search !== '') {
    const p = parseExpression(search, USER_SEARCH);
    match = (u) => p(getterOf(u as unknown as Record<string, unknown>));
  } else if (filter !== undefined && filter !== '') {
    const p = parseExpression(filter, USER_FILTER);
    match = (u) => p(getterOf(u as unknown as Record<string, unknown>));
  } else if (q !== undefined && q !== '') {
    const needle = q.toLowerCase();
    match = (u) =>
      u.status !== 'DEPROVISIONED' &&
      ['firstName', 'lastName', 'email'].some((k) => {
        const v = profileValue(u.profile, k);
        return typeof v === 'string' && v.toLowerCase().startsWith(needle);
      });
    limit = Math.min(limitArg ?? Q_DEFAULT_LIMIT, USERS_PAGE_MAX);
    paged = false;
  } else {
    match = (u) => u.status !== 'DEPROVISIONED';
  }
  const sortBy = queryString(ctx, 'sortBy');
  let ids: readonly string[] = sortedUserIds(state);
  if (search && sortBy) ids = sortedBy(state, ids, sortBy, (queryString(ctx, 'sortOrder') ?? 'asc').toLowerCase() === 'desc');
  const pick = (id: string) => {
    const u = state.users.get(id);
    return u && match(u) ? u : undefined;
  };
  const page = sortBy && search ? offsetPage(ids, after, limit, pick) : pageOf(ids, after, limit, pick);
  const link = linkHeader(ctx.baseUrl, '/api/v1/users', sentQuery(ctx), paged ? page.next : undefined);
  return new Reply(
    200,
    page.items.map((u) => userView(u, ctx.baseUrl)),
    { link },
  );
}

/** Ids ordered by an attribute (then by id), for `search` with `sortBy`. */
function sortedBy(state: OktaState, ids: readonly string[], attr: string, desc: boolean): string[] {
  const key = (id: string): string => {
    const v = getterOf(state.users.get(id) as unknown as Record<string, unknown>)(attr);
    return v === undefined || v === null ? '' : String(v);
  };
  const out = [...ids].sort((a, b) => compareIds(key(a), key(b)) || compareIds(a, b));
  return desc ? out.reverse() : out;
}

/** Sorted lists page by position: the cursor is the offset (opaque to clients). */
function offsetPage<T>(ids: readonly string[], after: string | undefined, limit: number, pick: (id: string) => T | undefined) {
  const matching = ids.filter((id) => pick(id) !== undefined);
  const start = after && /^\d{1,9}$/.test(after) ? Number(after) : 0;
  const items = matching.slice(start, start + limit).map((id) => pick(id) as T);
  return { items, next: start + limit < matching.length ? String(start + limit) : undefined };
}
