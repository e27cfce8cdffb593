// Compares a twin's own OpenAPI contract with a vendor's published documents: operations, required parameters, statuses and response property names.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** A JSON Schema node as either document writes it (OpenAPI 3.0 or 3.1). */
export type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  [k: string]: unknown;
};

interface Parameter {
  $ref?: string;
  name: string;
  in: string;
  required?: boolean;
}

interface MediaType {
  schema?: Schema;
}

interface Response {
  $ref?: string;
  content?: Record<string, MediaType>;
}

export interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { $ref?: string; required?: boolean; content?: Record<string, MediaType> };
  responses?: Record<string, Response>;
}

type PathItem = Record<string, Operation | Parameter[] | unknown> & { parameters?: Parameter[] };

export interface ApiDocument {
  paths: Record<string, PathItem>;
  components?: {
    schemas?: Record<string, Schema>;
    parameters?: Record<string, Parameter>;
    responses?: Record<string, Response>;
    requestBodies?: Record<string, { required?: boolean; content?: Record<string, MediaType> }>;
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Read a YAML or JSON OpenAPI document. */
export function readDocument(file: URL): ApiDocument {
  const text = readFileSync(file, 'utf8');
  return (file.pathname.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: -1 })) as ApiDocument;
}

/** Follow a local `$ref` (`#/components/...`) within `doc`, as often as it chains. */
function resolve<T extends { $ref?: string }>(doc: ApiDocument, node: T | undefined): T | undefined {
  let out: unknown = node;
  for (let hops = 0; out && typeof out === 'object' && typeof (out as T).$ref === 'string' && hops < 20; hops++) {
    const ref = (out as T).$ref as string;
    if (!ref.startsWith('#/')) return undefined;
    out = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  }
  return out as T | undefined;
}

/** One operation of a document, with its path, method and parameters (path-level merged in, `$ref`s resolved). */
export interface LocatedOperation {
  doc: ApiDocument;
  path: string;
  method: string;
  op: Operation;
  parameters: Parameter[];
}

export function operationsOf(doc: ApiDocument): LocatedOperation[] {
  const out: LocatedOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const shared = (item.parameters ?? []).map((p) => resolve(doc, p)).filter((p): p is Parameter => p !== undefined);
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const own = (op.parameters ?? []).map((p) => resolve(doc, p)).filter((p): p is Parameter => p !== undefined);
      // An operation's own parameter replaces a path-level one of the same name and place.
      const byKey = new Map<string, Parameter>();
      for (const p of [...shared, ...own]) byKey.set(`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`, p);
      out.push({ doc, path, method, op, parameters: [...byKey.values()] });
    }
  }
  return out;
}

const isTemplate = (segment: string) => /^\{[^}]+\}$/.test(segment);

/**
 * The vendor operation a request to `path` with `method` would reach, as a router matches: each
 * literal segment must equal the vendor's literal or fall into a vendor `{template}`; a twin
 * template only matches a vendor template. The most literal match wins (`/sessions/me` before
 * `/sessions/{sessionId}`).
 */
export function matchVendor(vendor: LocatedOperation[], path: string, method: string): LocatedOperation | undefined {
  const ours = path.split('/');
  let best: { op: LocatedOperation; literals: number } | undefined;
  for (const candidate of vendor) {
    if (candidate.method !== method) continue;
    const theirs = candidate.path.split('/');
    if (theirs.length !== ours.length) continue;
    let literals = 0;
    let ok = true;
    for (let i = 0; i < ours.length && ok; i++) {
      if (isTemplate(theirs[i])) continue;
      if (isTemplate(ours[i]) || ours[i] !== theirs[i]) ok = false;
      else literals++;
    }
    if (ok && (!best || literals > best.literals)) best = { op: candidate, literals };
  }
  return best?.op;
}

/** The schema of a response's JSON body (any `json` media type), or undefined (no body, or bytes). */
function jsonSchema(doc: ApiDocument, response: Response | undefined): Schema | undefined {
  const r = resolve(doc, response);
  if (!r?.content) return undefined;
  const key = Object.keys(r.content).find((k) => k.includes('json'));
  return key ? r.content[key]?.schema : undefined;
}

/** What a schema node allows at its next level: named properties, whether any other name is allowed (and as what), its array items. */
interface Shape {
  properties: Map<string, Schema[]>;
  /** Names outside `properties` are allowed: a map (`additionalProperties`), or nothing is said at all. */
  open: boolean;
  openAs: Schema[];
  /** True when nothing about the node is known (no type, no properties): nothing below it can be checked. */
  unconstrained: boolean;
}

