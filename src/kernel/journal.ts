// The journal: a bounded, queryable record of every request each twin served, for graders and debugging.

export interface JournalEntry {
  seq: number;
  /** ISO time on the tenant's clock (wall clock when no tenant is known). */
  time: string;
  at: number;
  tenant?: string;
  operation?: string;
  method: string;
  path: string;
  status: number;
  /** The vendor error code, when the answer was an error (Slack's `error`, Okta's `errorCode`, …). */
  error?: string;
  /** The arguments the operation got, secrets removed. */
  args?: unknown;
  /** The answer body (parsed JSON), when it was JSON of at most 4 KiB. */
  response?: unknown;
  durationMs: number;
}

/**
 * What the pipeline records per request, kept cheap: the time as a number, the arguments as the
 * operation got them, the answer as text. The ISO time, redaction of secrets and JSON parsing
 * happen only when someone reads the journal. Arguments are kept by reference: they are built
 * fresh for each request and operations do not change them.
 */
export type JournalRecord = Omit<JournalEntry, 'seq' | 'time' | 'response'> & { responseText?: string };

/** Answers larger than this are not kept (a history page is ~10 KiB; graders need arguments, not pages). */
export const JOURNAL_RESPONSE_LIMIT = 4096;

export interface JournalQuery {
  operation?: string;
  tenant?: string;
  since?: number;
  until?: number;
  status?: number;
  error?: string;
  limit?: number;
  /** Only entries with seq greater than this (for polling). */
  after?: number;
}

const SECRET_KEYS = new Set(['token', 'client_secret', 'password', 'secret', 'signing_secret', 'code_verifier']);

/** Remove credentials from recorded arguments. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEYS.has(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

type Stored = JournalRecord & { seq: number };

function toEntry(e: Stored): JournalEntry {
  const { responseText, args, ...rest } = e;
  const entry: JournalEntry = { ...rest, time: new Date(e.at).toISOString(), args: redact(args) };
  if (responseText !== undefined) {
    try {
      entry.response = JSON.parse(responseText);
    } catch {
      // Not JSON after all: leave it out.
    }
  }
  return entry;
}

/** A fixed-size ring of the latest requests: recording never copies or reallocates. */
export class Journal {
  private readonly ring: (Stored | undefined)[];
  private next = 0;
  private seq = 0;

  constructor(private readonly capacity = 10_000) {
    this.ring = new Array(capacity);
  }

  record(entry: JournalRecord): number {
    const stored = entry as Stored;
    stored.seq = ++this.seq;
    this.ring[this.next] = stored;
    this.next = (this.next + 1) % this.capacity;
    return stored.seq;
  }

  /** Oldest first. */
  private *stored(): Generator<Stored> {
    for (let i = 0; i < this.capacity; i++) {
      const e = this.ring[(this.next + i) % this.capacity];
      if (e) yield e;
    }
  }

  query(q: JournalQuery = {}): JournalEntry[] {
    const out: Stored[] = [];
    for (const e of this.stored()) {
      if (
        (q.operation === undefined || e.operation === q.operation) &&
        (q.tenant === undefined || e.tenant === q.tenant) &&
        (q.since === undefined || e.at >= q.since) &&
        (q.until === undefined || e.at <= q.until) &&
        (q.status === undefined || e.status === q.status) &&
        (q.error === undefined || e.error === q.error) &&
        (q.after === undefined || e.seq > q.after)
      ) {
        out.push(e);
      }
    }
    return (q.limit === undefined ? out : out.slice(-q.limit)).map(toEntry);
  }

  clear(tenant?: string): void {
    for (let i = 0; i < this.capacity; i++) {
      const e = this.ring[i];
      if (e && (tenant === undefined || e.tenant === tenant)) this.ring[i] = undefined;
    }
  }
}
