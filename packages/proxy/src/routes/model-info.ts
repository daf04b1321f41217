/**
 * `GET /model/info` (and `/v1/model/info`) as LiteLLM answers it: one entry per deployment the key
 * may use — `model_name`, `litellm_params.model` (never keys or URLs) and `model_info` with the
 * deployment's id, mode, provider, prices (its overrides, else the catalogue's), what the model can
 * take (images, mask, sizes, `n`, formats) and its lifecycle (status, dates, successor, whether the
 * router selects it), from the same catalogue row validation and routing read. `deprecation_date` is
 * LiteLLM's name for the day the model shuts down upstream.
 * @module
 */
import type { DeploymentHealth } from '@retouch/router';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProxyContext } from '../context.js';
import { authenticate } from './authenticate.js';

/** One deployment in LiteLLM's `/model/info` shape. */
export function modelInfoEntry(d: DeploymentHealth): Record<string, unknown> {
  const c = d.capabilities;
  return {
    model_name: d.modelGroup,
    litellm_params: { model: d.model },
    model_info: {
      id: d.id,
      mode: 'image_edit',
      litellm_provider: d.provider,
      ...(d.price ?? {}),
      price_source: d.price === null ? null : d.priceIsOverride ? 'config' : 'catalogue',
      max_input_images: c.maxImages,
      min_input_images: c.minImages ?? 1,
      supports_mask: c.mask !== 'none',
      requires_mask: c.mask === 'required',
      max_n: c.maxN,
      supported_sizes: c.sizes ?? null,
      supported_qualities: c.qualities ?? null,
      supported_output_formats: c.outputFormats ?? null,
      supported_input_media_types: c.inputMediaTypes,
      max_image_bytes: c.maxImageBytes ?? null,
      healthy: d.healthy,
      served_model: d.servedModel,
      status: d.lifecycle.status,
      released: d.lifecycle.released ?? null,
      deprecation_date: d.lifecycle.shutdown ?? null,
      shutdown_is_earliest: d.lifecycle.shutdownEarliest === true,
      successor: d.lifecycle.successor ?? null,
      selectable: d.selectable,
    },
  };
}

/**
 * Registers `/model/info` and `/v1/model/info` (`?litellm_model_id=` picks one deployment).
 *
 * @example
 * ```ts
 * registerModelInfoRoutes(app, ctx);
 * // curl http://127.0.0.1:4000/model/info -H "Authorization: Bearer sk-1234"
 * ```
 */
export function registerModelInfoRoutes(app: FastifyInstance, ctx: ProxyContext): void {
  const handler = async (request: FastifyRequest) => {
    const allowed = request.retouch.caller?.models;
    const id = (request.query as { litellm_model_id?: unknown }).litellm_model_id;
    const data = (await ctx.router.deployments())
      .filter((d) => !allowed || allowed.has(d.modelGroup))
      .filter((d) => typeof id !== 'string' || d.id === id)
      .map(modelInfoEntry);
    return { data };
  };
  const onRequest = authenticate(ctx);
  app.get('/model/info', { onRequest }, handler);
  app.get('/v1/model/info', { onRequest }, handler);
}
