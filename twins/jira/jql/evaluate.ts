// JQL evaluation over a site's issues: fields, operators, functions, history predicates against the changelog, and ORDER BY.

import { adfToText } from '../adf.ts';
import { findGroup, findUser, type Issue, type JiraState } from '../store.ts';
import { type Clause, JqlError, type Operand, type OrderBy, type Predicate, parseJql } from './parse.ts';

/** Who asks and when: `currentUser()` and the date functions depend on it. */
export interface JqlContext {
  state: JiraState;
  callerId: string | null;
  /** Tenant clock, epoch ms. */
  now: number;
}

type Value = string | number | null;
/** A compiled clause: true when the issue matches. */
type Matcher = (issue: Issue) => boolean;

const DAY = 86_400_000;
const FIELD_ALIASES: Record<string, string> = {
  type: 'issuetype',
  issuekey: 'key',
  issue: 'key',
  createddate: 'created',
  updateddate: 'updated',
  resolutiondate: 'resolved',
  due: 'duedate',
  fixversion: 'fixversion',
  affectedversion: 'affectedversion',
  components: 'component',
  'epic link': 'parent',
  watchers: 'watcher',
  voters: 'voter',
};

type Kind = 'text' | 'single' | 'multi' | 'user' | 'date' | 'number' | 'id';
const FIELDS: Record<string, Kind> = {
  project: 'single',
  key: 'id',
  id: 'id',
  issuetype: 'single',
  status: 'single',
  statuscategory: 'single',
  priority: 'single',
  assignee: 'user',
  reporter: 'user',
  creator: 'user',
  watcher: 'user',
  voter: 'user',
  labels: 'multi',
  component: 'multi',
  fixversion: 'multi',
  affectedversion: 'multi',
  sprint: 'multi',
  parent: 'single',
  resolution: 'single',
  created: 'date',
  updated: 'date',
  resolved: 'date',
  duedate: 'date',
  summary: 'text',
  description: 'text',
  environment: 'text',
  comment: 'text',
  text: 'text',
  votes: 'number',
  statuscategorychangeddate: 'date',
};
/** Fields whose history `was` and `changed` search. */
const HISTORY_FIELDS = new Set(['status', 'assignee', 'reporter', 'priority', 'resolution', 'fixversion']);

function fieldName(raw: string, state: JiraState): string {
  const lower = raw.toLowerCase();
  // Names come from the query: only own entries count (`constructor` is an unknown field).
  const alias = Object.hasOwn(FIELD_ALIASES, lower) ? FIELD_ALIASES[lower] : lower;
  if (Object.hasOwn(FIELDS, alias)) return alias;
  const cf = /^cf\[(\d+)\]$/.exec(lower);
  if (cf && state.customFields.has(`customfield_${cf[1]}`)) return `customfield_${cf[1]}`;
  if (/^customfield_\d+$/.test(lower) && state.customFields.has(lower)) return lower;
  for (const c of state.customFields.values()) if (c.name.toLowerCase() === lower) return c.id === 'customfield_10020' ? 'sprint' : c.id;
  throw new JqlError(`Field '${raw.slice(0, 100)}' does not exist or you do not have permission to view it.`);
}

function kindOf(field: string, state: JiraState): Kind {
  const k = Object.hasOwn(FIELDS, field) ? FIELDS[field] : undefined;
  if (k) return k;
  const cf = state.customFields.get(field);
  return cf?.type === 'number' ? 'number' : cf?.type === 'array' ? 'multi' : 'text';
}

// ---------------------------------------------------------------------------------------------
// Operands

interface Resolved {
  values: Value[];
  /** EMPTY / NULL in the operand. */
  empty: boolean;
}

