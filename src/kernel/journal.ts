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
 * What the pipeline hands the journal per request: the time as a number, the arguments as the
 * operation got them, the answer as text. `record` keeps only a bounded, redacted summary of the
 * arguments (and none at all for a request no tenant owns), so what a caller sends never stays
 * in memory at its own size; the ISO time and JSON parsing happen only when someone reads.
 */
export type JournalRecord = Omit<JournalEntry, 'seq' | 'time' | 'response'> & { responseText?: string };

/** Answers larger than this are not kept (a history page is ~10 KiB; graders need arguments, not pages). */
export const JOURNAL_RESPONSE_LIMIT = 4096;

/**
 * Bounds on what one entry keeps of a request's arguments. With 10,000 entries, the worst case
 * stays near 10,000 × (ARGS_CHARS + JOURNAL_RESPONSE_LIMIT) characters, whatever callers send.
 */
export const JOURNAL_LIMITS = {
  /** Characters of string content (keys and values) kept per entry. */
  argsChars: 4096,
  /** Characters kept of one string. */
  stringChars: 1024,
  /** Items kept of one array, keys of one object. */
  items: 50,
  /** Levels kept below the arguments object. */
  depth: 6,
  /** Characters kept of a request path, method or error code. */
  pathChars: 1024,
} as const;

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

/**
 * A bounded, redacted copy of recorded arguments: credentials replaced by `[redacted]`, strings,
 * arrays, objects and depth cut to JOURNAL_LIMITS with a marker saying what was left out. Objects
 * are made without a prototype, so a key such as `__proto__` is kept as data, never as a link.
 *
 * @example summarise({ token: 'xoxb-1', text: 'hi' }) // { token: '[redacted]', text: 'hi' }
 */
export function summarise(value: unknown): unknown {
  const budget = { chars: JOURNAL_LIMITS.argsChars };
  return summariseNode(value, 0, budget);
}

function cut(text: string, budget: { chars: number }): string {
  const keep = Math.max(0, Math.min(text.length, JOURNAL_LIMITS.stringChars, budget.chars));
  budget.chars -= keep;
  return keep === text.length ? text : `${text.slice(0, keep)}…[${text.length - keep} more characters]`;
}

function summariseNode(value: unknown, depth: number, budget: { chars: number }): unknown {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return cut(value, budget);
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (typeof value !== 'object') return String(value).slice(0, 64);
  if (depth >= JOURNAL_LIMITS.depth || budget.chars <= 0) return Array.isArray(value) ? '[array]' : '[object]';
  if (Array.isArray(value)) {
    const n = Math.min(value.length, JOURNAL_LIMITS.items);
    const out: unknown[] = [];
    for (let i = 0; i < n && budget.chars > 0; i++) out.push(summariseNode(value[i], depth + 1, budget));
    if (out.length < value.length) out.push(`…[${value.length - out.length} more items]`);
    return out;
  }
  const out: Record<string, unknown> = Object.create(null);
  let kept = 0;
  let total = 0;
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    total++;
    if (kept >= JOURNAL_LIMITS.items || budget.chars <= 0) continue;
    const key = cut(k, budget);
    const v = (value as Record<string, unknown>)[k];
    out[key] = SECRET_KEYS.has(k) && v !== undefined ? '[redacted]' : summariseNode(v, depth + 1, budget);
    kept++;
  }
  if (kept < total) out['…'] = `[${total - kept} more keys]`;
  return out;
}

/** Remove credentials from recorded arguments (what `summarise` does, kept for callers of the old name). */
export function redact(value: unknown): unknown {
  return summarise(value);
}

type Stored = JournalRecord & { seq: number };

function toEntry(e: Stored): JournalEntry {
  const { responseText, ...rest } = e;
  const entry: JournalEntry = { ...rest, time: new Date(e.at).toISOString() };
  if (responseText !== undefined) {
    try {
      entry.response = JSON.parse(responseText);
    } catch {
      // Not JSON after all: leave it out.
    }
  }
  return entry;
}

function shortText(text: string | undefined): string | undefined {
  return text === undefined || text.length <= JOURNAL_LIMITS.pathChars ? text : `${text.slice(0, JOURNAL_LIMITS.pathChars)}…`;
}

/** A fixed-size ring of the latest requests: recording never copies or reallocates. */
export class Journal {
  private readonly ring: (Stored | undefined)[];
  private next = 0;
  private seq = 0;

  constructor(private readonly capacity = 10_000) {
    this.ring = new Array(capacity);
  }

  /**
   * Keep one request. Its arguments are summarised now (bounded and redacted); a request no
   * tenant owns (no or a wrong credential) keeps none, so floods of unauthenticated bodies never
   * stay in memory.
   */
  record(entry: JournalRecord): number {
    // Every field named (not `...entry` then overrides: V8 makes that a slow ~8 µs copy per request).
    const stored: Stored = {
      at: entry.at,
      tenant: entry.tenant,
      operation: entry.operation,
      method: shortText(entry.method) ?? '',
      path: shortText(entry.path) ?? '',
      status: entry.status,
      error: shortText(entry.error),
      args: entry.tenant === undefined || entry.args === undefined ? undefined : summarise(entry.args),
      responseText:
        entry.responseText !== undefined && entry.responseText.length <= JOURNAL_RESPONSE_LIMIT ? entry.responseText : undefined,
      durationMs: entry.durationMs,
      seq: ++this.seq,
    };
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
