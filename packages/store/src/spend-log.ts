/**
 * Spend logs: one row per edit, inserted in batches. A batch's rows, the spend of their keys and
 * the spend of their end-users land in one statement, and each row only once (by its own id), so
 * a batch retried after an unclear failure counts nothing twice.
 * @module
 */
import { dateOf, jsonOf, numberOf } from './rows.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';

/** One edit, as logged. Never image bytes; the prompt only when the proxy is told to keep it. */
export interface SpendLogRow {
  /** Unique per row (a UUID the proxy makes). */
  id: string;
  /** The request's id (`x-request-id`; a client may send the same one twice). */
  requestId: string;
  startedAt: Date;
  endedAt: Date;
  /** SHA-256 of the key, hex; null in open mode. */
  apiKey: string | null;
  keyAlias: string | null;
  endUser: string | null;
  teamId: string | null;
  modelGroup: string | null;
  deploymentId: string | null;
  provider: string | null;
  model: string | null;
  /** USD; null when the cost cannot be known. */
  spend: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  usage: Record<string, unknown> | null;
  latencyMs: number | null;
  attempts: number;
  status: 'success' | 'failure';
  errorCode: string | null;
  warnings: string[];
  prompt: string | null;
  metadata: Record<string, unknown>;
}

/** A filter of spend logs and totals. */
export interface SpendQuery {
  /** Key hash (full SHA-256 hex). */
  apiKey?: string;
  endUser?: string;
  /** A model group or a provider model. */
  model?: string;
  requestId?: string;
  teamId?: string;
  /** Inclusive. */
  start?: Date;
  /** Exclusive. */
  end?: Date;
  /** Only successes or only failures. */
  status?: 'success' | 'failure';
  /** A key alias or the start of one, or the start of a key hash; case-insensitive (the console's key search). */
  keyPrefix?: string;
  /** Part of the end-user; case-insensitive (the console's end-user search). */
  endUserContains?: string;
}

/** `text` matched literally inside a LIKE pattern (its `%`, `_` and `\` escaped). */
const literal = (text: string) => text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);

/** What {@link SpendLogs.report} groups by. */
export type SpendGroupBy = 'day' | 'api_key' | 'end_user' | 'model' | 'deployment' | 'team';

/** One line of a report: a day and, except for `day`, a group within it. */
export interface SpendReportLine {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  /** The group's value (a key hash, an end-user, a model group, a deployment id, a team); null for `day`. */
  group: string | null;
  spend: number;
  requests: number;
  totalTokens: number;
  /** Calls whose cost is unknown. */
  unpriced: number;
}

/** Totals over a filter. */
export interface SpendTotals {
  spend: number;
  requests: number;
  unpriced: number;
}

/** Spend by each dimension, as `router.spend()` reports it. */
export interface SpendSummary {
  totalUsd: number;
  byDeployment: Record<string, number>;
  byModelGroup: Record<string, number>;
  byUser: Record<string, number>;
  /** By key hash (full SHA-256 hex). */
  byKey: Record<string, number>;
  unpricedCalls: number;
}

const COLUMNS = `id, request_id, started_at, ended_at, api_key, key_alias, end_user, team_id, model_group,
  deployment_id, provider, model, spend, prompt_tokens, completion_tokens, total_tokens, usage, latency_ms,
  attempts, status, error_code, warnings, prompt, metadata`;

function toRow(row: Record<string, unknown>): SpendLogRow {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(row.id),
    requestId: String(row.request_id),
    startedAt: dateOf(row.started_at) as Date,
    endedAt: dateOf(row.ended_at) as Date,
    apiKey: text(row.api_key),
    keyAlias: text(row.key_alias),
    endUser: text(row.end_user),
    teamId: text(row.team_id),
    modelGroup: text(row.model_group),
    deploymentId: text(row.deployment_id),
    provider: text(row.provider),
    model: text(row.model),
    spend: numberOf(row.spend),
    promptTokens: numberOf(row.prompt_tokens),
    completionTokens: numberOf(row.completion_tokens),
    totalTokens: numberOf(row.total_tokens),
    usage: jsonOf<Record<string, unknown> | null>(row.usage, null),
    latencyMs: numberOf(row.latency_ms),
    attempts: numberOf(row.attempts) ?? 0,
    status: row.status === 'failure' ? 'failure' : 'success',
    errorCode: text(row.error_code),
    warnings: jsonOf<string[]>(row.warnings, []),
    prompt: text(row.prompt),
    metadata: jsonOf<Record<string, unknown>>(row.metadata, {}),
  };
}

