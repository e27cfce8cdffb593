// Loads a task (harness/tasks/ID/: task.yaml, brief.md, features/, reference/) into a TaskSpec, with the schema's defaults and clear errors.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_EVENTS_PATH, type ScenarioTwin } from '../scenarios/support/config.ts';
import { PlatformError } from '../src/errors.ts';
import { defaultVaultDir } from '../src/vault/paths.ts';
import { TASK_ID } from '../src/vault/vault-index.ts';
import type { TaskLimits, TaskSpec } from './types.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The repository this harness belongs to. */
export const REPO_ROOT = resolve(HERE, '..');

/** Where tasks live unless told otherwise: `harness/tasks` of this repository. */
export function defaultTasksDir(): string {
  return join(HERE, 'tasks');
}

/** The twins a task may name (the ones the step library knows). */
export const KNOWN_TWINS: readonly ScenarioTwin[] = ['slack', 'okta', 'jira'];

/** What a task.yaml leaves out. Generous for real agents; tests and tasks tighten them. */
export const TASK_DEFAULTS = {
  install: 'npm install --no-audit --no-fund',
  start: 'npm start',
  readyPath: '/',
  events: { slack: DEFAULT_EVENTS_PATH } as Partial<Record<ScenarioTwin, string>>,
  limits: {
    agentSeconds: 1800,
    installSeconds: 300,
    appStartSeconds: 60,
    outputBytes: 1_000_000,
    processes: 256,
    workspaceBytes: 2 * 1024 ** 3,
  } satisfies TaskLimits,
} as const;

/** task.yaml's JSON Schema: unknown keys are refused so that a typo does not silently fall back to a default. */
export const TASK_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: {
    id: { type: 'string', pattern: TASK_ID.source },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    twins: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...KNOWN_TWINS] } },
    app: {
      type: 'object',
      additionalProperties: false,
      properties: {
        install: { type: 'string', minLength: 1 },
        start: { type: 'string', minLength: 1 },
        readyPath: { type: 'string', pattern: '^/' },
        events: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(KNOWN_TWINS.map((t) => [t, { type: 'string', pattern: '^/' }])),
        },
      },
    },
    holdouts: {
      type: 'object',
      additionalProperties: false,
      required: ['vault'],
      properties: {
        vault: { type: 'string', minLength: 1 },
        demoIdentity: { type: 'string', minLength: 1 },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        agentSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 86_400 },
        installSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 86_400 },
        appStartSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
        outputBytes: { type: 'integer', minimum: 1024 },
        processes: { type: 'integer', minimum: 1 },
        workspaceBytes: { type: 'integer', minimum: 1024 * 1024 },
      },
    },
  },
} as const;

interface TaskYaml {
  id?: string;
  title: string;
  description?: string;
  twins?: ScenarioTwin[];
  app?: { install?: string; start?: string; readyPath?: string; events?: Partial<Record<ScenarioTwin, string>> };
  limits?: Partial<TaskLimits>;
  holdouts?: { vault: string; demoIdentity?: string };
}

let validator: ReturnType<Ajv2020['compile']> | undefined;

function validate(doc: unknown): ErrorObject[] {
  validator ??= new Ajv2020({ allErrors: true, strict: true }).compile(TASK_SCHEMA);
  return validator(doc) ? [] : (validator.errors ?? []);
}

