// The control plane under /_twin/ on every twin: health, tenants, reset, snapshots, journal, faults, clock, outbox. It uses the kernel; the kernel never calls it.

import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { INSPECTOR_PAGE_ROUTES, InspectorAsset, inspectorAsset, inspectorFeed } from '../inspector/inspector.ts';
import { paramsToObject } from '../kernel/body.ts';
import { type ClockMode, type ClockSnapshot, checkAdvance, checkClockMode, checkClockSnapshot, checkClockTime } from '../kernel/clock.ts';
import { parseDuration } from '../kernel/duration.ts';
import { checkFaultSpec } from '../kernel/faults.ts';
import { type Kernel, SnapshotRefused } from '../kernel/kernel.ts';
import { loadOpenApi, type OpenApiDocument } from '../kernel/openapi.ts';
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
  // Parsed when first asked for (GET /_twin/openapi.json), off the start-up path.
  controlDoc ??= loadOpenApi(new URL('./openapi.yaml', import.meta.url));
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

/**
 * The tenant a control call names (`tenant` in query or body, or `x-twin-tenant`), by its id and
 * nothing else; else the default. A credential is never a tenant's name here.
 */
export function resolveTenant(call: Call): Tenant<unknown> {
  const ref = str(call.query.tenant) ?? str(call.body.tenant) ?? str(call.req.headers['x-twin-tenant']);
  if (!ref) return call.kernel.tenants.default();
  const t = call.kernel.tenants.get(ref);
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
      // Ids appear in URLs, logs and journals: letters, digits, dot, dash and underscore, 1 to 64.
      if (id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id))
        throw new ControlError(
          400,
          'invalid_argument',
          'id must be 1 to 64 letters, digits, ".", "-" or "_", starting with a letter or digit',
        );
      if (id && call.kernel.tenants.get(id)) throw new ControlError(409, 'tenant_exists', `tenant "${id}" exists already`);
      const clock = str(call.body.clock) as ClockMode | undefined;
      if (clock && clock !== 'real' && clock !== 'virtual')
        throw new ControlError(400, 'invalid_argument', 'clock must be "real" or "virtual"');
      const t = call.kernel.createTenant({ seed, id, clock });
      return new ControlReply(201, tenantView(call, t));
    },
  ],
  ['GET', 'tenants/:id', (call) => tenantView(call, resolveTenant({ ...call, query: { tenant: call.params.id } }))],
  [
    'DELETE',
    'tenants/:id',
    (call) => {
      const t = resolveTenant({ ...call, query: { tenant: call.params.id } });
      if (t.id === call.kernel.tenants.default().id)
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
        tenants: list.map((t) => ({ id: t.id, seed: t.seed, clock: t.clock.snapshot(), state: call.kernel.snapshotState(t) })),
      };
    },
  ],
  [
    'PUT',
    'snapshot',
    (call) => {
      const { body, kernel } = call;
      if (body.twin !== kernel.name)
        throw new ControlError(
          400,
          'wrong_twin',
          `this snapshot is for ${JSON.stringify(body.twin)?.slice(0, 80) ?? 'no twin'}, not the ${kernel.name} twin`,
        );
      if (body.version !== SNAPSHOT_VERSION)
        throw new ControlError(
          400,
          'unsupported_version',
          `snapshot version ${String(body.version)} is not supported (expected ${SNAPSHOT_VERSION})`,
        );
      if (!Array.isArray(body.tenants)) throw new ControlError(400, 'invalid_snapshot', 'snapshot.tenants must be an array');
      // Check every entry before changing anything: a refused restore leaves every tenant as it was.
      const plan: { id: string; seed: number; clock?: ClockSnapshot; state: unknown }[] = [];
      for (const entry of body.tenants as Record<string, unknown>[]) {
        const id = str(entry?.id);
        if (!id || entry.state === undefined)
          throw new ControlError(400, 'invalid_snapshot', 'each snapshot tenant needs an id and a state');
        if (!kernel.tenants.get(id) && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id))
          throw new ControlError(400, 'invalid_snapshot', 'a new tenant id must be 1 to 64 letters, digits, ".", "-" or "_"');
        let clock: ClockSnapshot | undefined;
        try {
          clock = entry.clock === undefined || entry.clock === null ? undefined : checkClockSnapshot(entry.clock);
        } catch (err) {
          throw new ControlError(400, 'invalid_snapshot', (err as Error).message);
        }
        const seed = entry.seed === undefined ? kernel.options.seed : Number(entry.seed);
        if (!Number.isInteger(seed)) throw new ControlError(400, 'invalid_snapshot', "a snapshot tenant's seed must be an integer");
        plan.push({ id, seed, clock, state: entry.state });
      }
      const created: string[] = [];
      const ready: { t: Tenant<unknown>; clock?: ClockSnapshot; state: unknown }[] = [];
      try {
        for (const p of plan) {
          let t = kernel.tenants.get(p.id);
          if (!t) {
            t = kernel.createTenant({ id: p.id, seed: p.seed });
            created.push(p.id);
          }
          ready.push({ t, clock: p.clock, state: kernel.prepareRestore(t, p.state) });
        }
      } catch (err) {
        for (const id of created) kernel.tenants.remove(id);
        if (err instanceof SnapshotRefused) throw new ControlError(400, err.code, err.message);
        throw err;
      }
      const restored: string[] = [];
      for (const r of ready) {
        if (r.clock) r.t.clock.restore(r.clock);
        kernel.restoreTenant(r.t, r.state);
        restored.push(r.t.id);
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
      // Form bodies send text: numbers and booleans written as text are read as such; anything else
      // goes to checkFaultSpec as sent, which refuses it (400) before anything is armed.
      const num = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
      const flag = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);
      const raw: Record<string, unknown> = { operation, tenant: namedTenant(call)?.id };
      if (b.status !== undefined) raw.status = num(b.status);
      if (b.error !== undefined) raw.error = b.error;
      if (b.latencyMs !== undefined) raw.latencyMs = num(b.latencyMs);
      else if (b.latency !== undefined) raw.latencyMs = typeof b.latency === 'number' ? b.latency : parseDuration(String(b.latency));
      if (b.drop !== undefined) raw.drop = flag(b.drop);
      if (b.rateLimit !== undefined) {
        const rl = flag(b.rateLimit);
        raw.rateLimit =
          rl === true
            ? { retryAfter: 1 }
            : rl && typeof rl === 'object' && !Array.isArray(rl)
              ? { retryAfter: num((rl as Record<string, unknown>).retryAfter) }
              : rl;
      }
      if (b.count !== undefined) raw.count = num(b.count);
      if (b.probability !== undefined) raw.probability = num(b.probability);
      if (raw.tenant === undefined) delete raw.tenant;
      for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
      const spec = checkFaultSpec(raw);
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
      // Check every part before moving anything: a 400 means none of it happened.
      const mode = b.mode === undefined || b.mode === '' ? undefined : checkClockMode(b.mode);
      const to = toMs(b.to, 'to');
      if (to !== undefined) {
        checkClockTime(to, 'to');
        if (to < t.clock.now()) throw new ControlError(400, 'invalid_argument', 'the clock only moves forward');
      }
      let ms: number | undefined;
      if (b.advance !== undefined) {
        const raw = typeof b.advance === 'number' ? b.advance : parseDuration(String(b.advance));
        if (!(raw >= 0) || !Number.isFinite(raw))
          throw new ControlError(400, 'invalid_argument', 'advance must be a non-negative duration ("90s", "5m", or milliseconds)');
        ms = checkAdvance(raw, to ?? t.clock.now());
      }
      if (mode || to !== undefined) t.clock.set(mode ?? t.clock.mode, to);
      if (ms !== undefined) await t.clock.advance(ms);
      return { tenant: t.id, ...t.clock.state() };
    },
  ],
  [
    'GET',
    'outbox',
    (call) => {
      checkOutboxKind(call.query.kind);
      return {
        deliveries: call.kernel.outbox.list({
          tenantId: namedTenant(call)?.id,
          status: str(call.query.status),
          kind: str(call.query.kind),
        }),
      };
    },
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
  // The inspector (src/inspector/, docs/inspector.md): the page and its assets hold no state and are
  // served without the token (see gate); the feed is a tenant's state and answers like every route.
  ['GET', 'ui', () => inspectorAsset('page')],
  ['GET', 'ui/inspector.js', () => inspectorAsset('script')],
  ['GET', 'ui/inspector.css', () => inspectorAsset('style')],
  ['GET', 'ui/feed', (call) => inspectorFeed(call.kernel, resolveTenant(call))],
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
      if (seg.startsWith(':')) params[seg.slice(1)] = safeDecode(parts[i]);
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

/** Routes anyone may call, token or not: they say nothing about any tenant. */
const OPEN_ROUTES = new Set(['GET health', 'GET openapi.json', 'GET contract', 'GET coverage']);

/** How much of a request is searched for vendor credentials (a body is data the caller chose). */
const SCAN_LIMITS = { strings: 2000, depth: 6, chars: 4096 };

function sameSecret(sent: string | undefined, expected: string): boolean {
  // An empty token would open a locked plane to an empty header: it opens nothing.
  if (sent === undefined || expected.length === 0) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The string claims of a JWT's payload (unverified: carrying a client's id is carrying its credential either way), else none. */
function jwtClaimStrings(v: string): string[] {
  const m = /^eyJ[\w-]*\.([\w-]+)\.[\w-]*$/.exec(v);
  if (!m) return [];
  try {
    const claims: unknown = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
    if (!claims || typeof claims !== 'object') return [];
    return Object.values(claims).flatMap((c) =>
      typeof c === 'string' ? [c] : Array.isArray(c) ? c.filter((x) => typeof x === 'string') : [],
    );
  } catch {
    return [];
  }
}

/** The strings a request carries where a credential could hide: headers (a bearer or basic credential taken apart), query, body keys and values. */
function carriedStrings(req: TwinRequest, query: Record<string, string>, body: Record<string, unknown>): string[] {
  const out: string[] = [];
  const push = (v: string) => {
    if (out.length < SCAN_LIMITS.strings && v.length > 0 && v.length <= SCAN_LIMITS.chars) {
      out.push(v.trim());
      // A token a twin issued (a JWT) carries the client it was issued to: its claims count as carried too.
      for (const claim of jwtClaimStrings(v.trim())) if (out.length < SCAN_LIMITS.strings) out.push(claim);
    }
  };
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'x-twin-control-token' || typeof value !== 'string') continue;
    push(value);
    const parts = value.trim().split(/\s+/);
    if (parts.length === 2) {
      push(parts[1]);
      if (/^basic$/i.test(parts[0])) {
        const decoded = Buffer.from(parts[1], 'base64').toString('utf8');
        const sep = decoded.indexOf(':');
        if (sep >= 0) {
          push(decoded.slice(0, sep));
          push(decoded.slice(sep + 1));
        }
      }
    }
  }
  for (const [k, v] of Object.entries(query)) {
    push(k);
    push(v);
  }
  const walk = (node: unknown, depth: number) => {
    if (out.length >= SCAN_LIMITS.strings || depth > SCAN_LIMITS.depth) return;
    if (typeof node === 'string') push(node);
    else if (Array.isArray(node)) for (const x of node) walk(x, depth + 1);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        push(k);
        walk(v, depth + 1);
      }
    }
  };
  walk(body, 0);
  return out;
}

