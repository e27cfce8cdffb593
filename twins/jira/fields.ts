// Setting an issue's fields from `fields` and `update` as Jira does: each field checked, errors keyed by field id, every change a changelog item.

import { adfToText, isAdfDoc, textToAdf } from './adf.ts';
import type { ApiVersion } from './render.ts';
import { type ChangeItem, findIssue, findUser, type Issue, type JiraState, type Project } from './store.ts';

/** What applying fields produced: changelog items, field errors, and comments to add. */
export interface FieldResult {
  items: ChangeItem[];
  errors: Record<string, string>;
  comments: unknown[];
}

const ADF_MESSAGE = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';

function ref(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Rich text in the version's form: ADF for v3, a string for v2; null clears it. `undefined` means bad input. */
export function readRichText(value: unknown, v: ApiVersion): Issue['description'] | undefined {
  if (value === null) return null;
  if (v === '3') return isAdfDoc(value) ? (value as Issue['description']) : undefined;
  return typeof value === 'string' ? (value === '' ? null : textToAdf(value)) : undefined;
}

function userOf(state: JiraState, value: unknown): { ok: true; id: string | null } | { ok: false; shown: string } {
  if (value === null) return { ok: true, id: null };
  const r = ref(value);
  const idRef = str(r?.accountId) ?? str(r?.id) ?? str(r?.name) ?? str(r?.emailAddress);
  if (idRef === undefined) return { ok: false, shown: JSON.stringify(value)?.slice(0, 60) ?? '' };
  if (idRef === '-1') return { ok: true, id: null };
  const u = findUser(state, idRef);
  return u?.active ? { ok: true, id: u.accountId } : { ok: false, shown: idRef.slice(0, 100) };
}

function namedIn<T extends { id: string; name: string }>(list: Iterable<T>, value: unknown): T | undefined {
  const r = ref(value);
  const id = str(r?.id);
  const name = str(r?.name);
  for (const x of list)
    if ((id !== undefined && x.id === id) || (name !== undefined && x.name.toLowerCase() === name.toLowerCase())) return x;
  return undefined;
}

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

type Op = { kind: 'set' | 'add' | 'remove' | 'edit'; value: unknown };

/** `fields` entries become `set` operations; `update` entries keep their verbs. */
function operations(fields: Record<string, unknown>, update: Record<string, unknown>): Map<string, Op[]> {
  const out = new Map<string, Op[]>();
  for (const [k, v] of Object.entries(fields)) out.set(k, [{ kind: 'set', value: v }]);
  for (const [k, list] of Object.entries(update)) {
    const ops: Op[] = out.get(k) ?? [];
    for (const entry of Array.isArray(list) ? list : []) {
      const e = ref(entry) ?? {};
      for (const kind of ['set', 'add', 'remove', 'edit'] as const) if (kind in e) ops.push({ kind, value: e[kind] });
    }
    out.set(k, ops);
  }
  return out;
}

/**
 * Apply `fields` and `update` to `issue` (which may be new). Nothing is changed when any field is
 * in error: the caller checks `errors` first and applies only a clean result's mutations, so this
 * works on a copy and returns it.
 */
export function applyFields(
  state: JiraState,
  project: Project,
  original: Issue,
  fieldsArg: Record<string, unknown>,
  updateArg: Record<string, unknown>,
  v: ApiVersion,
  creating: boolean,
): FieldResult & { issue: Issue } {
  // An edit works on a copy (a refused edit changes nothing); a create's draft is new and dropped on error, so it is used as it is.
  const issue: Issue = creating
    ? original
    : {
        ...original,
        labels: [...original.labels],
        componentIds: [...original.componentIds],
        fixVersionIds: [...original.fixVersionIds],
        versionIds: [...original.versionIds],
        sprintIds: [...original.sprintIds],
        custom: new Map(original.custom),
      };
  const items: ChangeItem[] = [];
  const errors: Record<string, string> = {};
  const comments: unknown[] = [];
  const push = (item: ChangeItem) => {
    if (!creating) items.push(item);
  };
  for (const [field, ops] of operations(fieldsArg, updateArg)) {
    if (field === 'project' || (field === 'issuetype' && creating)) continue;
    const labelsBefore = issue.labels.join(' ');
    for (const op of ops) {
      const value = op.value;
      switch (field) {
        case 'summary': {
          if (op.kind !== 'set' || typeof value !== 'string' || !value.trim()) {
            errors.summary = 'You must specify a summary of the issue.';
          } else if (value.length > 255) {
            errors.summary = 'Summary must be less than 255 characters.';
          } else if (value !== issue.summary) {
            push({
              field: 'summary',
              fieldtype: 'jira',
              fieldId: 'summary',
              from: null,
              fromString: issue.summary,
              to: null,
              toString: value,
            });
            issue.summary = value;
          }
          break;
        }
        case 'description':
        case 'environment': {
          const doc = readRichText(value, v);
          if (doc === undefined || op.kind !== 'set') errors[field] = v === '3' ? ADF_MESSAGE : `Field '${field}' must be a string.`;
          else {
            const before = adfToText(issue[field]);
            const after = adfToText(doc);
            if (before !== after)
              push({ field, fieldtype: 'jira', fieldId: field, from: null, fromString: before || null, to: null, toString: after || null });
            issue[field] = doc;
          }
          break;
        }
        case 'issuetype': {
          const t = namedIn(state.issueTypes.values(), value);
          if (!t || !project.issueTypeIds.includes(t.id)) errors.issuetype = 'Specify a valid issue type';
          else if (t.id !== issue.issueTypeId) {
            const from = state.issueTypes.get(issue.issueTypeId);
            push({
              field: 'issuetype',
              fieldtype: 'jira',
              fieldId: 'issuetype',
              from: issue.issueTypeId,
              fromString: from?.name ?? null,
              to: t.id,
              toString: t.name,
            });
            issue.issueTypeId = t.id;
          }
          break;
        }
        case 'priority': {
          const p = namedIn(state.priorities.values(), value);
          if (!p) errors.priority = 'The priority selected is invalid.';
          else if (p.id !== issue.priorityId) {
            push({
              field: 'priority',
              fieldtype: 'jira',
              fieldId: 'priority',
              from: issue.priorityId,
              fromString: state.priorities.get(issue.priorityId)?.name ?? null,
              to: p.id,
              toString: p.name,
            });
            issue.priorityId = p.id;
          }
          break;
        }
        case 'assignee':
        case 'reporter': {
          const u = userOf(state, value);
          const key = field === 'assignee' ? 'assigneeId' : 'reporterId';
          if (!u.ok) errors[field] = `User '${u.shown}' cannot be assigned issues.`;
          else if (u.id !== issue[key]) {
            push({
              field,
              fieldtype: 'jira',
              fieldId: field,
              from: issue[key],
              fromString: issue[key] ? (state.users.get(issue[key] as string)?.displayName ?? null) : null,
              to: u.id,
              toString: u.id ? (state.users.get(u.id)?.displayName ?? null) : null,
            });
            issue[key] = u.id;
          }
          break;
        }
        case 'labels': {
          const before = [...issue.labels];
          const values = op.kind === 'set' ? (Array.isArray(value) ? value : null) : [value];
          if (!values || values.some((l) => typeof l !== 'string' || l === '')) {
            errors.labels = 'The labels field must be an array of strings.';
            break;
          }
          const bad = (values as string[]).find((l) => /\s/.test(l) || l.length > 255);
          if (bad !== undefined) {
            errors.labels = `The label '${bad.slice(0, 100)}' contains spaces which is invalid.`;
            break;
          }
          if (op.kind === 'set') issue.labels = [...new Set(values as string[])];
          else if (op.kind === 'add') issue.labels = [...new Set([...issue.labels, ...(values as string[])])];
          else if (op.kind === 'remove') issue.labels = issue.labels.filter((l) => !values.includes(l));
          void before;
          break;
        }
        case 'components':
        case 'fixVersions':
        case 'versions': {
          const list = field === 'components' ? project.components : project.versions;
          const key = field === 'components' ? 'componentIds' : field === 'fixVersions' ? 'fixVersionIds' : 'versionIds';
          const values = op.kind === 'set' ? (Array.isArray(value) ? value : null) : [value];
          if (!values) {
            errors[field] = `Field '${field}' must be an array.`;
            break;
          }
          const found = values.map((x) => namedIn(list, x));
          const missing = values.findIndex((_, i) => !found[i]);
          if (missing >= 0) {
            const r = ref(values[missing]);
            errors[field] =
              field === 'components'
                ? `Component name '${String(r?.name ?? r?.id ?? '').slice(0, 100)}' is not valid`
                : `Version name '${String(r?.name ?? r?.id ?? '').slice(0, 100)}' is not valid`;
            break;
          }
          const ids = found.map((x) => (x as { id: string }).id);
          const before = [...issue[key]];
          if (op.kind === 'set') issue[key] = [...new Set(ids)];
          else if (op.kind === 'add') issue[key] = [...new Set([...issue[key], ...ids])];
          else if (op.kind === 'remove') issue[key] = issue[key].filter((id) => !ids.includes(id));
          const label = field === 'components' ? 'Component' : field === 'fixVersions' ? 'Fix Version' : 'Version';
          const name = (id: string) => list.find((x) => x.id === id)?.name ?? id;
          for (const id of issue[key])
            if (!before.includes(id))
              push({ field: label, fieldtype: 'jira', fieldId: field, from: null, fromString: null, to: id, toString: name(id) });
          for (const id of before)
            if (!issue[key].includes(id))
              push({ field: label, fieldtype: 'jira', fieldId: field, from: id, fromString: name(id), to: null, toString: null });
          break;
        }
        case 'duedate': {
          if (value !== null && (typeof value !== 'string' || !dateOnly.test(value) || Number.isNaN(Date.parse(value))))
            errors.duedate = "Error parsing date string: the date must be in the format 'yyyy-MM-dd'.";
          else if (value !== issue.duedate) {
            push({
              field: 'duedate',
              fieldtype: 'jira',
              fieldId: 'duedate',
              from: issue.duedate,
              fromString: issue.duedate ? `${issue.duedate} 00:00:00.0` : null,
              to: value as string | null,
              toString: value ? `${value} 00:00:00.0` : null,
            });
            issue.duedate = value as string | null;
          }
          break;
        }
        case 'parent': {
          const r = ref(value);
          const target = value === null ? null : findIssue(state, str(r?.key) ?? str(r?.id) ?? '');
          if (target === undefined || target?.id === issue.id) errors.parent = 'Could not find issue by id or key.';
          else if ((target?.id ?? null) !== issue.parentId) {
            const old = issue.parentId ? state.issues.get(issue.parentId) : undefined;
            push({
              field: 'IssueParentAssociation',
              fieldtype: 'jira',
              fieldId: 'parent',
              from: old?.id ?? null,
              fromString: old?.key ?? null,
              to: target?.id ?? null,
              toString: target?.key ?? null,
            });
            issue.parentId = target?.id ?? null;
          }
          break;
        }
        case 'comment': {
          if (op.kind === 'add') comments.push(value);
          else errors.comment = 'Comments can only be added.';
          break;
        }
        case 'customfield_10020': {
          const id = value === null ? null : Number(Array.isArray(value) ? value[0] : (ref(value)?.id ?? value));
          if (id !== null && !state.sprints.has(id)) errors[field] = `Sprint with id ${String(id).slice(0, 20)} does not exist.`;
          else {
            const before = issue.sprintIds.map((s) => state.sprints.get(s)?.name).join(', ');
            issue.sprintIds = id === null ? [] : [...issue.sprintIds.filter((s) => state.sprints.get(s)?.state === 'closed'), id];
            const after = issue.sprintIds.map((s) => state.sprints.get(s)?.name).join(', ');
            if (before !== after)
              push({
                field: 'Sprint',
                fieldtype: 'custom',
                fieldId: field,
                from: null,
                fromString: before || null,
                to: null,
                toString: after || null,
              });
          }
          break;
        }
        default: {
          const cf = state.customFields.get(field);
          if (!cf) {
            errors[field] = `Field '${field.slice(0, 100)}' cannot be set. It is not on the appropriate screen, or unknown.`;
            break;
          }
          const ok =
            value === null || (cf.type === 'number' ? typeof value === 'number' : cf.type === 'string' ? typeof value === 'string' : true);
          if (!ok) errors[field] = cf.type === 'number' ? `Operation value must be a number` : 'Operation value must be a string';
          else {
            const before = issue.custom.get(field);
            if (JSON.stringify(before ?? null) !== JSON.stringify(value)) {
              push({
                field: cf.name,
                fieldtype: 'custom',
                fieldId: field,
                from: null,
                fromString: before == null ? null : String(before),
                to: null,
                toString: value === null ? null : String(value),
              });
              if (value === null) issue.custom.delete(field);
              else issue.custom.set(field, value);
            }
          }
        }
      }
    }
    // One changelog item for every label operation of the request, as Jira records it.
    if (field === 'labels' && labelsBefore !== issue.labels.join(' ')) {
      push({
        field: 'labels',
        fieldtype: 'jira',
        fieldId: 'labels',
        from: null,
        fromString: labelsBefore || null,
        to: null,
        toString: issue.labels.join(' ') || null,
      });
    }
  }
  return { issue, items, errors, comments };
}
