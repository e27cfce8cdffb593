// Number and time formatting shared by the text, HTML and leaderboard reports.

/** A share as a percentage with one decimal: 0.875 → "87.5 %". */
export function pct(x: number): string {
  return `${(Math.round(x * 1000) / 10).toFixed(1)} %`;
}

/** An interval as percentages: [0.5, 0.9] → "50.0–90.0 %". */
export function pctInterval([lo, hi]: [number, number]): string {
  return `${(Math.round(lo * 1000) / 10).toFixed(1)}–${(Math.round(hi * 1000) / 10).toFixed(1)} %`;
}

/** Milliseconds for people: "850 ms", "12.3 s", "4 min 05 s", "1 h 02 min". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A dollar amount: cents for sums over a cent, more digits below. */
export function usd(x: number): string {
  return x >= 0.01 || x === 0 ? `$${x.toFixed(2)}` : `$${x.toPrecision(2)}`;
}

/** A whole number with thousands separators, the same on every machine. */
export function int(x: number): string {
  return Math.round(x)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "1 trial", "3 trials". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The k values worth a row or a column: all of them up to `max`, else 1…max−1 and the largest, so a run
 * of 500 trials does not print 500 rows (every k stays in run.json).
 */
export function shownKs(ks: number[], max = 10): number[] {
  const sorted = [...ks].sort((a, b) => a - b);
  return sorted.length > max ? [...sorted.slice(0, max - 1), sorted[sorted.length - 1]] : sorted;
}
