/**
 * The proxy's virtual-key API (LiteLLM's `/key/generate`, `/key/list`, `/key/info`, `/key/update`,
 * `/key/block`, `/key/unblock`, `/key/delete`), read into one row shape the Keys page shows, beside
 * the read-only keys of config.yaml (from the console API).
 */
import type { ConsoleKeys } from '../api-types';
import { consoleApi, proxyJson } from './api';
import { configKeyRow, type KeyRow, type Loose, toKeyRow } from './key-rows';

export type { KeyRow } from './key-rows';

/** Fields of a new key, as `/key/generate` takes them. */
export interface NewKey {
  key_alias?: string;
  models?: string[];
  max_budget?: number;
  /** `30d`, `1mo`, …: spend goes back to 0 each period. */
  budget_duration?: string;
  rpm_limit?: number;
  /** Lifetime: `30d`, `12h`, … */
  duration?: string;
  user_id?: string;
  /** `{ admin: true }` lets the key sign in to the console. */
  metadata?: Record<string, unknown>;
}

/** The most keys the page lists (the key API's largest page). */
export const KEY_PAGE_SIZE = 1000;

/**
 * Every key: the config's (from the console API) and, when the proxy has a database, the key API's.
 * `spendLogs`: the proxy writes a spend log, so a database key's own `spend` is its budget's.
 */
export async function listKeys(
  keyApi: boolean,
  spendLogs: boolean,
): Promise<{ rows: KeyRow[]; total: number }> {
  const config = await consoleApi<ConsoleKeys>('keys');
  const rows = config.keys.map(configKeyRow);
  if (!keyApi) return { rows, total: rows.length };
  const listed = await proxyJson<{ keys?: unknown[]; total_count?: number }>(
    `/key/list?return_full_object=true&size=${KEY_PAGE_SIZE}`,
  );
  for (const entry of listed.keys ?? []) {
    if (typeof entry === 'object' && entry !== null)
      rows.push(toKeyRow(entry as Loose, spendLogs ? undefined : config.spendByKey));
  }
  return { rows, total: config.keys.length + (listed.total_count ?? listed.keys?.length ?? 0) };
}

/** Creates a key; the key itself is in the answer's `key`, shown once. */
export async function generateKey(fields: NewKey): Promise<{ key: string; row: KeyRow }> {
  const created = await proxyJson<Loose>('/key/generate', { method: 'POST', body: JSON.stringify(fields) });
  return { key: String(created.key), row: toKeyRow(created) };
}

/** One key's details: the row and the key API's record as it came. */
export async function keyInfo(id: string, spendLogs: boolean): Promise<KeyRow & { raw: Loose }> {
  const [answer, config] = await Promise.all([
    proxyJson<Loose>(`/key/info?key=${encodeURIComponent(id)}`),
    consoleApi<ConsoleKeys>('keys'),
  ]);
  return {
    ...toKeyRow(answer, spendLogs ? undefined : config.spendByKey),
    raw: (answer.info as Loose | undefined) ?? answer,
  };
}

/** Blocks (every request with it gets a 401 at once) or unblocks a key. */
export async function setBlocked(id: string, blocked: boolean): Promise<void> {
  await proxyJson(blocked ? '/key/block' : '/key/unblock', {
    method: 'POST',
    body: JSON.stringify({ key: id }),
  });
}

/** Revokes a key for good: deleted from the database, refused by every proxy at once. */
export async function deleteKey(id: string): Promise<void> {
  await proxyJson('/key/delete', { method: 'POST', body: JSON.stringify({ keys: [id] }) });
}
