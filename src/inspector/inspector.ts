// The inspector: a plain page at /_twin/ui where a person watches one tenant live, and the JSON feed it polls (state, journal, deliveries, faults, clock).

import { readFileSync } from 'node:fs';
import type { Kernel } from '../kernel/kernel.ts';
import type { InspectorCell, InspectorSection, InspectorView, Tenant, TwinResponse } from '../kernel/types.ts';

/** How much one refresh carries: the newest entries only, so a busy tenant's page stays fast. */
export const FEED_LIMITS = {
  journal: 200,
  deliveries: 100,
  /** Characters of a delivery's body or a receiver's answer. */
  bodyChars: 2000,
  /** Rows of a table in the snapshot fallback. */
  rows: 300,
  /** Columns of a table in the snapshot fallback. */
  columns: 10,
  /** Characters of one cell in the snapshot fallback. */
  cellChars: 300,
} as const;

/** Everything the page shows of one tenant, as `GET /_twin/ui/feed?tenant=ID` answers it. */
export interface InspectorFeed {
  twin: string;
  title: string;
  /** The tenant shown, and every tenant to pick from (ids only). */
  tenant: string;
  tenants: { id: string; seed: number }[];
  clock: ReturnType<Tenant<unknown>['clock']['state']>;
  /** `twin` when the twin's `inspect` hook drew it, `snapshot` when it is the sealed snapshot state as tables. */
  view: InspectorView & { source: 'twin' | 'snapshot' };
  journal: { total: number; entries: ReturnType<Kernel['journal']['query']> };
  deliveries: { total: number; items: ReturnType<Kernel['outbox']['list']> };
  faults: ReturnType<Kernel['faults']['list']>;
}

/** A page or asset the control plane hands back as is, rather than as JSON. */
export class InspectorAsset {
  constructor(readonly response: TwinResponse) {}
}

/** The inspector's routes that hold no state: served without the control token, so a person can type it in. */
export const INSPECTOR_PAGE_ROUTES: ReadonlySet<string> = new Set(['GET ui', 'GET ui/inspector.js', 'GET ui/inspector.css']);

// The page loads nothing but itself and its feed, runs only its own script, and cannot be framed:
// even if some caller's text escaped the page's escaping, it could not run or send anything.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

const ASSETS = {
  page: { file: 'inspector.html', type: 'text/html; charset=utf-8' },
  script: { file: 'inspector.js', type: 'text/javascript; charset=utf-8' },
  style: { file: 'inspector.css', type: 'text/css; charset=utf-8' },
} as const;

const loaded = new Map<keyof typeof ASSETS, string>();

/** The page (`page`), its script or its style sheet, read once from src/inspector/assets/. */
export function inspectorAsset(name: keyof typeof ASSETS): InspectorAsset {
  let body = loaded.get(name);
  if (body === undefined) {
    body = readFileSync(new URL(`./assets/${ASSETS[name].file}`, import.meta.url), 'utf8');
    loaded.set(name, body);
  }
  return new InspectorAsset({ status: 200, headers: { 'content-type': ASSETS[name].type, ...PAGE_HEADERS }, body });
}

function cut(text: string | undefined, chars: number): string | undefined {
  if (text === undefined || text.length <= chars) return text;
  return `${text.slice(0, chars)}… (${text.length - chars} more characters)`;
}

/** A cell for any JSON value: scalars as they are, anything else as compact JSON, cut short. */
function cell(value: unknown): InspectorCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return cut(value, FEED_LIMITS.cellChars) ?? '';
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return cut(JSON.stringify(value), FEED_LIMITS.cellChars) ?? '';
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Rows of records as a table: the columns are the keys the first rows have (the first few), plus a key column for records keyed by id. */
function recordsTable(title: string, rows: [string | undefined, Record<string, unknown>][]): InspectorSection {
  const columns: string[] = [];
  for (const [, r] of rows.slice(0, 50)) {
    for (const k of Object.keys(r)) if (!columns.includes(k) && columns.length < FEED_LIMITS.columns) columns.push(k);
  }
  const keyed = rows.some(([k]) => k !== undefined);
  const shown = rows.slice(0, FEED_LIMITS.rows);
  return {
    kind: 'table',
    title,
    columns: keyed ? ['key', ...columns] : columns,
    rows: shown.map(([k, r]) => [...(keyed ? [k ?? null] : []), ...columns.map((c) => cell(r[c]))]),
    note: rows.length > shown.length ? `the first ${shown.length} of ${rows.length} rows` : undefined,
  };
}

