// The static HTML report of a run: scores, the scenario-by-trial table, contamination flags and each trial's details, in one self-contained file.

import { isExcludedTrial, scenarioCatalogue, trialTokens } from '../scoring.ts';
import type { RunSummary, ScenarioResult, TrialResult } from '../types.ts';
import { escapeHtml } from './escape.ts';
import { fidelityFigure } from './fidelity.ts';
import { duration, int, pct, pctInterval, plural, shownKs, usd } from './format.ts';
import { missingTrials } from './summary.ts';

/** HTML that is already safe; everything else interpolated into `html` is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

function render(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === undefined || v === null || v === false) return '';
  return escapeHtml(v);
}

/**
 * A template tag that escapes every interpolated value unless it is SafeHtml (what `html` returns), so
 * hostile text (transcripts, errors, journal arguments) cannot become markup by mistake.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return new SafeHtml(out);
}

/** Transcripts and app output above this many characters show their head and tail; the whole text stays in trials/NNNN.json. */
const TEXT_LIMIT = 200_000;
/** Journal rows shown per trial. */
const JOURNAL_LIMIT = 2000;
/** Characters of a journal call's arguments shown. */
const ARGS_LIMIT = 400;

function clip(text: string, limit = TEXT_LIMIT): { text: string; cut: number } {
  if (text.length <= limit) return { text, cut: 0 };
  const half = Math.floor(limit / 2);
  const cut = text.length - 2 * half;
  return {
    text: `${text.slice(0, half)}\n\n[… ${int(cut)} characters cut here; the whole text is in the trial's JSON file …]\n\n${text.slice(-half)}`,
    cut,
  };
}

const CSS = `
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--err:#9a6700;--err-bg:#fff8c5;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:#1f2328;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1280px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:16px;margin:0 0 8px}
.meta{color:var(--muted);margin:0}
code,pre{font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px;margin:4px 0;max-height:640px;overflow:auto}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}
.alarm{background:var(--fail);color:#fff;border-radius:8px;padding:16px 20px;margin:16px 0}
.alarm h2{font-size:26px;margin:0 0 8px;border:0;color:#fff;letter-spacing:.02em}
.alarm a{color:#fff}.alarm code{background:rgba(0,0,0,.25);padding:0 4px;border-radius:3px}
.warning{background:var(--err-bg);border:2px solid #d4a72c;border-radius:8px;padding:12px 16px;margin:16px 0}
.warning h2{font-size:18px;margin:0 0 4px;border:0}
.notice{background:#ddf4ff;border:1px solid #54aeff;border-radius:8px;padding:10px 16px;margin:16px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px;min-width:200px}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.figure{font-size:44px;font-weight:700;line-height:1.1;margin:4px 0}
.num{text-align:right;font-variant-numeric:tabular-nums}
.matrix{display:block;overflow-x:auto;max-width:100%}
.matrix th.scenario{position:sticky;left:0;z-index:1;background:#fff;min-width:260px;max-width:420px;font-weight:normal}
.matrix th.scenario small{color:var(--muted);display:block}
.cell{text-align:center;min-width:44px;font-weight:700}
.cell.pass{background:var(--pass-bg);color:var(--pass)}
.cell.fail{background:var(--fail-bg);color:var(--fail)}
.cell.error{background:var(--err-bg);color:var(--err)}
.cell.excluded{background:#eaeef2;color:var(--muted);font-weight:normal}
.cell details{display:inline-block;text-align:left}
.cell details[open]{display:block;min-width:320px;max-width:640px}
.cell summary{cursor:pointer;list-style:none;text-align:center}
.cell pre{font-weight:normal;color:#1f2328}
th.contaminated,.badge.contaminated{background:var(--fail);color:#fff}
.badge{display:inline-block;border-radius:999px;padding:0 10px;font-size:12px;font-weight:700;vertical-align:middle;margin-left:6px}
.badge.passed{background:var(--pass-bg);color:var(--pass)}.badge.failed{background:var(--fail-bg);color:var(--fail)}.badge.error{background:var(--err-bg);color:var(--err)}
.badge.none{background:var(--err);color:#fff}
.trial{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px;margin:16px 0}
.trial.contaminated{border:3px solid var(--fail)}
.trial table.facts th{width:140px}
.trial details{margin:8px 0}.trial summary{cursor:pointer;font-weight:600}
.journal td{font-size:12px}.journal td.args{max-width:520px;overflow-wrap:anywhere}
.legend{color:var(--muted);font-size:12px}
.fidelity td{font-size:12px}.fidelity td.notes{max-width:520px;overflow-wrap:anywhere}
.fidelity tr.unmodelled td{background:var(--err-bg)}.fidelity .yes{color:var(--pass)}.fidelity .no{color:var(--fail);font-weight:700}
.badge.unmodelled{background:var(--err);color:#fff}
footer{color:var(--muted);font-size:12px;margin-top:40px}
`;

