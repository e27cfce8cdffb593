// The vendor API's request pipeline: normalise → route → authenticate → faults and rate limits → validate → operation → journal.

import { performance } from 'node:perf_hooks';
import { normalise } from './body.ts';
import type { ClockMode } from './clock.ts';
import { KernelError } from './errors.ts';
import { FaultRegistry } from './faults.ts';
import { whenIdle } from './idle.ts';
import { JOURNAL_RESPONSE_LIMIT, Journal } from './journal.ts';
import { collectOperations, type OperationSpec, Router } from './openapi.ts';
import { type DeliverySpec, type OutboundDelivery, Outbox, type OutboxOptions } from './outbox.ts';
import { RateLimiter, type RateLimitVerdict } from './rate-limits.ts';
import { type TenantOptions, TenantRegistry } from './tenants.ts';
import {
  json,
  type KernelErrorDetail,
  type KernelErrorKind,
  type NormalisedRequest,
  type OperationContext,
  type OperationInput,
  type Tenant,
  type TwinDefinition,
  TwinError,
  type TwinRequest,
  type TwinResponse,
  type ValidationIssue,
} from './types.ts';
import { Validators } from './validation.ts';

export interface KernelOptions {
  /** Seed for the default tenant's data (and for fault probabilities). */
  seed?: number;
  /** Answer over-limit calls with the vendor's rate-limit error. Default on. */
  rateLimits?: boolean;
  /** How many journal entries to keep. */
  journalSize?: number;
  /** Largest request body accepted, in bytes (the twin's own limit wins when smaller). */
  bodyLimit?: number;
  /** Default clock mode for new tenants. */
  clock?: ClockMode;
  /** Where new tenants' clocks start (epoch ms); now when absent. Fixing it makes runs repeatable. */
  clockStart?: number;
  outbox?: OutboxOptions;
  /** Check every JSON answer against the contract and record what does not match (tests). */
  recordResponseViolations?: boolean;
  /**
   * When to compile the contract's validators: `background` (default) right after construction,
   * a few ms at a time; `eager` before the constructor returns (a bad schema throws there).
   */
  compileValidators?: 'background' | 'eager';
  /** Where internal errors are reported (never to the client). */
  log?: (message: string, err?: unknown) => void;
  /**
   * Lock the control plane (src/control): only callers sending `x-twin-control-token: <this>` may
   * use it beyond health and its documents; see docs/control-plane.md. Unset (the default): open
   * to anyone who can reach the port (a developer's own machine). Vendor credentials never open
   * it, locked or not.
   */
  controlToken?: string;
}

/** What `kernel.fetch` hands each request to: the vendor pipeline, unless a host put a front door before it. */
export type FrontDoor = (req: TwinRequest) => Promise<TwinResponse>;

/** A snapshot restore the kernel refused: nothing was changed. */
export class SnapshotRefused extends Error {
  constructor(
    readonly code: 'foreign_credential' | 'invalid_snapshot',
    message: string,
  ) {
    super(message);
  }
}

