// An Okta org's state: people, groups and the System Log, kept in Maps keyed by id, with Okta's object shapes and Link headers built from it.

import { hash, randomBytes } from 'node:crypto';
import type { SecretFormat } from '../../src/kernel/secrets.ts';

/** A Map whose JSON is a plain object (snapshots), rebuilt as a Map on restore; caller-chosen keys stay ordinary keys. */
export class IdMap<V> extends Map<string, V> {
  toJSON(): Record<string, V> {
    const out = Object.create(null) as Record<string, V>;
    for (const [k, v] of this) out[k] = v;
    return out;
  }

  /** Rebuild from a snapshot's object (own keys only, so `__proto__` is just a key). */
  static from<V>(json: unknown, what: string): IdMap<V> {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TypeError(`${what} must be an object`);
    return new IdMap<V>(Object.entries(json as Record<string, V>));
  }
}

export type UserStatus =
  | 'STAGED'
  | 'PROVISIONED'
  | 'ACTIVE'
  | 'RECOVERY'
  | 'PASSWORD_EXPIRED'
  | 'LOCKED_OUT'
  | 'SUSPENDED'
  | 'DEPROVISIONED';

/** A person in the org, as the twin keeps them (the wire shape is `userView`). */
export interface UserRecord {
  id: string;
  status: UserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  /** Profile attributes as sent; read with `profileValue` (own keys only). */
  profile: Record<string, unknown>;
  /** Never echoed; absent for people without a password. */
  password?: string;
  recoveryQuestion?: { question: string; answer: string };
  provider: { type: string; name: string };
  /** Wrong passwords in a row; the org locks the person out at `LOCKOUT_ATTEMPTS`. */
  failedLogins: number;
  /** Administrator roles (the seeded super admin has SUPER_ADMIN). */
  roles?: string[];
}

export interface GroupRecord {
  id: string;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  type: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  profile: { name: string; description: string | null };
  /** Member user ids, in the order they joined. */
  members: string[];
}

/** Okta's LogEvent, trimmed to what the twin fills in. */
export interface LogEvent {
  uuid: string;
  published: string;
  eventType: string;
  version: '0';
  severity: 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';
  legacyEventType: string | null;
  displayMessage: string;
  actor: LogActor;
  client: { userAgent: { rawUserAgent: string | null } | null; ipAddress: string | null; zone: string | null };
  outcome: { result: 'SUCCESS' | 'FAILURE' | 'SKIPPED' | 'ALLOW' | 'DENY' | 'CHALLENGE' | 'UNKNOWN'; reason: string | null };
  target: LogActor[];
  transaction: { type: 'WEB' | 'JOB'; id: string; detail: Record<string, unknown> };
  debugContext: { debugData: Record<string, unknown> };
  authenticationContext: { authenticationStep: number; externalSessionId: string | null };
  securityContext: Record<string, unknown>;
  request: { ipChain: { ip: string }[] };
  /** Persistence order; the cursor of polling queries. Not part of Okta's shape: dropped on the wire. */
  seq: number;
}

export interface LogActor {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry?: Record<string, unknown> | null;
}

/** An OIDC app and its OAuth client (the wire shape is built by operations/apps.ts). */
export interface AppRecord {
  id: string;
  name: 'oidc_client';
  label: string;
  status: 'ACTIVE' | 'INACTIVE';
  created: string;
  lastUpdated: string;
  appType: 'web' | 'browser' | 'service' | 'native';
  clientId: string;
  clientSecret?: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  /** Public keys for private_key_jwt. */
  jwks?: { keys: Record<string, unknown>[] };
  /** The seeded service app's key lives in the org's runtime (keys.ts), not in the state. */
  runtimeKey?: boolean;
  /** `okta.*` scopes granted to the app on the org authorization server. */
  grantedScopes: string[];
  /** People and groups assigned: only they may sign in to the app. */
  users: string[];
  groups: string[];
}

