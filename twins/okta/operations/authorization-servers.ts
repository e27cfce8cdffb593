// Authorization servers' admin API: servers, scopes, claims (a groups claim by filter), access policies and their rules; and the policy evaluation the token and authorize endpoints ask.

import { createHash } from 'node:crypto';
import { notFound, type OktaErrorCause, validationFailed } from '../errors.ts';
import { ExpressionError, evaluate, parseOktaExpression } from '../expression.ts';
import { ensureSigningKeys, runtimeOf } from '../keys.ts';
import { log, NO_CONTENT, type OktaContext, pageOf, queryString, Reply, sentQuery } from '../render.ts';
import {
  type AuthServerRecord,
  type ClaimRecord,
  compareIds,
  groupsOf,
  iso,
  type LogActor,
  linkHeader,
  newId,
  type OktaState,
  type PolicyRecord,
  type PolicyRuleRecord,
  type ScopeRecord,
  type UserRecord,
} from '../store.ts';

/** The OIDC scopes every server has (Okta lists them as system scopes). */
const SYSTEM_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'device_sso'];

/** Ids that do not consume the org's id counter (things made on first read, such as the default policy). */
function fixedId(state: OktaState, prefix: string, what: string): string {
  const h = createHash('sha256').update(`${state.idSeed}:${what}`).digest('base64url').replace(/[-_]/g, 'x');
  return (prefix + h).slice(0, 20);
}

function serverTarget(as: AuthServerRecord): LogActor {
  return { id: as.id, type: 'AuthorizationServer', alternateId: as.name, displayName: as.name, detailEntry: null };
}

export function serverFromPath(ctx: OktaContext<unknown>): AuthServerRecord {
  const id = ctx.params.authServerId;
  const as = ctx.state.authServers.get(id);
  if (!as) throw notFound(id, 'AuthorizationServer');
  return as;
}

/** A server's policies; the seeded default policy (every client, every grant, every scope) is made on first use. */
export function policiesOf(state: OktaState, as: AuthServerRecord): PolicyRecord[] {
  if (!as.policies) {
    const when = as.created;
    as.policies = [
      {
        id: fixedId(state, '00p', `policy:${as.id}`),
        name: 'Default Policy',
        description: 'Default policy description',
        status: 'ACTIVE',
        priority: 1,
        created: when,
        lastUpdated: when,
        clients: ['ALL_CLIENTS'],
        rules: [
          {
            id: fixedId(state, '0pr', `rule:${as.id}`),
            name: 'Default Policy Rule',
            status: 'ACTIVE',
            priority: 1,
            created: when,
            lastUpdated: when,
            groups: ['EVERYONE'],
            users: [],
            grantTypes: ['client_credentials', 'authorization_code', 'implicit', 'password', 'refresh_token'],
            scopes: ['*'],
            accessTokenLifetimeMinutes: 60,
            refreshTokenLifetimeMinutes: 0,
            refreshTokenWindowMinutes: 10080,
          },
        ],
      },
    ];
  }
  return as.policies;
}

function scopesOf(as: AuthServerRecord): ScopeRecord[] {
  if (!as.scopeDefs) {
    as.scopeDefs = as.scopes.map((name) => ({
      id: `scp${createHash('sha256').update(`${as.id}:${name}`).digest('hex').slice(0, 17)}`,
      name,
      displayName: name,
      description: null,
      consent: 'IMPLICIT',
      default: false,
      metadataPublish: 'NO_CLIENTS',
      system: false,
    }));
  }
  return as.scopeDefs;
}

function syncScopeNames(as: AuthServerRecord): void {
  as.scopes = scopesOf(as).map((s) => s.name);
}

// ---- Servers ----

function keysOf(state: OktaState) {
  return runtimeOf(state).signing;
}

