// Slack's error envelope: vendor errors named by condition, and the renderer for the kernel's own failures.

import {
  json,
  type KernelErrorDetail,
  type KernelErrorKind,
  type NormalisedRequest,
  TwinError,
  type TwinResponse,
  type ValidationIssue,
} from '../../src/kernel/types.ts';

/** `HTTP 200 {ok:false, error}`: how Slack answers nearly every failure. */
export function slackErrorResponse(
  error: string,
  extra: Record<string, unknown> = {},
  status = 200,
  headers: Record<string, string> = {},
): TwinResponse {
  return json(status, { ok: false, error, ...extra }, headers);
}

/** A vendor error an operation throws; the kernel answers with its response. */
export function slackError(error: string, extra: Record<string, unknown> = {}): TwinError {
  return new TwinError(slackErrorResponse(error, extra), error);
}

// Authentication
export const notAuthed = (): TwinError => slackError('not_authed');
export const invalidAuth = (): TwinError => slackError('invalid_auth');
export const tokenRevoked = (): TwinError => slackError('token_revoked');
export const accountInactive = (): TwinError => slackError('account_inactive');
export const notAllowedTokenType = (): TwinError => slackError('not_allowed_token_type');
/** `needed`: the scopes any one of which would do, comma-joined; `provided`: the token's scopes. */
export const missingScope = (needed: string[], provided: string[]): TwinError =>
  slackError('missing_scope', { needed: needed.join(','), provided: provided.join(',') });

/** HTTP 429 with `Retry-After`: the SDK waits that long and retries. */
export function ratelimited(retryAfter: number): TwinError {
  const seconds = Math.max(1, Math.ceil(retryAfter));
  return new TwinError(slackErrorResponse('ratelimited', {}, 429, { 'retry-after': String(seconds) }), 'ratelimited');
}

// Arguments
export const invalidArguments = (messages: string[] = []): TwinError =>
  slackError('invalid_arguments', messages.length ? { response_metadata: { messages } } : {});
export const invalidCursor = (): TwinError => slackError('invalid_cursor');
export const invalidBlocks = (messages: string[] = []): TwinError =>
  slackError('invalid_blocks', messages.length ? { response_metadata: { messages } } : {});
export const invalidBlocksFormat = (): TwinError => slackError('invalid_blocks_format');
export const invalidAttachments = (): TwinError => slackError('invalid_attachments');
export const tooManyAttachments = (): TwinError => slackError('too_many_attachments');
export const invalidTsLatest = (): TwinError => slackError('invalid_ts_latest');
export const invalidTsOldest = (): TwinError => slackError('invalid_ts_oldest');

// Conversations
export const channelNotFound = (): TwinError => slackError('channel_not_found');
export const notInChannel = (): TwinError => slackError('not_in_channel');
export const isArchived = (): TwinError => slackError('is_archived');
export const alreadyArchived = (): TwinError => slackError('already_archived');
export const notArchived = (): TwinError => slackError('not_archived');
export const cantArchiveGeneral = (): TwinError => slackError('cant_archive_general');
export const cantLeaveGeneral = (): TwinError => slackError('cant_leave_general');
export const cantKickSelf = (): TwinError => slackError('cant_kick_self');
export const cantKickFromGeneral = (): TwinError => slackError('cant_kick_from_general');
export const cantInviteSelf = (): TwinError => slackError('cant_invite_self');
export const cantInvite = (): TwinError => slackError('cant_invite');
export const alreadyInChannel = (): TwinError => slackError('already_in_channel');
export const nameTaken = (): TwinError => slackError('name_taken');
export const methodNotSupportedForChannelType = (): TwinError => slackError('method_not_supported_for_channel_type');
export const threadNotFound = (): TwinError => slackError('thread_not_found');
export const usersListNotSupplied = (): TwinError => slackError('users_list_not_supplied');
export const tooManyUsers = (): TwinError => slackError('too_many_users');
export const notAuthorized = (): TwinError => slackError('not_authorized');
export const restrictedAction = (): TwinError => slackError('restricted_action');

// Messages
export const msgTooLong = (): TwinError => slackError('msg_too_long');
export const noText = (): TwinError => slackError('no_text');
export const messageNotFound = (): TwinError => slackError('message_not_found');
export const cantUpdateMessage = (): TwinError => slackError('cant_update_message');
export const cantDeleteMessage = (): TwinError => slackError('cant_delete_message');
export const userNotInChannel = (): TwinError => slackError('user_not_in_channel');
export const timeInPast = (): TwinError => slackError('time_in_past');
export const timeTooFar = (): TwinError => slackError('time_too_far');
export const invalidTime = (): TwinError => slackError('invalid_time');
export const invalidScheduledMessageId = (): TwinError => slackError('invalid_scheduled_message_id');

// Users
export const userNotFound = (): TwinError => slackError('user_not_found');
export const usersNotFound = (): TwinError => slackError('users_not_found');
export const botNotFound = (): TwinError => slackError('bot_not_found');

// Reactions and pins
export const alreadyReacted = (): TwinError => slackError('already_reacted');
export const invalidName = (): TwinError => slackError('invalid_name');
export const noItemSpecified = (): TwinError => slackError('no_item_specified');
export const noReaction = (): TwinError => slackError('no_reaction');
export const tooManyReactions = (): TwinError => slackError('too_many_reactions');
export const alreadyPinned = (): TwinError => slackError('already_pinned');
export const noPin = (): TwinError => slackError('no_pin');

