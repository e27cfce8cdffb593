// The Okta twin: its contract, org state, management API and (when loaded) authorization servers wired into one TwinDefinition.

import { loadOpenApi, type OpenApiDocument } from '../../src/kernel/openapi.ts';
import type { OperationHandler, RateLimitRule, TwinDefinition } from '../../src/kernel/types.ts';
import { authenticateOkta, finishOktaResponse, OKTA_RATE_LIMITS, type OktaPrincipal, setBearerVerifier } from './auth.ts';
import { oktaControlRoutes } from './control.ts';
import { renderOktaError } from './errors.ts';
import { inspectOkta } from './inspect.ts';
import { attachRuntime, serviceKey } from './keys.ts';
import * as oidc from './oidc.ts';
import * as apps from './operations/apps.ts';
import * as authServers from './operations/authorization-servers.ts';
import * as hooks from './operations/event-hooks.ts';
import * as groupRules from './operations/group-rules.ts';
import * as groups from './operations/groups.ts';
import * as logs from './operations/logs.ts';
import * as sessions from './operations/sessions.ts';
import * as users from './operations/users.ts';
import { respondOkta } from './render.ts';
import { seedOktaState } from './seed.ts';
import { OKTA_SECRET_FORMATS, type OktaState, profileValue, restoreOktaState } from './store.ts';

export type { OktaPrincipal } from './auth.ts';
export type { OktaState } from './store.ts';

// Handlers declare their own argument types; the kernel validated them against the contract.
type AnyHandler = (ctx: never) => unknown;