function serverView(ctx: OktaContext<unknown>, as: AuthServerRecord): Record<string, unknown> {
  const self = `${ctx.baseUrl}/api/v1/authorizationServers/${as.id}`;
  const kid = keysOf(ctx.state)[0]?.kid ?? null;
  return {
    id: as.id,
    name: as.name,
    description: as.description,
    audiences: as.audiences,
    issuer: `${ctx.baseUrl}/oauth2/${as.id}`,
    issuerMode: 'ORG_URL',
    status: as.status,
    created: as.created,
    lastUpdated: as.lastUpdated,
    credentials: { signing: { kid, rotationMode: 'AUTO', use: 'sig', lastRotated: as.created, nextRotation: null } },
    _links: {
      scopes: { href: `${self}/scopes` },
      claims: { href: `${self}/claims` },
      policies: { href: `${self}/policies` },
      self: { href: self },
      metadata: [{ href: `${ctx.baseUrl}/oauth2/${as.id}/.well-known/openid-configuration` }],
      rotateKey: { href: `${self}/credentials/lifecycle/keyRotate`, hints: { allow: ['POST'] } },
      deactivate: { href: `${self}/lifecycle/deactivate`, hints: { allow: ['POST'] } },
    },
  };
}

interface ServerArgs {
  name: string;
  description?: string;
  audiences: string[];
}

function checkServer(args: ServerArgs): void {
  const causes: OktaErrorCause[] = [];
  if (!args.name?.trim()) causes.push({ errorSummary: 'name: The field cannot be left blank' });
  if (!Array.isArray(args.audiences) || args.audiences.length === 0)
    causes.push({ errorSummary: 'audiences: The field cannot be left blank' });
  if (causes.length > 0) throw validationFailed(causes[0].errorSummary.split(':')[0], causes);
}

/** GET /api/v1/authorizationServers: `q` (start of the name), `limit` and `after`. */
export function listAuthorizationServers(ctx: OktaContext): unknown {
  const q = queryString(ctx, 'q')?.toLowerCase();
  const limit = Math.min(typeof ctx.query.limit === 'number' ? ctx.query.limit : 200, 200);
  const ids = [...ctx.state.authServers.keys()].sort(compareIds);
  const page = pageOf(ids, queryString(ctx, 'after'), limit, (id) => {
    const as = ctx.state.authServers.get(id);
    return as && (!q || as.name.toLowerCase().startsWith(q)) ? as : undefined;
  });
  return new Reply(
    200,
    page.items.map((as) => serverView(ctx, as)),
    { link: linkHeader(ctx.baseUrl, '/api/v1/authorizationServers', sentQuery(ctx), page.next) },
  );
}

/** POST /api/v1/authorizationServers: a new ACTIVE server with its own issuer `/oauth2/{id}`, no policies yet. */
export function createAuthorizationServer(ctx: OktaContext<ServerArgs>): unknown {
  checkServer(ctx.args);
  const now = iso(ctx.now());
  const as: AuthServerRecord = {
    id: newId(ctx.state, 'aus'),
    name: ctx.args.name.trim(),
    description: ctx.args.description ?? '',
    audiences: ctx.args.audiences,
    status: 'ACTIVE',
    created: now,
    lastUpdated: now,
    scopes: [],
    scopeDefs: [],
    claims: [],
    policies: [],
  };
  ctx.state.authServers.set(as.id, as);
  log(ctx, { eventType: 'oauth2.as.created', displayMessage: 'Create authorization server', target: [serverTarget(as)] });
  return new Reply(201, serverView(ctx, as));
}

export function getAuthorizationServer(ctx: OktaContext): unknown {
  return serverView(ctx, serverFromPath(ctx));
}

export function replaceAuthorizationServer(ctx: OktaContext<ServerArgs>): unknown {
  const as = serverFromPath(ctx);
  checkServer(ctx.args);
  as.name = ctx.args.name.trim();
  as.description = ctx.args.description ?? '';
  as.audiences = ctx.args.audiences;
  as.lastUpdated = iso(ctx.now());
  log(ctx, { eventType: 'oauth2.as.updated', displayMessage: 'Update authorization server', target: [serverTarget(as)] });
  return serverView(ctx, as);
}

