// Okta's authorization servers (the org server and custom ones such as `default`) on oidc-provider, the certified engine, behind Okta's paths, claims and sign-in page.

import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import type { Configuration, default as Provider } from 'oidc-provider';
import { json, type OperationContext, type Tenant, TwinError, type TwinResponse } from '../../src/kernel/types.ts';
import type { OktaPrincipal } from './auth.ts';
import { ensureSigningKeys, runtimeOf, serviceKeyAsync } from './keys.ts';
import { customClaims, evaluatePolicy } from './operations/authorization-servers.ts';
import { redeemSessionToken } from './operations/sessions.ts';
import { log, Raw } from './render.ts';
import {
  type AppRecord,
  appendLog,
  groupsOf,
  iso,
  LOCKOUT_ATTEMPTS,
  type OktaState,
  profileValue,
  type UserRecord,
  userActor,
} from './store.ts';

type Ctx = OperationContext<OktaState, OktaPrincipal, unknown>;

/** The OIDC scopes every server knows; the org server adds the `okta.*` ones. */
const OIDC_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'groups'];
export const OKTA_API_SCOPES = [
  'okta.users.read',
  'okta.users.manage',
  'okta.groups.read',
  'okta.groups.manage',
  'okta.apps.read',
  'okta.apps.manage',
  'okta.logs.read',
  'okta.eventHooks.read',
  'okta.eventHooks.manage',
  'okta.authorizationServers.read',
  'okta.authorizationServers.manage',
];
const ACCESS_TOKEN_TTL = 3600;

/** Which server a request is for: `''` the org server (issuer = org URL), else a custom server's id. */
export interface ServerRef {
  id: string;
  issuer: string;
  audience: string;
}

/** The server a request names: `/oauth2/v1/*` and the root `.well-known` are the org's; `/oauth2/{id}/…` a custom one. */
export function serverFor(ctx: Ctx): ServerRef {
  const id = ctx.params.authorizationServerId;
  if (id === undefined || id === '') return { id: '', issuer: ctx.baseUrl, audience: ctx.baseUrl };
  const as = ctx.state.authServers.get(id);
  if (!as || as.status !== 'ACTIVE')
    throw new TwinError(
      json(404, {
        errorCode: 'E0000007',
        errorSummary: `Not found: Resource not found: ${id} (AuthorizationServer)`,
        errorLink: 'E0000007',
        errorId: 'oaeTwin',
        errorCauses: [],
      }),
    );
  return { id, issuer: `${ctx.baseUrl}/oauth2/${id}`, audience: as.audiences[0] ?? `api://${id}` };
}

// ---- Stores oidc-provider needs (sessions, codes, grants…), per tenant, in memory ----

type Stored = { payload: Record<string, unknown>; expiresAt: number };
const stores = new WeakMap<Tenant<OktaState>, Map<string, Map<string, Stored>>>();

function storeOf(tenant: Tenant<OktaState>, model: string): Map<string, Stored> {
  let byModel = stores.get(tenant);
  if (!byModel) {
    byModel = new Map();
    stores.set(tenant, byModel);
  }
  let m = byModel.get(model);
  if (!m) {
    m = new Map();
    byModel.set(model, m);
  }
  return m;
}

/** oidc-provider's adapter over the tenant's memory stores; clients come from the org's apps. */
function adapterFor(tenant: Tenant<OktaState>) {
  return class TwinAdapter {
    constructor(readonly model: string) {}
    private get store() {
      return storeOf(tenant, this.model);
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      this.store.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
      if (this.store.size > 50_000) this.store.delete(this.store.keys().next().value as string);
    }
    async find(id: string) {
      if (this.model === 'Client') return await clientMetadata(tenant, id);
      const s = this.store.get(id);
      if (!s) return undefined;
      if (s.expiresAt < Date.now()) {
        this.store.delete(id);
        return undefined;
      }
      return s.payload;
    }
    async findByUserCode() {
      return undefined;
    }
    async findByUid(uid: string) {
      for (const s of this.store.values()) if (s.payload.uid === uid) return s.payload;
      return undefined;
    }
    async consume(id: string) {
      const s = this.store.get(id);
      if (s) s.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      this.store.delete(id);
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, s] of this.store) if (s.payload.grantId === grantId) this.store.delete(k);
    }
  };
}

/** The app whose OAuth client id this is, if it is ACTIVE. */
export function appByClientId(state: OktaState, clientId: string): AppRecord | undefined {
  for (const app of state.apps.values()) if (app.clientId === clientId) return app;
  return undefined;
}

