// Fuzz support: hostile values, requests built from a twin's contract, and the invariants checked after every run.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { Kernel, KernelOptions } from '../../src/kernel/index.ts';
import * as kernelModule from '../../src/kernel/index.ts';
import type { OperationSpec } from '../../src/kernel/openapi.ts';
import type { TwinDefinition } from '../../src/kernel/types.ts';
import { loadTwin, TWIN_NAMES } from '../../src/registry.ts';

/**
 * How long a run is: CI uses each property's small default with a fixed seed; `npm run fuzz`
 * sets FUZZ_RUNS (a multiplier base: runs per property) and FUZZ_SEED for a longer or different one.
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_205);
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 0);

/**
 * Runs for each of `count` properties that share a CI budget of `total` runs (at least `min` each),
 * so a twin with more operations costs the suite the same time; FUZZ_RUNS × scale under `npm run fuzz`.
 */
export function budgetRuns(total: number, count: number, min: number, scale = 1): number {
  return runs(Math.max(min, Math.round(total / Math.max(1, count))), scale);
}

/** Runs for one property: `ciDefault` in CI, FUZZ_RUNS × scale under `npm run fuzz`. */
export function runs(ciDefault: number, scale = 1): number {
  return FUZZ_RUNS > 0 ? Math.max(1, Math.round(FUZZ_RUNS * scale)) : ciDefault;
}

/**
 * fast-check parameters: fixed seed and bounded count. CI stops at the first counterexample (the
 * seed and path reproduce it); `npm run fuzz` shrinks it to the smallest request that fails.
 */
export function params(numRuns: number): fc.Parameters<unknown> {
  const long = FUZZ_RUNS > 0;
  return {
    seed: FUZZ_SEED,
    numRuns,
    endOnFailure: !long,
    interruptAfterTimeLimit: long ? 600_000 : 15_000,
    markInterruptAsFailure: false,
  };
}

/** Every twin this version ships, by the registry (a new twin joins the suite by being listed there). */
export async function allTwins(): Promise<TwinDefinition<unknown, unknown>[]> {
  return Promise.all(TWIN_NAMES.map((name) => loadTwin(name)));
}

/**
 * A kernel with the control plane behind the same door, whichever module provides it: `createKernel`
 * moves to src/host.ts with issue 8 (the door before the pipeline); before that the kernel's own does it.
 */
export async function makeKernel(def: TwinDefinition<unknown, unknown>, options: KernelOptions): Promise<Kernel<unknown, unknown>> {
  const hostPath = '../../src/host.ts';
  const host = (await import(/* @vite-ignore */ hostPath).catch(() => undefined)) as
    | { createKernel?: typeof kernelModule.createKernel }
    | undefined;
  const create = host?.createKernel ?? kernelModule.createKernel;
  return create(def, { rateLimits: false, compileValidators: 'eager', log: () => {}, ...options }) as Kernel<unknown, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Hostile values

/** Names that live on every object's prototype: as ids, ts or keys they must be ordinary unknown values. */
export const BUILTIN_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  'isPrototypeOf',
  '__defineGetter__',
];

/** Strings a careless twin mistakes for something else. */
const NASTY_STRINGS = [
  ...BUILTIN_NAMES,
  '',
  ' ',
  '.',
  '..',
  '../..',
  '%2e%2e',
  '%2E%2E%2F_twin',
  '/_twin/tenants',
  '\u0000',
  'a\u0000b',
  '\uFFFF',
  '\uD800',
  '😀',
  '\u202E',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e308',
  '9007199254740993',
  '0000000000.000000',
  '9999999999.999999',
  '1712345678.000100',
  'true',
  '[]',
  '{}',
  '[[[[[[[[[[',
  '{"__proto__":{"polluted":1}}',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection payload, meant literally.
  '${jndi:ldap://x}',
  'C00000000',
  'U00000000',
  '*',
  '#general',
  '%00',
  '%ZZ',
];

