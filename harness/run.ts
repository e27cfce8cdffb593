// `twins score`: K trials of one agent on one task (parallel, sharded, resumable), each written as it finishes, then the run's summary and reports.

import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCatalogue } from '../scenarios/support/catalogue.ts';
import type { ScenarioTwin, TwinEndpoint } from '../scenarios/support/config.ts';
import type { RunningTwin } from '../src/adapters/fastify.ts';
import { startTwins } from '../src/cli/up.ts';
import { PlatformError } from '../src/errors.ts';
import { catalogueOf } from '../src/fidelity/catalogue.ts';
import { isTwinName } from '../src/registry.ts';
import { registerCleanup } from '../src/scenarios/cleanup.ts';
import { checkSteps, formatStepProblems } from '../src/scenarios/features.ts';
import { readTwinsEnv } from '../src/scenarios/twins-env.ts';
import { processAlive } from '../src/vault/atomic.ts';
import { type OpenedHoldout, openHoldouts } from '../src/vault/index.ts';
import { assertAgentEnv, loadAgent } from './agents/index.ts';
import { contaminationNeedles, type Needles } from './contamination.ts';
import { buildSummary, RESULTS, type RunMeta, readTrialFile, trialFilePath, writeRunReports, writeTrialFile } from './report/index.ts';
import { createSandbox, type SandboxOptions } from './sandbox/index.ts';
import { loadTask, REPO_ROOT, taskHoldoutSource } from './task.ts';
import { runTrial, type TrialStage } from './trial.ts';
import type { Agent, RunSummary, Sandbox, TaskSpec, TrialResult } from './types.ts';

export interface ScoreOptions {
  /** The agent spec: `reference`, `noop`, `cheater`, `command:…`, `preset:…`, `module:…`. */
  agent: string;
  /** A task id (harness/tasks/ID) or the path of a task folder. */
  task: string;
  /** Trials in the whole run, before sharding (K). */
  trials: number;
  /** Trials at once (default 1). */
  parallel?: number;
  /** This machine's share: trial i belongs to shard (i mod total) + 1. */
  shard?: { index: number; total: number };
  /** The results folder (default runs/<runId>, or runs/<runId>-shard-I-of-N, under cwd). */
  outDir?: string;
  /** Keep the complete trials already in outDir and run only the others. */
  resume?: boolean;
  /** The variables file of twins already running (`twins up --env-file`); without it, twins start here. */
  twinsEnv?: string;
  /** Names of variables of this environment passed through to the agent (`--agent-env NAME`). */
  agentEnv?: string[];
  keepWorkspaces?: boolean;
  /** Default: derived from the task, the agent spec and the trials, so that every shard agrees. */
  runId?: string;
  cwd?: string;
  tasksDir?: string;
  vaultDir?: string;
  identityPath?: string;
  /** Seed of every trial's tenants (default 1). */
  seed?: number;
  /** Default patience of waiting steps, ms. */
  waitMs?: number;
  /**
   * The address the twins reach the app on (default 127.0.0.1). Set it to this machine's address when
   * the twins run elsewhere (shared twins, `--twins-env`): apps then get HOST=0.0.0.0.
   */
  appHost?: string;
  /** Where progress goes; nothing is written when absent (`--json`). */
  progress?: { write(text: string): unknown; isTTY?: boolean };
  /** `bubblewrap` insists on isolation; `none` asks for the plain fallback; unset: bubblewrap when it works here. */
  sandboxKind?: 'bubblewrap' | 'none';
  /** Used instead of createSandbox() (tests, benchmarks). */
  sandbox?: Sandbox;
  /** Used instead of loadAgent(spec) (tests, benchmarks). */
  agentImpl?: Agent;
  /** Where --agent-env values are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface ScoreResult {
  summary: RunSummary;
  outDir: string;
  /** Trial indices run now, and those kept from an earlier run (--resume). */
  ran: number[];
  kept: number[];
  /** The private folder that held the workspaces, when they were kept. */
  workDir?: string;
}

/**
 * A run id that every shard of the same run computes alike: the task, a short form of the agent
 * and a hash of (task, agent spec, trials).
 *
 * @example runIdFor('sample', 'reference', 3) // 'sample-reference-3f9a0c12'
 */