async function clientMetadata(tenant: Tenant<OktaState>, clientId: string): Promise<Record<string, unknown> | undefined> {
  const app = appByClientId(tenant.state, clientId);
  if (!app || app.status !== 'ACTIVE') return undefined;
  const meta: Record<string, unknown> = {
    client_id: app.clientId,
    client_name: app.label,
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    grant_types: app.grantTypes,
    response_types: app.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    application_type: app.appType === 'native' ? 'native' : 'web',
  };
  if (app.clientSecret && app.tokenEndpointAuthMethod !== 'private_key_jwt') meta.client_secret = app.clientSecret;
  if (app.tokenEndpointAuthMethod === 'private_key_jwt') {
    meta.jwks = app.runtimeKey ? { keys: [(await serviceKeyAsync(tenant.state)).publicJwk] } : (app.jwks ?? { keys: [] });
  }
  return meta;
}

/** Whether a person may sign in to an app: assigned directly or through one of their groups. */
export function isAssigned(state: OktaState, app: AppRecord, userId: string): boolean {
  if (app.users.includes(userId)) return true;
  return groupsOf(state, userId).some((g) => app.groups.includes(g.id));
}

/** The `okta.*` and custom scopes a client may have on a server. */
function allowedScopes(state: OktaState, server: ServerRef, clientId: string | undefined): string[] {
  const app = clientId ? appByClientId(state, clientId) : undefined;
  if (server.id === '') return [...OIDC_SCOPES, ...(app?.grantedScopes ?? [])];
  const as = state.authServers.get(server.id);
  return [...OIDC_SCOPES, ...(as?.scopes ?? [])];
}

/** The groups claim: the names of a person's groups. */
function groupNames(state: OktaState, userId: string): string[] {
  return groupsOf(state, userId).map((g) => g.profile.name);
}

function claimsOf(state: OktaState, user: UserRecord, scopes: Set<string>): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id };
  const p = (k: string) => profileValue(user.profile, k) ?? null;
  if (scopes.has('profile')) {
    claims.name = [p('firstName'), p('lastName')].filter(Boolean).join(' ');
    claims.given_name = p('firstName');
    claims.family_name = p('lastName');
    claims.preferred_username = p('login');
    claims.locale = 'en_US';
    claims.zoneinfo = 'America/Los_Angeles';
    claims.updated_at = Math.floor(Date.parse(user.lastUpdated) / 1000);
  }
  if (scopes.has('email')) {
    claims.email = p('email');
    claims.email_verified = true;
  }
  if (scopes.has('groups')) claims.groups = groupNames(state, user.id);
  return claims;
}

// ---- Providers: one per (tenant, server, base URL), rebuilt when the org's keys change ----

const providers = new WeakMap<Tenant<OktaState>, Map<string, { generation: number; claimsKey: string; provider: Provider }>>();

/** The id-token claims a custom server adds (the engine passes on only claims it was configured with). */
function identityClaimNames(state: OktaState, server: ServerRef): string[] {
  if (server.id === '') return [];
  const as = state.authServers.get(server.id);
  return (as?.claims ?? [])
    .filter((c) => c.claimType === 'IDENTITY' && c.status === 'ACTIVE')
    .map((c) => c.name)
    .sort();
}

/** Forget a tenant's providers and sessions (reset, restore). */
export function forgetProviders(tenant: Tenant<OktaState>): void {
  providers.delete(tenant);
  stores.delete(tenant);
}

// The engine and the request injector are loaded on the first OAuth request, not with the twin:
// an org that never signs anyone in never pays for them.
let engine:
  | Promise<{ Provider: typeof Provider; inject: typeof import('light-my-request').default; errors: typeof import('oidc-provider').errors }>
  | undefined;
/** The engine's error classes, once it is loaded (configurations exist only after that). */
let engineErrors: typeof import('oidc-provider').errors | undefined;

function loadEngine() {
  engine ??= Promise.all([import('oidc-provider'), import('light-my-request')]).then(([p, l]) => {
    engineErrors = p.errors;
    return { Provider: p.default, inject: l.default, errors: p.errors };
  });
  return engine;
}

async function providerFor(tenant: Tenant<OktaState>, server: ServerRef): Promise<Provider> {
  const [{ Provider }] = await Promise.all([loadEngine(), ensureSigningKeys(tenant.state)]);
  let byIssuer = providers.get(tenant);
  if (!byIssuer) {
    byIssuer = new Map();
    providers.set(tenant, byIssuer);
  }
  const rt = runtimeOf(tenant.state);
  const found = byIssuer.get(server.issuer);
  const claimsKey = identityClaimNames(tenant.state, server).join(' ');
  if (found && found.generation === rt.generation && found.claimsKey === claimsKey) return found.provider;
  const provider = new Provider(server.issuer, configuration(tenant, server));
  provider.proxy = true;
  byIssuer.set(server.issuer, { generation: rt.generation, claimsKey, provider });
  return provider;
}

