// A company seed file (YAML or JSON): read, checked against schemas/company.schema.json and for references between its parts, and defaulted into a CompanyPlan.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { CompanyApp, CompanyChannel, CompanyGroup, CompanyIssue, CompanyPerson, CompanyPlan, CompanyProject } from './types.ts';

/** A company file that does not hold: `problems` name the field (`people[2].manager`) and what is wrong. */
export class CompanyInvalid extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(
      `${source} is not a valid company: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? ` (and ${problems.length - 8} more)` : ''}`,
    );
  }
}

let schemaValidator: ValidateFunction | undefined;
let schemaDoc: Record<string, unknown> | undefined;

/** The JSON Schema of a company file (schemas/company.schema.json). */
export function companySchema(): Record<string, unknown> {
  if (!schemaDoc) {
    // schemas/ sits at the package root: two folders up in a clone (src/company), three in dist/src/company.
    const candidates = ['../../schemas/company.schema.json', '../../../schemas/company.schema.json'].map(
      (p) => new URL(p, import.meta.url),
    );
    const found = candidates.find((u) => existsSync(u)) ?? candidates[0];
    schemaDoc = JSON.parse(readFileSync(found, 'utf8')) as Record<string, unknown>;
  }
  return schemaDoc;
}

/**
 * ajv and yaml are loaded when a company is first checked or read (a file, a startTwins option, a
 * POST /_twin/companies body), never at start: `twins up` without --company does not pay for them.
 */
const load = createRequire(import.meta.url);

