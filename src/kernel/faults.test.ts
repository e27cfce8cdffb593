// Unit tests of fault validation: every field range-checked, a bad fault never armed.

import { describe, expect, it } from 'vitest';
import { checkFaultSpec, FAULT_LIMITS, FaultRegistry, isFaultStatus } from './faults.ts';

describe('checkFaultSpec', () => {
  it('accepts faults within range and returns only the known fields', () => {
    const spec = checkFaultSpec({ operation: 'chat.postMessage', status: 503, count: 2, probability: 0.5, extra: 'dropped' });
    expect(spec).toEqual({ operation: 'chat.postMessage', status: 503, count: 2, probability: 0.5 });
    expect(checkFaultSpec({ operation: '*', rateLimit: {} })).toEqual({ operation: '*', rateLimit: { retryAfter: 1 } });
    expect(checkFaultSpec({ operation: 'x', status: 200, error: 'channel_not_found' }).status).toBe(200);
    expect(checkFaultSpec({ operation: 'x', latencyMs: FAULT_LIMITS.maxLatencyMs }).latencyMs).toBe(FAULT_LIMITS.maxLatencyMs);
  });

  it.each([
    ['status 100', { status: 100 }],
    ['status 0', { status: 0 }],
    ['status 7', { status: 7 }],
    ['status 600', { status: 600 }],
    ['status 302', { status: 302 }],
    ['status 503.5', { status: 503.5 }],
    ['status NaN', { status: Number.NaN }],
    ['a latency of 25 days', { latencyMs: 25 * 86_400_000 }],
    ['a latency of Infinity', { latencyMs: Number.POSITIVE_INFINITY }],
    ['a negative latency', { latencyMs: -1 }],
    ['Retry-After NaN', { rateLimit: { retryAfter: Number.NaN } }],
    ['Retry-After 0', { rateLimit: { retryAfter: 0 } }],
    ['Retry-After of a day', { rateLimit: { retryAfter: 86_400 } }],
    ['rateLimit null', { rateLimit: null }],
    ['rateLimit an array', { rateLimit: [] }],
    ['count 0', { status: 500, count: 0 }],
    ['count 1.5', { status: 500, count: 1.5 }],
    ['probability 2', { status: 500, probability: 2 }],
    ['drop as text', { drop: 'yes' }],
    ['an error with a control character', { error: 'a\u0000b' }],
    ['an error of 10,000 characters', { error: 'x'.repeat(10_000) }],
    ['no effect at all', {}],
  ])('refuses %s', (_what, fields) => {
    expect(() => checkFaultSpec({ operation: 'auth.test', ...fields })).toThrow(RangeError);
  });

  it('refuses a missing or odd operation and a non-object', () => {
    expect(() => checkFaultSpec({ status: 500 })).toThrow(RangeError);
    expect(() => checkFaultSpec({ operation: 5, status: 500 })).toThrow(RangeError);
    expect(() => checkFaultSpec(null)).toThrow(RangeError);
    expect(() => checkFaultSpec([])).toThrow(RangeError);
  });
});

describe('isFaultStatus', () => {
  it('is 200 (an error in the body) or an HTTP error', () => {
    expect([200, 400, 429, 500, 599].every(isFaultStatus)).toBe(true);
    expect([100, 199, 201, 302, 399, 600, -1, 0.5].some(isFaultStatus)).toBe(false);
  });
});

describe('FaultRegistry.arm', () => {
  it('arms nothing when the fault is out of range', () => {
    const registry = new FaultRegistry(1);
    expect(() => registry.arm({ operation: 'auth.test', status: 100 })).toThrow(RangeError);
    expect(registry.isEmpty()).toBe(true);
    const fault = registry.arm({ operation: 'auth.test', status: 500, count: 1 });
    expect(registry.take('auth.test', undefined)).toEqual([{ ...fault, fired: 1 }]);
    expect(registry.isEmpty()).toBe(true);
  });
});
