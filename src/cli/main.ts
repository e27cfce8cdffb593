// The `twins` command line: parses arguments, runs a command, and turns platform errors into one line and an exit code.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PlatformError } from '../errors.ts';
import { TWIN_NAMES } from '../registry.ts';
import { takeIdentityData } from '../vault/paths.ts';
import { DEFAULT_PORT, startTwins, summaryText } from './up.ts';

/** The twins this version ships, as their vendors write them (`Slack, Okta and Jira`), from src/registry.ts. */
function twinList(): string {
  const names = TWIN_NAMES.map((n) => n.charAt(0).toUpperCase() + n.slice(1));
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const UP_HELP = `twins up [${TWIN_NAMES.join(' ')}] [flags]: start the twins (all of them unless named), wait until
each is healthy, print their URLs and credentials, run until Ctrl-C

  --port N, -p N   port of the first twin (default ${DEFAULT_PORT}; the next twins take the next ports; 0 = free ports)
  --host H         address to listen on (default 127.0.0.1)
  --seed N         seed for the generated data (default 1): the same seed gives the same people,
                   channels, ids and history; tokens and secrets are new each run
  --env-file PATH  also write each twin's variables (SLACK_API_URL, SLACK_BOT_TOKEN, ...) to PATH as
                   dotenv; load them with \`set -a; . ./PATH; set +a\` or \`node --env-file=PATH app.js\`
  --company FILE   seed one company into every twin from FILE (YAML or JSON; \`twins init\` writes an
                   example; docs/company.md): the same people in Okta, Slack and Jira
  --json           print exactly one JSON object on stdout: {"twins":{"slack":{"url","control","env"}}}
  --no-rate-limits answer every call, however fast (rate limits are on by default)
  --control-token T lock the control plane (/_twin): every call but health and its documents needs header
                   x-twin-control-token: T; vendor tokens never open it (default $TWINS_CONTROL_TOKEN; unset: open)

Node 20 and --env-file: write \`npx -- twins up --env-file PATH\` (or install twins and run \`twins up\`).
Without the \`--\`, Node 20 itself takes --env-file from npx's command line (nodejs/node#54232) and stops
with "node: PATH: not found" before twins starts; when PATH exists, Node quietly loads it into npx.`;

const HELP = `twins: digital twins of ${twinList()} for testing integrations

Usage:
  twins up [${TWIN_NAMES.join(' ')}] [--port N] [--host 127.0.0.1] [--seed N] [--company FILE] [--env-file PATH] [--json] [--no-rate-limits]
  twins init [FILE] [--force]
  twins run [paths…] [--app-url URL | --app "CMD"] [--twins-env FILE] [--tags EXPR] [--parallel N]
            [--junit FILE] [--messages FILE] [--holdouts --task ID [--identity FILE]]
  twins steps [--json]
  twins scenarios add FILE|DIR… --task ID [--holdout] [--remove-source] [--vault DIR] [--features DIR] [--json]
  twins scenarios list [--task ID] [--identity FILE] [--vault DIR] [--features DIR] [--json]
  twins vault init | verify | reseal [--identity FILE] [--vault DIR]
  twins score --agent SPEC --task ID [--trials K] [--parallel N] [--shard I/N] [--out DIR] [--resume] [--json]
  twins grade --app "CMD" --cwd DIR --task ID [--out DIR] [--json]
  twins task list | validate ID
  twins report show DIR | merge DIR… --out DIR
  twins leaderboard DIR… [--html FILE] [--json]
  twins --help | --version

twins up         start the twins (${TWIN_NAMES.join(', ')}), print their URLs and credentials, run until Ctrl-C
twins init       write a commented example company file (company.yaml) for \`twins up --company\`
twins run        run Gherkin scenarios against the twins and an app
twins steps      print the step catalogue, each step with an example
twins scenarios  add scenarios to a task (public, or sealed into the vault with --holdout); list them
twins vault      create the vault identity (init); check every sealed holdout (verify); seal again to new recipients (reseal)
twins score      build an app with an agent in a sandbox, grade it by the task's sealed holdouts, K trials
twins grade      grade an app built elsewhere by the task's holdouts
twins task       list the tasks; check that every holdout passes on the reference and fails on a do-nothing app
twins report     print a run's scores; merge shards into one run
twins leaderboard  agents side by side on the same tasks
Every command and subcommand takes --help (or -h): \`twins up --help\`, \`twins scenarios add --help\`.

Docs: README.md, docs/control-plane.md, docs/scenarios.md, docs/harness.md, docs/agents.md, docs/security.md`;

/** The commands `twins` knows, each with the module that runs it (loaded on demand). */
const COMMANDS = ['up', 'init', 'run', 'steps', 'scenarios', 'vault', 'score', 'grade', 'task', 'report', 'leaderboard'] as const;

/** `--help` or `-h` anywhere among a command's own arguments (not after a `--`). */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins --help` for usage.');
}

function intFlag(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw usage(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return Number(value);
}

async function up(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseUp>;
  try {
    parsed = parseUp(argv);
  } catch (err) {
    if (err instanceof PlatformError) throw err;
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
  const { values, positionals } = parsed;
  const opts = {
    twins: positionals,
    host: values.host ?? '127.0.0.1',
    port: intFlag(values.port, 'port', DEFAULT_PORT, 0, 65535),
    seed: intFlag(values.seed, 'seed', 1, 0, 2 ** 31 - 1),
    rateLimits: !values['no-rate-limits'],
    envFile: values['env-file'],
    controlToken: values['control-token'] ?? process.env.TWINS_CONTROL_TOKEN,
    company: values.company,
  };
  const { running, summary } = await startTwins(opts);
  if (values.json) process.stdout.write(`${JSON.stringify({ twins: summary })}\n`);
  else process.stdout.write(`${summaryText(summary, opts)}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!values.json) process.stderr.write(`\n${signal}: stopping the twins\n`);
    await Promise.all([...running.values()].map((t) => t.close()));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function parseUp(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'env-file': { type: 'string' },
      company: { type: 'string' },
      json: { type: 'boolean' },
      'no-rate-limits': { type: 'boolean' },
      'control-token': { type: 'string' },
    },
  });
}

