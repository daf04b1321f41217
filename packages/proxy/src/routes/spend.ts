/**
 * LiteLLM's spend API over the store's spend logs (master or admin key): `GET /spend/logs`
 * (filters `api_key` — a key or its hash —, `user_id`, `model`, `request_id`, `start_date`,
 * `end_date`, `limit`), `GET /global/spend` and `GET /global/spend/report` (`group_by`: `day`,
 * `api_key`, `customer` / `end_user`, `model`, `team`). Rows still queued are written first, so a
 * report includes every finished call.
 * @module
 */
import type { SpendGroupBy, SpendLogRow, SpendQuery, SpendReportLine } from '@retouch/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProxyContext } from '../context.js';
import { dateParam, masterOnly, parseInput, storeOf } from './admin-auth.js';
import { tokenOf } from './keys.js';

const filterFields = {
  api_key: z.string().min(1).optional(),
  user_id: z.string().min(1).optional(),
  end_user: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  request_id: z.string().min(1).optional(),
  team_id: z.string().min(1).optional(),
  start_date: z.string().optional(),
  end_date: z.string().optional(),
};
const logsSchema = z.strictObject({
  ...filterFields,
  limit: z.coerce.number().int().positive().max(10_000).optional(),
});
const reportSchema = z.strictObject({
  ...filterFields,
  group_by: z.enum(['day', 'api_key', 'key', 'customer', 'end_user', 'user', 'model', 'team']).optional(),
});

function queryOf(q: z.infer<typeof logsSchema> | z.infer<typeof reportSchema>): SpendQuery {
  return {
    apiKey: q.api_key === undefined ? undefined : tokenOf(q.api_key),
    endUser: q.user_id ?? q.end_user,
    model: q.model,
    requestId: q.request_id,
    teamId: q.team_id,
    start: dateParam(q.start_date, 'start_date'),
    end: dateParam(q.end_date, 'end_date', true),
  };
}

/** A spend row in LiteLLM's `/spend/logs` shape (`call_type` is always `aimage_edit`). */
export function spendLogJson(row: SpendLogRow): Record<string, unknown> {
  return {
    request_id: row.requestId,
    call_type: 'aimage_edit',
    api_key: row.apiKey,
    spend: row.spend,
    total_tokens: row.totalTokens,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    startTime: row.startedAt.toISOString(),
    endTime: row.endedAt.toISOString(),
    model: row.model,
    model_group: row.modelGroup,
    model_id: row.deploymentId,
    custom_llm_provider: row.provider,
    user: row.endUser,
    end_user: row.endUser,
    team_id: row.teamId,
    status: row.status,
    metadata: {
      user_api_key_alias: row.keyAlias,
      attempts: row.attempts,
      latency_ms: row.latencyMs,
      error_code: row.errorCode,
      warnings: row.warnings,
      usage: row.usage,
      ...row.metadata,
    },
    ...(row.prompt === null ? {} : { messages: row.prompt }),
  };
}

const GROUP_BY: Record<string, SpendGroupBy> = {
  day: 'day',
  api_key: 'api_key',
  key: 'api_key',
  customer: 'end_user',
  end_user: 'end_user',
  user: 'end_user',
  model: 'model',
  team: 'team',
};
const LIST_NAME: Record<SpendGroupBy, string> = {
  day: 'day',
  api_key: 'api_keys',
  end_user: 'customers',
  model: 'models',
  // Not offered by `group_by` (LiteLLM has no such report); the console's Overview reads it.
  deployment: 'deployments',
  team: 'teams',
};

/** Report lines as LiteLLM's `/global/spend/report`: one entry per day, its groups inside. */
function reportJson(groupBy: SpendGroupBy, lines: readonly SpendReportLine[]): Record<string, unknown>[] {
  const days = new Map<string, Record<string, unknown>>();
  for (const line of lines) {
    let day = days.get(line.day);
    if (!day) {
      day = { group_by_day: line.day, total_spend: 0, requests: 0, unpriced_requests: 0 };
      if (groupBy !== 'day') day[LIST_NAME[groupBy]] = [];
      days.set(line.day, day);
    }
    day.total_spend = (day.total_spend as number) + line.spend;
    day.requests = (day.requests as number) + line.requests;
    day.unpriced_requests = (day.unpriced_requests as number) + line.unpriced;
    if (groupBy !== 'day') {
      (day[LIST_NAME[groupBy]] as unknown[]).push({
        name: line.group,
        total_spend: line.spend,
        requests: line.requests,
        total_tokens: line.totalTokens,
        unpriced_requests: line.unpriced,
      });
    }
  }
  return [...days.values()];
}

/**
 * Registers the spend routes.
 *
 * @example
 * ```ts
 * registerSpendRoutes(app, ctx);
 * // curl "http://127.0.0.1:4000/global/spend/report?group_by=customer&start_date=2026-12-01" -H "Authorization: Bearer $MASTER_KEY"
 * ```
 */
export function registerSpendRoutes(app: FastifyInstance, ctx: ProxyContext): void {
  const onRequest = masterOnly(ctx);
  const flushed = async (request: FastifyRequest) => {
    const store = storeOf(ctx, request);
    // Every finished call is in the answer (a database that is down fails the read below anyway).
    await store.flushSpend().catch(() => {});
    return store;
  };
  app.get('/spend/logs', { onRequest }, async (request) => {
    const query = parseInput(logsSchema, request.query, 'query');
    const rows = await (await flushed(request)).spendLogs.find(queryOf(query), query.limit ?? 1000);
    return rows.map(spendLogJson);
  });
  app.get('/global/spend', { onRequest }, async (request) => {
    const totals = await (await flushed(request)).spendLogs.totals();
    return {
      spend: totals.spend,
      max_budget: null,
      requests: totals.requests,
      unpriced_requests: totals.unpriced,
    };
  });
  app.get('/global/spend/report', { onRequest }, async (request) => {
    const query = parseInput(reportSchema, request.query, 'query');
    const groupBy = GROUP_BY[query.group_by ?? 'day'] as SpendGroupBy;
    const lines = await (await flushed(request)).spendLogs.report(groupBy, queryOf(query));
    return reportJson(groupBy, lines);
  });
}
