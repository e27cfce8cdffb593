// Okta's `filter` and `search` expressions (SCIM-like: eq, sw, gt, ge, lt, le, pr, and/or, parentheses) parsed into predicates.

import { badSearch } from './errors.ts';

export type Getter = (path: string) => unknown;
export type Predicate = (get: Getter) => boolean;

export interface ExpressionRules {
  /** `filter` or `search`: named in the errors. */
  kind: 'filter' | 'search';
  /** Attributes allowed (exact names); undefined allows any `a.b.c` path. */
  attributes?: ReadonlySet<string>;
  /** Operators allowed. */
  operators: ReadonlySet<string>;
  /** Compare strings ignoring case (search) or exactly (filter). */
  ignoreCase: boolean;
}

export const USER_FILTER: ExpressionRules = {
  kind: 'filter',
  attributes: new Set(['status', 'lastUpdated', 'id', 'profile.login', 'profile.email', 'profile.firstName', 'profile.lastName']),
  operators: new Set(['eq', 'gt', 'ge', 'lt', 'le']),
  ignoreCase: false,
};

export const USER_SEARCH: ExpressionRules = {
  kind: 'search',
  operators: new Set(['eq', 'ne', 'sw', 'co', 'gt', 'ge', 'lt', 'le', 'pr']),
  ignoreCase: true,
};

export const GROUP_FILTER: ExpressionRules = {
  kind: 'filter',
  attributes: new Set(['type', 'id', 'lastUpdated', 'lastMembershipUpdated', 'profile.name']),
  operators: new Set(['eq', 'gt', 'ge', 'lt', 'le']),
  ignoreCase: false,
};

export const GROUP_SEARCH: ExpressionRules = { ...USER_SEARCH };

export const LOG_FILTER: ExpressionRules = {
  kind: 'filter',
  operators: new Set(['eq', 'ne', 'sw', 'co', 'gt', 'ge', 'lt', 'le', 'pr']),
  ignoreCase: false,
};

/** Attributes whose values are timestamps: compared as instants. */
const DATE_ATTRIBUTES = new Set([
  'created',
  'lastUpdated',
  'activated',
  'statusChanged',
  'lastLogin',
  'passwordChanged',
  'lastMembershipUpdated',
  'published',
]);

type Token = { t: 'word'; v: string } | { t: 'string'; v: string } | { t: '(' } | { t: ')' };

const MAX_TOKENS = 400;

function tokenize(text: string, rules: ExpressionRules): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '+') {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c });
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i];
        if (d === '\\' && i + 1 < text.length) {
          v += text[i + 1];
          i += 2;
        } else if (d === '"') {
          closed = true;
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      if (!closed) throw badSearch(`${rules.kind}: unterminated string`);
      out.push({ t: 'string', v });
    } else {
      let v = '';
      while (i < text.length && !' \t\n\r()"'.includes(text[i])) v += text[i++];
      out.push({ t: 'word', v });
    }
    if (out.length > MAX_TOKENS) throw badSearch(`${rules.kind}: the expression is too long`);
  }
  return out;
}

/**
 * Parse an expression into a predicate over a getter of dotted attribute paths.
 * Throws Okta's E0000031 for anything it cannot read or does not allow.
 *
 * @example parseExpression('profile.department eq "Eng" and status eq "ACTIVE"', USER_SEARCH)
 */
