// Bounded patience for observe steps: poll a condition at short intervals and, on timeout, say what was awaited and what was seen.

/** The longest a step may wait for something in real time; longer spans belong to the twin's clock (`When 2 hours pass`). */
export const MAX_WAIT_MS = 120_000;

export interface WaitOptions {
  /** How long to keep looking, in ms. */
  timeoutMs: number;
  /** What is awaited, as a phrase: `a message matching /deployed/ in #ops`. */
  describe: string;
  /** What was there instead, asked for once the wait has failed (e.g. the channel's last messages, the app's API calls). */
  saw?: () => Promise<string> | string;
  /** First poll interval in ms (default 25); it grows to `maxIntervalMs`. */
  intervalMs?: number;
  /** Longest poll interval in ms (default 250). */
  maxIntervalMs?: number;
}

/** A wait that ran out of time (eventually) or saw what must not appear (never). */
export class WaitError extends Error {
  constructor(
    message: string,
    readonly waitedFor: string,
    readonly seen: string,
  ) {
    super(message);
    this.name = 'WaitError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function describeSeen(saw: WaitOptions['saw'], lastError: unknown): Promise<string> {
  const parts: string[] = [];
  if (lastError !== undefined) parts.push(`the last check failed: ${(lastError as Error).message ?? String(lastError)}`);
  if (saw) {
    try {
      parts.push(await saw());
    } catch (err) {
      parts.push(`(could not collect what was there: ${(err as Error).message})`);
    }
  }
  return parts.join('\n');
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Poll `check` until it returns a value (anything but `undefined`, `null` or `false`) and return
 * it; after `timeoutMs` throw a WaitError naming what was awaited and what was seen. A check that
 * throws counts as "not yet"; its last error is reported.
 *
 * @example
 *   const reply = await eventually(async () => (await replies()).find((m) => /INC-\d+/.test(m.text)), {
 *     timeoutMs: 5000,
 *     describe: 'a reply matching /INC-\d+/ in the thread',
 *     saw: async () => render(await replies()),
 *   });
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitOptions,
): Promise<T> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let interval = opts.intervalMs ?? 25;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as T;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(interval, left));
    interval = Math.min(interval * 2, opts.maxIntervalMs ?? 250);
  }
  const seen = await describeSeen(opts.saw, lastError);
  throw new WaitError(`waited ${seconds(opts.timeoutMs)} for ${opts.describe}, in vain.\n${seen}`.trim(), opts.describe, seen);
}

/**
 * Watch for the whole window that `check` never returns a value; fail as soon as it does,
 * saying what appeared. Used by "has no …" and "never …" steps, which cannot pass early.
 */
export async function never<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitOptions & { render?: (found: T) => string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let interval = opts.intervalMs ?? 25;
  for (;;) {
    // A failing check must fail the step: "nothing appeared" cannot be claimed without looking.
    const value = await check();
    if (value !== undefined && value !== null && value !== false) {
      const found = opts.render ? opts.render(value as T) : JSON.stringify(value);
      const seen = await describeSeen(opts.saw, undefined);
      throw new WaitError(
        `expected no ${opts.describe} for ${seconds(opts.timeoutMs)}, but saw: ${found}\n${seen}`.trim(),
        opts.describe,
        found,
      );
    }
    const left = deadline - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(interval, left));
    interval = Math.min(interval * 2, opts.maxIntervalMs ?? 250);
  }
}
