// How Slack reads a request: arguments from query, form or JSON, tokens and scopes, and the principal a token names.

import type { JsonSchema, OpenApiDocument, OperationSpec } from '../../src/kernel/openapi.ts';
import type { AuthContext, AuthResult, NormalisedRequest, OperationContext, OperationInput, Tenant } from '../../src/kernel/types.ts';
import { TwinError } from '../../src/kernel/types.ts';
import {
  accountInactive,
  invalidAuth,
  invalidClientId,
  missingScope,
  notAllowedTokenType,
  notAuthed,
  slackErrorResponse,
  tokenRevoked,
} from './errors.ts';
import type { SlackState } from './store.ts';

/** Who is calling: the token's identity, or `none` for operations that authenticate otherwise. */
export interface SlackPrincipal {
  token: string;
  tokenType: 'bot' | 'user' | 'none';
  /** The token's user (the bot user for bot tokens); empty for `none`. */
  userId: string;
  botId?: string;
  appId: string;
  scopes: string[];
}

export interface SlackScopes {
  bot?: string[];
  user?: string[];
}

/** The scopes an operation accepts, from its `x-slack-scopes` extension. */
export function operationScopes(op: OperationSpec): SlackScopes | undefined {
  const ext = op.extensions['x-slack-scopes'];
  return ext && typeof ext === 'object' ? (ext as SlackScopes) : undefined;
}

const NONE = (appId: string): SlackPrincipal => ({ token: '', tokenType: 'none', userId: '', appId, scopes: [] });

// ---------------------------------------------------------------------------------------------
// Input

function firstValue(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function flatten(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // `__proto__` would set the object's prototype rather than a key; Slack has no such argument.
  for (const [k, v] of Object.entries(record)) if (k !== '__proto__') out[k] = firstValue(v);
  return out;
}

/** The request's own fields as an object, whatever the encoding. */
function bodyFields(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  // Multipart arrives as { fields, files }.
  if (b.fields && typeof b.fields === 'object' && Array.isArray(b.files)) return flatten(b.fields as Record<string, unknown>);
  return b;
}

function resolveSchema(doc: OpenApiDocument | undefined, schema: unknown, depth = 0): JsonSchema | undefined {
  if (!schema || typeof schema !== 'object' || depth > 8) return undefined;
  const s = schema as JsonSchema;
  if (typeof s.$ref === 'string' && doc) {
    let node: unknown = doc;
    for (const part of s.$ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)?.[part];
    return resolveSchema(doc, node, depth + 1);
  }
  return s;
}

/** Every JSON type a schema admits, looking through oneOf/anyOf/allOf. */
function schemaTypes(doc: OpenApiDocument | undefined, schema: unknown, depth = 0): Set<string> {
  const types = new Set<string>();
  const s = resolveSchema(doc, schema, depth);
  if (!s) return types;
  if (typeof s.type === 'string') types.add(s.type);
  if (Array.isArray(s.type)) for (const t of s.type) types.add(String(t));
  for (const key of ['oneOf', 'anyOf', 'allOf']) {
    const list = s[key];
    if (Array.isArray(list)) for (const sub of list) for (const t of schemaTypes(doc, sub, depth + 1)) types.add(t);
  }
  return types;
}

function bodyProperties(doc: OpenApiDocument | undefined, op: OperationSpec): Record<string, unknown> {
  const schema = resolveSchema(doc, op.bodySchema);
  if (!schema) return {};
  const props: Record<string, unknown> = { ...((schema.properties as Record<string, unknown>) ?? {}) };
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    const list = schema[key];
    if (Array.isArray(list)) {
      for (const sub of list) Object.assign(props, (resolveSchema(doc, sub)?.properties as Record<string, unknown>) ?? {});
    }
  }
  return props;
}