/** DELETE: an INACTIVE server only (Okta: deactivate first). */
export function deleteAuthorizationServer(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  if (as.status === 'ACTIVE')
    throw validationFailed('status', [{ errorSummary: 'Authorization server must be deactivated before it can be deleted.' }]);
  ctx.state.authServers.delete(as.id);
  log(ctx, { eventType: 'oauth2.as.deleted', displayMessage: 'Delete authorization server', target: [serverTarget(as)] });
  return NO_CONTENT;
}

function serverStatus(ctx: OktaContext, status: AuthServerRecord['status']): unknown {
  const as = serverFromPath(ctx);
  if (as.status !== status) {
    as.status = status;
    as.lastUpdated = iso(ctx.now());
    const verb = status === 'ACTIVE' ? 'activated' : 'deactivated';
    log(ctx, { eventType: `oauth2.as.${verb}`, displayMessage: `Authorization server ${verb}`, target: [serverTarget(as)] });
  }
  return NO_CONTENT;
}

export const activateAuthorizationServer = (ctx: OktaContext) => serverStatus(ctx, 'ACTIVE');
export const deactivateAuthorizationServer = (ctx: OktaContext) => serverStatus(ctx, 'INACTIVE');

/** GET …/credentials/keys: the org's signing keys (the twin signs every server with the org's keys). */
export async function listAuthorizationServerKeys(ctx: OktaContext): Promise<unknown> {
  serverFromPath(ctx);
  return (await ensureSigningKeys(ctx.state)).map((k, i) => ({ ...k.publicJwk, status: i === 0 ? 'ACTIVE' : 'EXPIRED' }));
}

// ---- Scopes ----

function scopeView(s: ScopeRecord): Record<string, unknown> {
  return { ...s };
}

function systemScopes(state: OktaState, as: AuthServerRecord): ScopeRecord[] {
  return SYSTEM_SCOPES.map((name) => ({
    id: fixedId(state, 'scp', `system:${as.id}:${name}`),
    name,
    displayName: name,
    description: `The ${name} scope`,
    consent: 'IMPLICIT',
    default: false,
    metadataPublish: 'ALL_CLIENTS',
    system: true,
  }));
}

interface ScopeArgs {
  name: string;
  displayName?: string;
  description?: string;
  consent?: ScopeRecord['consent'];
  default?: boolean;
  metadataPublish?: ScopeRecord['metadataPublish'];
}

export function listOAuth2Scopes(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  const q = queryString(ctx, 'q');
  return [...systemScopes(ctx.state, as), ...scopesOf(as)].filter((s) => !q || s.name.startsWith(q)).map(scopeView);
}

function checkScopeName(as: AuthServerRecord, name: string, selfId?: string): void {
  if (!name?.trim() || /\s/.test(name)) throw validationFailed('name', [{ errorSummary: 'name: The scope name must be a non-empty word' }]);
  if (SYSTEM_SCOPES.includes(name) || scopesOf(as).some((s) => s.name === name && s.id !== selfId))
    throw validationFailed('name', [{ errorSummary: 'name: An object with this field already exists in the current organization' }]);
}

export function createOAuth2Scope(ctx: OktaContext<ScopeArgs>): unknown {
  const as = serverFromPath(ctx);
  checkScopeName(as, ctx.args.name);
  const s: ScopeRecord = {
    id: newId(ctx.state, 'scp'),
    name: ctx.args.name,
    displayName: ctx.args.displayName ?? ctx.args.name,
    description: ctx.args.description ?? null,
    consent: ctx.args.consent ?? 'IMPLICIT',
    default: ctx.args.default ?? false,
    metadataPublish: ctx.args.metadataPublish ?? 'NO_CLIENTS',
    system: false,
  };
  scopesOf(as).push(s);
  syncScopeNames(as);
  return new Reply(201, scopeView(s));
}