type CellKind = 'pass' | 'fail' | 'error' | 'excluded';

function failureLine(t: TrialResult): string {
  const f = t.failure;
  if (!f) return 'ended in an error the harness did not explain';
  return `${f.kind === 'agent' ? 'Agent' : 'Infrastructure'} failure at stage "${f.stage}": ${f.reason}`;
}

function cell(t: TrialResult, s: ScenarioResult | undefined, scenarioId: string): SafeHtml {
  let kind: CellKind;
  let mark: string;
  let detail: string | undefined;
  if (isExcludedTrial(t)) {
    kind = 'excluded';
    mark = s?.status === 'passed' ? '✓' : '–';
    detail = `Not scored: ${failureLine(t)}${s?.error ? `\n\n${s.error}` : ''}`;
  } else if (!s) {
    kind = t.failure || t.status === 'error' ? 'error' : 'fail';
    mark = kind === 'error' ? 'E' : '✗';
    detail = kind === 'error' ? `Not graded: ${failureLine(t)}` : 'This scenario did not run in this trial (counted as failed).';
  } else if (s.status === 'passed') {
    kind = 'pass';
    mark = '✓';
  } else if (t.failure) {
    // The agent failed before grading: counted as failed, shown as the trial's error rather than the scenario's.
    kind = 'error';
    mark = 'E';
    detail = `Not graded: ${failureLine(t)}${s.error ? `\n\n${s.error}` : ''}`;
  } else {
    kind = 'fail';
    mark = '✗';
    detail = `${s.status}${s.error ? `: ${s.error}` : ''}`;
  }
  const status = kind === 'error' ? 'error' : (s?.status ?? 'not run');
  const title = detail ?? `passed in ${duration(s?.durationMs ?? 0)}`;
  const body = detail ? html`<details><summary>${mark}</summary><pre>${detail}</pre></details>` : html`${mark}`;
  return html`<td class="cell ${kind}" data-scenario="${scenarioId}" data-trial="${t.trial}" data-status="${status}" title="${title.slice(0, 2000)}">${body}</td>`;
}

function contaminationBanner(summary: RunSummary): SafeHtml | undefined {
  const flagged = summary.trials.filter((t) => t.contamination.flagged);
  if (flagged.length === 0) return undefined;
  return html`<section class="alarm" id="contamination" role="alert">
<h2>⚠ CONTAMINATED: ${flagged.length} of ${plural(summary.trials.length, 'trial')} saw holdout content or tampered with the grader</h2>
<p>Canary ids or verbatim holdout steps were found where the agent or its app could have used them, or the agent or its app called the twins' control plane (<code>tampering</code>: refused by the grader's proxy, listed with what was tried). These trials still count in the scores below, which therefore may not measure what the agent can do on unseen scenarios.</p>
<ul>${flagged.map(
    (t) =>
      html`<li><a href="#trial-${t.trial}">Trial ${t.trial}</a>: ${
        t.contamination.hits.length
          ? t.contamination.hits.map(
              (h, i) =>
                html`${i ? '; ' : ''}${h.kind} <code>${h.needle}</code> in the ${h.where}${h.location ? html` (<code>${h.location}</code>)` : ''}`,
            )
          : 'flagged'
      }</li>`,
  )}</ul>
</section>`;
}

