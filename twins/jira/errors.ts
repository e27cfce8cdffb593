// Jira's error envelope `{errorMessages, errors}`: vendor errors named by condition, and the renderer for the kernel's own failures.

import {
  json,
  type KernelErrorDetail,
  type KernelErrorKind,
  type NormalisedRequest,
  TwinError,
  type TwinResponse,
} from '../../src/kernel/types.ts';

/** A Jira error body with its status: `{ errorMessages: [...], errors: { field: message } }`. */
export function jiraErrorResponse(
  status: number,
  errorMessages: string[],
  errors: Record<string, string> = {},
  headers: Record<string, string> = {},
): TwinResponse {
  return json(status, { errorMessages, errors }, headers);
}

/** An error an operation throws; the kernel answers with its response. */
export function jiraError(status: number, errorMessages: string[], errors: Record<string, string> = {}): TwinError {
  return new TwinError(jiraErrorResponse(status, errorMessages, errors), errorMessages[0] ?? Object.values(errors)[0]);
}

/** 400 with messages keyed by field id, as Jira reports bad fields. */
export const fieldErrors = (errors: Record<string, string>): TwinError => jiraError(400, [], errors);
export const badRequest = (message: string): TwinError => jiraError(400, [message]);

export const notAuthenticated = (): TwinError =>
  jiraError(401, ['You are not authenticated. Authentication required to perform this operation.']);
export const forbidden = (message = 'You do not have permission to perform this operation.'): TwinError => jiraError(403, [message]);
export const issueNotFound = (): TwinError => jiraError(404, ['Issue does not exist or you do not have permission to see it.']);
export const projectNotFound = (key: string): TwinError => jiraError(404, [`No project could be found with key '${clip(key)}'.`]);
export const userNotFound = (): TwinError => jiraError(404, ['Specified user does not exist or you do not have required permissions']);
export const commentNotFound = (id: string): TwinError => jiraError(404, [`Can not find a comment for the id: ${clip(id)}.`]);
export const notFound = (message: string): TwinError => jiraError(404, [message]);
export const conflict = (message: string): TwinError => jiraError(409, [message]);

/** Jira answers the removed search endpoints (CHANGE-2046) with 410 and a pointer to the new one. */
export const searchRemoved = (): TwinError =>
  jiraError(410, [
    'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
  ]);

/** Caller input echoed in a message is cut, so a 500 KB id never makes a 500 KB error. */
export function clip(s: string, max = 100): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Operations that write one issue: their rate limit is Jira's per-issue write limit. */
export const PER_ISSUE_WRITE_RULE = 'per-issue-write';

/**
 * Render a platform failure as Jira would: every kind in the `{errorMessages, errors}` envelope
 * with Jira's status, rate limits with `Retry-After`, `X-RateLimit-*` (reset as ISO-8601) and
 * `RateLimit-Reason`.
 */
export function renderJiraError(kind: KernelErrorKind, detail: KernelErrorDetail, _req: NormalisedRequest | undefined): TwinResponse {
  switch (kind) {
    case 'route_not_found':
      return jiraErrorResponse(404, ['null for uri: the requested resource does not exist']);
    case 'method_not_allowed':
      return jiraErrorResponse(
        405,
        [`Method not allowed. Allowed: ${(detail.allowed ?? []).join(', ')}`],
        {},
        {
          allow: (detail.allowed ?? []).join(', '),
        },
      );
    case 'malformed_body':
      return jiraErrorResponse(400, [`Unexpected character in the request body: ${detail.message ?? 'not valid JSON'}`]);
    case 'unsupported_media_type':
      return jiraErrorResponse(415, [detail.message ?? 'Unsupported media type']);
    case 'body_too_large':
      return jiraErrorResponse(413, [detail.message ?? 'The request body is too large.']);
    case 'validation': {
      const errors: Record<string, string> = {};
      const messages: string[] = [];
      for (const issue of detail.issues ?? []) {
        // A bad path segment is a resource that does not exist, as far as Jira is concerned.
        if (issue.location.startsWith('path.')) return jiraErrorResponse(404, ['null for uri: the requested resource does not exist']);
        if (issue.location.startsWith('body.') && issue.name) errors[issue.name] ??= `${issue.location.slice(5)} ${issue.message}`;
        else messages.push(`${issue.location} ${issue.message}`);
      }
      if (messages.length === 0 && Object.keys(errors).length === 0) messages.push(detail.message ?? 'Bad request');
      return jiraErrorResponse(400, messages, errors);
    }
    case 'rate_limited': {
      const retryAfter = Math.max(1, Math.ceil(detail.retryAfter ?? 1));
      const limit = detail.limit;
      const headers: Record<string, string> = {
        'retry-after': String(retryAfter),
        'ratelimit-reason': detail.error === PER_ISSUE_WRITE_RULE ? 'jira-per-issue-on-write' : 'jira-burst-based',
      };
      if (limit) {
        headers['x-ratelimit-limit'] = String(limit.perMinute);
        headers['x-ratelimit-remaining'] = String(limit.remaining);
        headers['x-ratelimit-reset'] = isoMinute(limit.resetAtMs);
      }
      return jiraErrorResponse(429, ['Rate limit exceeded.'], {}, headers);
    }
    case 'fault': {
      const status = detail.status ?? 500;
      return jiraErrorResponse(status, [detail.error ?? (status >= 500 ? 'Internal server error' : 'Request failed')]);
    }
    case 'not_implemented':
      return jiraErrorResponse(501, [`${detail.operationId ?? 'This operation'} is not implemented by the twin`]);
    default:
      return jiraErrorResponse(500, ['Internal server error']);
  }
}

/** `yyyy-MM-ddTHH:mmZ`, the form Jira's X-RateLimit-Reset takes. */
export function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}