function startOf(unit: 'day' | 'week' | 'month' | 'year', at: number, inc: number, end: boolean): number {
  const d = new Date(at);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth();
  let day = d.getUTCDate();
  if (unit === 'day') day += inc;
  if (unit === 'week') day += inc * 7 - d.getUTCDay();
  if (unit === 'month') m += inc;
  if (unit === 'year') y += inc;
  if (unit === 'month' || unit === 'year') day = 1;
  if (unit === 'year') m = 0;
  const start = Date.UTC(y, m, day);
  if (!end) return start;
  const next =
    unit === 'day' ? start + DAY : unit === 'week' ? start + 7 * DAY : unit === 'month' ? Date.UTC(y, m + 1, 1) : Date.UTC(y + 1, 0, 1);
  return next - 1;
}

/** `-1d`, `2w`, `-4h`, `30m`: a duration in ms, or undefined. */
function relative(s: string): number | undefined {
  const m = /^([+-]?)(\d+)([wdhm])$/i.exec(s.trim());
  if (!m) return undefined;
  const unit = { w: 7 * DAY, d: DAY, h: 3_600_000, m: 60_000 }[m[3].toLowerCase() as 'w' | 'd' | 'h' | 'm'];
  return (m[1] === '-' ? -1 : 1) * Number(m[2]) * unit;
}

function incArg(args: string[], unitDefault: string): { inc: number; unit?: string } {
  const a = args[0];
  if (a === undefined) return { inc: 0 };
  const m = /^([+-]?\d+)([dwmy]?)$/i.exec(a.trim());
  if (!m) throw new JqlError(`The argument '${a.slice(0, 40)}' is not a valid increment for this function.`);
  return { inc: Number(m[1]), unit: m[2] || unitDefault };
}