function isolationWarning(summary: RunSummary): SafeHtml | undefined {
  const bare = summary.trials.filter((t) => t.isolation === 'none');
  if (summary.isolation !== 'none' && bare.length === 0) return undefined;
  return html`<section class="warning" id="isolation-warning" role="alert">
<h2>⚠ No isolation: ${bare.length ? `${bare.length} of ${plural(summary.trials.length, 'trial')} ran` : 'this run ran'} without a sandbox</h2>
<p>The agent ran as a plain process (bubblewrap was not available): it could read anything this user can, including the vault, its identity and the reference solutions, and reach the network. Trust these scores only for agents you trust.</p>
</section>`;
}

function scoresSection(summary: RunSummary): SafeHtml {
  const s = summary.scores;
  const tr = s.trials;
  const allKs = Object.keys(s.passAtK).map(Number);
  const ks = shownKs(allKs, 20);
  return html`<section id="scores"><h2>Scores</h2>
<div class="cards">
<div class="card" id="satisfaction"><div class="label">Satisfaction</div><div class="figure">${pct(s.satisfaction)}</div>
<div>95 % interval ${pctInterval(s.interval)}</div><div class="meta">${s.passedScenarioTrials} of ${plural(s.scenarioTrials, 'scenario-trial')} passed</div></div>
<div class="card" id="trial-counts"><div class="label">Trials</div>
<div>${tr.total} run of ${summary.trialsRequested} requested</div>
<div>${tr.graded} scored</div>
<div>${plural(tr.agentFailures, 'agent failure')}</div>
<div>${plural(tr.infrastructureFailures, 'infrastructure failure')} (not scored)</div>
<div${tr.contaminated ? html` style="color:var(--fail);font-weight:700"` : ''}>${tr.contaminated} contaminated</div></div>
${fidelityCard(summary)}
<div class="card"><div class="label">Agent wall time</div><div>median ${duration(s.agentWallMs.median)}</div><div>max ${duration(s.agentWallMs.max)}</div></div>
<div class="card"><div class="label">Tokens and cost</div><div>${s.tokens === undefined ? 'tokens not reported' : `${int(s.tokens)} tokens`}</div><div>${s.costUsd === undefined ? 'cost not reported' : `${usd(s.costUsd)} (as the agents report it)`}</div></div>
</div>
${
  ks.length
    ? html`<h3 style="margin-top:16px">pass@k and pass^k (means over ${plural(s.scenarios.length, 'scenario')})</h3>
<table id="pass-k"><thead><tr><th>k</th><th>pass@k: at least one of k trials passes</th><th>pass^k: all k trials pass</th></tr></thead><tbody>
${ks.map((k) => html`<tr><td class="num">${k}</td><td class="num">${pct(s.passAtK[k])}</td><td class="num">${pct(s.passHatK[k])}</td></tr>`)}
</tbody></table>${ks.length < allKs.length ? html`<p class="meta">k = ${ks[ks.length - 2] + 1}…${allKs.length - 1} are in run.json.</p>` : ''}`
    : html`<p class="meta">No scored trials, so no pass@k.</p>`
}
</section>`;
}

