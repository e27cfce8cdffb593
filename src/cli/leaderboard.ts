// `twins leaderboard DIR…`: agents side by side on the same tasks, from the results folders of their runs.

import { parseArgs } from 'node:util';
import { PlatformError } from '../errors.ts';

export const LEADERBOARD_HELP = `twins leaderboard DIR… [--json] [--html FILE]: agents side by side on the same tasks

Reads the results folders of \`twins score\` runs (any agents, any tasks) and prints a table: a row per
agent, a column per task. Each cell: satisfaction with its 95 % interval, pass^k at the largest k every
agent on that task has (so the column compares like with like), and the number of scored trials.
Folders of one run (its shards) are merged; several runs of one agent on one task are pooled.
Contaminated trials and runs without isolation are marked. A last column gives each agent's twin
fidelity: the share of its apps' vendor calls on operations the twins implement without a documented
limitation and official SDK tests cover, with the trials graded on an unmodelled operation.

  --json       print the leaderboard as one JSON object ({tasks:[{task,k}], rows:[{agent, fidelity, cells}]})
  --html FILE  also write it as a self-contained HTML page`;

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins leaderboard --help` for usage.');
}

/** `twins leaderboard …`: returns the exit code; failures are thrown as PlatformError for main to print. */
export async function leaderboardCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${LEADERBOARD_HELP}\n`);
    return 0;
  }
  let parsed: { values: { json?: boolean; html?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, html: { type: 'string' } },
    });
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw usage('leaderboard needs at least one results folder');
  const report = await import('../../harness/report/index.ts');
  const warn = values.json ? undefined : (line: string) => process.stderr.write(`twins: warning: ${line}\n`);
  // A folder that cannot be read is left out with a warning: one broken run must not hide the others.
  const { summaries, names } = report.readRuns(positionals, { onWarning: warn });
  const board = report.buildLeaderboard(summaries, names);
  if (values.html) {
    const { writeFileAtomic } = await import('../vault/atomic.ts');
    try {
      writeFileAtomic(values.html, report.leaderboardHtml(board));
    } catch (err) {
      throw new PlatformError(
        'TWINS_RESULTS_WRITE',
        `could not write ${values.html}: ${(err as Error).message}`,
        'Pass an --html path in a folder you can write to.',
      );
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(board, null, 2)}\n`);
  else {
    process.stdout.write(`${report.leaderboardText(board)}\n`);
    if (values.html) process.stdout.write(`\nWrote ${values.html}\n`);
  }
  return 0;
}
