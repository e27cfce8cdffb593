// Turns a transport's raw request into a normalised one: query, headers and a parsed body (JSON, form, multipart, text).

import { KernelError } from './errors.ts';
import type { NormalisedRequest, TwinRequest, UploadedFile, ValidationIssue } from './types.ts';

/**
 * Bounds on what a request may carry, checked before anything else sees it. Vendors refuse
 * deeper or bigger input long before these; past them, JSON.stringify, structuredClone and ajv
 * recurse until the stack runs out, and one stored value breaks every later read of the state.
 */
export const BODY_LIMITS = {
  /** Levels of `[`/`{` nesting in a JSON body, or in a JSON-looking form or query value. */
  depth: 64,
  /** Characters in one string (a key or a value). */
  stringLength: 512 * 1024,
  /** Items in one array (repeated form or query keys make arrays too). */
  arrayLength: 10_000,
  /** Keys in one object. */
  keys: 10_000,
} as const;

export type BodyLimits = { [K in keyof typeof BODY_LIMITS]: number };

/**
 * True when the JSON text nests `[`/`{` deeper than `max`, found by one scan of the text (strings
 * skipped) before it is parsed, so a deep document is never built.
 *
 * @example jsonNestsDeeperThan('[[[]]]', 2) === true
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  // Nesting deeper than max takes more than max characters: short texts need no scan.
  if (text.length <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/**
 * Parse JSON within BODY_LIMITS; a malformed or too deep text throws `KernelError('malformed_body')`,
 * a too big string, array or object `KernelError('validation')`, both rendered as the vendor's
 * error. For every JSON a twin parses from a request (bodies, and JSON inside form fields).
 */
export function parseJsonBounded(text: string, limits: BodyLimits = BODY_LIMITS): unknown {
  if (jsonNestsDeeperThan(text, limits.depth)) {
    throw new KernelError('malformed_body', { message: `body is not acceptable JSON: it nests deeper than ${limits.depth} levels` });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new KernelError('malformed_body', { message: `body is not valid JSON: ${(err as Error).message}` });
  }
  checkBounds(value, 'body', limits);
  return value;
}

/**
 * Check a parsed value against BODY_LIMITS (string length, array size, key count, and the depth of
 * JSON-looking strings, which twins such as Slack parse later); throws `KernelError('validation')`
 * naming the first argument out of bounds.
 */
export function checkBounds(value: unknown, where: 'body' | 'query', limits: BodyLimits = BODY_LIMITS): void {
  const issue = findOutOfBounds(value, [], limits, 0);
  if (issue) {
    const location = [where, ...issue.path].join('.');
    const detail: ValidationIssue = { location, keyword: issue.keyword, message: issue.message };
    if (issue.path.length > 0) detail.name = issue.path[0];
    throw new KernelError('validation', { issues: [detail], message: `${location} ${issue.message}` });
  }
}

interface BoundsIssue {
  path: string[];
  keyword: string;
  message: string;
}

function findOutOfBounds(value: unknown, path: string[], limits: BodyLimits, depth: number): BoundsIssue | undefined {
  if (typeof value === 'string') {
    if (value.length > limits.stringLength)
      return { path, keyword: 'maxLength', message: `must NOT have more than ${limits.stringLength} characters` };
    const first = value.charCodeAt(0);
    // A form or query value that is JSON (Slack's blocks, attachments) is parsed by the twin later.
    if ((first === 91 || first === 123) && jsonNestsDeeperThan(value, limits.depth))
      return { path, keyword: 'maxDepth', message: `must NOT nest deeper than ${limits.depth} levels` };
    return undefined;
  }
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return undefined;
  // Parsed JSON cannot be deeper than the scan allowed; this guards values built some other way.
  if (depth > limits.depth) return { path, keyword: 'maxDepth', message: `must NOT nest deeper than ${limits.depth} levels` };
  if (Array.isArray(value)) {
    if (value.length > limits.arrayLength)
      return { path, keyword: 'maxItems', message: `must NOT have more than ${limits.arrayLength} items` };
    for (let i = 0; i < value.length; i++) {
      const found = findOutOfBounds(value[i], path.length < 8 ? [...path, String(i)] : path, limits, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  let keys = 0;
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    if (++keys > limits.keys) return { path, keyword: 'maxProperties', message: `must NOT have more than ${limits.keys} properties` };
    if (k.length > limits.stringLength)
      return { path, keyword: 'propertyNames', message: `property names must NOT have more than ${limits.stringLength} characters` };
    const found = findOutOfBounds((value as Record<string, unknown>)[k], path.length < 8 ? [...path, k] : path, limits, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Parse `a=1&a=2&b=3` into `{ a: ['1','2'], b: '3' }`. The object has no prototype, so a key such
 * as `__proto__` or `constructor` is an ordinary field, never a link to Object.prototype.
 */
export function paramsToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of params) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** The media type without parameters, lower case: `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Normalise a request. Synchronous for every body but multipart, which returns a promise: the
 * request path awaits only when it must.
 */
export function normalise(req: TwinRequest, bodyLimit: number): NormalisedRequest | Promise<NormalisedRequest> {
  const raw = req.body && req.body.length > 0 ? req.body : undefined;
  if (raw && raw.length > bodyLimit) {
    throw new KernelError('body_too_large', { message: `request body is ${raw.length} bytes; the limit is ${bodyLimit}` });
  }
  const contentType = req.headers['content-type'] ?? '';
  const type = mediaType(contentType);
  const query = paramsToObject(req.url.searchParams);
  checkBounds(query, 'query');
  const base: NormalisedRequest = {
    method: req.method.toUpperCase(),
    url: req.url,
    path: req.url.pathname,
    headers: req.headers,
    query,
    contentType: type,
    rawBody: raw,
    body: undefined,
    baseUrl: req.basePath ? `${req.url.origin}${req.basePath}` : req.url.origin,
  };
  if (!raw) return base;
  if (type === 'application/json' || type.endsWith('+json')) {
    base.body = parseJsonBounded(decoder.decode(raw));
  } else if (type === 'application/x-www-form-urlencoded') {
    base.body = paramsToObject(new URLSearchParams(decoder.decode(raw)));
    checkBounds(base.body, 'body');
  } else if (type === 'multipart/form-data') {
    return parseMultipart(raw, contentType).then((body) => {
      checkBounds(body.fields, 'body');
      base.body = body;
      return base;
    });
  } else if (type.startsWith('text/')) {
    base.body = decoder.decode(raw);
  } else {
    base.body = raw;
  }
  return base;
}

async function parseMultipart(
  raw: Uint8Array,
  contentType: string,
): Promise<{ fields: Record<string, string | string[]>; files: UploadedFile[] }> {
  let form: FormData;
  try {
    form = await new Response(raw as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData();
  } catch (err) {
    throw new KernelError('malformed_body', { message: `multipart body could not be parsed: ${(err as Error).message}` });
  }
  const fields: Record<string, string | string[]> = Object.create(null);
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      const prev = fields[field];
      fields[field] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    } else {
      files.push({
        field,
        filename: value.name,
        contentType: value.type || 'application/octet-stream',
        data: new Uint8Array(await value.arrayBuffer()),
      });
    }
  }
  return { fields, files };
}
