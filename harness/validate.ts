// `twins task validate`: the quality gate of a task's holdouts: each must pass on the reference solution and fail on the do-nothing baseline.

import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformError } from '../src/errors.ts';
import { openTaskHoldouts, runTwins, taskNeedles } from './run.ts';
import { loadTask, taskHoldoutSource } from './task.ts';
import { type AppLauncher, gradeApp, holdoutScenarios, plainLauncher } from './trial.ts';
import type { ScenarioStatus, TrialResult } from './types.ts';

export interface ValidateOptions {
  /** A task id or the path of a task folder. */
  task: string;
  tasksDir?: string;
  cwd?: string;
  /** Default: the task's own vault (task.yaml `holdouts:`), else scenarios/vault. */
  vaultDir?: string;
  /** Default: the task's demo identity, else the usual one (see `resolveIdentityPath`). */
  identityPath?: string;
  /** Running twins (`twins up --env-file`); without it, twins start here. */
  twinsEnv?: string;
  seed?: number;
  waitMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface HoldoutVerdict {
  /** The scenario's canary id. */
  id: string;
  name: string;
  /** The vault id of the holdout file it is in. */
  holdout: string;
  reference: ScenarioStatus;
  baseline: ScenarioStatus;
  /** Passes on the reference and does not pass on the baseline. */
  discriminates: boolean;
  /** Why not, in words. */
  problem?: string;
}

export interface ValidateResult {
  task: string;
  /** Every holdout scenario discriminates. */
  valid: boolean;
  verdicts: HoldoutVerdict[];
  /** The two gradings in full (their scenarios' errors say what each step saw). */
  reference: TrialResult;
  baseline: TrialResult;
}

/**
 * The do-nothing baseline, built in: answers Slack's url_verification challenge and 200 to anything
 * else, and does nothing. Started in this process on the PORT it is given; a holdout that passes
 * against it tests nothing the app does.
 */
export function doNothingLauncher(): AppLauncher {
  return ({ env }) => {
    let output = '';
    let closed: (how: string) => void = () => undefined;
    const ended = new Promise<string>((resolve) => {
      closed = resolve;
    });
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if ((req.headers['content-type'] ?? '').includes('json')) {
          try {
            const parsed = JSON.parse(body) as { type?: string; challenge?: string };
            if (parsed.type === 'url_verification') {
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ challenge: parsed.challenge }));
              return;
            }
          } catch {
            // Not JSON after all: answered like anything else.
          }
        }
        res.writeHead(200);
        res.end();
      });
    });
    server.on('error', (err) => {
      output += `${err.message}\n`;
      closed(`could not listen (${err.message})`);
    });
    server.listen(Number(env.PORT), '127.0.0.1', () => {
      output += `do-nothing app listening on http://127.0.0.1:${env.PORT}\n`;
    });
    return {
      output: () => output,
      ended,
      stop: () =>
        new Promise<string>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve(output));
        }),
    };
  };
}

/**
 * Validate a task's holdouts: grade the reference solution (copied to a temporary folder, installed
 * and started with the task's commands) and the built-in do-nothing baseline, side by side, and
 * name every holdout scenario that does not pass on the first or does not fail on the second.
 *
 * @example const { valid, verdicts } = await validateTask({ task: 'incident-bot' });
 */
export async function validateTask(opts: ValidateOptions): Promise<ValidateResult> {
  const cwd = opts.cwd ?? process.cwd();
  const log = opts.log ?? (() => undefined);
  const task = loadTask(opts.task, { tasksDir: opts.tasksDir, cwd });
  if (!existsSync(task.referenceDir))
    throw new PlatformError(
      'TWINS_TASK_INVALID',
      `task ${task.id} has no reference solution (${task.referenceDir})`,
      'Every task needs a reference/ folder holding a solution that passes every holdout.',
    );
  // A demo task's own vault opens with the identity it ships; every other task's with the grader's.
  const holdouts = await openTaskHoldouts(task, taskHoldoutSource(task, { vaultDir: opts.vaultDir, identityPath: opts.identityPath, cwd }));
  const needles = taskNeedles(task, holdouts);
  const twins = await runTwins({ twinsEnv: opts.twinsEnv, seed: opts.seed, names: task.twins });
  // The reference runs from a copy, so its install never writes into the repository.
  const work = mkdtempSync(join(tmpdir(), 'twins-validate-'));
  try {
    const referenceDir = join(work, 'reference');
    cpSync(task.referenceDir, referenceDir, { recursive: true, filter: (src) => !src.split(/[\\/]/).includes('node_modules') });
    const baselineDir = join(work, 'baseline');
    mkdirSync(baselineDir);
    const common = { runId: `validate-${task.id}`, task, twins: twins.twins, holdouts, needles, seed: opts.seed, waitMs: opts.waitMs };
    log(
      `twins task validate: grading the reference solution and the do-nothing baseline on ${holdoutScenarios(holdouts).length} holdout scenario(s)`,
    );
    const [reference, baseline] = await Promise.all([
      gradeApp({
        ...common,
        trial: 0,
        agentName: 'reference',
        appDir: referenceDir,
        // The project's own reference solution, run as it always was: with this environment.
        launch: plainLauncher(task.app.start, 'inherit'),
        install: true,
        installEnv: 'inherit',
        noScan: true,
      }),
      gradeApp({ ...common, trial: 1, agentName: 'do-nothing', appDir: baselineDir, launch: doNothingLauncher(), noScan: true }),
    ]);
    for (const [what, t] of [
      ['reference solution', reference],
      ['do-nothing baseline', baseline],
    ] as const)
      if (t.failure?.kind === 'infrastructure')
        throw new PlatformError(
          'TWINS_INFRASTRUCTURE',
          `grading the ${what} failed: ${t.failure.reason}`,
          'Fix the cause (twins, vault) and validate again.',
        );
    const fileOf = new Map(holdouts.flatMap((h) => h.scenarios.map((s) => [s.canary.replace(/^@/, ''), h.id] as const)));
    const statusIn = (t: TrialResult, id: string) => t.scenarios.find((s) => s.id === id);
    const verdicts = holdoutScenarios(holdouts).map(({ id, name }): HoldoutVerdict => {
      const ref = statusIn(reference, id);
      const base = statusIn(baseline, id);
      const r = ref?.status ?? 'unknown';
      const b = base?.status ?? 'unknown';
      const problems: string[] = [];
      if (r !== 'passed')
        problems.push(`does not pass on the reference solution (${r}${ref?.error ? `: ${ref.error.split('\n')[0]}` : ''})`);
      if (b === 'passed') problems.push('passes on the do-nothing baseline, so it tests nothing the app does');
      return {
        id,
        name,
        holdout: fileOf.get(id) ?? '?',
        reference: r,
        baseline: b,
        discriminates: problems.length === 0,
        ...(problems.length ? { problem: problems.join('; and ') } : {}),
      };
    });
    return { task: task.id, valid: verdicts.every((v) => v.discriminates), verdicts, reference, baseline };
  } finally {
    rmSync(work, { recursive: true, force: true });
    await twins.close().catch(() => undefined);
  }
}
