// The outbox: every event, webhook and callback a twin sends, with retries, backoff, bounded concurrency and a full log.

import type { Clock } from './clock.ts';

export type DeliveryStatus = 'pending' | 'in_flight' | 'delivered' | 'failed';

export interface AttemptRecord {
  number: number;
  startedAt: string;
  durationMs: number;
  /** HTTP status the receiver answered with, if it answered. */
  status?: number;
  outcome: 'delivered' | 'retry' | 'failed';
  /** Why it did not succeed: `http_timeout`, `connection_failed`, `http_error`, … */
  reason?: string;
  error?: string;
  /** The receiver's answer, cut to 4 KiB. */
  responseBody?: string;
  responseHeaders?: Record<string, string>;
}

export interface OutboundRequest {
  method?: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ReceiverAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface DeliverySpec {
  tenantId: string;
  /** What is being delivered: `event_callback`, `url_verification`, `slash_command`, `webhook`, … */
  kind: string;
  url: string;
  /** Build the request for attempt `number` (1-based); retries may re-sign and add headers. */
  build(attempt: { number: number; lastReason?: string }): OutboundRequest;
  /** The receiver must answer within this long (ms). */
  timeoutMs: number;
  /** Delays before each retry; its length is the number of retries. */
  retryDelaysMs: number[];
  /** Vendor rules for an answer. Default: 2xx delivered, anything else retried. */
  classify?(answer: ReceiverAnswer): { outcome: 'delivered' | 'retry' | 'failed'; reason?: string };
  /** Searchable facts: event id, event type, … */
  meta?: Record<string, unknown>;
  clock: Clock;
}

/** The public record of one delivery, as `GET /_twin/outbox` shows it. */
export interface OutboundDelivery {
  id: string;
  tenantId: string;
  kind: string;
  url: string;
  status: DeliveryStatus;
  createdAt: string;
  nextAttemptAt?: string;
  meta: Record<string, unknown>;
  /** The body of the first attempt, as sent. */
  body?: string;
  attempts: AttemptRecord[];
}

interface Internal {
  record: OutboundDelivery;
  spec: DeliverySpec;
  firstAttempt: Promise<AttemptRecord>;
  resolveFirst(a: AttemptRecord): void;
  settled: Promise<OutboundDelivery>;
  resolveSettled(d: OutboundDelivery): void;
}

export interface OutboxOptions {
  /** How many deliveries may be in flight at once. */
  concurrency?: number;
  /** How many finished deliveries to keep; pending and failed ones are always kept. */
  retain?: number;
  fetch?: typeof fetch;
}

/**
 * Sends what twins emit, the way vendors do: each delivery is attempted, retried on the
 * tenant's clock after the configured delays, and every attempt is logged. When the
 * receiver is down nothing is lost: the delivery stays queryable as pending or failed.
 */
export class Outbox {
  private readonly deliveries = new Map<string, Internal>();
  private readonly queue: (() => Promise<void>)[] = [];
  private inFlight = 0;
  private seq = 0;
  private readonly concurrency: number;
  private readonly retain: number;
  private readonly fetchFn: typeof fetch;
  private closed = false;

