/** Small numeric helpers every layer shares, so their edge cases agree. */

/** `part` as a percent of `whole`; 0 when there is no whole. */
export function percentOf(part: number, whole: number): number {
  return whole > 0 ? (100 * part) / whole : 0;
}

/** Nearest-rank percentile (mitata's) of ascending `sorted`; NaN when there is nothing to rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))];
}
