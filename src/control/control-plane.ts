// The control plane under /_twin/ on every twin: health, tenants, reset, snapshots, journal, faults, clock, outbox.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { paramsToObject } from '../kernel/body.ts';
import type { ClockMode, ClockSnapshot } from '../kernel/clock.ts';
import { parseDuration } from '../kernel/duration.ts';
import type { FaultSpec } from '../kernel/faults.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { OpenApiDocument } from '../kernel/openapi.ts';
import { type ControlContext, json, type Tenant, TwinError, type TwinRequest, type TwinResponse } from '../kernel/types.ts';

/** A control-plane failure: `{ error: { code, message } }` with an HTTP status. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A control answer with a status other than 200. */
export class ControlReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export const SNAPSHOT_VERSION = 1;

interface Call {
  kernel: Kernel<unknown, unknown>;
  req: TwinRequest;
  body: Record<string, unknown>;
  query: Record<string, string>;
  params: Record<string, string>;
  baseUrl: string;
}

type Handler = (call: Call) => unknown | Promise<unknown>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

let controlDoc: unknown;
/** The control plane's own OpenAPI document, as JSON. */
export function controlOpenApi(): unknown {
  controlDoc ??= parseYaml(readFileSync(new URL('./openapi.yaml', import.meta.url), 'utf8'));
  return controlDoc;
}

