// Checks the Slack twin's contract: its own conventions, and its agreement with Slack's official (2020) Web API document.

import { existsSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

/** Where the twin's contract deliberately departs from Slack's official document, and why (data, not prose). */
interface DeliberateDifferences {
  /** Methods the twin serves that the vendor document (frozen in 2020) does not have: method → reason. */
  methodsNotInVendorDocument: Record<string, string>;
  /** Arguments the twin accepts that the vendor document does not declare: method → argument → reason. */
  extraArguments: Record<string, Record<string, string>>;
  /** Error codes the vendor document spells differently from what Slack answers (and the twin uses). */
  vendorErrorSpellings: Record<string, string>;
  /** Routes that are not Web API methods, so the vendor document has no place for them: operationId → what. */
  routesOutsideTheWebApi: Record<string, string>;
  /** Methods that take no Slack token: method → how the caller authenticates instead. */
  methodsWithoutToken: Record<string, string>;
}

// Kept next to the page that explains it (docs/twins/slack-differences.md); a test below keeps the two in step.
const DELIBERATE_DIFFERENCES = JSON.parse(
  readFileSync(new URL('../../docs/twins/slack-differences.json', import.meta.url), 'utf8'),
) as DeliberateDifferences;

// ---------- the twin's contract ----------

type Schema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
  oneOf?: Schema[];
  additionalProperties?: unknown;
};

interface Operation {
  operationId: string;
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
  'x-slack-scopes'?: { bot?: unknown; user?: unknown };
  'x-twin-rate-limit'?: unknown;
  'x-slack-errors'?: unknown;
  'x-slack-pagination'?: unknown;
}

interface Contract {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
  'x-slack-common-errors': string[];
}

const contractUrl = new URL('../../twins/slack/openapi.yaml', import.meta.url);
const contract = parseYaml(readFileSync(contractUrl, 'utf8')) as Contract;
const schemas = contract.components.schemas;
const commonErrors = new Set(contract['x-slack-common-errors']);

/** The Web API methods of the contract: method name → its operation. */
const methods = new Map<string, Operation>();
for (const [path, item] of Object.entries(contract.paths)) {
  if (path.startsWith('/api/')) methods.set(path.slice('/api/'.length), item.post);
}

const pascal = (method: string): string =>
  method
    .split('.')
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');

function deref(schema: Schema | undefined): Schema | undefined {
  if (schema?.$ref) return schemas[schema.$ref.replace('#/components/schemas/', '')];
  return schema;
}

function argsOf(op: Operation): Schema {
  const schema = deref(op.requestBody?.content?.['application/json']?.schema);
  if (!schema) throw new Error(`${op.operationId} has no JSON request body schema`);
  return schema;
}

const TIERS = new Set(['tier1', 'tier2', 'tier3', 'tier4', 'special-post', 'special']);
// Scope names Slack retired with granular bot permissions; the contract uses the current names.
const LEGACY_SCOPE = /^(chat:write:(bot|user)|files:write:user|bot|identify|client|read|post)$/;

