/**
 * Row helpers shared by the repositories: the drivers agree on types for the columns the store
 * uses (text, integer, double precision, boolean, jsonb, timestamptz), but a jsonb column may
 * come back as text from some setups, so it is parsed defensively.
 * @module
 */

/** A jsonb value as an object (parsing it when a driver hands back text). */
export function jsonOf<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'string') {
    try {
      return JSON.parse(value) as T;
    } catch {
      return fallback;
    }
  }
  return value as T;
}

/** A timestamptz as a Date. */
export function dateOf(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

/** A number column that may be null. */
export function numberOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}
