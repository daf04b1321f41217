/**
 * LiteLLM's key management API, master key only: `POST /key/generate`, `GET /key/info`,
 * `POST /key/update`, `POST /key/delete`, `GET /key/list`, `POST /key/block`, `POST /key/unblock`.
 * Keys live in the store as their SHA-256; the key itself is in the `/key/generate` answer only.
 * A key is named by the key itself or by its hash (`token`).
 * @module
 */
import { BadRequestError, NotFoundError } from '@retouch/core';
import {
  addDuration,
  hashToken,
  type KeyFields,
  type KeyRecord,
  parseDuration,
  StoreConflictError,
} from '@retouch/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProxyContext } from '../context.js';
import { masterOnly, parseInput, storeOf } from './admin-auth.js';

const duration = (field: string) =>
  z.string().refine((text) => parseDuration(text) !== undefined, {
    message: `not a duration (30s, 30m, 30h, 30d, 4w, 1mo); the ${field} of LiteLLM`,
  });

/** The fields `/key/generate` and `/key/update` share (LiteLLM names). */
const keyFields = {
  key_alias: z.string().min(1).max(256).nullable().optional(),
  models: z.array(z.string().min(1)).optional(),
  max_budget: z.number().nonnegative().nullable().optional(),
  budget_duration: duration('budget_duration').nullable().optional(),
  rpm_limit: z.number().int().positive().nullable().optional(),
  tpm_limit: z.number().int().positive().nullable().optional(),
  user_id: z.string().min(1).nullable().optional(),
  team_id: z.string().min(1).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  blocked: z.boolean().optional(),
  /** Lifetime from now (`30d`); null: never expires. */
  duration: duration('duration').nullable().optional(),
  /** An exact expiry (ISO 8601). */
  expires: z.iso.datetime({ offset: true }).nullable().optional(),
};

const generateSchema = z.strictObject({
  ...keyFields,
  /** A key of your own instead of a random one. */
  key: z.string().min(8, 'at least 8 characters').max(512).optional(),
});
const updateSchema = z.strictObject({
  ...keyFields,
  key: z.string().min(1, 'required: the key or its token (hash)'),
  spend: z.number().nonnegative().optional(),
});
const deleteSchema = z.strictObject({
  keys: z.array(z.string().min(1)).optional(),
  key_aliases: z.array(z.string().min(1)).optional(),
});
const oneKeySchema = z.strictObject({ key: z.string().min(1, 'required: the key or its token (hash)') });
const listSchema = z.strictObject({
  page: z.coerce.number().int().positive().optional(),
  size: z.coerce.number().int().positive().max(1000).optional(),
  user_id: z.string().optional(),
  team_id: z.string().optional(),
  key_alias: z.string().optional(),
  return_full_object: z.enum(['true', 'false']).optional(),
});

/** The store's name of a key given as the key itself or as its hash. */
export function tokenOf(keyOrHash: string): string {
  return /^[0-9a-f]{64}$/.test(keyOrHash) ? keyOrHash : hashToken(keyOrHash);
}

/**
 * A key record in LiteLLM's shape (`token` is the hash; the key itself is never in it).
 *
 * @example
 * ```ts
 * keyInfo(record).key_name; // 'sk-...abcd'
 * ```
 */
