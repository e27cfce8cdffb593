// A tenant's clock: real time (optionally shifted) or virtual time that moves only when advanced, with timers on it.

export type ClockMode = 'real' | 'virtual';

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

  constructor(mode: ClockMode = 'real', start?: number, onError: (err: unknown) => void = () => {}) {
    this.modeValue = mode;
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

  /** Take the time of a snapshot (timers are kept; the owner re-arms what the state needs). */
  restore(snap: ClockSnapshot): void {
    this.modeValue = snap.mode;
    if (snap.mode === 'virtual') this.frozenAt = snap.now;
    else this.offset = snap.offsetMs;
    this.arm();
  }

  /** Switch mode, keeping the current time; optionally jump to `to` (never backwards). */
  set(mode: ClockMode, to?: number): void {
    const current = this.now();
    const target = to === undefined ? current : Math.max(current, to);
    this.modeValue = mode;
    if (mode === 'virtual') this.frozenAt = target;
    else this.offset = target - Date.now();
    void this.fireDue();
  }

  /** Move time forward by `ms` and run every timer that falls due, in time order. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
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

  schedule(at: number, fn: () => void | Promise<void>): number {
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
