// `twins task list | validate`: the tasks there are, and the quality gate of a task's holdouts (reference passes, do-nothing fails).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PlatformError } from '../errors.ts';

export const TASK_HELP = `twins task: the tasks agents are scored on (harness/tasks/ID: task.yaml, brief.md, features/, reference/)

Usage:
  twins task list [--tasks DIR] [--vault DIR] [--json]
  twins task validate ID | --all [--vault DIR] [--identity FILE] [--twins-env FILE] [--tasks DIR] [--json]

list      every task: id, title, twins, public feature files and the holdout scenarios sealed for it
          (counted from the vault's index: no identity needed)
validate  the quality gate: every holdout scenario of the task must pass on its reference solution and
          fail on the built-in do-nothing baseline; the ones that do not discriminate are named. A task
          counts only when it validates. Needs the vault identity (a demo task ships its own).
          --all validates every task side by side (what CI runs); exit 1 if any does not validate.

  --tasks DIR        where task ids are looked up (default harness/tasks); ID may also be a task folder's path
  --vault DIR        the vault (default: the task's own when task.yaml names one, as the demo does; else scenarios/vault)
  --identity FILE    the vault identity (default: a demo task's shipped demo identity; else $TWINS_VAULT_IDENTITY,
                     else the text in $TWINS_VAULT_IDENTITY_DATA, else ~/.config/twins/vault-identity.txt)
  --twins-env FILE   use twins already running instead of starting them here
  --wait SECS        default patience of waiting steps (default 5)
  --json             print JSON on stdout

Exit status: list 0; validate 0 when every holdout discriminates, 1 when any does not, 2 on usage errors.`;

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins task --help` for usage.');
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        tasks: { type: 'string' },
        vault: { type: 'string' },
        identity: { type: 'string' },
        'twins-env': { type: 'string' },
        wait: { type: 'string' },
        json: { type: 'boolean' },
        all: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

const out = (text: string) => process.stdout.write(`${text}\n`);

/** `twins task …`: returns the exit code; failures are thrown as PlatformError for main to print. */
export async function taskCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    out(TASK_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(TASK_HELP);
    return 0;
  }
  const { values: v, positionals } = parse(rest);
  const cwd = process.cwd();
  const { defaultVaultDir, readIndex } = await import('../vault/index.ts');
  const vaultDir = resolve(cwd, v.vault ?? defaultVaultDir(cwd));

  if (sub === 'list') {
    if (positionals.length > 0) throw usage(`task list takes no arguments, got "${positionals[0]}"`);
    const { listTasks } = await import('../../harness/task.ts');
    const indexed = (dir: string): { task: string; scenarios: number }[] => {
      try {
        return readIndex(dir).holdouts;
      } catch {
        return []; // No vault (or no index) there: its tasks show 0 holdouts.
      }
    };
    const shared = indexed(vaultDir);
    const rows = listTasks({ tasksDir: v.tasks, cwd }).map((r) => {
      // A task with a vault of its own (the demo) counts from it, unless --vault names another.
      const own = r.task?.holdouts && v.vault === undefined ? r.task.holdouts : undefined;
      const holdouts = (own ? indexed(own.vault) : shared).filter((h) => h.task === r.id);
      return {
        id: r.id,
        title: r.task?.title,
        twins: r.task?.twins,
        publicFeatures: r.task?.publicFeatures.length ?? 0,
        holdoutFiles: holdouts.length,
        holdoutScenarios: holdouts.reduce((n, h) => n + h.scenarios, 0),
        reference: r.task ? existsSync(r.task.referenceDir) : false,
        ...(own?.demoIdentity ? { demo: true } : {}),
        ...(r.error ? { error: r.error } : {}),
      };
    });
    if (v.json) out(JSON.stringify({ tasks: rows }, null, 2));
    else if (rows.length === 0) out('No task found (tasks live in harness/tasks/ID/task.yaml).');
    else
      for (const r of rows)
        out(
          r.error
            ? `${r.id}  (does not load: ${r.error})`
            : `${r.id}  ${r.title}  [${r.twins?.join(', ')}]  ${r.publicFeatures} public feature file(s), ${r.holdoutScenarios} holdout scenario(s) in ${r.holdoutFiles} file(s)${r.demo ? ' (demo: they open with the public identity shipped in the task folder)' : ''}${r.reference ? '' : ', NO reference solution'}`,
        );
    return 0;
  }

  if (sub === 'validate') {
    const all = Boolean(v.all);
    if (all ? positionals.length > 0 : positionals.length !== 1)
      throw usage(all ? 'task validate --all takes no task id' : `task validate takes one task id (or --all), got ${positionals.length}`);
    let waitMs: number | undefined;
    if (v.wait !== undefined) {
      if (!/^\d+(\.\d+)?$/.test(v.wait) || Number(v.wait) <= 0) throw usage(`--wait must be a number of seconds, got "${v.wait}"`);
      waitMs = Math.round(Number(v.wait) * 1000);
    }
    const { validateTask } = await import('../../harness/validate.ts');
    const { defaultTasksDir, taskIds } = await import('../../harness/task.ts');
    const ids = all ? taskIds(resolve(cwd, v.tasks ?? defaultTasksDir())) : positionals;
    if (ids.length === 0) throw usage('task validate --all found no task (tasks live in harness/tasks/ID/task.yaml)');
    const validate = (task: string) =>
      validateTask({
        task,
        tasksDir: v.tasks,
        cwd,
        // Unset unless given: a task with a vault of its own (the demo) is validated from it.
        vaultDir: v.vault === undefined ? undefined : vaultDir,
        identityPath: v.identity,
        twinsEnv: v['twins-env'],
        waitMs,
        log: v.json ? undefined : (line) => process.stderr.write(`${ids.length > 1 ? `[${task}] ` : ''}${line}\n`),
      });
    if (!all) {
      const result = await validate(ids[0]);
      if (v.json) out(JSON.stringify({ task: result.task, valid: result.valid, verdicts: result.verdicts }, null, 2));
      else printValidation(result);
      return result.valid ? 0 : 1;
    }
    // Side by side: each task grades on twins of its own, so a suite of tasks takes about as long as its slowest.
    const settled = await Promise.allSettled(ids.map(validate));
    const rows = settled.map((r, i) =>
      r.status === 'fulfilled'
        ? { task: ids[i], valid: r.value.valid, verdicts: r.value.verdicts, result: r.value }
        : { task: ids[i], valid: false, error: r.reason instanceof PlatformError ? r.reason.toLine() : String(r.reason) },
    );
    if (v.json) out(JSON.stringify({ tasks: rows.map(({ result: _r, ...row }) => row), valid: rows.every((r) => r.valid) }, null, 2));
    else
      for (const r of rows) {
        if (r.result) printValidation(r.result);
        else out(`Task ${r.task} could not be validated: ${r.error}`);
      }
    const bad = rows.filter((r) => !r.valid).map((r) => r.task);
    if (!v.json)
      out(
        bad.length === 0
          ? `All ${rows.length} tasks validate.`
          : `${bad.length} of ${rows.length} tasks do not validate: ${bad.join(', ')}.`,
      );
    return bad.length === 0 ? 0 : 1;
  }
  throw usage(`unknown task command "${sub}" (list, validate)`);
}

/** A validation as people read it: a line per holdout scenario, then the verdict. */
function printValidation(result: import('../../harness/validate.ts').ValidateResult): void {
  const bad = result.verdicts.filter((x) => !x.discriminates);
  for (const x of result.verdicts)
    out(`${x.discriminates ? '✓' : '✗'} ${x.name}  (${x.id}, holdout ${x.holdout}): reference ${x.reference}, baseline ${x.baseline}`);
  for (const t of [result.reference, result.baseline])
    if (t.failure)
      out(`The ${t.agent === 'reference' ? 'reference solution' : 'baseline'} failed at ${t.failure.stage}: ${t.failure.reason}`);
  out(
    result.valid
      ? `Task ${result.task} validates: all ${result.verdicts.length} holdout scenario(s) pass on the reference and fail on the do-nothing baseline.`
      : `Task ${result.task} does not validate: ${bad.length} of ${result.verdicts.length} holdout scenario(s) do not discriminate:\n${bad.map((x) => `  ${x.name} (${x.id}, holdout ${x.holdout}): ${x.problem}`).join('\n')}`,
  );
}
