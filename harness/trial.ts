// One trial: the grader's proxy in front of the twins, a practice tenant and a fresh workspace for the agent in its sandbox, then a fresh graded tenant for the app installed and started there, the holdouts run from outside, the app stopped, a contamination scan, and teardown.

import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { type ScenarioTwin, type TwinEndpoint, withAppVariables } from '../scenarios/support/config.ts';
import { ControlClient } from '../scenarios/support/control-client.ts';
import { PlatformError } from '../src/errors.ts';
import { tenantPrefix } from '../src/host.ts';
import { freePort, killNow, stopProcessGroup } from '../src/scenarios/app.ts';
import { registerCleanup } from '../src/scenarios/cleanup.ts';
import { runScenarios } from '../src/scenarios/run.ts';
import type { OpenedHoldout } from '../src/vault/index.ts';
import { cleanUsage } from './agents/usage.ts';
import { type Needles, RequestScanner, scanContamination } from './contamination.ts';
import { trialFidelity } from './fidelity.ts';
import { startTrialProxy, type TrialProxy } from './proxy.ts';
import { sanitiseTrialResult } from './report/sanitise.ts';
import { REPO_ROOT } from './task.ts';
import {
  type Agent,
  type AgentOutcome,
  type FailureKind,
  type IsolationKind,
  RESULT_SCHEMA_VERSION,
  type Sandbox,
  type SandboxRequest,
  type SandboxResult,
  type ScenarioResult,
  type TaskSpec,
  type TrialResult,
} from './types.ts';

/** What a running trial is doing, for progress displays. */
export type TrialStage = 'setup' | 'agent' | 'install' | 'start' | 'grade' | 'scan' | 'teardown';

/** An app under test, however it was started (in the sandbox, as a plain process, in this process). */
export interface LaunchedApp {
  pid?: number;
  /** Its output so far (bounded). */
  output(): string;
  /** Resolves, saying how, when it ends on its own. */
  ended: Promise<string>;
  /** Stop it; resolves to its whole (bounded) output. */
  stop(): Promise<string>;
}

/** What starting the app (or running its install) is given: its folder, its whole environment, and, in a sandbox, its network and workspace cap. */
export interface LaunchRequest {
  dir: string;
  /** The graded tenant's variables (URLs through the grader's proxy), PORT, and HOST when asked. */
  env: Record<string, string>;
  wallMs: number;
  /** The sandbox's network: the proxy's ports, and the app's PORT as `listenPort`. A plain process ignores it. */
  network?: SandboxRequest['network'];
  workspaceBytes?: number;
}

/** Starts the app in `dir` with `env` (the tenant's variables and PORT). */
export type AppLauncher = (req: LaunchRequest) => LaunchedApp;

/** The app started with `command` in the sandbox, under the task's output and process limits, on the trial's network. */
export function sandboxLauncher(sandbox: Sandbox, command: string, limits: { outputBytes: number; processes: number }): AppLauncher {
  return ({ dir, env, wallMs, network, workspaceBytes }) => {
    const p = sandbox.start({
      command,
      workspace: dir,
      env,
      wallMs,
      ...limits,
      ...(network ? { network } : {}),
      ...(workspaceBytes ? { workspaceBytes } : {}),
    });
    const how = (r: SandboxResult) =>
      r.workspaceLimitHit
        ? 'grew its folder past its cap and was stopped'
        : r.timedOut
          ? 'ran over its time'
          : r.signal
            ? `was killed (${r.signal})`
            : `exited (code ${r.exitCode})`;
    return {
      pid: p.pid,
      output: () => p.output(),
      ended: p.exited.then(how),
      stop: () => p.stop().then((r) => r.output || p.output()),
    };
  };
}

/** Options every grading shares: the run, the task, the twins, the opened holdouts. */
interface CommonOptions {
  runId: string;
  /** 0-based index within the run. */
  trial: number;
  task: TaskSpec;
  /** The run's twins (started by the run, or shared ones from --twins-env). */
  twins: Partial<Record<ScenarioTwin, TwinEndpoint>>;
  /** The task's holdouts, opened once by the grader and held in memory. */
  holdouts: OpenedHoldout[];
  /** What the contamination scan looks for (from the same holdouts). */
  needles: Needles;
  /** Seed of the trial's tenants (default 1: every trial starts from the same workspace data). */
  seed?: number;
  /** Default patience of waiting steps, in ms (the step library's default when absent). */
  waitMs?: number;
  /** The address the twins reach the app on (default 127.0.0.1); when set, the app gets HOST=0.0.0.0. */
  appHost?: string;
  onStage?: (stage: TrialStage) => void;
  log?: (line: string) => void;
}

