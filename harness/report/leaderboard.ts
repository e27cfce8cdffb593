// Agents side by side on the same tasks: runs grouped by agent and task, shards merged, scores pooled; as data, text and HTML.

import { scoreTrials } from '../scoring.ts';
import type { IsolationKind, RunFidelity, RunSummary } from '../types.ts';
import { escapeHtml } from './escape.ts';
import { fidelityFigure, runFidelity } from './fidelity.ts';
import { int, pct, pctInterval, usd } from './format.ts';
import { mergeSummaries, weakestIsolation } from './summary.ts';

export interface LeaderboardCell {
  agent: string;
  task: string;
  /** The runs pooled into this cell (several runs of one agent on one task add up). */
  runIds: string[];
  /** Trials present, and of those the scored ones (infrastructure failures are not scored). */
  trials: number;
  graded: number;
  satisfaction: number;
  interval: [number, number];
  passedScenarioTrials: number;
  scenarioTrials: number;
  /** pass^k at the task's common k (LeaderboardTask.k); absent when k is 0. */
  passHatK?: number;
  agentFailures: number;
  infrastructureFailures: number;
  contaminated: number;
  isolation: IsolationKind;
  medianAgentWallMs: number;
  costUsd?: number;
  tokens?: number;
  /** The twins' fidelity over the cell's scored trials (docs/harness.md); absent when none recorded one. */
  fidelity?: RunFidelity;
}

export interface LeaderboardTask {
  task: string;
  /** The largest k every agent on this task can be compared at: the fewest scored trials any of them has. */
  k: number;
}

export interface LeaderboardRow {
  agent: string;
  /** Mean satisfaction over the tasks this agent ran, and how many those are. */
  meanSatisfaction: number;
  tasks: number;
  /** The twins' fidelity pooled over all this agent's cells; absent when no trial recorded one. */
  fidelity?: RunFidelity;
  cells: Record<string, LeaderboardCell>;
}

export interface Leaderboard {
  tasks: LeaderboardTask[];
  /** Best first: by mean satisfaction, then by name. */
  rows: LeaderboardRow[];
}

/**
 * Build the leaderboard from run summaries (one per results folder). Summaries of one run (its shards)
 * are merged with the same checks as `twins report merge`; different runs of one agent on one task are
 * pooled: their trials are scored together. `names` label the inputs in errors.
 */
export function buildLeaderboard(summaries: RunSummary[], names: string[] = summaries.map((_, i) => `input ${i + 1}`)): Leaderboard {
  const groups = new Map<string, { agent: string; task: string; runs: Map<string, { summaries: RunSummary[]; names: string[] }> }>();
  summaries.forEach((s, i) => {
    const key = JSON.stringify([s.agent, s.task]);
    const g = groups.get(key) ?? { agent: s.agent, task: s.task, runs: new Map() };
    groups.set(key, g);
    const run = g.runs.get(s.runId) ?? { summaries: [], names: [] };
    g.runs.set(s.runId, run);
    run.summaries.push(s);
    run.names.push(names[i]);
  });

  const pooled = [...groups.values()].map((g) => {
    const runs = [...g.runs.values()].map((r) => mergeSummaries(r.summaries, r.names));
    const trials = runs.flatMap((r) => r.trials);
    return { g, runs, trials, scores: scoreTrials(trials), fidelity: runFidelity(trials) };
  });
  const taskNames = [...new Set(pooled.map((p) => p.g.task))].sort();
  const tasks: LeaderboardTask[] = taskNames.map((task) => ({
    task,
    k: Math.min(...pooled.filter((p) => p.g.task === task).map((p) => p.scores.trials.graded)),
  }));

  const cells: LeaderboardCell[] = pooled.map(({ g, runs, scores, fidelity }) => {
    const k = tasks.find((t) => t.task === g.task)?.k ?? 0;
    const cell: LeaderboardCell = {
      agent: g.agent,
      task: g.task,
      runIds: runs.map((r) => r.runId).sort(),
      trials: scores.trials.total,
      graded: scores.trials.graded,
      satisfaction: scores.satisfaction,
      interval: scores.interval,
      passedScenarioTrials: scores.passedScenarioTrials,
      scenarioTrials: scores.scenarioTrials,
      agentFailures: scores.trials.agentFailures,
      infrastructureFailures: scores.trials.infrastructureFailures,
      contaminated: scores.trials.contaminated,
      isolation: weakestIsolation(runs.map((r) => r.isolation)),
      medianAgentWallMs: scores.agentWallMs.median,
    };
    // Means over scenarios of pass^k; absent when the task has no scenarios or no common k.
    if (k > 0 && scores.passHatK[k] !== undefined) cell.passHatK = scores.passHatK[k];
    if (scores.costUsd !== undefined) cell.costUsd = scores.costUsd;
    if (scores.tokens !== undefined) cell.tokens = scores.tokens;
    if (fidelity) cell.fidelity = fidelity;
    return cell;
  });

  const agents = [...new Set(cells.map((c) => c.agent))];
  const rows: LeaderboardRow[] = agents.map((agent) => {
    const mine = cells.filter((c) => c.agent === agent);
    const fidelity = poolFidelity(mine.flatMap((c) => (c.fidelity ? [c.fidelity] : [])));
    return {
      agent,
      meanSatisfaction: mine.reduce((sum, c) => sum + c.satisfaction, 0) / mine.length,
      tasks: mine.length,
      ...(fidelity ? { fidelity } : {}),
      cells: Object.fromEntries(mine.map((c) => [c.task, c])),
    };
  });
  rows.sort((a, b) => b.meanSatisfaction - a.meanSatisfaction || (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0));
  return { tasks, rows };
}