function scopeFromPath(ctx: OktaContext<unknown>, as: AuthServerRecord): ScopeRecord {
  const s = scopesOf(as).find((x) => x.id === ctx.params.scopeId);
  if (!s) throw notFound(ctx.params.scopeId, 'OAuth2Scope');
  return s;
}

export function getOAuth2Scope(ctx: OktaContext): unknown {
  return scopeView(scopeFromPath(ctx, serverFromPath(ctx)));
}

export function replaceOAuth2Scope(ctx: OktaContext<ScopeArgs>): unknown {
  const as = serverFromPath(ctx);
  const s = scopeFromPath(ctx, as);
  checkScopeName(as, ctx.args.name, s.id);
  Object.assign(s, {
    name: ctx.args.name,
    displayName: ctx.args.displayName ?? s.displayName,
    description: ctx.args.description ?? s.description,
    consent: ctx.args.consent ?? s.consent,
    default: ctx.args.default ?? s.default,
    metadataPublish: ctx.args.metadataPublish ?? s.metadataPublish,
  });
  syncScopeNames(as);
  return scopeView(s);
}

export function deleteOAuth2Scope(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  const s = scopeFromPath(ctx, as);
  as.scopeDefs = scopesOf(as).filter((x) => x !== s);
  syncScopeNames(as);
  return NO_CONTENT;
}

// ---- Claims ----

interface ClaimArgs {
  name: string;
  status?: ClaimRecord['status'];
  claimType: ClaimRecord['claimType'];
  valueType: ClaimRecord['valueType'];
  value: string;
  group_filter_type?: ClaimRecord['group_filter_type'];
  alwaysIncludeInToken?: boolean;
  conditions?: { scopes?: string[] };
}

const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'cid',
  'uid',
  'scp',
  'ver',
  'auth_time',
  'nonce',
  'amr',
  'idp',
  'at_hash',
  'c_hash',
]);

function readClaim(as: AuthServerRecord, a: ClaimArgs, selfId?: string): Omit<ClaimRecord, 'id'> {
  const causes: OktaErrorCause[] = [];
  if (!a.name?.trim()) causes.push({ errorSummary: 'name: The field cannot be left blank' });
  else if (RESERVED_CLAIMS.has(a.name)) causes.push({ errorSummary: `name: '${a.name}' is a reserved claim name` });
  else if ((as.claims ?? []).some((c) => c.name === a.name && c.claimType === a.claimType && c.id !== selfId))
    causes.push({ errorSummary: 'name: A claim with this name already exists for this claim type' });
  if (a.valueType === 'GROUPS') {
    if (!a.group_filter_type) causes.push({ errorSummary: 'group_filter_type: The field cannot be left blank for a GROUPS claim' });
    if (a.group_filter_type === 'REGEX') {
      try {
        new RegExp(`^(?:${a.value})$`);
      } catch {
        causes.push({ errorSummary: `value: '${a.value}' is not a valid regular expression` });
      }
    }
  } else {
    try {
      parseOktaExpression(a.value);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      causes.push({ errorSummary: `value: ${err.message}` });
    }
  }
  if (causes.length > 0) throw validationFailed('claim', causes);
  return {
    name: a.name,
    status: a.status ?? 'ACTIVE',
    claimType: a.claimType,
    valueType: a.valueType,
    value: a.value,
    group_filter_type: a.valueType === 'GROUPS' ? a.group_filter_type : undefined,
    alwaysIncludeInToken: a.alwaysIncludeInToken ?? true,
    scopes: a.conditions?.scopes ?? [],
    system: false,
  };
}

function claimView(c: ClaimRecord): Record<string, unknown> {
  const { scopes, group_filter_type, ...rest } = c;
  return { ...rest, ...(group_filter_type ? { group_filter_type } : {}), conditions: { scopes } };
}

