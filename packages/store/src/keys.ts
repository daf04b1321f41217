/**
 * Virtual keys in the database: created with a random secret that is returned once and stored
 * only as its SHA-256; every change is announced on `retouch_key_changes` (NOTIFY, delivered at
 * commit) so that every proxy drops its cached copy at once.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { assignBudgetDuration, assignments, firstResetAt, resetDueBudgets } from './budget-period.js';
import { isUniqueViolation, StoreConflictError } from './errors.js';
import { dateOf, jsonOf, numberOf } from './rows.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';

/** The channel key changes are announced on; the payload is the key's `token_hash`. */
export const KEY_CHANGES_CHANNEL = 'retouch_key_changes';

/**
 * The SHA-256 of a key, hex: how the store names a key (LiteLLM's `token`).
 *
 * @example
 * ```ts
 * import { hashToken } from '@retouch/store';
 * hashToken('sk-1234'); // 64 hex digits
 * ```
 */
export function hashToken(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * A new random key: `sk-` and 32 base64url characters (192 bits).
 *
 * @example
 * ```ts
 * import { generateKey } from '@retouch/store';
 * generateKey(); // 'sk-3q2-7w…'
 * ```
 */
export function generateKey(): string {
  return `sk-${randomBytes(24).toString('base64url')}`;
}

/** `sk-...abcd`: a key's display name (its last four characters). */
export function keyDisplayName(key: string): string {
  return `sk-...${key.slice(-4)}`;
}

/** A virtual key as stored (never the key itself). */
export interface KeyRecord {
  /** SHA-256 of the key, hex. */
  tokenHash: string;
  /** `sk-...abcd`. */
  keyName: string;
  keyAlias: string | null;
  /** Model groups the key may use; empty: every group. */
  models: string[];
  maxBudget: number | null;
  /** Spend in the current budget period (all time without `budgetDuration`), USD. */
  spend: number;
  budgetDuration: string | null;
  /** When spend next goes back to 0. */
  budgetResetAt: Date | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  userId: string | null;
  teamId: string | null;
  metadata: Record<string, unknown>;
  expiresAt: Date | null;
  blocked: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields a key is created or updated with (each absent field keeps its value on update). */
export interface KeyFields {
  keyAlias?: string | null;
  models?: string[];
  maxBudget?: number | null;
  budgetDuration?: string | null;
  rpmLimit?: number | null;
  tpmLimit?: number | null;
  userId?: string | null;
  teamId?: string | null;
  metadata?: Record<string, unknown>;
  expiresAt?: Date | null;
  blocked?: boolean;
  /** Sets spend (e.g. 0 to reset it by hand). */
  spend?: number;
}

/** A filter of {@link KeyRepository.list}. */
export interface KeyListQuery {
  userId?: string;
  teamId?: string;
  keyAlias?: string;
  /** 1-based. Defaults to 1. */
  page?: number;
  /** Defaults to 100, at most 1000. */
  size?: number;
}

const COLUMNS = `token_hash, key_name, key_alias, models, max_budget, spend, budget_duration, budget_reset_at,
  rpm_limit, tpm_limit, user_id, team_id, metadata, expires_at, blocked, created_at, updated_at`;

function toRecord(row: Record<string, unknown>): KeyRecord {
  return {
    tokenHash: String(row.token_hash),
    keyName: String(row.key_name),
    keyAlias: (row.key_alias as string | null) ?? null,
    models: jsonOf<string[]>(row.models, []),
    maxBudget: numberOf(row.max_budget),
    spend: numberOf(row.spend) ?? 0,
    budgetDuration: (row.budget_duration as string | null) ?? null,
    budgetResetAt: dateOf(row.budget_reset_at),
    rpmLimit: numberOf(row.rpm_limit),
    tpmLimit: numberOf(row.tpm_limit),
    userId: (row.user_id as string | null) ?? null,
    teamId: (row.team_id as string | null) ?? null,
    metadata: jsonOf<Record<string, unknown>>(row.metadata, {}),
    expiresAt: dateOf(row.expires_at),
    blocked: row.blocked === true,
    createdAt: dateOf(row.created_at) as Date,
    updatedAt: dateOf(row.updated_at) as Date,
  };
}

const notify = (tx: SqlQueryable, tokenHash: string) =>
  tx.query(`select pg_notify('${KEY_CHANGES_CHANNEL}', $1)`, [tokenHash]);

/**
 * Virtual keys.
 *
 * @example
 * ```ts
 * const { key, record } = await store.keys.create({ keyAlias: 'team-a', maxBudget: 10, budgetDuration: '30d' });
 * console.log(key); // shown once; the store keeps record.tokenHash
 * await store.keys.update(record.tokenHash, { blocked: true });
 * ```
 */
export class KeyRepository {
  readonly #db: SqlClient;

  constructor(db: SqlClient) {
    this.#db = db;
  }

  /**
   * Creates a key (a random one unless `key` is given) and returns it with its record. The key is
   * not stored and cannot be shown again. A taken `keyAlias` or key is a `StoreConflictError`.
   */
  async create(
    fields: KeyFields & { key?: string },
    now = new Date(),
  ): Promise<{ key: string; record: KeyRecord }> {
    const key = fields.key ?? generateKey();
    const resetAt = firstResetAt(fields.budgetDuration, now);
    try {
      const record = await this.#db.transaction(async (tx) => {
        const [row] = await tx.query(
          `insert into retouch_keys (token_hash, key_name, key_alias, models, max_budget, spend, budget_duration,
             budget_reset_at, rpm_limit, tpm_limit, user_id, team_id, metadata, expires_at, blocked, created_at, updated_at)
           values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $16)
           returning ${COLUMNS}`,
          [
            hashToken(key),
            keyDisplayName(key),
            fields.keyAlias ?? null,
            JSON.stringify(fields.models ?? []),
            fields.maxBudget ?? null,
            fields.spend ?? 0,
            fields.budgetDuration ?? null,
            resetAt,
            fields.rpmLimit ?? null,
            fields.tpmLimit ?? null,
            fields.userId ?? null,
            fields.teamId ?? null,
            JSON.stringify(fields.metadata ?? {}),
            fields.expiresAt ?? null,
            fields.blocked ?? false,
            now,
          ],
        );
        // A key tried before it existed may sit in a proxy's cache of unknown keys.
        await notify(tx, hashToken(key));
        return toRecord(row as Record<string, unknown>);
      });
      return { key, record };
    } catch (error) {
      if (isUniqueViolation(error)) {
        const aliasTaken = String((error as Error).message).includes('key_alias');
        throw aliasTaken
          ? new StoreConflictError('key_alias', `key_alias "${fields.keyAlias}" is taken by another key`)
          : new StoreConflictError('key', 'that key already exists');
      }
      throw error;
    }
  }

  /** The key with this hash, or `undefined`. */
  async get(tokenHash: string): Promise<KeyRecord | undefined> {
    const [row] = await this.#db.query(`select ${COLUMNS} from retouch_keys where token_hash = $1`, [
      tokenHash,
    ]);
    return row ? toRecord(row) : undefined;
  }

  /** The key with this alias, or `undefined`. */
  async getByAlias(keyAlias: string): Promise<KeyRecord | undefined> {
    const [row] = await this.#db.query(`select ${COLUMNS} from retouch_keys where key_alias = $1`, [
      keyAlias,
    ]);
    return row ? toRecord(row) : undefined;
  }

  /**
   * Changes the given fields and returns the new record (`undefined` for no such key). A new
   * `budgetDuration` starts a new period now.
   */
  async update(tokenHash: string, fields: KeyFields, now = new Date()): Promise<KeyRecord | undefined> {
    const { sets, params, assign: set } = assignments(tokenHash);
    if (fields.keyAlias !== undefined) set('key_alias', fields.keyAlias);
    if (fields.models !== undefined) set('models', JSON.stringify(fields.models), '::jsonb');
    if (fields.maxBudget !== undefined) set('max_budget', fields.maxBudget);
    if (fields.budgetDuration !== undefined) assignBudgetDuration(set, fields.budgetDuration, now);
    if (fields.rpmLimit !== undefined) set('rpm_limit', fields.rpmLimit);
    if (fields.tpmLimit !== undefined) set('tpm_limit', fields.tpmLimit);
    if (fields.userId !== undefined) set('user_id', fields.userId);
    if (fields.teamId !== undefined) set('team_id', fields.teamId);
    if (fields.metadata !== undefined) set('metadata', JSON.stringify(fields.metadata), '::jsonb');
    if (fields.expiresAt !== undefined) set('expires_at', fields.expiresAt);
    if (fields.blocked !== undefined) set('blocked', fields.blocked);
    if (fields.spend !== undefined) set('spend', fields.spend);
    set('updated_at', now);
    try {
      return await this.#db.transaction(async (tx) => {
        const [row] = await tx.query(
          `update retouch_keys set ${sets.join(', ')} where token_hash = $1 returning ${COLUMNS}`,
          params,
        );
        if (!row) return undefined;
        await notify(tx, tokenHash);
        return toRecord(row);
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new StoreConflictError('key_alias', `key_alias "${fields.keyAlias}" is taken by another key`);
      throw error;
    }
  }

  /** Deletes keys; returns the hashes that existed. */
  async delete(tokenHashes: readonly string[]): Promise<string[]> {
    if (tokenHashes.length === 0) return [];
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ token_hash: string }>(
        `delete from retouch_keys where token_hash in (select jsonb_array_elements_text($1::jsonb))
         returning token_hash`,
        [JSON.stringify(tokenHashes)],
      );
      for (const row of rows) await notify(tx, row.token_hash);
      return rows.map((r) => r.token_hash);
    });
  }

  /** Keys, newest first, with the total that match. */
  async list(query: KeyListQuery = {}): Promise<{ records: KeyRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    filter('user_id', query.userId);
    filter('team_id', query.teamId);
    filter('key_alias', query.keyAlias);
    const clause = where.length > 0 ? `where ${where.join(' and ')}` : '';
    const size = Math.min(Math.max(1, Math.floor(query.size ?? 100)), 1000);
    const page = Math.max(1, Math.floor(query.page ?? 1));
    const [count] = await this.#db.query<{ n: number }>(
      `select count(*)::int as n from retouch_keys ${clause}`,
      params,
    );
    const rows = await this.#db.query(
      `select ${COLUMNS} from retouch_keys ${clause} order by created_at desc, token_hash
       limit ${size} offset ${(page - 1) * size}`,
      params,
    );
    return { records: rows.map(toRecord), total: count?.n ?? 0 };
  }

  /**
   * Starts a new budget period for every key whose period has ended: spend back to 0, the next
   * reset one duration after the one that passed. Safe to run from every proxy (rows are locked;
   * a second run finds nothing due). Returns how many keys were reset.
   */
  async resetDueBudgets(now = new Date()): Promise<number> {
    return resetDueBudgets(this.#db, { table: 'retouch_keys', idColumn: 'token_hash' }, now, (tx, id) =>
      notify(tx, id),
    );
  }
}