/** A string that is nasty (a built-in name, a dot segment, NUL, a lone surrogate, …) or just odd. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.constantFrom(...BUILTIN_NAMES).map((n) => `${n}.${n}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((n) => 'x'.repeat(n)) },
);

/** Numbers at the edges: huge, tiny, negative, fractional, not safe. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 0.5, 1e-300, 4102444800000, 10_413_792_000_000),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Text of a JSON document nested `depth` levels deep (arrays, objects, or both). */
export function deepJson(depth: number, kind: 'array' | 'object' | 'mixed' = 'array'): string {
  if (kind === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
  if (kind === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return `${'{"a":['.repeat(depth / 2)}1${']}'.repeat(depth / 2)}`;
}

/** A JSON value as text: built-in names as keys (written literally, so `__proto__` is a real key), wrong types, deep nesting. */
export const hostileJsonValue: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant('null'),
    fc.boolean().map(String),
    hostileNumber.map((n) => JSON.stringify(n)),
    hostileString.map((s) => JSON.stringify(s)),
    tie('object'),
    tie('array'),
    fc
      .constantFrom('array', 'object', 'mixed')
      .chain((kind) => fc.integer({ min: 60, max: 6000 }).map((d) => deepJson(d, kind as 'array' | 'object' | 'mixed'))),
  ),
  object: fc
    .array(fc.tuple(fc.oneof(hostileString, fc.constantFrom(...BUILTIN_NAMES)), tie('value')), { maxLength: 5 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  array: fc.array(tie('value'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
})).value;

// ---------------------------------------------------------------------------------------------
// Requests from a contract

export interface FuzzRequest {
  method: string;
  /** Path and query, percent-encoded as a client would send them. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** What was generated, for the failure message. */
  describe: string;
}

type Schema = { $ref?: string; properties?: Record<string, unknown>; allOf?: Schema[]; oneOf?: Schema[]; anyOf?: Schema[] };

/** The property names a schema allows at its top level, following `$ref`s into the document and through allOf/oneOf/anyOf. */
function propertyNames(
  doc: { components?: { schemas?: Record<string, unknown> } },
  schema: Schema | undefined,
  seen = new Set<string>(),
): string[] {
  if (!schema || typeof schema !== 'object') return [];
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return [];
    seen.add(schema.$ref);
    const name = schema.$ref.replace('#/components/schemas/', '');
    return propertyNames(doc, doc.components?.schemas?.[name] as Schema | undefined, seen);
  }
  const names = Object.keys(schema.properties ?? {});
  for (const sub of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])])
    names.push(...propertyNames(doc, sub, seen));
  return names;
}

/** The arguments an operation names in its contract: path, query and body properties. */
export function argumentNames(doc: { components?: { schemas?: Record<string, unknown> } }, op: OperationSpec): string[] {
  const names = new Set<string>(op.parameters.map((p) => p.name));
  for (const k of propertyNames(doc, op.bodySchema as Schema | undefined)) names.add(k);
  return [...names];
}

const encoder = new TextEncoder();