export interface ResponseViolation {
  operationId: string;
  status: number;
  issues: ValidationIssue[];
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A twin's definition, typed; the only thing a twin's index.ts needs from the kernel. */
export function defineTwin<S, P>(def: TwinDefinition<S, P>): TwinDefinition<S, P> {
  return def;
}

/**
 * One twin's engine: state per tenant, the vendor API's request pipeline and the outbox. It knows
 * nothing of the control plane: `src/control` uses it, and `src/host.ts` puts the two behind one
 * door (the adapters and the public `createKernel` of `src/index.ts` do that for you).
 *
 * @example
 *   const kernel = createKernel(slackTwin, { seed: 42 }); // from src/index.ts
 *   const res = await kernel.fetch('http://slack.test/api/auth.test', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
 */
export class Kernel<S = unknown, P = unknown> {
  readonly def: TwinDefinition<S, P>;
  readonly operations: OperationSpec[];
  readonly tenants: TenantRegistry<S>;
  readonly journal: Journal;
  readonly faults: FaultRegistry;
  readonly limiter: RateLimiter;
  readonly outbox: Outbox;
  readonly options: Required<Pick<KernelOptions, 'seed' | 'bodyLimit' | 'clock'>> & KernelOptions;
  readonly responseViolations: ResponseViolation[] = [];
  readonly startedAt = Date.now();
  /** Settles when every operation's validators are compiled. */
  readonly validatorsReady: Promise<void> = Promise.resolve();
  private readonly router: Router;
  private readonly validators: Validators;
  private readonly log: (message: string, err?: unknown) => void;
  private closed = false;
  private readonly deliverBound = (spec: DeliverySpec): OutboundDelivery => this.deliver(spec);
  // Made once: the request path hands these to `authenticate` without making closures per request.
  private readonly tenantFor = (credential: string): Tenant<S> | undefined => this.tenants.byCredential(credential);
  private door: FrontDoor = (req) => this.handle(req);
  private readonly defaultTenant = (): Tenant<S> => this.tenants.default();
  private readonly tenantHelpers = new WeakMap<Tenant<S>, Pick<OperationContext<S, P>, 'now' | 'schedule' | 'reindexCredentials'>>();

  constructor(def: TwinDefinition<S, P>, options: KernelOptions = {}) {
    this.def = def;
    this.log = options.log ?? ((m, e) => console.error(`[twin:${def.name}] ${m}`, e ?? ''));
    this.options = {
      ...options,
      seed: options.seed ?? 1,
      bodyLimit: Math.min(options.bodyLimit ?? DEFAULT_BODY_LIMIT, def.bodyLimit ?? Number.POSITIVE_INFINITY),
      clock: options.clock ?? 'real',
    };
    this.operations = collectOperations(def.openapi);
    this.router = new Router(this.operations);
    this.validators = new Validators(def.openapi, this.operations, def.coerceBody ?? false);
    if (options.compileValidators === 'eager') this.validators.compileAll();
    else {
      // Once the process goes quiet (its twins started, the first health checks answered), so ajv never
      // takes the CPU in the middle of a start; at most a few seconds later when it stays busy.
      this.validatorsReady = new Promise<void>((resolve) => {
        whenIdle(() => {
          this.validators
            .warmUp(8, () => this.closed)
            .catch((err) => this.log('compiling the contract validators failed', err))
            .finally(resolve);
        });
      });
    }
    this.journal = new Journal(options.journalSize ?? 10_000);
    this.faults = new FaultRegistry(this.options.seed);
    this.limiter = new RateLimiter(options.rateLimits ?? true);
    this.outbox = new Outbox(options.outbox);
    this.tenants = new TenantRegistry<S>(def as TwinDefinition<S, unknown>, {
      seed: this.options.seed,
      clock: this.options.clock,
      clockStart: options.clockStart,
      onTimerError: (err) => this.log('a scheduled task failed', err),
    });
    this.createTenant();
  }

  get name(): string {
    return this.def.name;
  }

  /** Create a tenant with fresh seeded state. */
  createTenant(opts: TenantOptions = {}): Tenant<S> {
    const tenant = this.tenants.create(opts);
    this.def.onTenantReady?.(tenant, { deliver: (spec) => this.deliver(spec) });
    return tenant;
  }

  /** Replace a tenant's state (snapshot restore) and re-arm its scheduled work. */
  restoreTenant(tenant: Tenant<S>, state: S): void {
    tenant.clock.dispose();
    this.tenants.replaceState(tenant, state);
    this.def.onTenantReady?.(tenant, { deliver: (spec) => this.deliver(spec) });
  }

  /**
   * Throw every tenant away and start again from the seed. The default tenant comes back with its
   * own credentials, so an app started with what `twins up` printed keeps working.
   */
  reset(): void {
    const keep = this.tenants.get(this.tenants.defaultId)?.secrets;
    this.tenants.clear();
    this.journal.clear();
    this.faults.disarm();
    this.limiter.clear();
    this.outbox.clear();
    this.createTenant(keep ? { id: this.tenants.defaultId, secrets: keep } : {});
  }

