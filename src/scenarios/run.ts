// `twins run`: twins (started here or already running), the app under test, and cucumber over the features, public or opened from the vault.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  type IRunConfiguration,
  type IRunEnvironment,
  type ISupportCodeLibrary,
  loadConfiguration,
  loadSupport,
  runCucumber,
} from '@cucumber/cucumber/api';
import { defaultTasksDir, loadTask } from '../../harness/task.ts';
import type { ScenarioResult } from '../../harness/types.ts';
import { loadCatalogue } from '../../scenarios/support/catalogue.ts';
import {
  DEFAULT_EVENTS_PATH,
  type ScenarioTwin,
  type Slot,
  type TwinEndpoint,
  type TwinsWorldParameters,
  withAppVariables,
} from '../../scenarios/support/config.ts';
import { ControlClient } from '../../scenarios/support/control-client.ts';
import type { RunningTwin } from '../adapters/fastify.ts';
import { startTwins } from '../cli/up.ts';
import { PlatformError } from '../errors.ts';
import { type OpenedHoldout, openHoldouts } from '../vault/index.ts';
import { type AppProcess, killNow, startApp } from './app.ts';
import { registerCleanup } from './cleanup.ts';
import { checkSteps, expandFeaturePaths, formatStepProblems, readSources } from './features.ts';
import { createPrivateDir, type PrivateDir } from './private-dir.ts';
import { scenarioResults } from './results.ts';
import { readTwinsEnv } from './twins-env.ts';

export interface RunOptions {
  /** Feature files or folders; default `features/` (a task's public features: harness/tasks/<task>/features). */
  paths: string[];
  cwd: string;
  /** A running app: needs `twinsEnv`, the file it was started with. */
  appUrl?: string;
  /** A command that starts the app; run once per parallel worker with its own tenant and PORT. */
  app?: string;
  /** The variables file of running twins (`twins up --env-file`); without it the twins start here. */
  twinsEnv?: string;
  tags?: string;
  parallel: number;
  junit?: string;
  messages?: string;
  /** Also run the sealed holdouts of `task`, opened with the identity. */
  holdouts?: { task?: string; vaultDir: string; identityPath?: string };
  /** Holdouts the caller (the grader) has already opened, held in memory; run with the rest. */
  opened?: OpenedHoldout[];
  /** Twins that are already running (the grader's): no start, no --twins-env. */
  twins?: Partial<Record<ScenarioTwin, TwinEndpoint>>;
  /** App slots the caller set up (the grader's app in its sandbox, on its tenant): no app start. */
  slots?: Slot[];
  eventsPath: string;
  /**
   * Where the app takes Okta's event hook and Jira's webhook (task.yaml `app.events.okta|jira`). When left
   * out, a task's own (the task whose features/ folder the paths are in, or the holdouts' --task) is used.
   */
  oktaEventHookPath?: string;
  jiraWebhookPath?: string;
  readyPath: string;
  appTimeoutMs: number;
  waitMs?: number;
  seed: number;
  rateLimits: boolean;
  /** Where progress lines go (stderr by default); cucumber's own output goes to `stdout`. */
  log: (line: string) => void;
  stdout: Writable;
  stderr: Writable;
}

export interface RunResult {
  success: boolean;
  features: number;
  holdouts: number;
  /** Every scenario's outcome, from cucumber's messages (read in memory, never kept on disk). */
  scenarios: ScenarioResult[];
}

const HERE = dirname(fileURLToPath(import.meta.url));
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const REGISTER = resolve(HERE, '../../scenarios/support', FROM_SOURCE ? 'register.ts' : 'register.js');

/** Cucumber's parallel workers are fresh Node processes: from source they need tsx to load the TypeScript step library. */
function workerNodeOptions(): string | undefined {
  if (!FROM_SOURCE) return process.env.NODE_OPTIONS;
  const tsx = import.meta.resolve('tsx');
  return [process.env.NODE_OPTIONS, `--import=${tsx}`].filter(Boolean).join(' ');
}

