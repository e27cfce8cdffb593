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

/** What the pipeline records: the answer kept as text and parsed only when someone reads the journal. */
export type JournalRecord = Omit<JournalEntry, 'seq' | 'response'> & { responseText?: string };

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
  const { responseText, ...rest } = e;
  if (responseText === undefined) return rest;
  try {
    return { ...rest, response: JSON.parse(responseText) };
  } catch {
    return rest;
  }
}

export class Journal {
  private entries: Stored[] = [];
  private seq = 0;
  constructor(private readonly capacity = 10_000) {}

  record(entry: JournalRecord): number {
    const full = { seq: ++this.seq, ...entry };
    this.entries.push(full);
    // Drop in chunks so the ring costs O(1) amortised per record.
    if (this.entries.length > this.capacity * 1.1) this.entries = this.entries.slice(-this.capacity);
    return full.seq;
  }

  query(q: JournalQuery = {}): JournalEntry[] {
    const out = this.entries.filter(
      (e) =>
        (q.operation === undefined || e.operation === q.operation) &&
        (q.tenant === undefined || e.tenant === q.tenant) &&
        (q.since === undefined || e.at >= q.since) &&
        (q.until === undefined || e.at <= q.until) &&
        (q.status === undefined || e.status === q.status) &&
        (q.error === undefined || e.error === q.error) &&
        (q.after === undefined || e.seq > q.after),
    );
    const trimmed = out.slice(Math.max(0, out.length - this.capacity));
    return (q.limit === undefined ? trimmed : trimmed.slice(-q.limit)).map(toEntry);
  }

  clear(tenant?: string): void {
    this.entries = tenant === undefined ? [] : this.entries.filter((e) => e.tenant !== tenant);
  }
}
