/**
 * Key records as the Keys page shows them: the key API's LiteLLM-shaped records and the console
 * API's config keys, read into one row shape. Pure, so that it is tested without a browser.
 */
import type { ConsoleConfigKey } from '../api-types.js';

/** One key as the Keys page shows it. */
export interface KeyRow {
  /** What `/key/info` and `/key/delete` take: the stored token (SHA-256), never the key. */
  id: string;
  alias: string;
  /** `sk-...abcd` for database keys. */
  name: string | null;
  models: string[] | null;
  spendUsd: number;
  maxBudget: number | null;
  /** `30d`, `1mo`, …: the budget period; null: the budget is for the key's whole life. */
  budgetDuration: string | null;
  budgetResetAt: string | null;
  rpmLimit: number | null;
  userId: string | null;
  expires: string | null;
  blocked: boolean;
  /** Declared in config.yaml (read-only here) or kept in the database (the key API). */
  source: 'config' | 'api';
  /** May sign in to this console (`metadata.admin: true`). */
  admin: boolean;
  createdAt: string | null;
}

export type Loose = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Reads a key record of `/key/list?return_full_object=true`, `/key/info` (`{ key, info }`) or
 * `/key/generate`. `spentHere` is what this proxy's router counted per short key hash (see
 * `ConsoleKeys.spendByKey`), for a proxy that writes no spend log; with a spend log, the record's
 * own `spend` (its budget period, every proxy) is what its budget is refused on.
 */
export function toKeyRow(record: Loose, spentHere?: Record<string, number>): KeyRow {
  const info = (record.info as Loose | undefined) ?? record;
  const models = Array.isArray(info.models)
    ? (info.models as unknown[]).filter((m): m is string => typeof m === 'string')
    : [];
  const id = str(info.token) ?? str(record.token) ?? str(record.key) ?? '';
  const metadata = (info.metadata as Loose | undefined) ?? {};
  const stored = num(info.spend) ?? 0;
  return {
    id,
    alias: str(info.key_alias) ?? `key-${id.slice(0, 12)}`,
    name: str(info.key_name),
    models: models.length === 0 || models.includes('*') ? null : models,
    // Without a spend log the record's spend stays 0 and this proxy's router count is the budget's.
    spendUsd: spentHere === undefined ? stored : Math.max(stored, spentHere[id.slice(0, 12)] ?? 0),
    maxBudget: num(info.max_budget),
    budgetDuration: str(info.budget_duration),
    budgetResetAt: str(info.budget_reset_at),
    rpmLimit: num(info.rpm_limit),
    userId: str(info.user_id),
    expires: str(info.expires),
    blocked: info.blocked === true,
    source: 'api',
    admin: metadata.admin === true,
    createdAt: str(info.created_at),
  };
}

/** A key of config.yaml (read-only on the page). */
export function configKeyRow(k: ConsoleConfigKey): KeyRow {
  return {
    id: k.keyHash,
    alias: k.alias,
    name: null,
    models: k.models,
    spendUsd: k.spendUsd,
    maxBudget: k.maxBudget,
    budgetDuration: null,
    budgetResetAt: null,
    rpmLimit: k.rpmLimit,
    userId: k.userId,
    expires: null,
    blocked: false,
    source: 'config',
    admin: k.admin,
    createdAt: null,
  };
}