/** An authorization server: `default` (seeded) or one made through the API. The org server is implicit. */
export interface AuthServerRecord {
  id: string;
  name: string;
  description: string;
  audiences: string[];
  status: 'ACTIVE' | 'INACTIVE';
  created: string;
  lastUpdated: string;
  /** Scopes it knows besides the OIDC ones (names; kept in step with `scopeDefs`). */
  scopes: string[];
  /** Custom scopes made through the API (absent on servers seeded before the API existed). */
  scopeDefs?: ScopeRecord[];
  claims?: ClaimRecord[];
  /** Access policies; absent means the seeded default policy (every client, every scope), made on first use. */
  policies?: PolicyRecord[];
}

export interface ScopeRecord {
  id: string;
  name: string;
  displayName: string | null;
  description: string | null;
  consent: 'IMPLICIT' | 'REQUIRED' | 'FLEXIBLE';
  default: boolean;
  metadataPublish: 'ALL_CLIENTS' | 'NO_CLIENTS';
  system: boolean;
}

export interface ClaimRecord {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  claimType: 'RESOURCE' | 'IDENTITY';
  valueType: 'EXPRESSION' | 'GROUPS';
  value: string;
  group_filter_type?: 'STARTS_WITH' | 'EQUALS' | 'CONTAINS' | 'REGEX';
  alwaysIncludeInToken: boolean;
  /** Only when one of these scopes is granted (empty: always). */
  scopes: string[];
  system: boolean;
}

export interface PolicyRuleRecord {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  created: string;
  lastUpdated: string;
  /** Group ids, or `EVERYONE`. */
  groups: string[];
  users: string[];
  grantTypes: string[];
  /** Scope names, or `*`. */
  scopes: string[];
  accessTokenLifetimeMinutes: number;
  refreshTokenLifetimeMinutes: number;
  refreshTokenWindowMinutes: number;
}

export interface PolicyRecord {
  id: string;
  name: string;
  description: string;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  created: string;
  lastUpdated: string;
  /** Client ids, or `ALL_CLIENTS`. */
  clients: string[];
  rules: PolicyRuleRecord[];
}

/** A group rule: people whose profile matches `expression` are put in `groupIds` while it is ACTIVE. */
export interface GroupRuleRecord {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE' | 'INVALID';
  created: string;
  lastUpdated: string;
  expression: string;
  groupIds: string[];
  excludeUsers: string[];
  /** People the rule itself put in its groups (they leave when they stop matching). */
  assigned: string[];
}

/** An event hook: where the org POSTs its System Log events. */
export interface EventHookRecord {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  verificationStatus: 'UNVERIFIED' | 'VERIFIED';
  created: string;
  lastUpdated: string;
  createdBy: string;
  events: { type: 'EVENT_TYPE'; items: string[]; filter?: unknown };
  channel: {
    type: 'HTTP';
    version: string;
    config: {
      uri: string;
      method?: string;
      headers: { key: string; value: string }[];
      authScheme: { type: string; key: string; value: string } | null;
    };
  };
}

export interface OktaState {
  org: { id: string; name: string; subdomain: string };
  /** Ids are drawn from this seed and counter, so the same seed gives the same ids in the same order. */
  idSeed: string;
  idCounter: number;
  users: IdMap<UserRecord>;
  groups: IdMap<GroupRecord>;
  /** SSWS API tokens → the admin they act as. */
  apiTokens: IdMap<{ userId: string; name: string }>;
  apps: IdMap<AppRecord>;
  authServers: IdMap<AuthServerRecord>;
  eventHooks: IdMap<EventHookRecord>;
  /** Group rules (absent in orgs seeded before they existed; made on first use). */
  groupRules?: IdMap<GroupRuleRecord>;
  logs: LogEvent[];
  logSeq: number;
  /** The seeded people an app's env names. */
  testUserId: string;
  adminUserId: string;
}

/** What each kind of secret looks like (SSWS tokens: 42 characters starting `00`). */
export const OKTA_SECRET_FORMATS: Record<string, SecretFormat> = {
  'api-token': '00{a40}',
  'test-password': 'Tw1n!{a20}',
  'client-id': '0oa{a17}',
  'client-secret': '{a40}',
  'service-client-id': '0oa{a17}',
};

/** Wrong passwords in a row before the person is LOCKED_OUT (Okta's default password policy: 10). */
export const LOCKOUT_ATTEMPTS = 10;
/** How many System Log events an org keeps (oldest dropped first). */
export const LOG_RETENTION = 200_000;