  /** Reset one tenant to its seeded state. */
  resetTenant(tenant: Tenant<S>): void {
    this.journal.clear(tenant.id);
    this.limiter.clear(tenant.id);
    this.outbox.forgetTenant(tenant.id);
    this.faults.disarm({ tenant: tenant.id });
    this.restoreTenant(
      tenant,
      this.def.createState({ seed: tenant.seed, tenantId: tenant.id, ordinal: tenant.ordinal, secrets: tenant.secrets }),
    );
  }

  /**
   * A tenant's state as a snapshot holds it: plain JSON with every secret replaced by a stable
   * placeholder (`<<twin-secret:bot-token>>`), so the same seed gives the same bytes in any
   * process and a snapshot never carries a credential out.
   */
  snapshotState(tenant: Tenant<S>): unknown {
    return JSON.parse(tenant.secrets.seal(JSON.stringify(tenant.state)));
  }

  /**
   * Check a snapshot's state for `tenant` and return it ready for `restoreTenant`: placeholders
   * become the tenant's own secrets; then every credential the state names must be one of them.
   * A state naming any other credential (another tenant's token, or one of the caller's choosing)
   * throws SnapshotRefused, and the tenant is left as it was.
   */
  prepareRestore(tenant: Tenant<S>, snapshotState: unknown): S {
    let parsed: unknown;
    try {
      parsed = JSON.parse(tenant.secrets.unseal(JSON.stringify(snapshotState)));
    } catch (err) {
      throw new SnapshotRefused('invalid_snapshot', (err as Error).message);
    }
    let state: S;
    let keys: string[];
    try {
      state = (this.def.restoreState ? this.def.restoreState(parsed) : parsed) as S;
      keys = this.def.credentialKeys(state);
    } catch (err) {
      throw new SnapshotRefused(
        'invalid_snapshot',
        `the snapshot's state is not a ${this.def.name} tenant's state (${(err as Error).message})`,
      );
    }
    for (const key of keys) {
      if (typeof key !== 'string' || !tenant.secrets.has(key)) {
        throw new SnapshotRefused(
          'foreign_credential',
          `the snapshot names a credential that is not tenant "${tenant.id}"'s own; a restore cannot add, change or move credentials (snapshots hold placeholders such as <<twin-secret:bot-token>> instead)`,
        );
      }
    }
    return state;
  }

  /**
   * The environment an app needs to reach a tenant through `baseUrl` (the twin's origin). Every
   * tenant but the default one is reached under its own prefix, `<baseUrl>/t/<tenantId>`, so
   * URLs that name no credential (Okta's discovery, a Jira site) still name the tenant.
   */
  env(tenant: Tenant<S>, baseUrl: string): Record<string, string> {
    return this.def.env(tenant.state, this.tenantBaseUrl(tenant, baseUrl));
  }

  /** A tenant's base URL on `origin`: the origin itself for the default tenant, else `origin/t/<id>`. */
  tenantBaseUrl(tenant: Tenant<S>, origin: string): string {
    return tenant.id === this.tenants.defaultId ? origin : `${origin}/t/${tenant.id}`;
  }

  deliver(spec: DeliverySpec): OutboundDelivery {
    return this.outbox.enqueue(spec);
  }

  /** Render a platform failure in the vendor's shape (adapters use this for transport errors). */
  renderError(kind: KernelErrorKind, detail: KernelErrorDetail = {}, req?: NormalisedRequest): TwinResponse {
    try {
      return this.def.renderError(kind, detail, req);
    } catch (err) {
      this.log(`renderError(${kind}) failed`, err);
      return json(500, { error: 'internal_error' });
    }
  }

