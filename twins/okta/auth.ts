// How Okta reads a request's credentials: SSWS API tokens and org-authorization-server access tokens with okta.* scopes, and the headers every answer carries.

import type { OperationSpec } from '../../src/kernel/openapi.ts';
import type { AuthContext, AuthResult, FinishInfo, Tenant, TwinResponse } from '../../src/kernel/types.ts';
import { invalidSession, invalidToken, noPermission, retryAfterOf } from './errors.ts';
import { type OktaState, randomToken } from './store.ts';

/** Who is calling. `none` for the endpoints Okta serves without credentials (discovery, keys, sign-in). */
export interface OktaPrincipal {
  kind: 'ssws' | 'oauth' | 'none';
  /** The admin an SSWS token acts as, or the token's `uid`. */
  userId?: string;
  /** The OAuth client a Bearer token was issued to. */
  clientId?: string;
  /** The `okta.*` scopes of a Bearer token; SSWS tokens are not scoped (they act as their admin). */
  scopes: string[];
}

const NONE: OktaPrincipal = { kind: 'none', scopes: [] };

/** The scopes an operation accepts from a Bearer token (`x-okta-scopes`; any one will do). */
export function operationScopes(op: OperationSpec): string[] {
  const s = op.extensions['x-okta-scopes'];
  return Array.isArray(s) ? (s as string[]) : [];
}

/**
 * Verifies a Bearer access token for the management API: the org authorization server's token
 * of this tenant, or undefined. Set by the OIDC layer (oidc.ts) when it is loaded.
 */
export type BearerVerifier = (
  token: string,
  ctx: AuthContext<OktaState>,
) => { tenant: Tenant<OktaState>; userId?: string; clientId: string; scopes: string[] } | undefined;

let bearerVerifier: BearerVerifier | undefined;

/** Install the verifier of org-server access tokens (the OIDC layer does, once). */
export function setBearerVerifier(v: BearerVerifier): void {
  bearerVerifier = v;
}

/**
 * Okta's authentication: `Authorization: SSWS <token>` (an API token of an ACTIVE admin) or
 * `Bearer <access token>` from this org's own authorization server carrying one of the
 * operation's `okta.*` scopes. A missing header is 403 E0000005; an unknown token, another
 * scheme word or a custom server's token 401 E0000011; a token without the scope 403 E0000006.
 */
export function authenticateOkta(ctx: AuthContext<OktaState>): AuthResult<OktaState, OktaPrincipal> {
  if (ctx.op.extensions['x-okta-auth'] === 'none') return { tenant: ctx.defaultTenant(), principal: NONE };
  const header = ctx.req.headers.authorization;
  if (!header || !header.trim()) throw invalidSession();
  const m = /^(\S+)\s+(\S+)\s*$/.exec(header);
  if (!m) throw invalidToken();
  const [, scheme, credential] = m;
  if (scheme === 'SSWS') {
    const tenant = ctx.tenantFor(credential);
    const token = tenant?.state.apiTokens.get(credential);
    if (!tenant || !token) throw invalidToken();
    const admin = tenant.state.users.get(token.userId);
    // A token dies with its admin (Okta revokes the tokens of a deactivated admin).
    if (!admin || admin.status === 'DEPROVISIONED' || admin.status === 'SUSPENDED') throw invalidToken().inTenant(tenant);
    return { tenant, principal: { kind: 'ssws', userId: token.userId, scopes: [] } };
  }
  if (scheme === 'Bearer') {
    const verified = bearerVerifier?.(credential, ctx);
    if (!verified) throw invalidToken();
    const needed = operationScopes(ctx.op);
    if (needed.length > 0 && !needed.some((s) => verified.scopes.includes(s))) {
      const err = noPermission();
      err.response.headers['www-authenticate'] =
        `Bearer authorization_uri="${ctx.req.baseUrl}/oauth2/v1/authorize", realm="${ctx.req.baseUrl}", scope="${needed.join(' ')}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${ctx.req.path}"`;
      throw err.inTenant(verified.tenant);
    }
    return {
      tenant: verified.tenant,
      principal: { kind: 'oauth', userId: verified.userId, clientId: verified.clientId, scopes: verified.scopes },
    };
  }
  throw invalidToken();
}

/** Per-minute limits of Okta's endpoint buckets (the org defaults the twin uses), by `x-twin-rate-limit` name. */
export const OKTA_RATE_LIMITS = {
  users: { perMinute: 600, burst: 600 },
  'users-create': { perMinute: 600, burst: 600 },
  groups: { perMinute: 500, burst: 500 },
  apps: { perMinute: 100, burst: 100 },
  'authorization-servers': { perMinute: 100, burst: 100 },
  'group-rules': { perMinute: 100, burst: 100 },
  logs: { perMinute: 120, burst: 120 },
  'event-hooks': { perMinute: 100, burst: 100 },
  oauth: { perMinute: 2000, burst: 2000 },
  authn: { perMinute: 600, burst: 600 },
};

/** What the answers say when no bucket applies (limits off, or an endpoint without one): a limit no one meets. */
const HIGH = 10_000;

/**
 * Okta's headers on every answer, errors included: `X-Rate-Limit-Limit`, `-Remaining` (counting
 * down in the request's bucket) and `-Reset` (epoch seconds), `X-Okta-Request-Id` and a `Date` on
 * the tenant's clock (okta-sdk-nodejs waits `Reset − Date + 1 s` after a 429).
 */
export function finishOktaResponse(res: TwinResponse, info: FinishInfo<OktaState>): void {
  const clockOf = info.tenant ?? info.urlTenant;
  const now = clockOf ? clockOf.clock.now() : Date.now();
  const h = res.headers;
  const rl = info.rateLimit;
  const wait = retryAfterOf.get(res);
  let limit = HIGH;
  let remaining = HIGH - 1;
  let resetMs = now + 60_000;
  if (rl) {
    limit = rl.perMinute;
    remaining = rl.remaining;
    resetMs = rl.resetAtMs;
  }
  if (res.status === 429) {
    remaining = 0;
    resetMs = now + Math.max(1, wait ?? 1) * 1000;
  }
  h['x-rate-limit-limit'] = String(limit);
  h['x-rate-limit-remaining'] = String(Math.max(0, remaining));
  h['x-rate-limit-reset'] = String(Math.ceil(resetMs / 1000));
  h['x-okta-request-id'] = randomToken(15);
  h.date = new Date(now).toUTCString();
}
