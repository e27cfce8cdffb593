// Faults armed through the control plane: error answers, latency, dropped connections and rate limits, per operation.

import { seededRandom } from './rng.ts';

export interface FaultSpec {
  /** An operationId, or `*` for every operation. */
  operation: string;
  /** Only this tenant; every tenant when absent. */
  tenant?: string;
  /** Answer with this HTTP status (and the vendor's error shape). */
  status?: number;
  /** Answer with this vendor error code (`channel_not_found`, `E0000009`, …). */
  error?: string;
  /** Wait this long before handling the request. */
  latencyMs?: number;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Answer as rate limited, asking the client to wait this many seconds. */
  rateLimit?: { retryAfter: number };
  /** Fire this many times, then disarm. */
  count?: number;
  /** Fire with this probability (0–1) each time it matches. */
  probability?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  fired: number;
}

const NONE: Fault[] = [];

/** The ranges a fault's fields must lie in; anything else is refused before it is armed. */
export const FAULT_LIMITS = {
  /** Longer would hold a connection past any client's timeout and pile up pending requests. */
  maxLatencyMs: 300_000,
  /** Retry-After in seconds: at least 1 (as vendors send it), at most an hour. */
  minRetryAfter: 1,
  maxRetryAfter: 3600,
  maxCount: 1_000_000,
  maxText: 500,
} as const;

/**
 * Whether `status` is an answer a fault may give: an HTTP error (400–599), or 200, the status of
 * Slack's `{ok:false}` errors. Anything else either hangs a client (1xx) or is no HTTP status at all.
 */
export function isFaultStatus(status: unknown): status is number {
  return Number.isInteger(status) && ((status as number) === 200 || ((status as number) >= 400 && (status as number) <= 599));
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new RangeError(`${what} must be a non-empty string`);
  if (value.length > FAULT_LIMITS.maxText) throw new RangeError(`${what} must be at most ${FAULT_LIMITS.maxText} characters`);
  // Control characters would end up in headers and logs.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new RangeError(`${what} must not contain control characters`);
  return value;
}

function finite(value: unknown, what: string, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${what} must be a finite ${integer ? 'integer' : 'number'}`);
  }
  if (value < min || value > max) throw new RangeError(`${what} must be between ${min} and ${max}`);
  return value;
}

/**
 * Check a fault whole and return a clean copy holding only the known fields; throws a RangeError
 * naming the first field out of range, before anything is armed. The control plane calls this
 * on its input; `FaultRegistry.arm` calls it again so no caller can arm a bad fault.
 *
 * @example checkFaultSpec({ operation: 'chat.postMessage', status: 503, count: 1 })
 */
export function checkFaultSpec(spec: unknown): FaultSpec {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new RangeError('a fault must be an object');
  const s = spec as Record<string, unknown>;
  const out: FaultSpec = { operation: text(s.operation, 'operation') };
  if (s.tenant !== undefined) out.tenant = text(s.tenant, 'tenant');
  if (s.status !== undefined) {
    if (!isFaultStatus(s.status)) throw new RangeError('status must be an HTTP error status (400–599) or 200 (an error in the body)');
    out.status = s.status;
  }
  if (s.error !== undefined) out.error = text(s.error, 'error');
  if (s.latencyMs !== undefined) out.latencyMs = finite(s.latencyMs, 'latencyMs', 0, FAULT_LIMITS.maxLatencyMs);
  if (s.drop !== undefined) {
    if (typeof s.drop !== 'boolean') throw new RangeError('drop must be true or false');
    out.drop = s.drop;
  }
  if (s.rateLimit !== undefined) {
    const rl = s.rateLimit as Record<string, unknown> | null;
    if (!rl || typeof rl !== 'object' || Array.isArray(rl)) throw new RangeError('rateLimit must be {"retryAfter": seconds}');
    out.rateLimit = {
      retryAfter: finite(rl.retryAfter ?? 1, 'rateLimit.retryAfter', FAULT_LIMITS.minRetryAfter, FAULT_LIMITS.maxRetryAfter),
    };
  }
  if (s.count !== undefined) out.count = finite(s.count, 'count', 1, FAULT_LIMITS.maxCount, true);
  if (s.probability !== undefined) out.probability = finite(s.probability, 'probability', 0, 1);
  if (out.status === undefined && out.error === undefined && !out.latencyMs && !out.drop && !out.rateLimit) {
    throw new RangeError('a fault needs one of status, error, latencyMs, drop or rateLimit');
  }
  return out;
}

export class FaultRegistry {
  private faults: Fault[] = [];
  private seq = 0;
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed ^ 0x5eed);
  }

  /** Arm a fault. @throws RangeError (nothing armed) when a field is out of range; see `checkFaultSpec`. */
  arm(spec: FaultSpec): Fault {
    const fault: Fault = { ...checkFaultSpec(spec), id: `fault_${++this.seq}`, fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(tenant?: string): Fault[] {
    return this.faults.filter((f) => tenant === undefined || f.tenant === undefined || f.tenant === tenant);
  }

  /** Disarm one fault by id, a tenant's faults, or all of them; returns how many were removed. */
  disarm(filter: { id?: string; tenant?: string } = {}): number {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => (filter.id ? f.id !== filter.id : filter.tenant ? f.tenant !== filter.tenant : false));
    return before - this.faults.length;
  }

  /** True when no fault is armed: the request path then skips fault handling altogether. */
  isEmpty(): boolean {
    return this.faults.length === 0;
  }

  /** The faults that fire for this request, in the order they were armed; counts are consumed. */
  take(operation: string, tenant: string | undefined): Fault[] {
    if (this.faults.length === 0) return NONE;
    const fired: Fault[] = [];
    for (const f of this.faults) {
      if (f.operation !== '*' && f.operation !== operation) continue;
      if (f.tenant !== undefined && f.tenant !== tenant) continue;
      if (f.probability !== undefined && this.random() >= f.probability) continue;
      f.fired++;
      fired.push(f);
    }
    if (fired.length > 0) this.faults = this.faults.filter((f) => f.count === undefined || f.fired < f.count);
    return fired;
  }
}