/** Figures pooled by their calls (a task with more calls weighs more); undefined when there is none. */
function poolFidelity(list: RunFidelity[]): RunFidelity | undefined {
  if (list.length === 0) return undefined;
  const calls = list.reduce((n, f) => n + f.calls, 0);
  const trustedCalls = list.reduce((n, f) => n + f.trustedCalls, 0);
  return {
    trials: list.reduce((n, f) => n + f.trials, 0),
    unmodelledTrials: list.reduce((n, f) => n + f.unmodelledTrials, 0),
    calls,
    trustedCalls,
    figure: calls > 0 ? trustedCalls / calls : null,
  };
}

/** The fidelity column's text: the figure, and how many trials were graded on an unmodelled operation. */
function fidelityText(f: RunFidelity | undefined): string {
  if (!f) return 'not measured';
  return `${fidelityFigure(f)}${f.unmodelledTrials ? ` ⚠ ${f.unmodelledTrials} unmodelled` : ''}`;
}

function cellText(c: LeaderboardCell | undefined, k: number): string {
  if (!c) return '—';
  const parts = [`${pct(c.satisfaction)} [${pctInterval(c.interval).replace(' %', '')}]`];
  if (c.passHatK !== undefined) parts.push(`pass^${k} ${pct(c.passHatK)}`);
  parts.push(`n=${c.graded}${c.graded !== c.trials ? `/${c.trials}` : ''}`);
  if (c.contaminated) parts.push(`⚠ ${c.contaminated} contaminated`);
  if (c.isolation === 'none') parts.push('no isolation');
  if (c.fidelity) parts.push(`fidelity ${fidelityText(c.fidelity)}`);
  return parts.join(' ');
}

