/**
 * The PostgreSQL backend: a `pg` pool (connect timeout, statement timeout, no crash on a dropped
 * idle connection) and one dedicated connection for LISTEN, re-established after an outage.
 * @module
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import { checkSchemaName, type SqlClient, type SqlQueryable } from './sql-client.js';

/**
 * `pg`, loaded the first time a client is made: a proxy without a database (or with the embedded
 * one) never pays for its modules (about 1.6 MiB of heap). `pg` is CommonJS, so `require` loads it
 * synchronously and `createPostgresClient` stays synchronous.
 */
const loadPg = (() => {
  let loaded: typeof pg | undefined;
  return (): typeof pg => {
    loaded ??= createRequire(import.meta.url)('pg') as typeof pg;
    return loaded;
  };
})();

/**
 * Settings of {@link createPostgresClient}.
 *
 * @example
 * ```ts
 * const options: PostgresClientOptions = { url: process.env.DATABASE_URL!, poolSize: 10 };
 * ```
 */
export interface PostgresClientOptions {
  /** `postgres://user:password@host:5432/database` (LiteLLM's `DATABASE_URL`). */
  url: string;
  /** Schema for the store's tables (created if missing). Defaults to `public`. */
  schema?: string;
  /** Most connections in the pool. Defaults to 10. */
  poolSize?: number;
  /** How long to wait for a connection, in ms. Defaults to 5000. */
  connectTimeoutMs?: number;
  /** Longest statement, in ms (`statement_timeout`). Defaults to 10000. */
  statementTimeoutMs?: number;
  /** Called with connection errors the pool absorbed (a dropped idle connection). */
  onError?: (error: Error) => void;
}

/**
 * Connects to PostgreSQL. Does not fail when the server is down: queries fail until it is back.
 *
 * @example
 * ```ts
 * import { createPostgresClient } from '@retouch/store';
 * const client = createPostgresClient({ url: 'postgres://retouch@127.0.0.1:5432/retouch' });
 * await client.query('select 1');
 * await client.close();
 * ```
 */
export function createPostgresClient(options: PostgresClientOptions): SqlClient {
  const schema = checkSchemaName(options.schema ?? 'public');
  const onError = options.onError ?? (() => {});
  const connection = {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    // Every connection finds the store's tables first, then public (extensions).
    options: `-c search_path=${schema},public`,
    application_name: 'retouch',
  };
  const driver = loadPg();
  const pool = new driver.Pool({ ...connection, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle connection that breaks (the server restarts) must not crash the process.
  pool.on('error', onError);
  const listeners = new Set<{ stop(): Promise<void> }>();
  let closed = false;

  const query = async <Row>(text: string, params?: readonly unknown[]): Promise<Row[]> => {
    const result = await pool.query(text, params as unknown[] | undefined);
    return result.rows as Row[];
  };

  return {
    backend: 'postgres',
    schema,
    query,
    async exec(script) {
      await pool.query(script);
    },
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('begin');
        const tx: SqlQueryable = {
          async query<Row>(text: string, params?: readonly unknown[]) {
            return (await client.query(text, params as unknown[] | undefined)).rows as Row[];
          },
        };
        const value = await fn(tx);
        await client.query('commit');
        return value;
      } catch (error) {
        broken = error as Error;
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        // A connection whose transaction failed may be broken: do not give it back to the pool.
        client.release(broken);
      }
    },
    async listen(channel, onMessage, onConnection) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      let client: pg.Client | undefined;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      let listening = false;
      const setListening = (value: boolean) => {
        if (listening === value) return;
        listening = value;
        onConnection?.(value);
      };
      const connect = async (): Promise<void> => {
        const next = new driver.Client(connection);
        next.on('error', (error) => {
          onError(error);
          lost(next);
        });
        next.on('end', () => lost(next));
        next.on('notification', (message) => {
          if (message.channel === channel) onMessage(message.payload ?? '');
        });
        client = next;
        await next.connect();
        await next.query(`listen ${channel}`);
        setListening(true);
      };
      const lost = (which: pg.Client) => {
        if (which !== client || stopped) return;
        client = undefined;
        setListening(false);
        which.end().catch(() => {});
        schedule();
      };
      const schedule = () => {
        if (stopped || retry) return;
        retry = setTimeout(() => {
          retry = undefined;
          const attempt = client;
          connect().catch((error: Error) => {
            onError(error);
            if (client && client !== attempt) lost(client);
            else schedule();
          });
        }, 500);
        retry.unref();
      };
      const handle = {
        async stop() {
          stopped = true;
          if (retry) clearTimeout(retry);
          listeners.delete(handle);
          await client?.end().catch(() => {});
        },
      };
      listeners.add(handle);
      try {
        await connect();
      } catch (error) {
        onError(error as Error);
        const failed = client;
        client = undefined;
        await failed?.end().catch(() => {});
        setListening(false);
        schedule();
      }
      return handle.stop;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...listeners].map((l) => l.stop()));
      await pool.end();
    },
  };
}
