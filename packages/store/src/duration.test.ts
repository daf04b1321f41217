import { describe, expect, it } from '@jest/globals';
import { addDuration, parseDuration, periodEnd } from './duration.js';

describe('durations', () => {
  it('reads LiteLLM durations and refuses anything else', () => {
    expect(parseDuration('30s')).toEqual({ ms: 30_000 });
    expect(parseDuration('30m')).toEqual({ ms: 1_800_000 });
    expect(parseDuration('2h')).toEqual({ ms: 7_200_000 });
    expect(parseDuration('30d')).toEqual({ ms: 2_592_000_000 });
    expect(parseDuration('1w')).toEqual({ ms: 604_800_000 });
    expect(parseDuration('1mo')).toEqual({ months: 1 });
    for (const bad of ['', '30', 'd', '0d', '-1d', '1.5d', '30 days', '1y'])
      expect(parseDuration(bad)).toBeUndefined();
  });

  it('adds calendar months, keeping the end of a month at the end', () => {
    expect(addDuration(new Date('2026-01-31T10:00:00Z'), { months: 1 }).toISOString()).toBe(
      '2026-02-28T10:00:00.000Z',
    );
    expect(addDuration(new Date('2026-01-15T00:00:00Z'), { months: 12 }).toISOString()).toBe(
      '2027-01-15T00:00:00.000Z',
    );
  });

  it('finds the end of the period a moment falls in', () => {
    const day = { ms: 86_400_000 };
    const reset = new Date('2026-01-01T00:00:00Z');
    expect(periodEnd(reset, day, Date.parse('2025-12-31T12:00:00Z'))).toEqual(reset);
    expect(periodEnd(reset, day, Date.parse('2026-01-01T00:00:00Z')).toISOString()).toBe(
      '2026-01-02T00:00:00.000Z',
    );
    expect(periodEnd(reset, day, Date.parse('2026-01-03T12:00:00Z')).toISOString()).toBe(
      '2026-01-04T00:00:00.000Z',
    );
    const monthEnd = new Date('2026-01-31T00:00:00Z');
    expect(periodEnd(monthEnd, { months: 1 }, Date.parse('2026-03-05T00:00:00Z')).toISOString()).toBe(
      '2026-03-31T00:00:00.000Z',
    );
  });
});
