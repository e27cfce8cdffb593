// The Slack twin: its contract, state, behaviour and control routes wired into one TwinDefinition.

import { loadOpenApi, type OpenApiDocument, type OperationSpec } from '../../src/kernel/openapi.ts';
import type { OperationHandler, OperationInput, RateLimitRule, TwinDefinition } from '../../src/kernel/types.ts';
import { authenticateSlack, createParseInput, type SlackPrincipal, slackResponseHeaders } from './auth.ts';
import { slackControlRoutes } from './control.ts';
import { renderSlackError } from './errors.ts';
import { inspectSlack } from './inspect.ts';
import * as auth from './operations/auth.ts';
import * as bots from './operations/bots.ts';
import * as chat from './operations/chat.ts';
import * as conversations from './operations/conversations.ts';
import * as files from './operations/files.ts';
import * as interactivity from './operations/interactivity.ts';
import * as oauth from './operations/oauth.ts';
import * as pins from './operations/pins.ts';
import * as reactions from './operations/reactions.ts';
import * as team from './operations/team.ts';
import * as users from './operations/users.ts';
import * as views from './operations/views.ts';
import { respondSlack } from './render.ts';
import { seedSlackState } from './seed.ts';
import { restoreSlackState, SLACK_SECRET_FORMATS, type SlackState } from './store.ts';

export type { SlackPrincipal } from './auth.ts';
export type { SlackState } from './store.ts';

// Handlers declare their own argument types; the kernel validated them against the contract.
type AnyHandler = (ctx: never) => unknown;

/** operationId → handler. */
const handlers: Record<string, AnyHandler> = {
  'auth.test': auth.test,
  'auth.revoke': auth.revoke,
  'chat.postMessage': chat.postMessage,
  'chat.update': chat.update,
  'chat.delete': chat.delete,
  'chat.postEphemeral': chat.postEphemeral,
  'chat.getPermalink': chat.getPermalink,
  'chat.scheduleMessage': chat.scheduleMessage,
  'chat.deleteScheduledMessage': chat.deleteScheduledMessage,
  'chat.scheduledMessages.list': chat.scheduledMessagesList,
  'conversations.list': conversations.list,
  'conversations.info': conversations.info,
  'conversations.history': conversations.history,
  'conversations.replies': conversations.replies,
  'conversations.create': conversations.create,
  'conversations.join': conversations.join,
  'conversations.leave': conversations.leave,
  'conversations.invite': conversations.invite,
  'conversations.kick': conversations.kick,
  'conversations.members': conversations.members,
  'conversations.open': conversations.open,
  'conversations.archive': conversations.archive,
  'conversations.unarchive': conversations.unarchive,
  'conversations.rename': conversations.rename,
  'conversations.setTopic': conversations.setTopic,
  'conversations.setPurpose': conversations.setPurpose,
  'users.info': users.info,
  'users.list': users.list,
  'users.lookupByEmail': users.lookupByEmail,
  'users.conversations': users.conversations,
  'users.profile.get': users.profileGet,
  'reactions.add': reactions.add,
  'reactions.remove': reactions.remove,
  'reactions.get': reactions.get,
  'views.open': views.open,
  'views.publish': views.publish,
  'views.update': views.update,
  'views.push': views.push,
  'files.getUploadURLExternal': files.getUploadURLExternal,
  filesUploadBytes: files.filesUploadBytes,
  'files.completeUploadExternal': files.completeUploadExternal,
  'files.info': files.info,
  'files.list': files.list,
  'files.delete': files.delete,
  'team.info': team.info,
  'oauth.v2.access': oauth.v2Access,
  oauthAuthorizePage: oauth.oauthAuthorizePage,
  oauthAuthorizeApprove: oauth.oauthAuthorizeApprove,
  'pins.add': pins.add,
  'pins.list': pins.list,
  'pins.remove': pins.remove,
  'bots.info': bots.info,
  responseUrlPost: interactivity.responseUrlPost,
};

/** The operations the twin implements, by operationId (anything else in the contract answers 501). */
export const slackOperations = handlers as unknown as Record<string, OperationHandler<SlackState, SlackPrincipal>>;