const ALNUM = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

const ALNUM_CODES = Buffer.from(ALNUM, 'latin1');
const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
/** Where ids are spelled before becoming one flat string (one allocation each: ids live as long as the org). */
const scratch = Buffer.alloc(64);

/** The next id of `prefix` (`00u` people, `00g` groups, `0oa` apps…): 20 characters, repeatable for a seed. */
export function newId(state: OktaState, prefix: string): string {
  const digest = hash('sha256', `${state.idSeed}:${state.idCounter++}`, 'buffer');
  if (prefix.length >= 20) return prefix;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    if (c > 0x7f) {
      let out = prefix;
      for (let d = 0; out.length < 20; d++) out += ALNUM[digest[d] % ALNUM.length];
      return out;
    }
    scratch[i] = c;
  }
  for (let i = prefix.length, d = 0; i < 20; i++, d++) scratch[i] = ALNUM_CODES[digest[d] % ALNUM.length];
  return scratch.toString('latin1', 0, 20);
}

/** A uuid derived like ids (System Log events, hook deliveries): 8-4-4-4-12 hex digits, version 4, variant `a`. */
export function newUuid(state: OktaState): string {
  const digest = hash('sha256', `${state.idSeed}:uuid:${state.idCounter++}`, 'buffer');
  // The hex digits of the digest's first 16 bytes at their places (13 and 17 become the version and variant).
  let at = 0;
  for (let nibble = 0; nibble < 32; nibble++) {
    if (nibble === 8 || nibble === 12 || nibble === 16 || nibble === 20) scratch[at++] = 0x2d;
    const byte = digest[nibble >> 1];
    const v = nibble & 1 ? byte & 0x0f : byte >> 4;
    scratch[at++] = nibble === 12 ? 0x34 : nibble === 16 ? 0x61 : HEX_CODES[v];
  }
  return scratch.toString('latin1', 0, 36);
}

let randomPool = Buffer.alloc(0);
let randomAt = 0;

/** `bytes` random bytes as base64url, cut from a pool refilled 4 KB at a time (one call per answer is too slow alone). */
export function randomToken(bytes: number): string {
  if (randomAt + bytes > randomPool.length) {
    randomPool = randomBytes(Math.max(4096, bytes));
    randomAt = 0;
  }
  randomAt += bytes;
  return randomPool.toString('base64url', randomAt - bytes, randomAt);
}

let lastIsoMs = Number.NaN;
let lastIso = '';