  /**
   * Put a front door before the pipeline: what `kernel.fetch` hands requests to. `src/host.ts`
   * does, so that `/_twin/` requests reach the control plane and the rest this pipeline.
   */
  setFrontDoor(door: FrontDoor): void {
    this.door = door;
  }

  /** In-process transport: a fetch-compatible function through the front door, no server needed. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const res = await this.door({
      method: request.method,
      url: new URL(request.url),
      headers: Object.fromEntries(request.headers.entries()),
      body,
    });
    if (res.drop) throw new TypeError('fetch failed: the twin dropped the connection (fault)');
    return toFetchResponse(res);
  };

  /**
   * Handle one vendor API request. Never throws: every failure becomes a vendor-shaped answer.
   * Control-plane paths are not routed here (the host sends them to src/control); one that
   * arrives anyway is an unknown route of the vendor API.
   */
  async handle(req: TwinRequest): Promise<TwinResponse> {
    const started = performance.now();
    let normalised: NormalisedRequest | undefined;
    let op: OperationSpec | undefined;
    let tenant: Tenant<S> | undefined;
    let args: unknown;
    let response: TwinResponse;
    let rateLimit: RateLimitVerdict['limit'] | undefined;
    try {
      const n = normalise(req, this.options.bodyLimit);
      normalised = n instanceof Promise ? await n : n;
      // A URL naming a tenant (`/t/<id>/…`, see src/host.ts) pins the request to it.
      const pinned = req.tenantId === undefined ? undefined : this.tenants.get(req.tenantId);
      if (req.tenantId !== undefined && !pinned) {
        throw new KernelError('route_not_found', { message: `no tenant "${req.tenantId}" on this twin` });
      }
      const match = this.router.match(normalised.method, normalised.path, this.def.methodFallback);
      if (!match) throw new KernelError('route_not_found', { message: `no route for ${normalised.method} ${normalised.path}` });
      if ('allowed' in match) {
        throw new KernelError('method_not_allowed', {
          message: `${normalised.method} is not allowed on ${normalised.path}`,
          allowed: match.allowed,
        });
      }
      op = match.op;
      this.checkMediaType(op, normalised);
      const input: OperationInput = this.def.parseInput?.(normalised, op, match.params) ?? {
        params: match.params,
        query: { ...normalised.query },
        body: normalised.body,
      };
      args = input.body;
      const auth = this.def.authenticate({
        req: normalised,
        op,
        input,
        tenantFor: pinned ? (credential) => this.pinnedTenantFor(pinned, credential) : this.tenantFor,
        defaultTenant: pinned ? () => pinned : this.defaultTenant,
        pinnedTenant: pinned,
      });
      tenant = auth.tenant;
      // Most requests meet no armed fault: skip the await (and its microtask) for them.
      const early = this.faults.isEmpty() ? undefined : await this.applyFaults(op, tenant, normalised);
      if (early) {
        response = early;
      } else {
        const verdict = this.applyRateLimit(op, tenant, input);
        rateLimit = verdict?.limit;
        if (verdict && !verdict.allowed) {
          throw new KernelError('rate_limited', { retryAfter: verdict.retryAfter, limit: verdict.limit, operationId: op.operationId });
        }
        const issues = this.validators.validate(op, input);
        if (issues.length > 0) {
          throw new KernelError('validation', {
            issues,
            operationId: op.operationId,
            message: issues.map((i) => `${i.location} ${i.message}`).join('; '),
          });
        }
        response = await this.invoke(op, normalised, input, auth.tenant, auth.principal);
      }
    } catch (err) {
      if (!tenant && err instanceof TwinError && err.tenant) tenant = err.tenant as Tenant<S>;
      response = this.toResponse(err, normalised, op);
    }
    if (this.def.finishResponse) {
      try {
        // The tenant the URL names dates answers refused before authentication found one.
        const urlTenant = tenant ?? this.tenants.get(req.tenantId ?? this.tenants.defaultId);
        this.def.finishResponse(response, { req: normalised, op, tenant, urlTenant, rateLimit, rateLimitsEnabled: this.limiter.enabled });
      } catch (err) {
        this.log('finishResponse failed', err);
      }
    }
    if (this.options.recordResponseViolations && op) this.checkResponse(op, response);
    this.record(req, normalised, op, tenant, args, response, started);
    return response;
  }

