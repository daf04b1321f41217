/**
 * `GET /ui/api/logs`: the recent edit requests. With a store, its spend log is the source (every
 * proxy's calls, across restarts), each row completed from this process's memory where it saw the
 * request (the HTTP status and the error message the caller got, which the spend log does not
 * keep), plus the requests this process refused before any call (a 400, a 401, a budget 429), which
 * have no spend row. Without a store, or while it cannot be read, this process's memory alone.
 * @module
 */
import type { ConsoleLogEntry, ConsoleLogs } from '@retouch/proxy-console';
import type { SpendLogRow, SpendQuery, Store } from '@retouch/store';
import type { ProxyContext } from '../context.js';
import type { ConsoleRecorder, LogFilter } from './recorder.js';

const FULL_HASH = /^[0-9a-f]{64}$/;

/** The spend-log query of the Logs page's filter. */
export function spendQueryOf(filter: LogFilter): SpendQuery {
  const key = filter.key?.toLowerCase();
  return {
    status: filter.status === undefined ? undefined : filter.status === 'ok' ? 'success' : 'failure',
    model: filter.model,
    requestId: filter.requestId,
    ...(key === undefined ? {} : FULL_HASH.test(key) ? { apiKey: key } : { keyPrefix: key }),
    endUserContains: filter.user,
  };
}

/**
 * A spend row as a Logs entry, with what this process recorded of the same request. A row no
 * process here saw has no HTTP status: a success was a 200; a failure's status is unknown (null).
 */
export function entryOfRow(row: SpendLogRow, seen: ConsoleLogEntry | undefined): ConsoleLogEntry {
  const ok = row.status === 'success';
  return {
    requestId: row.requestId,
    at: row.endedAt.toISOString(),
    status: seen?.status ?? (ok ? 200 : null),
    ok,
    modelGroup: row.modelGroup,
    deployment: row.deploymentId,
    provider: row.provider,
    attempts: row.attempts,
    costUsd: row.spend,
    latencyMs: row.latencyMs ?? seen?.latencyMs ?? null,
    user: row.endUser,
    keyAlias: row.keyAlias,
    stream: row.metadata.stream === true || seen?.stream === true,
    errorCode: ok ? null : (seen?.errorCode ?? row.errorCode),
    errorMessage: ok ? null : (seen?.errorMessage ?? null),
  };
}

/**
 * Merges the spend log's newest rows with this process's newest entries: rows first (completed
 * from memory), then the entries that have no row and fall within the rows' time span (older ones
 * may have rows beyond the limit), newest first, at most `limit`.
 */
export function mergeLogs(
  rows: readonly SpendLogRow[],
  memory: readonly ConsoleLogEntry[],
  limit: number,
): ConsoleLogEntry[] {
  const byRequest = new Map(memory.map((e) => [e.requestId, e]));
  const withRows = new Set(rows.map((r) => r.requestId));
  const entries = rows.map((row) => entryOfRow(row, byRequest.get(row.requestId)));
  const oldest = rows.length >= limit ? rows[rows.length - 1]?.endedAt.toISOString() : undefined;
  for (const e of memory) {
    if (withRows.has(e.requestId)) continue;
    if (oldest !== undefined && e.at < oldest) continue;
    entries.push(e);
  }
  return entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
}

async function fromStore(store: Store, filter: LogFilter, limit: number): Promise<SpendLogRow[]> {
  // Rows still queued are written first, so that the page shows every finished call.
  await store.flushSpend().catch(() => {});
  return store.spendLogs.find(spendQueryOf(filter), limit);
}

/**
 * The Logs page's answer.
 *
 * @example
 * ```ts
 * const { source, entries } = await logsView(ctx, recorder, { status: 'error', limit: 100 });
 * ```
 */
export async function logsView(
  ctx: Pick<ProxyContext, 'store' | 'log'>,
  recorder: ConsoleRecorder,
  filter: LogFilter & { limit: number },
): Promise<ConsoleLogs> {
  const memory = recorder.logs(filter);
  const memoryOnly = (storeError: string | null): ConsoleLogs => ({
    source: 'memory',
    capacity: recorder.capacity,
    storeError,
    entries: memory,
  });
  if (!ctx.store) return memoryOnly(null);
  try {
    const rows = await fromStore(ctx.store, filter, filter.limit);
    return {
      source: 'store',
      capacity: null,
      storeError: null,
      entries: mergeLogs(rows, memory, filter.limit),
    };
  } catch (error) {
    // The page keeps working on what this process saw while the database cannot be read.
    ctx.log.warn({ err: { message: (error as Error).message } }, 'console: cannot read the spend log');
    return memoryOnly(
      `the spend log cannot be read (${(error as Error).message}); showing this proxy's memory`,
    );
  }
}