/** Coerce one form value to what its schema wants; leaves what it cannot read for validation to reject. */
function coerce(value: unknown, types: Set<string>): unknown {
  if (typeof value !== 'string') return value;
  const structured = types.has('array') || types.has('object');
  if (structured) {
    const trimmed = value.trim();
    const looksJson = trimmed.startsWith('[') || trimmed.startsWith('{');
    if (!types.has('string') || looksJson) {
      try {
        const parsed = JSON.parse(trimmed) as unknown;
        if (parsed !== null && typeof parsed === 'object') {
          if (Array.isArray(parsed) ? types.has('array') : types.has('object')) return parsed;
        }
      } catch {
        // Left as a string: validation answers invalid_arguments / invalid_blocks_format.
      }
    }
    return value;
  }
  if (types.has('boolean') && !types.has('string')) {
    const v = value.trim().toLowerCase();
    if (v === '1' || v === 'true') return true;
    if (v === '0' || v === 'false' || v === '') return false;
    return value;
  }
  if ((types.has('integer') || types.has('number')) && !types.has('string')) {
    const v = value.trim();
    if (v !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return value;
}

/**
 * Slack's arguments may come as query string, form fields, JSON, or a mix: merge them into one
 * object (body wins), decode JSON-encoded structured values, and read "1"/"0" booleans. The
 * `token` argument is dropped here so it never reaches handlers or stored data; `authenticate`
 * reads it from the raw request.
 */
export function createParseInput(doc?: OpenApiDocument) {
  // Each operation's argument types, worked out from the contract once rather than per request.
  const typesByOp = new WeakMap<OperationSpec, Map<string, Set<string>>>();
  const argumentTypes = (op: OperationSpec): Map<string, Set<string>> => {
    let types = typesByOp.get(op);
    if (!types) {
      types = new Map(Object.entries(bodyProperties(doc, op)).map(([name, schema]) => [name, schemaTypes(doc, schema)]));
      typesByOp.set(op, types);
    }
    return types;
  };
  return function parseInput(req: NormalisedRequest, op: OperationSpec, params: Record<string, string>): OperationInput {
    if (!op.path.startsWith('/api/')) {
      // Upload, response_url and OAuth pages keep the kernel's default shape.
      return { params, query: flatten(req.query), body: req.body };
    }
    if (
      req.contentType.includes('json') &&
      req.body !== undefined &&
      (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))
    ) {
      throw new TwinError(slackErrorResponse('json_not_object'), 'json_not_object');
    }
    const fields = bodyFields(req.body);
    const isJson = req.contentType.includes('json');
    const types = argumentTypes(op);
    // One pass, body after query so the body wins. Repeated form fields arrive as arrays and Slack
    // reads the last one; JSON arrays are values. `token` is skipped rather than deleted afterwards:
    // a deleted key would turn the object into a slow dictionary.
    const merged: Record<string, unknown> = {};
    const query = req.query;
    for (const name in query) {
      if (name === 'token' || name === '__proto__' || Object.hasOwn(fields, name)) continue;
      const t = types.get(name);
      const value = firstValue(query[name]);
      merged[name] = t === undefined ? value : coerce(value, t);
    }
    for (const name in fields) {
      // `__proto__` would set the object's prototype rather than a key; Slack has no such argument.
      if (name === 'token' || name === '__proto__') continue;
      const t = types.get(name);
      const value = isJson ? fields[name] : firstValue(fields[name]);
      merged[name] = t === undefined ? value : coerce(value, t);
    }
    return { params, query: {}, body: merged };
  };
}

// ---------------------------------------------------------------------------------------------
// Authentication

/** The token a request carries: `Authorization: Bearer`, else a `token` body field, else the query string. */
export function requestToken(req: NormalisedRequest): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m) return m[1];
  }
  const fromBody = bodyFields(req.body).token;
  if (typeof fromBody === 'string' && fromBody) return fromBody;
  const fromQuery = firstValue(req.query.token);
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  return undefined;
}

/** `client_id`/`client_secret` from HTTP Basic auth or the arguments, as oauth.v2.access accepts them. */
export function clientCredentials(req: NormalisedRequest, args: Record<string, unknown>): { clientId?: string; clientSecret?: string } {
  const header = req.headers.authorization;
  const m = header ? /^Basic\s+(\S+)\s*$/i.exec(header) : null;
  if (m) {
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep > 0) return { clientId: decoded.slice(0, sep), clientSecret: decoded.slice(sep + 1) };
  }
  const clientId = args.client_id;
  const clientSecret = args.client_secret;
  return {
    clientId: typeof clientId === 'string' ? clientId : undefined,
    clientSecret: typeof clientSecret === 'string' ? clientSecret : undefined,
  };
}

function html404(message: string): TwinError {
  return new TwinError(
    {
      status: 404,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: `<!doctype html><title>Not found</title><p>${message}</p>`,
    },
    message,
  );
}

