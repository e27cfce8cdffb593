import { describe, expect, it } from 'vitest';
import { CLOCK_MAX_MS, Clock, checkAdvance, checkClockSnapshot, checkClockTime } from '../../src/kernel/clock.ts';
import { parseDuration } from '../../src/kernel/duration.ts';

describe('Clock', () => {
  it('virtual time stands still until advanced, then fires due timers in time order', async () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const clock = new Clock('virtual', start);
    const fired: string[] = [];
    clock.schedule(start + 120_000, () => {
      fired.push(`b@${clock.now() - start}`);
    });
    clock.schedule(start + 60_000, () => {
      fired.push(`a@${clock.now() - start}`);
      clock.schedule(clock.now() + 30_000, () => {
        fired.push(`c@${clock.now() - start}`);
      });
    });
    expect(clock.now()).toBe(start);
    await clock.advance(59_999);
    expect(fired).toEqual([]);
    await clock.advance(200_000);
    expect(fired).toEqual(['a@60000', 'c@90000', 'b@120000']);
    expect(clock.now()).toBe(start + 259_999);
  });

  it('real time moves on its own and advance shifts it forward', async () => {
    const clock = new Clock('real');
    const before = clock.now();
    await clock.advance(3_600_000);
    expect(clock.now() - before).toBeGreaterThanOrEqual(3_600_000);
    const fired = new Promise<number>((resolve) => clock.schedule(clock.now() + 20, () => resolve(clock.now())));
    expect(await fired).toBeGreaterThanOrEqual(before + 3_600_020);
  });

  it('never goes backwards', async () => {
    const clock = new Clock('virtual', 1000);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    clock.set('virtual', 10);
    expect(clock.now()).toBe(1000);
  });
});

describe('Clock ranges', () => {
  it('refuses a move past 2200 or by a non-finite amount, and changes nothing', async () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const clock = new Clock('virtual', start);
    for (const ms of [1e308, Number.POSITIVE_INFINITY, Number.NaN, CLOCK_MAX_MS]) {
      await expect(clock.advance(ms)).rejects.toThrow(RangeError);
      expect(clock.now()).toBe(start);
    }
    expect(() => clock.set('virtual', Date.UTC(2300, 0, 1))).toThrow(RangeError);
    expect(() => clock.set('virtual', Number.NaN)).toThrow(RangeError);
    expect(() => clock.set('warp' as never)).toThrow(RangeError);
    expect(clock.now()).toBe(start);
    expect(clock.mode).toBe('virtual');
    expect(clock.state().iso).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses a snapshot out of range whole, keeping the time it had', () => {
    const clock = new Clock('virtual', 1000);
    expect(() => clock.restore({ mode: 'virtual', now: 1e308 })).toThrow(RangeError);
    expect(() => clock.restore({ mode: 'real', offsetMs: Number.NaN })).toThrow(RangeError);
    expect(() => clock.restore({ mode: 'real', offsetMs: 1e15 })).toThrow(RangeError);
    expect(() => clock.restore({ mode: 'sideways' } as never)).toThrow(RangeError);
    expect(clock.now()).toBe(1000);
    clock.restore({ mode: 'virtual', now: 5000 });
    expect(clock.now()).toBe(5000);
  });

  it('refuses to start out of range, and a timer with no time', () => {
    expect(() => new Clock('virtual', -1)).toThrow(RangeError);
    expect(() => new Clock('virtual', Date.UTC(2300, 0, 1))).toThrow(RangeError);
    expect(() => new Clock('virtual', 0).schedule(Number.NaN, () => {})).toThrow(RangeError);
  });

  it('exposes the checks for the control plane', () => {
    expect(checkClockTime(Date.UTC(2199, 11, 31))).toBe(Date.UTC(2199, 11, 31));
    expect(() => checkClockTime('2026-01-01')).toThrow(RangeError);
    expect(checkAdvance(60_000, Date.UTC(2026, 0, 1))).toBe(60_000);
    expect(() => checkAdvance(-1, 0)).toThrow(/only moves forward/);
    expect(checkClockSnapshot({ mode: 'virtual', now: 5, extra: 1 })).toEqual({ mode: 'virtual', now: 5 });
  });
});

describe('parseDuration', () => {
  it('refuses what would overflow or is too long to be a duration', () => {
    expect(() => parseDuration('9'.repeat(400))).toThrow(RangeError);
    expect(() => parseDuration(`${'9'.repeat(400)}d`)).toThrow(RangeError);
    expect(() => parseDuration('1s'.repeat(100))).toThrow(RangeError);
    expect(() => parseDuration('5constructor')).toThrow(/unknown unit "constructor"/);
  });

  it('reads the units people write', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('2 days')).toBe(172_800_000);
    expect(parseDuration('250')).toBe(250);
  });
  it('names what it cannot read', () => {
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(() => parseDuration('5 fortnights')).toThrow(/unknown unit "fortnights"/);
  });
});