// Views
export const invalidTriggerId = (): TwinError => slackError('invalid_trigger_id');
export const expiredTriggerId = (): TwinError => slackError('expired_trigger_id');
export const exchangedTriggerId = (): TwinError => slackError('exchanged_trigger_id');
export const viewNotFound = (): TwinError => slackError('not_found');
export const hashConflict = (): TwinError => slackError('hash_conflict');
export const pushLimitReached = (): TwinError => slackError('push_limit_reached');

// Files
export const fileNotFound = (): TwinError => slackError('file_not_found');
export const fileDeleted = (): TwinError => slackError('file_deleted');
export const cantDeleteFile = (): TwinError => slackError('cant_delete_file');

// OAuth
export const invalidCode = (): TwinError => slackError('invalid_code');
export const invalidClientId = (): TwinError => slackError('invalid_client_id');
export const badClientSecret = (): TwinError => slackError('bad_client_secret');
export const badRedirectUri = (): TwinError => slackError('bad_redirect_uri');
export const invalidGrantType = (): TwinError => slackError('invalid_grant_type');

/**
 * What Slack answers for an argument that failed validation. Slack names a missing conversation
 * or user by the lookup that failed rather than by the missing argument.
 */
function validationError(issues: ValidationIssue[]): TwinResponse {
  const named = issues.map((issue) => ({ issue, name: issueName(issue) }));
  for (const { issue, name } of named) {
    if (name === 'channel' && (issue.keyword === 'required' || issue.keyword === 'minLength'))
      return slackErrorResponse('channel_not_found');
    if ((name === 'user' || name === 'users') && (issue.keyword === 'required' || issue.keyword === 'minLength')) {
      return slackErrorResponse('user_not_found');
    }
    if (name === 'blocks')
      return slackErrorResponse(issue.keyword === 'type' ? 'invalid_blocks_format' : 'invalid_blocks', {
        response_metadata: { messages: [issueMessage(issue, name)] },
      });
    if (name === 'attachments') return slackErrorResponse('invalid_attachments');
    if (name === 'cursor') return slackErrorResponse('invalid_cursor');
  }
  return slackErrorResponse('invalid_arguments', {
    response_metadata: { messages: named.map(({ issue, name }) => issueMessage(issue, name)) },
  });
}

function issueName(issue: ValidationIssue): string | undefined {
  if (issue.name) return issue.name;
  const m = /required property '([^']+)'/.exec(issue.message);
  if (m) return m[1];
  const last = issue.location.split(/[./]/).filter(Boolean).pop();
  return last && last !== 'body' && last !== 'query' ? last : undefined;
}

function issueMessage(issue: ValidationIssue, name: string | undefined): string {
  if (issue.keyword === 'required') return `[ERROR] missing required field: ${name ?? 'unknown'}`;
  const pointer = name ? ` [json-pointer:/${name}]` : '';
  return `[ERROR] ${issue.message}${pointer}`;
}

/**
 * Render a kernel failure as Slack does: HTTP 200 `{ok:false,error}` for anything about the
 * request's content, 429 for rate limits, and non-200 only where Slack's transport would.
 *
 * Limitations: Slack's answer to an oversized request body is not documented; the twin answers
 * HTTP 413 `{ok:false,error:"request_too_large"}`.
 */
export function renderSlackError(kind: KernelErrorKind, detail: KernelErrorDetail, req: NormalisedRequest | undefined): TwinResponse {
  const isApi = req ? req.path.startsWith('/api/') : true;
  switch (kind) {
    case 'route_not_found':
      if (isApi) {
        const method = req ? req.path.slice('/api/'.length) : '';
        return slackErrorResponse('unknown_method', { req_method: method }, 404);
      }
      return slackErrorResponse('not_found', {}, 404);
    case 'method_not_allowed':
      return slackErrorResponse('method_not_allowed', {}, 405, detail.allowed ? { allow: detail.allowed.join(', ') } : {});
    case 'malformed_body': {
      const form = req?.contentType.includes('form');
      return slackErrorResponse(form ? 'invalid_form_data' : 'invalid_json');
    }
    case 'unsupported_media_type':
      return slackErrorResponse('invalid_form_data');
    case 'body_too_large':
      return slackErrorResponse('request_too_large', {}, 413);
    case 'validation':
      return validationError(detail.issues ?? []);
    case 'rate_limited':
      return ratelimited(detail.retryAfter ?? 1).response;
    case 'fault': {
      const status = detail.status ?? 200;
      const error = detail.error ?? (status >= 500 ? 'fatal_error' : 'internal_error');
      const headers: Record<string, string> = {};
      if (status === 429) {
        headers['retry-after'] = String(Math.max(1, Math.ceil(detail.retryAfter ?? 1)));
        return slackErrorResponse(detail.error ?? 'ratelimited', {}, 429, headers);
      }
      return slackErrorResponse(error, {}, status, headers);
    }
    case 'not_implemented':
      return slackErrorResponse('not_implemented_by_twin', { operation: detail.operationId ?? null }, 501);
    case 'internal':
      return slackErrorResponse('internal_error', {}, 500);
    default:
      return slackErrorResponse('internal_error', {}, 500);
  }
}
