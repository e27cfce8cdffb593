// A subset of the Okta Expression Language: `user.department == "Eng"`, String.startsWith/endsWith/stringContains, isMemberOfAnyGroup, and/or/!, parentheses — parsed once, evaluated against a person.

import { groupsOf, type OktaState, profileValue, type UserRecord } from './store.ts';

/** A problem with an expression, worded for an E0000001 cause. */
export class ExpressionError extends Error {}

type Node =
  | { k: 'lit'; v: string | number | boolean | null }
  | { k: 'path'; root: 'user'; attr: string }
  | { k: 'call'; fn: string; args: Node[] }
  | { k: 'not'; a: Node }
  | { k: 'bin'; op: 'and' | 'or' | '==' | '!=' | '>' | '<' | '>=' | '<='; a: Node; b: Node };

type Tok = { t: 'id'; v: string } | { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'op'; v: string };

const MAX_LENGTH = 4096;
const MAX_TOKENS = 500;

/** Functions the twin knows, and whether each gives a boolean. */
const FUNCTIONS: Record<string, { arity: [number, number]; boolean: boolean }> = {
  'String.startsWith': { arity: [2, 2], boolean: true },
  'String.endsWith': { arity: [2, 2], boolean: true },
  'String.stringContains': { arity: [2, 2], boolean: true },
  'String.toLowerCase': { arity: [1, 1], boolean: false },
  'String.toUpperCase': { arity: [1, 1], boolean: false },
  'String.len': { arity: [1, 1], boolean: false },
  isMemberOfAnyGroup: { arity: [1, 100], boolean: true },
  isMemberOfGroup: { arity: [1, 1], boolean: true },
  isMemberOfGroupName: { arity: [1, 1], boolean: true },
  isMemberOfGroupNameStartsWith: { arity: [1, 1], boolean: true },
  isMemberOfGroupNameContains: { arity: [1, 1], boolean: true },
};

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let v = '';
      i++;
      let closed = false;
      while (i < text.length) {
        if (text[i] === '\\' && i + 1 < text.length) {
          v += text[i + 1];
          i += 2;
        } else if (text[i] === c) {
          closed = true;
          i++;
          break;
        } else v += text[i++];
      }
      if (!closed) throw new ExpressionError('Unterminated string literal');
      out.push({ t: 'str', v });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*/.exec(text.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = text.slice(i, i + 2);
      if (['==', '!=', '&&', '||', '>=', '<='].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if ('()!,<>'.includes(c)) {
        out.push({ t: 'op', v: c });
        i++;
      } else throw new ExpressionError(`Unexpected character '${c}'`);
    }
    if (out.length > MAX_TOKENS) throw new ExpressionError('The expression is too long');
  }
  return out;
}

/** Parse an expression; ExpressionError when it is not one the twin understands. */
export function parseOktaExpression(text: string): Node {
  if (text.length > MAX_LENGTH) throw new ExpressionError('The expression is too long');
  const toks = tokenize(text);
  let pos = 0;
  const peek = () => toks[pos];
  const isOp = (v: string) => {
    const t = toks[pos];
    return t !== undefined && ((t.t === 'op' && t.v === v) || (t.t === 'id' && t.v.toLowerCase() === v));
  };
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExpressionError(`Expected '${v}'`);
    pos++;
  };
  let depth = 0;
  const parseOr = (): Node => {
    if (++depth > 50) throw new ExpressionError('The expression is nested too deeply');
    let a = parseAnd();
    while (isOp('||') || isOp('or')) {
      pos++;
      a = { k: 'bin', op: 'or', a, b: parseAnd() };
    }
    depth--;
    return a;
  };
  const parseAnd = (): Node => {
    let a = parseNot();
    while (isOp('&&') || isOp('and')) {
      pos++;
      a = { k: 'bin', op: 'and', a, b: parseNot() };
    }
    return a;
  };
  const parseNot = (): Node => {
    if (isOp('!')) {
      pos++;
      return { k: 'not', a: parseNot() };
    }
    return parseCmp();
  };
  const parseCmp = (): Node => {
    const a = parsePrimary();
    for (const op of ['==', '!=', '>=', '<=', '>', '<'] as const) {
      if (isOp(op)) {
        pos++;
        return { k: 'bin', op, a, b: parsePrimary() };
      }
    }
    return a;
  };
  const parsePrimary = (): Node => {
    const t = peek();
    if (!t) throw new ExpressionError('The expression ends too soon');
    if (t.t === 'op' && t.v === '(') {
      pos++;
      const e = parseOr();
      expect(')');
      return e;
    }
    pos++;
    if (t.t === 'str' || t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'op') throw new ExpressionError(`Unexpected '${t.v}'`);
    if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
    if (t.v === 'null') return { k: 'lit', v: null };
    if (isOp('(')) {
      pos++;
      const fn = FUNCTIONS[t.v];
      if (!fn || !Object.hasOwn(FUNCTIONS, t.v)) throw new ExpressionError(`Invalid function '${t.v}'`);
      const args: Node[] = [];
      if (!isOp(')')) {
        args.push(parseOr());
        while (isOp(',')) {
          pos++;
          args.push(parseOr());
        }
      }
      expect(')');
      if (args.length < fn.arity[0] || args.length > fn.arity[1])
        throw new ExpressionError(`Function '${t.v}' takes ${fn.arity[0]}${fn.arity[1] > fn.arity[0] ? ' or more' : ''} argument(s)`);
      return { k: 'call', fn: t.v, args };
    }
    const parts = t.v.split('.');
    if (parts[0] !== 'user' || parts.length !== 2) throw new ExpressionError(`Invalid property '${t.v}' in expression`);
    return { k: 'path', root: 'user', attr: parts[1] };
  };
  if (toks.length === 0) throw new ExpressionError('The expression is empty');
  const node = parseOr();
  if (pos < toks.length) {
    const t = toks[pos];
    throw new ExpressionError(`Unexpected '${t.t === 'num' ? t.v : t.v}'`);
  }
  return node;
}

