// Applications: OIDC apps (web, SPA, service, native) with their OAuth clients; lifecycle, user and group assignments, a person's app links.

import { randomBytes } from 'node:crypto';
import * as effects from '../effects.ts';
import { notFound, type OktaErrorCause, oktaError, validationFailed } from '../errors.ts';
import { type ExpressionRules, parseExpression } from '../query.ts';
import { log, NO_CONTENT, type OktaContext, pageOf, queryString, Reply, sentQuery } from '../render.ts';
import {
  type AppRecord,
  compareIds,
  groupActor,
  groupsOf,
  iso,
  type LogActor,
  linkHeader,
  newId,
  type OktaState,
  profileValue,
  type UserRecord,
  userActor,
} from '../store.ts';
import { groupFromPath } from './groups.ts';
import { userFromPath } from './users.ts';

/** listApplications' default and largest page (Okta: 20 by default, at most 200). */
const APPS_PAGE_DEFAULT = 20;
const APPS_PAGE_MAX = 200;
const APP_USERS_PAGE_DEFAULT = 50;
const APP_USERS_PAGE_MAX = 500;

const GRANTS = new Set([
  'authorization_code',
  'implicit',
  'refresh_token',
  'client_credentials',
  'password',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:token-exchange',
]);
const AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
const APP_TYPES = new Set(['web', 'browser', 'service', 'native']);

interface OAuthClientSettings {
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  response_types?: string[];
  grant_types?: string[];
  application_type?: string;
  jwks?: { keys?: Record<string, unknown>[] };
  consent_method?: string;
  issuer_mode?: string;
}

export interface AppArgs {
  name?: string;
  label?: string;
  signOnMode?: string;
  status?: string;
  credentials?: {
    oauthClient?: { client_id?: string; client_secret?: string; token_endpoint_auth_method?: string; autoKeyRotation?: boolean };
  };
  settings?: { oauthClient?: OAuthClientSettings };
}

/** The app a path names, E0000007 when none. */
export function appFromPath(ctx: OktaContext<unknown>, id: string): AppRecord {
  const app = ctx.state.apps.get(id);
  if (!app) throw notFound(id, 'AppInstance');
  return app;
}

function appTarget(app: AppRecord): LogActor {
  return { id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label, detailEntry: null };
}

/** An OIDC app as Okta answers (`signOnMode: OPENID_CONNECT`), links absolute on `baseUrl`. */
export function appView(app: AppRecord, baseUrl: string): Record<string, unknown> {
  const self = `${baseUrl}/api/v1/apps/${app.id}`;
  const oauthClient: Record<string, unknown> = {
    autoKeyRotation: true,
    client_id: app.clientId,
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
  };
  if (app.clientSecret && app.tokenEndpointAuthMethod !== 'private_key_jwt' && app.tokenEndpointAuthMethod !== 'none')
    oauthClient.client_secret = app.clientSecret;
  if (app.appType === 'browser' || app.tokenEndpointAuthMethod === 'none') oauthClient.pkce_required = true;
  const settingsClient: Record<string, unknown> = {
    client_uri: null,
    logo_uri: null,
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    response_types: app.responseTypes,
    grant_types: app.grantTypes,
    application_type: app.appType,
    consent_method: 'REQUIRED',
    issuer_mode: 'ORG_URL',
  };
  if (app.tokenEndpointAuthMethod === 'private_key_jwt' && !app.runtimeKey) settingsClient.jwks = app.jwks ?? { keys: [] };
  return {
    id: app.id,
    name: app.name,
    label: app.label,
    status: app.status,
    created: app.created,
    lastUpdated: app.lastUpdated,
    accessibility: { selfService: false, errorRedirectUrl: null, loginRedirectUrl: null },
    visibility: { autoLaunch: false, autoSubmitToolbar: false, hide: { iOS: true, web: true }, appLinks: { oidc_client_link: true } },
    features: [],
    signOnMode: 'OPENID_CONNECT',
    credentials: {
      userNameTemplate: { template: '${source.login}', type: 'BUILT_IN' },
      signing: { kid: null },
      oauthClient,
    },
    settings: {
      app: {},
      notifications: { vpn: { network: { connection: 'DISABLED' }, message: null, helpUrl: null } },
      oauthClient: settingsClient,
    },
    _links: {
      appLinks: [{ name: 'oidc_client_link', href: `${baseUrl}/home/oidc_client/${app.id}/aln177a159h7Zf52X0g8`, type: 'text/html' }],
      groups: { href: `${self}/groups` },
      users: { href: `${self}/users` },
      logo: [{ name: 'medium', href: `${baseUrl}/assets/img/logos/default.png`, type: 'image/png' }],
      deactivate: app.status === 'ACTIVE' ? { href: `${self}/lifecycle/deactivate` } : undefined,
      activate: app.status === 'INACTIVE' ? { href: `${self}/lifecycle/activate` } : undefined,
      self: { href: self },
    },
  };
}

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/**
 * Okta's checks of an OIDC app's OAuth settings (each failure a cause of E0000001), and the
 * record fields they give. `prev` is the app being replaced (client id and secret kept).
 */
