/**
 * LiteLLM's durations (`budget_duration`, `duration`): `30s`, `30m`, `30h`, `30d`, `4w`, `1mo`
 * (calendar months), and the end of the budget period a moment falls in.
 * @module
 */

/** A parsed duration: a fixed number of ms, or a number of calendar months. */
export type Duration = { ms: number; months?: undefined } | { months: number; ms?: undefined };

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * Parses a duration, or returns `undefined` for text that is not one.
 *
 * @example
 * ```ts
 * import { parseDuration } from '@retouch/store';
 * parseDuration('30d'); // { ms: 2592000000 }
 * parseDuration('1mo'); // { months: 1 }
 * ```
 */
export function parseDuration(text: string): Duration | undefined {
  const match = /^\s*(\d+)\s*(s|m|h|d|w|mo)\s*$/.exec(text);
  if (!match) return undefined;
  const count = Number(match[1]);
  if (!Number.isSafeInteger(count) || count <= 0) return undefined;
  const unit = match[2] as string;
  if (unit === 'mo') return count <= 1200 ? { months: count } : undefined;
  const ms = count * (UNIT_MS[unit] as number);
  return Number.isSafeInteger(ms) ? { ms } : undefined;
}

/**
 * `from` plus the duration.
 *
 * @example
 * ```ts
 * addDuration(new Date('2026-01-31T00:00:00Z'), { months: 1 }); // 2026-02-28T00:00:00Z
 * ```
 */
export function addDuration(from: Date, duration: Duration): Date {
  if (duration.ms !== undefined) return new Date(from.getTime() + duration.ms);
  const day = from.getUTCDate();
  const out = new Date(from.getTime());
  out.setUTCDate(1);
  out.setUTCMonth(out.getUTCMonth() + duration.months);
  const lastDay = new Date(Date.UTC(out.getUTCFullYear(), out.getUTCMonth() + 1, 0)).getUTCDate();
  out.setUTCDate(Math.min(day, lastDay));
  return out;
}

/**
 * The end of the budget period `now` falls in, for a budget that resets at `resetAt` and every
 * `duration` after: `resetAt` itself while it is ahead, else the first reset after `now`.
 *
 * @example
 * ```ts
 * periodEnd(new Date('2026-01-01T00:00:00Z'), { ms: 86_400_000 }, Date.parse('2026-01-03T12:00:00Z'));
 * // 2026-01-04T00:00:00Z
 * ```
 */
export function periodEnd(resetAt: Date, duration: Duration, now: number): Date {
  if (resetAt.getTime() > now) return resetAt;
  if (duration.ms !== undefined) {
    const periods = Math.floor((now - resetAt.getTime()) / duration.ms) + 1;
    return new Date(resetAt.getTime() + periods * duration.ms);
  }
  // Months, counted from the anchor (so a 31st stays the month's last day): at most a few hundred
  // steps for a budget left alone for years.
  for (let k = 1; ; k++) {
    const end = addDuration(resetAt, { months: duration.months * k });
    if (end.getTime() > now) return end;
  }
}