/** One ajv error as a person reads it: `app.readyPath must match pattern "^/"`, `unknown key "limit"`. */
function describeError(e: ErrorObject): string {
  const where = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'the file';
  if (e.keyword === 'additionalProperties')
    return `${where === 'the file' ? '' : `${where}: `}unknown key "${e.params.additionalProperty}"`;
  if (e.keyword === 'enum') return `${where} must be one of ${(e.params.allowedValues as string[]).join(', ')}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

function invalid(file: string, why: string): PlatformError {
  return new PlatformError('TWINS_TASK_INVALID', `${file}: ${why}`, 'Fix the file; docs/harness.md describes task.yaml and its defaults.');
}

/** Is `arg` a path (it has a slash or starts with a dot) rather than a bare id? */
function looksLikePath(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || arg.startsWith('.') || isAbsolute(arg);
}

function isTaskDir(dir: string): boolean {
  return existsSync(join(dir, 'task.yaml'));
}

/** The ids of the tasks in `tasksDir` (folders holding a task.yaml), sorted. */
export function taskIds(tasksDir = defaultTasksDir()): string[] {
  if (!existsSync(tasksDir)) return [];
  return readdirSync(tasksDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && isTaskDir(join(tasksDir, d.name)))
    .map((d) => d.name)
    .sort();
}

/** Find the task folder for an id (in `tasksDir`) or a path (from `cwd`). */
export function resolveTaskDir(idOrPath: string, opts: { tasksDir?: string; cwd?: string } = {}): string {
  const tasksDir = resolve(opts.cwd ?? process.cwd(), opts.tasksDir ?? defaultTasksDir());
  const cwd = opts.cwd ?? process.cwd();
  const candidates = looksLikePath(idOrPath) ? [resolve(cwd, idOrPath)] : [join(tasksDir, idOrPath)];
  for (const dir of candidates) if (isTaskDir(dir)) return dir;
  const known = taskIds(tasksDir);
  const where = looksLikePath(idOrPath) ? `${candidates[0]} holds no task.yaml` : `no task "${idOrPath}" in ${tasksDir}`;
  throw new PlatformError(
    'TWINS_TASK_NOT_FOUND',
    `${where}${known.length > 0 ? ` (tasks there: ${known.join(', ')})` : ''}`,
    '`twins task list` names the tasks; pass an id from it, or the path of a folder holding task.yaml.',
  );
}

/**
 * Load a task by id (a folder of `tasksDir`, default harness/tasks) or by the path of its folder:
 * task.yaml validated and completed with the defaults, brief.md's text, the public features and
 * the reference solution's folder. Throws TWINS_TASK_NOT_FOUND or TWINS_TASK_INVALID.
 *
 * @example const task = loadTask('incident-bot'); const sample = loadTask('test/fixtures/tasks/sample');
 */
export function loadTask(idOrPath: string, opts: { tasksDir?: string; cwd?: string } = {}): TaskSpec {
  const dir = resolveTaskDir(idOrPath, opts);
  const file = join(dir, 'task.yaml');
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalid(file, `not readable YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw invalid(file, 'must be a mapping (id, title, twins, app, limits)');
  const errors = validate(doc);
  if (errors.length > 0) throw invalid(file, errors.map(describeError).join('; '));
  const y = doc as TaskYaml;
  const id = y.id ?? basename(dir);
  if (!TASK_ID.test(id)) throw invalid(file, `the folder name "${id}" is not a task id; give one with \`id:\``);
  // Looked up by id, the folder and the id must agree: the vault files holdouts under the id.
  if (!looksLikePath(idOrPath) && id !== idOrPath) throw invalid(file, `its id "${id}" differs from its folder name "${idOrPath}"`);

  const briefFile = join(dir, 'brief.md');
  let brief: string;
  try {
    brief = readFileSync(briefFile, 'utf8');
  } catch {
    throw invalid(briefFile, 'missing: every task needs a brief.md saying what to build');
  }
  if (brief.trim() === '') throw invalid(briefFile, 'is empty: say what to build');

  const featuresDir = join(dir, 'features');
  const publicFeatures = existsSync(featuresDir)
    ? readdirSync(featuresDir)
        .filter((n) => n.endsWith('.feature') && statSync(join(featuresDir, n)).isFile())
        .sort()
        .map((n) => join(featuresDir, n))
    : [];

  const twins = y.twins ?? ['slack'];
  const holdouts = y.holdouts ? taskVault(file, dir, y.holdouts) : undefined;
  return {
    id,
    title: y.title,
    twins,
    app: {
      install: y.app?.install ?? TASK_DEFAULTS.install,
      start: y.app?.start ?? TASK_DEFAULTS.start,
      readyPath: y.app?.readyPath ?? TASK_DEFAULTS.readyPath,
      // Slack's path has a default; Okta's event hook and Jira's webhook point at the app only where task.yaml says.
      events: {
        ...Object.fromEntries(twins.flatMap((t) => (TASK_DEFAULTS.events[t] ? [[t, TASK_DEFAULTS.events[t]]] : []))),
        ...y.app?.events,
      },
    },
    limits: { ...TASK_DEFAULTS.limits, ...y.limits },
    dir,
    brief,
    publicFeatures,
    referenceDir: join(dir, 'reference'),
    ...(holdouts ? { holdouts } : {}),
  };
}

