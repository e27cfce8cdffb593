// How Jira knows a caller: basic auth (email + API token) names the site and the person; anonymous callers are refused as Jira refuses them.

import type { AuthContext, AuthResult, Tenant } from '../../src/kernel/types.ts';
import { jiraError, notAuthenticated } from './errors.ts';
import type { JiraState, User } from './store.ts';

/** Who is calling: a person of the site, or nobody (anonymous). */
export interface JiraPrincipal {
  accountId: string | null;
}

/** Operations Jira serves to anonymous callers (everything else answers 401 without credentials). */
const ANONYMOUS_OK = new Set(['getServerInfo']);

/** The tenant the door pinned for a per-tenant URL prefix (`/t/<id>/`), if any. */
function pinnedTenant(ctx: AuthContext<JiraState>): Tenant<JiraState> | undefined {
  return ctx.pinnedTenant;
}

/**
 * Basic auth: `base64(email:apiToken)`. The token names the site (the kernel's `tenantFor`) and
 * the email must be the token owner's; anything else is Jira's 401. A bearer token is not a
 * credential this twin issues, so it is a 401 too.
 */
export function authenticateJira(ctx: AuthContext<JiraState>): AuthResult<JiraState, JiraPrincipal> {
  const header = ctx.req.headers.authorization ?? '';
  const pinned = pinnedTenant(ctx);
  if (!header) {
    if (ANONYMOUS_OK.has(ctx.op.operationId)) return { tenant: pinned ?? ctx.defaultTenant(), principal: { accountId: null } };
    throw notAuthenticated();
  }
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) throw clientMustBeAuthenticated();
  let decoded: string;
  try {
    decoded = Buffer.from(m[1], 'base64').toString('utf8');
  } catch {
    throw clientMustBeAuthenticated();
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) throw clientMustBeAuthenticated();
  const email = decoded.slice(0, colon);
  const token = decoded.slice(colon + 1);
  const tenant = ctx.tenantFor(token);
  if (!tenant) throw clientMustBeAuthenticated();
  // A site reached through its own URL prefix accepts only its own people's credentials.
  if (pinned && pinned !== tenant) throw clientMustBeAuthenticated().inTenant(pinned);
  const user = userByToken(tenant.state, token);
  if (!user || user.emailAddress.toLowerCase() !== email.toLowerCase() || !user.active) {
    throw clientMustBeAuthenticated().inTenant(tenant);
  }
  return { tenant, principal: { accountId: user.accountId } };
}

function userByToken(state: JiraState, token: string): User | undefined {
  for (const u of state.users.values()) if (u.apiToken === token) return u;
  return undefined;
}

/** Jira's answer to credentials it does not accept. */
function clientMustBeAuthenticated() {
  return jiraError(401, ['Client must be authenticated to access this resource.']);
}