export function listOAuth2Claims(ctx: OktaContext): unknown {
  return (serverFromPath(ctx).claims ?? []).map(claimView);
}

export function createOAuth2Claim(ctx: OktaContext<ClaimArgs>): unknown {
  const as = serverFromPath(ctx);
  const c: ClaimRecord = { id: newId(ctx.state, 'ocl'), ...readClaim(as, ctx.args) };
  as.claims = [...(as.claims ?? []), c];
  return new Reply(201, claimView(c));
}

function claimFromPath(ctx: OktaContext<unknown>, as: AuthServerRecord): ClaimRecord {
  const c = (as.claims ?? []).find((x) => x.id === ctx.params.claimId);
  if (!c) throw notFound(ctx.params.claimId, 'OAuth2Claim');
  return c;
}

export function getOAuth2Claim(ctx: OktaContext): unknown {
  return claimView(claimFromPath(ctx, serverFromPath(ctx)));
}

export function replaceOAuth2Claim(ctx: OktaContext<ClaimArgs>): unknown {
  const as = serverFromPath(ctx);
  const c = claimFromPath(ctx, as);
  Object.assign(c, readClaim(as, ctx.args, c.id));
  return claimView(c);
}

export function deleteOAuth2Claim(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  const c = claimFromPath(ctx, as);
  as.claims = (as.claims ?? []).filter((x) => x !== c);
  return NO_CONTENT;
}

/** The value of a claim for a person (undefined: left out). */
function claimValue(state: OktaState, c: ClaimRecord, user: UserRecord | undefined): unknown {
  if (c.valueType === 'GROUPS') {
    if (!user) return undefined;
    const names = groupsOf(state, user.id).map((g) => g.profile.name);
    const v = c.value;
    let re: RegExp | undefined;
    if (c.group_filter_type === 'REGEX') re = new RegExp(`^(?:${v})$`);
    const picked = names.filter((n) =>
      c.group_filter_type === 'STARTS_WITH'
        ? n.startsWith(v)
        : c.group_filter_type === 'EQUALS'
          ? n === v
          : c.group_filter_type === 'CONTAINS'
            ? n.includes(v)
            : (re as RegExp).test(n),
    );
    return picked.length > 0 ? picked : undefined;
  }
  if (!user && /\buser\./.test(c.value)) return undefined;
  const node = parseOktaExpression(c.value);
  const out = user ? evaluate(node, state, user) : node.k === 'lit' ? node.v : undefined;
  return out === null ? undefined : out;
}

/** The custom claims a token of this server gets (`RESOURCE`: access token, `IDENTITY`: id token). */
export function customClaims(
  state: OktaState,
  serverId: string,
  kind: ClaimRecord['claimType'],
  user: UserRecord | undefined,
  scopes: string[],
): Record<string, unknown> {
  const as = state.authServers.get(serverId);
  const out: Record<string, unknown> = {};
  for (const c of as?.claims ?? []) {
    if (c.status !== 'ACTIVE' || c.claimType !== kind) continue;
    if (c.scopes.length > 0 && !c.scopes.some((s) => scopes.includes(s))) continue;
    const v = claimValue(state, c, user);
    if (v !== undefined) out[c.name] = v;
  }
  return out;
}

// ---- Policies and rules ----

interface PolicyArgs {
  name: string;
  description?: string;
  status?: 'ACTIVE' | 'INACTIVE';
  priority?: number;
  conditions?: { clients?: { include?: string[] } };
}

function policyView(ctx: OktaContext<unknown>, as: AuthServerRecord, p: PolicyRecord): Record<string, unknown> {
  const self = `${ctx.baseUrl}/api/v1/authorizationServers/${as.id}/policies/${p.id}`;
  return {
    id: p.id,
    type: 'OAUTH_AUTHORIZATION_POLICY',
    name: p.name,
    description: p.description,
    status: p.status,
    priority: p.priority,
    system: false,
    created: p.created,
    lastUpdated: p.lastUpdated,
    conditions: { clients: { include: p.clients } },
    _links: { self: { href: self }, rules: { href: `${self}/rules` } },
  };
}

