/**
 * End-users (LiteLLM's customers: the `user` of a request), with an optional budget enforced like
 * a key's. A row is also created for every end-user that spends, so that spend per end-user
 * survives restarts.
 * @module
 */
import { assignBudgetDuration, assignments, firstResetAt, resetDueBudgets } from './budget-period.js';
import { isUniqueViolation, StoreConflictError } from './errors.js';
import { dateOf, jsonOf, numberOf } from './rows.js';
import type { SqlClient } from './sql-client.js';

/** An end-user as stored. */
export interface EndUserRecord {
  userId: string;
  alias: string | null;
  maxBudget: number | null;
  spend: number;
  budgetDuration: string | null;
  budgetResetAt: Date | null;
  blocked: boolean;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** Fields of an end-user (absent fields keep their value on update). */
export interface EndUserFields {
  alias?: string | null;
  maxBudget?: number | null;
  budgetDuration?: string | null;
  blocked?: boolean;
  metadata?: Record<string, unknown>;
}

const COLUMNS =
  'user_id, alias, max_budget, spend, budget_duration, budget_reset_at, blocked, metadata, created_at, updated_at';

function toRecord(row: Record<string, unknown>): EndUserRecord {
  return {
    userId: String(row.user_id),
    alias: (row.alias as string | null) ?? null,
    maxBudget: numberOf(row.max_budget),
    spend: numberOf(row.spend) ?? 0,
    budgetDuration: (row.budget_duration as string | null) ?? null,
    budgetResetAt: dateOf(row.budget_reset_at),
    blocked: row.blocked === true,
    metadata: jsonOf<Record<string, unknown>>(row.metadata, {}),
    createdAt: dateOf(row.created_at) as Date,
    updatedAt: dateOf(row.updated_at) as Date,
  };
}

/**
 * End-users.
 *
 * @example
 * ```ts
 * await store.endUsers.create('alice', { maxBudget: 5, budgetDuration: '30d' });
 * (await store.endUsers.get('alice'))?.spend; // 0
 * ```
 */
export class EndUserRepository {
  readonly #db: SqlClient;

  constructor(db: SqlClient) {
    this.#db = db;
  }

  /** Creates an end-user; one that exists is a `StoreConflictError`. */
  async create(userId: string, fields: EndUserFields = {}, now = new Date()): Promise<EndUserRecord> {
    const resetAt = firstResetAt(fields.budgetDuration, now);
    try {
      const [row] = await this.#db.query(
        `insert into retouch_end_users (user_id, alias, max_budget, budget_duration, budget_reset_at, blocked, metadata, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $8) returning ${COLUMNS}`,
        [
          userId,
          fields.alias ?? null,
          fields.maxBudget ?? null,
          fields.budgetDuration ?? null,
          resetAt,
          fields.blocked ?? false,
          JSON.stringify(fields.metadata ?? {}),
          now,
        ],
      );
      return toRecord(row as Record<string, unknown>);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new StoreConflictError('user_id', `end-user "${userId}" already exists`);
      throw error;
    }
  }

  /** The end-user, or `undefined`. */
  async get(userId: string): Promise<EndUserRecord | undefined> {
    const [row] = await this.#db.query(`select ${COLUMNS} from retouch_end_users where user_id = $1`, [
      userId,
    ]);
    return row ? toRecord(row) : undefined;
  }

  /** Changes the given fields; `undefined` for no such end-user. */
  async update(userId: string, fields: EndUserFields, now = new Date()): Promise<EndUserRecord | undefined> {
    const { sets, params, assign: set } = assignments(userId);
    if (fields.alias !== undefined) set('alias', fields.alias);
    if (fields.maxBudget !== undefined) set('max_budget', fields.maxBudget);
    if (fields.budgetDuration !== undefined) assignBudgetDuration(set, fields.budgetDuration, now);
    if (fields.blocked !== undefined) set('blocked', fields.blocked);
    if (fields.metadata !== undefined) set('metadata', JSON.stringify(fields.metadata), '::jsonb');
    set('updated_at', now);
    const [row] = await this.#db.query(
      `update retouch_end_users set ${sets.join(', ')} where user_id = $1 returning ${COLUMNS}`,
      params,
    );
    return row ? toRecord(row) : undefined;
  }

  /** Deletes end-users (their spend logs stay); returns the ids that existed. */
  async delete(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.#db.query<{ user_id: string }>(
      `delete from retouch_end_users where user_id in (select jsonb_array_elements_text($1::jsonb)) returning user_id`,
      [JSON.stringify(userIds)],
    );
    return rows.map((r) => r.user_id);
  }

  /** Every end-user, by id (at most 1000 a page). */
  async list(page = 1, size = 100): Promise<EndUserRecord[]> {
    const limit = Math.min(Math.max(1, Math.floor(size)), 1000);
    const offset = (Math.max(1, Math.floor(page)) - 1) * limit;
    const rows = await this.#db.query(
      `select ${COLUMNS} from retouch_end_users order by user_id limit ${limit} offset ${offset}`,
    );
    return rows.map(toRecord);
  }

  /** Starts a new budget period for every end-user whose period has ended (see keys). */
  async resetDueBudgets(now = new Date()): Promise<number> {
    return resetDueBudgets(this.#db, { table: 'retouch_end_users', idColumn: 'user_id' }, now);
  }
}
