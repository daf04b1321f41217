/**
 * One access-log line and one metric per request, exactly once: when the answer is written, or
 * when the client hangs up first — then at info, with status 499 (`client_closed_request`, nginx's
 * code), never as an error. Metric labels name only model groups the proxy has, never the client's
 * raw `model`, so a client cannot grow the label set.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProxyMetrics } from './metrics.js';

/** Status of a request whose client closed the connection before the answer. */
export const CLIENT_CLOSED_STATUS = 499;

/**
 * Registers the hooks.
 *
 * @example
 * ```ts
 * registerAccessLog(app, { metrics, knownGroup: (g) => (router.modelGroups().includes(g) ? g : undefined) });
 * ```
 */
export function registerAccessLog(
  app: FastifyInstance,
  options: { metrics: ProxyMetrics; knownGroup: (group: string | undefined) => string | undefined },
): void {
  const finish = (request: FastifyRequest, reply: FastifyReply, status: number) => {
    const state = request.retouch;
    if (!state || state.logged) return;
    state.logged = true;
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.observeRequest(
      { route, method: request.method, status, modelGroup: options.knownGroup(state.modelGroup) },
      reply.elapsedTime / 1000,
    );
    if (route === '/metrics' || route.startsWith('/health/')) return;
    // An open console tab polls every few seconds; its sign-ins stay in the log.
    if (request.method === 'GET' && route.startsWith('/ui')) return;
    request.log.info(
      {
        method: request.method,
        route,
        status,
        ms: Math.round(reply.elapsedTime),
        key: state.caller?.keyHash,
        key_alias: state.caller?.alias,
        user: state.user,
        model_group: state.modelGroup,
        deployment: state.deploymentId,
        attempts: state.attempts,
        cost_usd: state.costUsd,
        error_code: state.errorCode,
        warnings: state.warnings?.length ? state.warnings : undefined,
      },
      status === CLIENT_CLOSED_STATUS ? 'client closed request' : 'request',
    );
  };
  app.addHook('onRequest', async (request, reply) => {
    request.retouch = {};
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      request.retouch.clientClosed = true;
      request.retouch.errorCode = 'client_closed_request';
      finish(request, reply, CLIENT_CLOSED_STATUS);
    });
  });
  app.addHook('onResponse', async (request, reply) => finish(request, reply, reply.statusCode));
}
