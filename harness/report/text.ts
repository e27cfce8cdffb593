// The scores of a run as plain text for a terminal (`twins report show`), and as JSON without the bulky trials.

import type { RunSummary } from '../types.ts';
import { fidelityFigure } from './fidelity.ts';
import { duration, int, pct, pctInterval, plural, shownKs, usd } from './format.ts';
import { missingTrials } from './summary.ts';

/** How many lines of a failure's quoted output `report show` prints (the trial's JSON keeps them all). */
const QUOTED_LINES = 8;

function series(values: Record<string, number>): string {
  return shownKs(Object.keys(values).map(Number))
    .map((k) => `k=${k} ${pct(values[k])}`)
    .join('  ');
}

/**
 * The scores as lines for a terminal: identity, trials, satisfaction with its interval, pass@k and pass^k,
 * time and cost, each scenario's passes, then the contamination and isolation warnings.
 */
export function scoresText(summary: RunSummary): string {
  const s = summary.scores;
  const tr = s.trials;
  const lines: string[] = [];
  lines.push(
    `Run ${summary.runId}: task ${summary.task}, agent ${summary.agent}${summary.shards.length ? `, shards ${summary.shards.join(' ')}` : ''}, isolation ${summary.isolation}`,
  );
  const missing = missingTrials(summary);
  lines.push(
    `Trials: ${tr.total} of ${summary.trialsRequested} requested${missing.length ? ` (missing ${missing.length > 20 ? `${missing.slice(0, 20).join(', ')}, …` : missing.join(', ')})` : ''}; ${tr.graded} scored, ${plural(tr.agentFailures, 'agent failure')}, ${plural(tr.infrastructureFailures, 'infrastructure failure')} (not scored), ${tr.contaminated} contaminated`,
  );
  lines.push(
    `Satisfaction: ${pct(s.satisfaction)} (95 % interval ${pctInterval(s.interval)}): ${s.passedScenarioTrials} of ${plural(s.scenarioTrials, 'scenario-trial')} passed`,
  );
  if (Object.keys(s.passAtK).length) {
    lines.push(`pass@k: ${series(s.passAtK)}`);
    lines.push(`pass^k: ${series(s.passHatK)}`);
  }
  const extras = [`agent wall time median ${duration(s.agentWallMs.median)}, max ${duration(s.agentWallMs.max)}`];
  if (s.tokens !== undefined) extras.push(`${int(s.tokens)} tokens`);
  if (s.costUsd !== undefined) extras.push(`cost ${usd(s.costUsd)}`);
  lines.push(`Time and cost: ${extras.join('; ')}`);
  const f = summary.fidelity;
  lines.push(
    f
      ? `Twin fidelity: ${fidelityFigure(f)} (${f.trustedCalls} of ${plural(f.calls, 'app call')} on trusted operations: implemented, no documented limitation, covered by official SDK tests; over ${plural(f.trials, 'scored trial')})${f.unmodelledTrials ? `; ${f.unmodelledTrials} graded on an unmodelled operation` : ''}`
      : 'Twin fidelity: not measured (trials written before fidelity was recorded)',
  );
  if (s.scenarios.length) {
    lines.push('Scenarios (passed/scored trials):');
    const width = Math.max(...s.scenarios.map((sc) => `${sc.passed}/${sc.trials}`.length));
    for (const sc of s.scenarios)
      lines.push(
        `  ${sc.trials > 0 && sc.passed === sc.trials ? '✓' : '✗'} ${`${sc.passed}/${sc.trials}`.padStart(width)}  ${sc.name}  (${sc.id})`,
      );
  }
  for (const t of summary.trials)
    if (t.failure) {
      const [first, ...more] = t.failure.reason.trimEnd().split('\n');
      lines.push(`Trial ${t.trial}: ${t.failure.kind} failure at stage ${t.failure.stage}: ${first}`);
      // A reason that ends "its last output:" quotes that output on the next lines: show its end, indented.
      const shown = more.slice(-QUOTED_LINES);
      if (more.length > shown.length)
        lines.push(`    … ${plural(more.length - shown.length, 'earlier line')} in the trial's JSON (trials/)`);
      for (const l of shown) lines.push(`    ${l}`);
    }
  for (const t of summary.trials)
    if (t.fidelity?.unmodelled) {
      const ops = t.fidelity.operations.filter((o) => o.status !== 'implemented');
      lines.push(
        `Trial ${t.trial}: GRADED ON AN UNMODELLED OPERATION: ${ops
          .slice(0, 5)
          .map((o) => `${o.twin} ${o.operation} ×${o.calls} (${o.status})`)
          .join('; ')}${ops.length > 5 ? `; … ${ops.length - 5} more` : ''}`,
      );
    }
  const flagged = summary.trials.filter((t) => t.contamination.flagged);
  if (flagged.length) {
    lines.push(
      `CONTAMINATED: ${flagged.length} of ${plural(summary.trials.length, 'trial')} saw holdout content (they still count in the scores):`,
    );
    for (const t of flagged)
      lines.push(
        `  trial ${t.trial}: ${t.contamination.hits.map((h) => `${h.kind} ${h.needle} in the ${h.where}${h.location ? ` (${h.location})` : ''}`).join('; ') || 'flagged'}`,
      );
  }
  const bare = summary.trials.filter((t) => t.isolation === 'none').length;
  if (bare || summary.isolation === 'none')
    lines.push(
      `WARNING: ${bare ? `${bare} of ${plural(summary.trials.length, 'trial')}` : 'this run'} ran without isolation: the agent could read anything this user can, the vault included.`,
    );
  return lines.join('\n');
}

/** The summary for `--json` output: everything but the inlined trials (those are in trials/*.json), plus the missing trial indices. */
export function summaryJson(summary: RunSummary): Omit<RunSummary, 'trials'> & { trialCount: number; missingTrials: number[] } {
  const { trials, ...rest } = summary;
  return { ...rest, trialCount: trials.length, missingTrials: missingTrials(summary) };
}
