/**
 * What the management routes (`/key/*`, `/spend/*`, `/global/*`, `/customer/*`) share: the
 * master key (or an admin key: `admin: true` in the config, `metadata.admin: true` in the
 * database — the console's admins), a store to manage, and request bodies checked with zod into 400s that name the
 * field.
 * @module
 */
import { BadRequestError, PermissionDeniedError } from '@retouch/core';
import type { Store } from '@retouch/store';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ProxyContext } from '../context.js';

/**
 * The `onRequest` hook of a management route: the master key, and a store.
 *
 * @example
 * ```ts
 * app.post('/key/generate', { onRequest: masterOnly(ctx) }, handler);
 * ```
 */
export function masterOnly(ctx: ProxyContext) {
  return async (request: FastifyRequest): Promise<void> => {
    if (ctx.keys.open) {
      throw new PermissionDeniedError({
        message: `${routeOf(request)}: set general_settings.master_key first; this proxy runs open, so nobody may manage keys or read spend`,
        code: 'master_key_required',
      });
    }
    const caller = await ctx.keys.authenticate(request.headers);
    request.retouch.caller = caller;
    if (!caller.isMaster && caller.admin !== true) {
      throw new PermissionDeniedError({
        message: `${routeOf(request)}: only the master key or an admin key may call this (key ${caller.alias} is neither)`,
        code: 'master_key_required',
      });
    }
    storeOf(ctx, request);
  };
}

function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.url.split('?')[0]}`;
}

/** The proxy's store, or a 400 saying the proxy runs without one. */
export function storeOf(ctx: ProxyContext, request: FastifyRequest): Store {
  if (!ctx.store) {
    throw new BadRequestError({
      message: `${routeOf(request)}: this proxy has no database (it was started with --no-database); start it with DATABASE_URL, or without --no-database for the embedded one`,
      code: 'no_database',
    });
  }
  return ctx.store;
}

/**
 * Parses a body or query with a zod schema; the first problem is a 400 naming its field.
 *
 * @example
 * ```ts
 * const body = parseInput(generateSchema, request.body, 'body');
 * ```
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'body' | 'query',
): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || where;
  const message =
    issue?.code === 'unrecognized_keys'
      ? `${issue.keys.join(', ')}: not supported by retouch (${where} fields: ${Object.keys((schema as unknown as z.ZodObject).shape).join(', ')})`
      : `${field}: ${issue?.message ?? 'invalid'}`;
  throw new BadRequestError({
    message,
    param: issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? null) : field,
    code: 'invalid_value',
  });
}

/**
 * A date from a query (`2026-03-01` or an ISO timestamp); a 400 naming the field otherwise.
 *
 * @example
 * ```ts
 * dateParam('2026-03-01', 'start_date'); // 2026-03-01T00:00:00Z
 * ```
 */
export function dateParam(value: string | undefined, field: string, endOfDay = false): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = new Date(dayOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) {
    throw new BadRequestError({
      message: `${field}: "${value}" is not a date (YYYY-MM-DD or an ISO 8601 time)`,
      param: field,
      code: 'invalid_value',
    });
  }
  // A day given as an end includes that whole day.
  return dayOnly && endOfDay ? new Date(date.getTime() + 86_400_000) : date;
}
