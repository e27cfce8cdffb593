// Request and response validation against the twin's OpenAPI document, with ajv validators compiled once at start.

import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { FormatsPlugin } from 'ajv-formats';
import type { JsonSchema, OpenApiDocument, OperationSpec } from './openapi.ts';
import type { OperationInput, ValidationIssue } from './types.ts';

type AjvInstance = Ajv2020;

/**
 * ajv and ajv-formats, loaded when the first validator is made (in the background after start, or for
 * an early request): `twins up` does not load them before its first answer.
 */
function ajvModules(): { Ajv: typeof Ajv2020; addFormats: FormatsPlugin } {
  const load = createRequire(import.meta.url);
  const { Ajv2020: Ajv } = load('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  // ajv-formats is CommonJS: its plugin is module.exports (and .default).
  const formats = load('ajv-formats') as FormatsPlugin & { default?: FormatsPlugin };
  return { Ajv, addFormats: formats.default ?? formats };
}

const DOC_ID = 'twin-contract';

/** The most validation issues reported for one request (vendors name the first few, not all). */
export const MAX_ISSUES = 20;

/** Point `#/components/schemas/X` at the shared definitions schema the validators are given. */
function rewriteRefs(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, prefix));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
      out[k] = `${prefix}#/$defs/${v.slice('#/components/schemas/'.length)}`;
    } else {
      out[k] = rewriteRefs(v, prefix);
    }
  }
  return out;
}

function newAjv(doc: OpenApiDocument, coerce: boolean): AjvInstance {
  const { Ajv, addFormats } = ajvModules();
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    validateFormats: true,
  });
  addFormats(ajv);
  ajv.addSchema({ $id: DOC_ID, $defs: rewriteRefs(doc.components?.schemas ?? {}, '') as JsonSchema });
  return ajv;
}

function paramsSchema(op: OperationSpec, where: 'path' | 'query'): JsonSchema | undefined {
  const params = op.parameters.filter((p) => p.in === where);
  if (params.length === 0) return undefined;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const p of params) {
    properties[p.name] = p.schema ?? {};
    if (p.required) required.push(p.name);
  }
  return { type: 'object', properties, required };
}

function toIssues(where: string, errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  return (errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
    const segments = e.instancePath.split('/').filter(Boolean);
    const name = missing ?? segments[0];
    const location = [where, ...segments, ...(missing ? [missing] : [])].join('.');
    return { location, name, keyword: e.keyword, message: e.message ?? 'is invalid' };
  });
}

interface OperationValidators {
  path?: ValidateFunction;
  query?: ValidateFunction;
  body?: ValidateFunction;
}

/**
 * Each operation's validators, compiled once per process: `warmUp` compiles them all in small
 * slices once start-up is over (so start-up does not wait ~250 ms for ajv), and an operation asked
 * for before its turn is compiled on the spot. Nothing is ever compiled per request.
 */
export class Validators {
  private readonly byOp = new Map<string, OperationValidators>();
  private readonly ops = new Map<string, OperationSpec>();
  // Made on first use, not in the constructor: an ajv instance compiles JSON Schema's meta-schema when
  // the contract is added (~100 ms), which would otherwise sit between `twins up` and its first answer.
  private coercingAjv: AjvInstance | undefined;
  private bodyOnlyAjv: AjvInstance | undefined;
  private readonly coerceBody: boolean;
  private readonly doc: OpenApiDocument;
  private responseAjv: AjvInstance | undefined;
  private readonly responseCache = new Map<string, ValidateFunction | null>();

  constructor(doc: OpenApiDocument, ops: OperationSpec[], coerceBody: boolean) {
    this.doc = doc;
    this.coerceBody = coerceBody;
    for (const op of ops) this.ops.set(op.operationId, op);
  }

  private get coercing(): AjvInstance {
    this.coercingAjv ??= newAjv(this.doc, true);
    return this.coercingAjv;
  }

  private get bodyAjv(): AjvInstance {
    if (this.coerceBody) return this.coercing;
    this.bodyOnlyAjv ??= newAjv(this.doc, false);
    return this.bodyOnlyAjv;
  }

  /** How many operations have their validators compiled. */
  get compiled(): number {
    return this.byOp.size;
  }

  private forOp(op: OperationSpec): OperationValidators {
    let v = this.byOp.get(op.operationId);
    if (!v) {
      const compile = (ajv: AjvInstance, schema: JsonSchema | undefined) =>
        schema ? ajv.compile(rewriteRefs(schema, DOC_ID) as JsonSchema) : undefined;
      v = {
        path: compile(this.coercing, paramsSchema(op, 'path')),
        query: compile(this.coercing, paramsSchema(op, 'query')),
        body: compile(this.bodyAjv, op.bodySchema),
      };
      this.byOp.set(op.operationId, v);
    }
    return v;
  }

  /** Compile every operation's validators now (a bad schema in the contract throws here). */
  compileAll(): void {
    for (const op of this.ops.values()) this.forOp(op);
  }

  /** Compile the rest a few milliseconds at a time, yielding to requests in between; `stop()` ends it early. */
  async warmUp(sliceMs = 8, stop: () => boolean = () => false): Promise<void> {
    const pending = [...this.ops.values()];
    while (pending.length > 0 && !stop()) {
      const until = performance.now() + sliceMs;
      while (pending.length > 0 && performance.now() < until) this.forOp(pending.shift() as OperationSpec);
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Validate (and coerce in place) an operation's input; returns the issues found, at most
   * MAX_ISSUES (ten thousand bad items would otherwise make an answer of ten thousand messages).
   */
  validate(op: OperationSpec, input: OperationInput): ValidationIssue[] {
    const v = this.forOp(op);
    const issues: ValidationIssue[] = [];
    if (v.path && !v.path(input.params)) issues.push(...toIssues('path', v.path.errors));
    if (v.query && !v.query(input.query)) issues.push(...toIssues('query', v.query.errors));
    if (v.body) {
      if (input.body === undefined) {
        if (op.bodyRequired) issues.push({ location: 'body', keyword: 'required', message: 'a request body is required' });
        // An absent optional body still has to satisfy required fields (Slack's arguments live in the body).
        else if (!v.body({})) issues.push(...toIssues('body', v.body.errors));
      } else if (!v.body(input.body)) {
        issues.push(...toIssues('body', v.body.errors));
      }
    }
    return issues.length > MAX_ISSUES ? issues.slice(0, MAX_ISSUES) : issues;
  }

  /** Check a JSON response against the contract's schema for that status (compiled on first use). */
  validateResponse(op: OperationSpec, status: number, body: unknown): ValidationIssue[] {
    const key = `${op.operationId}:${status}`;
    let fn: ValidateFunction | null | undefined = this.responseCache.get(key);
    if (fn === undefined) {
      const schema = op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default;
      this.responseAjv ??= newAjv(this.doc, false);
      fn = schema ? this.responseAjv.compile(rewriteRefs(schema, DOC_ID) as JsonSchema) : null;
      this.responseCache.set(key, fn);
    }
    if (!fn || fn(body)) return [];
    return toIssues('response', fn.errors).slice(0, MAX_ISSUES);
  }
}