function readClient(
  ctx: OktaContext<AppArgs>,
  prev?: AppRecord,
): Omit<AppRecord, 'id' | 'created' | 'lastUpdated' | 'users' | 'groups' | 'status'> {
  const a = ctx.args;
  const causes: OktaErrorCause[] = [];
  if (a.name !== undefined && a.name !== 'oidc_client')
    causes.push({
      errorSummary: `name: The application name '${String(a.name)}' is not supported by the twin (OIDC apps only: oidc_client)`,
    });
  if (a.signOnMode !== undefined && a.signOnMode !== 'OPENID_CONNECT')
    causes.push({ errorSummary: `signOnMode: The twin supports OPENID_CONNECT apps only` });
  const label = typeof a.label === 'string' ? a.label.trim() : '';
  if (!label) causes.push({ errorSummary: 'label: The field cannot be left blank' });
  const s = a.settings?.oauthClient ?? {};
  const c = a.credentials?.oauthClient ?? {};
  const appType = s.application_type ?? prev?.appType ?? 'web';
  if (!APP_TYPES.has(appType)) causes.push({ errorSummary: `application_type: '${appType}' is not a valid application type` });
  const defaults: Record<string, string[]> = {
    web: ['authorization_code'],
    browser: ['authorization_code'],
    native: ['authorization_code'],
    service: ['client_credentials'],
  };
  const grantTypes = s.grant_types ?? prev?.grantTypes ?? defaults[appType] ?? ['authorization_code'];
  for (const g of grantTypes) if (!GRANTS.has(g)) causes.push({ errorSummary: `grant_types: '${g}' is not a valid grant type` });
  const defaultMethod = appType === 'browser' || appType === 'native' ? 'none' : 'client_secret_basic';
  const method = c.token_endpoint_auth_method ?? prev?.tokenEndpointAuthMethod ?? defaultMethod;
  if (!AUTH_METHODS.has(method))
    causes.push({ errorSummary: `token_endpoint_auth_method: '${method}' is not a valid token endpoint auth method` });
  if (appType === 'service' && grantTypes.some((g) => g !== 'client_credentials'))
    causes.push({ errorSummary: 'grant_types: Service applications may only use the client_credentials grant type.' });
  if (appType === 'service' && method === 'none')
    causes.push({ errorSummary: "token_endpoint_auth_method: 'none' is not allowed for service applications." });
  if (appType === 'browser' && method !== 'none')
    causes.push({ errorSummary: 'token_endpoint_auth_method: Browser applications must use none (they cannot keep a secret).' });
  if (appType === 'browser' && grantTypes.includes('client_credentials'))
    causes.push({ errorSummary: "grant_types: 'client_credentials' is not allowed for browser applications." });
  if (grantTypes.includes('refresh_token') && !grantTypes.includes('authorization_code') && !grantTypes.includes('password'))
    causes.push({ errorSummary: "grant_types: 'refresh_token' must be used with another grant type." });
  const redirectUris = s.redirect_uris ?? prev?.redirectUris ?? [];
  if (!strings(redirectUris)) causes.push({ errorSummary: 'redirect_uris: must be an array of URIs' });
  else {
    for (const u of redirectUris) if (!URL.canParse(u)) causes.push({ errorSummary: `redirect_uris: '${u}' is not a valid URI` });
    if ((grantTypes.includes('authorization_code') || grantTypes.includes('implicit')) && redirectUris.length === 0)
      causes.push({ errorSummary: "redirect_uris: 'redirect_uris' is required for the authorization_code and implicit grant types." });
  }
  const postLogout = s.post_logout_redirect_uris ?? prev?.postLogoutRedirectUris ?? [];
  if (!strings(postLogout)) causes.push({ errorSummary: 'post_logout_redirect_uris: must be an array of URIs' });
  let jwks = s.jwks === undefined ? prev?.jwks : { keys: s.jwks.keys ?? [] };
  if (method === 'private_key_jwt' && !prev?.runtimeKey) {
    const keys = jwks?.keys ?? [];
    if (keys.length === 0)
      causes.push({
        errorSummary: "jwks: 'jwks' is required when token_endpoint_auth_method is private_key_jwt (the twin has no jwks_uri).",
      });
    for (const k of keys) {
      if (!k || typeof k !== 'object' || (k.kty !== 'RSA' && k.kty !== 'EC'))
        causes.push({ errorSummary: 'jwks: each key must be an RSA or EC public JWK' });
      else if ('d' in k) causes.push({ errorSummary: 'jwks: private keys are not accepted' });
    }
  }
  if (method !== 'private_key_jwt') jwks = undefined;
  if (causes.length > 0) throw validationFailed(causes[0].errorSummary.split(':')[0], causes);
  const responseTypes = s.response_types ?? (grantTypes.includes('authorization_code') ? ['code'] : ['token']);
  const wantsSecret = method === 'client_secret_basic' || method === 'client_secret_post';
  let clientSecret = prev?.clientSecret;
  if (wantsSecret && typeof c.client_secret === 'string' && c.client_secret.length >= 14) clientSecret = c.client_secret;
  if (wantsSecret && !clientSecret) clientSecret = randomBytes(30).toString('base64url');
  let clientId = prev?.clientId;
  if (!clientId) {
    clientId = typeof c.client_id === 'string' && /^[\w.-]{6,100}$/.test(c.client_id) ? c.client_id : newId(ctx.state, '0oa');
    for (const other of ctx.state.apps.values())
      if (other.clientId === clientId)
        throw validationFailed('client_id', [{ errorSummary: 'client_id: An object with this field already exists' }]);
  }
  return {
    name: 'oidc_client',
    label,
    appType: appType as AppRecord['appType'],
    clientId,
    clientSecret: wantsSecret ? clientSecret : prev?.runtimeKey ? undefined : clientSecret,
    redirectUris: redirectUris as string[],
    postLogoutRedirectUris: postLogout as string[],
    grantTypes,
    responseTypes,
    tokenEndpointAuthMethod: method as AppRecord['tokenEndpointAuthMethod'],
    jwks,
    runtimeKey: prev?.runtimeKey,
    grantedScopes: prev?.grantedScopes ?? [],
  };
}

