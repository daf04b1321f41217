/**
 * Test support: proxy suites run once per store backend — one embedded PGlite per test file
 * (~400 MB and seconds to start; emptied for each store) and one throwaway PostgreSQL server per
 * test file (a fresh schema per store). Stores are closed after each test.
 * @module
 */
import { afterAll, afterEach, beforeAll, describe } from '@jest/globals';
import type { PGlite } from '@electric-sql/pglite';
import { openStore, type Store, type StoreOptions } from '@retouch/store';
import { hasPostgresServer, type PostgresServer, startPostgresServer } from '@retouch/testing';

/** One backend, as a suite sees it. */
export interface StoreBackend {
  readonly name: 'embedded' | 'postgres';
  /** A store on an empty database (`schema` on PostgreSQL: share one between stores). */
  open(options?: Partial<StoreOptions>): Promise<Store>;
  /** The PostgreSQL server (postgres only). */
  server(): PostgresServer;
}

const postgresAvailable = hasPostgresServer();

/**
 * Declares `suite` once per store backend.
 *
 * @example
 * ```ts
 * eachStoreBackend((backend) => {
 *   it('generates a key', async () => {
 *     const harness = await startHarness({ store: await backend.open() });
 *   });
 * });
 * ```
 */
export function eachStoreBackend(suite: (backend: StoreBackend) => void): void {
  describe('embedded store', () => {
    let instance: PGlite | undefined;
    const open: Store[] = [];
    beforeAll(async () => {
      const { PGlite: Embedded } = await import('@electric-sql/pglite');
      instance = await Embedded.create();
    }, 60_000);
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close(2000);
    });
    afterAll(async () => {
      await instance?.close();
    });
    suite({
      name: 'embedded',
      async open(options = {}) {
        const db = instance as PGlite;
        await db.exec(`do $$ begin
          if to_regclass('public.retouch_keys') is not null then
            truncate retouch_keys, retouch_end_users, retouch_spend_logs;
          end if;
        end $$`);
        const store = await openStore({ spendWriter: { flushIntervalMs: 20 }, ...options, instance: db });
        open.push(store);
        return store;
      },
      server() {
        throw new Error('no PostgreSQL server on the embedded backend');
      },
    });
  });

  if (!postgresAvailable) {
    console.warn(
      'PostgreSQL is not installed: skipping the proxy store tests on PostgreSQL (apt-get install postgresql)',
    );
  }
  (postgresAvailable ? describe : describe.skip)('PostgreSQL store', () => {
    let pg: PostgresServer | undefined;
    let schemas = 0;
    const open: Store[] = [];
    beforeAll(async () => {
      pg = await startPostgresServer();
    }, 60_000);
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close(2000);
    });
    afterAll(async () => {
      await pg?.stop();
    });
    suite({
      name: 'postgres',
      async open(options = {}) {
        const store = await openStore({
          spendWriter: { flushIntervalMs: 20 },
          ...options,
          url: (pg as PostgresServer).url,
          schema: options.schema ?? `proxy_${++schemas}`,
        });
        open.push(store);
        return store;
      },
      server: () => pg as PostgresServer,
    });
  });
}