/** The generic control plane's document plus the twin's own routes. */
function mergedControlOpenApi(kernel: Kernel<unknown, unknown>): unknown {
  const base = controlOpenApi() as OpenApiDocument;
  const extra = kernel.def.controlOpenapi?.();
  if (!extra) return base;
  return {
    ...base,
    info: { ...base.info, title: `${kernel.def.title} twin control plane` },
    paths: { ...base.paths, ...extra.paths },
    components: {
      ...base.components,
      schemas: { ...(base.components?.schemas ?? {}), ...(extra.components?.schemas ?? {}) },
    },
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The tenant a control call names (`tenant` in query or body, or `x-twin-tenant`), by id or credential; else the default. */
export function resolveTenant(call: Call): Tenant<unknown> {
  const ref = str(call.query.tenant) ?? str(call.body.tenant) ?? str(call.req.headers['x-twin-tenant']);
  if (!ref) return call.kernel.tenants.default();
  const t = call.kernel.tenants.find(ref);
  if (!t)
    throw new ControlError(
      404,
      'tenant_not_found',
      `no tenant "${ref}" on the ${call.kernel.name} twin; create one with POST /_twin/tenants`,
    );
  return t;
}

function namedTenant(call: Call): Tenant<unknown> | undefined {
  const ref = str(call.query.tenant) ?? str(call.body.tenant) ?? str(call.req.headers['x-twin-tenant']);
  return ref ? resolveTenant(call) : undefined;
}

function tenantView(call: Call, t: Tenant<unknown>) {
  return { id: t.id, seed: t.seed, clock: t.clock.state(), env: call.kernel.env(t, call.baseUrl) };
}

function isClockSnapshot(c: unknown): c is ClockSnapshot {
  const x = c as Record<string, unknown>;
  return (x?.mode === 'virtual' && Number.isFinite(x.now)) || (x?.mode === 'real' && Number.isFinite(x.offsetMs));
}

function toMs(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return Number(v);
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw new ControlError(400, 'invalid_argument', `${what} must be epoch milliseconds or an ISO-8601 time, got ${JSON.stringify(v)}`);
}

const generic: [string, string, Handler][] = [
  [
    'GET',
    'health',
    ({ kernel }) => ({
      status: 'ok',
      twin: kernel.name,
      title: kernel.def.title,
      uptimeMs: Date.now() - kernel.startedAt,
      tenants: kernel.tenants.list().length,
      rateLimits: kernel.limiter.enabled,
    }),
  ],
  ['GET', 'openapi.json', ({ kernel }) => mergedControlOpenApi(kernel)],
  ['GET', 'contract', ({ kernel }) => kernel.def.openapi],
  [
    'GET',
    'coverage',
    ({ kernel }) => {
      const operations = kernel.operations.map((op) => ({
        operationId: op.operationId,
        method: op.method,
        path: op.path,
        implemented: Boolean(kernel.def.operations[op.operationId]),
      }));
      return { twin: kernel.name, implemented: operations.filter((o) => o.implemented).length, total: operations.length, operations };
    },
  ],
  [
    'POST',
    'reset',
    (call) => {
      const t = namedTenant(call);
      if (t) {
        call.kernel.resetTenant(t);
        return { reset: t.id };
      }
      call.kernel.reset();
      return { reset: 'all', tenants: call.kernel.tenants.list().map((x) => x.id) };
    },
  ],
  ['GET', 'tenants', (call) => ({ tenants: call.kernel.tenants.list().map((t) => tenantView(call, t)) })],
  [
    'POST',
    'tenants',
    (call) => {
      const seed = call.body.seed === undefined ? undefined : Number(call.body.seed);
      if (seed !== undefined && !Number.isInteger(seed)) throw new ControlError(400, 'invalid_argument', 'seed must be an integer');
      const id = str(call.body.id);
      if (id && call.kernel.tenants.get(id)) throw new ControlError(409, 'tenant_exists', `tenant "${id}" exists already`);
      const clock = str(call.body.clock) as ClockMode | undefined;
      if (clock && clock !== 'real' && clock !== 'virtual')
        throw new ControlError(400, 'invalid_argument', 'clock must be "real" or "virtual"');
      const t = call.kernel.createTenant({ seed, id, clock, decoy: call.body.decoy === true });
      return new ControlReply(201, tenantView(call, t));
    },
  ],
  ['GET', 'tenants/:id', (call) => tenantView(call, resolveTenant({ ...call, query: { tenant: call.params.id } }))],
  [
    'DELETE',
    'tenants/:id',
    (call) => {
      const t = resolveTenant({ ...call, query: { tenant: call.params.id } });
      if (t === call.kernel.tenants.default())
        throw new ControlError(400, 'cannot_delete_default', 'the default tenant cannot be deleted; reset it instead');
      call.kernel.outbox.forgetTenant(t.id);
      call.kernel.tenants.remove(t.id);
      return { deleted: t.id };
    },
  ],
  [
    'GET',
    'snapshot',
    (call) => {
      const one = namedTenant(call);
      const list = one ? [one] : call.kernel.tenants.list();
      return {
        twin: call.kernel.name,
        version: SNAPSHOT_VERSION,
        tenants: list.map((t) => ({ id: t.id, seed: t.seed, clock: t.clock.snapshot(), state: t.state })),
      };
    },
  ],
  [
    'PUT',
    'snapshot',
    (call) => {
      const { body, kernel } = call;
      if (body.twin !== kernel.name)
        throw new ControlError(400, 'wrong_twin', `this snapshot is for "${String(body.twin)}", not the ${kernel.name} twin`);
      if (body.version !== SNAPSHOT_VERSION)
        throw new ControlError(
          400,
          'unsupported_version',
          `snapshot version ${String(body.version)} is not supported (expected ${SNAPSHOT_VERSION})`,
        );
      if (!Array.isArray(body.tenants)) throw new ControlError(400, 'invalid_snapshot', 'snapshot.tenants must be an array');
      const restored: string[] = [];
      for (const entry of body.tenants as Record<string, unknown>[]) {
        const id = str(entry?.id);
        if (!id || entry.state === undefined)
          throw new ControlError(400, 'invalid_snapshot', 'each snapshot tenant needs an id and a state');
        const state = kernel.def.restoreState ? kernel.def.restoreState(entry.state) : entry.state;
        const t = kernel.tenants.get(id) ?? kernel.createTenant({ id, seed: Number(entry.seed ?? kernel.options.seed) });
        const clock = entry.clock as ClockSnapshot | undefined;
        if (clock && !isClockSnapshot(clock))
          throw new ControlError(400, 'invalid_snapshot', 'clock must be {"mode":"virtual","now":ms} or {"mode":"real","offsetMs":ms}');
        if (clock) t.clock.restore(clock);
        kernel.restoreTenant(t, state);
        restored.push(id);
      }
      return { restored };
    },
  ],
  [
    'GET',
    'journal',
    (call) => {
      const q = call.query;
      const t = namedTenant(call);
      return {
        entries: call.kernel.journal.query({
          operation: str(q.operation),
          tenant: t?.id,
          since: toMs(q.since, 'since'),
          until: toMs(q.until, 'until'),
          status: q.status ? Number(q.status) : undefined,
          error: str(q.error),
          after: q.after ? Number(q.after) : undefined,
          limit: q.limit ? Number(q.limit) : undefined,
        }),
      };
    },
  ],
  [
    'DELETE',
    'journal',
    (call) => {
      call.kernel.journal.clear(namedTenant(call)?.id);
      return { cleared: true };
    },
  ],
  ['GET', 'faults', (call) => ({ faults: call.kernel.faults.list(namedTenant(call)?.id) })],
  [
    'POST',
    'faults',
    (call) => {
      const b = call.body;
      const operation = str(b.operation);
      if (!operation) throw new ControlError(400, 'invalid_argument', 'operation is required (an operationId, or "*" for all)');
      if (operation !== '*' && !call.kernel.operations.some((o) => o.operationId === operation)) {
        throw new ControlError(
          400,
          'unknown_operation',
          `the ${call.kernel.name} twin has no operation "${operation}"; see GET /_twin/coverage`,
        );
      }
      const spec: FaultSpec = { operation, tenant: namedTenant(call)?.id };
      if (b.status !== undefined) spec.status = Number(b.status);
      if (b.error !== undefined) spec.error = String(b.error);
      if (b.latencyMs !== undefined || b.latency !== undefined)
        spec.latencyMs = b.latencyMs !== undefined ? Number(b.latencyMs) : parseDuration(String(b.latency));
      if (b.drop !== undefined) spec.drop = Boolean(b.drop);
      if (b.rateLimit !== undefined) {
        const rl = b.rateLimit as { retryAfter?: number } | boolean;
        spec.rateLimit = { retryAfter: typeof rl === 'object' && rl.retryAfter !== undefined ? Number(rl.retryAfter) : 1 };
      }
      if (b.count !== undefined) spec.count = Number(b.count);
      if (b.probability !== undefined) spec.probability = Number(b.probability);
      for (const [k, v] of Object.entries(spec)) {
        if (typeof v === 'number' && !Number.isFinite(v)) throw new ControlError(400, 'invalid_argument', `${k} must be a number`);
      }
      if (spec.probability !== undefined && (spec.probability < 0 || spec.probability > 1))
        throw new ControlError(400, 'invalid_argument', 'probability must be between 0 and 1');
      if (spec.status === undefined && spec.error === undefined && !spec.latencyMs && !spec.drop && !spec.rateLimit) {
        throw new ControlError(400, 'invalid_argument', 'a fault needs one of status, error, latencyMs, drop or rateLimit');
      }
      return new ControlReply(201, call.kernel.faults.arm(spec));
    },
  ],
  ['DELETE', 'faults', (call) => ({ disarmed: call.kernel.faults.disarm({ id: str(call.query.id), tenant: namedTenant(call)?.id }) })],
  ['GET', 'clock', (call) => ({ tenant: resolveTenant(call).id, ...resolveTenant(call).clock.state() })],
  [
    'POST',
    'clock',
    async (call) => {
      const t = resolveTenant(call);
      const b = call.body;
      const mode = str(b.mode) as ClockMode | undefined;
      if (mode && mode !== 'real' && mode !== 'virtual')
        throw new ControlError(400, 'invalid_argument', 'mode must be "real" or "virtual"');
      const to = toMs(b.to, 'to');
      if (to !== undefined && to < t.clock.now()) throw new ControlError(400, 'invalid_argument', 'the clock only moves forward');
      if (mode || to !== undefined) t.clock.set(mode ?? t.clock.mode, to);
      if (b.advance !== undefined) {
        const ms = typeof b.advance === 'number' ? b.advance : parseDuration(String(b.advance));
        if (!(ms >= 0))
          throw new ControlError(400, 'invalid_argument', 'advance must be a non-negative duration ("90s", "5m", or milliseconds)');
        await t.clock.advance(ms);
      }
      return { tenant: t.id, ...t.clock.state() };
    },
  ],
  [
    'GET',
    'outbox',
    (call) => ({
      deliveries: call.kernel.outbox.list({ tenantId: namedTenant(call)?.id, status: str(call.query.status), kind: str(call.query.kind) }),
    }),
  ],
  [
    'GET',
    'outbox/:id',
    (call) => {
      const d = call.kernel.outbox.get(call.params.id);
      if (!d) throw new ControlError(404, 'delivery_not_found', `no delivery "${call.params.id}"`);
      return d;
    },
  ],
  ['GET', 'rate-limits', (call) => ({ enabled: call.kernel.limiter.enabled, rules: call.kernel.def.rateLimits ?? {} })],
  [
    'POST',
    'rate-limits',
    (call) => {
      if (typeof call.body.enabled !== 'boolean') throw new ControlError(400, 'invalid_argument', 'enabled must be true or false');
      call.kernel.limiter.enabled = call.body.enabled;
      call.kernel.limiter.clear();
      return { enabled: call.kernel.limiter.enabled };
    },
  ],
];

/** `METHOD /_twin/path` of every route the control plane serves for all twins (the document must list exactly these). */
export const GENERIC_ROUTES = generic.map(([method, path]) => `${method} /_twin/${path}`);

const routeCache = new WeakMap<object, Route[]>();

function routesFor(kernel: Kernel<unknown, unknown>): Route[] {
  let routes = routeCache.get(kernel);
  if (!routes) {
    routes = generic.map(([method, path, handler]) => ({ method, segments: path.split('/'), handler }));
    for (const r of kernel.def.control ?? []) {
      routes.push({
        method: r.method,
        segments: r.path.replace(/^\//, '').split('/'),
        handler: (call) => {
          const ctx: ControlContext<unknown> = {
            tenant: resolveTenant(call),
            body: call.body,
            query: call.query,
            params: call.params,
            baseUrl: call.baseUrl,
            deliver: (spec) => call.kernel.deliver(spec),
            reindexCredentials: () => call.kernel.tenants.reindex(resolveTenant(call)),
          };
          return r.handler(ctx);
        },
      });
    }
    routeCache.set(kernel, routes);
  }
  return routes;
}

function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined {
  const parts = path.split('/');
  const allowed: string[] = [];
  for (const route of routes) {
    if (route.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length; i++) {
      const seg = route.segments[i];
      if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(parts[i]);
      else if (seg !== parts[i]) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}

function controlError(status: number, code: string, message: string): TwinResponse {
  return json(status, { error: { code, message } });
}

/** Serve one control-plane request. Never throws. */
/** Routes anyone may call, token or not. */
const OPEN_ROUTES = new Set(['GET health', 'GET openapi.json', 'GET contract', 'GET coverage']);
/** Routes only the control token opens, whatever tenant is named. */
const ADMIN_ROUTES = new Set(['POST tenants', 'GET tenants/:id', 'DELETE tenants/:id', 'POST rate-limits']);

/**
 * With a control token set, a caller without it reaches only the tenant it names by one of that
 * tenant's credentials (ids are guessable, tokens are not), never the admin routes, and sees only
 * decoy tenants in the list. Returns the refusal, the decoy list, or undefined to go on.
 */
function gate(
  kernel: Kernel<unknown, unknown>,
  req: TwinRequest,
  key: string,
  query: Record<string, string>,
  body: Record<string, unknown>,
  params: Record<string, string>,
): TwinResponse | undefined {
  const token = kernel.options.controlToken;
  if (!token || req.headers['x-twin-control-token'] === token || OPEN_ROUTES.has(key)) return undefined;
  const refuse = (why: string) =>
    controlError(
      401,
      'control_token_required',
      `${why}: this twin's control plane is locked; send x-twin-control-token, or name your own tenant by one of its credentials (tenant=<bot token>)`,
    );
  if (key === 'GET tenants') {
    const baseUrl = req.url.origin;
    return json(200, {
      tenants: kernel.tenants
        .list()
        .filter((t) => t.decoy)
        .map((t) => ({ id: t.id, seed: t.seed, clock: t.clock.state(), env: kernel.env(t, baseUrl) })),
    });
  }
  if (ADMIN_ROUTES.has(key)) return refuse(`${key.replace(' ', ' /_twin/')} needs the control token`);
  const ref = str(query.tenant) ?? str(body.tenant) ?? str(req.headers['x-twin-tenant']);
  const tenant = ref ? kernel.tenants.byCredentialKey(ref) : undefined;
  if (!tenant) return refuse(ref ? 'the tenant is not named by one of its credentials' : 'no tenant named');
  if (key === 'PUT snapshot') {
    const entries = Array.isArray(body.tenants) ? (body.tenants as Record<string, unknown>[]) : [];
    if (entries.some((e) => e?.id !== tenant.id)) return refuse('a snapshot may restore only the tenant named');
  }
  // Ids of faults and deliveries are guessable: they must be the named tenant's own.
  if (key === 'DELETE faults' && query.id && !kernel.faults.list(tenant.id).some((f) => f.id === query.id)) {
    return refuse(`fault "${query.id}" is not this tenant's`);
  }
  if (key === 'GET outbox/:id' && kernel.outbox.get(params.id)?.tenantId !== tenant.id) {
    return refuse(`delivery "${params.id}" is not this tenant's`);
  }
  return undefined;
}

export async function handleControl(kernel: Kernel<unknown, unknown>, req: TwinRequest): Promise<TwinResponse> {
  const path = req.url.pathname.replace(/^\/_twin\/?/, '').replace(/\/$/, '');
  const method = req.method.toUpperCase();
  const match = matchRoute(routesFor(kernel), method, path);
  if (!match) return controlError(404, 'not_found', `no control-plane route ${method} /_twin/${path}; see GET /_twin/openapi.json`);
  if ('allowed' in match)
    return {
      ...controlError(405, 'method_not_allowed', `${method} is not allowed on /_twin/${path}`),
      headers: { 'content-type': 'application/json; charset=utf-8', allow: match.allowed.join(', ') },
    };
  let body: Record<string, unknown> = {};
  if (req.body && req.body.length > 0) {
    const text = new TextDecoder().decode(req.body);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (type === 'application/x-www-form-urlencoded') {
      body = paramsToObject(new URLSearchParams(text));
    } else {
      try {
        const parsed: unknown = JSON.parse(text);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          return controlError(400, 'invalid_body', 'the body must be a JSON object');
        body = parsed as Record<string, unknown>;
      } catch (err) {
        return controlError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
      }
    }
  }
  const query: Record<string, string> = {};
  for (const [k, v] of req.url.searchParams) query[k] = v;
  const refused = gate(kernel, req, `${method} ${match.route.segments.join('/')}`, query, body, match.params);
  if (refused) return refused;
  try {
    const result = await match.route.handler({ kernel, req, body, query, params: match.params, baseUrl: req.url.origin });
    if (result instanceof ControlReply) return json(result.status, result.body);
    return json(200, result ?? {});
  } catch (err) {
    if (err instanceof ControlError) return controlError(err.status, err.code, err.message);
    if (err instanceof TwinError) return err.response;
    if (err instanceof RangeError || err instanceof SyntaxError) return controlError(400, 'invalid_argument', err.message);
    console.error(`[twin:${kernel.name}] control ${method} /_twin/${path} failed`, err);
    return controlError(500, 'internal_error', 'the control plane failed; see the twin process log');
  }
}
