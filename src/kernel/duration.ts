// Parses human durations ("500ms", "90s", "5m", "2h", "1d", "1m30s") into milliseconds.

const UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * @example parseDuration('1m30s') === 90_000; parseDuration('250') === 250
 * @throws RangeError naming the text when it is not a duration (or is longer than 64 characters, or overflows).
 */
export function parseDuration(text: string): number {
  // A duration is short; a long text is no duration (and is not worth scanning).
  if (text.length > 64) throw new RangeError(`"${text.slice(0, 32)}…" is not a duration (examples: "500ms", "90s", "5m", "1h")`);
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return finiteDuration(Number(t), text);
  const re = /(\d+(?:\.\d+)?)\s*([a-z]+)/g;
  let total = 0;
  let consumed = '';
  for (const m of t.matchAll(re)) {
    // Own keys only: "5constructor" must be an unknown unit, not Object's constructor.
    const unit = Object.hasOwn(UNITS, m[2]) ? UNITS[m[2]] : undefined;
    if (unit === undefined) throw new RangeError(`"${text}" is not a duration: unknown unit "${m[2]}" (use ms, s, m, h or d)`);
    total += Number(m[1]) * unit;
    consumed += m[0];
  }
  if (consumed.replace(/\s/g, '') !== t.replace(/\s/g, '') || consumed === '') {
    throw new RangeError(`"${text}" is not a duration (examples: "500ms", "90s", "5m", "1h")`);
  }
  return finiteDuration(total, text);
}

/** Digits enough to overflow a double ("9999…9s") are no duration either. */
function finiteDuration(ms: number, text: string): number {
  if (!Number.isFinite(ms)) throw new RangeError(`"${text}" is not a duration: it is too long to count`);
  return ms;
}