/** Percent-encode as UTF-8 bytes (a lone surrogate becomes U+FFFD rather than throwing, as encodeURIComponent would). */
export function pct(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Escapes that decode to no valid UTF-8 (overlong, truncated, stray continuation) or to nothing at all. */
const BROKEN_ESCAPES = ['%FF', '%C0%AF', '%E0%80', '%80', '%ED%A0%80', '%ZZ', '%', '%2', '%00'];

function formEncode(entries: [string, string][]): string {
  return entries.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
}

/** A JSON value's text as a form or query value: strings unquoted, anything else as its JSON. */
function asField(jsonText: string): string {
  if (jsonText.startsWith('"')) {
    try {
      return JSON.parse(jsonText) as string;
    } catch {
      return jsonText;
    }
  }
  return jsonText;
}

/** Fill a path template's `{params}` with values, percent-encoded or (sometimes) raw. */
function fillPath(template: string, values: string[], raw: boolean): string {
  let i = 0;
  return template.replace(/\{[^}]+\}/g, () => {
    const v = values[i++] ?? '';
    return raw ? v.replace(/[#?%]/g, '') : pct(v);
  });
}

/** How a request carries a credential: none, a wrong one, or one of the target tenant's in a vendor's scheme. */
export function credentialHeaders(credential: string | undefined, scheme: number): Record<string, string> {
  if (credential === undefined) return {};
  switch (scheme % 4) {
    case 0:
      return { authorization: `Bearer ${credential}` };
    case 1:
      return { authorization: `SSWS ${credential}` };
    case 2:
      return { authorization: `Basic ${Buffer.from(`fuzz@example.test:${credential}`).toString('base64')}` };
    default:
      return { authorization: credential };
  }
}

const ODD_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** What the generator may use of the target tenant: its credentials, and ids that exist in it. */
export interface Target {
  credentials: string[];
  /** Ready-made authentication headers in the contract's own schemes (see `authHeadersFor`); focused requests use them. */
  auth?: Record<string, string>[];
  /** Real ids (channels, users, ts, …), so hostile values meet code paths that only valid input reaches. */
  ids: string[];
}

type SecurityScheme = { type?: string; scheme?: string; in?: string; name?: string; description?: string };

/**
 * The credentials a tenant hands an app: the twin's credential keys and the secrets in its `env`
 * (anything of 8 characters or more that is not a URL), so a new twin's tokens are found without code.
 */
export function tenantCredentials(def: TwinDefinition<unknown, unknown>, state: unknown): string[] {
  const found = new Set(def.credentialKeys(state).filter((k) => typeof k === 'string' && k.length >= 8));
  for (const v of Object.values(def.env(state, 'http://twin.test')))
    if (v.length >= 8 && !/^https?:/.test(v) && !v.includes('@')) found.add(v);
  return [...found];
}

/**
 * Authentication headers in each scheme the contract declares, for each credential: http bearer
 * (`Bearer <c>`), http basic (`<email>:<c>` with each email the twin's env names), an apiKey header
 * (its description's `PREFIX <token>` when it has one, e.g. Okta's `SSWS <token>`, else the bare value).
 */
export function authHeadersFor(def: TwinDefinition<unknown, unknown>, state: unknown): Record<string, string>[] {
  const doc = def.openapi as { components?: { securitySchemes?: Record<string, SecurityScheme> } };
  const credentials = tenantCredentials(def, state);
  const emails = Object.values(def.env(state, 'http://twin.test')).filter((v) => /^[^\s@/]+@[^\s@/]+$/.test(v));
  const out: Record<string, string>[] = [];
  for (const scheme of Object.values(doc.components?.securitySchemes ?? {})) {
    for (const c of credentials) {
      if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') out.push({ authorization: `Bearer ${c}` });
      else if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'basic')
        for (const e of emails) out.push({ authorization: `Basic ${Buffer.from(`${e}:${c}`).toString('base64')}` });
      else if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name) {
        const prefix = /^(\S+) <[^>]+>$/.exec(scheme.description?.trim() ?? '')?.[1];
        out.push({ [scheme.name.toLowerCase()]: prefix ? `${prefix} ${c}` : c });
      }
    }
  }
  return out;
}

/**
 * Ids found in a tenant's state, generically: object keys and short string values of fields
 * named like ids (`id`, `ts`, `name`, `*_id`), at most `max`.
 */
export function idsIn(live: unknown, max = 120): string[] {
  const found = new Set<string>();
  // The state as its snapshot writes it, so records in Maps (JsonMap) show their keys like objects do.
  const state: unknown = JSON.parse(JSON.stringify(live) ?? 'null');
  // Keys of the state's own maps first (channels, users, files by id): the ids operations look up.
  if (state && typeof state === 'object') {
    for (const v of Object.values(state)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) for (const k of Object.keys(v).slice(0, 20)) if (k.length <= 40) found.add(k);
    }
  }
  const walk = (node: unknown, depth: number): void => {
    if (found.size >= max || depth > 8 || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node.slice(0, 50)) walk(item, depth + 1);
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (found.size >= max) return;
      if (/^[A-Z][A-Z0-9]{5,}$|^\d{10}\.\d{6}$/.test(k)) found.add(k);
      if (typeof v === 'string' && v.length <= 40 && /^(id|ts|name|[a-z]+_id|thread_ts|email)$/.test(k)) found.add(v);
      walk(v, depth + 1);
    }
  };
  walk(state, 0);
  return [...found];
}