/** operationId → handler. */
const handlers: Record<string, AnyHandler> = {
  listUsers: users.listUsers,
  createUser: users.createUser,
  getUser: users.getUser,
  updateUser: users.updateUser,
  replaceUser: users.replaceUser,
  deleteUser: users.deleteUser,
  activateUser: users.activateUser,
  reactivateUser: users.reactivateUser,
  deactivateUser: users.deactivateUser,
  suspendUser: users.suspendUser,
  unsuspendUser: users.unsuspendUser,
  unlockUser: users.unlockUser,
  expirePassword: users.expirePassword,
  resetPassword: users.resetPassword,
  listUserGroups: users.listUserGroups,
  listAppLinks: apps.listAppLinks,
  listApplications: apps.listApplications,
  createApplication: apps.createApplication,
  getApplication: apps.getApplication,
  replaceApplication: apps.replaceApplication,
  deleteApplication: apps.deleteApplication,
  activateApplication: apps.activateApplication,
  deactivateApplication: apps.deactivateApplication,
  listApplicationUsers: apps.listApplicationUsers,
  assignUserToApplication: apps.assignUserToApplication,
  getApplicationUser: apps.getApplicationUser,
  unassignUserFromApplication: apps.unassignUserFromApplication,
  listApplicationGroupAssignments: apps.listApplicationGroupAssignments,
  assignGroupToApplication: apps.assignGroupToApplication,
  getApplicationGroupAssignment: apps.getApplicationGroupAssignment,
  unassignApplicationFromGroup: apps.unassignApplicationFromGroup,
  listAuthorizationServers: authServers.listAuthorizationServers,
  createAuthorizationServer: authServers.createAuthorizationServer,
  getAuthorizationServer: authServers.getAuthorizationServer,
  replaceAuthorizationServer: authServers.replaceAuthorizationServer,
  deleteAuthorizationServer: authServers.deleteAuthorizationServer,
  activateAuthorizationServer: authServers.activateAuthorizationServer,
  deactivateAuthorizationServer: authServers.deactivateAuthorizationServer,
  listAuthorizationServerKeys: authServers.listAuthorizationServerKeys,
  listOAuth2Scopes: authServers.listOAuth2Scopes,
  createOAuth2Scope: authServers.createOAuth2Scope,
  getOAuth2Scope: authServers.getOAuth2Scope,
  replaceOAuth2Scope: authServers.replaceOAuth2Scope,
  deleteOAuth2Scope: authServers.deleteOAuth2Scope,
  listOAuth2Claims: authServers.listOAuth2Claims,
  createOAuth2Claim: authServers.createOAuth2Claim,
  getOAuth2Claim: authServers.getOAuth2Claim,
  replaceOAuth2Claim: authServers.replaceOAuth2Claim,
  deleteOAuth2Claim: authServers.deleteOAuth2Claim,
  listAuthorizationServerPolicies: authServers.listAuthorizationServerPolicies,
  createAuthorizationServerPolicy: authServers.createAuthorizationServerPolicy,
  getAuthorizationServerPolicy: authServers.getAuthorizationServerPolicy,
  replaceAuthorizationServerPolicy: authServers.replaceAuthorizationServerPolicy,
  deleteAuthorizationServerPolicy: authServers.deleteAuthorizationServerPolicy,
  activateAuthorizationServerPolicy: authServers.activateAuthorizationServerPolicy,
  deactivateAuthorizationServerPolicy: authServers.deactivateAuthorizationServerPolicy,
  listAuthorizationServerPolicyRules: authServers.listAuthorizationServerPolicyRules,
  createAuthorizationServerPolicyRule: authServers.createAuthorizationServerPolicyRule,
  getAuthorizationServerPolicyRule: authServers.getAuthorizationServerPolicyRule,
  replaceAuthorizationServerPolicyRule: authServers.replaceAuthorizationServerPolicyRule,
  deleteAuthorizationServerPolicyRule: authServers.deleteAuthorizationServerPolicyRule,
  activateAuthorizationServerPolicyRule: authServers.activateAuthorizationServerPolicyRule,
  deactivateAuthorizationServerPolicyRule: authServers.deactivateAuthorizationServerPolicyRule,
  listGroupRules: groupRules.listGroupRules,
  createGroupRule: groupRules.createGroupRule,
  getGroupRule: groupRules.getGroupRule,
  replaceGroupRule: groupRules.replaceGroupRule,
  deleteGroupRule: groupRules.deleteGroupRule,
  activateGroupRule: groupRules.activateGroupRule,
  deactivateGroupRule: groupRules.deactivateGroupRule,
  listGroups: groups.listGroups,
  addGroup: groups.addGroup,
  getGroup: groups.getGroup,
  replaceGroup: groups.replaceGroup,
  deleteGroup: groups.deleteGroup,
  listGroupUsers: groups.listGroupUsers,
  assignUserToGroup: groups.assignUserToGroup,
  unassignUserFromGroup: groups.unassignUserFromGroup,
  listLogEvents: logs.listLogEvents,
  listEventHooks: hooks.listEventHooks,
  createEventHook: hooks.createEventHook,
  getEventHook: hooks.getEventHook,
  replaceEventHook: hooks.replaceEventHook,
  deleteEventHook: hooks.deleteEventHook,
  verifyEventHook: hooks.verifyEventHook,
  activateEventHook: hooks.activateEventHook,
  deactivateEventHook: hooks.deactivateEventHook,
  authenticate: sessions.authenticate,
  createSession: sessions.createSession,
  getCurrentSession: sessions.getCurrentSession,
  closeCurrentSession: sessions.closeCurrentSession,
};
// Every endpoint of an authorization server, org (`/oauth2/v1`) and custom (`/oauth2/{id}/v1`).
for (const id of [
  'getWellKnownOpenIDConfiguration',
  'getWellKnownOAuthConfiguration',
  'getWellKnownOAuthConfigurationCustomASAtRoot',
  'getWellKnownOpenIDConfigurationCustomAS',
  'getWellKnownOAuthConfigurationCustomAS',
  'authorize',
  'authorizeWithPost',
  'authorizeCustomAS',
  'authorizeCustomASWithPost',
  'authorizeResume',
  'authorizeResumeCustomAS',
  'token',
  'tokenCustomAS',
  'oauthKeys',
  'oauthKeysCustomAS',
  'logout',
  'logoutWithPost',
  'logoutCustomAS',
  'logoutCustomASWithPost',
])
  handlers[id] = oidc.oauthEndpoint;
for (const id of ['userinfo', 'userinfoWithPost', 'userinfoCustomAS', 'userinfoCustomASWithPost']) handlers[id] = oidc.userinfo;
for (const id of ['introspect', 'introspectCustomAS']) handlers[id] = oidc.introspect;
for (const id of ['revoke', 'revokeCustomAS']) handlers[id] = oidc.revoke;
for (const id of ['signInPage', 'signIn', 'signInPageCustomAS', 'signInCustomAS']) handlers[id] = oidc.signInPage;