/** The JSON a batch travels in (one parameter, the same on both backends). */
function toJson(rows: readonly SpendLogRow[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      id: r.id,
      request_id: r.requestId,
      started_at: r.startedAt.toISOString(),
      ended_at: r.endedAt.toISOString(),
      api_key: r.apiKey,
      key_alias: r.keyAlias,
      end_user: r.endUser,
      team_id: r.teamId,
      model_group: r.modelGroup,
      deployment_id: r.deploymentId,
      provider: r.provider,
      model: r.model,
      spend: r.spend,
      prompt_tokens: r.promptTokens,
      completion_tokens: r.completionTokens,
      total_tokens: r.totalTokens,
      usage: r.usage,
      latency_ms: r.latencyMs === null ? null : Math.round(r.latencyMs),
      attempts: r.attempts,
      status: r.status,
      error_code: r.errorCode,
      warnings: r.warnings,
      prompt: r.prompt,
      metadata: r.metadata,
    })),
  );
}

const INSERT_BATCH = `
with input as (
  select * from jsonb_to_recordset($1::jsonb) as r(
    id uuid, request_id text, started_at timestamptz, ended_at timestamptz, api_key text, key_alias text,
    end_user text, team_id text, model_group text, deployment_id text, provider text, model text,
    spend double precision, prompt_tokens integer, completion_tokens integer, total_tokens integer, usage jsonb,
    latency_ms integer, attempts integer, status text, error_code text, warnings jsonb, prompt text, metadata jsonb)
),
inserted as (
  insert into retouch_spend_logs (${COLUMNS})
  select id, request_id, started_at, ended_at, api_key, key_alias, end_user, team_id, model_group,
    deployment_id, provider, model, spend, prompt_tokens, completion_tokens, total_tokens, usage, latency_ms,
    coalesce(attempts, 0), status, error_code, coalesce(warnings, '[]'::jsonb), prompt, coalesce(metadata, '{}'::jsonb)
  from input
  on conflict (id) do nothing
  returning api_key, end_user, spend
),
keys as (
  update retouch_keys k set spend = k.spend + s.total, updated_at = now()
  from (select api_key, sum(spend) as total from inserted where api_key is not null and spend is not null group by api_key) s
  where k.token_hash = s.api_key
  returning k.token_hash
),
users as (
  insert into retouch_end_users (user_id, spend)
  select end_user, coalesce(sum(spend), 0) from inserted where end_user is not null group by end_user
  on conflict (user_id) do update set spend = retouch_end_users.spend + excluded.spend, updated_at = now()
  returning user_id
)
select (select count(*)::int from inserted) as inserted`;

/** `where` for a {@link SpendQuery}, with its parameters. */
function whereOf(query: SpendQuery): { clause: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  add((p) => `api_key = ${p}`, query.apiKey);
  add((p) => `end_user = ${p}`, query.endUser);
  add((p) => `(model_group = ${p} or model = ${p})`, query.model);
  add((p) => `request_id = ${p}`, query.requestId);
  add((p) => `team_id = ${p}`, query.teamId);
  add((p) => `started_at >= ${p}`, query.start);
  add((p) => `started_at < ${p}`, query.end);
  add((p) => `status = ${p}`, query.status);
  add(
    (p) => `(lower(key_alias) like ${p} escape '\\' or api_key like ${p} escape '\\')`,
    query.keyPrefix === undefined ? undefined : `${literal(query.keyPrefix)}%`,
  );
  add(
    (p) => `lower(end_user) like ${p} escape '\\'`,
    query.endUserContains === undefined ? undefined : `%${literal(query.endUserContains)}%`,
  );
  return { clause: where.length > 0 ? `where ${where.join(' and ')}` : '', params };
}

const GROUP_COLUMN: Record<Exclude<SpendGroupBy, 'day'>, string> = {
  api_key: 'api_key',
  end_user: 'end_user',
  model: 'model_group',
  deployment: 'deployment_id',
  team: 'team_id',
};

/**
 * Spend logs: writing batches, and the reads behind `/spend/logs`, `/global/spend` and
 * `/global/spend/report`.
 *
 * @example
 * ```ts
 * await store.spendLogs.insert(rows); // the spend writer does this in batches
 * const { spend } = await store.spendLogs.totals({ apiKey: hashToken('sk-team-a') });
 * ```
 */
export class SpendLogs {
  readonly #db: SqlClient;

  constructor(db: SqlClient) {
    this.#db = db;
  }

