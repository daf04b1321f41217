/**
 * Health routes, none of which calls a paid endpoint: `/health/liveliness` (the process answers),
 * `/health/readiness` (200 `healthy`, or `degraded` while Redis or the database is down or some
 * deployments cool down; 503 when shutting down or when nothing can be served) and `/health` (each deployment's
 * state as the router sees it: cooldowns, in-flight calls, latency, recent failures).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ProxyContext } from '../context.js';
import { authenticate } from './authenticate.js';

/**
 * Registers the health routes.
 *
 * @example
 * ```ts
 * registerHealthRoutes(app, ctx);
 * // curl http://127.0.0.1:4000/health/readiness
 * ```
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: ProxyContext): void {
  const alive = async () => "I'm alive!";
  app.get('/health/liveliness', alive);
  app.get('/health/liveness', alive);
  app.get('/health/readiness', async (_request, reply) => {
    const deployments = await ctx.router.deployments();
    const healthy = deployments.filter((d) => d.healthy).length;
    const state = ctx.router.stateHealth();
    const db = ctx.store?.health();
    const dbDown = db !== undefined && (!db.connected || db.spendLog.failing);
    // Ready (200) while anything can be served, if degraded; 503 only when shutting down or when
    // every deployment is cooling down.
    const status = ctx.closing
      ? 'shutting_down'
      : healthy === 0
        ? 'unavailable'
        : state.degraded || dbDown || healthy < deployments.length
          ? 'degraded'
          : 'healthy';
    const degraded: string[] = [];
    if (state.degraded) degraded.push(`shared state unavailable (${state.reason}): routing on local state`);
    if (healthy < deployments.length)
      degraded.push(`${deployments.length - healthy} deployments cooling down`);
    if (db && dbDown) {
      degraded.push(
        `database unavailable${db.lastError ? ` (${db.lastError})` : ''}: keys verified before keep working, new keys are refused, ${db.spendLog.pending} spend rows queued`,
      );
    }
    return reply.code(status === 'shutting_down' || status === 'unavailable' ? 503 : 200).send({
      status,
      ...(degraded.length > 0 ? { degraded } : {}),
      shared_state: state.shared ? (state.degraded ? 'unavailable' : 'connected') : 'none',
      database: db === undefined ? 'none' : dbDown ? 'unavailable' : 'connected',
      ...(db === undefined ? {} : { database_backend: db.backend, spend_rows_queued: db.spendLog.pending }),
      model_groups: ctx.router.modelGroups().length,
      deployments: deployments.length,
      healthy_deployments: healthy,
      auth: ctx.keys.open ? 'open' : 'keys',
    });
  });
  app.get('/health', { onRequest: authenticate(ctx) }, async (request) => {
    const allowed = request.retouch.caller?.models;
    const endpoints = (await ctx.router.deployments())
      .filter((d) => !allowed || allowed.has(d.modelGroup))
      .map((d) => ({
        model_group: d.modelGroup,
        model_id: d.id,
        model: d.model,
        provider: d.provider,
        healthy: d.healthy,
        cooling_down_until:
          d.coolingDownUntil === undefined ? null : new Date(d.coolingDownUntil).toISOString(),
        in_flight: d.inFlight,
        latency_ms_avg: d.latencyMsAvg ?? null,
        failures_last_minute: d.failuresLastMinute,
        // What stops it from calling its upstream (no API key, …): the operator's to fix.
        misconfigured: d.misconfigured ?? null,
      }));
    const healthy = endpoints.filter((e) => e.healthy);
    const unhealthy = endpoints.filter((e) => !e.healthy);
    return {
      healthy_endpoints: healthy,
      unhealthy_endpoints: unhealthy,
      healthy_count: healthy.length,
      unhealthy_count: unhealthy.length,
    };
  });
}
