// `twins score`: parses its flags and scores an agent on a task; exit 0 when the run completed, whatever the score.

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PlatformError } from '../errors.ts';
import { shown } from '../vault/paths.ts';

export const SCORE_HELP = `twins score --agent SPEC --task ID [flags]: score an agent on a task, graded only from outside

Each trial: a fresh tenant on each twin → the agent builds the app in a fresh workspace in its sandbox
(with the brief, the public features and the tenant's variables) → the task's install and start commands
in the sandbox → the sealed holdouts run against the twins and the app → a contamination scan → teardown.
Results are written as each trial finishes: OUT/trials/NNNN.json, then run.json, junit.xml, report.html.

  --agent SPEC        reference | noop | cheater | command:"CMD" | preset:NAME | module:PATH (docs/harness.md);
                      several agents, repeated or comma-separated (--agent reference,noop,cheater): each is
                      scored in turn (in OUT/<agent> with --out), then the leaderboard of them is printed
  --task ID           a task of harness/tasks, or the path of a task folder
  --trials K          trials in the whole run (default 1)
  --parallel N        trials at once (default 1)
  --shard I/N         run only this machine's share: trial i belongs to shard (i mod N)+1; merge the
                      shards' folders with \`twins report merge\`
  --out DIR           the results folder (default runs/<run id>, runs/<run id>-shard-I-of-N with --shard)
  --resume            keep the complete trials already in --out and run the rest (trials failed by the
                      infrastructure run again)
  --run-id ID         name the run (default: derived from the task, the agent and --trials, so shards agree)
  --twins-env FILE    use twins already running (\`twins up --env-file FILE\`) instead of starting them here;
                      every trial gets a tenant of its own on them
  --agent-env NAME    pass this variable of your environment to the agent (repeatable; e.g. ANTHROPIC_API_KEY);
                      nothing else of your environment reaches it
  --keep-workspaces   keep each trial's workspace (their folder is printed) to look at what the agent built
  --sandbox KIND      bubblewrap (refuse to run without it) or none (plain processes: isolates nothing);
                      default: bubblewrap when it works here, else none, said loudly
  --vault DIR         the vault holding the task's holdouts (default: the task's own, as demo has, else scenarios/vault)
  --identity FILE     the vault identity (default $TWINS_VAULT_IDENTITY, else ~/.config/twins/vault-identity.txt)
  --tasks DIR         where task ids are looked up (default harness/tasks)
  --seed N            seed of every trial's tenant data (default 1)
  --wait SECS         default patience of the holdouts' waiting steps (default 5)
  --app-host ADDR     the address the twins reach the app on (default 127.0.0.1); with twins on another
                      machine or pod (--twins-env), this machine's address: apps then get HOST=0.0.0.0
  --json              print only the run summary as JSON on stdout (no progress)

Exit status: 0 when the run completed, whatever the score; 1 when some trials failed for reasons of
the infrastructure (twins, sandbox, vault: they run again with --resume); 2 on usage errors.`;

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins score --help` for the flags.');
}

function whole(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw usage(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return Number(value);
}

/** Parse `--shard I/N`. */
export function parseShardFlag(value: string | undefined): { index: number; total: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^([1-9]\d*)\/([1-9]\d*)$/.exec(value);
  if (!m || Number(m[1]) > Number(m[2])) throw usage(`--shard must be I/N with 1 ≤ I ≤ N, got "${value}"`);
  return { index: Number(m[1]), total: Number(m[2]) };
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        agent: { type: 'string', multiple: true },
        task: { type: 'string' },
        trials: { type: 'string' },
        parallel: { type: 'string' },
        shard: { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean' },
        'run-id': { type: 'string' },
        'twins-env': { type: 'string' },
        'agent-env': { type: 'string', multiple: true },
        'keep-workspaces': { type: 'boolean' },
        sandbox: { type: 'string' },
        vault: { type: 'string' },
        identity: { type: 'string' },
        tasks: { type: 'string' },
        seed: { type: 'string' },
        wait: { type: 'string' },
        'app-host': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

/** `twins score …`: returns the exit code; usage and setup failures are thrown as PlatformError for main to print. */
export async function scoreCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${SCORE_HELP}\n`);
    return 0;
  }
  const { values: v } = parse(argv);
  if (!v.agent?.length) throw usage('twins score needs --agent SPEC (reference, noop, cheater, command:"CMD", preset:NAME, module:PATH)');
  if (!v.task) throw usage('twins score needs --task ID (`twins task list` names them)');
  if (v.sandbox !== undefined && v.sandbox !== 'bubblewrap' && v.sandbox !== 'none')
    throw usage(`--sandbox must be bubblewrap or none, got "${v.sandbox}"`);
  let waitMs: number | undefined;
  if (v.wait !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(v.wait) || Number(v.wait) <= 0) throw usage(`--wait must be a number of seconds, got "${v.wait}"`);
    waitMs = Math.round(Number(v.wait) * 1000);
  }
  const json = Boolean(v.json);
  const agents = agentSpecs(v.agent);
  if (agents.length > 1 && v['run-id'] !== undefined) throw usage('--run-id names one run: leave it out when scoring several agents');
  const { scoreRun } = await import('../../harness/run.ts');
  const report = await import('../../harness/report/index.ts');
  const outDirs: string[] = [];
  const summaries: unknown[] = [];
  let infraCode = 0;
  for (const agent of agents) {
    if (agents.length > 1 && !json) process.stderr.write(`twins score: agent ${agent} on ${v.task}\n`);
    const result = await scoreRun({
      agent,
      task: v.task,
      trials: whole(v.trials, 'trials', 1, 1, 100_000),
      parallel: whole(v.parallel, 'parallel', 1, 1, 256),
      shard: parseShardFlag(v.shard),
      // Several agents share --out as a parent: each gets its own folder in it.
      outDir: v.out !== undefined && agents.length > 1 ? join(v.out, folderName(agent)) : v.out,
      resume: Boolean(v.resume),
      runId: v['run-id'],
      twinsEnv: v['twins-env'],
      agentEnv: v['agent-env'],
      keepWorkspaces: Boolean(v['keep-workspaces']),
      sandboxKind: v.sandbox as 'bubblewrap' | 'none' | undefined,
      vaultDir: v.vault,
      identityPath: v.identity,
      tasksDir: v.tasks,
      seed: whole(v.seed, 'seed', 1, 0, 2 ** 31 - 1),
      waitMs,
      appHost: v['app-host'],
      cwd: process.cwd(),
      progress: json ? undefined : process.stderr,
    });
    const { summary, outDir } = result;
    outDirs.push(outDir);
    if (json) summaries.push(report.summaryJson(summary));
    else {
      process.stdout.write(`${report.scoresText(summary)}\n`);
      process.stdout.write(
        `Results: ${shown(outDir)} (report: ${shown(join(outDir, report.RESULTS.html))})${result.kept.length ? `; ${result.kept.length} trial(s) kept from before` : ''}\n`,
      );
      if (result.workDir) process.stdout.write(`Workspaces kept in ${result.workDir}\n`);
    }
    const infra = summary.trials.filter((t) => t.failure?.kind === 'infrastructure');
    if (infra.length > 0) {
      const err = new PlatformError(
        'TWINS_INFRASTRUCTURE',
        `${infra.length} of ${summary.trials.length} trial(s) of ${agent} failed for reasons of the infrastructure, not the agent (first: trial ${infra[0].trial}: ${infra[0].failure?.reason.split('\n')[0]})`,
        'Fix the cause, then run the same command with --resume: those trials run again, the others are kept.',
      );
      process.stderr.write(`${err.toLine()}\n`);
      infraCode = err.exitCode;
    }
  }
  if (agents.length === 1) {
    if (json) process.stdout.write(`${JSON.stringify(summaries[0], null, 2)}\n`);
    return infraCode;
  }
  // Several agents: the leaderboard of these runs, as `twins leaderboard DIR…` prints it.
  const { summaries: runs, names } = report.readRuns(outDirs, {
    onWarning: json ? undefined : (line: string) => process.stderr.write(`twins: warning: ${line}\n`),
  });
  const board = report.buildLeaderboard(runs, names);
  if (json) process.stdout.write(`${JSON.stringify({ runs: summaries, leaderboard: board }, null, 2)}\n`);
  else {
    process.stdout.write(`\n${report.leaderboardText(board)}\n`);
    process.stdout.write(`The same table later: twins leaderboard ${outDirs.map((d) => shown(d)).join(' ')}\n`);
  }
  return infraCode;
}

/**
 * The agents of `--agent`, repeated or comma-separated (`--agent reference,noop,cheater`). A `command:`
 * or `module:` spec is one agent whatever it holds: a command line or a path may contain commas.
 */
export function agentSpecs(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    const parts = /^(command|module):/.test(value) ? [value] : value.split(',').map((p) => p.trim());
    for (const part of parts) {
      if (part === '') throw usage(`--agent "${value}" names an empty agent`);
      if (!out.includes(part)) out.push(part);
    }
  }
  return out;
}

/** A folder name for an agent's results under a shared --out: `command:my-agent --x` → `command-my-agent-x`. */
function folderName(agent: string): string {
  return (
    agent
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'agent'
  );
}