  /** Inserts rows not already there and adds their spend to their keys and end-users; returns how many were new. */
  async insert(rows: readonly SpendLogRow[], db: SqlQueryable = this.#db): Promise<number> {
    if (rows.length === 0) return 0;
    const [result] = await db.query<{ inserted: number }>(INSERT_BATCH, [toJson(rows)]);
    return result?.inserted ?? 0;
  }

  /** Rows matching the filter, newest first (at most `limit`, default 100, at most 10000). */
  async find(query: SpendQuery = {}, limit = 100): Promise<SpendLogRow[]> {
    const { clause, params } = whereOf(query);
    const n = Math.min(Math.max(1, Math.floor(limit)), 10_000);
    const rows = await this.#db.query(
      `select ${COLUMNS} from retouch_spend_logs ${clause} order by started_at desc, id limit ${n}`,
      params,
    );
    return rows.map(toRow);
  }

  /** Total spend, requests and unpriced calls matching the filter. */
  async totals(query: SpendQuery = {}): Promise<SpendTotals> {
    const { clause, params } = whereOf(query);
    const [row] = await this.#db.query<Record<string, unknown>>(
      `select coalesce(sum(spend), 0)::float8 as spend, count(*)::int as requests,
         count(*) filter (where spend is null and status = 'success')::int as unpriced
       from retouch_spend_logs ${clause}`,
      params,
    );
    return {
      spend: numberOf(row?.spend) ?? 0,
      requests: numberOf(row?.requests) ?? 0,
      unpriced: numberOf(row?.unpriced) ?? 0,
    };
  }

  /**
   * Spend per UTC day, and per group within each day unless `groupBy` is `day`; oldest day first.
   * `deployment` groups by the deployment that served each call (or whose attempt failed last).
   */
  async report(groupBy: SpendGroupBy, query: SpendQuery = {}): Promise<SpendReportLine[]> {
    const { clause, params } = whereOf(query);
    const group = groupBy === 'day' ? 'null::text' : GROUP_COLUMN[groupBy];
    const rows = await this.#db.query<Record<string, unknown>>(
      `select to_char(started_at at time zone 'UTC', 'YYYY-MM-DD') as day, ${group} as grp,
         coalesce(sum(spend), 0)::float8 as spend, count(*)::int as requests,
         coalesce(sum(total_tokens), 0)::int as tokens,
         count(*) filter (where spend is null and status = 'success')::int as unpriced
       from retouch_spend_logs ${clause}
       group by 1, 2 order by 1, 3 desc, 2`,
      params,
    );
    return rows.map((r) => ({
      day: String(r.day),
      group: r.grp === null || r.grp === undefined ? null : String(r.grp),
      spend: numberOf(r.spend) ?? 0,
      requests: numberOf(r.requests) ?? 0,
      totalTokens: numberOf(r.tokens) ?? 0,
      unpriced: numberOf(r.unpriced) ?? 0,
    }));
  }

  /** Spend by deployment, model group, end-user and key, over every row. */
  async summary(): Promise<SpendSummary> {
    const rows = await this.#db.query<{
      dim: string;
      name: string | null;
      spend: unknown;
      unpriced: unknown;
    }>(
      `select 'deployment' as dim, deployment_id as name, sum(spend)::float8 as spend, 0 as unpriced from retouch_spend_logs where spend is not null and deployment_id is not null group by 2
       union all select 'group', model_group, sum(spend)::float8, 0 from retouch_spend_logs where spend is not null and model_group is not null group by 2
       union all select 'user', end_user, sum(spend)::float8, 0 from retouch_spend_logs where spend is not null and end_user is not null group by 2
       union all select 'key', api_key, sum(spend)::float8, 0 from retouch_spend_logs where spend is not null and api_key is not null group by 2
       union all select 'total', null, coalesce(sum(spend), 0)::float8, count(*) filter (where spend is null and status = 'success') from retouch_spend_logs`,
    );
    const out: SpendSummary = {
      totalUsd: 0,
      byDeployment: {},
      byModelGroup: {},
      byUser: {},
      byKey: {},
      unpricedCalls: 0,
    };
    const target = {
      deployment: out.byDeployment,
      group: out.byModelGroup,
      user: out.byUser,
      key: out.byKey,
    };
    for (const row of rows) {
      const usd = numberOf(row.spend) ?? 0;
      if (row.dim === 'total') {
        out.totalUsd = usd;
        out.unpricedCalls = numberOf(row.unpriced) ?? 0;
      } else if (row.name !== null) {
        target[row.dim as keyof typeof target][row.name] = usd;
      }
    }
    return out;
  }
}
