/**
 * `GET /metrics`: the Prometheus text exposition of the proxy's registry.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ProxyContext } from '../context.js';

/**
 * Registers `/metrics`.
 *
 * @example
 * ```ts
 * registerMetricsRoute(app, ctx);
 * // curl http://127.0.0.1:4000/metrics | grep retouch_requests_total
 * ```
 */
export function registerMetricsRoute(app: FastifyInstance, ctx: ProxyContext): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await ctx.metrics.render();
    return reply.type(ctx.metrics.contentType).send(text);
  });
}