let sharedSupport: Promise<ISupportCodeLibrary> | undefined;

/**
 * The step library, loaded once per process for in-process (serial) runs. Cucumber imports it with
 * import(), which ESM caches, so a second run in the same process (the grader runs one per trial, some
 * at once) would find no step at all; cucumber accepts a loaded library instead (its API docs say so).
 */
function supportFor(runConfiguration: IRunConfiguration, environment: IRunEnvironment): Promise<ISupportCodeLibrary> {
  sharedSupport ??= loadSupport(runConfiguration, environment).catch((err) => {
    sharedSupport = undefined;
    throw err;
  });
  return sharedSupport;
}

function defaultPaths(cwd: string): string[] {
  for (const p of ['features']) {
    try {
      expandFeaturePaths([p], cwd);
      return [p];
    } catch {
      // Try the next.
    }
  }
  return [];
}

/**
 * The Okta and Jira event paths of the task the run is about: the task named for the holdouts, else the
 * task whose `features/` folder holds the public files (harness/tasks/ID/features/*.feature). Nothing when
 * neither is a task or its task.yaml names no such path.
 */
function taskHookPaths(files: string[], holdoutsTask: string | undefined, cwd: string): { okta?: string; jira?: string } {
  const dirs = new Set<string>();
  for (const f of files) if (basename(dirname(f)) === 'features') dirs.add(dirname(dirname(f)));
  const candidates: string[] = [...dirs];
  if (holdoutsTask) candidates.unshift(holdoutsTask);
  for (const c of candidates) {
    if (!c.includes('/') && !existsSync(join(defaultTasksDir(), c, 'task.yaml'))) continue;
    if (c.includes('/') && !existsSync(join(c, 'task.yaml'))) continue;
    try {
      const { events } = loadTask(c, { cwd }).app;
      return { okta: events.okta, jira: events.jira };
    } catch {
      // Not a loadable task: the run's own options (or none) apply.
    }
  }
  return {};
}

