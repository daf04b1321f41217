/**
 * Schema migrations: the numbered `.sql` files in the package's `migrations/` folder, applied in
 * order at start-up, each once, in one transaction under a Postgres advisory lock, so several
 * proxies starting at once against one database apply each migration exactly once.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSchemaName, type SqlClient } from './sql-client.js';

/** One migration file. */
export interface Migration {
  /** The number its name starts with (`0001_initial.sql` → 1). */
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/**
 * Reads the migrations shipped with the package, in order.
 *
 * @example
 * ```ts
 * import { readMigrations } from '@retouch/store';
 * (await readMigrations()).map((m) => m.name); // ['0001_initial']
 * ```
 */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    migrations.push({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      sql: await readFile(join(dir, file), 'utf8'),
    });
  }
  return migrations;
}

/**
 * Applies the migrations the database does not have yet and returns the names applied. Safe to
 * run from many processes at once: they queue on an advisory lock, and each migration's changes
 * and its record in `retouch_migrations` commit together.
 *
 * @example
 * ```ts
 * import { createPostgresClient, migrate } from '@retouch/store';
 * const client = createPostgresClient({ url: process.env.DATABASE_URL! });
 * await migrate(client); // ['0001_initial'] the first time, [] after
 * ```
 */
export async function migrate(client: SqlClient, migrations?: readonly Migration[]): Promise<string[]> {
  const all = migrations ?? (await readMigrations());
  return client.transaction(async (tx) => {
    // Held until this transaction ends; the key is per schema, so schemas migrate independently.
    await tx.query(`select pg_advisory_xact_lock(hashtext('retouch-migrations:' || $1))`, [client.schema]);
    // Under the lock: concurrent "create schema if not exists" can collide otherwise.
    await tx.query(`create schema if not exists ${checkSchemaName(client.schema)}`);
    await tx.query(
      `create table if not exists retouch_migrations (
         version integer primary key,
         name text not null,
         applied_at timestamptz not null default now()
       )`,
    );
    const rows = await tx.query<{ version: number }>('select version from retouch_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: string[] = [];
    for (const migration of all) {
      if (done.has(migration.version)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('insert into retouch_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.name);
    }
    return applied;
  });
}

/**
 * Splits a migration script into statements at `;` ending a line (migrations are written so:
 * no `;` inside a string or a function body at a line's end).
 */
function splitStatements(script: string): string[] {
  const withoutComments = script
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
