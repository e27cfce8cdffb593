// A tenant's clock: real time (optionally shifted) or virtual time that moves only when advanced, with timers on it.

export type ClockMode = 'real' | 'virtual';

/** The earliest time a clock may show: the Unix epoch (tests start virtual clocks at 0). */
export const CLOCK_MIN_MS = 0;
/**
 * The latest time a clock may show, 2200-01-01. Past it vendor timestamps change shape (Slack's
 * ts gains an eleventh digit in 2286) and microsecond counts lose precision (2^53 µs is in 2255).
 */
export const CLOCK_MAX_MS = Date.UTC(2200, 0, 1);

/** Check a time a caller wants the clock to show; returns it, or throws a RangeError that says what is allowed. */
export function checkClockTime(ms: unknown, what = 'the time'): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new RangeError(`${what} must be a finite number of epoch milliseconds`);
  if (ms < CLOCK_MIN_MS || ms > CLOCK_MAX_MS) {
    throw new RangeError(`${what} must lie between ${new Date(CLOCK_MIN_MS).toISOString()} and ${new Date(CLOCK_MAX_MS).toISOString()}`);
  }
  return ms;
}

/** Check how far a caller wants to move a clock that shows `now`; returns the milliseconds, or throws a RangeError. */
export function checkAdvance(ms: unknown, now: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new RangeError('advance must be a finite number of milliseconds');
  if (ms < 0) throw new RangeError('the clock only moves forward');
  if (now + ms > CLOCK_MAX_MS) {
    throw new RangeError(`advancing by ${ms} ms would take the clock past ${new Date(CLOCK_MAX_MS).toISOString()}`);
  }
  return ms;
}

/** Check a clock mode a caller sent. */
export function checkClockMode(mode: unknown): ClockMode {
  if (mode !== 'real' && mode !== 'virtual') throw new RangeError('mode must be "real" or "virtual"');
  return mode;
}

/** Check a clock snapshot whole (restore takes it only when every field is sane). */
export function checkClockSnapshot(snap: unknown): ClockSnapshot {
  const x = snap as Record<string, unknown> | null;
  if (!x || typeof x !== 'object') throw new RangeError('clock must be {"mode":"virtual","now":ms} or {"mode":"real","offsetMs":ms}');
  if (x.mode === 'virtual') return { mode: 'virtual', now: checkClockTime(x.now, 'clock.now') };
  if (x.mode === 'real') {
    const offset = x.offsetMs;
    if (typeof offset !== 'number' || !Number.isFinite(offset)) throw new RangeError('clock.offsetMs must be a finite number');
    checkClockTime(Date.now() + offset, 'the wall clock plus clock.offsetMs');
    return { mode: 'real', offsetMs: offset };
  }
  throw new RangeError('clock must be {"mode":"virtual","now":ms} or {"mode":"real","offsetMs":ms}');
}

/**
 * A clock as a snapshot keeps it: a virtual clock by the time it shows, a real clock by how far
 * it was advanced past the wall clock (so the same seed snapshots byte-identically).
 */
export type ClockSnapshot = { mode: 'virtual'; now: number } | { mode: 'real'; offsetMs: number };

export interface ClockState {
  mode: ClockMode;
  now: number;
  iso: string;
  /** Timers waiting on this clock (scheduled messages, event retries). */
  pending: number;
}

interface Timer {
  id: number;
  at: number;
  fn: () => void | Promise<void>;
}

/**
 * Time for one tenant. In `real` mode it follows the wall clock plus an offset that `advance`
 * grows; in `virtual` mode it stands still until advanced. Timers fire when the clock reaches
 * them: by a real timeout in `real` mode, inside `advance` in `virtual` mode.
 *
 * @example
 *   const clock = new Clock('virtual', Date.parse('2026-01-01T00:00:00Z'));
 *   clock.schedule(clock.now() + 60_000, () => post());
 *   await clock.advance(60_000); // post() has run
 */
export class Clock {
  private modeValue: ClockMode;
  private offset = 0;
  private frozenAt = 0;
  private timers: Timer[] = [];
  private nextId = 1;
  private realTimer: NodeJS.Timeout | undefined;
  private readonly onError: (err: unknown) => void;

