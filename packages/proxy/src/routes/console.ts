/**
 * The web console at `/ui`: the sign-in page (the only thing served without a key), the app and
 * its files for a signed-in session, and the small JSON API its pages read (`/ui/api/*`). Signing
 * in takes the master key or a virtual key with `admin: true`. Also records every edit request
 * for the Overview and Logs pages (see `console/recorder.ts`).
 * @module
 */
import {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
} from '@retouch/core';
import type { ConsoleSession } from '@retouch/proxy-console';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../auth.js';
import type { ConsoleRecorder, LogFilter } from '../console/recorder.js';
import { ConsoleSessions, cookieValue, SESSION_COOKIE } from '../console/sessions.js';
import type { ConsoleFiles, StaticFile } from '../console/static-files.js';
import { logsView } from '../console/logs-view.js';
import { keysView, modelsView, overviewView } from '../console/views.js';
import type { ProxyContext } from '../context.js';
import { toErrorReply } from '../errors.js';

/** What {@link registerConsoleRoutes} needs besides the app and the context. */
export interface ConsoleRouteOptions {
  recorder: ConsoleRecorder;
  /** The built console, or why it could not be read (the API still answers). */
  files: ConsoleFiles | { error: string };
  sessions?: ConsoleSessions;
}

const EDIT_ROUTES = new Set(['/v1/images/edits', '/images/edits', '/openai/deployments/:model/images/edits']);

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src * data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function intParam(value: unknown, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new BadRequestError({
      message: `${name}: expected a whole number from ${min} to ${max}, got "${String(value)}"`,
      param: name,
      code: 'invalid_value',
    });
  }
  return n;
}