  private async invoke(
    op: OperationSpec,
    req: NormalisedRequest,
    input: OperationInput,
    tenant: Tenant<S>,
    principal: P,
  ): Promise<TwinResponse> {
    const handler = this.def.operations[op.operationId];
    if (!handler) {
      throw new KernelError('not_implemented', {
        operationId: op.operationId,
        message: `${op.operationId} is in the contract but not implemented by the twin`,
      });
    }
    const ctx: OperationContext<S, P> = {
      twin: this.def.name,
      operationId: op.operationId,
      op,
      args: (input.body ?? {}) as Record<string, unknown>,
      params: input.params,
      query: input.query,
      req,
      tenant,
      state: tenant.state,
      principal,
      baseUrl: req.baseUrl,
      deliver: this.deliverBound,
      ...this.helpersFor(tenant),
    };
    let result = (handler as (c: OperationContext<S, P>) => unknown)(ctx);
    if (result instanceof Promise) result = await result;
    const response = this.def.respond ? this.def.respond(result, ctx) : json(200, result);
    const extra = this.def.responseHeaders?.(ctx);
    if (extra) for (const k in extra) if (!(k in response.headers)) response.headers[k] = extra[k];
    return response;
  }

  /** A tenant's context functions, made once per tenant rather than once per request. */
  private helpersFor(tenant: Tenant<S>): Pick<OperationContext<S, P>, 'now' | 'schedule' | 'reindexCredentials'> {
    let helpers = this.tenantHelpers.get(tenant);
    if (!helpers) {
      helpers = {
        now: () => tenant.clock.now(),
        schedule: (at, fn) => {
          tenant.clock.schedule(at, fn);
        },
        reindexCredentials: () => this.tenants.reindex(tenant),
      };
      this.tenantHelpers.set(tenant, helpers);
    }
    return helpers;
  }

  private checkMediaType(op: OperationSpec, req: NormalisedRequest): void {
    if (!req.rawBody || op.bodyContentTypes.length === 0) return;
    const type = req.contentType;
    let ok = false;
    for (const t of op.bodyContentTypes) {
      if (t === '*/*' || t === type || (t.endsWith('/*') && type.startsWith(t.slice(0, -1)))) {
        ok = true;
        break;
      }
    }
    if (!ok) {
      throw new KernelError('unsupported_media_type', {
        operationId: op.operationId,
        message: `content type "${req.contentType || '(none)'}" is not accepted; use ${op.bodyContentTypes.join(' or ')}`,
      });
    }
  }

  private async applyFaults(op: OperationSpec, tenant: Tenant<S>, req: NormalisedRequest): Promise<TwinResponse | undefined> {
    const fired = this.faults.take(op.operationId, tenant.id);
    for (const f of fired) {
      if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    }
    for (const f of fired) {
      if (f.drop) return { status: 0, headers: {}, drop: true };
      if (f.rateLimit) {
        return this.renderError('rate_limited', { retryAfter: f.rateLimit.retryAfter, operationId: op.operationId }, req);
      }
      if (f.status !== undefined || f.error !== undefined) {
        return this.renderError('fault', { status: f.status, error: f.error, operationId: op.operationId }, req);
      }
    }
    return undefined;
  }

  /** Take one request from the operation's bucket; undefined when limits are off or the operation has none. */
  private applyRateLimit(op: OperationSpec, tenant: Tenant<S>, input: OperationInput): RateLimitVerdict | undefined {
    if (!this.limiter.enabled) return undefined;
    const ruleName = op.extensions['x-twin-rate-limit'];
    const rule = typeof ruleName === 'string' ? this.def.rateLimits?.[ruleName] : undefined;
    if (!rule) return undefined;
    const extra = this.def.rateLimitKey?.(op, input);
    const key =
      typeof extra === 'object' ? `${tenant.id}|shared|${extra.shared}` : `${tenant.id}|${op.operationId}${extra ? `|${extra}` : ''}`;
    return this.limiter.take(key, rule, tenant.clock.now());
  }

