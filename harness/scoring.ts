// Scores a set of trials: per-scenario pass/fail, satisfaction with a Wilson interval, pass@k and pass^k, failures, contamination, time and cost.

import type { RunScores, ScenarioScore, TrialResult } from './types.ts';

/** z for a two-sided 95 % interval (the 0.975 quantile of the standard normal). */
const Z95 = 1.959963984540054;

/**
 * Whether a trial says nothing about the agent and is left out of satisfaction and pass@k.
 * An infrastructure failure is the harness's fault (a twin down, a tenant not created, a crashed
 * grader). A trial with status 'error' that names no failure is treated the same way: the harness
 * did not say whose fault it was, and blaming the agent for an unexplained error would be unfair.
 */
export function isExcludedTrial(t: TrialResult): boolean {
  if (t.failure) return t.failure.kind === 'infrastructure';
  return t.status === 'error';
}

/**
 * 95 % Wilson score interval for `passed` successes out of `total`.
 * With no observations it is [0, 1]: nothing is known.
 * @example wilsonInterval(8, 10) // ≈ [0.490, 0.943]
 */
export function wilsonInterval(passed: number, total: number, z = Z95): [number, number] {
  if (total <= 0) return [0, 1];
  const p = passed / total;
  const z2 = z * z;
  const denom = 1 + z2 / total;
  const center = (p + z2 / (2 * total)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  // At the edges the formula gives 0 and 1 up to rounding; say them exactly.
  const lo = passed <= 0 ? 0 : Math.max(0, center - half);
  const hi = passed >= total ? 1 : Math.min(1, center + half);
  return [lo, hi];
}

/**
 * Unbiased estimate of the chance that at least one of k trials passes, from c passes in n trials:
 * 1 − C(n−c, k) / C(n, k) (Chen et al. 2021, "Evaluating Large Language Models Trained on Code").
 * Computed as a product so large n never overflows.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (k < 1 || k > n) throw new RangeError(`pass@k needs 1 ≤ k ≤ n, got k=${k}, n=${n}`);
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = 0; i < k; i++) allFail *= (n - c - i) / (n - i);
  return 1 - allFail;
}

/**
 * Unbiased estimate of the chance that all of k trials pass, from c passes in n trials: C(c, k) / C(n, k)
 * (pass^k, as in τ-bench: reliability rather than capability).
 */
export function passHatK(n: number, c: number, k: number): number {
  if (k < 1 || k > n) throw new RangeError(`pass^k needs 1 ≤ k ≤ n, got k=${k}, n=${n}`);
  if (c < k) return 0;
  let allPass = 1;
  for (let i = 0; i < k; i++) allPass *= (c - i) / (n - i);
  return allPass;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Trials in a fixed order (run id, then trial index), so scores never depend on the order results arrived in. */
export function sortTrials<T extends Pick<TrialResult, 'runId' | 'trial'>>(trials: T[]): T[] {
  return [...trials].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.trial - b.trial));
}

/**
 * The scenarios of a set of trials, identified by ScenarioResult.id (the canary), in the order they
 * first appear (trials in run and index order, each trial's scenarios in its own order); the
 * display name is the first one seen.
 */
export function scenarioCatalogue(trials: TrialResult[]): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const t of sortTrials(trials)) for (const s of t.scenarios) if (!seen.has(s.id)) seen.set(s.id, s.name);
  return [...seen].map(([id, name]) => ({ id, name }));
}

/** Tokens a trial reports: the total if given, else input + output; undefined when it reports none. */
export function trialTokens(t: TrialResult): number | undefined {
  const tk = t.agentRun.tokens;
  if (!tk) return undefined;
  if (typeof tk.total === 'number') return tk.total;
  if (typeof tk.input === 'number' || typeof tk.output === 'number') return (tk.input ?? 0) + (tk.output ?? 0);
  return undefined;
}

/**
 * Score a set of trials (one run, merged shards, or several runs of one agent on one task).
 *
 * Rules (docs/harness.md, "Scores"):
 * - A scenario-trial passes only when the trial reports the scenario with status 'passed'. Every other
 *   status, and a scenario the trial does not report at all (an agent that failed before grading), is
 *   a failure: the scenario was not satisfied.
 * - Scenarios are the union over all trials, by id.
 * - Trials failed by the infrastructure (see isExcludedTrial) are left out of satisfaction and pass@k
 *   and counted apart; agent failures count as failed trials.
 * - Contaminated trials still score, and are counted (reports flag them loudly).
 * - Agent wall time: trials where the agent was started (not failed at 'setup'). Tokens and cost:
 *   summed over every trial that reports them, infrastructure failures included (that money was spent).
 *
 * @example scoreTrials(trials).satisfaction // 0.75 when 6 of 8 scenario-trials passed
 */
export function scoreTrials(trials: TrialResult[]): RunScores {
  const ordered = sortTrials(trials);
  const scenarios = scenarioCatalogue(ordered);
  const graded = ordered.filter((t) => !isExcludedTrial(t));
  const n = graded.length;

  const scenarioScores: ScenarioScore[] = scenarios.map(({ id, name }) => {
    let c = 0;
    for (const t of graded) if (t.scenarios.some((s) => s.id === id && s.status === 'passed')) c++;
    const at: Record<string, number> = {};
    const hat: Record<string, number> = {};
    for (let k = 1; k <= n; k++) {
      at[k] = passAtK(n, c, k);
      hat[k] = passHatK(n, c, k);
    }
    return { id, name, trials: n, passed: c, passAtK: at, passHatK: hat };
  });

  const scenarioTrials = n * scenarios.length;
  const passedScenarioTrials = scenarioScores.reduce((sum, s) => sum + s.passed, 0);
  const meanAt: Record<string, number> = {};
  const meanHat: Record<string, number> = {};
  if (scenarios.length > 0)
    for (let k = 1; k <= n; k++) {
      meanAt[k] = scenarioScores.reduce((sum, s) => sum + s.passAtK[k], 0) / scenarios.length;
      meanHat[k] = scenarioScores.reduce((sum, s) => sum + s.passHatK[k], 0) / scenarios.length;
    }

  const wall = ordered.filter((t) => t.failure?.stage !== 'setup').map((t) => t.agentRun.wallMs);
  const costs = ordered.map((t) => t.agentRun.costUsd).filter((v): v is number => typeof v === 'number');
  const tokens = ordered.map(trialTokens).filter((v): v is number => typeof v === 'number');

  const scores: RunScores = {
    satisfaction: scenarioTrials === 0 ? 0 : passedScenarioTrials / scenarioTrials,
    interval: wilsonInterval(passedScenarioTrials, scenarioTrials),
    scenarioTrials,
    passedScenarioTrials,
    passAtK: meanAt,
    passHatK: meanHat,
    scenarios: scenarioScores,
    trials: {
      total: ordered.length,
      graded: n,
      agentFailures: ordered.filter((t) => t.failure?.kind === 'agent').length,
      infrastructureFailures: ordered.filter(isExcludedTrial).length,
      contaminated: ordered.filter((t) => t.contamination.flagged).length,
    },
    agentWallMs: { median: median(wall), max: wall.length ? Math.max(...wall) : 0 },
  };
  if (costs.length) scores.costUsd = costs.reduce((a, b) => a + b, 0);
  if (tokens.length) scores.tokens = tokens.reduce((a, b) => a + b, 0);
  return scores;
}
