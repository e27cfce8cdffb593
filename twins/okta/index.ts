// The Okta twin: its contract, org state, management API and (when loaded) authorization servers wired into one TwinDefinition.

import { loadOpenApi, type OpenApiDocument } from '../../src/kernel/openapi.ts';
import type { OperationHandler, RateLimitRule, TwinDefinition } from '../../src/kernel/types.ts';
import { authenticateOkta, finishOktaResponse, OKTA_RATE_LIMITS, type OktaPrincipal } from './auth.ts';
import { renderOktaError } from './errors.ts';
import * as groups from './operations/groups.ts';
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
  listAppLinks: users.listAppLinks,
  listGroups: groups.listGroups,
  addGroup: groups.addGroup,
  getGroup: groups.getGroup,
  replaceGroup: groups.replaceGroup,
  deleteGroup: groups.deleteGroup,
  listGroupUsers: groups.listGroupUsers,
  assignUserToGroup: groups.assignUserToGroup,
  unassignUserFromGroup: groups.unassignUserFromGroup,
};

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
    secretFormats: { ...OKTA_SECRET_FORMATS },
    // Every one of these is random (the tenant's secrets); ids follow from the seed and are never a credential.
    credentialKeys: (state) => [...state.apiTokens.keys()],
    env: (state, baseUrl) => {
      const test = state.users.get(state.testUserId);
      return {
        OKTA_ORG_URL: baseUrl,
        OKTA_API_TOKEN: [...state.apiTokens.keys()][0] ?? '',
        OKTA_TEST_USERNAME: String((test && profileValue(test.profile, 'login')) ?? ''),
        OKTA_TEST_PASSWORD: test?.password ?? '',
      };
    },
    operations: oktaOperations,
    rateLimits: options.rateLimits ?? OKTA_RATE_LIMITS,
  };
}

/** The Okta twin, as `twins up` and the tests load it. */
export const oktaTwin: TwinDefinition<OktaState, OktaPrincipal> = createOktaTwin();