export function keyInfo(record: KeyRecord): Record<string, unknown> {
  return {
    token: record.tokenHash,
    key_name: record.keyName,
    key_alias: record.keyAlias,
    spend: record.spend,
    max_budget: record.maxBudget,
    budget_duration: record.budgetDuration,
    budget_reset_at: record.budgetResetAt?.toISOString() ?? null,
    expires: record.expiresAt?.toISOString() ?? null,
    models: record.models,
    rpm_limit: record.rpmLimit,
    tpm_limit: record.tpmLimit,
    user_id: record.userId,
    team_id: record.teamId,
    metadata: record.metadata,
    blocked: record.blocked,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}

function expiryOf(
  body: { duration?: string | null; expires?: string | null },
  now: Date,
): Date | null | undefined {
  if (body.duration !== undefined && body.expires !== undefined) {
    throw new BadRequestError({
      message: 'duration, expires: give one (duration: a lifetime such as 30d; expires: an ISO 8601 time)',
      param: 'duration',
      code: 'invalid_value',
    });
  }
  if (body.expires !== undefined) return body.expires === null ? null : new Date(body.expires);
  if (body.duration === undefined) return undefined;
  if (body.duration === null) return null;
  const d = parseDuration(body.duration);
  return d ? addDuration(now, d) : undefined;
}

/**
 * Registers the key routes.
 *
 * @example
 * ```ts
 * registerKeyRoutes(app, ctx);
 * // curl -X POST http://127.0.0.1:4000/key/generate -H "Authorization: Bearer $MASTER_KEY" -d '{"key_alias":"team-a","max_budget":10,"budget_duration":"30d"}'
 * ```
 */
export function registerKeyRoutes(app: FastifyInstance, ctx: ProxyContext): void {
  const onRequest = masterOnly(ctx);
  const knownModels = (models: readonly string[] | undefined) => {
    models?.forEach((model, i) => {
      if (model !== '*' && ctx.groupsOf(model).length === 0) {
        throw new BadRequestError({
          message: `models[${i}]: no model group "${model}" (known: ${ctx.router.modelGroups().join(', ')}, or "*")`,
          param: `models[${i}]`,
          code: 'invalid_value',
        });
      }
    });
  };
  const fieldsOf = (
    body: z.infer<typeof generateSchema> | z.infer<typeof updateSchema>,
    now: Date,
  ): KeyFields => {
    knownModels(body.models);
    const fields: KeyFields = {
      keyAlias: body.key_alias,
      models: body.models,
      maxBudget: body.max_budget,
      budgetDuration: body.budget_duration,
      rpmLimit: body.rpm_limit,
      tpmLimit: body.tpm_limit,
      userId: body.user_id,
      teamId: body.team_id,
      metadata: body.metadata,
      blocked: body.blocked,
      expiresAt: expiryOf(body, now),
    };
    return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as KeyFields;
  };
  const conflict = (error: unknown): never => {
    if (error instanceof StoreConflictError) {
      throw new BadRequestError({
        message: `${error.field}: ${error.message}`,
        param: error.field,
        code: 'conflict',
      });
    }
    throw error;
  };
  const find = async (request: FastifyRequest, keyOrHash: string): Promise<KeyRecord> => {
    const record = await storeOf(ctx, request).keys.get(tokenOf(keyOrHash));
    if (!record) {
      throw new NotFoundError({
        message: 'key: no such key in the database (keys from the config file are not managed here)',
        param: 'key',
        code: 'key_not_found',
      });
    }
    return record;
  };

  app.post('/key/generate', { onRequest }, async (request) => {
    const body = parseInput(generateSchema, request.body, 'body');
    const now = new Date();
    const { key, record } = await storeOf(ctx, request)
      .keys.create({ ...fieldsOf(body, now), key: body.key }, now)
      .catch(conflict);
    return { key, ...keyInfo(record) };
  });

  app.get('/key/info', { onRequest }, async (request) => {
    const { key } = parseInput(oneKeySchema, request.query, 'query');
    // Its spend includes every finished call.
    await storeOf(ctx, request)
      .flushSpend()
      .catch(() => {});
    const record = await find(request, key);
    return { key: record.tokenHash, info: keyInfo(record) };
  });

  app.post('/key/update', { onRequest }, async (request) => {
    const body = parseInput(updateSchema, request.body, 'body');
    const now = new Date();
    const tokenHash = tokenOf(body.key);
    const fields = { ...fieldsOf(body, now), ...(body.spend === undefined ? {} : { spend: body.spend }) };
    const record = await storeOf(ctx, request).keys.update(tokenHash, fields, now).catch(conflict);
    if (!record) await find(request, body.key);
    ctx.keys.forget(tokenHash);
    return { key: tokenHash, ...keyInfo(record as KeyRecord) };
  });

  const block = (blocked: boolean) => async (request: FastifyRequest) => {
    const { key } = parseInput(oneKeySchema, request.body, 'body');
    const tokenHash = tokenOf(key);
    const record = await storeOf(ctx, request).keys.update(tokenHash, { blocked });
    if (!record) await find(request, key);
    ctx.keys.forget(tokenHash);
    return keyInfo(record as KeyRecord);
  };
  app.post('/key/block', { onRequest }, block(true));
  app.post('/key/unblock', { onRequest }, block(false));

  app.post('/key/delete', { onRequest }, async (request) => {
    const body = parseInput(deleteSchema, request.body, 'body');
    const store = storeOf(ctx, request);
    const hashes = (body.keys ?? []).map(tokenOf);
    for (const alias of body.key_aliases ?? []) {
      const record = await store.keys.getByAlias(alias);
      if (record) hashes.push(record.tokenHash);
    }
    if (hashes.length === 0) {
      throw new BadRequestError({
        message: 'keys: give the keys (or their tokens) to delete, or key_aliases',
        param: 'keys',
        code: 'invalid_value',
      });
    }
    const deleted = await store.keys.delete(hashes);
    for (const hash of deleted) ctx.keys.forget(hash);
    return { deleted_keys: deleted };
  });

  app.get('/key/list', { onRequest }, async (request) => {
    const query = parseInput(listSchema, request.query, 'query');
    const size = query.size ?? 100;
    const page = query.page ?? 1;
    const { records, total } = await storeOf(ctx, request).keys.list({
      page,
      size,
      userId: query.user_id,
      teamId: query.team_id,
      keyAlias: query.key_alias,
    });
    return {
      keys: query.return_full_object === 'true' ? records.map(keyInfo) : records.map((r) => r.tokenHash),
      total_count: total,
      current_page: page,
      total_pages: Math.ceil(total / size),
    };
  });
}
