// Scoring: Wilson interval and pass@k / pass^k against hand-computed numbers and direct enumeration, and the rules for errors and contamination.

import { describe, expect, it } from 'vitest';
import { isExcludedTrial, passAtK, passHatK, scoreTrials, wilsonInterval } from '../../harness/scoring.ts';
import { trial } from './synthetic-trials.ts';

/** Every k-subset of {0…n−1}. */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  const walk = (start: number, chosen: number[]) => {
    if (chosen.length === k) {
      out.push(chosen);
      return;
    }
    for (let i = start; i < n; i++) walk(i + 1, [...chosen, i]);
  };
  walk(0, []);
  return out;
}

describe('wilsonInterval', () => {
  it('matches hand-computed 95 % intervals', () => {
    // 8/10: centre (0.8 + 1.92/10)/(1 + 3.8415/10) = 0.71674, half-width 1.41600 × sqrt(0.016 + 0.0096037) = 0.22656.
    const [lo, hi] = wilsonInterval(8, 10);
    expect(lo).toBeCloseTo(0.49016, 4);
    expect(hi).toBeCloseTo(0.9433, 4);
    const [lo5, hi5] = wilsonInterval(5, 10);
    expect(lo5).toBeCloseTo(0.23659, 4);
    expect(hi5).toBeCloseTo(0.76341, 4);
    // 1/2: a small sample gives a wide interval.
    const [lo1, hi1] = wilsonInterval(1, 2);
    expect(lo1).toBeCloseTo(0.09453, 4);
    expect(hi1).toBeCloseTo(0.90547, 4);
  });

  it('is exactly 0 or 1 at the edges and [0, 1] with no data', () => {
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.27753, 4);
    expect(wilsonInterval(10, 10)[1]).toBe(1);
    expect(wilsonInterval(10, 10)[0]).toBeCloseTo(0.72247, 4);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });

  it('narrows as the sample grows and always contains the observed share', () => {
    for (const [c, n] of [
      [3, 7],
      [30, 70],
      [300, 700],
    ]) {
      const [lo, hi] = wilsonInterval(c, n);
      expect(lo).toBeLessThan(c / n);
      expect(hi).toBeGreaterThan(c / n);
    }
    expect(wilsonInterval(300, 700)[1] - wilsonInterval(300, 700)[0]).toBeLessThan(wilsonInterval(3, 7)[1] - wilsonInterval(3, 7)[0]);
  });
});

describe('pass@k and pass^k', () => {
  it('equal direct enumeration over every k-subset of trials for n ≤ 7', () => {
    for (let n = 1; n <= 7; n++)
      for (let c = 0; c <= n; c++)
        for (let k = 1; k <= n; k++) {
          // Trials 0…c−1 passed; over all k-subsets, the share with at least one pass, and with only passes.
          const all = subsets(n, k);
          const any = all.filter((s) => s.some((i) => i < c)).length / all.length;
          const every = all.filter((s) => s.every((i) => i < c)).length / all.length;
          expect(passAtK(n, c, k), `pass@${k} n=${n} c=${c}`).toBeCloseTo(any, 12);
          expect(passHatK(n, c, k), `pass^${k} n=${n} c=${c}`).toBeCloseTo(every, 12);
        }
  });

  it('match hand-computed values', () => {
    // n=5, c=2: pass@2 = 1 − C(3,2)/C(5,2) = 1 − 3/10; pass^2 = C(2,2)/C(5,2) = 1/10.
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12);
    expect(passHatK(5, 2, 2)).toBeCloseTo(0.1, 12);
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 12);
    expect(passAtK(5, 2, 4)).toBe(1);
    expect(passHatK(5, 2, 3)).toBe(0);
  });

  it('stay finite for large n (no factorials)', () => {
    // Exact values from Python's math.comb with fractions: 1 − C(990,500)/C(1000,500) and C(990,100)/C(1000,100).
    expect(passAtK(1000, 10, 500)).toBeCloseTo(0.9990668121978155, 12);
    expect(passHatK(1000, 990, 100)).toBeCloseTo(0.34692771479200596, 12);
  });

  it('refuse k outside 1…n', () => {
    expect(() => passAtK(3, 1, 0)).toThrow(RangeError);
    expect(() => passHatK(3, 1, 4)).toThrow(RangeError);
  });
});