/** Run the scenarios; resolves to whether every one passed. Cleans up twins, apps, tenants and opened holdouts however it ends. */
export async function runScenarios(opts: RunOptions): Promise<RunResult> {
  if (opts.appUrl && opts.app) throw new PlatformError('TWINS_USAGE', 'give --app-url or --app, not both', 'Run `twins run --help`.');
  if (opts.appUrl && !opts.twinsEnv) {
    throw new PlatformError(
      'TWINS_USAGE',
      '--app-url needs --twins-env: the running app must use the credentials of twins that are already running',
      'Start the twins with `twins up --env-file .env.twins`, start the app with those variables, then pass both --app-url and --twins-env .env.twins.',
    );
  }
  if (opts.appUrl && opts.parallel > 1) {
    throw new PlatformError(
      'TWINS_USAGE',
      '--parallel above 1 needs --app: one running app has one workspace, so its scenarios cannot run side by side',
      'Pass --app "CMD" to start one app per worker, or drop --parallel.',
    );
  }

  const catalogue = await loadCatalogue();
  const publicFiles = expandFeaturePaths(
    opts.paths.length > 0 ? opts.paths : opts.holdouts || opts.opened ? [] : defaultPaths(opts.cwd),
    opts.cwd,
  );

  const cleanups: (() => Promise<void> | void)[] = [];
  let privateDir: PrivateDir | undefined;
  try {
    // Holdouts: opened in memory, then written only to a private folder cucumber can read.
    const holdoutFiles: string[] = [];
    let holdoutSources: { uri: string; text: string }[] = [];
    // The private folder also takes cucumber's messages, which quote every scenario run.
    privateDir = createPrivateDir();
    const dir = privateDir;
    const opened: OpenedHoldout[] = [...(opts.opened ?? [])];
    if (opts.holdouts) {
      const fromVault = await openHoldouts({
        vaultDir: opts.holdouts.vaultDir,
        identityPath: opts.holdouts.identityPath,
        task: opts.holdouts.task,
      });
      opened.push(...fromVault);
      opts.log(
        `twins run: ${fromVault.length} sealed holdout feature(s)${opts.holdouts.task ? ` of task ${opts.holdouts.task}` : ''} opened`,
      );
    }
    for (const h of opened) {
      const file = dir.write(`${h.id}.feature`, h.text);
      holdoutFiles.push(file);
      holdoutSources.push({ uri: file, text: h.text });
    }
    const files = [...publicFiles, ...holdoutFiles];
    if (files.length === 0) {
      throw new PlatformError(
        'TWINS_NO_FEATURES',
        opts.holdouts
          ? `no feature to run: no public paths given and no holdout${opts.holdouts.task ? ` for task ${opts.holdouts.task}` : ''} in the vault`
          : 'no .feature file found (looked in features/)',
        'Pass feature files or folders: `twins run path/to/features`.',
      );
    }

    // Every scenario must have steps, every line must be a step, every step defined once, before anything starts.
    const problems = checkSteps([...readSources(publicFiles), ...holdoutSources], catalogue);
    holdoutSources = [];
    if (problems.length > 0) {
      throw new PlatformError(
        'TWINS_SCENARIO_INVALID',
        `${problems.length} problem(s) in the scenarios, so none was run:\n${formatStepProblems(problems, opts.cwd)}\n`,
        'Fix the lines named (a misspelt keyword turns a step into text that never runs); `twins steps` lists every defined step with an example.',
      );
    }

    // The twins.
    const twins: Partial<Record<ScenarioTwin, TwinEndpoint>> = {};
    let envVars: Record<string, string> = {};
    if (opts.twins) {
      Object.assign(twins, opts.twins);
    } else if (opts.twinsEnv) {
      const found = await readTwinsEnv(opts.twinsEnv);
      Object.assign(twins, found.twins);
      envVars = found.vars;
      for (const [name, t] of Object.entries(found.twins)) opts.log(`twins run: ${name} twin at ${t.url} (from ${opts.twinsEnv})`);
    } else {
      const { running, summary } = await startTwins({
        twins: [],
        host: '127.0.0.1',
        port: 0,
        seed: opts.seed,
        rateLimits: opts.rateLimits,
      });
      const list: RunningTwin[] = [...running.values()];
      cleanups.push(() => Promise.all(list.map((t) => t.close())).then(() => undefined));
      for (const [name, s] of Object.entries(summary)) {
        twins[name as ScenarioTwin] = { url: s.url, control: s.control };
        opts.log(`twins run: ${name} twin started at ${s.url}`);
      }
    }

    // The app: bound slots, one per worker.
    let slots: Slot[] | undefined;
    if (opts.slots) {
      slots = opts.slots;
    } else if (opts.appUrl) {
      const tenants: Slot['tenants'] = {};
      // The control plane names tenants by id only: the env file says which tenant its variables
      // are (`twins up` writes TWINS_SLACK_TENANT; older files meant the default tenant).
      if (twins.slack && envVars.SLACK_BOT_TOKEN) tenants.slack = envVars.TWINS_SLACK_TENANT || 'default';
      slots = [{ appUrl: opts.appUrl.replace(/\/$/, ''), tenants }];
      opts.log(`twins run: app at ${opts.appUrl}`);
    } else if (opts.app) {
      slots = [];
      const workers = Math.max(1, opts.parallel);
      for (let i = 0; i < workers; i++) {
        const tenants: Slot['tenants'] = {};
        const env: Record<string, string> = {};
        const running = Object.entries(twins) as [ScenarioTwin, TwinEndpoint][];
        // Features across twins get one company per app: the same people in every twin, with cross-twin effects.
        const hub = running.length > 1 ? new ControlClient(running[0][1].control, undefined, running[0][1].token) : undefined;
        const company = hub
          ? await hub.createCompany(
              { seed: opts.seed },
              running.map(([n]) => n),
            )
          : undefined;
        if (hub && company) {
          for (const [name] of running) {
            tenants[name] = company.id;
            Object.assign(env, withAppVariables(company.twins[name]?.env ?? {}));
          }
          cleanups.push(async () => {
            await hub.deleteCompany(company.id).catch(() => undefined);
          });
        }
        for (const [name, endpoint] of company ? [] : running) {
          const client = new ControlClient(endpoint.control, undefined, endpoint.token);
          const t = await client.createTenant({ seed: opts.seed });
          tenants[name] = t.id;
          Object.assign(env, withAppVariables(t.env));
          cleanups.push(async () => {
            await client.deleteTenant(t.id).catch(() => undefined);
          });
        }
        const started = Date.now();
        const app: AppProcess = await startApp({
          command: opts.app,
          cwd: opts.cwd,
          env,
          readyPath: opts.readyPath,
          timeoutMs: opts.appTimeoutMs,
        });
        // Apps run in their own process group: a signal to `twins run` must still stop them.
        const unregister = registerCleanup(() => killNow(app.child.pid));
        cleanups.push(async () => {
          await app.stop();
          unregister();
        });
        opts.log(`twins run: app ${i + 1}/${workers} ready at ${app.url} in ${Date.now() - started} ms`);
        slots.push({ appUrl: app.url, tenants });
      }
    }

    const hooks = taskHookPaths(publicFiles, opts.holdouts?.task, opts.cwd);
    const oktaEventHookPath = opts.oktaEventHookPath ?? hooks.okta;
    const jiraWebhookPath = opts.jiraWebhookPath ?? hooks.jira;
    const worldParameters: TwinsWorldParameters = {
      twins,
      slots,
      eventsPath: opts.eventsPath,
      ...(oktaEventHookPath ? { oktaEventHookPath } : {}),
      ...(jiraWebhookPath ? { jiraWebhookPath } : {}),
      waitMs: opts.waitMs,
    };
    const resultsFile = `${dir.path}/results.ndjson`;
    const format = ['progress', `message:${resultsFile}`];
    for (const [kind, path] of [
      ['junit', opts.junit],
      ['message', opts.messages],
    ] as const) {
      if (!path) continue;
      const abs = resolve(opts.cwd, path);
      mkdirSync(dirname(abs), { recursive: true });
      format.push(`${kind}:${abs}`);
    }
    if (opts.holdouts && opts.messages) {
      opts.log('twins run: note: the --messages file holds the holdouts’ full text; keep it out of the repo and away from agents');
    }
    const environment = {
      cwd: opts.cwd,
      stdout: opts.stdout,
      stderr: opts.stderr,
      env: { ...process.env, NODE_OPTIONS: workerNodeOptions() },
    };
    const { runConfiguration } = await loadConfiguration(
      {
        file: false,
        provided: {
          paths: files,
          import: [REGISTER],
          tags: opts.tags ?? '',
          parallel: opts.parallel > 1 ? opts.parallel : 0,
          strict: true,
          format,
          worldParameters: worldParameters as unknown as Record<string, never>,
        },
      },
      environment,
    );
    opts.log(`twins run: ${files.length} feature file(s)${opts.parallel > 1 ? `, ${opts.parallel} workers` : ''}`);
    // Parallel workers load the library themselves; serial runs share one load.
    const support = opts.parallel > 1 ? runConfiguration.support : await supportFor(runConfiguration, environment);
    const { success } = await runCucumber({ ...runConfiguration, support }, environment);
    let scenarios: ScenarioResult[] = [];
    try {
      const lines = readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean);
      scenarios = scenarioResults(lines.map((l) => JSON.parse(l)));
    } catch (err) {
      opts.log(`twins run: could not read the scenario results: ${(err as Error).message}`);
    }
    return { success, features: files.length, holdouts: holdoutFiles.length, scenarios };
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // Keep cleaning up.
      }
    }
    privateDir?.remove();
  }
}

export { DEFAULT_EVENTS_PATH };