/**
 * A hostile request for one operation: its own method (or an odd one), its path with hostile
 * parameters, each argument the contract names set (or not) to a real id, a built-in name or a
 * hostile value, extra built-in keys, as JSON, form, multipart, query, garbage bytes, a lying
 * content type or JSON thousands deep, with one of the target's credentials (or none, or a bad one).
 */
export function requestFor(
  doc: { components?: { schemas?: Record<string, unknown> } },
  op: OperationSpec,
  target: Target,
): fc.Arbitrary<FuzzRequest> {
  return hostileRequest(doc, op, target);
}

/**
 * A well-formed request for one operation with one of the target's credentials, every argument
 * the contract names set to a real id or a built-in name: the requests that get past parsing and
 * authentication, so a built-in name meets the operation's own lookups (where `__proto__` bugs live).
 */
export function focusedRequestFor(
  doc: { components?: { schemas?: Record<string, unknown> } },
  op: OperationSpec,
  target: Target,
): fc.Arbitrary<FuzzRequest> {
  const names = argumentNames(doc, op).filter((n) => n !== 'token');
  const pathParams = (op.path.match(/\{[^}]+\}/g) ?? []).length;
  const real = target.ids.length > 0 ? fc.constantFrom(...target.ids) : fc.constant('x');
  const value = fc.oneof(real, fc.constantFrom(...BUILTIN_NAMES));
  const auth: Record<string, string>[] =
    target.auth && target.auth.length > 0 ? target.auth : target.credentials.map((c) => ({ authorization: `Bearer ${c}` }));
  return fc
    .record({
      pathValues: fc.array(value, { minLength: pathParams, maxLength: pathParams }),
      args: fc.tuple(...names.map((name) => value.map((v): [string, string] => [name, v]))),
      auth: auth.length > 0 ? fc.constantFrom(...auth) : fc.constant({}),
    })
    .map((g) => {
      const path = fillPath(op.path, g.pathValues, false);
      const method = op.method.toUpperCase();
      const headers: Record<string, string> = { ...g.auth };
      const args = Object.fromEntries(g.args);
      let body: Uint8Array | undefined;
      let url = path;
      if (method === 'GET' || method === 'HEAD') url += `?${formEncode(g.args)}`;
      else {
        headers['content-type'] = 'application/json; charset=utf-8';
        body = encoder.encode(JSON.stringify(args));
      }
      return {
        method,
        path: url,
        headers,
        body,
        describe: `${method} ${url.slice(0, 300)} [focused] body=${JSON.stringify(args).slice(0, 300)}`,
      };
    });
}