describe('scoreTrials', () => {
  // Two scenarios A and B; trial 0: A passes, B fails; trial 1: both pass; trial 2: the agent failed
  // before grading; trial 3: the infrastructure failed (excluded).
  const trials = [
    trial(
      0,
      [
        ['A', 'passed'],
        ['B', 'failed', 'boom'],
      ],
      { agentRun: { exitCode: 0, timedOut: false, wallMs: 100, tokens: { total: 1000 }, costUsd: 0.5 } },
    ),
    trial(
      1,
      [
        ['A', 'passed'],
        ['B', 'passed'],
      ],
      {
        agentRun: { exitCode: 0, timedOut: false, wallMs: 300, tokens: { input: 100, output: 50 }, costUsd: 0.25 },
        contamination: { flagged: true, hits: [{ kind: 'canary', needle: 'A', where: 'transcript' }] },
      },
    ),
    trial(2, [], {
      status: 'error',
      failure: { kind: 'agent', stage: 'agent', reason: 'exit 1' },
      agentRun: { exitCode: 1, timedOut: false, wallMs: 200 },
    }),
    trial(3, [], {
      status: 'error',
      failure: { kind: 'infrastructure', stage: 'setup', reason: 'twin down' },
      agentRun: { exitCode: null, timedOut: false, wallMs: 0, costUsd: 0.125 },
    }),
  ];

  it('computes satisfaction, pass@k, pass^k and the failure split by hand', () => {
    const s = scoreTrials(trials);
    // Scored trials 0, 1, 2 (n = 3): A passed 2, B passed 1 → 3 of 6 scenario-trials.
    expect(s.scenarioTrials).toBe(6);
    expect(s.passedScenarioTrials).toBe(3);
    expect(s.satisfaction).toBe(0.5);
    expect(s.interval[0]).toBeCloseTo(wilsonInterval(3, 6)[0], 12);
    expect(s.interval[1]).toBeCloseTo(wilsonInterval(3, 6)[1], 12);
    const [a, b] = s.scenarios;
    expect(a).toMatchObject({ id: 'A', name: 'Scenario A', trials: 3, passed: 2 });
    expect(b).toMatchObject({ id: 'B', trials: 3, passed: 1 });
    // A: pass@1 2/3, pass@2 1 − C(1,2)/C(3,2) = 1, pass@3 1; pass^1 2/3, pass^2 C(2,2)/C(3,2) = 1/3, pass^3 0.
    expect(a.passAtK['1']).toBeCloseTo(2 / 3, 12);
    expect(a.passAtK['2']).toBe(1);
    expect(a.passHatK['2']).toBeCloseTo(1 / 3, 12);
    expect(a.passHatK['3']).toBe(0);
    // B: pass@2 = 1 − C(2,2)/C(3,2) = 2/3.
    expect(b.passAtK['2']).toBeCloseTo(2 / 3, 12);
    expect(s.passAtK['1']).toBeCloseTo(0.5, 12);
    expect(s.passAtK['2']).toBeCloseTo(5 / 6, 12);
    expect(s.passAtK['3']).toBe(1);
    expect(s.passHatK['1']).toBeCloseTo(0.5, 12);
    expect(s.passHatK['2']).toBeCloseTo(1 / 6, 12);
    expect(s.passHatK['3']).toBe(0);
    expect(Object.keys(s.passAtK)).toEqual(['1', '2', '3']);
    expect(s.trials).toEqual({ total: 4, graded: 3, agentFailures: 1, infrastructureFailures: 1, contaminated: 1 });
  });

  it('times the agent where it ran, and sums tokens and cost where reported (infrastructure failures included)', () => {
    const s = scoreTrials(trials);
    // Trial 3 failed at setup: its agent never ran. Others: 100, 300, 200.
    expect(s.agentWallMs).toEqual({ median: 200, max: 300 });
    expect(s.tokens).toBe(1150);
    expect(s.costUsd).toBeCloseTo(0.875, 12);
    const none = scoreTrials([trial(0, [['A', 'passed']])]);
    expect(none.tokens).toBeUndefined();
    expect(none.costUsd).toBeUndefined();
    expect(scoreTrials([trial(0, []), trial(1, [])]).agentWallMs).toEqual({ median: 1500, max: 2000 });
  });

  it('does not depend on the order the trials come in', () => {
    expect(scoreTrials([...trials].reverse())).toEqual(scoreTrials(trials));
    expect(scoreTrials([trials[2], trials[0], trials[3], trials[1]])).toEqual(scoreTrials(trials));
  });

  it('counts every status but passed, and a scenario a graded trial did not report, as failed', () => {
    const s = scoreTrials([
      trial(0, [
        ['A', 'skipped'],
        ['B', 'undefined'],
        ['C', 'passed'],
      ]),
      trial(1, [
        ['A', 'pending'],
        ['C', 'ambiguous'],
      ]),
      trial(2, [['A', 'unknown']]),
    ]);
    expect(s.scenarios.map((x) => [x.id, x.passed, x.trials])).toEqual([
      ['A', 0, 3],
      ['B', 0, 3],
      ['C', 1, 3],
    ]);
    expect(s.satisfaction).toBeCloseTo(1 / 9, 12);
  });

  it('excludes an unexplained error (no failure named) like an infrastructure failure, and keeps agent failures', () => {
    const unexplained = trial(1, [], { status: 'error' });
    expect(isExcludedTrial(unexplained)).toBe(true);
    expect(isExcludedTrial(trials[2])).toBe(false);
    expect(isExcludedTrial(trials[3])).toBe(true);
    const s = scoreTrials([trial(0, [['A', 'passed']]), unexplained]);
    expect(s.satisfaction).toBe(1);
    expect(s.trials).toMatchObject({ total: 2, graded: 1, infrastructureFailures: 1, agentFailures: 0 });
  });

  it('ignores scenarios an infrastructure-failed trial reported (it is not scored)', () => {
    const s = scoreTrials([
      trial(0, [['A', 'failed']]),
      trial(1, [['A', 'passed']], { status: 'error', failure: { kind: 'infrastructure', stage: 'grade', reason: 'grader crashed' } }),
    ]);
    expect(s.scenarios[0]).toMatchObject({ passed: 0, trials: 1 });
    expect(s.satisfaction).toBe(0);
  });

  it('scores contaminated trials like any other, and counts them', () => {
    const clean = scoreTrials([trial(0, [['A', 'passed']]), trial(1, [['A', 'failed']])]);
    const dirty = scoreTrials([
      trial(0, [['A', 'passed']], { contamination: { flagged: true, hits: [{ kind: 'step', needle: 'When x', where: 'requests' }] } }),
      trial(1, [['A', 'failed']]),
    ]);
    expect(dirty.satisfaction).toBe(clean.satisfaction);
    expect(dirty.trials.contaminated).toBe(1);
    expect(clean.trials.contaminated).toBe(0);
  });

  it('gives a defined answer with nothing to score', () => {
    const empty = scoreTrials([]);
    expect(empty).toMatchObject({ satisfaction: 0, interval: [0, 1], scenarioTrials: 0, passAtK: {}, passHatK: {}, scenarios: [] });
    expect(empty.agentWallMs).toEqual({ median: 0, max: 0 });
    // Only infrastructure failures: scenarios known, nothing scored.
    const infra = scoreTrials([
      trial(0, [['A', 'failed']], { status: 'error', failure: { kind: 'infrastructure', stage: 'start', reason: 'x' } }),
    ]);
    expect(infra).toMatchObject({ satisfaction: 0, interval: [0, 1], scenarioTrials: 0, passAtK: {} });
    expect(infra.scenarios).toEqual([{ id: 'A', name: 'Scenario A', trials: 0, passed: 0, passAtK: {}, passHatK: {} }]);
  });

  it('names a scenario by its first appearance, identified by its id across trials', () => {
    const s = scoreTrials([
      trial(1, [['A', 'passed']], { scenarios: [{ id: 'A', name: 'renamed later', status: 'passed', durationMs: 1 }] }),
      trial(0, [['A', 'failed']]),
    ]);
    expect(s.scenarios).toHaveLength(1);
    expect(s.scenarios[0]).toMatchObject({ name: 'Scenario A', passed: 1, trials: 2 });
  });
});
