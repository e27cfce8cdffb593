// Classic Okta sign-in over the API: /api/v1/authn (username and password → a one-time sessionToken) and the sessions it buys (/api/v1/sessions, /api/v1/sessions/me by the `sid` cookie).

import { randomBytes } from 'node:crypto';
import { notFound, oktaError } from '../errors.ts';
import { log, NO_CONTENT, type OktaContext } from '../render.ts';
import { findUser, iso, LOCKOUT_ATTEMPTS, type OktaState, profileValue, type UserRecord, userActor } from '../store.ts';

/** How long a sessionToken (and a PASSWORD_EXPIRED stateToken) can be used: Okta's authn transactions last 5 minutes. */
const TOKEN_TTL_MS = 5 * 60_000;
/** Okta's default maximum idle time of a session: 2 hours. */
const SESSION_TTL_MS = 2 * 60 * 60_000;

interface PendingToken {
  userId: string;
  expiresAt: number;
}

interface SessionRecord {
  id: string;
  userId: string;
  login: string;
  createdAt: number;
  expiresAt: number;
  lastPasswordVerification: number;
}

interface SessionStore {
  /** sessionToken → who it was issued to; deleted on first use (a token buys one session). */
  tokens: Map<string, PendingToken>;
  sessions: Map<string, SessionRecord>;
}

// Sessions live beside the org's state, not in it: like the authorization servers' sessions they
// hold credentials, never appear in snapshots, and a reset or restore (a new state object) drops them.
const stores = new WeakMap<OktaState, SessionStore>();

function storeOf(state: OktaState): SessionStore {
  let s = stores.get(state);
  if (!s) {
    s = { tokens: new Map(), sessions: new Map() };
    stores.set(state, s);
  }
  return s;
}

/** E0000004, the one answer for every refused sign-in, so it never tells which part was wrong. */
const authenticationFailed = () => oktaError(401, 'E0000004', 'Authentication failed');

function embeddedUser(user: UserRecord): Record<string, unknown> {
  const p = user.profile;
  const str = (k: string) => {
    const v = profileValue(p, k);
    return typeof v === 'string' ? v : null;
  };
  return {
    id: user.id,
    passwordChanged: user.passwordChanged,
    profile: {
      login: str('login') ?? '',
      firstName: str('firstName'),
      lastName: str('lastName'),
      locale: str('locale') ?? 'en',
      timeZone: str('timeZone') ?? 'America/Los_Angeles',
    },
  };
}

function sessionLog(
  ctx: OktaContext<unknown>,
  user: UserRecord | undefined,
  username: string,
  result: 'SUCCESS' | 'FAILURE',
  reason: string | null,
): void {
  log(ctx, {
    eventType: 'user.session.start',
    displayMessage: 'User login to Okta',
    actor: user ? userActor(user) : { id: 'unknown', type: 'User', alternateId: username, displayName: 'Unknown', detailEntry: null },
    outcome: { result, reason },
    legacyEventType: result === 'SUCCESS' ? 'core.user_auth.login_success' : 'core.user_auth.login_failed',
  });
}

/**
 * POST /api/v1/authn: primary authentication. An ACTIVE person with the right password gets
 * SUCCESS and a sessionToken usable once within 5 minutes; a LOCKED_OUT person gets that status;
 * an expired password gets PASSWORD_EXPIRED (a stateToken, no session). Everything else is 401
 * E0000004, and a wrong password of an ACTIVE person counts toward lockout as on the sign-in page.
 *
 * Limitations: no MFA factors, recovery, unlock or password change through the transaction's stateToken; `options` and `context` are accepted and ignored.
 */
export function authenticate(ctx: OktaContext<{ username: string; password: string }>): unknown {
  const { username, password } = ctx.args;
  const user = username ? findUser(ctx.state, username) : undefined;
  // findUser also matches ids; only a login signs in.
  const login = user ? profileValue(user.profile, 'login') : undefined;
  const person = user && typeof login === 'string' && login.toLowerCase() === username.toLowerCase() ? user : undefined;
  const now = ctx.now();
  if (person?.status === 'LOCKED_OUT') {
    sessionLog(ctx, person, username, 'FAILURE', 'LOCKED_OUT');
    return { status: 'LOCKED_OUT' };
  }
  const right = person !== undefined && person.password !== undefined && person.password === password;
  if (!person || !right || (person.status !== 'ACTIVE' && person.status !== 'PASSWORD_EXPIRED')) {
    if (person && !right && person.password !== undefined && person.status === 'ACTIVE') {
      person.failedLogins++;
      if (person.failedLogins >= LOCKOUT_ATTEMPTS) {
        person.status = 'LOCKED_OUT';
        person.statusChanged = iso(now);
        log(ctx, {
          eventType: 'user.account.lock',
          displayMessage: 'Max sign in attempts exceeded',
          actor: userActor(person),
          target: [userActor(person)],
        });
      }
    }
    sessionLog(ctx, person, username, 'FAILURE', 'INVALID_CREDENTIALS');
    throw authenticationFailed();
  }
  person.failedLogins = 0;
  const expiresAt = now + TOKEN_TTL_MS;
  if (person.status === 'PASSWORD_EXPIRED') {
    sessionLog(ctx, person, username, 'FAILURE', 'PASSWORD_EXPIRED');
    return {
      status: 'PASSWORD_EXPIRED',
      stateToken: `00${randomBytes(30).toString('base64url')}`,
      expiresAt: iso(expiresAt),
      _embedded: { user: embeddedUser(person) },
    };
  }
  person.lastLogin = iso(now);
  const sessionToken = `20111${randomBytes(32).toString('base64url')}`;
  const store = storeOf(ctx.state);
  store.tokens.set(sessionToken, { userId: person.id, expiresAt });
  // Forget expired tokens so abandoned ones do not pile up.
  for (const [t, pending] of store.tokens) if (pending.expiresAt <= now) store.tokens.delete(t);
  sessionLog(ctx, person, username, 'SUCCESS', null);
  return { status: 'SUCCESS', sessionToken, expiresAt: iso(expiresAt), _embedded: { user: embeddedUser(person) } };
}