function hostileRequest(
  doc: { components?: { schemas?: Record<string, unknown> } },
  op: OperationSpec,
  target: Target,
): fc.Arbitrary<FuzzRequest> {
  const names = argumentNames(doc, op).filter((n) => n !== 'token');
  const pathParams = (op.path.match(/\{[^}]+\}/g) ?? []).length;
  const real = target.ids.length > 0 ? fc.constantFrom(...target.ids) : hostileString;
  const value: fc.Arbitrary<string> = fc.oneof(
    { weight: 4, arbitrary: real.map((v) => JSON.stringify(v)) },
    { weight: 4, arbitrary: fc.constantFrom(...BUILTIN_NAMES).map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: hostileJsonValue },
  );
  const credential: fc.Arbitrary<string | undefined> = fc.oneof(
    { weight: 6, arbitrary: target.credentials.length > 0 ? fc.constantFrom(...target.credentials) : fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: hostileString },
  );
  return fc
    .record({
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constant(op.method.toUpperCase()) },
        { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) },
      ),
      pathValues: fc.array(fc.oneof(hostileString, real), { minLength: pathParams, maxLength: pathParams }),
      rawPath: fc.boolean(),
      named: fc.tuple(
        ...names.map((name) =>
          fc.option(
            value.map((v): [string, string] => [name, v]),
            { freq: 3, nil: undefined },
          ),
        ),
      ),
      extra: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...BUILTIN_NAMES), hostileString), value), { maxLength: 3 }),
      encoding: fc.constantFrom(
        'json',
        'json',
        'json',
        'json',
        'form',
        'form',
        'form',
        'query',
        'multipart',
        'garbage',
        'lying',
        'deep',
        'none',
      ),
      credential,
      scheme: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.nat(3) }),
      // Slack also takes the token as an argument.
      tokenAsArgument: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      extraHeaders: fc.option(
        fc.dictionary(
          fc.constantFrom('x-twin-tenant', 'x-slack-retry-num', 'accept', 'x-forwarded-host', 'content-encoding', 'x-twin-control-token'),
          fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
          { maxKeys: 2 },
        ),
        { freq: 4, nil: {} },
      ),
      garbage: fc.uint8Array({ maxLength: 64 }),
      deepKind: fc.constantFrom('array', 'object', 'mixed') as fc.Arbitrary<'array' | 'object' | 'mixed'>,
      depth: fc.integer({ min: 65, max: 6000 }),
      broken: fc.option(fc.constantFrom(...BROKEN_ESCAPES), { freq: 4, nil: undefined }),
    })
    .map((g) => {
      let path = fillPath(op.path, g.pathValues, g.rawPath);
      const headers: Record<string, string> = g.tokenAsArgument ? {} : { ...credentialHeaders(g.credential, g.scheme) };
      const entries: [string, string][] = [...g.named.filter((e): e is [string, string] => e !== undefined), ...g.extra];
      if (g.tokenAsArgument && g.credential !== undefined) entries.push(['token', JSON.stringify(g.credential)]);
      let body: Uint8Array | undefined;
      const jsonText = () => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
      switch (g.encoding) {
        case 'json':
          headers['content-type'] = 'application/json; charset=utf-8';
          body = encoder.encode(jsonText());
          break;
        case 'form':
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = encoder.encode(formEncode(entries.map(([k, v]) => [k, asField(v)])) + (g.broken ? `&${g.broken}=${g.broken}` : ''));
          break;
        case 'query':
          path += `${path.includes('?') ? '&' : '?'}${formEncode(entries.map(([k, v]) => [k, asField(v)]))}${g.broken ? `&${g.broken}=${g.broken}` : ''}`;
          break;
        case 'multipart': {
          const boundary = 'fuzzboundary';
          headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
          const parts = entries.map(
            ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, '')}"\r\n\r\n${asField(v)}\r\n`,
          );
          body = encoder.encode(`${parts.join('')}--${boundary}--\r\n`);
          break;
        }
        case 'garbage':
          headers['content-type'] = 'application/json';
          body = g.garbage;
          break;
        case 'lying':
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = encoder.encode(jsonText());
          break;
        case 'deep': {
          // Deep JSON in an argument the contract names (where it would be stored), the rest as generated.
          headers['content-type'] = 'application/json; charset=utf-8';
          const key = names[g.depth % Math.max(1, names.length)] ?? 'metadata';
          entries.push([key, deepJson(g.depth, g.deepKind)]);
          body = encoder.encode(jsonText());
          break;
        }
        default:
          break;
      }
      Object.assign(headers, g.extraHeaders);
      if (g.method === 'GET' || g.method === 'HEAD') {
        // No body on a GET: its arguments travel in the query, as a client would send them.
        if (body && g.encoding !== 'garbage' && g.encoding !== 'deep') {
          path += `${path.includes('?') ? '&' : '?'}${formEncode(entries.map(([k, v]) => [k, asField(v)]))}`;
        }
        body = undefined;
        delete headers['content-type'];
      }
      return {
        method: g.method,
        path,
        headers,
        body,
        describe: `${g.method} ${path.slice(0, 300)} [${g.encoding}] headers=${JSON.stringify(headers).slice(0, 300)} body=${body ? new TextDecoder().decode(body.slice(0, 400)) : ''}`,
      };
    });
}