/** POST /api/v1/apps: a new OIDC app; ACTIVE unless `activate=false`; a secret is generated for confidential clients. */
export function createApplication(ctx: OktaContext<AppArgs>): unknown {
  const fields = readClient(ctx);
  const now = iso(ctx.now());
  const app: AppRecord = {
    ...fields,
    id: fields.clientId.startsWith('0oa') && !ctx.state.apps.has(fields.clientId) ? fields.clientId : newId(ctx.state, '0oa'),
    status: ctx.query.activate === false ? 'INACTIVE' : 'ACTIVE',
    created: now,
    lastUpdated: now,
    users: [],
    groups: [],
  };
  ctx.state.apps.set(app.id, app);
  ctx.reindexCredentials();
  log(ctx, { eventType: 'application.lifecycle.create', displayMessage: 'Create application', target: [appTarget(app)] });
  if (app.status === 'ACTIVE')
    log(ctx, { eventType: 'application.lifecycle.activate', displayMessage: 'Activate application', target: [appTarget(app)] });
  return appView(app, ctx.baseUrl);
}

export function getApplication(ctx: OktaContext): unknown {
  return appView(appFromPath(ctx, ctx.params.appId), ctx.baseUrl);
}

/** PUT /api/v1/apps/{appId}: replace the label and OAuth settings (client id kept; a secret sent replaces the old one). */
export function replaceApplication(ctx: OktaContext<AppArgs>): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  const fields = readClient(ctx, app);
  Object.assign(app, fields, { lastUpdated: iso(ctx.now()) });
  ctx.reindexCredentials();
  log(ctx, { eventType: 'application.lifecycle.update', displayMessage: 'Update application', target: [appTarget(app)] });
  return appView(app, ctx.baseUrl);
}

