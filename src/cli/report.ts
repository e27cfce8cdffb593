// `twins report show | merge`: print a run's scores; merge the shards of a run into one results folder and its reports.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PlatformError } from '../errors.ts';

export const REPORT_HELP = `twins report: read and combine the results of \`twins score\` (see docs/harness.md)

Usage:
  twins report show DIR [--json]
  twins report merge DIR… --out DIR [--json]

show    print the scores of the results folder DIR: satisfaction with its 95 % interval, pass@k and
        pass^k, failures, time and cost, the twins' fidelity figure (the share of the apps' vendor calls
        on operations the twins implement without a documented limitation and official SDK tests
        cover) with any trial graded on an unmodelled operation, each scenario's passes,
        contamination and isolation warnings.
        trials/*.json are the source; a missing or stale run.json is tolerated.
merge   combine the results folders of one run (its shards, e.g. 1/2 and 2/2 from several machines)
        into --out: trials/, run.json, junit.xml and report.html. Refuses folders of different runs
        (run id, task, agent, trials requested) and a trial recorded twice with different contents.
        When --out already holds results of the same run, they are merged in too.

  --out DIR   where merge writes (created if absent)
  --json      print the run summary as one JSON object (without the trials, which are in trials/*.json)

Exit status: 0 when the results were read (whatever the scores), non-zero on an error.`;

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins report --help` for usage.');
}

function parse(argv: string[], withOut: boolean) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, ...(withOut ? { out: { type: 'string' as const } } : {}) },
    }) as { values: { json?: boolean; out?: string }; positionals: string[] };
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

const out = (text: string) => process.stdout.write(`${text}\n`);
const warn = (line: string) => process.stderr.write(`twins: warning: ${line}\n`);

/** `twins report …`: returns the exit code; failures are thrown as PlatformError for main to print. */
export async function reportCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    out(REPORT_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(REPORT_HELP);
    return 0;
  }
  const report = await import('../../harness/report/index.ts');
  if (sub === 'show') {
    const { values, positionals } = parse(rest, false);
    if (positionals.length !== 1) throw usage(`report show takes one results folder, got ${positionals.length}`);
    const summary = report.readRun(positionals[0], { onWarning: values.json ? undefined : warn });
    out(values.json ? JSON.stringify(report.summaryJson(summary), null, 2) : report.scoresText(summary));
    return 0;
  }
  if (sub === 'merge') {
    const { values, positionals } = parse(rest, true);
    if (positionals.length === 0) throw usage('report merge needs at least one results folder');
    if (!values.out) throw usage('report merge needs --out DIR');
    const outDir = values.out;
    const inputs = [...positionals];
    const { existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    // Merging into a folder that already holds results of this run adds to it; of another run, is refused by the merge.
    const outHasResults = existsSync(join(outDir, report.RESULTS.trialsDir)) || existsSync(join(outDir, report.RESULTS.run));
    if (outHasResults && !inputs.some((d) => resolve(d) === resolve(outDir))) inputs.push(outDir);
    const summary = report.mergeRuns(inputs, { onWarning: values.json ? undefined : warn });
    report.writeRun(outDir, summary);
    if (values.json) out(JSON.stringify(report.summaryJson(summary), null, 2));
    else {
      out(
        `Merged ${summary.trials.length} trial${summary.trials.length === 1 ? '' : 's'} from ${positionals.length} folder${positionals.length === 1 ? '' : 's'} into ${outDir} (trials/, run.json, junit.xml, report.html).`,
      );
      out('');
      out(report.scoresText(summary));
    }
    return 0;
  }
  throw usage(`unknown report command "${sub}"`);
}