/** A date value (ms) from a JQL literal: `2025-01-31`, `2025/01/31 10:00`, `-1d`. */
function dateLiteral(s: string, now: number, field: string): number {
  const rel = relative(s);
  if (rel !== undefined) return now + rel;
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(s.trim());
  if (m) return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
  throw new JqlError(
    `Date value '${s.slice(0, 60)}' for field '${field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
  );
}

function callFunction(name: string, args: string[], ctx: JqlContext): Value[] {
  const lower = name.toLowerCase();
  const now = ctx.now;
  switch (lower) {
    case 'currentuser':
      if (!ctx.callerId) return [];
      return [ctx.callerId];
    case 'membersof': {
      const g = findGroup(ctx.state, args[0] ?? '');
      if (!g)
        throw new JqlError(
          `Function 'membersOf' can not generate a list of usernames for group '${(args[0] ?? '').slice(0, 60)}'; the group does not exist.`,
        );
      return [...g.members];
    }
    case 'now':
      return [now];
    case 'startofday':
    case 'endofday':
    case 'startofweek':
    case 'endofweek':
    case 'startofmonth':
    case 'endofmonth':
    case 'startofyear':
    case 'endofyear': {
      const unit = lower.replace(/^(start|end)of/, '') as 'day' | 'week' | 'month' | 'year';
      const { inc, unit: incUnit } = incArg(args, unit[0]);
      // An increment in another unit (startOfMonth(-1w)) shifts the instant before rounding.
      const shift =
        incUnit && incUnit !== unit[0] ? ({ d: DAY, w: 7 * DAY, m: 30 * DAY, y: 365 * DAY }[incUnit.toLowerCase() as 'd'] ?? 0) * inc : 0;
      return [startOf(unit, now + shift, shift ? 0 : inc, lower.startsWith('end'))];
    }
    case 'opensprints':
    case 'closedsprints':
    case 'futuresprints': {
      const want = lower === 'opensprints' ? 'active' : lower === 'closedsprints' ? 'closed' : 'future';
      return [...ctx.state.sprints.values()]
        .filter((s) => s.state === want || (want === 'active' && s.state === 'future' && false))
        .map((s) => String(s.id));
    }
    case 'issuehistory':
      return [...(ctx.state.views.get(ctx.callerId ?? '') ?? [])];
    default:
      throw new JqlError(`Unable to find JQL function '${name.slice(0, 60)}(${args.join(', ').slice(0, 60)})'.`);
  }
}

function resolveOperand(op: Operand | undefined, ctx: JqlContext): Resolved {
  const out: Resolved = { values: [], empty: false };
  const visit = (o: Operand) => {
    if (o.operandType === 'keyword') out.empty = true;
    else if (o.operandType === 'value') {
      const v = (o as { value: string }).value;
      out.values.push(v);
    } else if (o.operandType === 'function') {
      const f = o as { function: { value: string }; arguments: { value: string }[] };
      out.values.push(
        ...callFunction(
          f.function.value,
          f.arguments.map((a) => a.value),
          ctx,
        ),
      );
    } else if (o.operandType === 'list') for (const x of (o as { values: Operand[] }).values) visit(x);
  };
  if (op) visit(op);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Field values of an issue

/** The values an issue has for a field, as comparable strings/numbers (ids and names both). */
function issueValues(issue: Issue, field: string, ctx: JqlContext): Value[][] {
  const s = ctx.state;
  const project = s.projects.get(issue.projectId);
  switch (field) {
    case 'project':
      return project ? [[project.id, project.key, project.name]] : [];
    case 'key':
      return [[issue.key, issue.id]];
    case 'id':
      return [[issue.id]];
    case 'issuetype': {
      const t = s.issueTypes.get(issue.issueTypeId);
      return t ? [[t.id, t.name]] : [];
    }
    case 'status': {
      const st = s.statuses.get(issue.statusId);
      return st ? [[st.id, st.name]] : [];
    }
    case 'statuscategory': {
      const st = s.statuses.get(issue.statusId);
      if (!st) return [];
      const c = { new: ['2', 'new', 'To Do'], indeterminate: ['4', 'indeterminate', 'In Progress'], done: ['3', 'done', 'Done'] }[
        st.category
      ];
      return [c];
    }
    case 'priority': {
      const p = s.priorities.get(issue.priorityId);
      return p ? [[p.id, p.name]] : [];
    }
    case 'resolution': {
      const r = issue.resolutionId ? s.resolutions.get(issue.resolutionId) : undefined;
      return r ? [[r.id, r.name]] : [];
    }
    case 'assignee':
      return issue.assigneeId ? [[issue.assigneeId]] : [];
    case 'reporter':
      return issue.reporterId ? [[issue.reporterId]] : [];
    case 'creator':
      return [[issue.creatorId]];
    case 'watcher':
      return issue.watchers.map((w) => [w]);
    case 'voter':
      return issue.votes.map((w) => [w]);
    case 'labels':
      return issue.labels.map((l) => [l]);
    case 'component':
      return issue.componentIds.map((id) => [id, project?.components.find((c) => c.id === id)?.name ?? id]);
    case 'fixversion':
    case 'affectedversion':
      return (field === 'fixversion' ? issue.fixVersionIds : issue.versionIds).map((id) => [
        id,
        project?.versions.find((x) => x.id === id)?.name ?? id,
      ]);
    case 'sprint':
      return issue.sprintIds.map((id) => [String(id), s.sprints.get(id)?.name ?? String(id)]);
    case 'parent': {
      const p = issue.parentId ? s.issues.get(issue.parentId) : undefined;
      return p ? [[p.id, p.key]] : [];
    }
    case 'created':
      return [[issue.created]];
    case 'updated':
      return [[issue.updated]];
    case 'resolved':
      return issue.resolutionDate === null ? [] : [[issue.resolutionDate]];
    case 'statuscategorychangeddate':
      return [[issue.statusChanged]];
    case 'duedate':
      return issue.duedate ? [[Date.parse(`${issue.duedate}T00:00:00Z`)]] : [];
    case 'votes':
      return [[issue.votes.length]];
    default: {
      const v = issue.custom.get(field);
      if (v === undefined || v === null) return [];
      if (Array.isArray(v)) return v.map((x) => [typeof x === 'number' ? x : String(x)]);
      return [[typeof v === 'number' ? v : String(v)]];
    }
  }
}

// An issue's rich text is replaced when edited, never changed in place, so the plain text of each
// ADF node can be kept beside it: a text search over a large site then walks each document once.
const adfTexts = new WeakMap<object, string>();
function adfText(doc: Issue['description']): string {
  if (!doc || typeof doc !== 'object') return adfToText(doc);
  let text = adfTexts.get(doc);
  if (text === undefined) {
    text = adfToText(doc);
    adfTexts.set(doc, text);
  }
  return text;
}

function textOf(issue: Issue, field: string, ctx: JqlContext): string {
  switch (field) {
    case 'summary':
      return issue.summary;
    case 'description':
      return adfText(issue.description);
    case 'environment':
      return adfText(issue.environment);
    case 'comment':
      return issue.comments.map((c) => adfText(c.body)).join('\n');
    case 'text':
      return [
        issue.summary,
        adfText(issue.description),
        adfText(issue.environment),
        ...issue.comments.map((c) => adfText(c.body)),
        ...[...issue.custom.entries()].filter(([k]) => ctx.state.customFields.get(k)?.type === 'string').map(([, v]) => String(v)),
      ].join('\n');
    default: {
      const v = issue.custom.get(field);
      return v === undefined || v === null ? '' : String(v);
    }
  }
}

/** A letter, digit or underscore: what Jira's text match counts as part of a word. */
const W = '[\\p{L}\\p{N}_]';
const START = `(?<!${W})`;

/**
 * Jira's text match, compiled once per query: every term must appear as a word (a term is a prefix
 * match of a word within three letters, as Jira's stemming makes `error` find `errors`); `*` and
 * `?` are wildcards within a word; a quoted phrase must appear in order, each term a prefix of its
 * word. The haystack is scanned with regular expressions rather than split into words, so a
 * query over a large site allocates nothing per issue but the lowercased text.
 */
function textMatcher(query: string): (haystack: string) => boolean {
  const phrase = /^"(.*)"$/s.exec(query.trim());
  if (phrase) {
    const terms = phrase[1]
      .toLowerCase()
      .split(/[^\p{L}\p{N}_]+/u)
      .filter(Boolean);
    if (terms.length === 0) return () => false;
    // Terms hold only word characters (the split removed the rest), so they need no escaping.
    const re = new RegExp(`${START}${terms.map((t) => `${t}${W}*`).join(`[^\\p{L}\\p{N}_]+`)}`, 'u');
    return (haystack) => re.test(haystack.toLowerCase());
  }
  const terms = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}_*?]+/u)
    .filter(Boolean);
  if (terms.length === 0) return () => false;
  const res = terms.map((t) =>
    /[*?]/.test(t)
      ? new RegExp(`${START}${t.replace(/\*/g, `${W}*`).replace(/\?/g, W)}(?!${W})`, 'u')
      : new RegExp(`${START}${t}${W}{0,3}(?!${W})`, 'u'),
  );
  return (haystack) => {
    const text = haystack.toLowerCase();
    return res.every((re) => re.test(text));
  };
}

// ---------------------------------------------------------------------------------------------
// Values the query names, checked against the site (Jira refuses names that do not exist)

function normaliseValues(field: string, values: Value[], ctx: JqlContext, kind: Kind): Value[] {
  const s = ctx.state;
  const missing = (v: Value) => new JqlError(`The value '${String(v).slice(0, 100)}' does not exist for the field '${field}'.`);
  if (kind === 'date') return values.map((v) => (typeof v === 'number' ? v : dateLiteral(String(v), ctx.now, field)));
  if (kind === 'number') return values.map((v) => Number(v));
  if (kind === 'user') {
    return values.map((v) => {
      if (typeof v === 'string' && s.users.has(v)) return v;
      const u = findUser(s, String(v));
      if (!u) throw missing(v);
      return u.accountId;
    });
  }
  const lower = (v: Value) => String(v).toLowerCase();
  const check = (ok: (v: Value) => boolean) =>
    values.map((v) => {
      if (!ok(v)) throw missing(v);
      return v;
    });
  switch (field) {
    case 'project':
      return check((v) =>
        [...s.projects.values()].some((p) => p.id === String(v) || p.key.toLowerCase() === lower(v) || p.name.toLowerCase() === lower(v)),
      );
    case 'issuetype':
      return check(
        (v) => [...s.issueTypes.values()].some((t) => t.id === String(v) || t.name.toLowerCase() === lower(v)) || lower(v) === 'sub-task',
      );
    case 'status':
      return check((v) => [...s.statuses.values()].some((t) => t.id === String(v) || t.name.toLowerCase() === lower(v)));
    case 'priority':
      return check((v) => [...s.priorities.values()].some((t) => t.id === String(v) || t.name.toLowerCase() === lower(v)));
    case 'resolution':
      return check(
        (v) =>
          lower(v) === 'unresolved' || [...s.resolutions.values()].some((t) => t.id === String(v) || t.name.toLowerCase() === lower(v)),
      );
    case 'statuscategory':
      return check((v) => ['2', '3', '4', 'new', 'indeterminate', 'done', 'to do', 'in progress'].includes(lower(v)));
    case 'key':
    case 'parent':
      // Jira refuses a key of a project that does not exist, and is silent about a missing number.
      return check(
        (v) =>
          /^\d+$/.test(String(v)) ||
          [...s.projects.values()].some((p) => lower(v).startsWith(`${p.key.toLowerCase()}-`)) ||
          s.keys.has(String(v).toUpperCase()),
      );
    default:
      return values;
  }
}

function eq(a: Value, b: Value): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return String(a).toLowerCase() === String(b).toLowerCase();
}

const PRIORITY_RANK = (ctx: JqlContext, v: Value): number => {
  const list = [...ctx.state.priorities.values()];
  const i = list.findIndex((p) => p.id === String(v) || p.name.toLowerCase() === String(v).toLowerCase());
  return i < 0 ? Number.NaN : list.length - i;
};

function keyNumber(v: Value): [string, number] {
  const m = /^(.*)-(\d+)$/.exec(String(v).toUpperCase());
  return m ? [m[1], Number(m[2])] : [String(v), Number.NaN];
}

// ---------------------------------------------------------------------------------------------
// History: the values a field had over time, from the changelog

interface Span {
  value: Value[];
  from: number;
  to: number;
  /** Who set this value (the change's author), or null for the value at creation. */
  by: string | null;
}

function historyItemsFor(field: string): (f: string) => boolean {
  const names: Record<string, string[]> = { fixversion: ['fixVersions'] };
  const ids = names[field] ?? [field];
  return (f) => ids.includes(f);
}

function currentHistoryValue(issue: Issue, field: string, ctx: JqlContext): Value[] {
  return issueValues(issue, field, ctx).flat();
}

function itemValues(field: string, id: string | null, name: string | null): Value[] {
  if (id === null && name === null) return [];
  if (field === 'assignee' || field === 'reporter') return id ? [id] : [];
  return [id, name].filter((x): x is string => x !== null);
}

function spans(issue: Issue, field: string, ctx: JqlContext): Span[] {
  const isField = historyItemsFor(field);
  const changes = issue.histories.flatMap((h) =>
    h.items.filter((i) => isField(i.fieldId)).map((i) => ({ at: h.created, by: h.authorId, item: i })),
  );
  if (changes.length === 0)
    return [{ value: currentHistoryValue(issue, field, ctx), from: issue.created, to: Number.POSITIVE_INFINITY, by: null }];
  const out: Span[] = [];
  const first = changes[0].item;
  out.push({ value: itemValues(field, first.from, first.fromString), from: issue.created, to: changes[0].at, by: null });
  changes.forEach((c, i) => {
    out.push({
      value: itemValues(field, c.item.to, c.item.toString),
      from: c.at,
      to: changes[i + 1]?.at ?? Number.POSITIVE_INFINITY,
      by: c.by,
    });
  });
  return out;
}

interface PredicateWindow {
  after?: number;
  before?: number;
  on?: [number, number];
  during?: [number, number];
  by?: Set<string>;
  from?: Resolved;
  to?: Resolved;
}

function readPredicates(preds: Predicate[], ctx: JqlContext, field: string): PredicateWindow {
  const w: PredicateWindow = {};
  for (const p of preds) {
    const name = p.operator.value.toLowerCase();
    const r = resolveOperand(p.operand ?? undefined, ctx);
    const asDate = (v: Value | undefined) => (typeof v === 'number' ? v : dateLiteral(String(v ?? ''), ctx.now, field));
    if (name === 'after') w.after = asDate(r.values[0]);
    else if (name === 'before') w.before = asDate(r.values[0]);
    else if (name === 'on') {
      const d = asDate(r.values[0]);
      const start = Math.floor(d / DAY) * DAY;
      w.on = [start, start + DAY - 1];
    } else if (name === 'during') {
      if (r.values.length !== 2) throw new JqlError("The 'during' predicate needs two dates: during (start, end).");
      w.during = [asDate(r.values[0]), asDate(r.values[1])];
    } else if (name === 'by') {
      w.by = new Set(normaliseValues('by', r.values, ctx, 'user').map(String));
    } else if (name === 'from' || name === 'to') {
      // People in history are account ids: names and emails in the query become ids too.
      const resolved = {
        values: normaliseValues(field, r.values, ctx, kindOf(field, ctx.state) === 'user' ? 'user' : 'single'),
        empty: r.empty,
      };
      if (name === 'from') w.from = resolved;
      else w.to = resolved;
    }
  }
  return w;
}

function inWindow(from: number, to: number, w: PredicateWindow): boolean {
  if (w.after !== undefined && to <= w.after) return false;
  if (w.before !== undefined && from >= w.before) return false;
  if (w.on && (to < w.on[0] || from > w.on[1])) return false;
  if (w.during && (to < w.during[0] || from > w.during[1])) return false;
  return true;
}

function matchesResolved(values: Value[], r: Resolved): boolean {
  if (values.length === 0) return r.empty;
  return r.values.some((v) => values.some((x) => eq(x, v)));
}

// ---------------------------------------------------------------------------------------------
// Compilation

function compile(clause: Clause, ctx: JqlContext): Matcher {
  if (clause.clauseType === 'compound') {
    const c = clause as unknown as { operator: { value: string }; clauses: Clause[] };
    const parts = c.clauses.map((x) => compile(x, ctx));
    return c.operator.value.toLowerCase() === 'and' ? (i) => parts.every((p) => p(i)) : (i) => parts.some((p) => p(i));
  }
  if (clause.clauseType === 'not') {
    const inner = compile((clause as unknown as { clause: Clause }).clause, ctx);
    return (i) => !inner(i);
  }
  const t = clause as unknown as {
    field: { value: string; properties?: unknown[] };
    operator?: { value: string };
    operand?: Operand;
    predicates: Predicate[];
  };
  const rawField = t.field.value;
  const field = fieldName(rawField, ctx.state);
  const op = (t.operator?.value ?? '').toLowerCase();
  const kind = kindOf(field, ctx.state);
  const unsupported = () => new JqlError(`The operator '${op.toUpperCase()}' is not supported by the '${rawField.slice(0, 60)}' field.`);

  if (op === 'was' || op === 'was in' || op === 'was not' || op === 'was not in' || op === 'changed') {
    if (!HISTORY_FIELDS.has(field)) throw new JqlError(`History searches do not support the '${rawField.slice(0, 60)}' field.`);
    const w = readPredicates(t.predicates, ctx, field);
    if (op === 'changed') {
      const isField = historyItemsFor(field);
      return (issue) =>
        issue.histories.some((h) =>
          h.items.some(
            (item) =>
              isField(item.fieldId) &&
              inWindow(h.created, h.created, w) &&
              (!w.by || w.by.has(h.authorId)) &&
              (!w.from || matchesResolved(itemValues(field, item.from, item.fromString), w.from)) &&
              (!w.to || matchesResolved(itemValues(field, item.to, item.toString), w.to)),
          ),
        );
    }
    const r = resolveOperand(t.operand, ctx);
    r.values = normaliseValues(field, r.values, ctx, kind === 'user' ? 'user' : 'single');
    const positive = (issue: Issue) =>
      spans(issue, field, ctx).some(
        (s) => inWindow(s.from, s.to, w) && (!w.by || (s.by !== null && w.by.has(s.by))) && matchesResolved(s.value, r),
      );
    return op.startsWith('was not') ? (i) => !positive(i) : positive;
  }

  if (t.predicates.length > 0) throw new JqlError(`Predicates are only supported by the 'WAS' and 'CHANGED' operators.`);
  const r = resolveOperand(t.operand, ctx);

  if (op === 'is' || op === 'is not') {
    if (!r.empty) throw new JqlError(`The operator '${op.toUpperCase()}' only supports EMPTY or NULL.`);
    const has = (i: Issue) => (kind === 'text' ? textOf(i, field, ctx).trim() !== '' : issueValues(i, field, ctx).length > 0);
    return op === 'is' ? (i) => !has(i) : has;
  }

  if (op === '~' || op === '!~') {
    if (kind !== 'text') throw unsupported();
    const q = String(r.values[0] ?? '');
    const matches = textMatcher(q);
    return op === '~' ? (i) => matches(textOf(i, field, ctx)) : (i) => !matches(textOf(i, field, ctx));
  }
  if (kind === 'text') {
    if (op === '=' || op === '!=' || op === 'in' || op === 'not in') {
      if (field === 'summary' || field === 'description' || field === 'comment' || field === 'environment' || field === 'text')
        throw unsupported();
    } else throw unsupported();
  }

  // `resolution = Unresolved` is Jira's name for no resolution.
  if (field === 'resolution') {
    const unresolved = r.values.some((v) => String(v).toLowerCase() === 'unresolved');
    if (unresolved) {
      r.values = r.values.filter((v) => String(v).toLowerCase() !== 'unresolved');
      r.empty = true;
    }
  }
  r.values = normaliseValues(field, r.values, ctx, kind);

  if (op === '=' || op === 'in' || op === '!=' || op === 'not in') {
    const positive = (i: Issue) => {
      const vals = issueValues(i, field, ctx);
      if (vals.length === 0) return r.empty;
      return r.values.some((v) => vals.some((group) => group.some((x) => eq(x, v))));
    };
    if (op === '=' || op === 'in') return positive;
    // `!=` and NOT IN never match an empty field (unless EMPTY is in the list, which then excludes empties).
    return (i) => {
      const vals = issueValues(i, field, ctx);
      if (vals.length === 0) return false;
      return !positive(i);
    };
  }

  if (op === '>' || op === '>=' || op === '<' || op === '<=') {
    if (kind === 'multi' || kind === 'user' || (kind === 'single' && field !== 'priority')) throw unsupported();
    const target = r.values[0];
    if (target === undefined) throw new JqlError(`The operator '${op}' needs a value.`);
    const cmp = (a: number, b: number) => (op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b);
    if (field === 'priority') {
      const rank = PRIORITY_RANK(ctx, target);
      return (i) => cmp(PRIORITY_RANK(ctx, i.priorityId), rank);
    }
    if (kind === 'id' && field === 'key') {
      const [proj, n] = keyNumber(target);
      return (i) => {
        const [p2, n2] = keyNumber(i.key);
        return p2 === proj && cmp(n2, n);
      };
    }
    return (i) => {
      const vals = issueValues(i, field, ctx);
      return vals.some((g) => (typeof g[0] === 'number' ? cmp(g[0], Number(target)) : cmp(Number(g[0]), Number(target))));
    };
  }
  throw unsupported();
}

// ---------------------------------------------------------------------------------------------
// Ordering

type Sorter = (a: Issue, b: Issue) => number;

function orderKey(field: string, ctx: JqlContext): (i: Issue) => string | number | null {
  switch (field) {
    case 'key':
    case 'id':
      return (i) => Number(i.id);
    case 'rank':
      return (i) => Number(i.id);
    case 'created':
    case 'updated':
    case 'resolved':
    case 'duedate':
    case 'statuscategorychangeddate':
    case 'votes': {
      return (i) => (issueValues(i, field, ctx)[0]?.[0] as number | undefined) ?? null;
    }
    case 'priority':
      return (i) => PRIORITY_RANK(ctx, i.priorityId);
    case 'status':
      return (i) => ctx.state.projects.get(i.projectId)?.workflow.statusIds.indexOf(i.statusId) ?? 0;
    case 'summary':
      return (i) => i.summary.toLowerCase();
    case 'assignee':
    case 'reporter':
    case 'creator':
      return (i) => {
        const id = field === 'assignee' ? i.assigneeId : field === 'reporter' ? i.reporterId : i.creatorId;
        return id ? (ctx.state.users.get(id)?.displayName.toLowerCase() ?? id) : null;
      };
    case 'project':
      return (i) => ctx.state.projects.get(i.projectId)?.key ?? '';
    case 'issuetype':
      return (i) => ctx.state.issueTypes.get(i.issueTypeId)?.name ?? '';
    default:
      return (i) => {
        const v = issueValues(i, field, ctx)[0]?.[0];
        return v === undefined ? null : v;
      };
  }
}

function sorter(orderBy: OrderBy | undefined, ctx: JqlContext): Sorter {
  const keys: { get: (i: Issue) => string | number | null; desc: boolean }[] = [];
  for (const f of orderBy?.fields ?? []) {
    const raw = (f as { field: { value: string } }).field.value;
    const lower = raw.toLowerCase();
    const field = lower === 'rank' ? 'rank' : fieldName(raw, ctx.state);
    // Jira's default direction is ascending for most fields, descending for dates and priority.
    const dir = (f as { direction?: { value: string } }).direction?.value?.toUpperCase();
    keys.push({ get: orderKey(field, ctx), desc: dir === 'DESC' });
  }
  // Without an ORDER BY, or after its keys, newest first (by id) keeps pages stable.
  keys.push({ get: (i) => Number(i.id), desc: !(orderBy && orderBy.fields.length > 0) });
  return (a, b) => {
    for (const k of keys) {
      const x = k.get(a);
      const y = k.get(b);
      if (x === y) continue;
      // Empty values sort last ascending, first descending, as Jira does.
      if (x === null) return k.desc ? -1 : 1;
      if (y === null) return k.desc ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}

// ---------------------------------------------------------------------------------------------
// Public API

/** A compiled query: the matcher and the ordering. */
export interface CompiledJql {
  bounded: boolean;
  matches: Matcher;
  sort: Sorter;
}

/**
 * Compile JQL for one caller at one instant. Throws JqlError (Jira's 400 message) for syntax
 * errors, unknown fields, values and functions, and unsupported operators.
 */
export function compileJql(jql: string, ctx: JqlContext): CompiledJql {
  const { where, orderBy } = parseJql(jql);
  const matches = where ? compile(where, ctx) : () => true;
  return { bounded: Boolean(where), matches, sort: sorter(orderBy, ctx) };
}

/**
 * The site's issues a query finds, in its order.
 *
 * @example searchIssues('project = OPS AND status = "In Progress" ORDER BY key', ctx).map((i) => i.key)
 */
export function searchIssues(jql: string, ctx: JqlContext): Issue[] {
  const q = compileJql(jql, ctx);
  const out: Issue[] = [];
  for (const i of ctx.state.issues.values()) if (q.matches(i)) out.push(i);
  return out.sort(q.sort);
}

/** Does one issue match a query (webhook filters)? An invalid query matches nothing. */
export function issueMatches(jql: string, issue: Issue, ctx: JqlContext): boolean {
  if (!jql.trim()) return true;
  try {
    return compileJql(jql, ctx).matches(issue);
  } catch {
    return false;
  }
}
