// The twin kernel's public types: requests, responses, twin definitions and operation contexts.

import type { Clock } from './clock.ts';
import type { OpenApiDocument, OperationSpec } from './openapi.ts';
import type { DeliverySpec, OutboundDelivery } from './outbox.ts';
import type { SecretFormat, TenantSecrets } from './secrets.ts';

/** A request as every transport (fastify, msw, in-process fetch) hands it to the kernel. */
export interface TwinRequest {
  method: string;
  /** The full URL as the client addressed it; its origin is the twin's external base URL. */
  url: URL;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: Uint8Array;
  /**
   * The tenant prefix the door took off the path (`/t/<tenantId>`): `baseUrl` keeps it, so every
   * self link, issuer and callback URL is absolute on the URL the caller used.
   */
  basePath?: string;
  /** The tenant the URL names (`/t/<tenantId>/…`): the request belongs to it and to no other. */
  tenantId?: string;
}

/** What the kernel answers; adapters write it out unchanged. */
export interface TwinResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Close the connection without an answer (a "dropped connection" fault). */
  drop?: boolean;
}

/** The request once its body is parsed: what operations and validators see. */
export interface NormalisedRequest {
  method: string;
  url: URL;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  contentType: string;
  rawBody?: Uint8Array;
  /** JSON or form fields as an object, multipart as `{ fields, files }`, text as a string. */
  body: unknown;
  /**
   * The external base URL, e.g. `http://127.0.0.1:3000`, or `http://127.0.0.1:3000/t/acme` when
   * the caller named a tenant in the path: self links and URLs are built on it.
   */
  baseUrl: string;
}

/** An uploaded part of a multipart body. */
export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Uint8Array;
}

/** Platform-level failures that each twin renders in its vendor's shape. */
export type KernelErrorKind =
  | 'route_not_found'
  | 'method_not_allowed'
  | 'malformed_body'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'validation'
  | 'rate_limited'
  | 'fault'
  | 'not_implemented'
  | 'internal';

export interface ValidationIssue {
  /** Where: `body.channel`, `query.limit`, `path.issueIdOrKey`. */
  location: string;
  /** The argument's name (last segment of location), when there is one. */
  name?: string;
  keyword: string;
  message: string;
}

export interface KernelErrorDetail {
  message?: string;
  operationId?: string;
  allowed?: string[];
  issues?: ValidationIssue[];
  /** Seconds, for rate limits. */
  retryAfter?: number;
  /** The rate-limit bucket that ran dry, for vendor headers. */
  limit?: { perMinute: number; remaining: number; resetAtMs: number };
  /** For armed faults: the status and vendor error code to answer with. */
  status?: number;
  error?: string;
}