/** The tenants whose vendor credentials (tokens, secrets, client ids) the request carries, found the one way credentials are. */
function credentialOwners(kernel: Kernel<unknown, unknown>, strings: string[]): Tenant<unknown>[] {
  const owners = new Map<string, Tenant<unknown>>();
  for (const s of strings) {
    const t = kernel.tenants.byCredential(s);
    if (t) owners.set(t.id, t);
  }
  return [...owners.values()];
}

/**
 * Two kinds of caller, and only one of them here. Health and the documents are open. Locked (a
 * control token set), everything else answers the control token only (401). Locked or not, a
 * request carrying a tenant's vendor credential is refused (401 locked, 403 open) and the attempt
 * is filed in that tenant's journal as `_twin.refused`, so a grader sees what its app tried; the
 * answer says nothing of tenants or of whether the credential was good.
 */
function gate(
  kernel: Kernel<unknown, unknown>,
  req: TwinRequest,
  key: string,
  query: Record<string, string>,
  body: Record<string, unknown>,
): TwinResponse | undefined {
  if (OPEN_ROUTES.has(key)) return undefined;
  const token = kernel.options.controlToken;
  if (token !== undefined && sameSecret(req.headers['x-twin-control-token'], token)) return undefined;
  const owners = credentialOwners(kernel, carriedStrings(req, query, body));
  // The inspector's page is open like the documents, but a vendor credential sent to it is still refused and filed.
  if ((token === undefined || INSPECTOR_PAGE_ROUTES.has(key)) && owners.length === 0) return undefined;
  const status = token === undefined ? 403 : 401;
  const code = token === undefined ? 'vendor_credential' : 'control_token_required';
  const method = req.method.toUpperCase();
  for (const t of owners) {
    kernel.journal.record({
      at: t.clock.now(),
      tenant: t.id,
      operation: '_twin.refused',
      method,
      path: req.url.pathname,
      status,
      error: code,
      durationMs: 0,
    });
  }
  return token === undefined
    ? controlError(
        403,
        code,
        'the control plane does not take vendor credentials (tokens, secrets, client ids); they open the vendor API only. Name tenants by id, without credentials',
      )
    : controlError(401, code, "this twin's control plane is locked: send the control token as x-twin-control-token");
}

