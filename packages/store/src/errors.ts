/**
 * What the store throws for a caller's mistake (as opposed to a database outage, which is the
 * driver's own error).
 * @module
 */

/**
 * A unique value already taken (a `key_alias`, a key, an end-user id).
 *
 * @example
 * ```ts
 * try { await store.keys.create({ keyAlias: 'team-a' }); } catch (e) { if (e instanceof StoreConflictError) console.log(e.field); }
 * ```
 */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
  /** The field whose value is taken (`key_alias`, `key`, `user_id`). */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** Whether a driver error is a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '23505';
}
