// The run's fidelity figure from its trials (no twin is loaded: reports read results anywhere), and how figures are shown.

import type { RunFidelity, TrialFidelity, TrialResult } from '../types.ts';
import { pct } from './format.ts';

/**
 * The run's figure: calls pooled over its scored trials (infrastructure failures left out, as in the
 * scores) that have a fidelity record; undefined when none has (results written before fidelity existed).
 */
export function runFidelity(trials: TrialResult[]): RunFidelity | undefined {
  // An infrastructure failure, as scoreTrials counts one: not scored, so not in the figure either.
  const infrastructure = (t: TrialResult) => t.failure?.kind === 'infrastructure' || (t.status === 'error' && !t.failure);
  const measured = trials.filter((t) => t.fidelity && !infrastructure(t));
  if (measured.length === 0) return undefined;
  const calls = measured.reduce((n, t) => n + (t.fidelity?.calls ?? 0), 0);
  const trustedCalls = measured.reduce((n, t) => n + (t.fidelity?.trustedCalls ?? 0), 0);
  return {
    trials: measured.length,
    unmodelledTrials: measured.filter((t) => t.fidelity?.unmodelled).length,
    calls,
    trustedCalls,
    figure: calls > 0 ? trustedCalls / calls : null,
  };
}

/** A figure as text: `83.3 %`, or `no calls` when there was nothing to weigh. */
export function fidelityFigure(f: Pick<TrialFidelity | RunFidelity, 'figure'> | undefined): string {
  if (!f) return 'not measured';
  return f.figure === null ? 'no calls' : pct(f.figure);
}