export async function main(argv: string[]): Promise<number> {
  // A vault identity handed over as a variable's text (TWINS_VAULT_IDENTITY_DATA) leaves the environment
  // before any app, worker or agent is started, whatever the command.
  takeIdentityData();
  const [command, ...args] = argv;
  let rest = args;
  try {
    // `twins help CMD` is `twins CMD --help`.
    if (command === 'help' && rest.length > 0 && (COMMANDS as readonly string[]).includes(rest[0])) return await main([rest[0], '--help']);
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${HELP}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    // Every command and subcommand answers --help with its usage and exit 0, whatever else it was given.
    const help = (COMMANDS as readonly string[]).includes(command) && asksForHelp(rest);
    if (help && command === 'up') {
      process.stdout.write(`${UP_HELP}\n`);
      return 0;
    }
    if (help) rest = ['--help'];
    if (command === 'up') {
      await up(rest);
      return -1; // keeps running until a signal stops it
    }
    // Loaded on demand: `twins up` must not pay for cucumber, age or the harness at start.
    if (command === 'init') return await (await import('./init.ts')).initCommand(rest);
    if (command === 'run') return await (await import('./run.ts')).runCommand(rest);
    if (command === 'steps') return await (await import('./steps.ts')).stepsCommand(rest);
    if (command === 'scenarios') return await (await import('./scenarios.ts')).scenariosCommand(rest);
    if (command === 'vault') return await (await import('./vault.ts')).vaultCommand(rest);
    if (command === 'score') return await (await import('./score.ts')).scoreCommand(rest);
    if (command === 'grade') return await (await import('./grade.ts')).gradeCommand(rest);
    if (command === 'task') return await (await import('./task.ts')).taskCommand(rest);
    if (command === 'report') return await (await import('./report.ts')).reportCommand(rest);
    if (command === 'leaderboard') return await (await import('./leaderboard.ts')).leaderboardCommand(rest);
    throw usage(`unknown command "${command}"`);
  } catch (err) {
    if (err instanceof PlatformError) {
      process.stderr.write(`${err.toLine()}\n`);
      return err.exitCode;
    }
    process.stderr.write(`twins: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