  /** `tenantFor` for a request whose URL names a tenant: another tenant's credential is unknown there. */
  private pinnedTenantFor(pinned: Tenant<S>, credential: string): Tenant<S> | undefined {
    const owner = this.tenants.byCredential(credential);
    return owner === pinned ? owner : undefined;
  }

  private toResponse(err: unknown, req: NormalisedRequest | undefined, op: OperationSpec | undefined): TwinResponse {
    if (err instanceof TwinError) return err.response;
    if (err instanceof KernelError) return this.renderError(err.kind, { operationId: op?.operationId, ...err.detail }, req);
    this.log(`${op?.operationId ?? req?.path ?? 'request'} failed`, err);
    return this.renderError('internal', { operationId: op?.operationId }, req);
  }

  private checkResponse(op: OperationSpec, res: TwinResponse): void {
    if (!res.body || !(res.headers['content-type'] ?? '').includes('json')) return;
    let body: unknown;
    try {
      body = JSON.parse(typeof res.body === 'string' ? res.body : new TextDecoder().decode(res.body));
    } catch {
      this.responseViolations.push({
        operationId: op.operationId,
        status: res.status,
        issues: [{ location: 'response', keyword: 'json', message: 'not JSON' }],
      });
      return;
    }
    const issues = this.validators.validateResponse(op, res.status, body);
    if (issues.length > 0) this.responseViolations.push({ operationId: op.operationId, status: res.status, issues });
  }

  private record(
    req: TwinRequest,
    normalised: NormalisedRequest | undefined,
    op: OperationSpec | undefined,
    tenant: Tenant<S> | undefined,
    args: unknown,
    res: TwinResponse,
    started: number,
  ): void {
    const text = typeof res.body === 'string' && (res.headers['content-type'] ?? '').includes('json') ? res.body : undefined;
    const small = text !== undefined && text.length <= JOURNAL_RESPONSE_LIMIT ? text : undefined;
    const at = tenant ? tenant.clock.now() : Date.now();
    this.journal.record({
      at,
      tenant: tenant?.id,
      operation: op?.operationId,
      method: normalised?.method ?? req.method,
      path: req.url.pathname,
      status: res.drop ? 0 : res.status,
      error: small?.includes('"error') ? vendorErrorCode(safeParse(small as string)) : undefined,
      args: args instanceof Uint8Array ? `[${args.length} bytes]` : args,
      responseText: small,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
  }

  /** Stop timers, the outbox and background compilation. */
  close(): void {
    this.closed = true;
    this.outbox.close();
    for (const t of this.tenants.list()) t.clock.dispose();
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The vendor error code in an error body, whatever the vendor's shape. */
function vendorErrorCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (b.ok === false && typeof b.error === 'string') return b.error;
  if (typeof b.errorCode === 'string') return b.errorCode;
  if (typeof b.error === 'string') return b.error;
  if (Array.isArray(b.errorMessages) && b.errorMessages.length > 0) return String(b.errorMessages[0]);
  return undefined;
}

export function toFetchResponse(res: TwinResponse): Response {
  const nullBody = res.status === 204 || res.status === 304 || (res.status >= 100 && res.status < 200);
  return new Response(nullBody ? null : ((res.body ?? null) as BodyInit | null), { status: res.status, headers: res.headers });
}

/**
 * A kernel alone: the vendor API, with no control plane in front of its `fetch`. Most callers want
 * `createKernel` from `src/index.ts`, which puts the control plane behind the same door.
 */
export function createKernel<S, P>(def: TwinDefinition<S, P>, options?: KernelOptions): Kernel<S, P> {
  return new Kernel(def, options);
}