/**
 * What the outbox's `kind` names, for every twin (docs/control-plane.md lists them): Slack's
 * `event_callback`, `url_verification`, `slash_command`, `interaction`; Okta's `event_hook`; Jira's
 * `webhook`. A twin that sends something new adds its kind here and to the docs.
 */
export const OUTBOX_KINDS: ReadonlySet<string> = new Set([
  'event_callback',
  'url_verification',
  'slash_command',
  'interaction',
  'event_hook',
  'webhook',
]);

/** A `kind` filter must name a kind the outbox knows: a misspelt one would otherwise list nothing, silently. */
function checkOutboxKind(kind: string | undefined): void {
  if (kind !== undefined && kind !== '' && !OUTBOX_KINDS.has(kind))
    throw new ControlError(
      400,
      'invalid_argument',
      `"kind" must be one of ${[...OUTBOX_KINDS].join(', ')}, got ${JSON.stringify(kind.slice(0, 80))}`,
    );
}

/**
 * Why a control-plane body of this content type is refused (415), or undefined when it is read: JSON
 * (`application/json`, `…+json`) and form fields (`application/x-www-form-urlencoded`). A body sent as
 * text/plain (fetch's default for a string), with no type, or as a form whose text is JSON (`curl -d '{…}'`
 * without `-H 'content-type: application/json'`) would otherwise be guessed at or read as one odd field.
 */