export interface TrialOptions extends CommonOptions {
  agent: Agent;
  sandbox: Sandbox;
  /** The run's private work folder (0700, outside the repository): the trial's workspace is made inside it. */
  workDir: string;
  /** Variables passed through to the agent because the user named them (`--agent-env NAME`). */
  agentEnv?: Record<string, string>;
  /** Keep the workspace after the trial (`--keep-workspaces`), for a person to look at. */
  keepWorkspace?: boolean;
  /** How long past its limit an agent that does not return is waited for (default 10 s; tests shorten it). */
  agentGraceMs?: number;
}

export interface GradeAppOptions extends CommonOptions {
  /** Recorded as the trial's agent: what built the app (`external`, `reference`, `do-nothing`). */
  agentName: string;
  /** The folder the app lives in: started there, and scanned for contamination. Never removed. */
  appDir: string;
  launch: AppLauncher;
  /** What the report says about isolation: `none` unless the launcher is a sandbox. */
  isolation?: IsolationKind;
  /** Run the task's install command first (as a plain process in appDir) when it has a package.json. */
  install?: boolean;
  /** The plain install's environment (default `cleared`; the project's own reference solution may `inherit`). */
  installEnv?: PlainEnv;
  /** Leave the workspace scan out (an app of our own, such as the do-nothing baseline). */
  noScan?: boolean;
}

/** Extra time a module agent gets past its limit before the trial stops waiting for it (a sandboxed one is killed at the limit). */
const AGENT_GRACE_MS = 10_000;
/** How long the app may run in all: its start plus this much for the holdouts. */
const GRADE_BUDGET_MS = 30 * 60_000;
/** Bytes of the app's output kept in the trial result (the end, where the errors are). */
const APP_OUTPUT_BYTES = 64 * 1024;
/** What the trial writes into the workspace for the agent; the contamination scan skips these. */
const TWINS_DIR = '.twins';

const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

/** The holdouts' scenarios as the grader will report them: id = the canary without its `@`. */
export function holdoutScenarios(holdouts: OpenedHoldout[]): { id: string; name: string }[] {
  return holdouts.flatMap((h) => h.scenarios.map((s) => ({ id: s.canary.replace(/^@/, ''), name: s.name })));
}

/** A client for a twin's control plane, with the grader's control token. */
function controlOf(endpoint: TwinEndpoint): ControlClient {
  return new ControlClient(endpoint.control, undefined, endpoint.token);
}

/** A failure that is the infrastructure's, not the agent's: twins, sandbox, vault. */
class InfrastructureError extends Error {}

function tail(text: string, bytes: number): string {
  if (text.length <= bytes) return text;
  return `[… ${text.length - bytes} earlier characters cut]\n${text.slice(-bytes)}`;
}

function lastLines(text: string, n = 15): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

function dotenv(vars: Record<string, string>): string {
  return `${Object.entries(vars)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join('\n')}\n`;
}

/**
 * (Re)writes `.twins/twins.env` in `workspace` with `vars`, never through anything the agent left there: a `.twins`
 * that is not a real folder (a link out of the workspace) and whatever stands at `twins.env` (a link, a FIFO, a
 * folder) are removed first, and the file is created anew (O_EXCL, which refuses a link). The agent's processes are
 * gone by then, so nothing swaps them back in between.
 */
export function writeTwinsEnv(workspace: string, vars: Record<string, string>): void {
  const dot = join(workspace, TWINS_DIR);
  let isDir = false;
  try {
    isDir = lstatSync(dot).isDirectory();
  } catch {
    // missing: made below
  }
  if (!isDir) {
    rmSync(dot, { recursive: true, force: true });
    mkdirSync(dot, { mode: 0o700 });
  }
  const file = join(dot, 'twins.env');
  rmSync(file, { recursive: true, force: true });
  writeFileSync(file, dotenv(vars), { mode: 0o600, flag: 'wx' });
}

/** Resolves to `value`, or to `onTimeout()` when `promise` has not settled after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(onTimeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command to its end (the install), however it is isolated. */
type Runner = (req: LaunchRequest) => Promise<{
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  workspaceLimitHit?: boolean;
  output: string;
}>;

/** What differs between a trial of an agent and the grading of an app someone else built. */
interface Plan {
  agentName: string;
  isolation: IsolationKind;
  /** A fresh workspace in this folder (a trial), or an existing folder (an app built elsewhere). */
  workspace: { fresh: string; keep: boolean } | { existing: string };
  agent?: { agent: Agent; sandbox: Sandbox; env: Record<string, string>; graceMs: number };
  /** How the install runs, when the folder has a package.json; no install without it. */
  install?: Runner;
  launch: AppLauncher;
  scanWorkspace: boolean;
}

