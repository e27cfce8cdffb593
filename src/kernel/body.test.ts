// Unit tests of the edge's input bounds: JSON depth (scanned before parsing), string length, array size, key count.

import { describe, expect, it } from 'vitest';
import { BODY_LIMITS, checkBounds, jsonNestsDeeperThan, normalise, paramsToObject, parseJsonBounded } from './body.ts';
import { KernelError } from './errors.ts';

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof KernelError ? err.kind : `not a KernelError: ${String(err)}`;
  }
  return undefined;
}

/** An own property's value: what a key such as `__proto__` holds as data. */
const own = (obj: object, key: string): unknown => Object.getOwnPropertyDescriptor(obj, key)?.value;

const request = (body: string, type = 'application/json', url = 'http://twin.test/api/x') => ({
  method: 'POST',
  url: new URL(url),
  headers: { 'content-type': type },
  body: new TextEncoder().encode(body),
});

describe('jsonNestsDeeperThan', () => {
  it('counts nesting, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan('[[[]]]', 3)).toBe(false);
    expect(jsonNestsDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(jsonNestsDeeperThan(`{"a":"${'['.repeat(500)}"}`, 3)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"\\"${'['.repeat(500)}"}`, 3)).toBe(false);
    expect(jsonNestsDeeperThan(`[${'{"a":'.repeat(10)}1${'}'.repeat(10)}]`, 10)).toBe(true);
  });
});

describe('parseJsonBounded', () => {
  it('parses what is within bounds, keeping __proto__ as an ordinary key', () => {
    const value = parseJsonBounded('{"__proto__":{"polluted":1},"a":[1,2]}') as Record<string, unknown>;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses JSON nested deeper than the limit as malformed, before building it', () => {
    expect(kindOf(() => parseJsonBounded('['.repeat(5000) + ']'.repeat(5000)))).toBe('malformed_body');
    expect(kindOf(() => parseJsonBounded('['.repeat(BODY_LIMITS.depth) + ']'.repeat(BODY_LIMITS.depth)))).toBeUndefined();
    expect(kindOf(() => parseJsonBounded('{"a":'))).toBe('malformed_body');
  });

  it('refuses strings, arrays and objects past their bounds as a validation error naming the argument', () => {
    const limits = { depth: 8, stringLength: 10, arrayLength: 3, keys: 2 };
    expect(kindOf(() => parseJsonBounded('{"text":"12345678901"}', limits))).toBe('validation');
    expect(kindOf(() => parseJsonBounded('{"a":[1,2,3,4]}', limits))).toBe('validation');
    expect(kindOf(() => parseJsonBounded('{"a":1,"b":2,"c":3}', limits))).toBe('validation');
    expect(kindOf(() => parseJsonBounded('{"a":[1,2,3],"b":"1234567890"}', limits))).toBeUndefined();
    try {
      parseJsonBounded('{"text":"12345678901"}', limits);
    } catch (err) {
      expect((err as KernelError).detail.issues?.[0]).toMatchObject({ location: 'body.text', name: 'text', keyword: 'maxLength' });
    }
  });
});

describe('checkBounds', () => {
  it('looks into JSON-looking strings (form fields a twin parses later)', () => {
    expect(kindOf(() => checkBounds({ blocks: '['.repeat(100) }, 'body'))).toBe('validation');
    expect(kindOf(() => checkBounds({ blocks: '[{"type":"section"}]' }, 'body'))).toBeUndefined();
  });
});

describe('normalise', () => {
  it('answers malformed_body for deep JSON and validation for an oversized query value', () => {
    expect(kindOf(() => normalise(request(`{"a":${'['.repeat(100)}${']'.repeat(100)}}`), 1 << 20))).toBe('malformed_body');
    const longQuery = `http://twin.test/api/x?q=${'x'.repeat(BODY_LIMITS.stringLength + 1)}`;
    expect(kindOf(() => normalise(request('', 'application/json', longQuery), 1 << 20))).toBe('validation');
  });

  it('parses forms and queries into objects without a prototype', () => {
    const n = normalise(
      request('__proto__=x&constructor=y&a=1&a=2', 'application/x-www-form-urlencoded', 'http://t/api/x?__proto__=q'),
      1 << 20,
    );
    if (n instanceof Promise) throw new Error('a form is parsed synchronously');
    const body = n.body as Record<string, unknown>;
    expect(Object.getPrototypeOf(body)).toBeNull();
    expect(own(body, '__proto__')).toBe('x');
    expect(body.constructor).toBe('y');
    expect(body.a).toEqual(['1', '2']);
    expect(own(n.query, '__proto__')).toBe('q');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('refuses a multipart field nested too deep', async () => {
    const boundary = 'b0undary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="blocks"\r\n\r\n${'['.repeat(200)}\r\n--${boundary}--\r\n`;
    await expect(normalise(request(body, `multipart/form-data; boundary=${boundary}`), 1 << 20)).rejects.toMatchObject({
      kind: 'validation',
    });
  });
});

describe('paramsToObject', () => {
  it('keeps repeated and built-in keys as data', () => {
    const out = paramsToObject(new URLSearchParams('__proto__=1&__proto__=2&toString=3'));
    expect(own(out, '__proto__')).toEqual(['1', '2']);
    expect(out.toString).toBe('3');
  });
});