describe('Slack contract conventions', () => {
  it('declares the Web API methods the twin serves', () => {
    expect(methods.size).toBeGreaterThanOrEqual(49);
  });

  it.each([...methods.keys()])('%s follows the method conventions', (method) => {
    const item = contract.paths[`/api/${method}`];
    expect(Object.keys(item), 'one operation, POST').toEqual(['post']);
    const op = methods.get(method)!;
    expect(op.operationId).toBe(method);

    const refName = `#/components/schemas/${pascal(method)}Args`;
    const content = op.requestBody?.content ?? {};
    expect(Object.keys(content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    expect(content['application/json']?.schema?.$ref).toBe(refName);
    expect(content['application/x-www-form-urlencoded']?.schema?.$ref).toBe(refName);
    const args = argsOf(op);
    expect(args.type).toBe('object');
    expect(args.additionalProperties, 'Slack ignores unknown arguments').toBe(true);
    expect(args.properties?.token?.type).toBe('string');
    for (const name of args.required ?? []) expect(args.properties, `required ${name} is declared`).toHaveProperty(name);

    const ok = op.responses?.['200']?.content?.['application/json']?.schema;
    const variants = (ok?.oneOf ?? []).map((s) => s.$ref);
    expect(variants).toEqual([`#/components/schemas/${pascal(method)}Response`, '#/components/schemas/ErrorResponse']);
    expect(op.responses?.['429']?.$ref).toBe('#/components/responses/RateLimited');

    if (method in DELIBERATE_DIFFERENCES.methodsWithoutToken) {
      expect(op.security, 'no Slack token: the twin authenticates it its own way').toEqual([]);
    } else {
      expect(op.security).toEqual([{ slackToken: [] }]);
    }

    const { bot, user } = op['x-slack-scopes'] ?? {};
    if (!Array.isArray(bot) || !Array.isArray(user)) throw new Error(`${method}: x-slack-scopes needs bot and user lists`);
    for (const scope of [...bot, ...user] as string[]) {
      expect(scope, `${scope} is a current scope name`).toMatch(/^[a-z.]+(:[a-z.]+)+$/);
      expect(LEGACY_SCOPE.test(scope), `${scope} is a legacy scope name`).toBe(false);
    }
    expect(TIERS.has(op['x-twin-rate-limit'] as string), `tier ${String(op['x-twin-rate-limit'])}`).toBe(true);

    const errors = op['x-slack-errors'] as string[];
    expect(Array.isArray(errors)).toBe(true);
    expect(new Set(errors).size, 'no duplicate errors').toBe(errors.length);
    for (const e of errors) {
      expect(e).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(commonErrors.has(e), `${e} is already a common error`).toBe(false);
    }

    if (op['x-slack-pagination'] === 'cursor') {
      expect(args.properties).toHaveProperty('limit');
      expect(args.properties).toHaveProperty('cursor');
      expect(deref({ $ref: variants[0] })?.required).toContain('response_metadata');
    }
  });

  it('keeps routes outside the Web API token-free and named in camelCase', () => {
    const outside: string[] = [];
    for (const [path, item] of Object.entries(contract.paths)) {
      if (path.startsWith('/api/')) continue;
      for (const op of Object.values(item)) {
        outside.push(op.operationId);
        expect(op.operationId).toMatch(/^[a-z][A-Za-z0-9]*$/);
        expect(op.security).toEqual([]);
      }
    }
    expect(outside.sort()).toEqual(Object.keys(DELIBERATE_DIFFERENCES.routesOutsideTheWebApi).sort());
  });

  it('compiles every schema with Ajv 2020, as the kernel does', () => {
    const rewrite = (node: unknown): unknown => JSON.parse(JSON.stringify(node).replaceAll('#/components/schemas/', 'contract#/$defs/'));
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'contract', $defs: rewrite(schemas) as Record<string, unknown> });
    for (const [name, schema] of Object.entries(schemas)) {
      expect(() => ajv.compile(rewrite(schema) as object), name).not.toThrow();
    }
    const postMessage = ajv.compile(
      rewrite(methods.get('chat.postMessage')?.responses?.['200']?.content?.['application/json']?.schema) as object,
    );
    expect(postMessage({ ok: false, error: 'channel_not_found' })).toBe(true);
    expect(postMessage({ ok: true, channel: 'C1', ts: '1700000000.000100', message: { type: 'message', ts: '1700000000.000100' } })).toBe(
      true,
    );
    expect(postMessage({ ok: true })).toBe(false);
  });

  it('describes every deliberate difference (docs/twins/slack-differences.json) in docs/twins/slack-differences.md', () => {
    const doc = readFileSync(new URL('../../docs/twins/slack-differences.md', import.meta.url), 'utf8');
    const d = DELIBERATE_DIFFERENCES;
    const mentioned = [
      ...Object.keys(d.methodsNotInVendorDocument),
      ...Object.entries(d.extraArguments).flatMap(([m, args]) => [m, ...Object.keys(args)]),
      ...Object.entries(d.vendorErrorSpellings).flat(),
      ...Object.keys(d.routesOutsideTheWebApi),
      ...Object.keys(d.methodsWithoutToken),
    ];
    for (const word of mentioned) expect(doc, `${word} is described`).toContain(`\`${word}\``);
  });
});