// The management API accepts access tokens of the org server only (issuer and audience = the org URL).
setBearerVerifier((token, ctx) => {
  const tenant = ctx.pinnedTenant ?? ctx.defaultTenant();
  const verified = oidc.verifyAccessToken(tenant.state, token, ctx.req.baseUrl, tenant.clock.now());
  const c = verified?.claims;
  if (!c || c.aud !== ctx.req.baseUrl || typeof c.cid !== 'string') return undefined;
  return {
    tenant,
    userId: typeof c.uid === 'string' ? c.uid : undefined,
    clientId: c.cid,
    scopes: Array.isArray(c.scp) ? (c.scp as string[]) : [],
  };
});

/** The operations the twin implements, by operationId (anything else in the contract answers 501). */
export const oktaOperations = handlers as unknown as Record<string, OperationHandler<OktaState, OktaPrincipal>>;

export interface OktaTwinOptions {
  /** Another contract document (tests); default twins/okta/openapi.yaml. */
  openapi?: OpenApiDocument;
  rateLimits?: Record<string, RateLimitRule>;
}

/** Build the Okta twin's definition. */
export function createOktaTwin(options: OktaTwinOptions = {}): TwinDefinition<OktaState, OktaPrincipal> {
  const openapi = options.openapi ?? loadOpenApi(new URL('./generated/openapi.json', import.meta.url));
  return {
    name: 'okta',
    title: 'Okta',
    openapi,
    authenticate: authenticateOkta,
    renderError: renderOktaError,
    respond: respondOkta,
    finishResponse: finishOktaResponse,
    createState: ({ seed, tenantId, ordinal, secrets }) => seedOktaState({ seed, tenantId, ordinal, secrets }),
    restoreState: restoreOktaState,
    inspect: inspectOkta,
    secretFormats: { ...OKTA_SECRET_FORMATS },
    // Every one of these is random (the tenant's secrets); ids follow from the seed and are never a credential.
    credentialKeys: (state) => {
      const keys = [...state.apiTokens.keys()];
      for (const app of state.apps.values()) {
        keys.push(app.clientId);
        if (app.clientSecret) keys.push(app.clientSecret);
      }
      return keys;
    },
    env: (state, baseUrl) => {
      const test = state.users.get(state.testUserId);
      const apps = [...state.apps.values()];
      const web = apps.find((a) => a.appType === 'web' && a.clientSecret);
      const service = apps.find((a) => a.runtimeKey);
      const key = service ? serviceKey(state) : undefined;
      return {
        OKTA_ORG_URL: baseUrl,
        OKTA_API_TOKEN: [...state.apiTokens.keys()][0] ?? '',
        OKTA_ISSUER: `${baseUrl}/oauth2/default`,
        OKTA_CLIENT_ID: web?.clientId ?? '',
        OKTA_CLIENT_SECRET: web?.clientSecret ?? '',
        OKTA_REDIRECT_URI: web?.redirectUris[0] ?? '',
        OKTA_SERVICE_CLIENT_ID: service?.clientId ?? '',
        OKTA_SERVICE_PRIVATE_KEY: key?.pem ?? '',
        OKTA_SERVICE_KEY_ID: key?.kid ?? '',
        OKTA_TEST_USERNAME: String((test && profileValue(test.profile, 'login')) ?? ''),
        OKTA_TEST_PASSWORD: test?.password ?? '',
      };
    },
    operations: oktaOperations,
    control: oktaControlRoutes,
    controlOpenapi: () => loadOpenApi(new URL('./control.yaml', import.meta.url)),
    rateLimits: options.rateLimits ?? OKTA_RATE_LIMITS,
    onTenantReady: (tenant) => {
      attachRuntime(tenant.state, tenant.secrets);
      // A reset or restore starts sign-in afresh: sessions and codes of the old state are gone.
      oidc.forgetProviders(tenant);
    },
  };
}

/** The Okta twin, as `twins up` and the tests load it. */
export const oktaTwin: TwinDefinition<OktaState, OktaPrincipal> = createOktaTwin();