/**
 * Run one trial and describe it. Never throws for anything the agent or its app does: a crash, a
 * hang, an app that does not install, start or answer is a failed trial (`failure.kind: 'agent'`); a
 * twin that is down, a sandbox that cannot be set up or a grader error is `failure.kind:
 * 'infrastructure'` (status 'error'), left out of the scores. Whatever happens, the app is stopped,
 * the tenants deleted and the workspace removed (kept with `keepWorkspace`).
 *
 * @example const result = await runTrial({ runId, trial: 0, task, agent, sandbox, twins, holdouts, needles, workDir });
 */
export function runTrial(o: TrialOptions): Promise<TrialResult> {
  const limits = { outputBytes: o.task.limits.outputBytes, processes: o.task.limits.processes };
  return execute(o, {
    agentName: o.agent.spec,
    isolation: o.sandbox.kind,
    workspace: { fresh: o.workDir, keep: Boolean(o.keepWorkspace) },
    agent: { agent: o.agent, sandbox: o.sandbox, env: o.agentEnv ?? {}, graceMs: o.agentGraceMs ?? AGENT_GRACE_MS },
    install: ({ dir, env, wallMs, network, workspaceBytes }) =>
      o.sandbox.run({ command: o.task.app.install, workspace: dir, env, wallMs, ...limits, network, workspaceBytes }),
    launch: sandboxLauncher(o.sandbox, o.task.app.start, limits),
    scanWorkspace: true,
  });
}

/**
 * Grade an app that is already built, in `appDir`: a tenant of its own on each twin, the app started
 * by `launch` with the tenant's variables and PORT, the holdouts run from outside, the folder scanned
 * for contamination. The same flow and result as a trial, without an agent (`twins grade`, `twins task validate`).
 */
export function gradeApp(o: GradeAppOptions): Promise<TrialResult> {
  return execute(o, {
    agentName: o.agentName,
    isolation: o.isolation ?? 'none',
    workspace: { existing: o.appDir },
    install: o.install ? plainRunner(o.task.app.install, o.installEnv) : undefined,
    launch: o.launch,
    scanWorkspace: !o.noScan,
  });
}