function shapeOf(doc: ApiDocument, schemas: Schema[], seen = 0): Shape {
  const shape: Shape = { properties: new Map(), open: false, openAs: [], unconstrained: false };
  for (const raw of schemas) {
    const s = resolve(doc, raw);
    if (!s || seen > 12) continue;
    const branches = [...(s.allOf ?? []), ...(s.oneOf ?? []), ...(s.anyOf ?? [])];
    if (s.items) {
      const inner = shapeOf(doc, [s.items], seen + 1);
      merge(shape, inner);
    }
    for (const [name, p] of Object.entries(s.properties ?? {})) shape.properties.set(name, [...(shape.properties.get(name) ?? []), p]);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      shape.open = true;
      shape.openAs.push(s.additionalProperties);
    } else if (s.additionalProperties === true) {
      shape.open = true;
      shape.unconstrained = shape.unconstrained || Object.keys(s.properties ?? {}).length === 0;
    }
    if (branches.length > 0) merge(shape, shapeOf(doc, branches, seen + 1));
    const said = s.type !== undefined || s.properties || s.items || branches.length > 0 || s.additionalProperties !== undefined || s.enum;
    if (!said) {
      shape.open = true;
      shape.unconstrained = true;
    }
  }
  return shape;
}

function merge(into: Shape, from: Shape): void {
  for (const [k, v] of from.properties) into.properties.set(k, [...(into.properties.get(k) ?? []), ...v]);
  into.open ||= from.open;
  into.openAs.push(...from.openAs);
  into.unconstrained ||= from.unconstrained;
}

/**
 * Property paths (`fields.status.name`) of `ours` that `theirs` does not have, down to `depth`
 * levels. Array items are looked through; below a vendor map (`additionalProperties`) any name is
 * allowed and checked against the map's value schema; below a vendor node that says nothing,
 * nothing is checked.
 */
export function missingProperties(
  ourDoc: ApiDocument,
  ours: Schema,
  vendorDoc: ApiDocument,
  theirs: Schema,
  depth: number,
  prefix = '',
): string[] {
  if (depth <= 0) return [];
  const mine = shapeOf(ourDoc, [ours]);
  const vendor = shapeOf(vendorDoc, [theirs]);
  if (vendor.unconstrained && vendor.properties.size === 0 && vendor.openAs.length === 0) return [];
  const missing: string[] = [];
  for (const [name, schemas] of mine.properties) {
    const path = prefix ? `${prefix}.${name}` : name;
    const match = vendor.properties.get(name) ?? (vendor.open ? vendor.openAs : undefined);
    if (!match) {
      missing.push(path);
      continue;
    }
    if (match.length === 0) continue;
    for (const s of schemas.slice(0, 1)) {
      missing.push(...missingProperties(ourDoc, s, vendorDoc, { anyOf: match }, depth - 1, path));
    }
  }
  return [...new Set(missing)];
}

/** Everything the comparison found about one operation of the twin. */
export interface Findings {
  operationId: string;
  method: string;
  path: string;
  /** Where the vendor documents it (`GET /api/v1/users`), or undefined when they do not. */
  vendor?: string;
  /** `query:name` etc.: the vendor requires it and we do not declare it, or we require it and the vendor does not. `body`: the request body's `required` differs. */
  requiredParameters: string[];
  /** Statuses we declare that the vendor does not. */
  statuses: string[];
  /** `<status> <property path>`: properties of our success answers the vendor's schema does not have; `<status>` alone: the vendor declares no JSON body there. */
  properties: string[];
}

export interface CompareOptions {
  /** The vendor path to look ours up under (Jira: `/rest/api/{apiVersion}/x` → `/rest/api/3/x`). */
  vendorPath?: (path: string) => string;
  /** Property levels compared below each answer (default 3). */
  depth?: number;
}

const paramKey = (p: Parameter) => `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`;

