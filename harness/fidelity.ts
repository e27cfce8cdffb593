// How far to trust the twins a grade was earned on: the app's vendor calls from the grader's own proxy record, each with the twin's fidelity for its operation (src/fidelity/catalogue.ts), a trial figure, and the run's.

import type { ScenarioTwin } from '../scenarios/support/config.ts';
import { catalogueOf, type TwinCatalogue } from '../src/fidelity/catalogue.ts';
import { tenantPrefix } from '../src/host.ts';
import { isTwinName } from '../src/registry.ts';
import type { ProxyRecord } from './proxy.ts';
import type { OperationCall, TrialFidelity } from './types.ts';

// The run's figure needs no catalogue: it lives with the reports, which read results without loading any twin.
export { runFidelity } from './report/fidelity.ts';

/** Operations listed per trial; calls on the rest are counted in `otherCalls`. */
export const FIDELITY_OPERATIONS = 200;

/** A call as the fidelity needs it: which twin, the method and the path the proxy normalised. */
export type FidelityCall = Pick<ProxyRecord, 'twin' | 'method' | 'path'>;

/** The app's vendor calls in a proxy record: every request of the app phase (install, start, holdouts) that was not a refused control-plane call. */
export function appCalls(records: ProxyRecord[]): ProxyRecord[] {
  return records.filter((r) => r.phase === 'app' && !r.refused);
}

/**
 * The fidelity of a trial from its calls and the catalogues of the twins they went to. A call is on a
 * *trusted* operation when the operation is implemented, has no documented limitation and an official
 * client's tests cover it; the figure is the share of calls on trusted operations (null without calls).
 * A call no operation of the contract matches, or on an operation without a handler, is *unmodelled*.
 *
 * @example fidelityOf([{ twin: 'slack', method: 'POST', path: '/api/chat.postMessage' }], new Map([['slack', slackCatalogue]]))
 */
export function fidelityOf(calls: FidelityCall[], catalogues: ReadonlyMap<ScenarioTwin, TwinCatalogue>): TrialFidelity {
  const byKey = new Map<string, OperationCall>();
  for (const c of calls) {
    const catalogue = catalogues.get(c.twin);
    const op = catalogue?.match(c.method, c.path);
    const operation = op ? op.operationId : `${c.method.toUpperCase()} ${tenantPrefix(c.path)?.rest ?? c.path}`.slice(0, 300);
    const key = `${c.twin}\u0000${operation}`;
    const seen = byKey.get(key);
    if (seen) {
      seen.calls++;
      continue;
    }
    const status = !op ? 'unknown' : op.implemented ? 'implemented' : 'not-implemented';
    byKey.set(key, {
      twin: c.twin,
      operation,
      calls: 1,
      status,
      limitations: op?.limitations ?? [],
      sdk: op?.sdk ?? [],
      trusted: status === 'implemented' && (op?.limitations.length ?? 1) === 0 && (op?.sdk.length ?? 0) > 0,
    });
  }
  const all = [...byKey.values()].sort(
    (a, b) => b.calls - a.calls || (a.twin < b.twin ? -1 : a.twin > b.twin ? 1 : a.operation < b.operation ? -1 : 1),
  );
  const trustedCalls = all.filter((o) => o.trusted).reduce((n, o) => n + o.calls, 0);
  const unmodelledCalls = all.filter((o) => o.status !== 'implemented').reduce((n, o) => n + o.calls, 0);
  const listed = all.slice(0, FIDELITY_OPERATIONS);
  const otherCalls = all.slice(FIDELITY_OPERATIONS).reduce((n, o) => n + o.calls, 0);
  return {
    calls: calls.length,
    trustedCalls,
    figure: calls.length > 0 ? trustedCalls / calls.length : null,
    unmodelledCalls,
    unmodelled: unmodelledCalls > 0,
    operations: listed,
    ...(otherCalls > 0 ? { otherCalls } : {}),
  };
}

/**
 * The fidelity of a trial from the grader's proxy record: the app's calls, each twin's catalogue
 * computed from the repository (once per process). A twin whose catalogue cannot be built leaves its
 * calls unknown, which marks the trial unmodelled rather than trusting what was not checked.
 */
export async function trialFidelity(records: ProxyRecord[]): Promise<TrialFidelity> {
  const calls = appCalls(records);
  const catalogues = new Map<ScenarioTwin, TwinCatalogue>();
  for (const twin of new Set(calls.map((c) => c.twin))) {
    if (!isTwinName(twin)) continue;
    try {
      catalogues.set(twin, await catalogueOf(twin));
    } catch {
      // No catalogue: its calls stay unknown (unmodelled), never trusted.
    }
  }
  return fidelityOf(calls, catalogues);
}