async function execute(o: CommonOptions, plan: Plan): Promise<TrialResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const log = o.log ?? (() => undefined);
  const expected = holdoutScenarios(o.holdouts);
  const timings: TrialResult['timings'] = { setupMs: 0, agentMs: 0, installMs: 0, startMs: 0, gradeMs: 0, teardownMs: 0, overheadMs: 0 };
  const result: TrialResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: o.runId,
    task: o.task.id,
    agent: plan.agentName,
    trial: o.trial,
    status: 'failed',
    scenarios: [],
    agentRun: { exitCode: null, timedOut: false, wallMs: 0 },
    app: { installed: false, started: false, output: '' },
    contamination: { flagged: false, hits: [] },
    isolation: plan.isolation,
    transcript: '',
    journal: [],
    timings,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
  };
  let stage: TrialStage = 'setup';
  const enter = (s: TrialStage) => {
    stage = s;
    o.onStage?.(s);
  };
  const fail = (kind: FailureKind, reason: string) => {
    const failureStage = stage === 'scan' || stage === 'teardown' ? 'grade' : stage;
    result.failure ??= { kind, stage: failureStage, reason };
  };

  // Every tenant this trial made (practice and graded), so that teardown deletes each whatever happened.
  const made: Tenant[] = [];
  let graded: Tenant[] = [];
  let tenantEnv: Record<string, string> = {};
  const fresh = 'fresh' in plan.workspace ? plan.workspace : undefined;
  let workspace: string | undefined = 'existing' in plan.workspace ? plan.workspace.existing : undefined;
  let app: LaunchedApp | undefined;
  let holdoutsOwnMs = 0;
  let gradedOk = false;
  let gradeFrom = 0;
  const appOutput: string[] = [];
  const unregister: (() => void)[] = [];
  const scanner = new RequestScanner(o.needles);
  let proxy: TrialProxy | undefined;
  /** A workspace over its cap, seen in any sandboxed command's result. */
  let workspaceOver = false;

  const newTenants = async (): Promise<{ list: Tenant[]; env: Record<string, string> }> => {
    const list: Tenant[] = [];
    const env: Record<string, string> = {};
    // A task across twins gets one company: a tenant per twin under one id, seeded together (the same people),
    // with the vendors' cross-twin effects. Twins not started together (separate processes) fall back to a tenant each.
    const company = o.task.twins.length > 1 ? await newCompany() : undefined;
    if (company) {
      for (const twin of o.task.twins) {
        const endpoint = o.twins[twin] as TwinEndpoint;
        const tenant = { twin, endpoint, id: company.id, company: true };
        list.push(tenant);
        made.push(tenant);
        Object.assign(env, (proxy as TrialProxy).rewriteEnv(withAppVariables(company.twins[twin]?.env ?? {})));
      }
      return { list, env };
    }
    for (const twin of o.task.twins) {
      const endpoint = o.twins[twin];
      if (!endpoint) throw new Error(`the task uses the ${twin} twin, which this run did not start`);
      const t = await controlOf(endpoint).createTenant({ seed: o.seed ?? 1 });
      const tenant = { twin, endpoint, id: t.id };
      list.push(tenant);
      made.push(tenant);
      Object.assign(env, (proxy as TrialProxy).rewriteEnv(withAppVariables(t.env)));
    }
    return { list, env };
  };
  /** A company across the task's twins, or undefined when they do not share one process's company hub. */
  const newCompany = async () => {
    const first = o.twins[o.task.twins[0]];
    if (!first) throw new Error(`the task uses the ${o.task.twins[0]} twin, which this run did not start`);
    return controlOf(first).createCompany({ seed: o.seed ?? 1 }, o.task.twins);
  };
  const deleteTenants = async (list: Tenant[]) => {
    const companies = new Set<string>();
    for (const t of list) {
      if (t.company) {
        // A company goes as a whole, through the first of its twins.
        if (!companies.has(t.id)) {
          companies.add(t.id);
          await controlOf(t.endpoint)
            .deleteCompany(t.id)
            .catch(() => undefined);
        }
        const i = made.indexOf(t);
        if (i !== -1) made.splice(i, 1);
        continue;
      }
      await controlOf(t.endpoint)
        .deleteTenant(t.id)
        .catch(() => undefined);
      const i = made.indexOf(t);
      if (i !== -1) made.splice(i, 1);
    }
  };
  const confine = (what: SandboxResult) => {
    if (what.workspaceLimitHit) workspaceOver = true;
  };

  try {
    // Setup: the grader's proxy in front of the twins; a private workspace; a practice tenant for the agent (a trial)
    // or the graded tenant (an app built elsewhere).
    enter('setup');
    let mark = performance.now();
    try {
      const inFront = Object.fromEntries(o.task.twins.filter((t) => o.twins[t]).map((t) => [t, o.twins[t]]));
      proxy = await startTrialProxy({
        twins: inFront,
        inspect: (r, text) => scanner.add(`${operationOf(r.twin, r.path)} (the ${r.phase})`, text),
      });
      const p = proxy;
      unregister.push(registerCleanup(() => void p.close()));
      const first = await newTenants();
      if (plan.agent) proxy.setPhase('agent');
      else {
        proxy.setPhase('app');
        graded = first.list;
      }
      tenantEnv = first.env;
      if (fresh) {
        workspace = mkdtempSync(join(fresh.fresh, `trial-${String(o.trial).padStart(4, '0')}-`));
        chmodSync(workspace, 0o700);
        const ws = workspace;
        if (!fresh.keep) unregister.push(registerCleanup(() => rmSync(ws, { recursive: true, force: true })));
        const dot = join(workspace, TWINS_DIR);
        mkdirSync(join(dot, 'features'), { recursive: true });
        writeFileSync(join(dot, 'brief.md'), o.task.brief);
        for (const f of o.task.publicFeatures) copyFileSync(f, join(dot, 'features', basename(f)));
        // The practice tenant's variables (the graded tenant does not exist yet); rewritten with the graded ones after the agent.
        writeFileSync(join(dot, 'twins.env'), dotenv(tenantEnv), { mode: 0o600 });
      }
    } catch (err) {
      throw new InfrastructureError(`setting up the trial failed: ${(err as Error).message}`);
    }
    if (!workspace) throw new InfrastructureError('no workspace');
    timings.setupMs = performance.now() - mark;
    const network = { hostPorts: proxy.ports };
    const workspaceBytes = o.task.limits.workspaceBytes;

    // The agent, in its sandbox, with its practice tenant's variables (through the proxy) and only the variables the user let through.
    if (plan.agent) {
      const { agent } = plan.agent;
      const sandbox = confinedSandbox(plan.agent.sandbox, { network, workspaceBytes }, confine);
      enter('agent');
      mark = performance.now();
      const env: Record<string, string> = {
        ...plan.agent.env,
        ...tenantEnv,
        TWINS_TASK_BRIEF: join(workspace, TWINS_DIR, 'brief.md'),
        TWINS_PUBLIC_FEATURES: join(workspace, TWINS_DIR, 'features'),
        TWINS_WORKSPACE: workspace,
      };
      const limitMs = o.task.limits.agentSeconds * 1000;
      let outcome: AgentOutcome | undefined;
      try {
        outcome = await within(
          agent.generate({ task: o.task, workspace, env, sandbox, limits: o.task.limits, trialId: `${o.runId}/${o.trial}`, log }),
          limitMs + plan.agent.graceMs,
          () => ({
            exitCode: null,
            timedOut: true,
            wallMs: performance.now() - mark,
            transcript: '',
            transcriptTruncated: false,
            isolation: sandbox.kind,
          }),
        );
      } catch (err) {
        timings.agentMs = performance.now() - mark;
        result.agentRun.wallMs = Math.round(timings.agentMs);
        // The platform's own errors (the sandbox could not be set up) are not the agent's doing; anything else it threw is.
        if (err instanceof PlatformError) throw new InfrastructureError(`the sandbox failed: ${err.message}`);
        fail('agent', `the agent crashed: ${(err as Error)?.message ?? String(err)}`);
      }
      if (outcome) {
        timings.agentMs = performance.now() - mark;
        // What an agent says it spent is its word: only well-formed, bounded numbers are kept, and its cost is marked as its own.
        const usage = cleanUsage({ tokens: outcome.tokens, costUsd: outcome.costUsd });
        result.agentRun = {
          exitCode: Number.isInteger(outcome.exitCode) ? outcome.exitCode : null,
          timedOut: outcome.timedOut === true,
          wallMs: Math.round(finiteOr(outcome.wallMs, timings.agentMs)),
          ...(usage.tokens ? { tokens: usage.tokens } : {}),
          ...(usage.costUsd !== undefined ? { costUsd: usage.costUsd, costSelfReported: true } : {}),
        };
        result.isolation = outcome.isolation === 'bubblewrap' ? 'bubblewrap' : 'none';
        result.transcript =
          String(outcome.transcript ?? '') +
          (outcome.transcriptTruncated ? `\n[… transcript cut at ${o.task.limits.outputBytes} bytes]` : '');
        // A non-zero exit alone is not a failure: the grade decides. Running over the limit, the process limit or the workspace cap is.
        if (outcome.timedOut) fail('agent', `the agent ran over its limit of ${o.task.limits.agentSeconds} s and was stopped`);
        else if (outcome.processLimitHit)
          fail('agent', `the agent had more than ${o.task.limits.processes} processes at once and was stopped`);
        else if (outcome.workspaceLimitHit || workspaceOver)
          fail('agent', `the agent's workspace grew past ${o.task.limits.workspaceBytes} bytes and it was stopped`);
      }
      // The practice is over: the practice tenant goes, and the graded tenant, which the agent never saw, is made.
      try {
        await deleteTenants(made.slice());
        proxy.setPhase('app');
        tenantEnv = {};
        if (!result.failure) {
          const second = await newTenants();
          graded = second.list;
          tenantEnv = second.env;
          // The app finds the graded tenant whichever way it reads its variables: environment or .twins/twins.env.
          if (fresh) writeTwinsEnv(workspace, tenantEnv);
        }
      } catch (err) {
        throw new InfrastructureError(`making the graded tenant failed: ${(err as Error).message}`);
      }
    }

    // Install, when there is a package.json.
    if (!result.failure && plan.install && existsSync(join(workspace, 'package.json'))) {
      enter('install');
      mark = performance.now();
      let r: Awaited<ReturnType<Runner>>;
      try {
        r = await plan.install({
          dir: workspace,
          env: { ...tenantEnv },
          wallMs: o.task.limits.installSeconds * 1000,
          network,
          workspaceBytes,
        });
      } catch (err) {
        throw new InfrastructureError(`the install could not be run: ${(err as Error).message}`);
      }
      timings.installMs = performance.now() - mark;
      appOutput.push(`$ ${o.task.app.install}\n${r.output}`);
      if (r.output.includes(COULD_NOT_START))
        throw new InfrastructureError(`the sandbox could not run the install:\n${lastLines(r.output)}`);
      if (r.timedOut) fail('agent', `\`${o.task.app.install}\` ran over ${o.task.limits.installSeconds} s`);
      else if (r.workspaceLimitHit)
        fail('agent', `\`${o.task.app.install}\` grew the workspace past ${o.task.limits.workspaceBytes} bytes and was stopped`);
      else if (r.exitCode !== 0)
        fail('agent', `\`${o.task.app.install}\` failed (${r.signal ?? `exit ${r.exitCode}`}); its last output:\n${lastLines(r.output)}`);
      else result.app.installed = true;
    }

    // Start the app and wait until it answers its readiness path.
    let appUrl: string | undefined;
    if (!result.failure) {
      enter('start');
      mark = performance.now();
      const port = await freePort();
      const host = o.appHost ?? '127.0.0.1';
      appUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      const startMs = o.task.limits.appStartSeconds * 1000;
      try {
        const hostEnv: Record<string, string> = o.appHost ? { HOST: '0.0.0.0' } : {};
        app = plan.launch({
          dir: workspace,
          env: { ...tenantEnv, ...hostEnv, PORT: String(port) },
          wallMs: startMs + GRADE_BUDGET_MS,
          network: { ...network, listenPort: port },
          workspaceBytes,
        });
      } catch (err) {
        throw new InfrastructureError(`the app could not be launched: ${(err as Error).message}`);
      }
      const started = app;
      unregister.push(registerCleanup(() => killNow(started.pid)));
      let ended: string | undefined;
      void started.ended.then((how) => {
        ended = how;
      });
      const deadline = performance.now() + startMs;
      let ready = false;
      while (performance.now() < deadline && !ended) {
        try {
          await fetch(`${appUrl}${o.task.app.readyPath}`, { signal: AbortSignal.timeout(1000) });
          ready = true;
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      timings.startMs = performance.now() - mark;
      if (ready && !ended) {
        result.app.started = true;
        result.app.readyMs = Math.round(timings.startMs);
      } else {
        if (started.output().includes(COULD_NOT_START))
          throw new InfrastructureError(`the sandbox could not start the app:\n${lastLines(started.output())}`);
        const why = ended
          ? `the app (\`${o.task.app.start}\`) ${ended} before it answered on ${o.task.app.readyPath}`
          : `the app (\`${o.task.app.start}\`) did not answer on ${o.task.app.readyPath} within ${o.task.limits.appStartSeconds} s`;
        fail('agent', `${why}; its last output:\n${lastLines(started.output())}`);
      }
    }

    // Grade: the holdouts, run from outside against the twins and the app; the app is never asked how it did.
    if (!result.failure && appUrl) {
      enter('grade');
      mark = performance.now();
      const slotTenants = Object.fromEntries(graded.map((t) => [t.twin, t.id]));
      gradeFrom = proxy.records().length;
      let run: Awaited<ReturnType<typeof runScenarios>>;
      try {
        run = await runScenarios({
          paths: [],
          cwd: REPO_ROOT,
          twins: o.twins,
          slots: [{ appUrl, tenants: slotTenants }],
          opened: o.holdouts,
          eventsPath: o.task.app.events.slack ?? '/slack/events',
          oktaEventHookPath: o.task.app.events.okta,
          jiraWebhookPath: o.task.app.events.jira,
          readyPath: o.task.app.readyPath,
          appTimeoutMs: o.task.limits.appStartSeconds * 1000,
          waitMs: o.waitMs,
          parallel: 1,
          seed: o.seed ?? 1,
          rateLimits: true,
          log: () => undefined,
          stdout: sink(),
          stderr: sink(),
        });
      } catch (err) {
        throw new InfrastructureError(`grading failed: ${(err as Error).message}`);
      }
      timings.gradeMs = performance.now() - mark;
      if (run.scenarios.length === 0) throw new InfrastructureError('grading reported no scenario at all');
      result.scenarios = complete(run.scenarios, expected);
      holdoutsOwnMs = run.scenarios.reduce((sum, s) => sum + s.durationMs, 0);
      gradedOk = true;
    }
  } catch (err) {
    const reason = err instanceof InfrastructureError ? err.message : `the harness failed: ${(err as Error)?.stack ?? String(err)}`;
    fail('infrastructure', reason);
  }

  // Stop the app, its processes gone, before anything of its workspace is read: a live app could swap files under the scan.
  enter('teardown');
  let mark = performance.now();
  if (app) {
    try {
      appOutput.push(`$ ${o.task.app.start}\n${await app.stop()}`);
    } catch {
      appOutput.push(`$ ${o.task.app.start}\n${app.output()}`);
    }
  }
  let teardownMs = performance.now() - mark;

  // Scan: the workspace (read without following links or opening anything but regular files, bounded), the transcript,
  // and the grader's own record of every request of the whole trial; refused control-plane calls are tampering.
  enter('scan');
  mark = performance.now();
  const records = proxy?.records() ?? [];
  const attempts = proxy?.attempts() ?? [];
  result.requests = { recorded: records.length, dropped: proxy?.dropped ?? 0, refused: attempts.length };
  if (proxy?.dropped) log(`the app and agent sent more requests than the record keeps (${proxy.dropped} not kept; every one was searched)`);
  result.journal = records
    .slice(gradeFrom)
    .filter((r) => r.phase === 'app' && !r.refused)
    .slice(0, JOURNAL_ENTRIES)
    .map((r) => ({
      twin: r.twin,
      operation: operationOf(r.twin, r.path),
      status: r.status,
      ...(r.error ? { error: r.error } : {}),
      time: r.time,
      ...(r.summary ? { args: r.summary } : {}),
    }));
  try {
    // The app's vendor calls from the proxy's record, each with the twin's fidelity for its operation.
    result.fidelity = await trialFidelity(records);
  } catch (err) {
    log(`the fidelity of the app's calls could not be computed: ${(err as Error).message}`);
  }
  try {
    const scan = scanContamination(o.needles, {
      workspace: plan.scanWorkspace ? workspace : undefined,
      skip: fresh
        ? [
            join(TWINS_DIR, 'brief.md'),
            join(TWINS_DIR, 'twins.env'),
            ...o.task.publicFeatures.map((f) => join(TWINS_DIR, 'features', basename(f))),
          ]
        : [],
      transcript: result.transcript,
      found: scanner.hits,
      attempts: attempts.map((a) => ({ method: a.method, path: a.path, phase: a.phase })),
    });
    result.contamination = { flagged: scan.flagged, hits: scan.hits };
    if (scan.workspaceTruncated) log('the workspace is larger than the contamination scan reads; the rest was not searched');
  } catch (err) {
    fail('infrastructure', `the contamination scan failed: ${(err as Error).message}`);
  }
  const scanMs = performance.now() - mark;

  enter('teardown');
  mark = performance.now();
  await proxy?.close().catch(() => undefined);
  await deleteTenants(made.slice());
  if (fresh && workspace && !fresh.keep) rmSync(workspace, { recursive: true, force: true });
  for (const u of unregister) u();
  teardownMs += performance.now() - mark;
  // The scan is the harness's own time: counted with the teardown, as it was.
  timings.teardownMs = teardownMs + scanMs;

  result.app.output = tail(appOutput.join('\n'), APP_OUTPUT_BYTES);
  if (!gradedOk) {
    // Not graded: every holdout scenario is still reported, failed for the agent's failures, unknown for the infrastructure's.
    const kind = result.failure?.kind ?? 'infrastructure';
    result.scenarios = expected.map((s) => ({
      ...s,
      status: kind === 'agent' ? 'failed' : 'unknown',
      durationMs: 0,
      error: `not graded: ${result.failure?.reason.split('\n')[0] ?? 'the trial stopped early'}`,
    }));
  }
  result.status =
    result.failure?.kind === 'infrastructure'
      ? 'error'
      : !result.failure && result.scenarios.every((s) => s.status === 'passed')
        ? 'passed'
        : 'failed';
  const total = performance.now() - t0;
  // The harness's own time: everything but the agent, the install, the app's start and the holdouts' own run time.
  timings.overheadMs = Math.max(0, total - timings.agentMs - timings.installMs - timings.startMs - holdoutsOwnMs);
  for (const k of Object.keys(timings) as (keyof typeof timings)[]) timings[k] = Math.round(timings[k]);
  result.finishedAt = new Date().toISOString();
  // Whatever the agent put in its outcome, what is written passes the results schema.
  return sanitiseTrialResult(result);
}

/** A tenant the trial made on one twin. */
interface Tenant {
  twin: ScenarioTwin;
  endpoint: TwinEndpoint;
  id: string;
  /** One twin's part of a company (the same id on every twin of the task), deleted with the company. */
  company?: boolean;
}

/** Entries of the report's journal (the app's calls while the holdouts ran) kept per trial. */
const JOURNAL_ENTRIES = 2000;

/** The vendor operation a path names, where the twin's paths say it plainly (Slack's `/api/<method>`); else the path. */
/**
 * The operation a proxied request names, for the journal and the scan's locations: a Slack method (`chat.postMessage`)
 * or the path. Tenants other than the default are reached under `/t/<tenantId>/` (src/host.ts), which names no
 * operation and is taken off first.
 *
 * @example operationOf('slack', '/t/tenant-3/api/reactions.add') // 'reactions.add'
 */
export function operationOf(twin: ScenarioTwin, path: string): string {
  const rest = tenantPrefix(path)?.rest ?? path;
  if (twin === 'slack' && rest.startsWith('/api/')) return rest.slice('/api/'.length);
  return rest;
}

function finiteOr(n: unknown, fallback: number): number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : Math.max(0, fallback);
}

