// `twins run`: parses its flags and hands them to the scenario runner; exit 0 only when every scenario passed.

import { parseArgs } from 'node:util';
import { DEFAULT_EVENTS_PATH } from '../../scenarios/support/config.ts';
import { PlatformError } from '../errors.ts';
import { runScenarios } from '../scenarios/run.ts';
import { defaultVaultDir } from '../vault/index.ts';

export const RUN_HELP = `twins run [paths…] [flags]: run Gherkin scenarios against the twins and an app

  paths                feature files or folders (default: features/); a task's public ones are in harness/tasks/ID/features
  --app "CMD"          start the app with this shell command, once per worker, with the twins' variables
                       (SLACK_API_URL, SLACK_BOT_TOKEN, …) of a tenant of its own plus PORT; wait until it answers
  --app-url URL        an app that is already running (started with the variables of --twins-env)
  --twins-env FILE     use twins already running (\`twins up --env-file FILE\`) instead of starting them here
  --tags EXPR          only scenarios matching a cucumber tag expression, e.g. "@smoke and not @slow"
  --parallel N         N workers (each with its own app and tenant when --app is given)
  --junit FILE         also write a JUnit XML report
  --messages FILE      also write Cucumber messages (ndjson), the source of every other report
  --holdouts           also run the sealed holdouts from the vault (needs the identity)
  --task ID            with --holdouts: only that task's holdouts (a task that ships its own vault and demo
                       identity, like demo, opens with those: no --vault or --identity needed)
  --identity FILE      the vault identity (default $TWINS_VAULT_IDENTITY, else ~/.config/twins/vault-identity.txt)
  --vault DIR          the vault folder (default: the task's own, else scenarios/vault)
  --events-path PATH   where the app takes Slack events, commands and interactivity (default ${DEFAULT_EVENTS_PATH})
  --ready-path PATH    polled until the app answers (default /)
  --app-timeout SECS   how long to wait for the app to answer (default 60)
  --wait SECS          default patience of steps that wait (default 5)
  --seed N             seed of the twins' generated data (default 1)
  --no-rate-limits     switch the twins' rate limits off (on by default)

Exit status: 0 when every scenario passed, 1 when any failed or a step is undefined, ambiguous or pending.`;

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins run --help` for the flags.');
}

function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) throw usage(`--${name} must be a number of seconds, got "${value}"`);
  return Math.round(Number(value) * 1000);
}

function whole(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw usage(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return Number(value);
}

/**
 * Where `--holdouts` opens from: `--vault`/`--identity` when given; else a task that ships its own vault
 * and demo identity (the demo task) opens with those; else the project's vault and the usual identity.
 * A `--task` with no task folder is still a vault id (holdouts sealed for a task kept elsewhere).
 */
async function holdoutSource(
  task: string | undefined,
  vault: string | undefined,
  identity: string | undefined,
  cwd: string,
): Promise<{ task?: string; vaultDir: string; identityPath?: string }> {
  if (task !== undefined && vault === undefined) {
    const { loadTask, taskHoldoutSource } = await import('../../harness/task.ts');
    try {
      return { task, ...taskHoldoutSource(loadTask(task, { cwd }), { identityPath: identity, cwd }) };
    } catch (err) {
      if (!(err instanceof PlatformError && err.code === 'TWINS_TASK_NOT_FOUND')) throw err;
    }
  }
  return { task, vaultDir: vault ?? defaultVaultDir(cwd), identityPath: identity };
}

export async function runCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
  const { values: v, positionals } = parsed;
  if ((v.task || v.identity) && !v.holdouts) throw usage('--task and --identity go with --holdouts');
  const cwd = process.cwd();
  const result = await runScenarios({
    paths: positionals,
    cwd,
    app: v.app,
    appUrl: v['app-url'],
    twinsEnv: v['twins-env'],
    tags: v.tags,
    parallel: whole(v.parallel, 'parallel', 1, 1, 64),
    junit: v.junit,
    messages: v.messages,
    holdouts: v.holdouts ? await holdoutSource(v.task, v.vault, v.identity, cwd) : undefined,
    eventsPath: v['events-path'] ?? DEFAULT_EVENTS_PATH,
    readyPath: v['ready-path'] ?? '/',
    appTimeoutMs: seconds(v['app-timeout'], 'app-timeout', 60_000),
    waitMs: v.wait === undefined ? undefined : seconds(v.wait, 'wait', 5000),
    seed: whole(v.seed, 'seed', 1, 0, 2 ** 31 - 1),
    rateLimits: !v['no-rate-limits'],
    log: (line) => process.stderr.write(`${line}\n`),
    stdout: process.stdout,
    stderr: process.stderr,
  });
  return result.success ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      app: { type: 'string' },
      'app-url': { type: 'string' },
      'twins-env': { type: 'string' },
      tags: { type: 'string' },
      parallel: { type: 'string' },
      junit: { type: 'string' },
      messages: { type: 'string' },
      holdouts: { type: 'boolean' },
      task: { type: 'string' },
      identity: { type: 'string' },
      vault: { type: 'string' },
      'events-path': { type: 'string' },
      'ready-path': { type: 'string' },
      'app-timeout': { type: 'string' },
      wait: { type: 'string' },
      seed: { type: 'string' },
      'no-rate-limits': { type: 'boolean' },
    },
  });
}
