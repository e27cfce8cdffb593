// JUnit XML for CI: a testsuite per trial, a testcase per scenario; agent and infrastructure failures as errors, contamination as a failing case.

import { isExcludedTrial, scenarioCatalogue } from '../scoring.ts';
import type { RunSummary, ScenarioResult, TrialResult } from '../types.ts';
import { escapeXml } from './escape.ts';

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);
const attr = (v: unknown) => escapeXml(v, true);

/** The first line of a message, for the `message` attribute (the whole text goes in the element). */
function firstLine(text: string): string {
  const line = text.split('\n', 1)[0];
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

interface Case {
  name: string;
  classname: string;
  timeMs: number;
  outcome?: { element: 'failure' | 'error'; type: string; message: string; body: string };
}

function failureText(t: TrialResult): string {
  const f = t.failure;
  return f ? `${f.kind} failure at stage ${f.stage}: ${f.reason}` : 'the trial ended in an error the harness did not explain';
}

function scenarioCase(t: TrialResult, s: ScenarioResult, classname: string): Case {
  const c: Case = { name: s.name, classname, timeMs: s.durationMs };
  if (s.status === 'passed') return c;
  if (isExcludedTrial(t)) {
    const body = `${failureText(t)}\n(infrastructure failure: this trial is not scored)${s.error ? `\n\n${s.error}` : ''}`;
    return { ...c, outcome: { element: 'error', type: 'infrastructure', message: firstLine(failureText(t)), body } };
  }
  if (t.failure) {
    // The agent failed before grading: the scenario was not run, which is an error of the trial, not of the scenario.
    const body = `${failureText(t)}${s.error ? `\n\n${s.error}` : ''}`;
    return { ...c, outcome: { element: 'error', type: t.failure.kind, message: firstLine(failureText(t)), body } };
  }
  // Every status but 'passed' counts as not satisfied in the scores, so CI sees the same.
  const message = s.error ? firstLine(s.error) : `scenario ${s.status}`;
  return { ...c, outcome: { element: 'failure', type: s.status, message, body: s.error ?? `status: ${s.status}` } };
}

function trialCases(t: TrialResult, catalogue: { id: string; name: string }[], classname: string): Case[] {
  const reported = new Map(t.scenarios.map((s) => [s.id, s]));
  const cases: Case[] = [];
  for (const { id, name } of catalogue) {
    const s = reported.get(id);
    if (s) cases.push(scenarioCase(t, s, classname));
    else if (t.status === 'error' || t.failure) {
      const type = isExcludedTrial(t) ? 'infrastructure' : 'agent';
      cases.push({
        name,
        classname,
        timeMs: 0,
        outcome: { element: 'error', type, message: firstLine(failureText(t)), body: failureText(t) },
      });
    } else
      cases.push({
        name,
        classname,
        timeMs: 0,
        outcome: { element: 'failure', type: 'missing', message: 'scenario not run in this trial', body: 'scenario not run in this trial' },
      });
  }
  if (catalogue.length === 0 && (t.status === 'error' || t.failure))
    cases.push({
      name: 'trial',
      classname,
      timeMs: t.agentRun.wallMs,
      outcome: {
        element: 'error',
        type: isExcludedTrial(t) ? 'infrastructure' : 'agent',
        message: firstLine(failureText(t)),
        body: failureText(t),
      },
    });
  if (t.contamination.flagged) {
    const body = t.contamination.hits.map((h) => `${h.kind} ${h.needle} in ${h.where}${h.location ? ` (${h.location})` : ''}`).join('\n');
    cases.push({
      name: 'contamination: no holdout content reached the agent or the app',
      classname,
      timeMs: 0,
      outcome: {
        element: 'failure',
        type: 'contamination',
        message: `CONTAMINATED: ${t.contamination.hits.length} holdout canary or step line found`,
        body: body || 'flagged',
      },
    });
  }
  return cases;
}

function caseXml(c: Case): string {
  const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="${seconds(c.timeMs)}"`;
  if (!c.outcome) return `${open}/>`;
  const o = c.outcome;
  return `${open}>\n      <${o.element} message="${attr(o.message)}" type="${attr(o.type)}">${escapeXml(o.body)}</${o.element}>\n    </testcase>`;
}

/**
 * The run as JUnit XML (the dialect Jenkins, GitLab and GitHub test reporters read): one testsuite per
 * trial, named "trial N", one testcase per scenario of the run. A scenario that did not pass is a
 * failure with its error; a trial the agent or the infrastructure failed has its scenarios as errors;
 * a contaminated trial gets one more, failing, case. Properties carry the run's identity.
 */
export function junitXml(summary: RunSummary): string {
  const catalogue = scenarioCatalogue(summary.trials);
  const classname = `${summary.task}.${summary.agent}`;
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let totalMs = 0;
  const suites = summary.trials.map((t) => {
    const cases = trialCases(t, catalogue, classname);
    const f = cases.filter((c) => c.outcome?.element === 'failure').length;
    const e = cases.filter((c) => c.outcome?.element === 'error').length;
    const ms = Math.max(0, Date.parse(t.finishedAt) - Date.parse(t.startedAt)) || 0;
    tests += cases.length;
    failures += f;
    errors += e;
    totalMs += ms;
    const props: [string, unknown][] = [
      ['runId', t.runId],
      ['task', t.task],
      ['agent', t.agent],
      ['trial', t.trial],
      ['status', t.status],
      ['isolation', t.isolation],
      ['contaminated', t.contamination.flagged],
      ['agentExitCode', t.agentRun.exitCode ?? 'none'],
      ['agentTimedOut', t.agentRun.timedOut],
      ['agentWallMs', t.agentRun.wallMs],
    ];
    if (t.failure) props.push(['failureKind', t.failure.kind], ['failureStage', t.failure.stage]);
    if (t.agentRun.costUsd !== undefined) props.push(['costUsd', t.agentRun.costUsd]);
    const lines = [
      `  <testsuite name="${attr(`trial ${t.trial}`)}" tests="${cases.length}" failures="${f}" errors="${e}" skipped="0" time="${seconds(ms)}" timestamp="${attr(t.startedAt)}">`,
      '    <properties>',
      ...props.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`),
      '    </properties>',
      ...cases.map(caseXml),
    ];
    if (t.failure) lines.push(`    <system-err>${escapeXml(failureText(t))}</system-err>`);
    lines.push('  </testsuite>');
    return lines.join('\n');
  });
  const name = `twins score ${summary.task} ${summary.agent}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(name)}" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(totalMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
