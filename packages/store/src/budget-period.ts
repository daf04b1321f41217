/**
 * Budget periods, the same for keys and end-users: a `budget_duration` starts a period whose end is
 * `budget_reset_at`; a new duration starts a new period now; at the end of a period the spend goes
 * back to 0 and the next period begins. One place for that SQL, so the two tables cannot drift.
 * @module
 */
import { addDuration, type Duration, parseDuration, periodEnd } from './duration.js';
import { dateOf } from './rows.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';

/** The tables with a budget period, and the column that names a row of each. */
type BudgetTable =
  | { table: 'retouch_keys'; idColumn: 'token_hash' }
  | { table: 'retouch_end_users'; idColumn: 'user_id' };

/** Parses a budget duration or throws a message naming the field. */
export function requireDuration(text: string, field: string): Duration {
  const duration = parseDuration(text);
  if (!duration) throw new RangeError(`${field}: "${text}" is not a duration (30s, 30m, 30h, 30d, 4w, 1mo)`);
  return duration;
}

/** When a period of `budgetDuration` that starts at `now` ends (`null`: no duration, no reset). */
export function firstResetAt(budgetDuration: string | null | undefined, now: Date): Date | null {
  return budgetDuration == null ? null : addDuration(now, requireDuration(budgetDuration, 'budget_duration'));
}

/**
 * The `set` list of an `update … where <id> = $1`, built field by field: `assign(column, value)`
 * adds `column = $n` (with an optional cast such as `::jsonb`) and its parameter.
 */
export function assignments(id: string): {
  sets: string[];
  params: unknown[];
  assign: (column: string, value: unknown, cast?: string) => void;
} {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const assign = (column: string, value: unknown, cast = '') => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  return { sets, params, assign };
}

/** Assigns a new `budget_duration` (or none), which starts a new period at `now`. */
export function assignBudgetDuration(
  assign: (column: string, value: unknown) => void,
  budgetDuration: string | null,
  now: Date,
): void {
  assign('budget_duration', budgetDuration);
  assign('budget_reset_at', firstResetAt(budgetDuration, now));
}

/**
 * Starts a new budget period for every row whose period has ended: spend back to 0, the next
 * reset one duration after the one that passed (`periodEnd`). Safe to run from every proxy (rows
 * are locked; a second run finds nothing due). `onReset` runs in the same transaction for each row.
 * Returns how many rows were reset.
 */
export async function resetDueBudgets(
  db: SqlClient,
  { table, idColumn }: BudgetTable,
  now: Date,
  onReset: (tx: SqlQueryable, id: string) => Promise<unknown> = async () => {},
): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx.query<{ id: string; budget_duration: string; budget_reset_at: unknown }>(
      `select ${idColumn} as id, budget_duration, budget_reset_at from ${table}
       where budget_reset_at <= $1 and budget_duration is not null
       for update skip locked`,
      [now],
    );
    for (const row of due) {
      const duration = parseDuration(row.budget_duration);
      const resetAt = dateOf(row.budget_reset_at);
      if (!duration || !resetAt) continue;
      const next = periodEnd(resetAt, duration, now.getTime());
      await tx.query(
        `update ${table} set spend = 0, budget_reset_at = $2, updated_at = $3 where ${idColumn} = $1`,
        [row.id, next, now],
      );
      await onReset(tx, row.id);
    }
    return due.length;
  });
}
