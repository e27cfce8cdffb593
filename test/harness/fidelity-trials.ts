// Synthetic trials carrying a fidelity record made the way harness/trial.ts makes one: proxy records through trialFidelity with the real catalogues.

import { trialFidelity } from '../../harness/fidelity.ts';
import type { ProxyRecord } from '../../harness/proxy.ts';
import type { TrialResult } from '../../harness/types.ts';
import { trial } from './synthetic-trials.ts';

/** A proxy record of the app calling `path` on `twin`. */
export function appRecord(path: string, over: Partial<ProxyRecord> = {}): ProxyRecord {
  return { twin: 'slack', phase: 'app', time: '2026-12-06T00:00:00.000Z', method: 'POST', path, status: 200, summary: '', ...over };
}

/**
 * Three trials: 0 calls modelled operations only (chat.postMessage ×3, auth.test ×2, conversations.open), 1 also calls a
 * Slack method the twin does not model (`admin.teams.create <b>`, hostile on purpose) and passes, 2 fails
 * at the agent stage without calls. Each fidelity is computed from proxy records with the real catalogues.
 */
export async function fidelityTrials(): Promise<TrialResult[]> {
  const modelled = [
    appRecord('/t/tenant-1/api/auth.test'),
    appRecord('/t/tenant-1/api/auth.test', { method: 'GET' }),
    appRecord('/t/tenant-1/api/chat.postMessage'),
    appRecord('/t/tenant-1/api/chat.postMessage'),
    appRecord('/t/tenant-1/api/chat.postMessage'),
    appRecord('/t/tenant-1/api/conversations.open'),
    // The agent's own practice calls and a refused control-plane call are not the app's vendor calls.
    appRecord('/api/users.list', { phase: 'agent' }),
    appRecord('/_twin/journal', { refused: true, status: 403 }),
  ];
  const unmodelled = [appRecord('/t/tenant-2/api/chat.postMessage'), appRecord('/t/tenant-2/api/admin.teams.create<b>', { status: 404 })];
  const t0 = trial(0, [['canary-a', 'passed']], { fidelity: await trialFidelity(modelled) });
  const t1 = trial(1, [['canary-a', 'passed']], { fidelity: await trialFidelity(unmodelled) });
  const t2 = trial(2, [['canary-a', 'failed', 'not graded: the agent wrote no app']], {
    status: 'failed',
    failure: { kind: 'agent', stage: 'agent', reason: 'the agent wrote no app' },
    journal: [],
    fidelity: await trialFidelity([]),
  });
  return [t0, t1, t2];
}