  /** @throws RangeError when `mode` or `start` is out of range. */
  constructor(mode: ClockMode = 'real', start?: number, onError: (err: unknown) => void = () => {}) {
    this.modeValue = checkClockMode(mode);
    if (start !== undefined) checkClockTime(start, 'the clock start');
    this.onError = onError;
    if (mode === 'virtual') this.frozenAt = start ?? Date.now();
    else if (start !== undefined) this.offset = start - Date.now();
  }

  get mode(): ClockMode {
    return this.modeValue;
  }

  now(): number {
    return this.modeValue === 'virtual' ? this.frozenAt : Date.now() + this.offset;
  }

  state(): ClockState {
    const now = this.now();
    return { mode: this.modeValue, now, iso: new Date(now).toISOString(), pending: this.timers.length };
  }

  snapshot(): ClockSnapshot {
    return this.modeValue === 'virtual' ? { mode: 'virtual', now: this.frozenAt } : { mode: 'real', offsetMs: this.offset };
  }

  /**
   * Take the time of a snapshot (timers are kept; the owner re-arms what the state needs).
   * @throws RangeError, changing nothing, when the snapshot is out of range.
   */
  restore(snap: ClockSnapshot): void {
    snap = checkClockSnapshot(snap);
    this.modeValue = snap.mode;
    if (snap.mode === 'virtual') this.frozenAt = snap.now;
    else this.offset = snap.offsetMs;
    this.arm();
  }

  /**
   * Switch mode, keeping the current time; optionally jump to `to` (never backwards).
   * @throws RangeError, changing nothing, when the mode is unknown or `to` is out of range.
   */
  set(mode: ClockMode, to?: number): void {
    checkClockMode(mode);
    if (to !== undefined) checkClockTime(to, 'to');
    const current = this.now();
    const target = to === undefined ? current : Math.max(current, to);
    this.modeValue = mode;
    if (mode === 'virtual') this.frozenAt = target;
    else this.offset = target - Date.now();
    void this.fireDue();
  }

  /**
   * Move time forward by `ms` and run every timer that falls due, in time order.
   * @throws RangeError, changing nothing, when `ms` is negative, not finite or goes past CLOCK_MAX_MS.
   */
  async advance(ms: number): Promise<void> {
    checkAdvance(ms, this.now());
    if (this.modeValue === 'virtual') {
      const target = this.frozenAt + ms;
      // Fire timers one by one at their own time, so work they schedule lands in order.
      for (;;) {
        const next = this.timers[0];
        if (!next || next.at > target) break;
        this.frozenAt = Math.max(this.frozenAt, next.at);
        await this.fireDue();
      }
      this.frozenAt = target;
    } else {
      this.offset += ms;
    }
    await this.fireDue();
  }

  /** Run `fn` when the clock reaches `at`; @throws RangeError when `at` is not a finite time (it would block every later timer). */
  schedule(at: number, fn: () => void | Promise<void>): number {
    if (typeof at !== 'number' || Number.isNaN(at)) throw new RangeError('a timer needs a time in epoch milliseconds');
    const timer = { id: this.nextId++, at, fn };
    const i = this.timers.findIndex((t) => t.at > at);
    if (i === -1) this.timers.push(timer);
    else this.timers.splice(i, 0, timer);
    this.arm();
    return timer.id;
  }

  cancel(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
    this.arm();
  }

  /** Drop every timer (tenant reset or removal). */
  dispose(): void {
    this.timers = [];
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
  }

  private async fireDue(): Promise<void> {
    const now = this.now();
    while (this.timers.length > 0 && this.timers[0].at <= now) {
      const t = this.timers.shift() as Timer;
      try {
        await t.fn();
      } catch (err) {
        this.onError(err);
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    if (this.modeValue !== 'real' || this.timers.length === 0) return;
    // setTimeout caps at ~24.8 days; re-arm in steps for timers further out.
    const delay = Math.min(Math.max(0, this.timers[0].at - this.now()), 2 ** 31 - 1);
    this.realTimer = setTimeout(() => void this.fireDue(), delay);
    this.realTimer.unref();
  }
}
