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
    return ctx.router
      .modelGroups()
      .filter((group) => !allowed || allowed.has(group))
      .map((id) => ({ id, object: 'model', created: ctx.startedAt, owned_by: 'retouch' }));
  };
  const onRequest = authenticate(ctx);
  const list = async (request: FastifyRequest) => ({ object: 'list', data: visible(request) });
  app.get('/v1/models', { onRequest }, list);
  app.get('/models', { onRequest }, list);
  app.get('/v1/models/:model', { onRequest }, async (request) => {
    const { model } = request.params as { model: string };
    const entry = visible(request).find((m) => m.id === model);
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