/**
 * The sandbox as the agent gets it: every command it runs (and every app it starts to practise) gets the trial's
 * network (only the proxy's ports of the host's loopback) and the workspace cap, and a cap hit is seen.
 */
export function confinedSandbox(
  sandbox: Sandbox,
  extra: Pick<SandboxRequest, 'network' | 'workspaceBytes'>,
  onResult: (r: SandboxResult) => void = () => undefined,
): Sandbox {
  const seen = (r: SandboxResult) => {
    onResult(r);
    return r;
  };
  return {
    kind: sandbox.kind,
    describe: () => sandbox.describe(),
    run: (req) => sandbox.run({ ...req, ...extra }).then(seen),
    start: (req) => {
      const p = sandbox.start({ ...req, ...extra });
      void p.exited.then(seen, () => undefined);
      return p;
    },
    // The module agent finds the toolbox here (TwinsSandbox); kept as the sandbox says.
    ...('toolbox' in sandbox ? { toolbox: (sandbox as { toolbox?: string }).toolbox } : {}),
  } as Sandbox;
}

/** The grader's results in the holdouts' order, with any scenario cucumber did not report added as unknown. */
function complete(found: ScenarioResult[], expected: { id: string; name: string }[]): ScenarioResult[] {
  const byId = new Map(found.map((s) => [s.id, s]));
  const out: ScenarioResult[] = expected.map(
    (e) => byId.get(e.id) ?? { id: e.id, name: e.name, status: 'unknown', durationMs: 0, error: 'the grader did not report it' },
  );
  for (const s of found) if (!expected.some((e) => e.id === s.id)) out.push(s);
  return out;
}

