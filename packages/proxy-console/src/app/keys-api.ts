/**
 * The proxy's virtual-key API as LiteLLM shapes it (`/key/generate`, `/key/list`, `/key/info`,
 * `/key/delete`), read leniently into one row shape the Keys page shows.
 */
import type { ConsoleKeys } from '../api-types';
import { consoleApi, proxyJson } from './api';

/** One key as the Keys page shows it. */
export interface KeyRow {
  /** What `/key/info` and `/key/delete` take: the stored token (hash), never the secret. */
  id: string;
  alias: string;
  models: string[] | null;
  spendUsd: number;
  maxBudget: number | null;
  rpmLimit: number | null;
  userId: string | null;
  expires: string | null;
  /** Declared in config.yaml (read-only here) or created through the key API. */
  source: 'config' | 'api';
  admin: boolean;
}

/** Fields of a new key. */
export interface NewKey {
  key_alias?: string;
  models?: string[];
  max_budget?: number;
  rpm_limit?: number;
  /** `30d`, `12h`, … */
  duration?: string;
  user_id?: string;
}

type Loose = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Reads a `/key/list` or `/key/info` record. */
export function toKeyRow(record: Loose): KeyRow {
  const info = (record.info as Loose | undefined) ?? record;
  const models = Array.isArray(info.models)
    ? (info.models as unknown[]).filter((m) => typeof m === 'string')
    : [];
  const id = str(record.token) ?? str(info.token) ?? str(record.key) ?? str(record.key_hash) ?? '';
  return {
    id,
    alias: str(info.key_alias) ?? str(info.key_name) ?? id.slice(0, 12),
    models: models.length === 0 || models.includes('*') ? null : (models as string[]),
    spendUsd: num(info.spend) ?? 0,
    maxBudget: num(info.max_budget),
    rpmLimit: num(info.rpm_limit),
    userId: str(info.user_id),
    expires: str(info.expires),
    source: 'api',
    admin: info.admin === true,
  };
}

/** Every key: the config's (from the console API) and, when the proxy has one, the key API's. */
export async function listKeys(keyApi: boolean): Promise<KeyRow[]> {
  const config = await consoleApi<ConsoleKeys>('keys');
  const rows: KeyRow[] = config.keys.map((k) => ({
    id: k.keyHash,
    alias: k.alias,
    models: k.models,
    spendUsd: k.spendUsd,
    maxBudget: k.maxBudget,
    rpmLimit: k.rpmLimit,
    userId: k.userId,
    expires: null,
    source: 'config',
    admin: k.admin,
  }));
  if (!keyApi) return rows;
  const listed = await proxyJson<{ keys?: unknown[] }>('/key/list?return_full_object=true&size=500');
  for (const entry of listed.keys ?? []) {
    if (typeof entry === 'object' && entry !== null) rows.push(toKeyRow(entry as Loose));
    else if (typeof entry === 'string') {
      rows.push(toKeyRow(await proxyJson<Loose>(`/key/info?key=${encodeURIComponent(entry)}`)));
    }
  }
  return rows;
}

/** Creates a key; the secret is in the answer's `key`, shown once. */
export function generateKey(fields: NewKey): Promise<{ key: string } & Loose> {
  return proxyJson('/key/generate', { method: 'POST', body: JSON.stringify(fields) });
}

/** One key's details. */
export async function keyInfo(id: string): Promise<KeyRow & { raw: Loose }> {
  const raw = await proxyJson<Loose>(`/key/info?key=${encodeURIComponent(id)}`);
  return { ...toKeyRow(raw), raw };
}

/** Revokes a key. */
export async function deleteKey(id: string): Promise<void> {
  await proxyJson('/key/delete', { method: 'POST', body: JSON.stringify({ keys: [id] }) });
}