export function runIdFor(task: string, agentSpec: string, trials: number): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(['twins-run:v1', task, agentSpec, trials]))
    .digest('hex')
    .slice(0, 8);
  const short =
    agentSpec
      .replace(/^(command|module|preset):/, '$1-')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32) || 'agent';
  return `${task}-${short}-${hash}`;
}

/** The trial indices of a shard (all of 0…K−1 without one). */
export function shardTrials(trials: number, shard?: { index: number; total: number }): number[] {
  const out: number[] = [];
  for (let i = 0; i < trials; i++) if (!shard || (i % shard.total) + 1 === shard.index) out.push(i);
  return out;
}

/**
 * Open the task's holdouts once for the whole run and check their steps against the library before
 * any agent runs: a task with no holdout, or one whose steps do not match, cannot grade anything.
 */
export async function openTaskHoldouts(task: TaskSpec, opts: { vaultDir: string; identityPath?: string }): Promise<OpenedHoldout[]> {
  const holdouts = await openHoldouts({ vaultDir: opts.vaultDir, identityPath: opts.identityPath, task: task.id });
  if (holdouts.length === 0)
    throw new PlatformError(
      'TWINS_NO_HOLDOUTS',
      `task ${task.id} has no sealed holdout in ${opts.vaultDir}`,
      `Add some with \`twins scenarios add FILE --task ${task.id} --holdout\`, or pass the --vault that holds them.`,
    );
  const problems = checkSteps(
    holdouts.map((h) => ({ uri: h.file, text: h.text })),
    await loadCatalogue(),
  );
  if (problems.length > 0)
    throw new PlatformError(
      'TWINS_SCENARIO_INVALID',
      `${problems.length} step problem(s) in the holdouts of task ${task.id}:\n${formatStepProblems(problems, process.cwd())}\n`,
      'Fix the holdouts (open, edit, `twins scenarios add` again); `twins steps` lists the steps there are.',
    );
  return holdouts;
}

/** The task's contamination needles: its holdouts against its public features. */
export function taskNeedles(task: TaskSpec, holdouts: OpenedHoldout[]): Needles {
  return contaminationNeedles(
    holdouts,
    task.publicFeatures.map((f) => ({ uri: f, text: readFileSync(f, 'utf8') })),
  );
}

/** Twins for a run: the ones a variables file names, or fresh ones started here on free ports. */
export async function runTwins(opts: {
  twinsEnv?: string;
  seed?: number;
  /**
   * The twins the task uses; only those start (every twin when absent). Twins the task never calls would
   * cost start-up time and per-tenant work (Okta makes an RSA key for every tenant) in the grader's process.
   */
  names?: readonly ScenarioTwin[];
}): Promise<{ twins: Partial<Record<ScenarioTwin, TwinEndpoint>>; close(): Promise<void> }> {
  if (opts.twinsEnv) {
    const found = await readTwinsEnv(opts.twinsEnv);
    return { twins: found.twins, close: async () => undefined };
  }
  // Locked: the control plane answers only this token, which only the grader holds; agents and apps reach
  // the twins through each trial's proxy, which refuses /_twin/ whatever is sent.
  const controlToken = randomBytes(24).toString('hex');
  const { running, summary } = await startTwins({
    twins: [...(opts.names ?? [])],
    host: '127.0.0.1',
    port: 0,
    seed: opts.seed ?? 1,
    rateLimits: true,
    controlToken,
  });
  const list: RunningTwin[] = [...running.values()];
  const twins: Partial<Record<ScenarioTwin, TwinEndpoint>> = {};
  for (const [name, s] of Object.entries(summary)) twins[name as ScenarioTwin] = { url: s.url, control: s.control, token: controlToken };
  return { twins, close: () => Promise.all(list.map((t) => t.close())).then(() => undefined) };
}

const WORK_PREFIX = 'twins-score-';
/** In a run's work folder: the pid of the run that owns it, so a later run can tell a SIGKILLed run's leftovers. */
const OWNER_FILE = 'owner.pid';

/**
 * Remove the work folders of runs that died without cleaning up (SIGKILL): folders of ours in the temp
 * dir whose owner.pid names a process that is gone. Their workspaces hold tenant credentials and
 * whatever the agents wrote. Folders kept with --keep-workspaces have no owner file and stay.
 */