function renumber<T extends { priority: number }>(list: T[]): void {
  list.sort((a, b) => a.priority - b.priority);
  list.forEach((x, i) => {
    x.priority = i + 1;
  });
}

function readPolicy(a: PolicyArgs): { name: string; description: string; clients: string[] } {
  if (!a.name?.trim()) throw validationFailed('name', [{ errorSummary: 'name: The field cannot be left blank' }]);
  const clients = a.conditions?.clients?.include ?? [];
  if (clients.length === 0)
    throw validationFailed('conditions', [{ errorSummary: 'conditions.clients.include: The policy must name clients or ALL_CLIENTS' }]);
  return { name: a.name.trim(), description: a.description ?? '', clients };
}

export function listAuthorizationServerPolicies(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  return policiesOf(ctx.state, as).map((p) => policyView(ctx, as, p));
}

export function createAuthorizationServerPolicy(ctx: OktaContext<PolicyArgs>): unknown {
  const as = serverFromPath(ctx);
  const list = policiesOf(ctx.state, as);
  const now = iso(ctx.now());
  const p: PolicyRecord = {
    id: newId(ctx.state, '00p'),
    ...readPolicy(ctx.args),
    status: ctx.args.status ?? 'ACTIVE',
    priority: (ctx.args.priority ?? list.length + 1) - 0.5,
    created: now,
    lastUpdated: now,
    rules: [],
  };
  list.push(p);
  renumber(list);
  return new Reply(201, policyView(ctx, as, p));
}

function policyFromPath(ctx: OktaContext<unknown>, as: AuthServerRecord): PolicyRecord {
  const p = policiesOf(ctx.state, as).find((x) => x.id === ctx.params.policyId);
  if (!p) throw notFound(ctx.params.policyId, 'Policy');
  return p;
}

export function getAuthorizationServerPolicy(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  return policyView(ctx, as, policyFromPath(ctx, as));
}

export function replaceAuthorizationServerPolicy(ctx: OktaContext<PolicyArgs>): unknown {
  const as = serverFromPath(ctx);
  const p = policyFromPath(ctx, as);
  Object.assign(p, readPolicy(ctx.args), { lastUpdated: iso(ctx.now()) });
  if (ctx.args.status) p.status = ctx.args.status;
  if (typeof ctx.args.priority === 'number') {
    p.priority = ctx.args.priority - 0.5;
    renumber(policiesOf(ctx.state, as));
  }
  return policyView(ctx, as, p);
}

export function deleteAuthorizationServerPolicy(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  const p = policyFromPath(ctx, as);
  as.policies = policiesOf(ctx.state, as).filter((x) => x !== p);
  renumber(as.policies);
  return NO_CONTENT;
}

function policyStatus(ctx: OktaContext, status: PolicyRecord['status']): unknown {
  const as = serverFromPath(ctx);
  policyFromPath(ctx, as).status = status;
  return NO_CONTENT;
}
export const activateAuthorizationServerPolicy = (ctx: OktaContext) => policyStatus(ctx, 'ACTIVE');
export const deactivateAuthorizationServerPolicy = (ctx: OktaContext) => policyStatus(ctx, 'INACTIVE');

interface RuleArgs {
  name: string;
  status?: 'ACTIVE' | 'INACTIVE';
  priority?: number;
  type?: string;
  conditions?: {
    people?: { groups?: { include?: string[] }; users?: { include?: string[] } };
    grantTypes?: { include?: string[] };
    scopes?: { include?: string[] };
  };
  actions?: { token?: { accessTokenLifetimeMinutes?: number; refreshTokenLifetimeMinutes?: number; refreshTokenWindowMinutes?: number } };
}