/** DELETE /api/v1/apps/{appId}: only an INACTIVE app (else 403 E0000056). */
export function deleteApplication(ctx: OktaContext): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  if (app.status === 'ACTIVE')
    throw oktaError(403, 'E0000056', 'Delete application forbidden.', [
      { errorSummary: 'The application must be deactivated before it can be deleted.' },
    ]);
  ctx.state.apps.delete(app.id);
  ctx.reindexCredentials();
  log(ctx, { eventType: 'application.lifecycle.delete', displayMessage: 'Delete application', target: [appTarget(app)] });
  return NO_CONTENT;
}

function setStatus(ctx: OktaContext, status: AppRecord['status']): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  if (app.status !== status) {
    app.status = status;
    app.lastUpdated = iso(ctx.now());
    const verb = status === 'ACTIVE' ? 'activate' : 'deactivate';
    log(ctx, {
      eventType: `application.lifecycle.${verb}`,
      displayMessage: `${verb === 'activate' ? 'Activate' : 'Deactivate'} application`,
      target: [appTarget(app)],
    });
  }
  return {};
}

/** POST /api/v1/apps/{appId}/lifecycle/activate: 200 `{}` (also when already ACTIVE). */
export function activateApplication(ctx: OktaContext): unknown {
  return setStatus(ctx, 'ACTIVE');
}

/** POST /api/v1/apps/{appId}/lifecycle/deactivate: 200 `{}`; an INACTIVE app's client cannot get tokens. */
export function deactivateApplication(ctx: OktaContext): unknown {
  return setStatus(ctx, 'INACTIVE');
}

const APP_FILTER: ExpressionRules = {
  kind: 'filter',
  attributes: new Set(['status', 'name', 'id', 'label', 'user.id', 'group.id', 'credentials.signing.kid']),
  operators: new Set(['eq', 'sw']),
  ignoreCase: false,
};

/**
 * GET /api/v1/apps: `q` (start of the label or name, case-insensitive), `filter` (`status`, `name`,
 * `user.id`, `group.id` with eq), `limit` (20, at most 200) and `after` through Link headers.
 *
 * Limitations: `expand`, `includeNonDeleted` and `useOptimization` are ignored; `user.id` matches direct and group assignments alike.
 */
export function listApplications(ctx: OktaContext): unknown {
  const q = queryString(ctx, 'q');
  const filter = queryString(ctx, 'filter');
  let match: (a: AppRecord) => boolean = () => true;
  if (filter) {
    const p = parseExpression(filter, APP_FILTER);
    match = (a) =>
      p((path) => {
        if (path === 'user.id') return assignedIds(ctx.state, a);
        if (path === 'group.id') return a.groups;
        if (path === 'credentials.signing.kid') return null;
        return Object.hasOwn(a, path) ? (a as unknown as Record<string, unknown>)[path] : undefined;
      });
  }
  if (q) {
    const needle = q.toLowerCase();
    const before = match;
    match = (a) => before(a) && (a.label.toLowerCase().startsWith(needle) || a.name.startsWith(needle));
  }
  const limit = Math.min(typeof ctx.query.limit === 'number' ? ctx.query.limit : APPS_PAGE_DEFAULT, APPS_PAGE_MAX);
  const ids = [...ctx.state.apps.keys()].sort(compareIds);
  const page = pageOf(ids, queryString(ctx, 'after'), limit, (id) => {
    const a = ctx.state.apps.get(id);
    return a && match(a) ? a : undefined;
  });
  return new Reply(
    200,
    page.items.map((a) => appView(a, ctx.baseUrl)),
    { link: linkHeader(ctx.baseUrl, '/api/v1/apps', sentQuery(ctx), page.next) },
  );
}

// ---- User assignments ----

/** How a person is assigned: USER (directly) wins over GROUP. */
function scopeOf(state: OktaState, app: AppRecord, userId: string): 'USER' | 'GROUP' | undefined {
  if (app.users.includes(userId)) return 'USER';
  if (groupsOf(state, userId).some((g) => app.groups.includes(g.id))) return 'GROUP';
  return undefined;
}