function unsupportedBodyType(type: string, text: string): string | undefined {
  const fix = "send the body as JSON with the header 'content-type: application/json' (curl: -H 'content-type: application/json')";
  if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return undefined;
  if (type === 'application/x-www-form-urlencoded')
    return /^\s*[[{]/.test(text)
      ? `the body looks like JSON but was sent as application/x-www-form-urlencoded (curl -d does that): ${fix}`
      : undefined;
  return `the control plane reads JSON bodies, got ${type ? `content-type ${JSON.stringify(type.slice(0, 80))}` : 'no content-type'}: ${fix}`;
}

/** Serve one control-plane request (the host hands it only `/_twin/` paths). Never throws. */
export async function handleControl(kernel: Kernel<unknown, unknown>, req: TwinRequest): Promise<TwinResponse> {
  const path = req.url.pathname.replace(/^\/_twin\/?/, '').replace(/\/$/, '');
  const method = req.method.toUpperCase();
  const match = matchRoute(routesFor(kernel), method, path);
  let body: Record<string, unknown> = {};
  let bodyError: TwinResponse | undefined;
  let mediaError: TwinResponse | undefined;
  if (req.body && req.body.length > 0) {
    const text = new TextDecoder().decode(req.body);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const unsupported = unsupportedBodyType(type, text);
    // A refused body is still read as best it can be, so the gate below scans it for vendor credentials.
    if (unsupported) mediaError = controlError(415, 'unsupported_media_type', unsupported);
    if (type === 'application/x-www-form-urlencoded' && !unsupported) {
      body = paramsToObject(new URLSearchParams(text));
    } else {
      try {
        const parsed: unknown = JSON.parse(text);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          bodyError = controlError(400, 'invalid_body', 'the body must be a JSON object');
        else body = parsed as Record<string, unknown>;
      } catch (err) {
        bodyError = controlError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
      }
    }
  }
  // Keyed by what the caller sends: no prototype, so `?__proto__=x` or `?constructor=` is an ordinary unknown parameter.
  const query = Object.create(null) as Record<string, string>;
  for (const [k, v] of req.url.searchParams) query[k] = v;
  // The gate comes first, for unknown routes too: a locked plane answers nothing else without the
  // token, and a credential sent anywhere here is filed. HEAD is judged as the GET it stands for.
  const key = match && 'route' in match ? `${match.route.method} ${match.route.segments.join('/')}` : `${method} ?`;
  const segments: Record<string, unknown> = { path: path.split('/').map((p) => safeDecode(p)) };
  const refused = gate(kernel, req, key, query, bodyError ? segments : { ...segments, body });
  if (refused) return refused;
  if (!match) return controlError(404, 'not_found', `no control-plane route ${method} /_twin/${path}; see GET /_twin/openapi.json`);
  if ('allowed' in match)
    return {
      ...controlError(405, 'method_not_allowed', `${method} is not allowed on /_twin/${path}`),
      headers: { 'content-type': 'application/json; charset=utf-8', allow: match.allowed.join(', ') },
    };
  if (mediaError) return mediaError;
  if (bodyError) return bodyError;
  try {
    const result = await match.route.handler({ kernel, req, body, query, params: match.params, baseUrl: req.url.origin });
    if (result instanceof ControlReply) return json(result.status, result.body);
    if (result instanceof InspectorAsset) return result.response;
    return json(200, result ?? {});
  } catch (err) {
    if (err instanceof ControlError) return controlError(err.status, err.code, err.message);
    if (err instanceof TwinError) return err.response;
    if (err instanceof RangeError || err instanceof SyntaxError || err instanceof URIError)
      return controlError(400, 'invalid_argument', err.message);
    console.error(`[twin:${kernel.name}] control ${method} /_twin/${path} failed`, err);
    return controlError(500, 'internal_error', 'the control plane failed; see the twin process log');
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