/** Send a FuzzRequest through a fetch function (the kernel's, or the global one to a server). */
export async function send(
  fetchFn: (input: string, init?: RequestInit) => Promise<Response>,
  base: string,
  req: FuzzRequest,
): Promise<{ status: number; text: string; headers: Headers; dropped?: boolean }> {
  try {
    const res = await fetchFn(`${base}${req.path}`, {
      method: req.method,
      headers: req.headers,
      body: req.body as BodyInit | undefined,
      redirect: 'manual',
    });
    return { status: res.status, text: await res.text(), headers: res.headers };
  } catch (err) {
    // A Request the platform itself refuses to build (a header value fetch rejects) is no twin's failure.
    if (err instanceof TypeError && /dropped the connection/.test(err.message))
      return { status: 0, text: '', headers: new Headers(), dropped: true };
    if (err instanceof TypeError && !/fetch failed/.test(err.message)) return { status: -1, text: String(err), headers: new Headers() };
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants

/** The own property names of the prototypes a pollution would change. */
export function prototypeFingerprint(): string {
  const protos: [string, object][] = [
    ['Object', Object.prototype],
    ['Array', Array.prototype],
    ['Function', Function.prototype],
    ['String', String.prototype],
    ['Number', Number.prototype],
  ];
  return protos.map(([name, p]) => `${name}:${Reflect.ownKeys(p).map(String).sort().join(',')}`).join('\n');
}

/**
 * The keys every vendor error of this twin carries (Slack `ok`+`error`; Okta `errorCode`…; Jira
 * `errorMessages`+`errors`): those common to the twin's renderings of every kernel failure.
 */
export function vendorErrorKeys(kernel: Kernel<unknown, unknown>): string[] {
  const kinds = ['route_not_found', 'malformed_body', 'validation', 'body_too_large', 'unsupported_media_type', 'internal'] as const;
  let common: string[] | undefined;
  for (const kind of kinds) {
    const res = kernel.renderError(kind, { message: 'x', issues: [{ location: 'body.x', name: 'x', keyword: 'type', message: 'x' }] });
    const body = JSON.parse(String(res.body)) as Record<string, unknown>;
    const keys = Object.keys(body);
    common = common ? common.filter((k) => keys.includes(k)) : keys;
  }
  return common ?? [];
}

/**
 * 414 and 431 come from the HTTP server before any twin sees the request (a URL or headers over
 * Node's 16 KiB): well-formed HTTP refusals, checked on their own by the regression tests.
 */
export function isTransportRefusal(status: number): boolean {
  return status === 414 || status === 431;
}

// biome-ignore lint/suspicious/noExplicitAny: any OpenAPI document; only paths and components are read, each checked as it is used.
type Doc = { paths?: Record<string, unknown>; components?: any };
type ResponseSpec = { $ref?: string; content?: Record<string, { schema?: { $ref?: string; required?: string[] } }> };

/** A `#/components/<kind>/<name>` reference followed into the document (one level, as contracts write them). */
function deref<T extends { $ref?: string }>(doc: Doc, node: T | undefined): T | undefined {
  if (!node?.$ref) return node;
  const [, , kind, name] = node.$ref.split('/');
  return doc.components?.[kind]?.[name] as T | undefined;
}

/** The operation's responses in its contract, references followed, by status (`200`, `4XX`, `default`). */
function responsesOf(doc: Doc, op: OperationSpec): [string, ResponseSpec][] {
  const item = (doc.paths?.[op.path] as Record<string, { responses?: Record<string, ResponseSpec> }>) ?? {};
  const responses = item[op.method.toLowerCase()]?.responses ?? {};
  return Object.entries(responses).map(([status, r]) => [status, deref(doc, r) ?? {}]);
}

/** The media types an operation's contract says it answers with (an OAuth page answers HTML, not JSON). */
export function answerTypes(doc: Doc, op: OperationSpec): string[] {
  const types = new Set<string>();
  for (const [, r] of responsesOf(doc, op)) for (const t of Object.keys(r.content ?? {})) types.add(t);
  return [...types];
}

/**
 * The error shapes an operation's contract declares: for each error response (4xx, 5xx, default)
 * with a JSON schema, the properties it requires (Okta's OAuth endpoints answer `error`, its API
 * `errorCode`…). Empty when the contract declares none; the twin-wide keys apply then.
 */
export function errorShapes(doc: Doc, op: OperationSpec): string[][] {
  const shapes: string[][] = [];
  for (const [status, r] of responsesOf(doc, op)) {
    if (/^2/.test(status)) continue;
    const schema = deref(doc, r.content?.['application/json']?.schema);
    if (schema?.required && schema.required.length > 0) shapes.push(schema.required);
  }
  return shapes;
}

/**
 * What is wrong with a vendor answer: a 5xx, or an error not in the vendor's shape (JSON with the
 * twin's error keys, unless the contract says the operation answers in another type). Undefined when fine.
 */
export function vendorAnswerProblem(
  res: { status: number; text: string; headers: Headers },
  errorKeys: string[],
  method: string,
  otherTypes: string[] = [],
  declared: string[][] = [],
): string | undefined {
  if (res.status >= 500) return `answered ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status < 0 || isTransportRefusal(res.status)) return undefined;
  if (method === 'HEAD' || res.status === 204 || (res.status >= 300 && res.status < 400)) return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) {
    if (res.status < 400 || otherTypes.some((t) => !t.includes('json') && type.startsWith(t))) return undefined;
    return `a ${res.status} error that is not JSON (${type}): ${res.text.slice(0, 200)}`;
  }
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `content-type says JSON but the body is not: ${res.text.slice(0, 200)}`;
  }
  const isError = res.status >= 400 || (body !== null && typeof body === 'object' && (body as Record<string, unknown>).ok === false);
  if (!isError) return undefined;
  if (!body || typeof body !== 'object') return `an error whose body is not an object: ${res.text.slice(0, 200)}`;
  // The operation's own error shapes as its contract declares them, or the twin's common keys (kernel failures).
  const shapes = [...declared, errorKeys];
  const fits = shapes.some((keys) => keys.every((k) => Object.hasOwn(body as object, k)));
  if (!fits) return `an error in none of the vendor's shapes (${shapes.map((k) => k.join('+')).join(' | ')}): ${res.text.slice(0, 300)}`;
  if (/\bat .+\.(ts|js):\d+/.test(res.text)) return `a stack trace in the answer: ${res.text.slice(0, 300)}`;
  return undefined;
}

let gcFn: (() => void) | undefined;
/** Run a full garbage collection (exposed on demand, so memory is measured, not garbage). */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** Heap in use after a full collection, in bytes. */
export function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** A fingerprint of one tenant's state: its JSON (throws when the state cannot be serialised, itself a failure). */
export function stateOf(kernel: Kernel<unknown, unknown>, tenantId: string): string {
  const t = kernel.tenants.get(tenantId);
  if (!t) throw new Error(`tenant ${tenantId} is gone`);
  return JSON.stringify(t.state);
}

/** The credentials that name a tenant (its tokens, ids), as the twin lists them. */
export function credentialsOf(kernel: Kernel<unknown, unknown>, tenantId: string): string[] {
  const t = kernel.tenants.get(tenantId);
  if (!t) throw new Error(`tenant ${tenantId} is gone`);
  return kernel.def.credentialKeys(t.state).filter((k) => typeof k === 'string' && k.length >= 8);
}
