/**
 * `openStore`: the gateway's state in PostgreSQL (`url`) or in an embedded PostgreSQL (a data
 * directory, or memory). Migrates at start-up; a server that is down at start-up is not fatal:
 * the store reports itself unavailable and migrates once the server answers.
 * @module
 */
import type { PGlite } from '@electric-sql/pglite';
import { createEmbeddedClient } from './embedded-client.js';
import { EndUserRepository } from './end-users.js';
import { KEY_CHANGES_CHANNEL, KeyRepository } from './keys.js';
import { migrate } from './migrations.js';
import { createPostgresClient } from './postgres-client.js';
import { type SpendLogRow, SpendLogs, type SpendSummary } from './spend-log.js';
import { SpendWriter, type SpendWriterHealth, type SpendWriterOptions } from './spend-writer.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';

/**
 * Where and how to keep the state.
 *
 * @example
 * ```ts
 * const options: StoreOptions = { url: process.env.DATABASE_URL }; // or { dataDir: '.retouch' }, or {} in memory
 * ```
 */
export interface StoreOptions {
  /** A PostgreSQL URL (`DATABASE_URL`). Wins over `dataDir`. */
  url?: string;
  /** The embedded database's directory; without it and without `url`, the state lives in memory. */
  dataDir?: string;
  /** Schema of the tables (created if missing). Defaults to `public`. */
  schema?: string;
  /** An embedded PGlite the caller owns (tests share one per file). */
  instance?: PGlite;
  /** Most PostgreSQL connections. Defaults to 10. */
  poolSize?: number;
  /** Batching of spend rows. */
  spendWriter?: SpendWriterOptions;
  /** How often budgets whose period ended are reset, in ms. Defaults to 60000. */
  budgetResetIntervalMs?: number;
  /** Told of errors the store absorbed (an outage, a failed batch), with where they happened. */
  onError?: (error: Error, where: string) => void;
}

/** How the store is doing (`/health/readiness`). */
export interface StoreHealth {
  backend: 'postgres' | 'embedded';
  /** The last statement reached the database. */
  connected: boolean;
  /** The schema is up to date (false while the server has been down since start-up). */
  migrated: boolean;
  /** Key changes arrive as they happen (LISTEN works); false: caches are checked by polling. */
  listening: boolean;
  lastError?: string;
  spendLog: SpendWriterHealth;
}

/** A store, open. */
export interface Store {
  readonly backend: 'postgres' | 'embedded';
  readonly keys: KeyRepository;
  readonly endUsers: EndUserRepository;
  readonly spendLogs: SpendLogs;
  /** Queues a spend row (never waits on the database). */
  logSpend(row: SpendLogRow): void;
  /** Spend by dimension over every row, including rows not yet written. */
  spendSummary(): Promise<SpendSummary>;
  /** Rows not yet written. */
  pendingSpend(): readonly SpendLogRow[];
  /** Writes queued spend rows now. */
  flushSpend(): Promise<void>;
  /**
   * Calls `onChange(tokenHash)` for every key created, changed or deleted by any process, and
   * `onListening(false)` while such news may be missed (the listening connection is down).
   */
  onKeyChange(onChange: (tokenHash: string) => void, onListening?: (listening: boolean) => void): void;
  health(): StoreHealth;
  /** Resolves once the schema is migrated (at once unless the server was down at start-up). */
  ready(): Promise<void>;
  /** Writes what is queued (up to `deadlineMs`, default 10 s), then closes every connection. Returns rows left unwritten. */
  close(deadlineMs?: number): Promise<number>;
}

/** Whether an error means the database could not be reached (as opposed to a bad statement). */
export function isOutage(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    // SQLSTATE: connection exceptions, shutdown, insufficient resources are outages.
    return code.startsWith('08') || code.startsWith('57P') || code.startsWith('53');
  }
  return true;
}

