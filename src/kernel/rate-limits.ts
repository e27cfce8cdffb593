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

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  enabled: boolean;

  constructor(enabled: boolean) {
    this.enabled = enabled;
  }

  /** Take one request from the bucket `key` governed by `rule` at time `now` (ms). */
  take(key: string, rule: RateLimitRule, now: number): RateLimitVerdict {
    const ratePerMs = rule.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: rule.burst, updatedAt: now };
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