/** Operations with `security: []` prove who they are by their own means. */
function authenticateOwnWay(ctx: AuthContext<SlackState>): AuthResult<SlackState, SlackPrincipal> {
  const { op, req, input } = ctx;
  const args = {
    ...flatten(req.query),
    ...bodyFields(req.body),
    ...(input.body && typeof input.body === 'object' ? bodyFields(input.body) : {}),
  };
  const found = (tenant: Tenant<SlackState> | undefined): AuthResult<SlackState, SlackPrincipal> | undefined =>
    tenant ? { tenant, principal: NONE(tenant.state.app.app_id) } : undefined;
  switch (op.operationId) {
    case 'oauth.v2.access':
    case 'oauth.access':
    case 'oauth.v2.exchange': {
      const { clientId } = clientCredentials(req, args);
      if (!clientId) throw invalidClientId();
      const result = found(ctx.tenantFor(clientId));
      if (!result) throw invalidClientId();
      return result;
    }
    case 'oauthAuthorizePage':
    case 'oauthAuthorizeApprove': {
      const clientId = typeof args.client_id === 'string' ? args.client_id : '';
      const result = clientId ? found(ctx.tenantFor(clientId)) : undefined;
      if (!result) {
        throw new TwinError(
          {
            status: 400,
            headers: { 'content-type': 'text/html; charset=utf-8' },
            body: '<!doctype html><title>Slack</title><h1>Invalid client_id parameter</h1>',
          },
          'invalid_client_id',
        );
      }
      return result;
    }
    case 'responseUrlPost': {
      // The URL's random secret names the workspace; the team id in it is public.
      const result = found(ctx.tenantFor(input.params.secret ?? ''));
      if (!result) throw new TwinError(slackErrorResponse('expired_url', {}, 404), 'expired_url');
      return result;
    }
    case 'filesUploadBytes': {
      // The upload URL's key is random: file ids are not secrets.
      const result = found(ctx.tenantFor(input.params.file_id ?? ''));
      if (!result) throw html404('No such upload');
      return result;
    }
    default: {
      const tenant = ctx.defaultTenant();
      return { tenant, principal: NONE(tenant.state.app.app_id) };
    }
  }
}

/**
 * Slack's authentication: the token names the workspace; a missing, unknown, revoked or
 * deactivated token fails with Slack's code; then the token needs any one of the scopes the
 * operation's `x-slack-scopes` lists for its type (an empty list needs none).
 *
 * Limitations: tokens in the query string are always accepted (Slack refuses them for apps
 * created after 2021-02-24).
 */
export function authenticateSlack(ctx: AuthContext<SlackState>): AuthResult<SlackState, SlackPrincipal> {
  const { op, req } = ctx;
  // Operations that do not take a Slack token (OAuth, upload and response URLs) prove themselves otherwise.
  const takesToken = !Array.isArray(op.security) || op.security.some((s) => 'slackToken' in s);
  if (!takesToken || (Array.isArray(op.security) && op.security.length === 0)) return authenticateOwnWay(ctx);
  const token = requestToken(req);
  if (!token) throw notAuthed();
  const tenant = ctx.tenantFor(token);
  const record = tenant?.state.tokens.get(token);
  if (!tenant || !record) throw invalidAuth();
  // From here the token names a workspace: its refusals are journaled under that tenant.
  const t = tenant as Tenant<unknown>;
  if (record.revoked) throw tokenRevoked().inTenant(t);
  const user = tenant.state.users.get(record.user_id);
  if (!user || user.deleted) throw accountInactive().inTenant(t);
  const scopes = operationScopes(op);
  if (scopes) {
    const accepted = scopes[record.type];
    if (!accepted) throw notAllowedTokenType().inTenant(t);
    if (accepted.length > 0 && !accepted.some((s) => record.scopes.includes(s))) throw missingScope(accepted, record.scopes).inTenant(t);
  }
  const app = tenant.state.app;
  return {
    tenant,
    principal: {
      token,
      tokenType: record.type,
      userId: record.user_id,
      botId: record.type === 'bot' ? app.bot_id : undefined,
      appId: app.app_id,
      // The token record's own list: nothing changes a principal's scopes, and sharing it lets headers be cached.
      scopes: record.scopes,
    },
  };
}

/** Real Slack's scope headers; the Node SDK copies them into `response_metadata.scopes` / `acceptedScopes`. */
// Joined scope lists, once per token's scope list and per operation rather than per request.
const joinedScopes = new WeakMap<readonly string[], string>();
function joined(list: readonly string[]): string {
  let s = joinedScopes.get(list);
  if (s === undefined) {
    s = list.join(',');
    joinedScopes.set(list, s);
  }
  return s;
}

export function slackResponseHeaders(ctx: OperationContext<SlackState, SlackPrincipal>): Record<string, string> {
  const p = ctx.principal;
  if (!p || p.tokenType === 'none') return {};
  const accepted = operationScopes(ctx.op)?.[p.tokenType] ?? NO_SCOPES;
  return { 'x-oauth-scopes': joined(p.scopes), 'x-accepted-oauth-scopes': joined(accepted) };
}

const NO_SCOPES: readonly string[] = [];

/** Whether the caller holds a scope. */
export function hasScope(p: SlackPrincipal, scope: string): boolean {
  return p.scopes.includes(scope);
}