function ruleView(ctx: OktaContext<unknown>, as: AuthServerRecord, p: PolicyRecord, r: PolicyRuleRecord): Record<string, unknown> {
  const self = `${ctx.baseUrl}/api/v1/authorizationServers/${as.id}/policies/${p.id}/rules/${r.id}`;
  return {
    id: r.id,
    type: 'RESOURCE_ACCESS',
    name: r.name,
    status: r.status,
    priority: r.priority,
    system: false,
    created: r.created,
    lastUpdated: r.lastUpdated,
    conditions: {
      people: { groups: { include: r.groups }, users: { include: r.users } },
      grantTypes: { include: r.grantTypes },
      scopes: { include: r.scopes },
    },
    actions: {
      token: {
        accessTokenLifetimeMinutes: r.accessTokenLifetimeMinutes,
        refreshTokenLifetimeMinutes: r.refreshTokenLifetimeMinutes,
        refreshTokenWindowMinutes: r.refreshTokenWindowMinutes,
      },
    },
    _links: { self: { href: self } },
  };
}

function readRule(ctx: OktaContext<RuleArgs>): Omit<PolicyRuleRecord, 'id' | 'created' | 'lastUpdated' | 'priority' | 'status'> {
  const a = ctx.args;
  const causes: OktaErrorCause[] = [];
  if (!a.name?.trim()) causes.push({ errorSummary: 'name: The field cannot be left blank' });
  const grantTypes = a.conditions?.grantTypes?.include ?? [];
  if (grantTypes.length === 0) causes.push({ errorSummary: 'conditions.grantTypes.include: The field cannot be left blank' });
  const scopes = a.conditions?.scopes?.include ?? [];
  if (scopes.length === 0) causes.push({ errorSummary: 'conditions.scopes.include: The field cannot be left blank' });
  const groups = a.conditions?.people?.groups?.include ?? [];
  const users = a.conditions?.people?.users?.include ?? [];
  if (groups.length === 0 && users.length === 0) groups.push('EVERYONE');
  for (const g of groups)
    if (g !== 'EVERYONE' && !ctx.state.groups.has(g))
      causes.push({ errorSummary: `conditions.people.groups.include: ${g} is not a group` });
  if (causes.length > 0) throw validationFailed(causes[0].errorSummary.split(':')[0], causes);
  const t = a.actions?.token ?? {};
  return {
    name: a.name.trim(),
    groups,
    users,
    grantTypes,
    scopes,
    accessTokenLifetimeMinutes: t.accessTokenLifetimeMinutes ?? 60,
    refreshTokenLifetimeMinutes: t.refreshTokenLifetimeMinutes ?? 0,
    refreshTokenWindowMinutes: t.refreshTokenWindowMinutes ?? 10080,
  };
}

export function listAuthorizationServerPolicyRules(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  const p = policyFromPath(ctx, as);
  return p.rules.map((r) => ruleView(ctx, as, p, r));
}

export function createAuthorizationServerPolicyRule(ctx: OktaContext<RuleArgs>): unknown {
  const as = serverFromPath(ctx);
  const p = policyFromPath(ctx, as);
  const now = iso(ctx.now());
  const r: PolicyRuleRecord = {
    id: newId(ctx.state, '0pr'),
    ...readRule(ctx),
    status: ctx.args.status ?? 'ACTIVE',
    priority: (ctx.args.priority ?? p.rules.length + 1) - 0.5,
    created: now,
    lastUpdated: now,
  };
  p.rules.push(r);
  renumber(p.rules);
  return new Reply(201, ruleView(ctx, as, p, r));
}

function ruleFromPath(ctx: OktaContext<unknown>, p: PolicyRecord): PolicyRuleRecord {
  const r = p.rules.find((x) => x.id === ctx.params.ruleId);
  if (!r) throw notFound(ctx.params.ruleId, 'PolicyRule');
  return r;
}

export function getAuthorizationServerPolicyRule(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  const p = policyFromPath(ctx, as);
  return ruleView(ctx, as, p, ruleFromPath(ctx, p));
}

