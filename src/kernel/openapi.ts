// Reads a twin's OpenAPI 3.1 document into routes and operation specs, the source of routing and validation.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The YAML parser, loaded the first time a document is YAML: twins load their contract as generated
 * JSON, so `twins up` never pays for the yaml package (~20 ms) before a twin answers.
 */
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
}

export type JsonSchema = Record<string, unknown>;

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
  description?: string;
}

export interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: (OpenApiParameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
  security?: Record<string, string[]>[];
  [extension: `x-${string}`]: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [k: string]: unknown };
  paths: Record<string, Record<string, OpenApiOperation | unknown>>;
  components?: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, OpenApiParameter>; [k: string]: unknown };
  [k: string]: unknown;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** One operation of the contract, ready for routing and validation. */
export interface OperationSpec {
  operationId: string;
  method: string;
  path: string;
  regex: RegExp;
  paramNames: string[];
  parameters: OpenApiParameter[];
  /** The request body schema (JSON or form), if any. */
  bodySchema?: JsonSchema;
  bodyRequired: boolean;
  bodyContentTypes: string[];
  /** Success response schemas by status code. */
  responses: Record<string, JsonSchema | undefined>;
  security?: Record<string, string[]>[];
  /** Vendor extensions (`x-…`) as written in the document. */
  extensions: Record<string, unknown>;
  summary?: string;
}

/** Load a YAML or JSON OpenAPI document from disk. */
export function loadOpenApi(file: string | URL): OpenApiDocument {
  const text = readFileSync(file, 'utf8');
  const doc = (String(file).endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as OpenApiDocument;
  if (!doc || typeof doc !== 'object' || !doc.paths) {
    throw new Error(`${String(file)} is not an OpenAPI document (no "paths")`);
  }
  return doc;
}

function resolveRef<T>(doc: OpenApiDocument, value: T | { $ref: string }): T {
  if (value && typeof value === 'object' && '$ref' in value && typeof value.$ref === 'string') {
    const parts = value.$ref.replace(/^#\//, '').split('/');
    let node: unknown = doc;
    for (const p of parts) node = (node as Record<string, unknown>)?.[p.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new Error(`unresolved $ref ${value.$ref}`);
    return node as T;
  }
  return value as T;
}

function compilePath(template: string): { regex: RegExp; paramNames: string[] } {
  const paramNames: string[] = [];
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part);
      if (m) {
        paramNames.push(m[1]);
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { regex: new RegExp(`^${pattern}$`), paramNames };
}

/** Every operation in the document, with parameters resolved and paths compiled. */
export function collectOperations(doc: OpenApiDocument): OperationSpec[] {
  const ops: OperationSpec[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const pathItem = item as Record<string, unknown>;
    const shared = ((pathItem.parameters as OpenApiOperation['parameters']) ?? []).map((p) => resolveRef(doc, p));
    for (const method of HTTP_METHODS) {
      const raw = pathItem[method] as OpenApiOperation | undefined;
      if (!raw) continue;
      if (!raw.operationId) throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      const own = (raw.parameters ?? []).map((p) => resolveRef(doc, p));
      const parameters = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
      const content = raw.requestBody ? (resolveRef(doc, raw.requestBody).content ?? {}) : {};
      const bodyContentTypes = Object.keys(content);
      const preferred = content['application/json'] ?? content[bodyContentTypes[0] ?? ''];
      const responses: Record<string, JsonSchema | undefined> = {};
      for (const [status, resp] of Object.entries(raw.responses ?? {})) {
        const r = resolveRef(doc, resp);
        responses[status] = r?.content?.['application/json']?.schema;
      }
      const extensions: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw)) if (k.startsWith('x-')) extensions[k] = v;
      const { regex, paramNames } = compilePath(path);
      ops.push({
        operationId: raw.operationId,
        method: method.toUpperCase(),
        path,
        regex,
        paramNames,
        parameters,
        bodySchema: preferred?.schema,
        bodyRequired: Boolean(raw.requestBody && resolveRef(doc, raw.requestBody).required),
        bodyContentTypes,
        responses,
        security: raw.security ?? (doc.security as Record<string, string[]>[] | undefined),
        extensions,
        summary: raw.summary,
      });
    }
  }
  return ops;
}

export interface RouteMatch {
  op: OperationSpec;
  params: Record<string, string>;
}

/** Routes requests to operations by the document's path templates; literal paths win over templated ones. */
export class Router {
  private readonly byPath = new Map<string, OperationSpec[]>();
  private readonly templated: { regex: RegExp; ops: OperationSpec[] }[] = [];

  constructor(ops: OperationSpec[]) {
    const groups = new Map<string, OperationSpec[]>();
    for (const op of ops) groups.set(op.path, [...(groups.get(op.path) ?? []), op]);
    for (const [path, group] of groups) {
      if (group[0].paramNames.length === 0) this.byPath.set(path, group);
      else this.templated.push({ regex: group[0].regex, ops: group });
    }
    // More literal characters first, so /issue/bulk beats /issue/{key}.
    this.templated.sort((a, b) => literalLength(b.ops[0].path) - literalLength(a.ops[0].path));
  }

  /** `undefined` when no path matches; `{ allowed }` when the path exists but not for this method. */
  match(method: string, path: string, fallback?: string): RouteMatch | { allowed: string[] } | undefined {
    let group = this.byPath.get(path);
    let values: string[] = [];
    if (!group) {
      for (const t of this.templated) {
        const m = t.regex.exec(path);
        if (m) {
          group = t.ops;
          values = m.slice(1);
          break;
        }
      }
    }
    if (!group) return undefined;
    const op =
      group.find((o) => o.method === method) ??
      (method === 'HEAD' ? group.find((o) => o.method === 'GET') : undefined) ??
      (fallback ? group.find((o) => o.method === fallback) : undefined);
    if (!op) return { allowed: group.map((o) => o.method) };
    const params: Record<string, string> = {};
    op.paramNames.forEach((name, i) => {
      params[name] = safeDecode(values[i]);
    });
    return { op, params };
  }
}

function literalLength(path: string): number {
  return path.replace(/\{[^}]+\}/g, '').length;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
