// `twins scenarios add | list`: add feature files to a task (public, or sealed as holdouts), and list a task's scenarios.

import { parseArgs } from 'node:util';
import { PlatformError } from '../errors.ts';
import type { ListedFeature, ScenarioListing } from '../vault/index.ts';

const HELP = `twins scenarios: a task's Gherkin scenarios, public or sealed as holdouts (see docs/security.md)

Usage:
  twins scenarios add FILE… --task ID [--holdout] [--remove-source] [--vault DIR] [--features DIR] [--json]
  twins scenarios list [--task ID] [--identity FILE] [--vault DIR] [--features DIR] [--json]

add    parse and lint each FILE (or folder of .feature files): undefined steps, empty scenarios,
       duplicate names (in the files, the task's public features and its holdouts). Nothing is
       added if anything fails. Each scenario gets a random canary tag line (@canary-…).
       Public: written to the task's own folder, harness/tasks/ID/features/NAME.feature (where
       score, grade and task validate read them). --holdout: sealed to the vault's public
       recipients (no identity needed; the plaintext is never written) and indexed.
list   each task's public features (harness/tasks/*/features) in full; holdouts as ids and
       counts, in full only with the identity.

  --task ID         the task the scenarios belong to (add: required)
  --holdout         seal the files into the vault instead of making them public
  --remove-source   delete each FILE once it has been added
  --identity FILE   list: open the holdouts with this identity (or set TWINS_VAULT_IDENTITY)
  --vault DIR       the vault folder (default scenarios/vault)
  --features DIR    keep public features in DIR/ID/ instead of each task's harness/tasks/ID/features
  --json            print one JSON object`;

function usage(message: string): PlatformError {
  return new PlatformError('TWINS_USAGE', message, 'Run `twins scenarios --help` for usage.');
}

type Flags = {
  task?: string;
  holdout?: boolean;
  'remove-source'?: boolean;
  identity?: string;
  vault?: string;
  features?: string;
  json?: boolean;
};

function parse(argv: string[], positionals: boolean, options: Record<string, { type: 'string' | 'boolean' }>) {
  try {
    const r = parseArgs({ args: argv, allowPositionals: positionals, strict: true, options });
    return { values: r.values as Flags, files: r.positionals };
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`twins: warning: ${line}\n`);
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `twins scenarios …`: returns the exit code; failures are thrown as PlatformError for main to print. */
export async function scenariosCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    out(HELP);
    return sub === undefined ? 2 : 0;
  }
  // Loaded here, not at the top, so `twins up` does not pay for age and gherkin at start-up.
  const vault = await import('../vault/index.ts');
  if (sub === 'add') {
    const { values: v, files } = parse(rest, true, {
      task: { type: 'string' },
      holdout: { type: 'boolean' },
      'remove-source': { type: 'boolean' },
      vault: { type: 'string' },
      features: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!v.task) throw usage('`twins scenarios add` needs --task ID: the task these scenarios belong to');
    if (files.length === 0) throw usage('`twins scenarios add` needs at least one FILE');
    let result: Awaited<ReturnType<typeof vault.addScenarios>>;
    try {
      result = await vault.addScenarios({
        files,
        task: v.task,
        holdout: v.holdout,
        removeSource: v['remove-source'],
        vaultDir: v.vault,
        featuresDir: v.features,
      });
    } catch (err) {
      // Every problem on its own line (file:line: …) before main prints the one-line summary.
      if (err instanceof vault.ScenarioProblems && err.problems.length > 1)
        for (const p of err.problems) process.stderr.write(`${vault.problemLine(p)}\n`);
      throw err;
    }
    for (const note of result.recovered) warn(note);
    if (v.json) out(JSON.stringify(result));
    else
      for (const a of result.added) {
        if (a.unchanged) out(`unchanged ${a.file} (already holds these ${plural(a.scenarios, 'scenario')})`);
        else if (a.id) out(`sealed ${a.source} → ${a.file} (task ${result.task}, holdout ${a.id}, ${plural(a.scenarios, 'scenario')})`);
        else out(`added ${a.source} → ${a.file} (${plural(a.scenarios, 'scenario')}, canary-tagged)`);
      }
    for (const r of result.removed) if (!v.json) out(`removed ${r}`);
    for (const w of result.warnings) warn(w);
    return 0;
  }
  if (sub === 'list') {
    const { values: v } = parse(rest, false, {
      task: { type: 'string' },
      identity: { type: 'string' },
      vault: { type: 'string' },
      features: { type: 'string' },
      json: { type: 'boolean' },
    });
    // Holdouts open only when the identity is named (flag or environment), never just because a
    // default identity file happens to exist on this machine.
    const identityPath = vault.identityGiven(v.identity) ? vault.resolveIdentityPath(v.identity) : undefined;
    const listing = await vault.listScenarios({ task: v.task, featuresDir: v.features, vaultDir: v.vault, identityPath });
    if (v.json) out(JSON.stringify(listing));
    else printListing(listing);
    return 0;
  }
  throw usage(`unknown scenarios command "${sub}"`);
}

function printFeature(f: Omit<ListedFeature, 'task' | 'file'>, indent: string): void {
  if (f.errors) for (const e of f.errors) out(`${indent}does not parse: ${e}`);
  if (f.background.length > 0) {
    out(`${indent}Background:`);
    for (const s of f.background) out(`${indent}  ${s.keyword} ${s.text}`);
  }
  for (const s of f.scenarios) {
    out(`${indent}${s.keyword}: ${s.name}${s.canary ? `  ${s.canary}` : ''}`);
    for (const st of s.steps) out(`${indent}  ${st.keyword} ${st.text}`);
  }
}

function printListing(listing: ScenarioListing): void {
  if (listing.public.length === 0) out('No public scenarios.');
  else {
    out('Public scenarios');
    for (const f of listing.public) {
      out(`${f.task}  ${f.file}${f.feature ? `  (Feature: ${f.feature})` : ''}`);
      printFeature(f, '  ');
    }
  }
  out();
  if (listing.holdouts.length === 0) {
    out('No holdouts.');
    return;
  }
  out(
    listing.opened
      ? 'Holdouts (opened with the identity: keep this output away from agents)'
      : 'Holdouts (sealed: ids and counts only; --identity opens them)',
  );
  for (const h of listing.holdouts) {
    out(`${h.task}  ${h.id}  ${plural(h.scenarios, 'scenario')}  added ${h.added.slice(0, 10)}  ${h.file}`);
    if (h.feature) printFeature(h.feature, '  ');
  }
}