/**
 * task.yaml's `holdouts:`, resolved: a vault of the task's own inside its folder, and for a demo the
 * identity shipped beside it. Both must stay inside the task folder, so a task cannot point the
 * grader at some other vault or at a real identity elsewhere on the machine.
 */
function taskVault(file: string, dir: string, h: { vault: string; demoIdentity?: string }): { vault: string; demoIdentity?: string } {
  const inside = (what: string, rel: string) => {
    const abs = resolve(dir, rel);
    const back = relative(dir, abs);
    if (back === '' || back.startsWith('..') || isAbsolute(back))
      throw invalid(file, `holdouts.${what} must be a path inside the task folder, got "${rel}"`);
    return abs;
  };
  const vault = inside('vault', h.vault);
  if (h.demoIdentity === undefined) return { vault };
  const demoIdentity = inside('demoIdentity', h.demoIdentity);
  let text = '';
  try {
    text = readFileSync(demoIdentity, 'utf8');
  } catch {
    throw invalid(file, `holdouts.demoIdentity: no file at ${demoIdentity}`);
  }
  // A real identity must never be committed beside a task: only one that says it is a public demo is accepted.
  if (!DEMO_IDENTITY_MARK.test(text))
    throw invalid(
      file,
      `holdouts.demoIdentity: ${basename(demoIdentity)} does not say it is a demo identity (a "# twins: demo identity" line)`,
    );
  return { vault, demoIdentity };
}

/** The line a shipped demo identity must carry (src/vault/keys.ts reads the same mark). */
const DEMO_IDENTITY_MARK = /^#\s*twins:\s*demo identity\b/im;

/**
 * Where a task's holdouts are and what opens them: `--vault`/`--identity` when given; else the task's own
 * vault (task.yaml `holdouts:`) with its demo identity; else the project's vault and the usual identity
 * (`--identity`, TWINS_VAULT_IDENTITY, TWINS_VAULT_IDENTITY_DATA, ~/.config/twins/vault-identity.txt).
 *
 * @example const { vaultDir, identityPath } = taskHoldoutSource(loadTask('demo'), { cwd });
 */
export function taskHoldoutSource(
  task: TaskSpec,
  opts: { vaultDir?: string; identityPath?: string; cwd?: string },
): { vaultDir: string; identityPath?: string } {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.vaultDir !== undefined) return { vaultDir: resolve(cwd, opts.vaultDir), identityPath: opts.identityPath };
  if (task.holdouts) return { vaultDir: task.holdouts.vault, identityPath: opts.identityPath ?? task.holdouts.demoIdentity };
  return { vaultDir: defaultVaultDir(cwd), identityPath: opts.identityPath };
}

/** Every task in `tasksDir`, loaded; a task that does not load is listed with its error instead. */
export function listTasks(opts: { tasksDir?: string; cwd?: string } = {}): { id: string; task?: TaskSpec; error?: string }[] {
  const tasksDir = resolve(opts.cwd ?? process.cwd(), opts.tasksDir ?? defaultTasksDir());
  return taskIds(tasksDir).map((id) => {
    try {
      return { id, task: loadTask(id, { ...opts, tasksDir }) };
    } catch (err) {
      return { id, error: err instanceof PlatformError ? err.message : String(err) };
    }
  });
}