function validator(): ValidateFunction {
  if (!schemaValidator) {
    const { Ajv2020 } = load('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
    schemaValidator = ajv.compile(companySchema());
  }
  return schemaValidator;
}

/** `/people/2/manager` → `people[2].manager`. */
function fieldName(path: string): string {
  if (path === '') return '(top level)';
  return path
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function describe(e: ErrorObject): string {
  const at = fieldName(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${at === '(top level)' ? '' : `${at}.`}${String(p.missingProperty)} is required`;
    case 'additionalProperties':
      return `${at === '(top level)' ? '' : `${at}.`}${String(p.additionalProperty)} is not a field a company file has`;
    case 'enum':
      return `${at} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern': {
      const desc = (e.parentSchema as { description?: string } | undefined)?.description;
      return `${at} has the wrong form, ${JSON.stringify(String(e.data).slice(0, 60))}${desc ? ` (${desc})` : ` (${e.message ?? 'pattern'})`}`;
    }
    default:
      return `${at} ${e.message ?? 'is wrong'}`;
  }
}

/** Read a company file (`.yaml`, `.yml` or `.json`) and check it. Throws CompanyInvalid naming every bad field. */
export function loadCompanyFile(path: string): CompanyPlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CompanyInvalid(path, [`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(path) ? JSON.parse(text) : (load('yaml') as typeof import('yaml')).parse(text);
  } catch (err) {
    throw new CompanyInvalid(path, [`is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`]);
  }
  return companyPlan(doc, path);
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

type Raw = Record<string, unknown>;
const arr = (v: unknown): Raw[] => (Array.isArray(v) ? (v as Raw[]) : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/**
 * Check a company document (parsed YAML or JSON, or a control-plane body) and fill in its defaults.
 * Throws CompanyInvalid naming each bad field; `source` names where it came from.
 *
 * @example companyPlan({ name: 'Acme', people: [{ name: 'Bob Brown', department: 'Platform' }] }).people[0].email // 'bob@acme.test'
 */
export function companyPlan(doc: unknown, source = 'the company'): CompanyPlan {
  const validate = validator();
  if (!validate(doc)) {
    const seen = new Set<string>();
    const problems = (validate.errors ?? []).map(describe).filter((p) => !seen.has(p) && seen.add(p));
    throw new CompanyInvalid(source, problems);
  }
  const d = doc as Raw;
  const problems: string[] = [];
  const name = d.name as string;
  const domain = (d.domain as string | undefined) ?? `${slug(name).slice(0, 40) || 'company'}.test`;

  const people: CompanyPerson[] = arr(d.people).map((p, i) => {
    const [firstName, ...rest] = (p.name as string).split(' ');
    const handle = (p.handle as string | undefined) ?? slug(firstName).replace(/-/g, '');
    if (!/^[a-z][a-z0-9._-]{0,39}$/.test(handle)) problems.push(`people[${i}].handle: give one (the first name "${firstName}" makes none)`);
    const status = (p.status as string | undefined) ?? 'active';
    return {
      handle,
      firstName,
      lastName: rest.join(' '),
      email: (p.email as string | undefined) ?? `${handle}@${domain}`,
      title: (p.title as string | undefined) ?? '',
      department: (p.department as string | undefined) ?? 'General',
      manager: (p.manager as string | undefined) ?? null,
      timezone: (p.timezone as string | undefined) ?? 'Etc/UTC',
      status: ({ active: 'ACTIVE', staged: 'STAGED', suspended: 'SUSPENDED', deactivated: 'DEPROVISIONED' } as const)[status as 'active'],
      slack: (p.slack as boolean | undefined) ?? true,
      jira: (p.jira as boolean | undefined) ?? true,
      admin: (p.admin as boolean | undefined) ?? false,
    };
  });
  if (!people.some((p) => p.admin)) people[0].admin = true;
  const handles = new Set<string>();
  const emails = new Set<string>();
  people.forEach((p, i) => {
    if (handles.has(p.handle))
      problems.push(`people[${i}].handle: "${p.handle}" is taken by an earlier person; give each a handle of their own`);
    handles.add(p.handle);
    if (emails.has(p.email.toLowerCase())) problems.push(`people[${i}].email: "${p.email}" is taken by an earlier person`);
    emails.add(p.email.toLowerCase());
  });
  const checkHandle = (h: string | null | undefined, at: string) => {
    if (h && !handles.has(h)) problems.push(`${at}: no person has the handle "${h}"`);
  };
  people.forEach((p, i) => {
    checkHandle(p.manager, `people[${i}].manager`);
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: p.timezone });
    } catch {
      problems.push(`people[${i}].timezone: "${p.timezone}" is not an IANA time zone (e.g. Europe/London)`);
    }
    if (p.manager === p.handle) problems.push(`people[${i}].manager: a person cannot manage themselves`);
  });

  const departments = [...new Set(people.map((p) => p.department))];
  const groups: CompanyGroup[] =
    d.groups === undefined
      ? departments.map((dept) => ({
          name: dept,
          description: `People in ${dept}`,
          members: people.filter((p) => p.department === dept).map((p) => p.handle),
        }))
      : arr(d.groups).map((g, i) => {
          const members = g.members === undefined ? people.filter((p) => p.department === g.name).map((p) => p.handle) : strs(g.members);
          members.forEach((h, j) => {
            checkHandle(h, `groups[${i}].members[${j}]`);
          });
          return { name: g.name as string, description: (g.description as string | undefined) ?? null, members: [...new Set(members)] };
        });
  const groupNames = new Set<string>();
  groups.forEach((g, i) => {
    if (g.name === 'Everyone' || groupNames.has(g.name)) problems.push(`groups[${i}].name: "${g.name}" is taken`);
    groupNames.add(g.name);
  });
  const groupMembers = (ref: unknown, at: string): string[] => {
    if (ref === undefined) return [];
    const g = groups.find((x) => x.name === ref);
    if (!g) problems.push(`${at}: no group is called "${String(ref)}"`);
    return g ? g.members : [];
  };

  const channels: CompanyChannel[] =
    d.channels === undefined
      ? groups
          .filter((g) => slug(g.name) && !['general', 'random'].includes(slug(g.name)))
          .map((g) => ({
            name: slug(g.name).slice(0, 80),
            private: false,
            topic: '',
            purpose: g.description ?? '',
            members: [...g.members],
          }))
      : arr(d.channels).map((c, i) => {
          const members = [...groupMembers(c.group, `channels[${i}].group`), ...strs(c.members)];
          strs(c.members).forEach((h, j) => {
            checkHandle(h, `channels[${i}].members[${j}]`);
          });
          return {
            name: c.name as string,
            private: (c.private as boolean | undefined) ?? false,
            topic: (c.topic as string | undefined) ?? '',
            purpose: (c.purpose as string | undefined) ?? '',
            members: [...new Set(members)],
          };
        });
  const channelNames = new Set(['general', 'random']);
  channels.forEach((c, i) => {
    if (channelNames.has(c.name)) problems.push(`channels[${i}].name: "${c.name}" is taken (#general and #random always exist)`);
    channelNames.add(c.name);
  });

  const jiraPeople = people.filter((p) => p.jira);
  const leadFor = (members: string[]) =>
    members.find((h) => jiraPeople.some((p) => p.handle === h)) ?? jiraPeople[0]?.handle ?? people[0].handle;
  const projects: CompanyProject[] =
    d.projects === undefined
      ? groups.flatMap((g) => {
          const key = g.name
            .toUpperCase()
            .replace(/[^A-Z0-9]/g, '')
            .replace(/^[0-9]+/, '')
            .slice(0, 10);
          if (key.length < 2) return [];
          return [{ key, name: g.name, description: g.description ?? '', lead: leadFor(g.members), members: [...g.members] }];
        })
      : arr(d.projects).map((p, i) => {
          const members = [...groupMembers(p.group, `projects[${i}].group`), ...strs(p.members)];
          strs(p.members).forEach((h, j) => {
            checkHandle(h, `projects[${i}].members[${j}]`);
          });
          checkHandle(p.lead as string | undefined, `projects[${i}].lead`);
          return {
            key: p.key as string,
            name: (p.name as string | undefined) ?? (p.key as string),
            description: (p.description as string | undefined) ?? '',
            lead: (p.lead as string | undefined) ?? leadFor(members),
            members: [...new Set(members)],
          };
        });
  const keys = new Set<string>();
  const uniqueProjects = d.projects === undefined ? projects.filter((p) => !keys.has(p.key) && keys.add(p.key)) : projects;
  if (d.projects !== undefined)
    projects.forEach((p, i) => {
      if (keys.has(p.key)) problems.push(`projects[${i}].key: "${p.key}" is taken`);
      keys.add(p.key);
    });
  for (const [i, p] of uniqueProjects.entries())
    if (!jiraPeople.some((x) => x.handle === p.lead)) problems.push(`projects[${i}].lead: "${p.lead}" has no Jira account (jira: false)`);

  const issues: CompanyIssue[] = arr(d.issues).map((x, i) => {
    if (!keys.has(x.project as string)) problems.push(`issues[${i}].project: no project has the key "${String(x.project)}"`);
    for (const role of ['assignee', 'reporter'] as const) {
      const h = x[role] as string | undefined;
      checkHandle(h, `issues[${i}].${role}`);
      if (h && handles.has(h) && !jiraPeople.some((p) => p.handle === h)) problems.push(`issues[${i}].${role}: "${h}" has no Jira account`);
    }
    return {
      project: x.project as string,
      summary: x.summary as string,
      description: (x.description as string | undefined) ?? '',
      type: (x.type as CompanyIssue['type'] | undefined) ?? 'Task',
      status: (x.status as CompanyIssue['status'] | undefined) ?? 'To Do',
      assignee: (x.assignee as string | undefined) ?? null,
      reporter: (x.reporter as string | undefined) ?? null,
      labels: strs(x.labels),
    };
  });

  const apps: CompanyApp[] =
    d.apps === undefined
      ? [
          { label: 'Slack', people: [], groups: ['Everyone'] },
          { label: 'Jira', people: [], groups: ['Everyone'] },
        ]
      : arr(d.apps).map((a, i) => {
          strs(a.people).forEach((h, j) => {
            checkHandle(h, `apps[${i}].people[${j}]`);
          });
          strs(a.groups).forEach((g, j) => {
            if (g !== 'Everyone' && !groupNames.has(g)) problems.push(`apps[${i}].groups[${j}]: no group is called "${g}"`);
          });
          return { label: a.label as string, people: [...new Set(strs(a.people))], groups: [...new Set(strs(a.groups))] };
        });
  const labels = new Set<string>();
  apps.forEach((a, i) => {
    if (labels.has(a.label)) problems.push(`apps[${i}].label: "${a.label}" is taken`);
    labels.add(a.label);
  });

  if (problems.length > 0) throw new CompanyInvalid(source, problems);
  const prov = (d.provisioning ?? {}) as Raw;
  return {
    name,
    domain,
    people,
    groups,
    channels,
    projects: uniqueProjects,
    issues,
    apps,
    credentials: (d.credentials as CompanyPlan['credentials'] | undefined) ?? {},
    provisioning: { slack: (prov.slack as boolean | undefined) ?? true, jira: (prov.jira as boolean | undefined) ?? true },
  };
}
