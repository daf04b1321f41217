/**
 * `@retouch/store`: the retouch gateway's state — virtual keys, end-users, spend logs and
 * budgets — in PostgreSQL (`DATABASE_URL`) or an embedded PostgreSQL (PGlite), with the same SQL
 * on both and versioned migrations applied at start-up.
 * @module
 */
export type { Duration } from './duration.js';
export { addDuration, parseDuration, periodEnd } from './duration.js';
export type { EmbeddedClientOptions } from './embedded-client.js';
export { createEmbeddedClient } from './embedded-client.js';
export type { EndUserFields, EndUserRecord } from './end-users.js';
export { EndUserRepository } from './end-users.js';
export { isUniqueViolation, StoreConflictError } from './errors.js';
export type { KeyFields, KeyListQuery, KeyRecord } from './keys.js';
export { generateKey, hashToken, KEY_CHANGES_CHANNEL, KeyRepository, keyDisplayName } from './keys.js';
export type { Migration } from './migrations.js';
export { migrate, readMigrations } from './migrations.js';
export type { PostgresClientOptions } from './postgres-client.js';
export { createPostgresClient } from './postgres-client.js';
export type {
  SpendGroupBy,
  SpendLogRow,
  SpendQuery,
  SpendReportLine,
  SpendSummary,
  SpendTotals,
} from './spend-log.js';
export { SpendLogs } from './spend-log.js';
export type { SpendWriterHealth, SpendWriterOptions } from './spend-writer.js';
export { SpendWriter } from './spend-writer.js';
export type { SqlClient, SqlQueryable } from './sql-client.js';
export { checkSchemaName } from './sql-client.js';
export type { Store, StoreHealth, StoreOptions } from './store.js';
export { isOutage, openStore } from './store.js';