/** Okta's timestamps: ISO 8601 with milliseconds and `Z` (the last one kept: a request stamps several things at one instant). */
export function iso(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/** A profile attribute, own keys only (`constructor` is an unknown attribute, not Object's). */
export function profileValue(profile: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(profile, key) ? profile[key] : undefined;
}

// ---- Indexes derived from the state (never serialised; rebuilt after a restore) ----

interface Indexes {
  /** Lower-cased login → user id. */
  byLogin: Map<string, string>;
  /** Lower-cased group name → group ids (Okta allows duplicate names across types). */
  sortedUserIds?: string[];
  sortedGroupIds?: string[];
}

const indexes = new WeakMap<OktaState, Indexes>();

function indexesOf(state: OktaState): Indexes {
  let ix = indexes.get(state);
  if (!ix) {
    ix = { byLogin: new Map() };
    for (const u of state.users.values()) {
      const login = profileValue(u.profile, 'login');
      if (typeof login === 'string') ix.byLogin.set(login.toLowerCase(), u.id);
    }
    indexes.set(state, ix);
  }
  return ix;
}

/** A person by id or login (Okta's `{userId}` accepts both). */
export function findUser(state: OktaState, idOrLogin: string): UserRecord | undefined {
  const byId = state.users.get(idOrLogin);
  if (byId) return byId;
  const id = indexesOf(state).byLogin.get(idOrLogin.toLowerCase());
  return id === undefined ? undefined : state.users.get(id);
}

/** The user id owning a login, if any. */
export function loginOwner(state: OktaState, login: string): string | undefined {
  return indexesOf(state).byLogin.get(login.toLowerCase());
}

export function putUser(state: OktaState, user: UserRecord, previousLogin?: string): void {
  const ix = indexesOf(state);
  if (!state.users.has(user.id)) ix.sortedUserIds = undefined;
  if (previousLogin !== undefined) ix.byLogin.delete(previousLogin.toLowerCase());
  state.users.set(user.id, user);
  const login = profileValue(user.profile, 'login');
  if (typeof login === 'string') ix.byLogin.set(login.toLowerCase(), user.id);
}

export function removeUser(state: OktaState, user: UserRecord): void {
  const ix = indexesOf(state);
  state.users.delete(user.id);
  const login = profileValue(user.profile, 'login');
  if (typeof login === 'string' && ix.byLogin.get(login.toLowerCase()) === user.id) ix.byLogin.delete(login.toLowerCase());
  ix.sortedUserIds = undefined;
  for (const g of state.groups.values()) listRemove(g.members, user.id);
}

export function putGroup(state: OktaState, group: GroupRecord): void {
  const ix = indexesOf(state);
  if (!state.groups.has(group.id)) ix.sortedGroupIds = undefined;
  state.groups.set(group.id, group);
}

export function removeGroup(state: OktaState, id: string): void {
  state.groups.delete(id);
  indexesOf(state).sortedGroupIds = undefined;
}

/** User ids in cursor order (by id, so `after=<id>` survives deletions between pages). */
export function sortedUserIds(state: OktaState): string[] {
  const ix = indexesOf(state);
  ix.sortedUserIds ??= [...state.users.keys()].sort(compareIds);
  return ix.sortedUserIds;
}

export function sortedGroupIds(state: OktaState): string[] {
  const ix = indexesOf(state);
  ix.sortedGroupIds ??= [...state.groups.keys()].sort(compareIds);
  return ix.sortedGroupIds;
}

// ---- Id lists with a Set beside them (group members, the people a rule assigned) ----
// The arrays stay the state (ordered, serialisable); the Set answers "is X in it" in O(1). A list changed behind
// these helpers' back (a push, a splice, a new array) is noticed by its length or identity, and its Set rebuilt.

const listSets = new WeakMap<string[], Set<string>>();

function setOf(list: string[]): Set<string> {
  let set = listSets.get(list);
  if (!set || set.size !== list.length) {
    set = new Set(list);
    listSets.set(list, set);
  }
  return set;
}

/** Whether `id` is in `list`. */
export function listHas(list: string[], id: string): boolean {
  return setOf(list).has(id);
}

/** Append `id` unless it is there already; false when it was. */
export function listAdd(list: string[], id: string): boolean {
  const set = setOf(list);
  if (set.has(id)) return false;
  list.push(id);
  set.add(id);
  return true;
}

/** Take `id` out of `list`; false when it was not in it. */
export function listRemove(list: string[], id: string): boolean {
  const set = setOf(list);
  if (!set.has(id)) return false;
  set.delete(id);
  const i = list.indexOf(id);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

/** Byte order, the same in every locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The groups a person belongs to, in group-id order. */
export function groupsOf(state: OktaState, userId: string): GroupRecord[] {
  const out: GroupRecord[] = [];
  for (const id of sortedGroupIds(state)) {
    const g = state.groups.get(id) as GroupRecord;
    if (listHas(g.members, userId)) out.push(g);
  }
  return out;
}

// ---- Wire shapes ----

const LINKS_BY_STATUS: Record<UserStatus, string[]> = {
  STAGED: ['activate', 'deactivate'],
  PROVISIONED: ['reactivate', 'deactivate', 'resetPassword'],
  ACTIVE: ['suspend', 'resetPassword', 'expirePassword', 'forgotPassword', 'changeRecoveryQuestion', 'deactivate', 'changePassword'],
  RECOVERY: ['reactivate', 'deactivate', 'resetPassword'],
  PASSWORD_EXPIRED: ['suspend', 'resetPassword', 'deactivate'],
  LOCKED_OUT: ['unlock', 'resetPassword', 'deactivate'],
  SUSPENDED: ['unsuspend', 'deactivate'],
  DEPROVISIONED: ['activate'],
};

const LINK_PATHS: Record<string, { path: string; method: string }> = {
  activate: { path: 'lifecycle/activate', method: 'POST' },
  reactivate: { path: 'lifecycle/reactivate', method: 'POST' },
  deactivate: { path: 'lifecycle/deactivate', method: 'POST' },
  suspend: { path: 'lifecycle/suspend', method: 'POST' },
  unsuspend: { path: 'lifecycle/unsuspend', method: 'POST' },
  unlock: { path: 'lifecycle/unlock', method: 'POST' },
  resetPassword: { path: 'lifecycle/reset_password', method: 'POST' },
  expirePassword: { path: 'lifecycle/expire_password', method: 'POST' },
  forgotPassword: { path: 'credentials/forgot_password', method: 'POST' },
  changeRecoveryQuestion: { path: 'credentials/change_recovery_question', method: 'POST' },
  changePassword: { path: 'credentials/change_password', method: 'POST' },
};

/** A person as Okta answers: credentials without secrets, lifecycle links that depend on the status, absolute on `baseUrl`. */
export function userView(user: UserRecord, baseUrl: string): Record<string, unknown> {
  const self = `${baseUrl}/api/v1/users/${user.id}`;
  const links: Record<string, unknown> = {};
  for (const name of LINKS_BY_STATUS[user.status]) {
    const l = LINK_PATHS[name];
    links[name] = { href: `${self}/${l.path}`, method: l.method };
  }
  links.self = { href: self };
  links.type = { href: `${baseUrl}/api/v1/meta/types/user/oty1default00000000` };
  const credentials: Record<string, unknown> = {};
  if (user.password !== undefined) credentials.password = {};
  if (user.recoveryQuestion) credentials.recovery_question = { question: user.recoveryQuestion.question };
  credentials.provider = user.provider;
  return {
    id: user.id,
    status: user.status,
    created: user.created,
    activated: user.activated,
    statusChanged: user.statusChanged,
    lastLogin: user.lastLogin,
    lastUpdated: user.lastUpdated,
    passwordChanged: user.passwordChanged,
    type: { id: 'oty1default00000000' },
    profile: user.profile,
    credentials,
    _links: links,
  };
}

export function groupView(group: GroupRecord, baseUrl: string): Record<string, unknown> {
  const self = `${baseUrl}/api/v1/groups/${group.id}`;
  return {
    id: group.id,
    created: group.created,
    lastUpdated: group.lastUpdated,
    lastMembershipUpdated: group.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: group.type,
    profile: group.profile,
    _links: {
      logo: [
        { name: 'medium', href: `${baseUrl}/img/logos/groups/okta-medium.png`, type: 'image/png' },
        { name: 'large', href: `${baseUrl}/img/logos/groups/okta-large.png`, type: 'image/png' },
      ],
      users: { href: `${self}/users` },
      apps: { href: `${self}/apps` },
    },
  };
}

/**
 * Okta's `Link` header for a page: `self` always, `next` when there is more (absolute on
 * `baseUrl`, keeping every query parameter but `after`, which becomes the cursor).
 */
export function linkHeader(baseUrl: string, path: string, query: URLSearchParams, next: string | undefined): string {
  const self = `<${baseUrl}${path}${query.size > 0 ? `?${query}` : ''}>; rel="self"`;
  if (next === undefined) return self;
  const q = new URLSearchParams(query);
  q.set('after', next);
  return `${self}, <${baseUrl}${path}?${q}>; rel="next"`;
}

/** The display name of a person, as the System Log shows actors and targets. */
export function displayName(user: UserRecord): string {
  const first = profileValue(user.profile, 'firstName');
  const last = profileValue(user.profile, 'lastName');
  return [first, last].filter((v) => typeof v === 'string' && v).join(' ') || String(profileValue(user.profile, 'login') ?? user.id);
}

export function userActor(user: UserRecord): LogActor {
  return {
    id: user.id,
    type: 'User',
    alternateId: String(profileValue(user.profile, 'login') ?? user.id),
    displayName: displayName(user),
    detailEntry: null,
  };
}

export function groupActor(group: GroupRecord): LogActor {
  return { id: group.id, type: 'UserGroup', alternateId: 'unknown', displayName: group.profile.name, detailEntry: null };
}

// System Log events are kept as plain LogEvents (their JSON is the snapshot's and the API's), but the parts that
// repeat from event to event (actor, targets, client, outcome, the empty contexts) are one frozen object shared by
// every event with the same JSON, so an event costs its uuid, timestamp and transaction, not a dozen objects.

const EMPTY: Record<string, never> = Object.freeze({}) as Record<string, never>;
const SUCCESS: LogEvent['outcome'] = Object.freeze({ result: 'SUCCESS', reason: null });
const NO_DEBUG_DATA: LogEvent['debugContext'] = Object.freeze({ debugData: EMPTY });
const AUTHENTICATION_CONTEXT: LogEvent['authenticationContext'] = Object.freeze({ authenticationStep: 0, externalSessionId: null });
const NO_TARGET: LogActor[] = Object.freeze([]) as unknown as LogActor[];
const NO_REQUEST: LogEvent['request'] = Object.freeze({ ipChain: Object.freeze([]) as unknown as { ip: string }[] });
/** Shared parts kept per org, by kind; past this many a table starts afresh (events keep what they hold). */
const SHARED_MAX = 20_000;

interface SharedTables {
  /** Actors by id (the latest shape seen for that id). */
  actors: Map<string, LogActor>;
  /** Target lists by their actors' ids. */
  targets: Map<string, LogActor[]>;
  /** Clients by IP address, then user agent. */
  clients: Map<string | null, Map<string | null, LogEvent['client']>>;
  requests: Map<string, LogEvent['request']>;
  /** Anything else (outcomes), by kind and JSON. */
  other: Map<string, unknown>;
}

const sharedTables = new WeakMap<OktaState, SharedTables>();

function tablesOf(state: OktaState): SharedTables {
  let t = sharedTables.get(state);
  if (!t) {
    t = { actors: new Map(), targets: new Map(), clients: new Map(), requests: new Map(), other: new Map() };
    sharedTables.set(state, t);
  }
  return t;
}

function remember<K, V>(table: Map<K, V>, key: K, value: V): V {
  if (table.size >= SHARED_MAX) table.clear();
  table.set(key, value);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A frozen copy with the same JSON (the caller's object is left as it is). */
function frozenCopy<T>(value: T): T {
  return deepFreeze(JSON.parse(JSON.stringify(value)) as T);
}

/** Same own keys in the same order with identical values (so the same JSON). */
function sameFlat(a: object, b: object): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || (a as Record<string, unknown>)[ka[i]] !== (b as Record<string, unknown>)[kb[i]]) return false;
  }
  return true;
}

function sharedActor(t: SharedTables, actor: LogActor): LogActor {
  const known = t.actors.get(actor.id);
  if (known && sameFlat(actor, known)) return known;
  const copy = frozenCopy(actor);
  // Only a copy that keeps every key (no undefined values, no non-JSON values) can stand for the next ones.
  return sameFlat(actor, copy) ? remember(t.actors, actor.id, copy) : copy;
}

function sharedTarget(t: SharedTables, target: LogActor[]): LogActor[] {
  const actors = target.map((a) => sharedActor(t, a));
  const key = actors.length === 1 ? actors[0].id : actors.map((a) => a.id).join('\n');
  const known = t.targets.get(key);
  if (known && known.length === actors.length && known.every((a, i) => a === actors[i])) return known;
  return remember(t.targets, key, Object.freeze(actors) as LogActor[]);
}

function sharedClient(t: SharedTables, ip: string | null, userAgent: string | null): LogEvent['client'] {
  let byAgent = t.clients.get(ip);
  if (!byAgent) byAgent = remember(t.clients, ip, new Map());
  return (
    byAgent.get(userAgent) ??
    remember(byAgent, userAgent, deepFreeze({ userAgent: userAgent ? { rawUserAgent: userAgent } : null, ipAddress: ip, zone: 'null' }))
  );
}

function sharedRequest(t: SharedTables, ip: string): LogEvent['request'] {
  return t.requests.get(ip) ?? remember(t.requests, ip, deepFreeze({ ipChain: [{ ip }] }));
}

function sharedOther<T>(t: SharedTables, kind: string, value: T): T {
  const json = JSON.stringify(value);
  const key = kind + json;
  const known = t.other.get(key);
  return (known ?? remember(t.other, key, deepFreeze(JSON.parse(json)))) as T;
}

/** Append a System Log event (and drop the oldest past the retention). Its objects are frozen: events never change. */
export function appendLog(
  state: OktaState,
  now: number,
  e: {
    eventType: string;
    displayMessage: string;
    actor: LogActor;
    target?: LogActor[];
    outcome?: LogEvent['outcome'];
    severity?: LogEvent['severity'];
    legacyEventType?: string | null;
    ip?: string | null;
    userAgent?: string | null;
    debugData?: Record<string, unknown>;
  },
): LogEvent {
  const ip = e.ip ?? null;
  const userAgent = e.userAgent || null;
  const debugData = e.debugData;
  const t = tablesOf(state);
  const event: LogEvent = {
    uuid: newUuid(state),
    published: iso(now),
    eventType: e.eventType,
    version: '0',
    severity: e.severity ?? 'INFO',
    legacyEventType: e.legacyEventType ?? null,
    displayMessage: e.displayMessage,
    actor: sharedActor(t, e.actor),
    client: sharedClient(t, ip, userAgent),
    outcome: e.outcome ? sharedOther(t, 'o', e.outcome) : SUCCESS,
    target: e.target && e.target.length > 0 ? sharedTarget(t, e.target) : NO_TARGET,
    transaction: { type: 'WEB', id: newId(state, 'tx'), detail: EMPTY },
    debugContext: debugData && Object.keys(debugData).length > 0 ? { debugData } : NO_DEBUG_DATA,
    authenticationContext: AUTHENTICATION_CONTEXT,
    securityContext: EMPTY,
    request: ip ? sharedRequest(t, ip) : NO_REQUEST,
    seq: ++state.logSeq,
  };
  Object.freeze(event.transaction);
  state.logs.push(event);
  if (state.logs.length > LOG_RETENTION) state.logs.splice(0, state.logs.length - LOG_RETENTION);
  for (const listener of logListeners.get(state) ?? []) listener(event);
  return event;
}

const logListeners = new WeakMap<OktaState, ((e: LogEvent) => void)[]>();

/** Call `fn` for every event appended to this state's log from now on (event hooks). */
export function onLog(state: OktaState, fn: (e: LogEvent) => void): void {
  const list = logListeners.get(state) ?? [];
  list.push(fn);
  logListeners.set(state, list);
}

/** A LogEvent as Okta sends it (without the twin's sequence number). */
export function logView(e: LogEvent): Omit<LogEvent, 'seq'> {
  const { seq: _seq, ...rest } = e;
  return rest;
}

/** Rebuild a state from a snapshot's JSON: Maps from objects, everything else as is. */
export function restoreOktaState(json: unknown): OktaState {
  if (!json || typeof json !== 'object') throw new TypeError('the state must be an object');
  const j = json as Record<string, unknown>;
  if (!Array.isArray(j.logs)) throw new TypeError('logs must be an array');
  for (const key of ['idSeed', 'testUserId', 'adminUserId'] as const)
    if (typeof j[key] !== 'string') throw new TypeError(`${key} must be a string`);
  if (typeof j.idCounter !== 'number' || typeof j.logSeq !== 'number') throw new TypeError('idCounter and logSeq must be numbers');
  return {
    ...(j as unknown as OktaState),
    users: IdMap.from<UserRecord>(j.users, 'users'),
    groups: IdMap.from<GroupRecord>(j.groups, 'groups'),
    apiTokens: IdMap.from(j.apiTokens, 'apiTokens'),
    apps: IdMap.from<AppRecord>(j.apps, 'apps'),
    authServers: IdMap.from<AuthServerRecord>(j.authServers, 'authServers'),
    eventHooks: IdMap.from<EventHookRecord>(j.eventHooks ?? {}, 'eventHooks'),
    groupRules: IdMap.from<GroupRuleRecord>(j.groupRules ?? {}, 'groupRules'),
  };
}
