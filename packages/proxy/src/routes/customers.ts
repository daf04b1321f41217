/**
 * LiteLLM's end-user ("customer") API (master or admin key): `POST /customer/new`,
 * `GET /customer/info?end_user_id=`, `POST /customer/update`, `POST /customer/delete`,
 * `GET /customer/list`, also under `/end_user/…`. An end-user's `max_budget` (and
 * `budget_duration`) is enforced like a key's; `blocked: true` refuses its calls with a 403.
 * @module
 */
import { BadRequestError, NotFoundError } from '@retouch/core';
import { type EndUserFields, type EndUserRecord, parseDuration, StoreConflictError } from '@retouch/store';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ProxyContext } from '../context.js';
import { masterOnly, parseInput, storeOf } from './admin-auth.js';

const fields = {
  alias: z.string().min(1).nullable().optional(),
  max_budget: z.number().nonnegative().nullable().optional(),
  budget_duration: z
    .string()
    .refine((t) => parseDuration(t) !== undefined, {
      message: 'not a duration (30s, 30m, 30h, 30d, 4w, 1mo)',
    })
    .nullable()
    .optional(),
  blocked: z.boolean().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
};
const newSchema = z.strictObject({
  user_id: z.string().min(1, 'required: the end-user id (the `user` of requests)'),
  ...fields,
});
const deleteSchema = z.strictObject({
  user_ids: z.array(z.string().min(1)).min(1, 'required: the end-user ids to delete'),
});
const infoSchema = z.strictObject({ end_user_id: z.string().min(1, 'required: the end-user id') });
const listSchema = z.strictObject({
  page: z.coerce.number().int().positive().optional(),
  size: z.coerce.number().int().positive().max(1000).optional(),
});

/** An end-user in LiteLLM's shape. */
export function endUserJson(record: EndUserRecord): Record<string, unknown> {
  return {
    user_id: record.userId,
    alias: record.alias,
    spend: record.spend,
    blocked: record.blocked,
    litellm_budget_table: { max_budget: record.maxBudget, budget_duration: record.budgetDuration },
    max_budget: record.maxBudget,
    budget_duration: record.budgetDuration,
    budget_reset_at: record.budgetResetAt?.toISOString() ?? null,
    metadata: record.metadata,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}

function toFields(
  body: z.infer<typeof newSchema> | Omit<z.infer<typeof newSchema>, 'user_id'>,
): EndUserFields {
  const out: EndUserFields = {
    alias: body.alias,
    maxBudget: body.max_budget,
    budgetDuration: body.budget_duration,
    blocked: body.blocked,
    metadata: body.metadata,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as EndUserFields;
}

/**
 * Registers the end-user routes.
 *
 * @example
 * ```ts
 * registerCustomerRoutes(app, ctx);
 * // curl -X POST http://127.0.0.1:4000/customer/new -H "Authorization: Bearer $MASTER_KEY" -d '{"user_id":"alice","max_budget":5}'
 * ```
 */
export function registerCustomerRoutes(app: FastifyInstance, ctx: ProxyContext): void {
  const onRequest = masterOnly(ctx);
  const missing = (userId: string) =>
    new NotFoundError({
      message: `end-user "${userId}": no such end-user`,
      param: 'user_id',
      code: 'end_user_not_found',
    });
  for (const prefix of ['/customer', '/end_user']) {
    app.post(`${prefix}/new`, { onRequest }, async (request) => {
      const body = parseInput(newSchema, request.body, 'body');
      try {
        const record = await storeOf(ctx, request).endUsers.create(body.user_id, toFields(body));
        ctx.endUsers?.forget(body.user_id);
        return endUserJson(record);
      } catch (error) {
        if (error instanceof StoreConflictError)
          throw new BadRequestError({ message: error.message, param: 'user_id', code: 'conflict' });
        throw error;
      }
    });
    app.get(`${prefix}/info`, { onRequest }, async (request) => {
      const { end_user_id } = parseInput(infoSchema, request.query, 'query');
      const record = await storeOf(ctx, request).endUsers.get(end_user_id);
      if (!record) throw missing(end_user_id);
      return endUserJson(record);
    });
    app.post(`${prefix}/update`, { onRequest }, async (request) => {
      const body = parseInput(newSchema, request.body, 'body');
      const record = await storeOf(ctx, request).endUsers.update(body.user_id, toFields(body));
      if (!record) throw missing(body.user_id);
      ctx.endUsers?.forget(body.user_id);
      return endUserJson(record);
    });
    app.post(`${prefix}/delete`, { onRequest }, async (request) => {
      const { user_ids } = parseInput(deleteSchema, request.body, 'body');
      const store = storeOf(ctx, request);
      // Spend rows still queued would bring a deleted end-user back when they land.
      await store.flushSpend().catch(() => {});
      const deleted = await store.endUsers.delete(user_ids);
      for (const id of deleted) ctx.endUsers?.forget(id);
      return { deleted_end_users: deleted };
    });
    app.get(`${prefix}/list`, { onRequest }, async (request) => {
      const { page, size } = parseInput(listSchema, request.query, 'query');
      return (await storeOf(ctx, request).endUsers.list(page, size)).map(endUserJson);
    });
  }
}