  constructor(opts: OutboxOptions = {}) {
    this.concurrency = opts.concurrency ?? 16;
    this.retain = opts.retain ?? 50_000;
    // Bound at construction: msw may later patch the global fetch for the twin's own host.
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Queue a delivery; its first attempt starts as soon as a slot is free. */
  enqueue(spec: DeliverySpec): OutboundDelivery {
    const id = `dlv_${(++this.seq).toString().padStart(6, '0')}`;
    const record: OutboundDelivery = {
      id,
      tenantId: spec.tenantId,
      kind: spec.kind,
      url: spec.url,
      status: 'pending',
      createdAt: new Date(spec.clock.now()).toISOString(),
      meta: spec.meta ?? {},
      attempts: [],
    };
    let resolveFirst!: (a: AttemptRecord) => void;
    let resolveSettled!: (d: OutboundDelivery) => void;
    const internal: Internal = {
      record,
      spec,
      firstAttempt: new Promise((r) => {
        resolveFirst = r;
      }),
      resolveFirst: (a) => resolveFirst(a),
      settled: new Promise((r) => {
        resolveSettled = r;
      }),
      resolveSettled: (d) => resolveSettled(d),
    };
    this.deliveries.set(id, internal);
    this.prune();
    this.run(() => this.attempt(internal, undefined));
    return record;
  }

  /** The first attempt's outcome (a slash command's immediate answer lives there). */
  firstAttempt(id: string): Promise<AttemptRecord> {
    const d = this.deliveries.get(id);
    if (!d) return Promise.reject(new Error(`no delivery ${id}`));
    return d.firstAttempt;
  }

  /** Resolves when the delivery is delivered or has failed for good. */
  settled(id: string): Promise<OutboundDelivery> {
    const d = this.deliveries.get(id);
    if (!d) return Promise.reject(new Error(`no delivery ${id}`));
    return d.settled;
  }

  list(filter: { tenantId?: string; status?: string; kind?: string } = {}): OutboundDelivery[] {
    const out: OutboundDelivery[] = [];
    for (const { record } of this.deliveries.values()) {
      if (filter.tenantId && record.tenantId !== filter.tenantId) continue;
      if (filter.status && record.status !== filter.status) continue;
      if (filter.kind && record.kind !== filter.kind) continue;
      out.push(record);
    }
    return out;
  }

  get(id: string): OutboundDelivery | undefined {
    return this.deliveries.get(id)?.record;
  }

  /** Forget a tenant's deliveries (tenant reset). */
  forgetTenant(tenantId: string): void {
    for (const [id, d] of this.deliveries) if (d.record.tenantId === tenantId) this.deliveries.delete(id);
  }

  clear(): void {
    this.deliveries.clear();
  }

  /** Stop starting new attempts; what is in flight finishes. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private run(task: () => Promise<void>): void {
    if (this.closed) return;
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const task = this.queue.shift() as () => Promise<void>;
      this.inFlight++;
      void task().finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async attempt(d: Internal, lastReason: string | undefined): Promise<void> {
    const { record, spec } = d;
    if (!this.deliveries.has(record.id)) return;
    const number = record.attempts.length + 1;
    record.status = 'in_flight';
    record.nextAttemptAt = undefined;
    const started = Date.now();
    const startedAt = new Date(spec.clock.now()).toISOString();
    let attempt: AttemptRecord;
    try {
      const req = spec.build({ number, lastReason });
      if (number === 1) record.body = req.body;
      const res = await this.fetchFn(spec.url, {
        method: req.method ?? 'POST',
        headers: req.headers,
        body: req.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(spec.timeoutMs),
      });
      const body = await res.text();
      const headers = Object.fromEntries(res.headers.entries());
      const verdict = spec.classify
        ? spec.classify({ status: res.status, headers, body })
        : res.status >= 200 && res.status < 300
          ? { outcome: 'delivered' as const }
          : { outcome: 'retry' as const, reason: 'http_error' };
      attempt = {
        number,
        startedAt,
        durationMs: Date.now() - started,
        status: res.status,
        outcome: verdict.outcome,
        reason: verdict.reason,
        responseBody: body.slice(0, 4096),
        responseHeaders: headers,
      };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      attempt = {
        number,
        startedAt,
        durationMs: Date.now() - started,
        outcome: 'retry',
        reason: timedOut ? 'http_timeout' : 'connection_failed',
        error: timedOut ? `no answer within ${spec.timeoutMs} ms` : (e.cause?.code ?? e.message),
      };
    }
    if (attempt.outcome === 'retry' && number > spec.retryDelaysMs.length) attempt.outcome = 'failed';
    record.attempts.push(attempt);
    if (number === 1) d.resolveFirst(attempt);
    if (attempt.outcome === 'retry') {
      const at = spec.clock.now() + spec.retryDelaysMs[number - 1];
      record.status = 'pending';
      record.nextAttemptAt = new Date(at).toISOString();
      spec.clock.schedule(at, () => {
        this.run(() => this.attempt(d, attempt.reason));
      });
      return;
    }
    record.status = attempt.outcome === 'delivered' ? 'delivered' : 'failed';
    d.resolveSettled(record);
  }

  private prune(): void {
    if (this.deliveries.size <= this.retain) return;
    for (const [id, d] of this.deliveries) {
      if (this.deliveries.size <= this.retain) break;
      if (d.record.status === 'delivered') this.deliveries.delete(id);
    }
  }
}
