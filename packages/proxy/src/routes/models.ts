/**
 * `GET /v1/models` (and `/models`): the model groups this key may use, in OpenAI's list shape.
 * @module
 */
import { NotFoundError } from '@retouch/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProxyContext } from '../context.js';
import { authenticate } from './authenticate.js';

/** One entry of `/v1/models`. */
export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * Registers `/v1/models`, `/models` and `/v1/models/:model`.
 *
 * @example
 * ```ts
 * registerModelRoutes(app, ctx);
 * // curl http://127.0.0.1:4000/v1/models -H "Authorization: Bearer sk-1234"
 * ```
 */
export function registerModelRoutes(app: FastifyInstance, ctx: ProxyContext): void {
  const visible = (request: FastifyRequest): ModelEntry[] => {
    const allowed = request.retouch.caller?.models;
    const groups = ctx.router.modelGroups().filter((group) => !allowed || allowed.has(group));
    // Visible aliases are listed beside the groups (hidden ones are served, not listed).
    const aliases = ctx.router
      .modelAliases()
      .filter(
        (a) =>
          !a.hidden &&
          !groups.includes(a.alias) &&
          (!allowed || allowed.has(a.alias) || allowed.has(a.group)),
      )
      .map((a) => a.alias);
    return [...groups, ...aliases].map((id) => ({
      id,
      object: 'model',
      created: ctx.startedAt,
      owned_by: 'retouch',
    }));
  };
  const onRequest = authenticate(ctx);
  const list = async (request: FastifyRequest) => ({ object: 'list', data: visible(request) });
  app.get('/v1/models', { onRequest }, list);
  app.get('/models', { onRequest }, list);
  app.get('/v1/models/:model', { onRequest }, async (request) => {
    const { model } = request.params as { model: string };
    const entry =
      visible(request).find((m) => m.id === model) ??
      // A hidden alias answers when asked for by name.
      (ctx.router.modelAliases().some((a) => a.alias === model && a.hidden) &&
      ctx
        .groupsOf(model)
        .every((g) => !request.retouch.caller?.models || request.retouch.caller.models.has(g))
        ? { id: model, object: 'model' as const, created: ctx.startedAt, owned_by: 'retouch' }
        : undefined);
    if (!entry) {
      throw new NotFoundError({
        message: `model: no model group "${model}" for this key`,
        param: 'model',
        code: 'model_not_found',
      });
    }
    return entry;
  });
}