/** The leaderboard as a text table: rows agents, columns tasks. */
export function leaderboardText(board: Leaderboard): string {
  const header = ['agent', ...board.tasks.map((t) => `${t.task} (k=${t.k})`), 'mean', 'twin fidelity'];
  const body = board.rows.map((r) => [
    r.agent,
    ...board.tasks.map((t) => cellText(r.cells[t.task], t.k)),
    `${pct(r.meanSatisfaction)}${r.tasks < board.tasks.length ? ` (${r.tasks} of ${board.tasks.length} tasks)` : ''}`,
    fidelityText(r.fidelity),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cols: string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    'Satisfaction [95 % interval], pass^k at the largest k every agent on the task has, n = scored trials (/ trials run).',
    "Twin fidelity: the share of the apps' vendor calls on trusted operations (implemented, no documented limitation, covered by official SDK tests); ⚠ N unmodelled: trials graded on an operation the twin does not model.",
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n');
}

/** The leaderboard as a self-contained HTML page (inline CSS, no scripts). */
export function leaderboardHtml(board: Leaderboard): string {
  const h = escapeHtml;
  const cellHtml = (c: LeaderboardCell | undefined, k: number) => {
    if (!c) return '<td class="empty">—</td>';
    const extra: string[] = [];
    if (c.passHatK !== undefined) extra.push(`pass^${k} ${h(pct(c.passHatK))}`);
    extra.push(`${c.graded} scored${c.graded !== c.trials ? ` of ${c.trials}` : ''} trial${c.trials === 1 ? '' : 's'}`);
    if (c.agentFailures) extra.push(`${c.agentFailures} agent failure${c.agentFailures === 1 ? '' : 's'}`);
    if (c.costUsd !== undefined) extra.push(h(usd(c.costUsd)));
    if (c.tokens !== undefined) extra.push(`${h(int(c.tokens))} tokens`);
    if (c.fidelity) extra.push(`twin fidelity ${h(fidelityText(c.fidelity))}`);
    const flags = [
      c.contaminated ? `<div class="flag">⚠ ${c.contaminated} CONTAMINATED</div>` : '',
      c.isolation === 'none' ? '<div class="warn">no isolation</div>' : '',
    ].join('');
    return `<td data-agent="${h(c.agent)}" data-task="${h(c.task)}"><div class="sat">${h(pct(c.satisfaction))}</div><div class="ci">95 % ${h(pctInterval(c.interval))}</div><div class="more">${extra.join(' · ')}</div>${flags}</td>`;
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>twins leaderboard</title>
<style>
body{margin:0;background:#f6f8fa;color:#1f2328;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1280px;margin:0 auto;padding:24px}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #d1d9e0;padding:8px 12px;text-align:left;vertical-align:top}
th{background:#eef1f4}.sat{font-size:22px;font-weight:700}.ci,.more,.meta{color:#59636e;font-size:12px}
.flag{background:#cf222e;color:#fff;font-weight:700;padding:2px 6px;border-radius:4px;margin-top:4px;display:inline-block}
.warn{color:#9a6700;font-weight:700}.empty{color:#59636e;text-align:center}
</style></head><body><main>
<h1>Leaderboard</h1>
<p class="meta">Cells: satisfaction (share of scenario-trials passed) with its 95 % Wilson interval; pass^k at the largest k every agent on the task has (the chance that all of k trials pass a scenario); scored trials. Infrastructure failures are not scored; contaminated trials are, and are flagged. Twin fidelity: the share of the apps' vendor calls on operations the twins implement without a documented limitation and official SDK tests cover.</p>
<table id="leaderboard"><thead><tr><th>Agent</th>${board.tasks.map((t) => `<th>${h(t.task)}<div class="meta">k = ${t.k}</div></th>`).join('')}<th>Mean</th><th>Twin fidelity</th></tr></thead><tbody>
${board.rows
  .map(
    (r) =>
      `<tr><th>${h(r.agent)}</th>${board.tasks.map((t) => cellHtml(r.cells[t.task], t.k)).join('')}<td><div class="sat">${h(pct(r.meanSatisfaction))}</div>${r.tasks < board.tasks.length ? `<div class="meta">over ${r.tasks} of ${board.tasks.length} tasks</div>` : ''}</td><td class="fidelity" data-agent="${h(r.agent)}"><div class="sat">${h(r.fidelity ? fidelityFigure(r.fidelity) : 'not measured')}</div>${r.fidelity ? `<div class="meta">${r.fidelity.trustedCalls} of ${r.fidelity.calls} calls trusted</div>` : ''}${r.fidelity?.unmodelledTrials ? `<div class="warn">${r.fidelity.unmodelledTrials} graded on an unmodelled operation</div>` : ''}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
</main></body></html>
`;
}
