/**
 * Latency percentiles in constant memory: a log-scale histogram (bins 15 % wide from 1 ms to
 * over an hour), so a minute of heavy traffic costs 440 bytes, not one number per request.
 * A percentile read from it is within 7.5 % of the exact value.
 * @module
 */

const GROWTH = 1.15;
const BINS = 110;
const LOG_GROWTH = Math.log(GROWTH);

/** Bin counts of one histogram. */
export type LatencyBins = Uint32Array;

/**
 * An empty histogram.
 *
 * @example
 * ```ts
 * const bins = emptyBins();
 * addLatency(bins, 412);
 * percentile(bins, 0.5); // ≈ 412
 * ```
 */
export function emptyBins(): LatencyBins {
  return new Uint32Array(BINS);
}

/**
 * Counts one latency, in milliseconds.
 *
 * @example
 * ```ts
 * addLatency(bins, reply.elapsedTime);
 * ```
 */
export function addLatency(bins: LatencyBins, ms: number): void {
  const index = ms <= 1 ? 0 : Math.min(BINS - 1, Math.floor(Math.log(ms) / LOG_GROWTH) + 1);
  bins[index] = (bins[index] ?? 0) + 1;
}

/**
 * Adds `from` into `into` (a window made of minutes).
 *
 * @example
 * ```ts
 * const window = emptyBins();
 * for (const minute of minutes) mergeBins(window, minute.bins);
 * ```
 */
export function mergeBins(into: LatencyBins, from: LatencyBins): void {
  for (let i = 0; i < BINS; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
}

/**
 * The `q` quantile (0 to 1) in milliseconds, as the geometric middle of its bin; null when empty.
 *
 * @example
 * ```ts
 * percentile(bins, 0.95); // p95 in ms
 * ```
 */
export function percentile(bins: LatencyBins, q: number): number | null {
  let total = 0;
  for (const count of bins) total += count;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < BINS; i++) {
    seen += bins[i] ?? 0;
    if (seen >= rank) return i === 0 ? 1 : Math.round(GROWTH ** (i - 0.5));
  }
  return null;
}