function matrixSection(summary: RunSummary): SafeHtml {
  const catalogue = scenarioCatalogue(summary.trials);
  const perScenario = new Map(summary.scores.scenarios.map((s) => [s.id, s]));
  if (catalogue.length === 0) return html`<section id="scenarios"><h2>Scenarios by trial</h2><p>No scenario results.</p></section>`;
  return html`<section id="scenarios"><h2>Scenarios by trial</h2>
<table class="matrix" id="matrix"><thead><tr><th class="scenario">Scenario</th>${summary.trials.map(
    (t) =>
      html`<th class="${t.contamination.flagged ? 'contaminated' : ''}" title="${t.contamination.flagged ? 'CONTAMINATED' : t.status}"><a href="#trial-${t.trial}"${t.contamination.flagged ? html` style="color:#fff"` : ''}>${t.trial}</a>${t.contamination.flagged ? ' ⚠' : ''}</th>`,
  )}<th>Passed</th></tr></thead><tbody>
${catalogue.map(({ id, name }) => {
  const sc = perScenario.get(id);
  return html`<tr><th class="scenario">${name}<small><code>${id}</code></small></th>${summary.trials.map((t) =>
    cell(
      t,
      t.scenarios.find((r) => r.id === id),
      id,
    ),
  )}<td class="num">${sc ? `${sc.passed}/${sc.trials}` : '–'}</td></tr>`;
})}
</tbody></table>
<p class="legend">✓ passed · ✗ failed (open the cell for the error) · E the agent failed before grading (counted as failed) · – infrastructure failure (not scored) · ⚠ contaminated trial. Columns are trials; hover a cell for its error.</p>
</section>`;
}