/** Input a twin's `parseInput` produced: what the validators check and the operation gets. */
export interface OperationInput {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

/** One tenant: a Slack workspace, an Okta org, a Jira site. Nothing is shared between tenants. */
export interface Tenant<S> {
  id: string;
  seed: number;
  /** Creation order in this process; with the seed it decides the tenant's ids (never its secrets). */
  ordinal: number;
  /** The tenant's credentials and secrets, random, by role (see src/kernel/secrets.ts). */
  secrets: TenantSecrets;
  state: S;
  clock: Clock;
  createdAt: number;
}

export interface AuthContext<S> {
  req: NormalisedRequest;
  op: OperationSpec;
  input: OperationInput;
  /**
   * Find the tenant that owns a credential (token, client id, API key): `TenantRegistry.byCredential`.
   * When the URL names a tenant, a credential of any other tenant is unknown here (the twin then
   * refuses it as the vendor refuses a token of another org).
   */
  tenantFor(credential: string): Tenant<S> | undefined;
  /** The default tenant, for operations a vendor serves without credentials (the URL's tenant when it names one). */
  defaultTenant(): Tenant<S>;
  /** The tenant the URL names (`/t/<tenantId>/…`), when it names one. */
  pinnedTenant?: Tenant<S>;
}

export interface AuthResult<S, P> {
  tenant: Tenant<S>;
  principal: P;
}

/** What an operation handler gets. */
export interface OperationContext<S, P, A = Record<string, unknown>> {
  twin: string;
  operationId: string;
  op: OperationSpec;
  /** Validated, coerced arguments: the body for most twins, merged query+form+JSON for Slack. */
  args: A;
  params: Record<string, string>;
  query: Record<string, unknown>;
  req: NormalisedRequest;
  tenant: Tenant<S>;
  state: S;
  principal: P;
  /** Milliseconds on the tenant's clock (real or virtual). */
  now(): number;
  baseUrl: string;
  /** Queue an outbound delivery (event, webhook, slash command) through the outbox. */
  deliver(spec: DeliverySpec): OutboundDelivery;
  /** Run `fn` when the tenant's clock reaches `atMs`. */
  schedule(atMs: number, fn: () => void | Promise<void>): void;
  /** Re-read the tenant's credentials after the operation minted or revoked one. */
  reindexCredentials(): void;
}

export type OperationHandler<S, P> = (ctx: OperationContext<S, P, never>) => unknown | Promise<unknown>;

export interface RateLimitRule {
  /** Sustained requests per minute. */
  perMinute: number;
  /** How many may come at once before the sustained rate applies. */
  burst: number;
}

/** A control-plane route a twin adds under `/_twin/<twin>/...`. */
export interface ControlRoute<S> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below `/_twin/`, e.g. `slack/app` (`:name` segments become params). */
  path: string;
  handler(ctx: ControlContext<S>): unknown | Promise<unknown>;
}

export interface ControlContext<S> {
  tenant: Tenant<S>;
  body: Record<string, unknown>;
  query: Record<string, string>;
  params: Record<string, string>;
  baseUrl: string;
  deliver(spec: DeliverySpec): OutboundDelivery;
  reindexCredentials(): void;
}

/** Everything that makes one service's twin. */
export interface TwinDefinition<S, P> {
  name: string;
  title: string;
  /** The twin's contract; routes, parameters and validation come from it. */
  openapi: OpenApiDocument;
  /**
   * When a path exists but not for the request's method, use this method's operation instead
   * (Slack accepts GET and POST for every Web API method).
   */
  methodFallback?: string;
  /** Coerce body strings to the schema's types (form-encoded APIs). */
  coerceBody?: boolean;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Turn a parsed request into validator input. Default: path params, query, body. */
  parseInput?(req: NormalisedRequest, op: OperationSpec, params: Record<string, string>): OperationInput;
  authenticate(ctx: AuthContext<S>): AuthResult<S, P>;
  /** Render a platform failure in the vendor's shape. */
  renderError(kind: KernelErrorKind, detail: KernelErrorDetail, req: NormalisedRequest | undefined): TwinResponse;
  /** Map an operation's result to the wire. Default: 200 JSON. */
  respond?(result: unknown, ctx: OperationContext<S, P>): TwinResponse;
  /**
   * The last touch on every vendor answer, errors included (Okta's `X-Rate-Limit-*`, `Date` and
   * `X-Okta-Request-Id`). `rateLimit` is the bucket the request drew from, when one applied.
   */
  finishResponse?(res: TwinResponse, info: FinishInfo<S>): void;
  /** Headers added to every answer to an authenticated request (Slack's x-oauth-scopes). */
  responseHeaders?(ctx: OperationContext<S, P>): Record<string, string>;
  /**
   * Fresh state for a tenant; the same seed gives the same state apart from its secrets. Every
   * token, secret or other credential comes from `secrets` (`get(kind)` for the seeded ones, so a
   * reset keeps them; `mint(kind)` for new ones), never from the seed. The kernel always passes
   * `secrets`; a caller outside it (a benchmark) may leave it out and get throwaway ones.
   */
  createState(opts: { seed: number; tenantId: string; ordinal: number; secrets?: TenantSecrets }): S;
  /** What each kind of secret looks like (`{ 'bot-token': 'xoxb-{d13}-{d13}-{a24}' }`); each needs 80 random bits or more. */
  secretFormats?: Record<string, SecretFormat>;
  /**
   * Credentials that identify the tenant (tokens, client ids) for `tenantFor`. Each must be one of
   * the tenant's secrets: a snapshot restore refuses state naming any other.
   */
  credentialKeys(state: S): string[];
  /** Environment variables an app needs to reach this tenant (`twins up` prints them). */
  env(state: S, baseUrl: string): Record<string, string>;
  /** Restore state from a snapshot. Default: the JSON as is. */
  restoreState?(json: unknown): S;
  operations: Record<string, OperationHandler<S, P>>;
  /** Rate-limit rules by the name an operation's `x-twin-rate-limit` gives. */
  rateLimits?: Record<string, RateLimitRule>;
  /**
   * Extra key for a rate-limit bucket (e.g. Slack's per-channel posting limit): a string adds to the
   * operation's bucket; `{ shared }` names a bucket several operations draw from together (Jira's
   * per-issue write limit counts every kind of write to an issue).
   */
  rateLimitKey?(op: OperationSpec, input: OperationInput): string | { shared: string } | undefined;
  /** Twin-specific control-plane routes. */
  control?: ControlRoute<S>[];
  /** The OpenAPI document of those routes (read on demand), merged into `GET /_twin/openapi.json`. */
  controlOpenapi?: () => OpenApiDocument;
  /** Called after a tenant's state is created or restored, e.g. to re-arm scheduled work. */
  onTenantReady?(tenant: Tenant<S>, kernel: { deliver(spec: DeliverySpec): OutboundDelivery }): void;
  /**
   * What the inspector page (`/_twin/ui`) shows of a tenant's state, in the vendor's vocabulary
   * (Slack: channels, messages with threads and reactions, users). Without it the page shows the
   * tenant's sealed snapshot state as tables. Called on every refresh: keep it cheap and bounded.
   */
  inspect?(state: S): InspectorView;
}