function configuration(tenant: Tenant<OktaState>, server: ServerRef): Configuration {
  const rt = runtimeOf(tenant.state);
  const prefix = server.id === '' ? '/oauth2/v1' : '/v1';
  return {
    adapter: adapterFor(tenant),
    jwks: { keys: rt.signing.map((k) => k.privateJwk) },
    cookies: {
      keys: [createHash('sha256').update(`${rt.cookieKey}:cookies`).digest('base64url')],
      long: { sameSite: 'lax', signed: true },
      short: { sameSite: 'lax', signed: true },
      names: { session: 'sid', interaction: '_interaction', resume: '_interaction_resume' },
    },
    routes: {
      authorization: `${prefix}/authorize`,
      token: `${prefix}/token`,
      jwks: `${prefix}/keys`,
      userinfo: `${prefix}/userinfo`,
      introspection: `${prefix}/introspect`,
      revocation: `${prefix}/revoke`,
      end_session: `${prefix}/logout`,
    },
    scopes: allowedScopes(tenant.state, server, undefined).concat(server.id === '' ? OKTA_API_SCOPES : []),
    claims: {
      openid: ['sub', ...identityClaimNames(tenant.state, server)],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'zoneinfo', 'updated_at'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'RS384', 'RS512', 'ES256'] },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      ClientCredentials: ACCESS_TOKEN_TTL,
      IdToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 300,
      RefreshToken: 90 * 86_400,
      Interaction: 3600,
      Session: 7200,
      Grant: 90 * 86_400,
    },
    // Okta's `sessionToken` (from /api/v1/authn) signs the person in without the page.
    extraParams: ['sessionToken'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource: logoutPage },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => server.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, _resource, client) => ({
          scope: allowedScopes(tenant.state, server, client.clientId).join(' '),
          audience: server.audience,
          accessTokenTTL: ACCESS_TOKEN_TTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // Okta issues refresh tokens to apps allowed the grant when offline_access is asked for; the
    // engine drops offline_access unless prompt=consent, so the grant alone decides here.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    extraTokenClaims: async (_ctx, token) => {
      const t = token as unknown as { clientId: string; accountId?: string; scope?: string; jti: string; kind: string };
      if (t.kind !== 'AccessToken' && t.kind !== 'ClientCredentials') return undefined;
      const extra: Record<string, unknown> = { ver: 1, cid: t.clientId, scp: (t.scope ?? '').split(' ').filter(Boolean) };
      if (t.accountId) extra.uid = t.accountId;
      if (server.id !== '') {
        const user = t.accountId ? tenant.state.users.get(t.accountId) : undefined;
        Object.assign(extra, customClaims(tenant.state, server.id, 'RESOURCE', user, extra.scp as string[]), extra);
      }
      return extra;
    },
    formats: {
      customizers: {
        // Okta's access tokens: `sub` is the person's login (or the client id), no `scope`/`client_id` claims.
        jwt: async (_ctx, _token, jwt) => {
          const p = jwt.payload as Record<string, unknown>;
          const u = typeof p.uid === 'string' ? tenant.state.users.get(p.uid) : undefined;
          if (u) p.sub = String(profileValue(u.profile, 'login') ?? u.id);
          delete p.scope;
          delete p.client_id;
        },
      },
    },
    loadExistingGrant: async (ctx) => {
      // First-party apps: no consent screen; the grant covers what was asked.
      const o = ctx.oidc;
      if (!o.session?.accountId || !o.client) return undefined;
      // A session made for one app does not open another the person is not assigned to (Okta: access_denied).
      const app = appByClientId(tenant.state, o.client.clientId);
      if (app && !isAssigned(tenant.state, app, o.session.accountId) && engineErrors)
        throw new engineErrors.AccessDenied('User is not assigned to the client application.');
      const grant = new o.provider.Grant({ clientId: o.client.clientId, accountId: o.session.accountId });
      const scope = o.params?.scope as string | undefined;
      if (scope) grant.addOIDCScope(scope);
      grant.addResourceScope(server.audience, allowedScopes(tenant.state, server, o.client.clientId).join(' '));
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, sub) => {
      const user = tenant.state.users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async (use: string, scope: string) => {
          const claims = claimsOf(tenant.state, user, new Set(scope.split(' ')));
          if (use === 'id_token' && server.id !== '')
            Object.assign(claims, customClaims(tenant.state, server.id, 'IDENTITY', user, scope.split(' ')), claims);
          return claims;
        },
      };
    },
    interactions: {
      url: (ctx, interaction) =>
        `${new URL(ctx.oidc.urlFor('authorization')).pathname.replace(/\/authorize$/, '')}/interaction/${interaction.uid}`,
    },
    renderError: async (ctx, out) => {
      // Okta shows a page; an app or a test reading it gets the OAuth error too.
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<p id="error-code">${esc(String(out.error))}</p><p id="error-description">${esc(String(out.error_description ?? ''))}</p>`,
      );
    },
  } as Configuration;
}

// ---- The sign-in page ----

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem}.error{color:#b00}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}

async function logoutPage(ctx: { body: unknown }, form: string): Promise<void> {
  ctx.body = page('Sign out', `${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>`);
}

function signInForm(action: string, login: string, error?: string): string {
  return page(
    'Sign In',
    `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}<form method="post" action="${esc(action)}" autocomplete="off">` +
      `<label for="okta-signin-username">Username</label><input id="okta-signin-username" name="username" value="${esc(login)}" autofocus>` +
      `<label for="okta-signin-password">Password</label><input id="okta-signin-password" name="password" type="password">` +
      `<button id="okta-signin-submit" type="submit">Sign In</button></form>`,
  );
}

/** Why a person may not sign in to this app, or undefined when they may. */
function refusal(state: OktaState, user: UserRecord | undefined, password: string, app: AppRecord | undefined): string | undefined {
  if (!user || user.password === undefined || user.password !== password) return 'Unable to sign in';
  if (user.status === 'LOCKED_OUT') return 'Your account is locked. Please contact your administrator.';
  if (user.status !== 'ACTIVE' && user.status !== 'PASSWORD_EXPIRED') return 'Unable to sign in';
  if (app && !isAssigned(state, app, user.id)) return 'User is not assigned to the client application.';
  return undefined;
}

// ---- The bridge: kernel request → oidc-provider (Koa) → kernel response ----

interface Injected {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  rawPayload: Buffer;
}

async function dispatch(
  ctx: Ctx,
  handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void | Promise<void>,
  innerPath: string,
  mountPath: string,
  override?: { method: string; search: string; headers: Record<string, string>; body: Uint8Array },
): Promise<TwinResponse> {
  const url = `${innerPath}${override ? override.search : ctx.req.url.search}`;
  const headers: Record<string, string> = {
    ...ctx.req.headers,
    ...(override?.headers ?? {}),
    host: ctx.req.url.host,
    'x-forwarded-proto': ctx.req.url.protocol.replace(':', ''),
  };
  const method = override?.method ?? ctx.req.method;
  const rawBody = override ? override.body : ctx.req.rawBody;
  const { inject } = await loadEngine();
  const res = (await inject(
    (req, res) => {
      (req as unknown as { originalUrl: string }).originalUrl = `${mountPath}${url}`;
      void handler(req, res);
    },
    { method: method as 'GET', url, headers, payload: rawBody ? Buffer.from(rawBody) : undefined },
  )) as unknown as Injected;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || k === 'content-length' || k === 'transfer-encoding' || k === 'connection' || k === 'keep-alive' || k === 'date')
      continue;
    // Several cookies stay separate values: the HTTP adapter writes an array as repeated headers.
    out[k] = (Array.isArray(v) ? v : String(v)) as string;
  }
  return { status: res.statusCode, headers: out, body: new Uint8Array(res.rawPayload) };
}

/** Where a request goes inside its provider: `/oauth2/{id}` is the mount of a custom server. */
function innerPathOf(ctx: Ctx, server: ServerRef): { inner: string; mount: string } {
  const base = new URL(ctx.baseUrl).pathname.replace(/\/$/, '');
  if (server.id === '') return { inner: ctx.req.path, mount: base };
  const mount = `/oauth2/${server.id}`;
  let inner = ctx.req.path.startsWith(mount) ? ctx.req.path.slice(mount.length) : ctx.req.path;
  if (inner.startsWith('/.well-known/oauth-authorization-server')) inner = '/.well-known/openid-configuration';
  return { inner: inner || '/', mount: `${base}${mount}` };
}

/**
 * Any OAuth 2.0 / OIDC endpoint of an authorization server, handed to oidc-provider: discovery,
 * authorize (and its resume), token, keys, introspect, revoke, logout.
 *
 * Limitations: grant types are authorization_code, refresh_token and client_credentials (no password, device, token exchange, jwt-bearer); `offline_access` is not needed for a refresh token (an app allowed the refresh_token grant always gets one); `response_mode=okta_post_message` is not supported.
 */
export async function oauthEndpoint(ctx: Ctx): Promise<unknown> {
  const server = serverFor(ctx);
  const provider = await providerFor(ctx.tenant, server);
  const { inner, mount } = innerPathOf(ctx, server);
  const discovery = inner === '/.well-known/oauth-authorization-server' ? '/.well-known/openid-configuration' : inner;
  if (/\/v1\/token$/.test(inner)) checkClientCredentialsScope(ctx, server);
  if (/\/v1\/authorize$/.test(inner) && server.id !== '') {
    const refused = authorizePolicyRefusal(ctx, server);
    if (refused) return refused;
  }
  let res = await dispatch(ctx, provider.callback(), discovery, mount);
  if (/\/v1\/logout$/.test(inner) && res.status === 200) res = await confirmLogout(ctx, provider, res, mount);
  if (discovery === '/.well-known/openid-configuration' && res.status === 200) return new Raw(oktaDiscovery(ctx, server, res));
  if (/\/v1\/token$/.test(inner)) {
    afterToken(ctx, server, res);
    if (res.status === 200) {
      // Okta spells the token type "Bearer".
      const body = JSON.parse(new TextDecoder().decode(res.body as Uint8Array)) as Record<string, unknown>;
      if (body.token_type === 'bearer') body.token_type = 'Bearer';
      return new Raw(json(200, body, { ...res.headers, 'content-type': 'application/json;charset=UTF-8' }));
    }
  }
  return new Raw(res);
}

/**
 * A custom server's access policy at /authorize (Okta evaluates it there too): when no rule grants
 * the requested scopes to this client, the app's redirect URI gets `error=access_denied` (or
 * `invalid_scope` for a scope the server lacks) with the state. Requests the engine would refuse
 * anyway (unknown client, unregistered redirect) are left to it.
 */
function authorizePolicyRefusal(ctx: Ctx, server: ServerRef): Raw | undefined {
  const params =
    ctx.req.method === 'POST'
      ? new URLSearchParams(new TextDecoder().decode(ctx.req.rawBody ?? new Uint8Array()))
      : ctx.req.url.searchParams;
  const app = appByClientId(ctx.state, params.get('client_id') ?? '');
  const redirect = params.get('redirect_uri') ?? '';
  if (!app || app.status !== 'ACTIVE' || !app.redirectUris.includes(redirect)) return undefined;
  const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
  const decision = evaluatePolicy(ctx.state, server.id, app.clientId, 'authorization_code', scopes, undefined);
  if (decision.ok) return undefined;
  const to = new URL(redirect);
  to.searchParams.set('error', decision.error);
  to.searchParams.set('error_description', decision.description);
  const state = params.get('state');
  if (state !== null) to.searchParams.set('state', state);
  return new Raw({ status: 302, headers: { location: to.toString(), 'cache-control': 'no-store' } });
}

/**
 * Okta signs the person out at once (no confirmation page): the engine's confirmation form is
 * submitted here, with its xsrf token and the browser's cookies, and its answer (the redirect to
 * `post_logout_redirect_uri` with `state`, cookies cleared) goes back instead of the page.
 */
async function confirmLogout(ctx: Ctx, provider: Provider, page: TwinResponse, mount: string): Promise<TwinResponse> {
  const html = new TextDecoder().decode(page.body as Uint8Array);
  const action = /<form[^>]*id="op\.logoutForm"[^>]*action="([^"]+)"|<form[^>]*action="([^"]+)"[^>]*id="op\.logoutForm"/.exec(html);
  if (!action) return page;
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields.set(m[1], m[2]);
  fields.set('logout', 'yes');
  const jar = new Map<string, string>();
  for (const part of (ctx.req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const set = page.headers['set-cookie'] as unknown as string[] | string | undefined;
  const setList = set === undefined ? [] : Array.isArray(set) ? set : [set];
  for (const c of setList) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  const path = new URL(action[1] ?? action[2], ctx.req.url).pathname;
  const base = new URL(ctx.baseUrl).pathname.replace(/\/$/, '');
  const inner = mount && path.startsWith(mount) ? path.slice(mount.length) : path.startsWith(base) ? path.slice(base.length) : path;
  const done = await dispatch(ctx, provider.callback(), inner, mount, {
    method: 'POST',
    search: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body: new TextEncoder().encode(fields.toString()),
  });
  const more = done.headers['set-cookie'] as unknown as string[] | string | undefined;
  const all = [...setList, ...(more === undefined ? [] : Array.isArray(more) ? more : [more])];
  if (all.length > 0) done.headers['set-cookie'] = all as unknown as string;
  return done;
}

/** The client a token request names (client_id, Basic auth, or a client assertion's issuer), unverified: the engine authenticates it. */
function requestingClient(ctx: Ctx): string | undefined {
  const body = (ctx.req.body ?? {}) as Record<string, unknown>;
  if (typeof body.client_id === 'string') return body.client_id;
  const basic = /^Basic\s+(\S+)$/i.exec(ctx.req.headers.authorization ?? '');
  if (basic) return decodeURIComponent(Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] ?? '');
  if (typeof body.client_assertion === 'string') {
    try {
      const claims = JSON.parse(Buffer.from(body.client_assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      return typeof claims.iss === 'string' ? claims.iss : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Okta refuses client_credentials without a scope, or with one the app may not have (the engine would narrow silently). */
function checkClientCredentialsScope(ctx: Ctx, server: ServerRef): void {
  const body = (ctx.req.body ?? {}) as Record<string, unknown>;
  if (body.grant_type !== 'client_credentials') return;
  // The client first: an unknown or INACTIVE app is invalid_client whatever the scope (the engine agrees).
  const clientId = requestingClient(ctx);
  const app = clientId ? appByClientId(ctx.state, clientId) : undefined;
  if (!app || app.status !== 'ACTIVE') throw oauthError(401, 'invalid_client', 'Client authentication failed.');
  const scope = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [];
  if (scope.length === 0)
    throw oauthError(
      400,
      'invalid_scope',
      "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
    );
  const oidcOnly = scope.filter((x) => x === 'openid' || x === 'offline_access');
  if (oidcOnly.length > 0) throw oauthError(400, 'invalid_scope', `The following scopes are not allowed: ${oidcOnly.join(', ')}`);
  if (server.id !== '') {
    const decision = evaluatePolicy(ctx.state, server.id, app.clientId, 'client_credentials', scope, undefined);
    if (!decision.ok) throw oauthError(400, decision.error, decision.description);
    return;
  }
  const allowed = new Set(allowedScopes(ctx.state, server, requestingClient(ctx)));
  const refused = scope.filter((x) => !allowed.has(x));
  if (refused.length > 0) throw oauthError(400, 'invalid_scope', `The following scopes are not allowed: ${refused.join(', ')}`);
}

/** Okta's discovery document: the engine's, with Okta's endpoints and vocabulary added. */
function oktaDiscovery(ctx: Ctx, server: ServerRef, res: TwinResponse): TwinResponse {
  const doc = JSON.parse(new TextDecoder().decode(res.body as Uint8Array)) as Record<string, unknown>;
  const v1 = server.id === '' ? `${ctx.baseUrl}/oauth2/v1` : `${server.issuer}/v1`;
  doc.userinfo_endpoint = `${v1}/userinfo`;
  doc.registration_endpoint = `${ctx.baseUrl}/oauth2/v1/clients`;
  doc.response_modes_supported = ['query', 'fragment', 'form_post'];
  doc.subject_types_supported = ['public'];
  doc.id_token_signing_alg_values_supported = ['RS256'];
  doc.code_challenge_methods_supported = ['S256'];
  doc.token_endpoint_auth_methods_supported = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
  return json(200, doc, { 'cache-control': 'max-age=86400, must-revalidate' });
}

/** After a token is issued: the System Log hears of it (Okta logs each grant). */
function afterToken(ctx: Ctx, server: ServerRef, res: TwinResponse): void {
  if (res.status !== 200) return;
  const body = ctx.req.body as Record<string, unknown> | undefined;
  const grant = typeof body?.grant_type === 'string' ? body.grant_type : 'unknown';
  log(ctx, {
    eventType: 'app.oauth2.as.token.grant.access_token',
    displayMessage: 'OAuth2 access token is granted',
    actor: {
      id: ctx.state.org.id,
      type: 'PublicClientApp',
      alternateId: server.issuer,
      displayName: 'OAuth 2.0 authorization server',
      detailEntry: null,
    },
    debugData: { grantType: grant },
  });
}

/**
 * The sign-in page of an authorization request (GET shows it, POST signs in): username and
 * password; wrong passwords count toward lockout; people who are suspended, deactivated, locked
 * out or not assigned to the app are refused. Then the engine redirects back with the code.
 *
 * Limitations: no MFA, no self-service recovery or registration, no Okta Identity Engine remediation flow; the page is the twin's own, not Okta's widget.
 */
export async function signInPage(ctx: Ctx): Promise<unknown> {
  const server = serverFor(ctx);
  const provider = await providerFor(ctx.tenant, server);
  const { mount, inner } = innerPathOf(ctx, server);
  const action = `${new URL(ctx.baseUrl).pathname.replace(/\/$/, '')}${ctx.req.path}`;
  const res = await dispatch(
    ctx,
    async (req, res) => {
      try {
        const details = await provider.interactionDetails(req, res);
        const clientId = String(details.params.client_id ?? '');
        const app = appByClientId(ctx.state, clientId);
        const sessionToken = details.params.sessionToken;
        if (ctx.req.method === 'GET' && typeof sessionToken === 'string' && sessionToken) {
          const person = redeemSessionToken(ctx.state, sessionToken, ctx.now());
          const why = person ? refusal(ctx.state, person, person.password ?? '', app) : 'Unable to sign in';
          if (!person || why) {
            res.statusCode = 401;
            res.setHeader('content-type', 'text/html; charset=utf-8');
            res.end(signInForm(action, '', why));
            return;
          }
          log(ctx, {
            eventType: 'user.authentication.sso',
            displayMessage: 'User single sign on to app',
            actor: userActor(person),
            target: app ? [{ id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label, detailEntry: null }] : [],
          });
          await provider.interactionFinished(
            req,
            res,
            { login: { accountId: person.id, remember: true } },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        if (ctx.req.method === 'GET') {
          const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.setHeader('cache-control', 'no-store');
          res.end(signInForm(action, hint));
          return;
        }
        const form = new URLSearchParams(new TextDecoder().decode(ctx.req.rawBody ?? new Uint8Array()));
        const username = form.get('username') ?? '';
        const password = form.get('password') ?? '';
        const user = username ? findUserByLogin(ctx.state, username) : undefined;
        const why = refusal(ctx.state, user, password, app);
        if (why) {
          if (user && user.password !== undefined && user.password !== password && user.status === 'ACTIVE') {
            user.failedLogins++;
            if (user.failedLogins >= LOCKOUT_ATTEMPTS) {
              user.status = 'LOCKED_OUT';
              user.statusChanged = iso(ctx.now());
              log(ctx, {
                eventType: 'user.account.lock',
                displayMessage: 'Max sign in attempts exceeded',
                actor: userActor(user),
                target: [userActor(user)],
              });
            }
          }
          log(ctx, {
            eventType: 'user.session.start',
            displayMessage: 'User login to Okta',
            actor: user
              ? userActor(user)
              : { id: 'unknown', type: 'User', alternateId: username, displayName: 'Unknown', detailEntry: null },
            outcome: { result: 'FAILURE', reason: why === 'Unable to sign in' ? 'INVALID_CREDENTIALS' : why },
          });
          res.statusCode = 401;
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(signInForm(action, username, why));
          return;
        }
        const person = user as UserRecord;
        person.failedLogins = 0;
        person.lastLogin = iso(ctx.now());
        log(ctx, {
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: userActor(person),
        });
        log(ctx, {
          eventType: 'user.authentication.sso',
          displayMessage: 'User single sign on to app',
          actor: userActor(person),
          target: app ? [{ id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label, detailEntry: null }] : [],
        });
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: person.id, remember: true } },
          { mergeWithLastSubmission: false },
        );
      } catch (err) {
        const e = err as { statusCode?: number; error?: string; error_description?: string; message?: string };
        res.statusCode = e.statusCode ?? 400;
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(page('Sign-in error', `<p>${esc(e.error_description ?? e.message ?? 'The sign-in request is not valid any more.')}</p>`));
      }
    },
    inner,
    mount,
  );
  return new Raw(res);
}

function findUserByLogin(state: OktaState, login: string): UserRecord | undefined {
  const l = login.toLowerCase();
  for (const u of state.users.values()) {
    const v = profileValue(u.profile, 'login');
    if (typeof v === 'string' && v.toLowerCase() === l) return u;
  }
  return undefined;
}

// ---- Access tokens: verified by the twin itself (management API, userinfo, introspect) ----

export interface VerifiedToken {
  claims: Record<string, unknown>;
}

const revokedJti = new WeakMap<OktaState, Set<string>>();

/** Verify an access token this tenant's server `issuer` signed: signature, issuer, expiry, revocation. */
export function verifyAccessToken(state: OktaState, token: string, issuer: string, now: number): VerifiedToken | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 8192) return undefined;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!header || header.alg !== 'RS256' || typeof header.kid !== 'string') return undefined;
  const key = runtimeOf(state).signing.find((k) => k.kid === header.kid);
  if (!key) return undefined;
  const ok = verifySignature(
    'sha256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    createPublicKey({ key: key.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
    Buffer.from(parts[2], 'base64url'),
  );
  if (!ok || !claims || typeof claims !== 'object') return undefined;
  if (claims.iss !== issuer) return undefined;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < now) return undefined;
  if (typeof claims.jti === 'string' && revokedJti.get(state)?.has(claims.jti)) return undefined;
  return { claims };
}

/** Stop honouring an access token (revoke, deactivation of its person). */
export function revokeJti(state: OktaState, jti: string): void {
  let set = revokedJti.get(state);
  if (!set) {
    set = new Set();
    revokedJti.set(state, set);
  }
  set.add(jti);
}

function bearerOf(ctx: Ctx): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(ctx.req.headers.authorization ?? '');
  if (m) return m[1];
  const body = ctx.req.body as Record<string, unknown> | undefined;
  return typeof body?.access_token === 'string' ? body.access_token : undefined;
}

/**
 * GET/POST …/v1/userinfo: the signed-in person's claims for the token's scopes (Okta's userinfo
 * accepts its access tokens for the server that issued them).
 */
export function userinfo(ctx: Ctx): unknown {
  const server = serverFor(ctx);
  const token = bearerOf(ctx);
  const verified = token ? verifyAccessToken(ctx.state, token, server.issuer, ctx.now()) : undefined;
  const uid = verified?.claims.uid;
  const user = typeof uid === 'string' ? ctx.state.users.get(uid) : undefined;
  if (!verified || !user || user.status === 'DEPROVISIONED' || user.status === 'SUSPENDED') {
    throw new TwinError(
      json(
        401,
        { error: 'invalid_token', error_description: 'The access token is invalid.' },
        {
          'www-authenticate': 'Bearer error="invalid_token", error_description="The access token is invalid."',
        },
      ),
    );
  }
  const scopes = new Set((verified.claims.scp as string[] | undefined) ?? []);
  return claimsOf(ctx.state, user, scopes);
}

/**
 * POST …/v1/introspect: access tokens are read by the twin (JWTs), refresh tokens by the engine.
 * The caller authenticates as a client of the org.
 */
export async function introspect(ctx: Ctx): Promise<unknown> {
  const server = serverFor(ctx);
  const body = (ctx.req.body ?? {}) as Record<string, unknown>;
  const token = typeof body.token === 'string' ? body.token : '';
  // The engine answers refresh tokens and anything else, and authenticates the client in every case.
  const engineAnswer = await oauthEndpoint(ctx);
  const verified = verifyAccessToken(ctx.state, token, server.issuer, ctx.now());
  if (!verified || !(engineAnswer instanceof Raw) || engineAnswer.response.status !== 200) return engineAnswer;
  const c = verified.claims;
  return {
    active: true,
    scope: ((c.scp as string[]) ?? []).join(' '),
    username: typeof c.uid === 'string' ? String(profileValue(ctx.state.users.get(c.uid)?.profile ?? {}, 'login') ?? '') : undefined,
    exp: c.exp,
    iat: c.iat,
    sub: c.sub,
    aud: c.aud,
    iss: c.iss,
    jti: c.jti,
    token_type: 'Bearer',
    client_id: c.cid,
    uid: c.uid,
  };
}

/** POST …/v1/revoke: an access token's jti stops working here; refresh tokens go to the engine. */
export async function revoke(ctx: Ctx): Promise<unknown> {
  const server = serverFor(ctx);
  const body = (ctx.req.body ?? {}) as Record<string, unknown>;
  const token = typeof body.token === 'string' ? body.token : '';
  // The client authenticates first (the engine); only then does an access token stop working.
  const answer = await oauthEndpoint(ctx);
  const verified = verifyAccessToken(ctx.state, token, server.issuer, ctx.now());
  if (answer instanceof Raw && answer.response.status === 200 && verified && typeof verified.claims.jti === 'string')
    revokeJti(ctx.state, verified.claims.jti);
  return answer;
}

/** Okta's OAuth error body, for errors the twin raises itself. */
export function oauthError(status: number, error: string, description: string): TwinError {
  return new TwinError(json(status, { error, error_description: description }));
}
