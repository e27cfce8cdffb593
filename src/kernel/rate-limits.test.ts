// Unit tests of the rate limiter's bounds: keys from caller input never grow it without end.

import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limits.ts';

const rule = { perMinute: 60, burst: 2 };

describe('RateLimiter', () => {
  it('keeps at most its bound of buckets, dropping the longest unused', () => {
    const limiter = new RateLimiter(true, 100);
    limiter.take('t|chat.postMessage|kept', rule, 0);
    for (let i = 0; i < 10_000; i++) {
      limiter.take(`t|chat.postMessage|made-up-${i}`, rule, 0);
      // The one in use stays: it is used again before it is the oldest.
      if (i % 50 === 0) limiter.take('t|chat.postMessage|kept', rule, 0);
    }
    expect(limiter.size).toBe(100);
    // "kept" was used three times at time 0 with a burst of 2 before the flood: it is still dry.
    expect(limiter.take('t|chat.postMessage|kept', rule, 0).allowed).toBe(false);
  });

  it('cuts huge keys', () => {
    const limiter = new RateLimiter(true);
    const channel = 'C'.repeat(500_000);
    expect(limiter.take(`t|op|${channel}`, rule, 0).allowed).toBe(true);
    expect(limiter.take(`t|op|${channel}`, rule, 0).allowed).toBe(true);
    expect(limiter.take(`t|op|${channel}`, rule, 0).allowed).toBe(false);
  });
});
