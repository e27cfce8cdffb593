// Search: /search/jql (GET and POST, nextPageToken, isLast, no total), approximate counts, the removed /search (410), /jql/parse and autocomplete data.

import { badRequest, jiraError, searchRemoved } from '../errors.ts';
import { compileJql, searchIssues } from '../jql/evaluate.ts';
import { JqlError, parseJql } from '../jql/parse.ts';
import { fieldName, fieldSchema, fieldsJson, issueJson, selectFields } from '../render.ts';
import { base, type JiraCtx, obj, version } from './common.ts';

const UNBOUNDED = 'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.';

/** The caller's arguments, from the query (GET) or the JSON body (POST). */
function input(ctx: JiraCtx): Record<string, unknown> {
  return ctx.req.method === 'GET' ? (ctx.query as Record<string, unknown>) : obj(ctx.args);
}

function list(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v])
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

function one(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? String(v[v.length - 1]) : String(v);
}

/** Page tokens carry the offset and a digest of the query they belong to. */
function encodeToken(offset: number, jql: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: digest(jql) })).toString('base64url');
}

function decodeToken(token: string, jql: string): number {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    if (typeof t.o === 'number' && Number.isInteger(t.o) && t.o >= 0 && t.q === digest(jql)) return t.o;
  } catch {
    // fall through to Jira's answer
  }
  throw badRequest('Invalid format of nextPageToken');
}

