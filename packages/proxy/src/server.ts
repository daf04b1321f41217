/**
 * `createProxyServer`: the Fastify app of the OpenAI-compatible proxy over a `Router` built from a
 * loaded config. One JSON log line per request (key hash, never the key), Prometheus metrics,
 * OpenAI-shaped errors everywhere, `x-request-id` on every answer.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError, parseModelId, RetouchError, ServiceUnavailableError } from '@retouch/core';
import {
  openTelemetryCallback,
  pinoCallback,
  Router,
  RouterConfigError,
  type RouterCallback,
  type RouterOptions,
  type SpendReport,
} from '@retouch/router';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import { hashToken, isOutage, openStore, type Store, type StoreOptions } from '@retouch/store';
import { EndUsers } from './budgets.js';
import { type Logger, pino } from 'pino';
import { KeyStore } from './auth.js';
import { DatabaseKeys } from './db-keys.js';
import { ConfigError, type ConfigIssue, formatIssue } from './config/config-error.js';
import { withLines } from './config/config-parts.js';
import { strictIssue } from './config/load-config.js';
import { registerAccessLog } from './access-log.js';
import { bodyBreach, guardBodies } from './body-guard.js';
import { clientErrorHandler } from './client-errors.js';
import { type ConsoleOptions, prepareConsole } from './console/setup.js';
import { trackConnections } from './connections.js';
import { type IdleMemoryOptions, releaseMemoryWhenIdle } from './idle-memory.js';
import type { ProxyConfig } from './config/proxy-config.js';
import type { ProxyContext } from './context.js';
import { MAX_PATH_PARAM_LENGTH, toErrorReply } from './errors.js';
import { createImageHosting, type ImageHosting } from './image-urls/hosting.js';
import { defaultImageUrlSettings } from './image-urls/settings.js';
import { configSecrets, redactingLogger } from './log-redaction.js';
import { createMetrics } from './metrics.js';
import { registerEditRoutes } from './routes/edits.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerCustomerRoutes } from './routes/customers.js';
import { registerKeyRoutes } from './routes/keys.js';
import { registerImageFileRoute } from './routes/image-files.js';
import { registerModelInfoRoutes } from './routes/model-info.js';
import { registerSpendRoutes } from './routes/spend.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerModelRoutes } from './routes/models.js';

/** Options of {@link createProxyServer}. */
export interface ProxyServerOptions {
  config: ProxyConfig;
  /** A pino logger, or `false` for none. Defaults to JSON lines on stdout at `info`. */
  logger?: Logger | false;
  /** Router options merged over the config's (a shared `state`, extra `callbacks`). */
  routerOverrides?: Partial<RouterOptions>;
  /** The web console at `/ui`: its settings, or `false` for none. On by default. */
  console?: ConsoleOptions | false;
  /**
   * Where keys, budgets and spend logs live: an open `Store` (the caller closes it; the proxy
   * writes its queued spend rows on close), options to open one (the proxy closes it), or `false`
   * for none. Defaults to PostgreSQL at `config.databaseUrl` when set, else none (the `retouch`
   * command opens an embedded one instead).
   */
  store?: Store | StoreOptions | false;
  /**
   * How much the heap and array buffers must grow before an idle proxy collects (bytes; default
   * 32 MiB). The idle time itself is `general_settings.idle_memory_release_ms`.
   */
  idleMemory?: Pick<IdleMemoryOptions, 'growthBytes'>;
}

/**
 * A proxy, built and ready to listen.
 *
 * @example
 * ```ts
 * const proxy: ProxyServer = await createProxyServer({ config });
 * const url = await proxy.listen({ port: 0, host: '127.0.0.1' });
 * console.log(url, (await proxy.router.spend()).totalUsd);
 * await proxy.close();
 * ```
 */