function appUserView(ctx: OktaContext<unknown>, app: AppRecord, user: UserRecord, scope: 'USER' | 'GROUP'): Record<string, unknown> {
  return {
    id: user.id,
    externalId: null,
    created: app.created,
    lastUpdated: app.lastUpdated,
    scope,
    status: user.status === 'ACTIVE' ? 'ACTIVE' : 'PROVISIONED',
    statusChanged: app.lastUpdated,
    passwordChanged: null,
    syncState: 'DISABLED',
    credentials: { userName: String(profileValue(user.profile, 'login') ?? user.id) },
    profile: {},
    _links: {
      app: { href: `${ctx.baseUrl}/api/v1/apps/${app.id}` },
      user: { href: `${ctx.baseUrl}/api/v1/users/${user.id}` },
    },
  };
}

/** The people assigned to an app, directly or through a group, in id order. */
function assignedIds(state: OktaState, app: AppRecord): string[] {
  const ids = new Set(app.users);
  for (const gid of app.groups) for (const m of state.groups.get(gid)?.members ?? []) ids.add(m);
  return [...ids].filter((id) => state.users.has(id)).sort(compareIds);
}

/** GET /api/v1/apps/{appId}/users: assigned people (directly: scope USER; by group: GROUP), paged. */
export function listApplicationUsers(ctx: OktaContext): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  const q = queryString(ctx, 'q')?.toLowerCase();
  const limit = Math.min(typeof ctx.query.limit === 'number' ? ctx.query.limit : APP_USERS_PAGE_DEFAULT, APP_USERS_PAGE_MAX);
  const page = pageOf(assignedIds(ctx.state, app), queryString(ctx, 'after'), limit, (id) => {
    const u = ctx.state.users.get(id);
    if (!u) return undefined;
    if (q) {
      const hay = ['login', 'firstName', 'lastName', 'email'].map((k) => String(profileValue(u.profile, k) ?? '').toLowerCase());
      if (!hay.some((h) => h.startsWith(q))) return undefined;
    }
    return u;
  });
  return new Reply(
    200,
    page.items.map((u) => appUserView(ctx, app, u, scopeOf(ctx.state, app, u.id) ?? 'USER')),
    { link: linkHeader(ctx.baseUrl, `/api/v1/apps/${app.id}/users`, sentQuery(ctx), page.next) },
  );
}

/** POST /api/v1/apps/{appId}/users `{id}`: assign a person directly (again: the same answer). */
export function assignUserToApplication(ctx: OktaContext<{ id: string }>): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  const user = ctx.state.users.get(ctx.args.id);
  if (!user) throw notFound(ctx.args.id, 'User');
  if (!app.users.includes(user.id)) {
    app.users.push(user.id);
    log(ctx, {
      eventType: 'application.user_membership.add',
      displayMessage: 'Add user to application membership',
      target: [userActor(user), appTarget(app)],
    });
  }
  return appUserView(ctx, app, user, 'USER');
}

/** GET /api/v1/apps/{appId}/users/{userId}: E0000007 when the person is not assigned. */
export function getApplicationUser(ctx: OktaContext): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  const user = ctx.state.users.get(ctx.params.userId);
  const scope = user ? scopeOf(ctx.state, app, user.id) : undefined;
  if (!user || !scope) throw notFound(ctx.params.userId, 'AppUser');
  return appUserView(ctx, app, user, scope);
}

/** DELETE /api/v1/apps/{appId}/users/{userId}: end a direct assignment (404 when there is none). */
export function unassignUserFromApplication(ctx: OktaContext): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  const i = app.users.indexOf(ctx.params.userId);
  if (i < 0) throw notFound(ctx.params.userId, 'AppUser');
  app.users.splice(i, 1);
  const user = ctx.state.users.get(ctx.params.userId);
  if (user)
    log(ctx, {
      eventType: 'application.user_membership.remove',
      displayMessage: 'Remove user from application membership',
      target: [userActor(user), appTarget(app)],
    });
  return NO_CONTENT;
}

// ---- Group assignments ----