export function replaceAuthorizationServerPolicyRule(ctx: OktaContext<RuleArgs>): unknown {
  const as = serverFromPath(ctx);
  const p = policyFromPath(ctx, as);
  const r = ruleFromPath(ctx, p);
  Object.assign(r, readRule(ctx), { lastUpdated: iso(ctx.now()) });
  if (ctx.args.status) r.status = ctx.args.status;
  if (typeof ctx.args.priority === 'number') {
    r.priority = ctx.args.priority - 0.5;
    renumber(p.rules);
  }
  return ruleView(ctx, as, p, r);
}

export function deleteAuthorizationServerPolicyRule(ctx: OktaContext): unknown {
  const as = serverFromPath(ctx);
  const p = policyFromPath(ctx, as);
  const r = ruleFromPath(ctx, p);
  p.rules = p.rules.filter((x) => x !== r);
  renumber(p.rules);
  return NO_CONTENT;
}

function ruleStatus(ctx: OktaContext, status: PolicyRuleRecord['status']): unknown {
  const as = serverFromPath(ctx);
  ruleFromPath(ctx, policyFromPath(ctx, as)).status = status;
  return NO_CONTENT;
}
export const activateAuthorizationServerPolicyRule = (ctx: OktaContext) => ruleStatus(ctx, 'ACTIVE');
export const deactivateAuthorizationServerPolicyRule = (ctx: OktaContext) => ruleStatus(ctx, 'INACTIVE');

// ---- Evaluation (asked by the token and authorize endpoints of custom servers) ----

export type PolicyDecision =
  | { ok: true; rule: PolicyRuleRecord }
  | { ok: false; error: 'invalid_scope' | 'access_denied'; description: string };

/**
 * Okta's access policy evaluation for a request to custom server `serverId`: the first ACTIVE
 * policy (by priority) naming the client (or ALL_CLIENTS), then its first ACTIVE rule whose grant
 * type, people and scopes cover the request. A scope the server does not know: invalid_scope; no
 * rule granting every requested scope: access_denied.
 */
export function evaluatePolicy(
  state: OktaState,
  serverId: string,
  clientId: string,
  grantType: string,
  scopes: string[],
  userId: string | undefined,
): PolicyDecision {
  const as = state.authServers.get(serverId);
  if (!as)
    return {
      ok: false,
      error: 'access_denied',
      description: 'Policy evaluation failed for this request, please check the policy configurations.',
    };
  const known = new Set([...SYSTEM_SCOPES, 'groups', ...as.scopes]);
  const unknown = scopes.filter((s) => !known.has(s));
  if (unknown.length > 0)
    return {
      ok: false,
      error: 'invalid_scope',
      description: `One or more scopes are not configured for the authorization server resource. (${unknown.join(', ')})`,
    };
  const policies = [...policiesOf(state, as)].sort((a, b) => a.priority - b.priority);
  const userGroups = userId ? new Set(groupsOf(state, userId).map((g) => g.id)) : new Set<string>();
  for (const p of policies) {
    if (p.status !== 'ACTIVE' || !(p.clients.includes('ALL_CLIENTS') || p.clients.includes(clientId))) continue;
    for (const r of [...p.rules].sort((a, b) => a.priority - b.priority)) {
      if (r.status !== 'ACTIVE' || !r.grantTypes.includes(grantType)) continue;
      if (userId && !(r.groups.includes('EVERYONE') || r.users.includes(userId) || r.groups.some((g) => userGroups.has(g)))) continue;
      if (!r.scopes.includes('*') && !scopes.every((s) => r.scopes.includes(s) || s === 'openid')) continue;
      return { ok: true, rule: r };
    }
    // Okta evaluates the first matching policy only.
    break;
  }
  return {
    ok: false,
    error: 'access_denied',
    description: 'Policy evaluation failed for this request, please check the policy configurations.',
  };
}