/** The sandbox's own words when it could not start a command at all: its failure, not the command's. */
const COULD_NOT_START = '[twins: the sandbox could not start the command';

/** Output kept from a plain process: the last bytes, where the errors are. */
class Tail {
  private text = '';
  constructor(private readonly max: number) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  value(): string {
    return this.text.length > this.max ? this.text.slice(-this.max) : this.text;
  }
}

/** How a plain process gets its environment: only the allow-list (`cleared`, what `twins grade --no-sandbox` uses), or this process's (`inherit`, the project's own reference solution). */
export type PlainEnv = 'cleared' | 'inherit';

/** Variables of this process a cleared plain process keeps: what finding programs and reading text need, nothing that names a person or a secret. */
const PLAIN_ALLOW = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TERM'];

function spawnPlain(command: string, dir: string, env: Record<string, string>, how: PlainEnv = 'cleared') {
  const out = new Tail(APP_OUTPUT_BYTES);
  let base: Record<string, string | undefined>;
  let home: string | undefined;
  if (how === 'inherit') {
    // The grader's identity stays with the grader, whatever else of this environment the process gets.
    const { TWINS_VAULT_IDENTITY: _identity, ...inherited } = process.env;
    base = inherited;
  } else {
    // As in the sandbox: the allow-list and a HOME of its own, empty, so neither your home (the vault identity,
    // tokens, configs) nor your variables are handed over.
    home = mkdtempSync(join(tmpdir(), 'twins-app-home-'));
    chmodSync(home, 0o700);
    base = Object.fromEntries(PLAIN_ALLOW.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
    base.HOME = home;
    base.TMPDIR = home;
  }
  // Its own process group, so that stopping it stops whatever it started (npm start → node …).
  const child = spawn(command, {
    shell: true,
    cwd: dir,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (c) => out.push(c));
  child.stderr?.on('data', (c) => out.push(c));
  const ended = new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, error: err.message }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const removeHome = () => {
    if (home) rmSync(home, { recursive: true, force: true });
  };
  return { child, out, ended, removeHome };
}

/**
 * An app started with `command` as a plain process of this user in its folder: nothing is isolated (`twins grade
 * --no-sandbox`, the reference solution in `twins task validate`). Its environment is the allow-list with a fresh
 * empty HOME (`cleared`, the default) or this process's (`inherit`), plus the tenant's variables and PORT.
 */
export function plainLauncher(command: string, how: PlainEnv = 'cleared'): AppLauncher {
  return ({ dir, env }) => {
    const { child, out, ended, removeHome } = spawnPlain(command, dir, env, how);
    return {
      pid: child.pid,
      output: () => out.value(),
      ended: ended.then((e) =>
        e.error ? `could not be started (${e.error})` : e.signal ? `was killed (${e.signal})` : `exited (code ${e.code})`,
      ),
      stop: async () => {
        await stopProcessGroup(child);
        removeHome();
        return out.value();
      },
    };
  };
}

/** A command run to its end as a plain process, stopped at `wallMs`. */
export function plainRunner(command: string, how: PlainEnv = 'cleared'): Runner {
  return async ({ dir, env, wallMs }) => {
    const { child, out, ended, removeHome } = spawnPlain(command, dir, env, how);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void stopProcessGroup(child, 1000);
    }, wallMs);
    const e = await ended;
    clearTimeout(timer);
    removeHome();
    return { exitCode: e.code, signal: e.signal, timedOut, output: out.value() + (e.error ? `\n${e.error}` : '') };
  };
}