/**
 * Slack's published tiers (per method, per workspace). special-post is chat.postMessage's
 * "about one message a second per channel, with short bursts".
 */
export const SLACK_RATE_LIMITS: Record<string, RateLimitRule> = {
  tier1: { perMinute: 1, burst: 5 },
  tier2: { perMinute: 20, burst: 20 },
  tier3: { perMinute: 50, burst: 50 },
  tier4: { perMinute: 100, burst: 100 },
  'special-post': { perMinute: 60, burst: 30 },
  special: { perMinute: 600, burst: 600 },
};

/** chat.postMessage is limited per channel, so its bucket is keyed by the channel. */
export function slackRateLimitKey(op: OperationSpec, input: OperationInput): string | undefined {
  if (op.extensions['x-twin-rate-limit'] !== 'special-post') return undefined;
  const body = input.body as Record<string, unknown> | undefined;
  const channel = body?.channel ?? body?.channel_id;
  return typeof channel === 'string' ? channel : undefined;
}

export interface SlackTwinOptions {
  /** Another contract document (tests); default twins/slack/openapi.yaml. */
  openapi?: OpenApiDocument;
  rateLimits?: Record<string, RateLimitRule>;
}

/** Build the Slack twin's definition. */
export function createSlackTwin(options: SlackTwinOptions = {}): TwinDefinition<SlackState, SlackPrincipal> {
  const openapi = options.openapi ?? loadOpenApi(new URL('./generated/openapi.json', import.meta.url));
  return {
    name: 'slack',
    title: 'Slack',
    openapi,
    methodFallback: 'POST',
    coerceBody: true,
    parseInput: createParseInput(openapi),
    authenticate: authenticateSlack,
    renderError: renderSlackError,
    respond: respondSlack,
    responseHeaders: slackResponseHeaders,
    createState: ({ seed, tenantId, ordinal, secrets }) => seedSlackState({ seed, tenantId, ordinal, secrets }),
    // Snapshots are the state's JSON (its JsonMaps write themselves as objects); a restore rebuilds the maps.
    restoreState: restoreSlackState,
    secretFormats: { ...SLACK_SECRET_FORMATS },
    // Every one of these is random (the tenant's secrets); ids such as the team id follow from the
    // seed and are never a credential.
    credentialKeys: (state) => {
      const keys = [...state.tokens.keys(), state.app.client_id];
      // A response_url's secret and an upload URL's key are credentials while they live.
      for (const r of state.responseUrls.values()) keys.push(r.secret);
      for (const f of state.files.values()) if (f.upload_key && !f.completed && !f.deleted) keys.push(f.upload_key);
      return keys;
    },
    env: (state, baseUrl) => {
      const tokens = [...state.tokens.values()].filter((t) => !t.revoked);
      return {
        SLACK_API_URL: `${baseUrl}/api/`,
        SLACK_BOT_TOKEN: tokens.find((t) => t.type === 'bot')?.token ?? '',
        SLACK_USER_TOKEN: tokens.find((t) => t.type === 'user')?.token ?? '',
        SLACK_SIGNING_SECRET: state.app.signing_secret,
        SLACK_TEAM_ID: state.team.id,
        SLACK_CLIENT_ID: state.app.client_id,
        SLACK_CLIENT_SECRET: state.app.client_secret,
        SLACK_APP_ID: state.app.app_id,
      };
    },
    operations: slackOperations,
    rateLimits: options.rateLimits ?? SLACK_RATE_LIMITS,
    rateLimitKey: slackRateLimitKey,
    control: slackControlRoutes,
    controlOpenapi: () => loadOpenApi(new URL('./control.yaml', import.meta.url)),
    onTenantReady: (tenant, kernel) => chat.armScheduled(tenant, kernel.deliver),
    inspect: inspectSlack,
  };
}

/** The Slack twin, as `twins up` and the tests load it. */
export const slackTwin: TwinDefinition<SlackState, SlackPrincipal> = createSlackTwin();