/** Compare one of our operations with the vendor's. */
export function compareOperation(ours: LocatedOperation, vendor: LocatedOperation[], options: CompareOptions = {}): Findings {
  const findings: Findings = {
    operationId: ours.op.operationId ?? `${ours.method} ${ours.path}`,
    method: ours.method.toUpperCase(),
    path: ours.path,
    requiredParameters: [],
    statuses: [],
    properties: [],
  };
  const theirs = matchVendor(vendor, options.vendorPath?.(ours.path) ?? ours.path, ours.method);
  if (!theirs) return findings;
  findings.vendor = `${theirs.method.toUpperCase()} ${theirs.path}`;

  // Required parameters (path parameters are matched by the template already, whatever their names).
  const declared = new Map(ours.parameters.filter((p) => p.in !== 'path').map((p) => [paramKey(p), p]));
  const vendorParams = new Map(theirs.parameters.filter((p) => p.in !== 'path').map((p) => [paramKey(p), p]));
  for (const [key, p] of vendorParams) if (p.required && !declared.has(key)) findings.requiredParameters.push(key);
  for (const [key, p] of declared) if (p.required && !vendorParams.get(key)?.required) findings.requiredParameters.push(key);
  const ourBody = resolve(ours.doc, ours.op.requestBody);
  const vendorBody = resolve(theirs.doc, theirs.op.requestBody);
  if (ourBody?.required && !vendorBody?.required) findings.requiredParameters.push('body');
  if (vendorBody?.required && !ourBody) findings.requiredParameters.push('body');

  // Statuses.
  const vendorStatuses = new Set(Object.keys(theirs.op.responses ?? {}).map((s) => s.toUpperCase()));
  for (const status of Object.keys(ours.op.responses ?? {})) {
    if (status === 'default') continue;
    if (!vendorStatuses.has(status) && !vendorStatuses.has(`${status[0]}XX`)) findings.statuses.push(status);
  }

  // Property names of our success answers.
  for (const [status, response] of Object.entries(ours.op.responses ?? {})) {
    if (!/^2\d\d$/.test(status)) continue;
    const mine = jsonSchema(ours.doc, response);
    if (!mine || !vendorStatuses.has(status)) continue;
    const vendorResponse = theirs.op.responses?.[status];
    const vendorSchema = jsonSchema(theirs.doc, vendorResponse);
    if (!vendorSchema) {
      // The vendor declares the status with no JSON body: what we send there has no counterpart.
      if (shapeOf(ours.doc, [mine]).properties.size > 0 || resolve(ours.doc, mine)?.type !== undefined) findings.properties.push(status);
      continue;
    }
    for (const path of missingProperties(ours.doc, mine, theirs.doc, vendorSchema, options.depth ?? 3))
      findings.properties.push(`${status} ${path}`);
  }
  findings.requiredParameters.sort();
  findings.statuses.sort();
  findings.properties.sort();
  return findings;
}

/** Deliberate differences between a twin's contract and the vendor's documents, as the checked-in `<twin>-differences.json` lists them. */
export interface DeliberateDifferences {
  /** operationId → why the vendor documents do not have it. */
  operationsNotInVendorDocument: Record<string, string>;
  /** operationId → `query:name` / `header:name` / `body` → why the required-ness differs. */
  requiredParameters: Record<string, Record<string, string>>;
  /** operationId → status → why we answer it and the vendor does not list it. */
  statusesNotInVendorDocument: Record<string, Record<string, string>>;
  /** operationId → `<status> <property path>` → why the property is in our answer and not in the vendor's schema. */
  propertiesNotInVendorSchema: Record<string, Record<string, string>>;
}

/** What the listed differences say about one operation, in the shape `compareOperation` answers. */
export function listedFor(
  d: DeliberateDifferences,
  operationId: string,
): Omit<Findings, 'method' | 'path' | 'vendor' | 'operationId'> & {
  notInVendor: boolean;
} {
  return {
    notInVendor: Object.hasOwn(d.operationsNotInVendorDocument, operationId),
    requiredParameters: Object.keys(d.requiredParameters[operationId] ?? {}).sort(),
    statuses: Object.keys(d.statusesNotInVendorDocument[operationId] ?? {}).sort(),
    properties: Object.keys(d.propertiesNotInVendorSchema[operationId] ?? {}).sort(),
  };
}

/** Every name a differences file mentions (operationIds and their keys), for checking the page that describes them. */
export function mentionedNames(d: DeliberateDifferences): string[] {
  const out = new Set<string>(Object.keys(d.operationsNotInVendorDocument));
  for (const group of [d.requiredParameters, d.statusesNotInVendorDocument, d.propertiesNotInVendorSchema])
    for (const id of Object.keys(group)) out.add(id);
  return [...out];
}
