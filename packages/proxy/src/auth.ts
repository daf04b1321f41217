/**
 * Bearer auth: the master key, a virtual key from the config, or a virtual key from the store
 * (allowed model groups, budget, rpm). Config keys are compared in constant time through their
 * SHA-256 digests; store keys are found by their SHA-256 (the store never holds the key). Keys are
 * never logged: logs, metrics and spend use a short hash instead.
 * @module
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, PermissionDeniedError, RateLimitError } from '@retouch/core';
import type { BudgetLimit } from '@retouch/router';
import type { KeyRecord } from '@retouch/store';
import type { VirtualKeyConfig } from './config/proxy-config.js';
import type { DatabaseKeys } from './db-keys.js';

/** Who is calling. */
export interface Caller {
  /** Short hash of the key (12 hex digits); `undefined` in open mode. */
  keyHash?: string;
  /** `key_alias`, `master`, or `open`. */
  alias: string;
  /** Allowed model groups; `undefined` means every group. */
  models?: ReadonlySet<string>;
  maxBudget?: number;
  rpmLimit?: number;
  /** Default end-user of the key. */
  userId?: string;
  isMaster: boolean;
  /** A virtual key with `admin: true` (or `metadata.admin: true`): may sign in to the web console, like the master key. */
  admin?: boolean;
  /** SHA-256 of the key, hex (the store's `token`); `undefined` in open mode. */
  tokenHash?: string;
  /** Where the key comes from. */
  source?: 'master' | 'config' | 'database' | 'open';
  teamId?: string;
  /** Tokens per minute the providers may report for this key's calls. */
  tpmLimit?: number;
  /** The store's record (database keys only). */
  record?: KeyRecord;
}

/**
 * The short, non-reversible name of a key used in logs, metrics and spend (`byKey`).
 *
 * @example
 * ```ts
 * import { hashKey } from '@retouch/proxy';
 * hashKey('sk-1234'); // 12 hex digits, the same in every process
 * ```
 */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex').slice(0, 12);
}

// One-shot `hash` (Node ≥ 20.12): no Hash object per request.
const digest = (key: string): Buffer => hash('sha256', key, 'buffer');

/**
 * A store key as a caller: its limits, its model groups (none listed: every group), admin from
 * `metadata.admin`.
 */
export function callerOfRecord(record: KeyRecord): Caller {
  const short = record.tokenHash.slice(0, 12);
  return {
    keyHash: short,
    tokenHash: record.tokenHash,
    alias: record.keyAlias ?? `key-${short}`,
    models: record.models.length === 0 || record.models.includes('*') ? undefined : new Set(record.models),
    maxBudget: record.maxBudget ?? undefined,
    rpmLimit: record.rpmLimit ?? undefined,
    tpmLimit: record.tpmLimit ?? undefined,
    userId: record.userId ?? undefined,
    teamId: record.teamId ?? undefined,
    isMaster: false,
    admin: record.metadata.admin === true,
    source: 'database',
    record,
  };
}

interface StoredKey {
  digest: Buffer;
  caller: Caller;
}

/** Parses `Authorization: Bearer <key>` (also accepts `api-key` / `x-api-key`, as LiteLLM does). */
function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const value = Array.isArray(auth) ? auth[0] : auth;
  if (value) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
    return match?.[1];
  }
  for (const name of ['api-key', 'x-api-key']) {
    const other = headers[name];
    const v = Array.isArray(other) ? other[0] : other;
    if (v) return v.trim();
  }
  return undefined;
}

/**
 * The keys a proxy accepts, with per-key rpm windows.
 *
 * @example
 * ```ts
 * import { KeyStore } from '@retouch/proxy';
 *
 * const keys = new KeyStore({ masterKey: 'sk-master', keys: [{ key: 'sk-team-a', models: ['edit'], rpm_limit: 60 }] });
 * const caller = keys.authenticate({ authorization: 'Bearer sk-team-a' });
 * keys.authorizeModel(caller, 'edit'); // ok; another group throws a 403 PermissionDeniedError
 * ```
 */
export class KeyStore {
  readonly #keys: StoredKey[];
  readonly #windows = new Map<string, number[]>();
  readonly #database: DatabaseKeys | undefined;
  readonly #now: () => number;
  /** True when no master key and no virtual key is configured: every request is let in. */
  readonly open: boolean;

  constructor(options: {
    masterKey?: string;
    keys?: readonly VirtualKeyConfig[];
    /** The store's keys (cached); without it only the master key and config keys exist. */
    database?: DatabaseKeys;
    now?: () => number;
  }) {
    this.#database = options.database;
    this.#now = options.now ?? Date.now;
    const stored: StoredKey[] = [];
    if (options.masterKey) {
      stored.push({
        digest: digest(options.masterKey),
        caller: {
          keyHash: hashKey(options.masterKey),
          tokenHash: digest(options.masterKey).toString('hex'),
          alias: 'master',
          isMaster: true,
          source: 'master',
        },
      });
    }
    for (const key of options.keys ?? []) {
      const all = key.models === undefined || key.models.includes('*');
      stored.push({
        digest: digest(key.key),
        caller: {
          keyHash: hashKey(key.key),
          alias: key.key_alias ?? `key-${hashKey(key.key)}`,
          models: all ? undefined : new Set(key.models),
          maxBudget: key.max_budget,
          rpmLimit: key.rpm_limit,
          userId: key.user_id,
          isMaster: false,
          admin: key.admin === true || key.metadata?.admin === true,
          tokenHash: digest(key.key).toString('hex'),
          source: 'config',
        },
      });
    }
    this.#keys = stored;
    this.open = stored.length === 0;
  }

