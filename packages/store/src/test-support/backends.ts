/**
 * Test support (not built, not published; the workspace imports it as `@retouch/store/test-support`,
 * an entry that `publishConfig.exports` leaves out of the tarball): runs a suite against both
 * backends — one embedded PGlite per test file (it takes ~400 MB and seconds to start; tables are
 * emptied between tests) and one throwaway PostgreSQL server per test file (a fresh schema per
 * store). The store's own suites and the proxy's store suites share it.
 * @module
 */
import { afterAll, afterEach, beforeAll, describe } from '@jest/globals';
import type { PGlite } from '@electric-sql/pglite';
import { hasPostgresServer, type PostgresServer, startPostgresServer } from '@retouch/testing';
import { openStore, type Store, type StoreOptions } from '../store.js';

/** One backend, as a suite sees it. */
export interface Backend {
  readonly name: 'embedded' | 'postgres';
  /**
   * Opens a store on an empty database (embedded: the shared instance, emptied; postgres: a new
   * schema unless `schema` names one already used, to share it; `keepData`: the embedded
   * instance is not emptied). Closed after each test.
   */
  open(options?: Partial<StoreOptions>, how?: { keepData?: boolean }): Promise<Store>;
  /** The PostgreSQL server (postgres only). */
  server(): PostgresServer;
}

/** How a package's suites open their stores. */
export interface BackendOptions {
  /** Options every store opened by `backend.open` starts from (`open`'s own win). Default: none. */
  readonly storeDefaults?: Partial<StoreOptions>;
  /** Prefix of the PostgreSQL schema of each store. Default: `test_`. */
  readonly schemaPrefix?: string;
}

const postgresAvailable = hasPostgresServer();
let warned = false;

/**
 * Declares `suite` once per backend.
 *
 * @example
 * ```ts
 * eachBackend((backend) => {
 *   it('creates a key', async () => {
 *     const store = await backend.open();
 *     await store.keys.create({ keyAlias: 'a' });
 *   });
 * });
 * ```
 */
export function eachBackend(suite: (backend: Backend) => void, backendOptions: BackendOptions = {}): void {
  const { storeDefaults = {}, schemaPrefix = 'test_' } = backendOptions;
  describe('embedded (PGlite)', () => {
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
      async open(options = {}, how = {}) {
        const db = instance as PGlite;
        if (!how.keepData)
          await db.exec(`do $$ begin
          if to_regclass('public.retouch_keys') is not null then
            truncate retouch_keys, retouch_end_users, retouch_spend_logs;
          end if;
        end $$`);
        const store = await openStore({ ...storeDefaults, ...options, instance: db });
        open.push(store);
        return store;
      },
      server() {
        throw new Error('no PostgreSQL server on the embedded backend');
      },
    });
  });

  if (!postgresAvailable && !warned) {
    warned = true;
    console.warn(
      'PostgreSQL is not installed: skipping the store tests on PostgreSQL (apt-get install postgresql)',
    );
  }
  (postgresAvailable ? describe : describe.skip)('PostgreSQL', () => {
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
          ...storeDefaults,
          ...options,
          url: (pg as PostgresServer).url,
          schema: options.schema ?? `${schemaPrefix}${++schemas}`,
        });
        open.push(store);
        return store;
      },
      server: () => pg as PostgresServer,
    });
  });
}