/**
 * A readable view of any state: its scalar fields as one table, each collection of records (an
 * object of objects, an array of objects) as a table of its own, anything else as JSON. This is
 * what a twin without an `inspect` hook shows, so a new twin appears on the page with no work.
 */
export function snapshotView(state: unknown): InspectorView {
  if (!isRecord(state)) return { sections: [{ kind: 'json', title: 'State', value: state }] };
  const sections: InspectorSection[] = [];
  const fields: InspectorCell[][] = [];
  for (const [key, value] of Object.entries(state)) {
    if (!isRecord(value) && !Array.isArray(value)) {
      fields.push([key, cell(value)]);
      continue;
    }
    const entries: [string | undefined, unknown][] = Array.isArray(value)
      ? value.map((v) => [undefined, v])
      : Object.entries(value).map(([k, v]) => [k, v]);
    if (entries.length > 0 && entries.every(([, v]) => isRecord(v))) {
      sections.push(recordsTable(key, entries as [string | undefined, Record<string, unknown>][]));
    } else if (isRecord(value) && Object.values(value).every((v) => !isRecord(v) && !Array.isArray(v))) {
      sections.push({ kind: 'table', title: key, columns: ['field', 'value'], rows: Object.entries(value).map(([k, v]) => [k, cell(v)]) });
    } else {
      sections.push({ kind: 'json', title: key, value });
    }
  }
  if (fields.length > 0) sections.unshift({ kind: 'table', title: 'State', columns: ['field', 'value'], rows: fields });
  return { sections };
}

/** The tenant's view: the twin's hook when it has one, else its sealed snapshot state (secrets as placeholders). */
function viewOf(kernel: Kernel<unknown, unknown>, tenant: Tenant<unknown>): InspectorFeed['view'] {
  const hook = kernel.def.inspect;
  if (hook) return { source: 'twin', ...hook(tenant.state) };
  return { source: 'snapshot', ...snapshotView(kernel.snapshotState(tenant)) };
}

/**
 * What the page shows of `tenant`, newest first: the twin's view of its state, the journal of
 * its calls with their answers, its deliveries with every attempt, the faults that apply to it
 * (its own and every tenant's), its clock, and the ids of every tenant for the picker.
 */
export function inspectorFeed(kernel: Kernel<unknown, unknown>, tenant: Tenant<unknown>): InspectorFeed {
  const journal = kernel.journal.query({ tenant: tenant.id });
  const deliveries = kernel.outbox.list({ tenantId: tenant.id });
  return {
    twin: kernel.name,
    title: kernel.def.title,
    tenant: tenant.id,
    tenants: kernel.tenants.list().map((t) => ({ id: t.id, seed: t.seed })),
    clock: tenant.clock.state(),
    view: viewOf(kernel, tenant),
    journal: { total: journal.length, entries: journal.slice(-FEED_LIMITS.journal).reverse() },
    deliveries: {
      total: deliveries.length,
      items: deliveries
        .slice(-FEED_LIMITS.deliveries)
        .reverse()
        .map((d) => ({
          ...d,
          body: cut(d.body, FEED_LIMITS.bodyChars),
          attempts: d.attempts.map((a) => ({ ...a, responseBody: cut(a.responseBody, FEED_LIMITS.bodyChars) })),
        })),
    },
    faults: kernel.faults.list(tenant.id),
  };
}