  /** Whether keys can be managed (`/key/*`): there is a store. */
  get manageable(): boolean {
    return this.#database !== undefined;
  }

  /** Forgets a store key's cached copy (this proxy just changed it). */
  forget(tokenHash: string): void {
    this.#database?.forget(tokenHash);
  }

  /**
   * Who sent these headers. Throws a 401 `AuthenticationError` for a missing, unknown, blocked or
   * expired key (never echoing the key), and a 503 for a store key that cannot be verified while
   * the database is down.
   *
   * @example
   * ```ts
   * (await keys.authenticate({ authorization: 'Bearer sk-master' })).isMaster; // true
   * ```
   */
  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<Caller> {
    if (this.open) return { alias: 'open', isMaster: true, source: 'open' };
    const key = presentedKey(headers);
    if (!key) {
      throw new AuthenticationError({
        message:
          'Missing API key: send Authorization: Bearer <key> (the master key or a virtual key from the proxy config).',
        code: 'missing_api_key',
      });
    }
    const presented = digest(key);
    let found: Caller | undefined;
    // Compare with every stored key, in constant time, without stopping at a match.
    for (const stored of this.#keys) {
      if (timingSafeEqual(presented, stored.digest) && !found) found = stored.caller;
    }
    if (!found && this.#database) {
      const record = await this.#database.find(presented.toString('hex'));
      if (record) {
        if (record.blocked) {
          throw new AuthenticationError({
            message: `This key (${record.keyAlias ?? record.keyName}) is blocked. Ask the proxy's admin to unblock it.`,
            code: 'key_blocked',
            secrets: [key],
          });
        }
        if (record.expiresAt && record.expiresAt.getTime() <= this.#now()) {
          throw new AuthenticationError({
            message: `This key (${record.keyAlias ?? record.keyName}) expired at ${record.expiresAt.toISOString()}. Ask for a new key.`,
            code: 'key_expired',
            secrets: [key],
          });
        }
        found = callerOfRecord(record);
      }
    }
    if (!found) {
      throw new AuthenticationError({
        message: `Invalid API key (hash ${hashKey(key)}). Check the key this proxy was configured with.`,
        code: 'invalid_api_key',
        secrets: [key],
      });
    }
    return found;
  }

  /**
   * Throws a 403 `PermissionDeniedError` when the caller may not use `group`.
   *
   * @example
   * ```ts
   * keys.authorizeModel(caller, 'gemini-edit');
   * ```
   */
  authorizeModel(caller: Caller, group: string, groupsOfModel: readonly string[] = [group]): void {
    const allowed = caller.models;
    if (!allowed) return;
    // The name asked for (an alias a key was given) or every group it reaches.
    if (allowed.has(group)) return;
    if (groupsOfModel.length > 0 && groupsOfModel.every((g) => allowed.has(g))) return;
    throw new PermissionDeniedError({
      message: `This key (${caller.alias}) may not use model "${group}". Allowed: ${[...allowed].join(', ') || 'none'}.`,
      param: 'model',
      code: 'model_not_allowed',
    });
  }

  /**
   * Counts a request against the caller's rpm limit; throws a 429 `RateLimitError` (with
   * `retryAfterMs`) once the limit is reached within the last 60 seconds.
   *
   * @example
   * ```ts
   * keys.checkRpm(caller); // call once per request
   * ```
   */
  checkRpm(caller: Caller, now = Date.now()): void {
    const limit = caller.rpmLimit;
    if (limit === undefined || caller.keyHash === undefined) return;
    const since = now - 60_000;
    const window = (this.#windows.get(caller.keyHash) ?? []).filter((t) => t > since);
    if (window.length >= limit) {
      this.#windows.set(caller.keyHash, window);
      const retryAfterMs = Math.max(0, (window[0] ?? now) + 60_000 - now);
      throw new RateLimitError({
        message: `Rate limit reached for key ${caller.alias}: ${limit} requests per minute. Try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
        code: 'rate_limit_exceeded',
        retryAfterMs,
      });
    }
    window.push(now);
    this.#windows.set(caller.keyHash, window);
  }
}

/**
 * The budgets a caller's calls are subject to: its key's `max_budget`, which the router holds and
 * settles atomically per call (so concurrent calls cannot overrun it by more than one call's estimate).
 *
 * @example
 * ```ts
 * import { keyBudgets } from '@retouch/proxy';
 * await router.imageEdit(params, { apiKeyHash: caller.keyHash, budgets: keyBudgets(caller) });
 * ```
 */
export function keyBudgets(caller: Caller): BudgetLimit[] {
  if (caller.maxBudget === undefined || caller.keyHash === undefined) return [];
  return [{ scope: 'key', id: caller.keyHash, maxUsd: caller.maxBudget, label: caller.alias }];
}