function groupAssignmentView(ctx: OktaContext<unknown>, app: AppRecord, groupId: string): Record<string, unknown> {
  return {
    id: groupId,
    lastUpdated: app.lastUpdated,
    priority: app.groups.indexOf(groupId),
    profile: {},
    _links: {
      app: { href: `${ctx.baseUrl}/api/v1/apps/${app.id}` },
      group: { href: `${ctx.baseUrl}/api/v1/groups/${groupId}` },
    },
  };
}

/** GET /api/v1/apps/{appId}/groups: the assigned groups, by priority. */
export function listApplicationGroupAssignments(ctx: OktaContext): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  const limit = Math.min(typeof ctx.query.limit === 'number' ? ctx.query.limit : APP_USERS_PAGE_DEFAULT, APP_USERS_PAGE_MAX);
  const ids = [...app.groups].sort(compareIds);
  const page = pageOf(ids, queryString(ctx, 'after'), limit, (id) => (ctx.state.groups.has(id) ? id : undefined));
  return new Reply(
    200,
    page.items.map((g) => groupAssignmentView(ctx, app, g)),
    { link: linkHeader(ctx.baseUrl, `/api/v1/apps/${app.id}/groups`, sentQuery(ctx), page.next) },
  );
}

/** PUT /api/v1/apps/{appId}/groups/{groupId}: assign a group (its members may sign in). */
export function assignGroupToApplication(ctx: OktaContext): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  const g = groupFromPath(ctx, ctx.params.groupId);
  if (!app.groups.includes(g.id)) {
    app.groups.push(g.id);
    app.lastUpdated = iso(ctx.now());
    log(ctx, {
      eventType: 'group.application_assignment.add',
      displayMessage: 'Add assigned application to group',
      target: [groupActor(g), appTarget(app)],
    });
  }
  return groupAssignmentView(ctx, app, g.id);
}

export function getApplicationGroupAssignment(ctx: OktaContext): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  if (!app.groups.includes(ctx.params.groupId)) throw notFound(ctx.params.groupId, 'ApplicationGroupAssignment');
  return groupAssignmentView(ctx, app, ctx.params.groupId);
}

/** DELETE /api/v1/apps/{appId}/groups/{groupId}: 204 (404 when the group is not assigned). */
export function unassignApplicationFromGroup(ctx: OktaContext): unknown {
  const app = appFromPath(ctx, ctx.params.appId);
  const i = app.groups.indexOf(ctx.params.groupId);
  if (i < 0) throw notFound(ctx.params.groupId, 'ApplicationGroupAssignment');
  app.groups.splice(i, 1);
  app.lastUpdated = iso(ctx.now());
  const g = ctx.state.groups.get(ctx.params.groupId);
  if (g)
    log(ctx, {
      eventType: 'group.application_assignment.remove',
      displayMessage: 'Remove assigned application from group',
      target: [groupActor(g), appTarget(app)],
    });
  return NO_CONTENT;
}

/** GET /api/v1/users/{userId}/appLinks: the ACTIVE apps the person is assigned to (directly or by group). */
export function listAppLinks(ctx: OktaContext): unknown {
  const user = userFromPath(ctx, ctx.params.userId);
  const out: Record<string, unknown>[] = [];
  const ids = [...ctx.state.apps.keys()].sort(compareIds);
  for (const id of ids) {
    const app = ctx.state.apps.get(id) as AppRecord;
    if (app.status !== 'ACTIVE' || !scopeOf(ctx.state, app, user.id)) continue;
    out.push({
      id: `0ua${app.id.slice(3, 12)}${user.id.slice(3, 11)}`,
      label: app.label,
      linkUrl: `${ctx.baseUrl}/home/oidc_client/${app.id}/aln177a159h7Zf52X0g8`,
      logoUrl: `${ctx.baseUrl}/assets/img/logos/default.png`,
      appName: app.name,
      appInstanceId: app.id,
      appAssignmentId: `0ua${app.id.slice(3, 12)}${user.id.slice(3, 11)}`,
      credentialsSetup: false,
      hidden: false,
      sortOrder: out.length,
    });
  }
  return out;
}

// A deleted person leaves every app's direct assignments.
effects.onUserDelete((ctx, user) => {
  for (const app of (ctx.state as OktaState).apps.values()) {
    const i = app.users.indexOf(user.id);
    if (i >= 0) app.users.splice(i, 1);
  }
});
