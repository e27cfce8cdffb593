// `twins grade`: the grader alone, for an app any other pipeline built: a tenant of its own, the app started, the holdouts run from outside, a contamination scan.

import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PlatformError } from '../errors.ts';
import { shown } from '../vault/paths.ts';

export const GRADE_HELP = `twins grade --app "CMD" --cwd DIR --task ID [flags]: grade an app that was built elsewhere

The app in DIR is started with CMD (a shell command; it must listen on $PORT) in the agent sandbox, with
only the variables of a fresh tenant on each twin (SLACK_API_URL, SLACK_BOT_TOKEN, …; the URLs lead through
the grader's recording proxy, which refuses the twins' control plane), PORT, PATH and an empty HOME. Then the
task's sealed holdouts run against the twins and the app, which is never asked how it did. The app is stopped
before DIR is scanned for the holdouts' canaries and steps; every request it sent is searched too. Nothing is
installed: the app is graded as it is.

  --app "CMD"         the command that starts the app, run in DIR
  --cwd DIR           the app's folder (default: the current folder)
  --task ID           a task of harness/tasks, or the path of a task folder
  --no-sandbox        start the app as a plain process of yours instead (still with the cleared environment):
                      it then isolates NOTHING (your files, the opened holdouts while they run); only for an
                      app you trust, or where bubblewrap cannot run
  --sandbox           the default, kept for older scripts
  --out DIR           also write a results folder (trials/0000.json, run.json, junit.xml, report.html)
  --twins-env FILE    use twins already running (\`twins up --env-file FILE\`) instead of starting them here
  --vault DIR         the vault holding the task's holdouts (default: the task's own, as demo has, else scenarios/vault)
  --identity FILE     the vault identity (default $TWINS_VAULT_IDENTITY, else ~/.config/twins/vault-identity.txt)
  --tasks DIR         where task ids are looked up (default harness/tasks)
  --seed N            seed of the tenant's data (default 1)
  --wait SECS         default patience of the holdouts' waiting steps (default 5)
  --json              print the result (the trial, as in trials/*.json) as JSON on stdout

Exit status: 0 when every holdout passed; 1 when any failed, the app did not start, or the holdouts are
contaminated; 2 on usage errors.`;

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins grade --help` for the flags.');
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        app: { type: 'string' },
        cwd: { type: 'string' },
        task: { type: 'string' },
        sandbox: { type: 'boolean' },
        'no-sandbox': { type: 'boolean' },
        out: { type: 'string' },
        'twins-env': { type: 'string' },
        vault: { type: 'string' },
        identity: { type: 'string' },
        tasks: { type: 'string' },
        seed: { type: 'string' },
        wait: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

/** `twins grade …`: returns the exit code; usage and setup failures are thrown as PlatformError for main to print. */
export async function gradeCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${GRADE_HELP}\n`);
    return 0;
  }
  const { values: v } = parse(argv);
  if (!v.app) throw usage('twins grade needs --app "CMD": the command that starts the app');
  if (!v.task) throw usage('twins grade needs --task ID (`twins task list` names them)');
  const cwd = process.cwd();
  const appDir = resolve(cwd, v.cwd ?? '.');
  if (!existsSync(appDir) || !statSync(appDir).isDirectory()) throw usage(`--cwd ${v.cwd}: no such folder`);
  const seed = v.seed === undefined ? 1 : Number(v.seed);
  if (!Number.isInteger(seed) || seed < 0) throw usage(`--seed must be a whole number, got "${v.seed}"`);
  let waitMs: number | undefined;
  if (v.wait !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(v.wait) || Number(v.wait) <= 0) throw usage(`--wait must be a number of seconds, got "${v.wait}"`);
    waitMs = Math.round(Number(v.wait) * 1000);
  }

  if (v.sandbox && v['no-sandbox']) throw usage('--sandbox and --no-sandbox contradict each other; the sandbox is the default');
  const { loadTask } = await import('../../harness/task.ts');
  const { openTaskHoldouts, runTwins, sandboxOptions, taskNeedles } = await import('../../harness/run.ts');
  const { gradeApp, plainLauncher, sandboxLauncher } = await import('../../harness/trial.ts');
  const report = await import('../../harness/report/index.ts');
  const { taskHoldoutSource } = await import('../../harness/task.ts');

  const task = loadTask(v.task, { tasksDir: v.tasks, cwd });
  // --vault/--identity when given; else a task's own vault and demo identity (demo); else the project's vault.
  const { vaultDir, identityPath } = taskHoldoutSource(task, { vaultDir: v.vault, identityPath: v.identity, cwd });
  const holdouts = await openTaskHoldouts(task, { vaultDir, identityPath });
  const needles = taskNeedles(task, holdouts);
  let launch: import('../../harness/trial.ts').AppLauncher;
  let isolation: 'bubblewrap' | 'none';
  if (v['no-sandbox']) {
    process.stderr.write(
      'twins grade: WARNING: --no-sandbox: the app runs as a plain process of yours and isolates NOTHING: it can read your files, the vault identity and the opened holdouts while they run. Its environment is still cleared (the tenant variables, PORT, PATH and an empty HOME).\n',
    );
    launch = plainLauncher(v.app, 'cleared');
    isolation = 'none';
  } else {
    const { createSandbox } = await import('../../harness/sandbox/index.ts');
    // Hidden from the app: the results, the task (its reference), the tasks folder, the vault and the identity's folder.
    const sandbox = createSandbox(
      sandboxOptions({ outDir: v.out ? resolve(cwd, v.out) : undefined, vaultDir, task, tasksDir: v.tasks, identityPath, cwd }),
    );
    launch = sandboxLauncher(sandbox, v.app, task.limits);
    isolation = sandbox.kind;
  }
  const twins = await runTwins({ twinsEnv: v['twins-env'], seed, names: task.twins });
  const log = (line: string) => {
    if (!v.json) process.stderr.write(`twins grade: ${line}\n`);
  };
  // The same app, command and task grade under the same run id, so repeated grades of one build can be merged.
  const runId = `grade-${task.id}-${createHash('sha256')
    .update(JSON.stringify([task.id, v.app, appDir]))
    .digest('hex')
    .slice(0, 8)}`;
  let trial: Awaited<ReturnType<typeof gradeApp>>;
  try {
    log(`grading ${shown(appDir)} (${v.app}) on ${task.id}: ${holdouts.length} holdout file(s)`);
    trial = await gradeApp({
      runId,
      trial: 0,
      // The app starts with --app, not the task's command: reports and failure reasons name what really ran.
      task: { ...task, app: { ...task.app, start: v.app } },
      agentName: 'external',
      appDir,
      launch,
      isolation,
      twins: twins.twins,
      holdouts,
      needles,
      seed,
      waitMs,
      onStage: (s) => log(s),
      log,
    });
  } finally {
    await twins.close().catch(() => undefined);
  }
  if (v.out) {
    const outDir = resolve(cwd, v.out);
    const summary = report.buildSummary(
      {
        runId,
        task: task.id,
        agent: 'external',
        trialsRequested: 1,
        shards: [],
        isolation: trial.isolation,
        startedAt: trial.startedAt,
        finishedAt: trial.finishedAt,
      },
      [trial],
    );
    report.writeRun(outDir, summary);
    log(`results in ${shown(outDir)} (report: ${shown(join(outDir, report.RESULTS.html))})`);
  }
  if (v.json) process.stdout.write(`${JSON.stringify(trial, null, 2)}\n`);
  else process.stdout.write(`${gradeText(trial)}\n`);
  return trial.status === 'passed' && !trial.contamination.flagged ? 0 : 1;
}

/** A graded app as lines for a terminal: each scenario, then the failure and contamination, if any. */
export function gradeText(t: import('../../harness/types.ts').TrialResult): string {
  const passed = t.scenarios.filter((s) => s.status === 'passed').length;
  const lines = [`Task ${t.task}: ${passed} of ${t.scenarios.length} holdout scenario(s) passed`];
  // Names and statuses only: the failing steps quote the holdouts, and this output may end up in logs an agent reads
  // (the results folder and --json have them in full).
  for (const s of t.scenarios)
    lines.push(`  ${s.status === 'passed' ? '✓' : '✗'} ${s.name}${s.status === 'passed' ? '' : ` (${s.status})`}`);
  if (t.failure)
    lines.push(`The ${t.failure.kind === 'agent' ? 'app' : 'infrastructure'} failed at ${t.failure.stage}: ${t.failure.reason}`);
  if (t.contamination.flagged)
    lines.push(
      `CONTAMINATED: ${t.contamination.hits.map((h) => `${h.kind} in the ${h.where}${h.location ? ` (${h.location})` : ''}`).join('; ')}`,
    );
  if (t.isolation === 'none') lines.push('WARNING: the app ran as a plain process: nothing was isolated');
  return lines.join('\n');
}