export function removeStaleWorkDirs(root = tmpdir()): string[] {
  const removed: string[] = [];
  const uid = process.getuid?.();
  for (const name of readdirSync(root)) {
    if (!name.startsWith(WORK_PREFIX)) continue;
    const dir = join(root, name);
    try {
      if (uid !== undefined && statSync(dir).uid !== uid) continue;
      const pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
      if (!Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Not a run's work folder, or not ours to read: leave it.
    }
  }
  return removed;
}

/** A private folder for a run's workspaces: 0700, in the OS temp dir (never inside the repository), removed on exit and on signals. */
export function createWorkDir(keep = false): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), WORK_PREFIX));
  chmodSync(path, 0o700);
  // Kept folders are the user's to remove; the others say who owns them, for removeStaleWorkDirs.
  if (!keep) writeFileSync(join(path, OWNER_FILE), String(process.pid), { mode: 0o600 });
  const unregister = keep ? () => undefined : registerCleanup(() => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    remove() {
      if (!keep) rmSync(path, { recursive: true, force: true });
      unregister();
    },
  };
}

/** Trials in `outDir` that a resumed run keeps: whole, schema-valid, of this run, and not failed by the infrastructure. */
function finishedTrials(outDir: string, runId: string, mine: Set<number>, note: (line: string) => void): Map<number, TrialResult> {
  const kept = new Map<number, TrialResult>();
  const dir = join(outDir, RESULTS.trialsDir);
  if (!existsSync(dir)) return kept;
  for (const name of readdirSync(dir).sort()) {
    const m = /^(\d+)\.json$/.exec(name);
    if (!m) continue;
    const index = Number(m[1]);
    let t: TrialResult;
    try {
      t = readTrialFile(join(dir, name));
    } catch (err) {
      note(`trial ${index}: ${(err as Error).message}; it runs again`);
      continue;
    }
    if (t.runId !== runId)
      throw new PlatformError(
        'TWINS_OUT_EXISTS',
        `${outDir} holds trials of run ${t.runId}, not of this run (${runId})`,
        'Pass another --out, or the same --agent, --task and --trials (or --run-id) as the run you are resuming.',
      );
    if (t.trial !== index || !mine.has(index)) continue;
    if (t.status === 'error') {
      note(`trial ${index}: failed by the infrastructure last time (${t.failure?.reason.split('\n')[0] ?? 'no reason'}); it runs again`);
      continue;
    }
    kept.set(index, t);
  }
  return kept;
}

/** Shows trials done of total and each running trial's stage: one updating line on a terminal, plain lines otherwise. */
class Progress {
  private readonly running = new Map<number, { stage: TrialStage; since: number }>();
  private done = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastWidth = 0;

  constructor(
    private readonly out: ScoreOptions['progress'],
    private readonly total: number,
    private readonly label: string,
  ) {
    if (out?.isTTY) {
      this.timer = setInterval(() => this.render(), 500);
      this.timer.unref();
    }
  }

  /** A message above the live line (or a plain line). */
  note(line: string): void {
    if (!this.out) return;
    if (this.out.isTTY) {
      this.clear();
      this.out.write(`${line}\n`);
      this.render();
    } else this.out.write(`${line}\n`);
  }

  stage(trial: number, stage: TrialStage): void {
    this.running.set(trial, { stage, since: performance.now() });
    if (this.out?.isTTY) this.render();
    else if (this.out && stage !== 'scan' && stage !== 'teardown') this.out.write(`${this.label}: trial ${trial}: ${stage}\n`);
  }

  finished(t: TrialResult): void {
    this.running.delete(t.trial);
    this.done++;
    const passed = t.scenarios.filter((s) => s.status === 'passed').length;
    const what = t.failure
      ? `${t.failure.kind} failure at ${t.failure.stage}: ${t.failure.reason.split('\n')[0]}`
      : `${passed}/${t.scenarios.length} scenarios passed`;
    this.note(
      `${this.label}: trial ${t.trial} ${t.status} (${what})${t.contamination.flagged ? ' CONTAMINATED' : ''} in ${((Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000).toFixed(1)} s [${this.done}/${this.total} done]`,
    );
  }

  kept(n: number): void {
    this.done += n;
  }

  private clear(): void {
    if (this.lastWidth > 0) this.out?.write('\r\x1b[K');
    this.lastWidth = 0;
  }