export interface ProxyServer {
  readonly app: FastifyInstance;
  readonly router: Router;
  readonly config: ProxyConfig;
  /** Starts listening; resolves to the base URL (`http://127.0.0.1:4000`). */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /**
   * Bounded shutdown: stops accepting (new requests get a 503 `shutting_down`, readiness says so),
   * starts no further retry or fallback, lets calls in flight finish for `graceMs` (default
   * `general_settings.shutdown_grace_seconds`, 20 s), then aborts them with a 503 in OpenAI's shape
   * and closes every connection. Calling it again returns the same promise.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

const MANAGEMENT_ROUTE = /^\/(key|customer|end_user|spend|global)\//;

/** A management route's database error, while the database is down: a retryable 503. */
function databaseOutage(thrown: unknown, url: string): unknown {
  if (!MANAGEMENT_ROUTE.test(url) || RetouchError.isInstance(thrown) || !isOutage(thrown)) return thrown;
  return new ServiceUnavailableError({
    message: 'The key and spend database is unreachable; try again shortly (edits keep being served).',
    code: 'database_unavailable',
    isRetryable: true,
    cause: thrown,
  });
}

const isStore = (value: Store | StoreOptions): value is Store =>
  typeof (value as Store).logSpend === 'function';

/**
 * What each budgeted config key spent according to the store, so that its budget survives a
 * restart (config keys have no row of their own; their spend is in the spend logs).
 */
async function configKeySeeds(
  store: Store,
  config: ProxyConfig,
  logger: Logger,
): Promise<Map<string, number>> {
  const seeds = new Map<string, number>();
  for (const key of config.keys) {
    if (key.max_budget === undefined) continue;
    const apiKey = hashToken(key.key);
    try {
      seeds.set(apiKey, (await store.spendLogs.totals({ apiKey })).spend);
    } catch (error) {
      logger.warn(
        { err: { message: (error as Error).message }, key_alias: key.key_alias },
        'database: cannot read a config key spend at start-up; its budget counts from 0 on this instance',
      );
    }
  }
  return seeds;
}

/** `router.spend()` from the store: its spend logs and the rows not yet written (short key hashes, as before). */
function storeSpendReport(store: Store): () => Promise<SpendReport> {
  return async () => {
    const summary = await store.spendSummary();
    const byKey: Record<string, number> = {};
    for (const [hash, usd] of Object.entries(summary.byKey))
      byKey[hash.slice(0, 12)] = (byKey[hash.slice(0, 12)] ?? 0) + usd;
    return { ...summary, byKey };
  };
}

function builtInCallbacks(
  names: readonly string[],
  logger: Logger,
  warn: (m: string) => void,
): RouterCallback[] {
  const out: RouterCallback[] = [];
  for (const name of names) {
    const n = name.toLowerCase();
    if (n === 'otel' || n === 'opentelemetry' || n === 'open_telemetry') out.push(openTelemetryCallback());
    else if (n === 'pino' || n === 'log' || n === 'logger' || n === 'json_logs')
      out.push(pinoCallback(logger));
    else if (n === 'prometheus')
      continue; // always on: GET /metrics
    else
      warn(`litellm_settings callback "${name}" is not built in (built in: otel, pino, prometheus); ignored`);
  }
  return out;
}

function groupIndex(config: ProxyConfig): (model: string) => string[] {
  const byModel = new Map<string, Set<string>>();
  const key = (model: string) => {
    try {
      const { prefix, model: bare } = parseModelId(model);
      return `${prefix}/${bare}`;
    } catch {
      return model;
    }
  };
  const groups = new Set<string>();
  for (const d of config.router.model_list) {
    groups.add(d.model_name);
    const k = key(d.litellm_params.model);
    byModel.set(k, (byModel.get(k) ?? new Set()).add(d.model_name));
  }
  const aliases = new Map<string, string>(Object.entries(config.router.model_alias_map ?? {}));
  for (const [alias, target] of Object.entries(config.router.model_group_alias ?? {}))
    aliases.set(alias, typeof target === 'string' ? target : target.model);
  return (model) => {
    if (groups.has(model)) return [model];
    const aliased = aliases.get(model);
    if (aliased !== undefined) return [aliased];
    return [...(byModel.get(key(model)) ?? [])];
  };
}

/**
 * Builds the router and the Fastify app from a loaded config. A config the router rejects (a
 * missing provider package, an unknown model) is a `ConfigError` naming the key path.
 *
 * @example
 * ```ts
 * import { createProxyServer, loadConfig } from '@retouch/proxy';
 *
 * const proxy = await createProxyServer({ config: await loadConfig('config.yaml') });
 * const url = await proxy.listen({ port: 4000, host: '127.0.0.1' });
 * console.log(`retouch proxy on ${url}`);
 * // later: await proxy.close();
 * ```
 */
export async function createProxyServer(options: ProxyServerOptions): Promise<ProxyServer> {
  const { config } = options;
  // Whoever logs through it (Fastify, a plugin at trace, the router's callbacks), no
  // line carries a credential header or a configured secret.
  const logger =
    options.logger === false
      ? pino({ level: 'silent' })
      : redactingLogger(options.logger ?? pino({ level: 'info' }), configSecrets(config));
  for (const [name, value] of Object.entries(config.environment)) process.env[name] ??= value;
  const startupWarnings = [...config.warnings];
  let router: Router | undefined;
  const editsInFlight = new Set<AbortController>();
  const metrics = createMetrics({
    deployments: () => (router ? router.deployments() : Promise.resolve([])),
    editsInFlight: () => editsInFlight.size,
  });
  const consoleUi = await prepareConsole(config, options.console);
  const callbacks = [
    metrics.callback,
    ...(consoleUi ? [consoleUi.recorder.callback] : []),
    ...builtInCallbacks(config.callbacks, logger, (m) => startupWarnings.push(m)),
    ...(options.routerOverrides?.callbacks ?? []),
  ];
  const given = options.store ?? (config.databaseUrl ? { url: config.databaseUrl } : false);
  let store: Store | undefined;
  const located = (issues: readonly ConfigIssue[]) =>
    withLines([...issues], config.lineOf ?? (() => undefined));
  try {
    router = await Router.create({
      ...config.router,
      // With a store, spend() reads its spend logs (they outlive the process).
      ...(given === false ? {} : { spendReport: () => storeSpendReport(store as Store)() }),
      ...options.routerOverrides,
      callbacks,
    });
  } catch (error) {
    if (error instanceof RouterConfigError)
      throw new ConfigError(located(error.issues), config.file, { cause: error });
    throw error;
  }
  // What only the built deployments know: keys their provider does not read, keys that are missing.
  const deploymentWarnings = located([
    ...router.configWarnings(),
    ...(await router.deployments())
      .filter((d) => d.misconfigured !== undefined)
      .map((d) => ({
        path: `model_list[${d.index}].litellm_params`,
        message: `deployment ${d.id} (model group ${d.modelGroup}) cannot call its upstream: ${d.misconfigured} Until then it is skipped, and calls it alone could serve answer 500 deployment_misconfigured`,
      })),
  ]);
  if (config.strict && deploymentWarnings.length > 0) {
    await router.close();
    throw new ConfigError(deploymentWarnings.map(strictIssue), config.file);
  }
  startupWarnings.push(...deploymentWarnings.map(formatIssue));
  const promptFree = new Map<string, boolean>();
  for (const d of await router.deployments()) {
    const free = d.capabilities.promptRequired === false;
    promptFree.set(d.modelGroup, (promptFree.get(d.modelGroup) ?? true) && free);
  }
  const responseFormats = new Map(
    (await router.deployments()).map((d) => [
      d.id,
      config.router.model_list[d.index]?.litellm_params.response_format,
    ]),
  );
  let imageUrls: ImageHosting;
  try {
    imageUrls = await createImageHosting(config.imageUrls ?? defaultImageUrlSettings(), {
      masterKey: config.masterKey,
      log: logger as FastifyBaseLogger,
      responseFormatOf: (id) => (id === undefined ? undefined : responseFormats.get(id)),
    });
  } catch (error) {
    await router.close();
    throw new ConfigError(
      located([{ path: 'general_settings.image_urls', message: (error as Error).message }]),
      config.file,
      { cause: error },
    );
  }
  startupWarnings.push(...imageUrls.startupWarnings);
  const groupsOf = groupIndex(config);
  const ownsStore = given !== false && !isStore(given);
  try {
    store =
      given === false
        ? undefined
        : isStore(given)
          ? given
          : await openStore({
              ...given,
              spendWriter: { maxQueued: config.spendLogQueueMax, ...given.spendWriter },
              onError: (error, where) => logger.warn({ err: { message: error.message }, where }, 'database'),
            });
  } catch (error) {
    await Promise.all([router.close(), imageUrls.close()]);
    throw error;
  }
  const keys = new KeyStore({
    masterKey: config.masterKey,
    keys: config.keys,
    database: store ? new DatabaseKeys(store) : undefined,
  });
  const configSeeds = store ? await configKeySeeds(store, config, logger) : undefined;

  const { limits } = config;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.maxRequestBytes,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // Node checks header and request deadlines every `connectionsCheckingInterval` (30 s by default).
    http: { headersTimeout: limits.headerTimeoutMs, connectionsCheckingInterval: 1000 },
    // A backstop: the body guard answers body deadlines itself, in OpenAI's shape.
    requestTimeout: limits.headerTimeoutMs + limits.bodyTimeoutMs + 5000,
    clientErrorHandler: clientErrorHandler(limits.headerTimeoutMs, (report) => {
      logger.info(
        { status: report.status, error_code: report.code, parser_code: report.parserCode },
        'client error',
      );
      metrics.observeRequest({ route: 'client_error', method: 'UNKNOWN', status: report.status }, 0);
    }),
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Requests that arrive during shutdown get our own OpenAI-shaped 503 (below).
    return503OnClosing: false,
    // A URL the router cannot read (bad percent-encoding, a path parameter too long) is answered
    // before any hook runs: in OpenAI's shape too, logged once at info and counted.
    frameworkErrors: (thrown, request, reply) => {
      const { status, body, headers, error } = toErrorReply(thrown);
      logger.info({ reqId: request.id, status, error_code: error.code }, 'client error');
      metrics.observeRequest({ route: 'client_error', method: request.method, status }, 0);
      // Typed for a route's schema; here there is none.
      (reply as unknown as FastifyReply)
        .code(status)
        .headers({ ...headers, 'x-request-id': request.id })
        .send(body);
    },
  });
  const connections = trackConnections(app.server);
  guardBodies(app.server, {
    maxBytes: limits.maxRequestBytes,
    bodyTimeoutMs: limits.bodyTimeoutMs,
    idleTimeoutMs: limits.idleTimeoutMs,
  });
  // After a burst, the uploads' buffers are freed once the proxy is idle, not at the next request.
  const idleMemory = releaseMemoryWhenIdle(app.server, {
    idleMs: config.idleMemoryReleaseMs,
    growthBytes: options.idleMemory?.growthBytes,
    busy: () => editsInFlight.size > 0,
    onRelease: ({ beforeBytes, afterBytes, ms }) => {
      metrics.observeIdleMemoryRelease();
      logger.debug(
        {
          heap_and_buffers_mib: [beforeBytes, afterBytes].map((b) => Math.round(b / 1048576)),
          gc_ms: Math.round(ms),
        },
        'idle: full garbage collection after a burst',
      );
    },
  });
  const ctx: ProxyContext = {
    config,
    router,
    keys,
    store,
    endUsers: store ? new EndUsers(store) : undefined,
    configSeeds,
    metrics,
    log: app.log,
    startedAt: Math.floor(Date.now() / 1000),
    groupsOf,
    promptOptional: (model) => {
      const groups = groupsOf(model);
      return groups.length > 0 && groups.every((g) => promptFree.get(g) === true);
    },
    closing: false,
    inFlight: editsInFlight,
    imageUrls,
  };
  // Multipart bodies are left unread here: the edit routes parse them as they arrive (request/multipart.ts).
  app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null));
  app.decorateRequest('retouch');
  const knownGroups = new Set(router.modelGroups());
  registerAccessLog(app, {
    metrics,
    knownGroup: (model) => {
      if (model === undefined) return undefined;
      if (knownGroups.has(model)) return model;
      const groups = groupsOf(model);
      return groups.length === 1 ? groups[0] : undefined;
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    // Readiness still answers (503 shutting_down), so that load balancers see the shutdown.
    if (!ctx.closing || request.url.startsWith('/health')) return;
    reply.header('connection', 'close');
    throw new ServiceUnavailableError({
      message: 'The proxy is shutting down; send the request again (another instance will take it).',
      code: 'shutting_down',
      isRetryable: true,
    });
  });
  app.addHook('preParsing', async (request) => {
    // A body that broke its bounds before any reader started.
    const breach = bodyBreach(request.raw);
    if (breach) throw breach;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler(async (thrown, request, reply) => {
    // The client is gone: its access-log line (499) is written; there is nobody to answer.
    if (request.retouch?.clientClosed) return reply;
    const { status, body, headers, error, unexpected } = toErrorReply(databaseOutage(thrown, request.url));
    if (request.retouch) request.retouch.errorCode = error.code ?? error.type;
    if (unexpected) request.log.error({ err: thrown }, 'unexpected error');
    if (!request.raw.complete) {
      // The body was not read to its end (a limit hit mid-upload): read and drop the rest so the
      // client gets this answer instead of a broken pipe, then close the connection.
      headers.connection = 'close';
      request.raw.resume();
    }
    return reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const error = new NotFoundError({
      message: `${request.method} ${request.url.split('?')[0]}: no such route (POST /v1/images/edits, GET /v1/models, /health, /metrics)`,
      code: 'not_found',
    });
    return reply.code(404).send(error.toJSON());
  });
  consoleUi?.register(app, ctx);
  registerEditRoutes(app, ctx);
  registerModelRoutes(app, ctx);
  registerModelInfoRoutes(app, ctx);
  registerKeyRoutes(app, ctx);
  registerSpendRoutes(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerHealthRoutes(app, ctx);
  registerMetricsRoute(app, ctx);
  registerImageFileRoute(app, imageUrls);

  for (const warning of startupWarnings) logger.warn(`config: ${warning}`);
  // Deprecated and retired models (and unlisted ids served by a family rule), once at start-up.
  for (const notice of router.lifecycleNotices()) {
    const { message, ...facts } = notice;
    logger.warn({ model_lifecycle: facts }, `model: ${message}`);
  }
  if (keys.open) {
    logger.warn(
      'no general_settings.master_key and no virtual keys: the proxy is OPEN — anyone who can reach it can spend your provider credits',
    );
  }
  const activeRouter = router;
  let shutdown: Promise<void> | undefined;
  return {
    app,
    router: activeRouter,
    config,
    async listen(listenOptions = {}) {
      const host = listenOptions.host ?? '0.0.0.0';
      await app.listen({ port: listenOptions.port ?? 4000, host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : listenOptions.port;
      const shown = host.includes(':') ? `[${host}]` : host;
      return `http://${shown}:${port}`;
    },
    close(closeOptions = {}) {
      shutdown ??= (async () => {
        const graceMs = closeOptions.graceMs ?? config.shutdownGraceMs;
        ctx.closing = true;
        idleMemory.close();
        // No new paid attempt from here: calls in flight finish their current one.
        activeRouter.drain();
        const closed = app.close();
        connections.drain();
        const grace = setTimeout(() => {
          const reason = new ServiceUnavailableError({
            message: `The proxy shut down and aborted this call after its ${Math.round(graceMs / 100) / 10} s grace period. The upstream may have received it, so it is not retried automatically.`,
            code: 'shutting_down',
            isRetryable: false,
          });
          for (const call of ctx.inFlight) call.abort(reason);
          // What is still open then (a body still arriving, an answer nobody reads) is cut.
          setTimeout(() => connections.destroyAll(), 500).unref();
        }, graceMs);
        try {
          await closed;
        } finally {
          clearTimeout(grace);
        }
        await activeRouter.close();
        if (store) {
          // Every spend row of the calls that finished is written before the process exits.
          if (ownsStore) await store.close(Math.max(graceMs, 5000));
          else await store.flushSpend();
        }
        await imageUrls.close();
      })();
      return shutdown;
    },
  };
}
