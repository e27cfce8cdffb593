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

export class FaultRegistry {
  private faults: Fault[] = [];
  private seq = 0;
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed ^ 0x5eed);
  }

  arm(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: `fault_${++this.seq}`, fired: 0 };
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