  private render(): void {
    if (!this.out?.isTTY) return;
    const now = performance.now();
    const parts = [...this.running].map(([trial, r]) => `#${trial} ${r.stage} ${Math.round((now - r.since) / 1000)}s`);
    const line = `${this.label}: ${this.done}/${this.total} done${parts.length ? ` · ${parts.join(' · ')}` : ''}`;
    // A terminal that does not say how wide it is (columns 0 or absent) gets a generous line.
    const said = (this.out as { columns?: number }).columns ?? 0;
    const columns = said >= 20 ? said : 120;
    const cut = line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line;
    this.out.write(`\r\x1b[K${cut}`);
    this.lastWidth = cut.length;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
  }
}

/**
 * Score an agent on a task: trials 0…K−1 (this shard's), `parallel` at once, each written to
 * OUT/trials/NNNN.json as it finishes and followed by run.json and the reports, so an interrupted
 * run resumes (`resume`) and shards merge (`twins report merge`) into what one unsharded run gives.
 * Twins start here on free ports unless `twinsEnv` names running ones. Throws PlatformErrors for
 * usage and setup problems; agent and infrastructure failures of single trials are in the results.
 *
 * @example const { summary } = await scoreRun({ agent: 'reference', task: 'sample', trials: 3 });
 */
export async function scoreRun(opts: ScoreOptions): Promise<ScoreResult> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  if (!Number.isInteger(opts.trials) || opts.trials < 1) throw usage(`--trials must be a whole number of at least 1, got ${opts.trials}`);
  const parallel = Math.max(1, opts.parallel ?? 1);
  const agentEnv: Record<string, string> = {};
  for (const name of opts.agentEnv ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw usage(`--agent-env takes a variable name, got "${name}"`);
    const value = env[name];
    if (value === undefined) throw usage(`--agent-env ${name}: that variable is not set here, so there is nothing to pass through`);
    agentEnv[name] = value;
  }

  const task = loadTask(opts.task, { tasksDir: opts.tasksDir, cwd });
  const agent = opts.agentImpl ?? (await loadAgent(opts.agent, { repoRoot: REPO_ROOT, cwd }));
  // A preset without its API key would fail every trial: say so before any runs.
  assertAgentEnv(agent, agentEnv);
  const runId = opts.runId ?? runIdFor(task.id, agent.spec, opts.trials);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(runId)) throw usage(`--run-id must be letters, digits, ".", "_" or "-", got "${runId}"`);
  const shardName = opts.shard ? `${opts.shard.index}/${opts.shard.total}` : undefined;
  const outDir = resolve(
    cwd,
    opts.outDir ?? join('runs', opts.shard ? `${runId}-shard-${opts.shard.index}-of-${opts.shard.total}` : runId),
  );
  const label = `twins score${shardName ? ` [${shardName}]` : ''}`;

  const mine = shardTrials(opts.trials, opts.shard);
  const notes: string[] = [];
  const hasTrials =
    existsSync(join(outDir, RESULTS.trialsDir)) && readdirSync(join(outDir, RESULTS.trialsDir)).some((n) => /^\d+\.json$/.test(n));
  if (hasTrials && !opts.resume)
    throw new PlatformError(
      'TWINS_OUT_EXISTS',
      `${outDir} already holds trial results`,
      'Pass --resume to finish that run (its complete trials are kept), or another --out.',
    );
  const kept = opts.resume ? finishedTrials(outDir, runId, new Set(mine), (l) => notes.push(l)) : new Map<number, TrialResult>();
  const todo = mine.filter((i) => !kept.has(i));

  const { vaultDir, identityPath } = taskHoldoutSource(task, { vaultDir: opts.vaultDir, identityPath: opts.identityPath, cwd });
  const holdouts = await openTaskHoldouts(task, { vaultDir, identityPath });
  const needles = taskNeedles(task, holdouts);
  // The twins' fidelity catalogues, built once before any trial (a trial's own build would import the twins' operation modules mid-run).
  await Promise.all(task.twins.filter(isTwinName).map((t) => catalogueOf(t).catch(() => undefined)));

  const progress = new Progress(opts.progress, mine.length, label);
  for (const n of notes) progress.note(`${label}: ${n}`);
  progress.kept(kept.size);

  let startedAt = new Date().toISOString();
  const previous = join(outDir, RESULTS.run);
  if (opts.resume && existsSync(previous)) {
    try {
      const old = JSON.parse(readFileSync(previous, 'utf8')) as Partial<RunSummary>;
      if (old.runId === runId && typeof old.startedAt === 'string') startedAt = old.startedAt;
    } catch {
      // A damaged run.json is rewritten from the trials below.
    }
  }

  for (const dir of removeStaleWorkDirs()) progress.note(`${label}: removed ${dir}, left behind by a run that was killed`);
  const work = createWorkDir(opts.keepWorkspaces);
  let sandbox: Sandbox;
  try {
    sandbox =
      opts.sandbox ??
      createSandbox(
        sandboxOptions({
          prefer: opts.sandboxKind,
          outDir,
          workDir: work.path,
          vaultDir,
          task,
          tasksDir: opts.tasksDir,
          identityPath: opts.identityPath,
          cwd,
        }),
      );
  } catch (err) {
    work.remove();
    throw err;
  }
  const results = new Map<number, TrialResult>(kept);
  const meta = (): RunMeta => ({
    runId,
    task: task.id,
    agent: agent.spec,
    trialsRequested: opts.trials,
    shards: shardName ? [shardName] : [],
    isolation: [...results.values()].some((t) => t.isolation === 'none') || sandbox.kind === 'none' ? 'none' : sandbox.kind,
    startedAt,
    finishedAt: new Date().toISOString(),
  });
  const writeReports = () => writeRunReports(outDir, buildSummary(meta(), [...results.values()]));

  let twins: Awaited<ReturnType<typeof runTwins>>;
  try {
    twins = await runTwins({ twinsEnv: opts.twinsEnv, seed: opts.seed, names: task.twins });
  } catch (err) {
    work.remove();
    throw err;
  }
  progress.note(
    `${label}: run ${runId}: ${agent.spec} on ${task.id}, ${todo.length} trial(s) to run${kept.size ? `, ${kept.size} kept from before` : ''}${parallel > 1 ? `, ${parallel} at once` : ''}; results in ${outDir}`,
  );
  try {
    // Reports reflect the kept trials at once, even if this run dies before finishing another.
    writeReports();
    const queue = [...todo];
    const worker = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const trial = i;
        const result = await runTrial({
          runId,
          trial,
          task,
          agent,
          sandbox,
          twins: twins.twins,
          holdouts,
          needles,
          workDir: work.path,
          agentEnv,
          keepWorkspace: opts.keepWorkspaces,
          seed: opts.seed,
          waitMs: opts.waitMs,
          appHost: opts.appHost,
          onStage: (s) => progress.stage(trial, s),
          log: (line) => progress.note(`${label}: trial ${trial}: ${line}`),
        });
        // The trial file first (the source of truth), then the summary that includes it; both atomic.
        writeTrialFile(outDir, result);
        results.set(trial, result);
        writeReports();
        progress.finished(result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, todo.length)) }, worker));
  } finally {
    progress.stop();
    await twins.close().catch(() => undefined);
    work.remove();
  }
  const summary = buildSummary(meta(), [...results.values()]);
  writeRunReports(outDir, summary);
  return {
    summary,
    outDir,
    ran: todo,
    kept: [...kept.keys()].sort((a, b) => a - b),
    workDir: opts.keepWorkspaces ? work.path : undefined,
  };
}

/**
 * What no sandboxed command may see, for `twins score` and `twins grade`: the results, the run's work folder
 * (other trials' workspaces), and every folder a task or the vault lives in wherever `--tasks` and `--vault`
 * point (the task's folder with its reference, the tasks folder, the vault, the identity's folder). The
 * secret ones are neither shown nor anything inside them, even where an agent's own folder holds them.
 */
export function sandboxOptions(o: {
  prefer?: 'bubblewrap' | 'none';
  outDir?: string;
  workDir?: string;
  vaultDir: string;
  task: TaskSpec;
  tasksDir?: string;
  identityPath?: string;
  cwd: string;
}): SandboxOptions {
  const secret = [
    o.task.dir,
    ...(o.tasksDir ? [resolve(o.cwd, o.tasksDir)] : []),
    o.vaultDir,
    ...(o.identityPath ? [dirname(resolve(o.cwd, o.identityPath))] : []),
  ];
  const hide = [...(o.outDir ? [o.outDir] : []), ...(o.workDir ? [o.workDir] : [])];
  return { prefer: o.prefer, hide, secret };
}

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins score --help` for the flags.');
}

export { trialFilePath };