/**
 * Use up a sessionToken: the person it was issued to, if it is known, unused, unexpired and they
 * may still sign in; undefined otherwise. Either way the token is spent (it buys one session).
 */
export function redeemSessionToken(state: OktaState, token: string, now: number): UserRecord | undefined {
  const store = storeOf(state);
  const pending = store.tokens.get(token);
  store.tokens.delete(token);
  const user = pending ? state.users.get(pending.userId) : undefined;
  if (!pending || pending.expiresAt <= now || !user || user.status !== 'ACTIVE') return undefined;
  return user;
}

function sessionView(s: SessionRecord, baseUrl: string): Record<string, unknown> {
  return {
    id: s.id,
    userId: s.userId,
    login: s.login,
    createdAt: iso(s.createdAt),
    expiresAt: iso(s.expiresAt),
    status: 'ACTIVE',
    lastPasswordVerification: iso(s.lastPasswordVerification),
    lastFactorVerification: null,
    amr: ['pwd'],
    idp: { id: '00o0000000000000000', type: 'OKTA' },
    mfaActive: false,
    _links: {
      self: { href: `${baseUrl}/api/v1/sessions/${s.id}`, hints: { allow: ['GET', 'DELETE'] } },
      user: { name: s.login, href: `${baseUrl}/api/v1/users/${s.userId}`, hints: { allow: ['GET'] } },
    },
  };
}

/**
 * POST /api/v1/sessions: exchange a sessionToken for a session (once; an unknown, used or expired
 * token is E0000005). The session's `id` is the value a browser sends as Okta's `sid` cookie.
 */
export function createSession(ctx: OktaContext<{ sessionToken: string }>): unknown {
  const store = storeOf(ctx.state);
  const now = ctx.now();
  const user = redeemSessionToken(ctx.state, ctx.args.sessionToken, now);
  if (!user) throw oktaError(403, 'E0000005', 'Invalid session');
  const login = profileValue(user.profile, 'login');
  const session: SessionRecord = {
    id: `102${randomBytes(16).toString('base64url')}`,
    userId: user.id,
    login: typeof login === 'string' ? login : user.id,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
    lastPasswordVerification: now,
  };
  for (const [id, s] of store.sessions) if (s.expiresAt <= now) store.sessions.delete(id);
  store.sessions.set(session.id, session);
  return sessionView(session, ctx.baseUrl);
}

/** The live session named by the request's `sid` cookie, or E0000007 (Okta's answer without one). */
function currentSession(ctx: OktaContext<unknown>): SessionRecord {
  const sid = cookie(ctx.req.headers.cookie, 'sid');
  const store = storeOf(ctx.state);
  const s = sid === undefined ? undefined : store.sessions.get(sid);
  if (!s || s.expiresAt <= ctx.now()) {
    if (s && sid !== undefined) store.sessions.delete(sid);
    throw notFound('me', 'Session');
  }
  return s;
}

/** A cookie's value from a Cookie header (the first of that name), or undefined. */
function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** GET /api/v1/sessions/me: the session of the `sid` cookie; 404 E0000007 without a live one. */
export function getCurrentSession(ctx: OktaContext): unknown {
  return sessionView(currentSession(ctx), ctx.baseUrl);
}

/** DELETE /api/v1/sessions/me: end the session of the `sid` cookie (204); 404 E0000007 without a live one. */
export function closeCurrentSession(ctx: OktaContext): unknown {
  const s = currentSession(ctx);
  storeOf(ctx.state).sessions.delete(s.id);
  const user = ctx.state.users.get(s.userId);
  if (user) log(ctx, { eventType: 'user.session.end', displayMessage: 'User logout from Okta', actor: userActor(user) });
  return NO_CONTENT;
}
