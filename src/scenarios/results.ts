// Per-scenario results from a run's Cucumber messages: what the grader records for each holdout, parsed in memory.

import type { Envelope } from '@cucumber/messages';
import type { ScenarioResult, ScenarioStatus } from '../../harness/types.ts';

const ORDER: ScenarioStatus[] = ['passed', 'skipped', 'pending', 'undefined', 'ambiguous', 'failed'];

function worse(a: ScenarioStatus, b: ScenarioStatus): ScenarioStatus {
  return ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a;
}

function statusOf(s: string): ScenarioStatus {
  const lower = s.toLowerCase() as ScenarioStatus;
  return ORDER.includes(lower) ? lower : 'unknown';
}

/**
 * One result per scenario (pickle): its canary tag as id (else its name), the worst step status,
 * the time it took, and the first failing step with its message. Retried attempts: the last counts.
 */
export function scenarioResults(envelopes: Envelope[]): ScenarioResult[] {
  const pickles = new Map<string, { name: string; id: string; steps: Map<string, string> }>();
  const testCases = new Map<string, { pickleId: string; stepToPickleStep: Map<string, string> }>();
  const started = new Map<string, { testCaseId: string; at: number }>();
  const results = new Map<string, ScenarioResult>();
  const toMs = (t?: { seconds: number; nanos: number }) => (t ? t.seconds * 1000 + t.nanos / 1e6 : 0);
  for (const e of envelopes) {
    if (e.pickle) {
      const canary = e.pickle.tags.find((t) => /^@canary-/.test(t.name))?.name.slice(1);
      pickles.set(e.pickle.id, {
        name: e.pickle.name,
        id: canary ?? e.pickle.name,
        steps: new Map(e.pickle.steps.map((s) => [s.id, s.text])),
      });
    } else if (e.testCase) {
      testCases.set(e.testCase.id, {
        pickleId: e.testCase.pickleId,
        stepToPickleStep: new Map(e.testCase.testSteps.filter((s) => s.pickleStepId).map((s) => [s.id, s.pickleStepId as string])),
      });
    } else if (e.testCaseStarted) {
      const tc = testCases.get(e.testCaseStarted.testCaseId);
      const p = tc && pickles.get(tc.pickleId);
      started.set(e.testCaseStarted.id, { testCaseId: e.testCaseStarted.testCaseId, at: toMs(e.testCaseStarted.timestamp) });
      // A retry starts the scenario afresh.
      if (p) results.set(tc.pickleId, { id: p.id, name: p.name, status: 'passed', durationMs: 0 });
    } else if (e.testStepFinished) {
      const s = started.get(e.testStepFinished.testCaseStartedId);
      const tc = s && testCases.get(s.testCaseId);
      const r = tc && results.get(tc.pickleId);
      if (!tc || !r) continue;
      const status = statusOf(e.testStepFinished.testStepResult.status);
      const before = r.status;
      r.status = worse(r.status, status);
      if (r.status !== before && r.status !== 'passed' && r.status !== 'skipped' && !r.error) {
        const pickleStepId = tc.stepToPickleStep.get(e.testStepFinished.testStepId);
        const text = pickleStepId ? pickles.get(tc.pickleId)?.steps.get(pickleStepId) : undefined;
        const message = e.testStepFinished.testStepResult.message ?? status;
        r.error = text ? `${text}: ${message}` : `hook: ${message}`;
      }
    } else if (e.testCaseFinished) {
      const s = started.get(e.testCaseFinished.testCaseStartedId);
      const tc = s && testCases.get(s.testCaseId);
      const r = tc && results.get(tc.pickleId);
      if (s && r) r.durationMs = Math.max(0, Math.round(toMs(e.testCaseFinished.timestamp) - s.at));
    }
  }
  // Scenarios that never started (a run cut short) are reported as such, not dropped.
  for (const [pickleId, p] of pickles) {
    if (!results.has(pickleId)) results.set(pickleId, { id: p.id, name: p.name, status: 'unknown', durationMs: 0, error: 'did not run' });
  }
  return [...results.values()];
}
