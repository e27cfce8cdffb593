// Work put off until after start-up waits for the process to go quiet, not for a fixed delay: on a loaded machine start-up outlasts any delay, and the deferred work would compete with it.

import { performance } from 'node:perf_hooks';

export interface WhenIdleOptions {
  /** Never before this many ms (default 250): the first requests (health checks) go first. */
  minWaitMs?: number;
  /** How often the event loop is looked at after that (default 100 ms). */
  intervalMs?: number;
  /** Idle enough: the event loop busy less than this share of the last interval (default 0.5). */
  threshold?: number;
  /** Run anyway after this many ms (default 5000), however busy the process stays. */
  maxWaitMs?: number;
}

/**
 * Call `fn` once the event loop has been mostly idle for a moment (starting more twins, seeding and
 * the first answers keep it busy), or after `maxWaitMs` at the latest. Its timers are unref'd: they
 * never keep a process alive. Returns a function that cancels the call.
 *
 * @example whenIdle(() => validators.warmUp()); // after `twins up` has answered, not during its start
 */
export function whenIdle(fn: () => void, opts: WhenIdleOptions = {}): () => void {
  const { minWaitMs = 250, intervalMs = 100, threshold = 0.5, maxWaitMs = 5000 } = opts;
  const started = performance.now();
  let last = performance.eventLoopUtilization();
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (busy < threshold || performance.now() - started >= maxWaitMs) fn();
    else timer = setTimeout(check, intervalMs).unref();
  };
  timer = setTimeout(check, minWaitMs).unref();
  return () => clearTimeout(timer);
}
