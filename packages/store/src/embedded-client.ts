/**
 * The embedded backend: PostgreSQL compiled to WebAssembly (PGlite) in this process (in a worker
 * thread of its own by default, see `embedded-thread.ts`), in a data directory or in memory. One process per data directory (a lock file says which); several
 * proxies share state through a PostgreSQL server (`DATABASE_URL`) instead.
 * @module
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { startEmbeddedThread } from './embedded-thread.js';
import { checkSchemaName, type SqlClient, type SqlQueryable } from './sql-client.js';

/**
 * Settings of {@link createEmbeddedClient}.
 *
 * @example
 * ```ts
 * const options: EmbeddedClientOptions = { dataDir: '.retouch' }; // or {} for in memory
 * ```
 */
export interface EmbeddedClientOptions {
  /** Where the database lives (created if missing). Absent: in memory, gone when the process exits. */
  dataDir?: string;
  /** Schema for the store's tables (created if missing). Defaults to `public`. */
  schema?: string;
  /**
   * A PGlite instance the caller owns (not closed by `close()`), e.g. one per test file: PGlite
   * takes some 400 MB and seconds to start. `dataDir` is then ignored.
   */
  instance?: PGlite;
  /**
   * Runs PGlite in a worker thread (without `instance`), so that its queries do not hold up this
   * thread's event loop (a spend batch costs PGlite 5–30 ms of CPU). Defaults to `true`; `false`
   * runs it in this thread.
   */
  thread?: boolean;
}

const LOCK_FILE = 'retouch.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Data directories this process holds. */
const held = new Set<string>();

/** Takes the data directory for this process, or says which process has it. */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  if (held.has(file)) {
    throw new Error(
      `the embedded database in ${dir} is already open in this process: one store per data directory (several proxies share a PostgreSQL server: set DATABASE_URL)`,
    );
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(file);
      return () => {
        held.delete(file);
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(
          `the embedded database in ${dir} is in use by process ${owner}: one process per data directory (several proxies share a PostgreSQL server: set DATABASE_URL)`,
        );
      }
      // A crashed process left it behind.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock the embedded database in ${dir}`);
}

/**
 * Opens (creating if needed) an embedded PostgreSQL. The first start of a new data directory
 * runs initdb (a few seconds); later starts take about half a second.
 *
 * @example
 * ```ts
 * import { createEmbeddedClient } from '@retouch/store';
 * const client = await createEmbeddedClient({ dataDir: '.retouch' });
 * await client.query('select 1');
 * await client.close();
 * ```
 */
export async function createEmbeddedClient(options: EmbeddedClientOptions = {}): Promise<SqlClient> {
  const schema = checkSchemaName(options.schema ?? 'public');
  let db: PGlite;
  let unlock = () => {};
  if (options.instance) {
    db = options.instance;
  } else if (options.thread !== false) {
    if (options.dataDir) unlock = lockDataDir(options.dataDir);
    try {
      return await startEmbeddedThread({ dataDir: options.dataDir, schema, onClose: unlock });
    } catch (error) {
      unlock();
      throw error;
    }
  } else {
    if (options.dataDir) unlock = lockDataDir(options.dataDir);
    try {
      const { PGlite: Embedded } = await import('@electric-sql/pglite');
      db = await Embedded.create(options.dataDir ? { dataDir: options.dataDir } : {});
    } catch (error) {
      unlock();
      throw error;
    }
  }
  await db.exec(`create schema if not exists ${schema}; set search_path = ${schema}, public`);
  const owned = !options.instance;
  let closed = false;
  const unlisteners = new Set<() => Promise<void>>();
  return {
    backend: 'embedded',
    schema,
    async query<Row>(text: string, params?: readonly unknown[]) {
      return (await db.query<Row>(text, params as unknown[] | undefined)).rows;
    },
    async exec(script) {
      await db.exec(script);
    },
    transaction(fn) {
      return db.transaction(async (tx) => {
        const queryable: SqlQueryable = {
          async query<Row>(text: string, params?: readonly unknown[]) {
            return (await tx.query<Row>(text, params as unknown[] | undefined)).rows;
          },
        };
        return fn(queryable);
      });
    },
    async listen(channel, onMessage, onConnection) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      const unlisten = await db.listen(channel, onMessage);
      onConnection?.(true);
      const stop = async () => {
        unlisteners.delete(stop);
        if (!db.closed) await unlisten();
      };
      unlisteners.add(stop);
      return stop;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const stop of [...unlisteners]) await stop().catch(() => {});
      if (owned) {
        try {
          await db.close();
        } finally {
          unlock();
        }
      }
    },
  };
}