const text = (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/**
 * Registers `/ui` and `/ui/api/*`, and the hooks that record edit requests for the console.
 *
 * @example
 * ```ts
 * const recorder = new ConsoleRecorder(); // its `callback` goes into the router's callbacks
 * registerConsoleRoutes(app, ctx, { recorder, files: await loadConsoleFiles(consoleAssetsDir()) });
 * // open http://127.0.0.1:4000/ui and sign in with the master key
 * ```
 */
export function registerConsoleRoutes(
  app: FastifyInstance,
  ctx: ProxyContext,
  options: ConsoleRouteOptions,
): void {
  const { recorder, files } = options;
  const sessions = options.sessions ?? new ConsoleSessions();
  const errorMessages = new WeakMap<FastifyRequest, string>();

  app.addHook('onError', async (request, _reply, error) => {
    if (EDIT_ROUTES.has(request.routeOptions.url ?? '')) {
      errorMessages.set(request, toErrorReply(error).error.message);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!EDIT_ROUTES.has(request.routeOptions.url ?? '')) return;
    const state = request.retouch ?? {};
    const outcome = recorder.takeOutcome(request.id);
    // A stream that broke after its 200 (an error event, a hang-up) failed all the same.
    const ok = reply.statusCode < 400 && !state.errorCode;
    recorder.record({
      requestId: request.id,
      at: Date.now(),
      status: reply.statusCode,
      ok,
      stream: state.stream === true,
      modelGroup: state.modelGroup ?? null,
      deployment: state.deploymentId ?? outcome?.deploymentId ?? null,
      provider: outcome?.provider ?? null,
      attempts: state.attempts ?? outcome?.attempts ?? null,
      costUsd: ok ? (state.costUsd ?? null) : null,
      latencyMs: Math.round(reply.elapsedTime),
      user: state.user ?? null,
      keyAlias: state.caller?.alias ?? null,
      keyHash: state.caller?.keyHash ?? null,
      errorCode: ok ? null : (state.errorCode ?? null),
      errorMessage: ok ? null : (errorMessages.get(request) ?? state.errorMessage ?? null),
    });
  });

  const refuseOpen = () => {
    if (!ctx.keys.open) return;
    throw new PermissionDeniedError({
      message:
        'The console needs a key: set general_settings.master_key (this proxy runs open, so anyone could use the console).',
      code: 'console_needs_master_key',
    });
  };

  /** The caller these headers name, when it may use the console; throws 401 / 403. */
  const adminBy = async (headers: FastifyRequest['headers']): Promise<Caller> => {
    const caller = await ctx.keys.authenticate(headers);
    if (!caller.isMaster && caller.admin !== true) {
      throw new PermissionDeniedError({
        message: `The console needs the master key or a virtual key with admin: true; key ${caller.alias} has neither.`,
        code: 'console_admin_required',
      });
    }
    return caller;
  };
  /** The admin calling, by session cookie or bearer key; throws 401 / 403. */
  const adminOf = async (request: FastifyRequest): Promise<Caller> => {
    refuseOpen();
    const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const sessionKey = sessions.keyOf(token);
    let caller: Caller;
    try {
      caller = await adminBy(sessionKey ? { authorization: `Bearer ${sessionKey}` } : request.headers);
    } catch (error) {
      // The key behind the session was revoked or changed: the session ends with it.
      if (sessionKey) sessions.close(token);
      throw error;
    }
    request.retouch.caller = caller;
    return caller;
  };
  const signedIn = async (request: FastifyRequest): Promise<boolean> =>
    adminOf(request).then(
      () => true,
      (error: unknown) => {
        if (error instanceof AuthenticationError) return false;
        throw error;
      },
    );

  const send = (request: FastifyRequest, reply: FastifyReply, file: StaticFile, cache: string) => {
    const gzip = file.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    reply.headers({
      ...SECURITY_HEADERS,
      'cache-control': cache,
      vary: 'accept-encoding',
      'content-type': file.type,
    });
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? file.gzip : file.body);
  };
  const built = (): ConsoleFiles => {
    if ('error' in files) {
      throw new ServiceUnavailableError({
        message: `The console is not built (${files.error}): run pnpm build.`,
        code: 'console_not_built',
        isRetryable: false,
      });
    }
    return files;
  };

  app.get('/ui', async (_request, reply) => reply.redirect('ui/', 302));
  app.get('/ui/', async (request, reply) => {
    refuseOpen();
    const { files: all } = built();
    const page = (await signedIn(request)) ? 'index.html' : 'login.html';
    return send(request, reply, all.get(page) as StaticFile, 'no-store');
  });
  app.get('/ui/assets/*', async (request, reply) => {
    refuseOpen();
    const { files: all, publicPaths } = built();
    const path = `assets/${(request.params as { '*': string })['*']}`;
    const file = all.get(path);
    if (!publicPaths.has(path)) await adminOf(request);
    if (!file) throw new NotFoundError({ message: `/ui/${path}: no such file`, code: 'not_found' });
    // Hashed names: a file's content never changes under its name.
    return send(request, reply, file, 'private, max-age=31536000, immutable');
  });

  app.post('/ui/api/login', async (request, reply) => {
    refuseOpen();
    if (!sessions.mayTry(request.ip)) {
      throw new RateLimitError({
        message: 'Too many failed sign-ins from this address: wait a minute.',
        code: 'rate_limit_exceeded',
        retryAfterMs: 60_000,
      });
    }
    const key = text((request.body as { key?: unknown } | undefined)?.key);
    if (!key) {
      throw new BadRequestError({
        message: 'key: required (the master key or an admin key)',
        param: 'key',
        code: 'missing_key',
      });
    }
    let caller: Caller;
    try {
      caller = await adminBy({ authorization: `Bearer ${key}` });
    } catch (error) {
      sessions.failed(request.ip);
      throw error;
    }
    const token = sessions.open(key);
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${token}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(sessions.ttlMs / 1000)}${secure}`,
    );
    return reply.headers(SECURITY_HEADERS).send({ alias: caller.alias, master: caller.isMaster });
  });
  app.post('/ui/api/logout', async (request, reply) => {
    sessions.close(cookieValue(request.headers.cookie, SESSION_COOKIE));
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0`);
    return { signed_out: true };
  });

  const api = { onRequest: async (request: FastifyRequest) => void (await adminOf(request)) };
  app.get('/ui/api/session', api, async (request): Promise<ConsoleSession> => {
    const caller = request.retouch.caller as Caller;
    return {
      alias: caller.alias,
      master: caller.isMaster,
      // The routes always exist; they answer only with a database.
      keyApi: ctx.store !== undefined && app.hasRoute({ method: 'POST', url: '/key/generate' }),
      spendLogs: ctx.store !== undefined && app.hasRoute({ method: 'GET', url: '/spend/logs' }),
    };
  });
  app.get('/ui/api/overview', api, async (request) => {
    const query = request.query as Record<string, unknown>;
    return overviewView(ctx, recorder, intParam(query.minutes, 60, 1, 1440, 'minutes'));
  });
  app.get('/ui/api/logs', api, async (request) => {
    const query = request.query as Record<string, unknown>;
    const status = text(query.status);
    if (status !== undefined && status !== 'ok' && status !== 'error') {
      throw new BadRequestError({
        message: `status: expected ok or error, got "${status}"`,
        param: 'status',
        code: 'invalid_value',
      });
    }
    const filter: LogFilter & { limit: number } = {
      status,
      model: text(query.model),
      key: text(query.key),
      user: text(query.user),
      requestId: text(query.request),
      limit: intParam(query.limit, 100, 1, recorder.capacity, 'limit'),
    };
    return logsView(ctx, recorder, filter);
  });
  app.get('/ui/api/models', api, async () => modelsView(ctx));
  app.get('/ui/api/keys', api, async () => keysView(ctx));
}