/** One cell of an inspector table: always shown as text, never as markup. */
export type InspectorCell = string | number | boolean | null;

/** An entry of an inspector list (a message), with its own entries below it (the thread). */
export interface InspectorItem {
  /** Stable within its section (a message ts): what a person opened stays open across refreshes. */
  key?: string;
  /** The headline (the author). */
  title: string;
  /** The body (the message text), shown as text with its line breaks. */
  text?: string;
  /** Small print (ts, subtype, "edited"). */
  meta?: string[];
  /** Badges (reactions with their count and who). */
  tags?: string[];
  items?: InspectorItem[];
}

/** A section of the inspector page: a table, a list of items, or any JSON value shown indented. */
export type InspectorSection =
  | { kind: 'table'; title: string; columns: string[]; rows: InspectorCell[][]; note?: string }
  | { kind: 'list'; title: string; items: InspectorItem[]; note?: string }
  | { kind: 'json'; title: string; value: unknown; note?: string };

/** What a twin's `inspect` hook returns: the sections the page shows, in order. */
export interface InspectorView {
  sections: InspectorSection[];
}

/** What `finishResponse` learns about the request it finishes. */
export interface FinishInfo<S> {
  req?: NormalisedRequest;
  op?: OperationSpec;
  tenant?: Tenant<S>;
  /** The tenant the URL names (the default one at the root), known even when the request failed before authentication. */
  urlTenant?: Tenant<S>;
  /** The rate-limit bucket the request drew from (absent when limits are off or the operation has none). */
  rateLimit?: { perMinute: number; remaining: number; resetAtMs: number };
  /** Whether the kernel's rate limits are on. */
  rateLimitsEnabled: boolean;
}

/** An error an operation throws to answer with a vendor-shaped response. */
export class TwinError extends Error {
  readonly response: TwinResponse;
  /**
   * The tenant the request reached, when authentication failed after finding it (a revoked
   * token, a missing scope): the journal then files the refusal under that tenant.
   */
  tenant?: Tenant<unknown>;
  constructor(response: TwinResponse, message?: string) {
    super(message ?? `twin error ${response.status}`);
    this.response = response;
  }

  /** Name the tenant this refusal belongs to. */
  inTenant(tenant: Tenant<unknown>): this {
    this.tenant = tenant;
    return this;
  }
}

/** Build a JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): TwinResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}