export function parseExpression(text: string, rules: ExpressionRules): Predicate {
  const tokens = tokenize(text, rules);
  let pos = 0;
  const fail = (why: string): never => {
    throw badSearch(`${rules.kind}: ${why}`);
  };
  const peekWord = (): string | undefined => {
    const t = tokens[pos];
    return t && t.t === 'word' ? t.v.toLowerCase() : undefined;
  };

  const parseOr = (depth: number): Predicate => {
    if (depth > 32) fail('too deeply nested');
    let left = parseAnd(depth);
    while (peekWord() === 'or') {
      pos++;
      const right = parseAnd(depth);
      const l = left;
      left = (get) => l(get) || right(get);
    }
    return left;
  };
  const parseAnd = (depth: number): Predicate => {
    let left = parseTerm(depth);
    while (peekWord() === 'and') {
      pos++;
      const right = parseTerm(depth);
      const l = left;
      left = (get) => l(get) && right(get);
    }
    return left;
  };
  const parseTerm = (depth: number): Predicate => {
    const t = tokens[pos];
    if (!t) return fail('the expression ends too early');
    if (t.t === '(') {
      pos++;
      const inner = parseOr(depth + 1);
      if (tokens[pos]?.t !== ')') fail('a parenthesis is not closed');
      pos++;
      return inner;
    }
    if (t.t === 'word' && t.v.toLowerCase() === 'not') fail('"not" is not supported');
    if (t.t !== 'word') return fail(`expected an attribute, found "${t.t === 'string' ? t.v : t.t}"`);
    const attr = t.v;
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(attr)) fail(`"${attr}" is not an attribute`);
    if (rules.attributes && !rules.attributes.has(attr)) fail(`"${attr}" cannot be used in a ${rules.kind}`);
    pos++;
    const opTok = tokens[pos];
    if (!opTok || opTok.t !== 'word') return fail(`expected an operator after "${attr}"`);
    const op = opTok.v.toLowerCase();
    if (!rules.operators.has(op)) fail(`the operator "${opTok.v}" is not supported in a ${rules.kind}`);
    pos++;
    if (op === 'pr') return (get) => present(get(attr));
    const valTok = tokens[pos];
    if (!valTok || valTok.t === '(' || valTok.t === ')') return fail(`expected a value after "${attr} ${op}"`);
    pos++;
    const raw = valTok.v;
    const quoted = valTok.t === 'string';
    let value: string | number | boolean | null = raw;
    if (!quoted) {
      if (raw === 'true' || raw === 'false') value = raw === 'true';
      else if (raw === 'null') value = null;
      else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
      else fail(`the value "${raw}" must be quoted`);
    }
    const dateAttr = DATE_ATTRIBUTES.has(attr.split('.').pop() as string);
    if (dateAttr && op !== 'eq' && op !== 'ne' && (typeof value !== 'string' || Number.isNaN(Date.parse(value))))
      fail(`"${raw}" is not a date`);
    if (!dateAttr && rules.kind === 'filter' && op !== 'eq' && rules !== LOG_FILTER) fail(`"${op}" works on dates only in a filter`);
    return (get) => compare(get(attr), op, value, dateAttr, rules.ignoreCase);
  };

  if (tokens.length === 0) fail('the expression is empty');
  const predicate = parseOr(0);
  if (pos < tokens.length) fail(`unexpected "${describe(tokens[pos])}"`);
  return predicate;
}

function describe(t: Token): string {
  return t.t === 'word' || t.t === 'string' ? t.v : t.t;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
}

function compare(actual: unknown, op: string, expected: string | number | boolean | null, dateAttr: boolean, ignoreCase: boolean): boolean {
  if (Array.isArray(actual)) return actual.some((a) => compare(a, op, expected, dateAttr, ignoreCase));
  if (op === 'ne') return !compare(actual, 'eq', expected, dateAttr, ignoreCase);
  if (actual === undefined || actual === null) return op === 'eq' && expected === null;
  if (dateAttr && typeof actual === 'string' && typeof expected === 'string') {
    const a = Date.parse(actual);
    const b = Date.parse(expected);
    return ordered(a, op, b);
  }
  if (typeof actual === 'number' && typeof expected === 'number') return ordered(actual, op, expected);
  if (typeof actual === 'boolean') return op === 'eq' && actual === expected;
  if (typeof actual !== 'string' || typeof expected !== 'string') return op === 'eq' && String(actual) === String(expected);
  const a = ignoreCase ? actual.toLowerCase() : actual;
  const b = ignoreCase ? expected.toLowerCase() : expected;
  if (op === 'sw') return a.startsWith(b);
  if (op === 'co') return a.includes(b);
  if (op === 'eq') return a === b;
  return ordered(a, op, b);
}

function ordered<T extends string | number>(a: T, op: string, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      return false;
  }
}

/** A getter over a record: dotted paths through own properties only (`profile.constructor` is unknown). */
export function getterOf(record: Record<string, unknown>): Getter {
  return (path) => walk(record, path.split('.'), 0);
}

/** Follow `parts` from `node`; through an array, every element (`target.id` of a LogEvent). */
function walk(node: unknown, parts: string[], i: number): unknown {
  if (i === parts.length) return node;
  if (Array.isArray(node)) return node.flatMap((n) => walk(n, parts, i));
  if (!node || typeof node !== 'object' || !Object.hasOwn(node, parts[i])) return undefined;
  return walk((node as Record<string, unknown>)[parts[i]], parts, i + 1);
}
