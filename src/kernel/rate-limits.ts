// Token-bucket rate limits per tenant, operation and optional key, on the tenant's clock.

import type { RateLimitRule } from './types.ts';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  /** Whole seconds to wait before trying again (when not allowed). */
  retryAfter: number;
  limit: { perMinute: number; remaining: number; resetAtMs: number };
}

/**
 * How many buckets are kept. Keys carry caller input (Slack's channel argument, checked only
 * later), so without a bound a flood of made-up channels would grow the map without end; past it
 * the longest-unused bucket goes (it would be nearly full again anyway).
 */
export const MAX_BUCKETS = 20_000;
/** Longer keys are cut: a bucket key needs to tell channels apart, not to hold a 500 KB argument. */
const MAX_KEY_LENGTH = 512;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  enabled: boolean;

  constructor(
    enabled: boolean,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {
    this.enabled = enabled;
  }

  /** How many buckets are kept now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Take one request from the bucket `key` governed by `rule` at time `now` (ms). */
  take(rawKey: string, rule: RateLimitRule, now: number): RateLimitVerdict {
    const key = rawKey.length > MAX_KEY_LENGTH ? rawKey.slice(0, MAX_KEY_LENGTH) : rawKey;
    const ratePerMs = rule.perMinute / 60_000;
    const found = this.buckets.get(key);
    // Re-inserting keeps the map in least-recently-used order, so eviction takes the oldest first.
    if (found) this.buckets.delete(key);
    else if (this.buckets.size >= this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value as string);
    const b = found ?? { tokens: rule.burst, updatedAt: now };
    b.tokens = Math.min(rule.burst, b.tokens + Math.max(0, now - b.updatedAt) * ratePerMs);
    b.updatedAt = now;
    this.buckets.set(key, b);
    const full = now + Math.ceil((rule.burst - b.tokens) / ratePerMs);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return {
        allowed: true,
        retryAfter: 0,
        limit: {
          perMinute: rule.perMinute,
          remaining: Math.floor(b.tokens),
          resetAtMs: now + Math.ceil((rule.burst - b.tokens) / ratePerMs),
        },
      };
    }
    const waitMs = (1 - b.tokens) / ratePerMs;
    return {
      allowed: false,
      retryAfter: Math.max(1, Math.ceil(waitMs / 1000)),
      limit: { perMinute: rule.perMinute, remaining: 0, resetAtMs: full },
    };
  }

  clear(tenant?: string): void {
    if (tenant === undefined) this.buckets.clear();
    else for (const k of this.buckets.keys()) if (k.startsWith(`${tenant}|`)) this.buckets.delete(k);
  }
}