/**
 * Opens the store and migrates it.
 *
 * @example
 * ```ts
 * import { openStore } from '@retouch/store';
 *
 * const store = await openStore({ url: process.env.DATABASE_URL, dataDir: '.retouch' });
 * const { key } = await store.keys.create({ keyAlias: 'team-a', maxBudget: 10 });
 * console.log(key, store.health().connected);
 * await store.close();
 * ```
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const report = options.onError ?? (() => {});
  let connected = true;
  let lastError: string | undefined;
  const raw: SqlClient = options.url
    ? createPostgresClient({
        url: options.url,
        schema: options.schema,
        poolSize: options.poolSize,
        onError: (error) => report(error, 'connection'),
      })
    : await createEmbeddedClient({
        dataDir: options.dataDir,
        schema: options.schema,
        instance: options.instance,
      });

  const observe = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      const value = await run();
      connected = true;
      return value;
    } catch (error) {
      if (isOutage(error)) {
        connected = false;
        lastError = (error as Error).message;
      }
      throw error;
    }
  };
  const db: SqlClient = {
    backend: raw.backend,
    schema: raw.schema,
    query: (text, params) => observe(() => raw.query(text, params)),
    exec: (script) => observe(() => raw.exec(script)),
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>) => observe(() => raw.transaction(fn)),
    listen: (channel, onMessage, onConnection) => raw.listen(channel, onMessage, onConnection),
    close: () => raw.close(),
  };

  const keys = new KeyRepository(db);
  const endUsers = new EndUserRepository(db);
  const spendLogs = new SpendLogs(db);
  const writer = new SpendWriter(spendLogs, {
    ...options.spendWriter,
    onError: (error, info) => {
      report(error, 'spend log');
      options.spendWriter?.onError?.(error, info);
    },
  });
  const keyListeners: { onChange(hash: string): void; onListening?(listening: boolean): void }[] = [];
  let listening = false;
  let stopListening: (() => Promise<void>) | undefined;
  let migrated = false;
  let closed = false;
  const timers: NodeJS.Timeout[] = [];

  const resetBudgets = async () => {
    if (!migrated || closed) return;
    try {
      await keys.resetDueBudgets();
      await endUsers.resetDueBudgets();
    } catch (error) {
      report(error as Error, 'budget reset');
    }
  };
  const start = async () => {
    await migrate(db);
    migrated = true;
    stopListening = await raw.listen(
      KEY_CHANGES_CHANNEL,
      (hash) => {
        for (const l of keyListeners) l.onChange(hash);
      },
      (value) => {
        listening = value;
        for (const l of keyListeners) l.onListening?.(value);
      },
    );
    await resetBudgets();
  };
  let readyPromise: Promise<void>;
  try {
    await start();
    readyPromise = Promise.resolve();
  } catch (error) {
    if (raw.backend === 'embedded' || !isOutage(error)) {
      await raw.close().catch(() => {});
      throw error;
    }
    report(error as Error, 'start-up');
    // The server is down: keep trying in the background; the proxy serves what it can meanwhile.
    readyPromise = new Promise<void>((resolve) => {
      const retry = () => {
        if (closed) return;
        start().then(resolve, (next: Error) => {
          report(next, 'start-up');
          const timer = setTimeout(retry, 1000);
          timer.unref();
          timers.push(timer);
        });
      };
      const timer = setTimeout(retry, 1000);
      timer.unref();
      timers.push(timer);
    });
  }
  const resetTimer = setInterval(() => void resetBudgets(), options.budgetResetIntervalMs ?? 60_000);
  resetTimer.unref();
  timers.push(resetTimer);

  return {
    backend: raw.backend,
    keys,
    endUsers,
    spendLogs,
    logSpend: (row) => writer.add(row),
    spendSummary: () =>
      writer.stableView(async (pending) => {
        const summary = await spendLogs.summary();
        const bump = (record: Record<string, number>, name: string | null, usd: number) => {
          if (name !== null) record[name] = (record[name] ?? 0) + usd;
        };
        for (const row of pending) {
          if (row.spend === null) {
            if (row.status === 'success') summary.unpricedCalls += 1;
            continue;
          }
          summary.totalUsd += row.spend;
          bump(summary.byDeployment, row.deploymentId, row.spend);
          bump(summary.byModelGroup, row.modelGroup, row.spend);
          bump(summary.byUser, row.endUser, row.spend);
          bump(summary.byKey, row.apiKey, row.spend);
        }
        return summary;
      }),
    pendingSpend: () => writer.pending(),
    flushSpend: () => writer.flush(),
    onKeyChange(onChange, onListening) {
      keyListeners.push({ onChange, onListening });
      onListening?.(listening);
    },
    health: () => ({
      backend: raw.backend,
      connected: connected && migrated,
      migrated,
      listening,
      ...(lastError === undefined || connected ? {} : { lastError }),
      spendLog: writer.health(),
    }),
    ready: () => readyPromise,
    async close(deadlineMs = 10_000) {
      if (closed) return writer.pending().length;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      // Written while the connections are still open; a server that is down gets until the deadline.
      const left = migrated ? await writer.close(deadlineMs) : writer.pending().length;
      await stopListening?.().catch(() => {});
      await raw.close().catch((error: Error) => report(error, 'close'));
      return left;
    },
  };
}
