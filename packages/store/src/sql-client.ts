/**
 * `SqlClient`: the one interface both backends implement (PostgreSQL through `pg`, embedded
 * PGlite), so every statement of the store is the same SQL on both.
 * @module
 */

/** Something that runs parameterised SQL: the client itself, or one transaction. */
export interface SqlQueryable {
  /** Runs one statement with `$1…` parameters and returns its rows. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

/**
 * A connection (pool) to the store's database.
 *
 * @example
 * ```ts
 * const client: SqlClient = await createEmbeddedClient({ dataDir: '.retouch' });
 * const [row] = await client.query<{ n: number }>('select 1::int as n');
 * await client.close();
 * ```
 */
export interface SqlClient extends SqlQueryable {
  /** `postgres` (a server, through `pg`) or `embedded` (PGlite in this process). */
  readonly backend: 'postgres' | 'embedded';
  /** The schema the store's tables live in (first on the `search_path`). */
  readonly schema: string;
  /** Runs a script of several statements (no parameters), as a migration file is. */
  exec(script: string): Promise<void>;
  /** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onMessage` with the payload of every `NOTIFY channel, payload`, and `onConnection`
   * with false when the listening connection is lost (notifications may then be missed) and true
   * once it listens again. Resolves once listening; the returned function stops.
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onConnection?: (listening: boolean) => void,
  ): Promise<() => Promise<void>>;
  /** Releases every connection. */
  close(): Promise<void>;
}

/**
 * A schema name the store may use (`search_path`): lower-case letters, digits and `_`.
 *
 * @example
 * ```ts
 * checkSchemaName('retouch'); // 'retouch'
 * ```
 */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(
      `store schema "${schema}": use lower-case letters, digits and _ (at most 63), starting with a letter or _`,
    );
  }
  return schema;
}
