/**
 * `GET /metrics`: the Prometheus text exposition of the proxy's registry. It names every model
 * group and deployment and their spend, so it takes the master key unless
 * `require_auth_for_metrics_endpoint: false` (for a scraper on a trusted network) or the proxy is open.
 * @module
 */
import { PermissionDeniedError } from '@retouch/core';
import type { FastifyInstance } from 'fastify';
import type { ProxyContext } from '../context.js';

/**
 * Registers `/metrics`.
 *
 * @example
 * ```ts
 * registerMetricsRoute(app, ctx);
 * // curl http://127.0.0.1:4000/metrics -H "Authorization: Bearer $MASTER_KEY" | grep retouch_requests_total
 * ```
 */
export function registerMetricsRoute(app: FastifyInstance, ctx: ProxyContext): void {
  app.get('/metrics', async (request, reply) => {
    if (ctx.config.metricsRequireAuth && !ctx.keys.open) {
      const caller = await ctx.keys.authenticate(request.headers);
      request.retouch.caller = caller;
      if (!caller.isMaster) {
        throw new PermissionDeniedError({
          message:
            '/metrics: only the master key may read the metrics (they name every model group); set require_auth_for_metrics_endpoint: false to open them to a scraper',
          code: 'metrics_need_master_key',
        });
      }
    }
    const text = await ctx.metrics.render();
    return reply.type(ctx.metrics.contentType).send(text);
  });
}
