/**
 * Timing helpers and a plain-text table printer for the benchmarks.
 * @module
 */

/** Summary of a series of durations, in milliseconds. */
export interface Summary {
  mean: number;
  p50: number;
  p99: number;
}

/**
 * Mean, median and 99th percentile of `samples` (ms).
 *
 * @example
 * ```ts
 * summarize([1, 2, 3]); // { mean: 2, p50: 2, p99: 3 }
 * ```
 */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { mean: samples.reduce((s, x) => s + x, 0) / samples.length, p50: at(0.5), p99: at(0.99) };
}

/**
 * Runs `task` `iterations` times after `warmup` untimed runs; returns each duration in ms.
 *
 * @example
 * ```ts
 * const samples = await time(1000, 100, () => router.route(params));
 * ```
 */
export async function time(
  iterations: number,
  warmup: number,
  task: () => Promise<unknown>,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await task();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await task();
    samples.push(performance.now() - start);
  }
  return samples;
}

/**
 * Prints rows as an aligned text table under a title.
 *
 * @example
 * ```ts
 * printTable('Pick', ['deployments', 'µs'], [['10', '12.3']]);
 * ```
 */
export function printTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** Formats milliseconds as microseconds with one decimal. */
export const us = (ms: number): string => (ms * 1000).toFixed(1);
/** Formats milliseconds with two decimals. */
export const ms = (value: number): string => value.toFixed(2);