function digest(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

function jqlErrors(err: unknown): never {
  if (err instanceof JqlError) throw badRequest(err.message);
  throw err;
}

/**
 * GET|POST /search/jql: `jql` (bounded), `nextPageToken`, `maxResults` (default 50; up to 5000
 * when only id/key are asked for, else 100), `fields` (default `id`), `expand`. No `total`.
 * Limitations: always consistent (reconcileIssues is accepted and changes nothing); `properties` and `fieldsByKeys` are ignored.
 */
export function searchJql(ctx: JiraCtx): unknown {
  const a = input(ctx);
  const jql = one(a.jql) ?? '';
  const callerId = ctx.principal.accountId;
  let compiled: ReturnType<typeof compileJql>;
  try {
    compiled = compileJql(jql, { state: ctx.state, callerId, now: ctx.now() });
  } catch (err) {
    jqlErrors(err);
  }
  if (!compiled.bounded) throw badRequest(UNBOUNDED);
  const fields = selectFields(ctx.state, a.fields === undefined ? undefined : list(a.fields), 'id');
  const onlyIds = [...fields].every((f) => f === 'id' || f === 'key');
  const requested = one(a.maxResults);
  const max = requested === undefined ? 50 : Number(requested);
  if (!Number.isInteger(max) || max < 0) throw badRequest(`The value '${String(requested).slice(0, 40)}' is not valid for maxResults.`);
  const maxResults = Math.min(max, onlyIds ? 5000 : 100);
  const token = one(a.nextPageToken);
  const offset = token ? decodeToken(token, jql) : 0;
  const all: typeof ctx.state.issues extends Map<string, infer I> ? I[] : never = [];
  // Anonymous callers may browse nothing on a private site.
  if (callerId) for (const i of ctx.state.issues.values()) if (compiled.matches(i)) all.push(i);
  all.sort(compiled.sort);
  const page = all.slice(offset, offset + maxResults);
  const expand = new Set(list(a.expand));
  const v = version(ctx);
  const issues = page.map((i) => {
    const j = issueJson(ctx.state, i, { fields, expand, v, base: base(ctx), callerId: callerId ?? undefined });
    // Search embeds at most 20 comments and 20 changelog entries.
    const f = j.fields as Record<string, unknown> | undefined;
    const comment = f?.comment as { comments: unknown[] } | undefined;
    if (comment && comment.comments.length > 20) comment.comments = comment.comments.slice(0, 20);
    const cl = j.changelog as { histories: unknown[]; maxResults: number } | undefined;
    if (cl && cl.histories.length > 20) {
      cl.histories = cl.histories.slice(-20);
      cl.maxResults = 20;
    }
    return j;
  });
  const isLast = offset + page.length >= all.length;
  const out: Record<string, unknown> = { issues };
  if (!isLast) out.nextPageToken = encodeToken(offset + page.length, jql);
  out.isLast = isLast;
  if (expand.has('names'))
    out.names = Object.fromEntries([...fields].filter((f) => f !== 'id' && f !== 'key').map((f) => [f, fieldName(ctx.state, f)]));
  if (expand.has('schema'))
    out.schema = Object.fromEntries([...fields].filter((f) => f !== 'id' && f !== 'key').map((f) => [f, fieldSchema(ctx.state, f)]));
  return out;
}

/** POST /search/approximate-count: `{jql}` → `{count}`. */
export function countIssues(ctx: JiraCtx): unknown {
  const jql = typeof ctx.args.jql === 'string' ? ctx.args.jql : '';
  try {
    const compiled = compileJql(jql, { state: ctx.state, callerId: ctx.principal.accountId, now: ctx.now() });
    if (!compiled.bounded) throw badRequest(UNBOUNDED);
    let count = 0;
    if (ctx.principal.accountId) for (const i of ctx.state.issues.values()) if (compiled.matches(i)) count++;
    return { count };
  } catch (err) {
    jqlErrors(err);
  }
}

/** GET|POST /search: removed by Atlassian (CHANGE-2046); 410 with the migration message, as the real service answers. */
export function searchRemovedOp(_ctx: JiraCtx): unknown {
  throw searchRemoved();
}

/** POST /jql/parse: `{queries}` → `{queries:[{query, structure?, errors?}]}`; `validation=strict` also checks fields and values. */
export function parseJqlQueries(ctx: JiraCtx): unknown {
  const queries = Array.isArray(ctx.args.queries) ? ctx.args.queries : [];
  if (queries.length === 0) throw jiraError(400, [], { queries: 'At least one query is required.' });
  if (queries.length > 100) throw badRequest('At most 100 queries can be parsed at once.');
  const strict = (ctx.query.validation ?? 'strict') !== 'none';
  return {
    queries: queries.map((q) => {
      const query = String(q);
      try {
        const { where, orderBy } = parseJql(query);
        if (strict) compileJql(query, { state: ctx.state, callerId: ctx.principal.accountId, now: ctx.now() });
        const structure: Record<string, unknown> = {};
        if (where) structure.where = simplify(where);
        if (orderBy)
          structure.orderBy = {
            fields: orderBy.fields.map((f) => ({
              field: { name: (f as { field: { value: string } }).field.value },
              ...((f as { direction?: { value: string } }).direction
                ? { direction: (f as { direction: { value: string } }).direction.value.toLowerCase() }
                : {}),
            })),
          };
        return { query, structure };
      } catch (err) {
        if (err instanceof JqlError) return { query, errors: [err.message] };
        throw err;
      }
    }),
  };
}

/** The parser's tree in the shape /jql/parse answers: `{clauses, operator}` / `{field, operator, operand}`. */
function simplify(node: unknown, depth = 0): unknown {
  if (depth > 100 || !node || typeof node !== 'object') return null;
  const n = node as Record<string, unknown>;
  if (n.clauseType === 'compound')
    return {
      clauses: (n.clauses as unknown[]).map((c) => simplify(c, depth + 1)),
      operator: String((n.operator as { value: string }).value).toLowerCase(),
    };
  if (n.clauseType === 'not') return { clauses: [simplify(n.clause, depth + 1)], operator: 'not' };
  const operand = (o: unknown): unknown => {
    const x = o as Record<string, unknown> | undefined;
    if (!x) return undefined;
    if (x.operandType === 'value') return { value: x.value };
    if (x.operandType === 'keyword') return { keyword: 'empty' };
    if (x.operandType === 'function')
      return {
        function: (x.function as { value: string }).value,
        arguments: ((x.arguments as { value: string }[]) ?? []).map((a) => a.value),
      };
    if (x.operandType === 'list') return { values: (x.values as unknown[]).map(operand) };
    return undefined;
  };
  return {
    field: { name: (n.field as { value: string }).value },
    operator: (n.operator as { value: string } | undefined)?.value,
    ...(n.operand ? { operand: operand(n.operand) } : {}),
    ...((n.predicates as unknown[])?.length
      ? {
          predicates: (n.predicates as { operator: { value: string }; operand: unknown }[]).map((p) => ({
            operator: p.operator.value,
            operand: operand(p.operand),
          })),
        }
      : {}),
  };
}

const OPERATORS = [
  '=',
  '!=',
  '~',
  '!~',
  '>',
  '>=',
  '<',
  '<=',
  'in',
  'not in',
  'is',
  'is not',
  'was',
  'was in',
  'was not',
  'was not in',
  'changed',
];

/** GET /jql/autocompletedata: the fields and functions JQL knows on this site. */
export function getAutoComplete(ctx: JiraCtx): unknown {
  const visibleFieldNames = fieldsJson(ctx.state).flatMap((f) =>
    (f.clauseNames as string[]).map((c) => ({
      value: c,
      displayName: `${c} - ${f.name as string}`,
      orderable: String(f.orderable),
      searchable: 'true',
      operators: OPERATORS,
      types: [`${(f.schema as { type: string }).type}`],
    })),
  );
  // Clauses JQL knows that are no field of /field (or not under this name): Jira lists them too.
  for (const [value, displayName, operators, type] of [
    ['key', 'key - Key', ['=', '!=', '>', '>=', '<', '<=', 'in', 'not in', 'is', 'is not'], 'issuekey'],
    ['issuekey', 'issuekey - Key', ['=', '!=', '>', '>=', '<', '<=', 'in', 'not in', 'is', 'is not'], 'issuekey'],
    ['statusCategory', 'statusCategory - Status Category', ['=', '!=', 'in', 'not in'], 'statusCategory'],
    ['text', 'text', ['~'], 'string'],
  ] as const) {
    if (!visibleFieldNames.some((f) => f.value === value))
      visibleFieldNames.push({
        value,
        displayName,
        orderable: String(value !== 'text'),
        searchable: 'true',
        operators: [...operators],
        types: [type],
      });
  }
  const fn = (name: string, types: string[], isList = false) => ({
    value: `${name}()`,
    displayName: `${name}()`,
    ...(isList ? { isList: 'true' } : {}),
    types,
  });
  return {
    visibleFieldNames,
    visibleFunctionNames: [
      fn('currentUser', ['com.atlassian.jira.user.ApplicationUser']),
      fn('membersOf', ['com.atlassian.jira.user.ApplicationUser'], true),
      fn('now', ['java.util.Date']),
      ...['startOfDay', 'endOfDay', 'startOfWeek', 'endOfWeek', 'startOfMonth', 'endOfMonth', 'startOfYear', 'endOfYear'].map((n) =>
        fn(n, ['java.util.Date']),
      ),
      fn('openSprints', ['com.atlassian.greenhopper.service.sprint.Sprint'], true),
      fn('closedSprints', ['com.atlassian.greenhopper.service.sprint.Sprint'], true),
      fn('futureSprints', ['com.atlassian.greenhopper.service.sprint.Sprint'], true),
      fn('issueHistory', ['com.atlassian.jira.issue.Issue'], true),
    ],
    jqlReservedWords: [
      'and',
      'or',
      'not',
      'empty',
      'null',
      'order',
      'by',
      'asc',
      'desc',
      'in',
      'is',
      'was',
      'changed',
      'after',
      'before',
      'during',
      'on',
      'from',
      'to',
    ],
  };
}

/** The search the twin's steps and benchmarks use: the keys a query finds. */
export function keysFor(ctx: JiraCtx, jql: string): string[] {
  return searchIssues(jql, { state: ctx.state, callerId: ctx.principal.accountId, now: ctx.now() }).map((i) => i.key);
}