/** Whether an expression gives true or false (what group rules need). */
export function isBoolean(node: Node): boolean {
  if (node.k === 'lit') return typeof node.v === 'boolean';
  if (node.k === 'not' || node.k === 'bin') return true;
  if (node.k === 'call') return FUNCTIONS[node.fn].boolean;
  return false;
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** Evaluate against a person of the org. */
export function evaluate(node: Node, state: OktaState, user: UserRecord): unknown {
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'path':
      return node.attr === 'id' ? user.id : node.attr === 'status' ? user.status : (profileValue(user.profile, node.attr) ?? null);
    case 'not':
      return !truthy(evaluate(node.a, state, user));
    case 'bin': {
      if (node.op === 'and') return truthy(evaluate(node.a, state, user)) && truthy(evaluate(node.b, state, user));
      if (node.op === 'or') return truthy(evaluate(node.a, state, user)) || truthy(evaluate(node.b, state, user));
      const a = evaluate(node.a, state, user);
      const b = evaluate(node.b, state, user);
      if (node.op === '==') return a === b || (a !== null && b !== null && str(a) === str(b) && typeof a === typeof b);
      if (node.op === '!=') return !(a === b || (a !== null && b !== null && str(a) === str(b) && typeof a === typeof b));
      if (typeof a !== 'number' || typeof b !== 'number') return false;
      return node.op === '>' ? a > b : node.op === '<' ? a < b : node.op === '>=' ? a >= b : a <= b;
    }
    case 'call': {
      const args = node.args.map((a) => evaluate(a, state, user));
      const groups = () => groupsOf(state, user.id);
      switch (node.fn) {
        case 'String.startsWith':
          return args[0] !== null && str(args[0]).startsWith(str(args[1]));
        case 'String.endsWith':
          return args[0] !== null && str(args[0]).endsWith(str(args[1]));
        case 'String.stringContains':
          return args[0] !== null && str(args[0]).includes(str(args[1]));
        case 'String.toLowerCase':
          return args[0] === null ? null : str(args[0]).toLowerCase();
        case 'String.toUpperCase':
          return args[0] === null ? null : str(args[0]).toUpperCase();
        case 'String.len':
          return str(args[0]).length;
        case 'isMemberOfAnyGroup': {
          const ids = new Set(args.map(str));
          return groups().some((g) => ids.has(g.id));
        }
        case 'isMemberOfGroup':
          return groups().some((g) => g.id === str(args[0]));
        case 'isMemberOfGroupName':
          return groups().some((g) => g.profile.name === str(args[0]));
        case 'isMemberOfGroupNameStartsWith':
          return groups().some((g) => g.profile.name.startsWith(str(args[0])));
        case 'isMemberOfGroupNameContains':
          return groups().some((g) => g.profile.name.includes(str(args[0])));
        default:
          return null;
      }
    }
  }
}

function truthy(v: unknown): boolean {
  return v === true;
}

/** The group ids an expression names through isMemberOfAnyGroup/isMemberOfGroup (group rules may not depend on their own targets). */
export function namedGroupIds(node: Node): string[] {
  if (node.k === 'call') {
    const own =
      node.fn === 'isMemberOfAnyGroup' || node.fn === 'isMemberOfGroup'
        ? node.args.filter((a) => a.k === 'lit').map((a) => str((a as { v: unknown }).v))
        : [];
    return own.concat(node.args.flatMap(namedGroupIds));
  }
  if (node.k === 'not') return namedGroupIds(node.a);
  if (node.k === 'bin') return namedGroupIds(node.a).concat(namedGroupIds(node.b));
  return [];
}

export type OktaExpression = Node;