// ---------- against Slack's official document ----------

interface VendorParameter {
  name: string;
  in: string;
  required?: boolean;
}
interface VendorOperation {
  parameters?: VendorParameter[];
  responses?: { default?: { schema?: { properties?: { error?: { enum?: string[] } } } } };
}
interface VendorDocument {
  paths: Record<string, Record<string, VendorOperation>>;
}

const vendorUrl = new URL('../../../shared/specs/slack-web-api.json', import.meta.url);
const haveVendor = existsSync(vendorUrl);
if (!haveVendor) console.warn("../shared/specs not found: conformance against Slack's official document skipped");

(haveVendor ? describe : describe.skip)("Slack contract against Slack's official Web API document", () => {
  const vendor = haveVendor ? (JSON.parse(readFileSync(vendorUrl, 'utf8')) as VendorDocument) : { paths: {} };
  const vendorOp = (method: string): VendorOperation | undefined => {
    const item = vendor.paths[`/${method}`];
    return item ? Object.values(item)[0] : undefined;
  };
  const d = DELIBERATE_DIFFERENCES;
  const missingFromVendor = Object.keys(d.methodsNotInVendorDocument);

  it('has every method the vendor lacks listed as a deliberate difference, and no stale entries', () => {
    const absent = [...methods.keys()].filter((m) => !vendorOp(m));
    expect(absent.sort()).toEqual([...missingFromVendor].sort());
    for (const m of Object.keys(d.extraArguments)) expect(methods.has(m), `${m} in extraArguments is a method of ours`).toBe(true);
  });

  const shared = [...methods.keys()].filter((m) => !missingFromVendor.includes(m));

  it.each(shared)('%s: every argument we declare exists in the vendor document, or is a listed difference', (method) => {
    const theirs = new Set((vendorOp(method)?.parameters ?? []).map((p) => p.name));
    const listed = d.extraArguments[method] ?? {};
    const ours = Object.keys(argsOf(methods.get(method)!).properties ?? {});
    // `token` is declared in every Args schema by house rule, whether or not the vendor lists it.
    const extra = ours.filter((a) => a !== 'token' && !theirs.has(a));
    expect(extra.sort(), 'undeclared extra arguments: list them in docs/twins/slack-differences.json (extraArguments)').toEqual(
      Object.keys(listed).sort(),
    );
  });

  it.each(shared)('%s: accepts every argument the vendor marks required', (method) => {
    const ours = argsOf(methods.get(method)!).properties ?? {};
    const required = (vendorOp(method)?.parameters ?? []).filter((p) => p.required && p.name !== 'token').map((p) => p.name);
    for (const name of required) expect(ours, `${method} accepts ${name}`).toHaveProperty(name);
  });

  it('reports vendor errors the twin does not list (informational)', () => {
    // error code → methods whose vendor list has it but ours (method + common) does not
    const unlisted = new Map<string, string[]>();
    for (const method of shared) {
      const op = methods.get(method)!;
      const ours = new Set([...(op['x-slack-errors'] as string[]), ...commonErrors]);
      const vendorErrors = vendorOp(method)?.responses?.default?.schema?.properties?.error?.enum ?? [];
      for (const e of vendorErrors) {
        if (!ours.has(d.vendorErrorSpellings[e] ?? e)) unlisted.set(e, [...(unlisted.get(e) ?? []), method]);
      }
    }
    const lines = [...unlisted].map(([e, ms]) => `${e}: ${ms.length > 4 ? `${ms.length} methods` : ms.join(', ')}`);
    if (lines.length > 0) console.info(`Vendor errors the Slack twin does not list:\n  ${lines.join('\n  ')}`);
    expect(lines.every((l) => l.length > 0)).toBe(true);
  });
});