function tokensText(t: TrialResult): string {
  const tk = t.agentRun.tokens;
  if (!tk) return 'not reported';
  const parts = [
    tk.input !== undefined ? `input ${int(tk.input)}` : '',
    tk.output !== undefined ? `output ${int(tk.output)}` : '',
    `total ${int(trialTokens(t) ?? 0)}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

function argsText(args: unknown): string {
  if (args === undefined) return '';
  let text: string;
  try {
    text = typeof args === 'string' ? args : JSON.stringify(args);
  } catch {
    text = String(args);
  }
  return text.length > ARGS_LIMIT ? `${text.slice(0, ARGS_LIMIT)}…` : text;
}

/** The run's fidelity figure: how much of what the apps called the twins model without known gaps and official SDK tests cover. */
function fidelityCard(summary: RunSummary): SafeHtml {
  const f = summary.fidelity;
  if (!f)
    return html`<div class="card" id="fidelity"><div class="label">Twin fidelity</div><div class="meta">not measured (trials written before fidelity was recorded)</div></div>`;
  return html`<div class="card" id="fidelity"><div class="label">Twin fidelity</div><div class="figure">${fidelityFigure(f)}</div>
<div class="meta">${f.trustedCalls} of ${plural(f.calls, 'app call')} on trusted operations (implemented, no documented limitation, covered by official SDK tests), over ${plural(f.trials, 'scored trial')}</div>
<div${f.unmodelledTrials ? html` style="color:var(--err);font-weight:700"` : ''}>${f.unmodelledTrials} graded on an unmodelled operation</div></div>`;
}

/** A trial's vendor operations with the twin's fidelity for each. */
function fidelitySection(t: TrialResult): SafeHtml {
  const f = t.fidelity;
  if (!f) return html`<p class="meta fidelity-missing">Twin fidelity: not measured for this trial.</p>`;
  return html`<section class="fidelity-of-trial"><h4>Twin fidelity: ${fidelityFigure(f)}${f.calls ? ` (${f.trustedCalls} of ${plural(f.calls, 'call')} on trusted operations)` : ''}</h4>
${
  f.unmodelled
    ? html`<p class="warning unmodelled-note"><strong>Graded on an unmodelled operation:</strong> ${plural(f.unmodelledCalls, 'call')} of the app went to operations the twin does not model (not in its contract, or not implemented), so what the grade says about them is not backed by the twin.</p>`
    : ''
}
${
  f.operations.length
    ? html`<table class="fidelity"><thead><tr><th>Twin</th><th>Operation</th><th>Calls</th><th>Implemented</th><th>Documented limitations</th><th>Official SDK tests</th><th>Trusted</th></tr></thead><tbody>
${f.operations.map(
  (o) =>
    html`<tr class="${o.status === 'implemented' ? '' : 'unmodelled'}" data-operation="${o.operation}" data-twin="${o.twin}"><td>${o.twin}</td><td><code>${o.operation}</code></td><td class="num">${o.calls}</td><td class="${o.status === 'implemented' ? 'yes' : 'no'}">${o.status === 'implemented' ? 'yes' : o.status === 'not-implemented' ? 'no (501)' : 'unknown operation'}</td><td class="notes">${o.limitations.length ? o.limitations.join(' ') : 'none'}</td><td>${o.sdk.length ? o.sdk.join(', ') : html`<span class="no">none</span>`}</td><td class="${o.trusted ? 'yes' : 'no'}">${o.trusted ? 'yes' : 'no'}</td></tr>`,
)}</tbody></table>${f.otherCalls ? html`<p class="meta">${plural(f.otherCalls, 'more call')} on operations not listed (all are counted in the figure).</p>` : ''}`
    : html`<p class="meta">The app made no vendor call.</p>`
}
</section>`;
}

function trialSection(t: TrialResult): SafeHtml {
  const transcript = clip(t.transcript);
  const appOutput = clip(t.app.output);
  const failed = t.scenarios.filter((s) => s.status !== 'passed');
  const journal = t.journal.slice(0, JOURNAL_LIMIT);
  const tm = t.timings;
  return html`<section class="trial${t.contamination.flagged ? ' contaminated' : ''}" id="trial-${t.trial}">
<h3>Trial ${t.trial} <span class="badge ${t.status}">${t.status}</span>${t.contamination.flagged ? html`<span class="badge contaminated">CONTAMINATED</span>` : ''}${t.isolation === 'none' ? html`<span class="badge none">NO ISOLATION</span>` : ''}${t.fidelity?.unmodelled ? html`<span class="badge unmodelled">GRADED ON AN UNMODELLED OPERATION</span>` : ''}</h3>
${t.failure || t.status === 'error' ? html`<p class="failure"><strong>${failureLine(t)}</strong>${isExcludedTrial(t) ? ' (not scored)' : ''}</p>` : ''}
<table class="facts"><tbody>
<tr><th>Agent</th><td>exit ${t.agentRun.exitCode ?? 'none (killed)'} · ${t.agentRun.timedOut ? html`<strong>timed out</strong>` : 'did not time out'} · wall time ${duration(t.agentRun.wallMs)}</td></tr>
<tr><th>Tokens</th><td>${tokensText(t)}</td></tr>
<tr><th>Cost</th><td>${t.agentRun.costUsd === undefined ? 'not reported' : `${usd(t.agentRun.costUsd)}${t.agentRun.costSelfReported ? ' (self-reported, not checked)' : ''}`}</td></tr>
<tr><th>Isolation</th><td>${t.isolation === 'none' ? html`<strong style="color:var(--fail)">none: the agent ran as a plain process and could read anything this user can</strong>` : t.isolation}</td></tr>
<tr><th>App</th><td>${t.app.installed ? 'installed' : 'not installed'} · ${t.app.started ? 'started' : 'not started'}${t.app.readyMs !== undefined ? ` · ready after ${duration(t.app.readyMs)}` : ''}</td></tr>
<tr><th>Scenarios</th><td>${t.scenarios.filter((s) => s.status === 'passed').length} of ${t.scenarios.length} reported passed</td></tr>
<tr><th>Stages</th><td>setup ${duration(tm.setupMs)} · agent ${duration(tm.agentMs)} · install ${duration(tm.installMs)} · start ${duration(tm.startMs)} · grade ${duration(tm.gradeMs)} · teardown ${duration(tm.teardownMs)} · harness overhead ${duration(tm.overheadMs)}</td></tr>
<tr><th>When</th><td>${t.startedAt} → ${t.finishedAt}</td></tr>
</tbody></table>
${fidelitySection(t)}
${
  t.contamination.hits.length
    ? html`<h4 style="color:var(--fail)">Contamination hits</h4><table class="hits"><thead><tr><th>Kind</th><th>Found</th><th>Where</th><th>Location</th></tr></thead><tbody>
${t.contamination.hits.map((h) => html`<tr><td>${h.kind}</td><td><code>${h.needle}</code></td><td>${h.where}</td><td>${h.location ?? ''}</td></tr>`)}</tbody></table>`
    : ''
}
${
  failed.length
    ? html`<details class="failures" open><summary>${plural(failed.length, 'scenario')} not passed</summary>${failed.map(
        (s) => html`<p><strong>${s.name}</strong> <code>${s.id}</code>: ${s.status}</p>${s.error ? html`<pre>${s.error}</pre>` : ''}`,
      )}</details>`
    : ''
}
<details class="transcript"><summary>Agent transcript (${int(t.transcript.length)} characters${transcript.cut ? ', middle cut' : ''})</summary><pre>${transcript.text || '(empty)'}</pre></details>
<details class="app-output"><summary>App output (${int(t.app.output.length)} characters)</summary><pre>${appOutput.text || '(empty)'}</pre></details>
<details class="journal"><summary>Journal: ${plural(t.journal.length, 'call')} the app made to the twins during grading</summary>
${
  t.journal.length
    ? html`<table class="journal"><thead><tr><th>#</th><th>Time</th><th>Twin</th><th>Operation</th><th>Status</th><th>Error</th><th>Arguments</th></tr></thead><tbody>
${journal.map(
  (j, i) =>
    html`<tr><td class="num">${i + 1}</td><td>${j.time}</td><td>${j.twin}</td><td><code>${j.operation ?? ''}</code></td><td class="num">${j.status}</td><td>${j.error ?? ''}</td><td class="args"><code>${argsText(j.args)}</code></td></tr>`,
)}</tbody></table>${t.journal.length > JOURNAL_LIMIT ? html`<p class="meta">The first ${JOURNAL_LIMIT} calls are shown; all are in the trial's JSON file.</p>` : ''}`
    : html`<p class="meta">The app made no calls to the twins.</p>`
}
</details>
</section>`;
}

/**
 * The run's report as one HTML document: no scripts, no external assets, readable offline. Every text
 * from the trials is escaped.
 */
export function reportHtml(summary: RunSummary): string {
  const missing = missingTrials(summary);
  const title = `twins report: ${summary.task} × ${summary.agent}`;
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="twins">
<title>${title}</title><style>${new SafeHtml(CSS)}</style></head>
<body><main>
<header><h1>${summary.task} <span style="color:var(--muted)">×</span> ${summary.agent}</h1>
<p class="meta">Run <code>${summary.runId}</code>${summary.shards.length ? ` · shards ${summary.shards.join(', ')}` : ''} · isolation ${summary.isolation} · ${summary.startedAt} → ${summary.finishedAt}</p></header>
${contaminationBanner(summary)}
${isolationWarning(summary)}
${
  missing.length
    ? html`<p class="notice" id="incomplete"><strong>Incomplete:</strong> ${summary.trials.length} of the ${plural(summary.trialsRequested, 'trial')} requested are here; missing: ${missing.length > 40 ? `${missing.slice(0, 40).join(', ')}, …` : missing.join(', ')}. ${summary.shards.length ? html`Merge the other shards with <code>twins report merge</code>.` : html`Finish the run with <code>twins score … --resume</code>.`}</p>`
    : ''
}
${scoresSection(summary)}
${matrixSection(summary)}
<section id="trials"><h2>Trials</h2>
${summary.trials.length ? summary.trials.map(trialSection) : html`<p>No trial has finished.</p>`}
</section>
<footer>Results schema version ${summary.schemaVersion}. Satisfaction is the share of scenario-trials that passed, with a 95 % Wilson score interval; pass@k and pass^k are the unbiased estimators over the scored trials; infrastructure failures are not scored, contaminated trials are. The source of this report is trials/*.json beside it; see docs/harness.md.</footer>
</main></body></html>
`;
  return doc.value;
}
