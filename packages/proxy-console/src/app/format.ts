/** Display helpers: money, durations, times, counts, lifecycle badges. */

import type { ConsoleLifecycle } from '../api-types.js';

/** `$0.0420`, `$12.50`; `unknown` for null (a cost that could not be known is not 0). */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'unknown';
  return `$${value.toFixed(Math.abs(value) < 1 ? 4 : 2)}`;
}

/** `840 ms`, `12.3 s`; `–` for null. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Local time of day, `14:03:27`. */
export function clock(at: string | number): string {
  return new Date(at).toLocaleTimeString([], { hour12: false });
}

/** `in 27 s`, `in 3 min`, `in 5 h`, `in 30 days`. */
export function fromNow(at: string | number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((new Date(at).getTime() - now) / 1000));
  if (seconds < 120) return `in ${seconds} s`;
  if (seconds < 120 * 60) return `in ${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `in ${Math.round(seconds / 3600)} h`;
  return `in ${Math.round(seconds / 86_400)} days`;
}

/** Entries of a record, largest value first. */
export function ranked(record: Record<string, number>): [string, number][] {
  return Object.entries(record).sort((a, b) => b[1] - a[1]);
}

/**
 * A lifecycle badge's few words: `retired 2026-10-23 → gpt-image-2 · not selected`. The whole
 * warning goes in its title.
 */
export function lifecycleLabel(l: ConsoleLifecycle): string {
  const state = l.shutdown
    ? `${l.status} ${l.shutdown}`
    : l.status === 'active'
      ? 'not in catalogue'
      : l.status;
  const label = l.successor ? `${state} → ${l.successor}` : state;
  return l.selected ? label : `${label} · not selected`;
}
