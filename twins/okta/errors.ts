// Okta's error envelope (errorCode, errorSummary, errorLink, errorId, errorCauses) named by condition, and the renderer for the kernel's own failures.

import { randomBytes } from 'node:crypto';
import {
  json,
  type KernelErrorDetail,
  type KernelErrorKind,
  type NormalisedRequest,
  TwinError,
  type TwinResponse,
  type ValidationIssue,
} from '../../src/kernel/types.ts';

/** Seconds to wait carried from a 429 answer to the headers that finish it (which know the tenant's clock). */
export const retryAfterOf = new WeakMap<TwinResponse, number>();

/** One cause under an error, as Okta lists them. */
export interface OktaErrorCause {
  errorSummary: string;
}

/** Okta's random per-error id (support quotes it); never from the seed, it is not state. */
function errorId(): string {
  return `oae${randomBytes(16).toString('base64url').slice(0, 22)}`;
}

/** An Okta error answer: `{errorCode, errorSummary, errorLink, errorId, errorCauses}`. */
export function oktaErrorResponse(
  status: number,
  errorCode: string,
  errorSummary: string,
  causes: OktaErrorCause[] = [],
  headers: Record<string, string> = {},
): TwinResponse {
  return json(status, { errorCode, errorSummary, errorLink: errorCode, errorId: errorId(), errorCauses: causes }, headers);
}

/** A vendor error an operation throws; the kernel answers with its response. */
export function oktaError(status: number, code: string, summary: string, causes: OktaErrorCause[] = []): TwinError {
  return new TwinError(oktaErrorResponse(status, code, summary, causes), `${code} ${summary}`);
}

/** E0000001: API validation failed, with a cause per problem (`login: An object with this field already exists…`). */
export const validationFailed = (what: string, causes: OktaErrorCause[]): TwinError =>
  oktaError(400, 'E0000001', `Api validation failed: ${what}`, causes);
/** E0000001 for a lifecycle call the user's status does not allow (Okta's own example: suspending a user who is not ACTIVE). */
export const invalidStatusTransition = (summary: string): TwinError =>
  oktaError(400, 'E0000001', `Api validation failed: ${summary}`, [{ errorSummary: summary }]);
export const malformedJson = (): TwinError => oktaError(400, 'E0000003', 'The request body was not well-formed.');
export const invalidSession = (): TwinError => oktaError(403, 'E0000005', 'Invalid session');
export const invalidToken = (): TwinError => oktaError(401, 'E0000011', 'Invalid token provided');
export const noPermission = (): TwinError => oktaError(403, 'E0000006', 'You do not have permission to perform the requested action');
/** E0000007: `Not found: Resource not found: <id> (<Type>)`. */
export const notFound = (id: string, type: string): TwinError =>
  oktaError(404, 'E0000007', `Not found: Resource not found: ${id} (${type})`);
export const alreadyActive = (): TwinError => oktaError(403, 'E0000016', 'Activation failed because the user is already active');
export const badSearch = (detail: string): TwinError => oktaError(400, 'E0000031', 'Invalid search criteria.', [{ errorSummary: detail }]);
export const notAllowedInStatus = (): TwinError =>
  oktaError(403, 'E0000038', "This operation is not allowed in the user's current status.");
export const notLockedOut = (): TwinError => oktaError(403, 'E0000032', 'Unlock is not allowed for this user.');

/** Okta names the argument and the problem: `limit: must be >= 1`, `profile.login: Property is required`. */
function causeOf(issue: ValidationIssue): OktaErrorCause {
  const where = issue.location.replace(/^(body|query|path)\.?/, '') || issue.location;
  return { errorSummary: `${where}: ${issue.message}` };
}

/**
 * Render a platform failure as Okta would. OAuth endpoints (`/oauth2/…`) answer in the RFC 6749
 * shape instead (`{error, error_description}`), as Okta's do.
 */
export function renderOktaError(kind: KernelErrorKind, detail: KernelErrorDetail, req: NormalisedRequest | undefined): TwinResponse {
  const oauth = req?.path.startsWith('/oauth2/') ?? false;
  switch (kind) {
    case 'route_not_found':
      return oktaErrorResponse(404, 'E0000007', `Not found: Resource not found: ${req?.path ?? '/'} (Route)`);
    case 'method_not_allowed':
      return oktaErrorResponse(
        405,
        'E0000022',
        'The endpoint does not support the provided HTTP method',
        [],
        detail.allowed ? { allow: detail.allowed.join(', ') } : {},
      );
    case 'malformed_body':
      if (oauth) return json(400, { error: 'invalid_request', error_description: 'The request body was not well-formed.' });
      return oktaErrorResponse(400, 'E0000003', 'The request body was not well-formed.');
    case 'unsupported_media_type':
      if (oauth) return json(400, { error: 'invalid_request', error_description: detail.message ?? 'Unsupported content type.' });
      return oktaErrorResponse(415, 'E0000003', 'The request body was not well-formed.', [
        { errorSummary: detail.message ?? 'Unsupported content type' },
      ]);
    case 'body_too_large':
      return oktaErrorResponse(413, 'E0000001', 'Api validation failed: request', [{ errorSummary: 'The request body is too large.' }]);
    case 'validation': {
      const issues = detail.issues ?? [];
      if (oauth)
        return json(400, { error: 'invalid_request', error_description: issues.map((i) => `${i.location} ${i.message}`).join('; ') });
      const first = issues[0];
      const what = first?.name ?? (first ? first.location.replace(/^(body|query|path)\.?/, '') : 'request');
      return oktaErrorResponse(400, 'E0000001', `Api validation failed: ${what || 'request'}`, issues.map(causeOf));
    }
    case 'rate_limited': {
      const res = oktaErrorResponse(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
      retryAfterOf.set(res, detail.retryAfter ?? 1);
      return res;
    }
    case 'fault': {
      const status = detail.status ?? 500;
      if (status === 429) {
        const res = oktaErrorResponse(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
        retryAfterOf.set(res, detail.retryAfter ?? 1);
        return res;
      }
      if (detail.error && /^E\d{7}$/.test(detail.error)) return oktaErrorResponse(status, detail.error, 'Injected fault');
      return oktaErrorResponse(status, 'E0000009', 'Internal Server Error');
    }
    case 'not_implemented':
      return oktaErrorResponse(501, 'E0000060', `Unsupported operation: ${detail.operationId ?? 'unknown'} is not implemented by the twin`);
    default:
      return oktaErrorResponse(500, 'E0000009', 'Internal Server Error');
  }
}
