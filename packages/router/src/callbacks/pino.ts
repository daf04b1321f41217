/**
 * A pino logger callback: one structured line per event (the standard payload, nothing more).
 * @module
 */
import { type Logger, pino } from 'pino';
import type { RouterCallback, RouterLogPayload } from '../types.js';

function line(logger: Logger, level: 'debug' | 'info' | 'warn' | 'error', payload: RouterLogPayload): void {
  logger[level](payload, `image edit ${payload.event}`);
}

/**
 * Logs router events with pino: `start` at debug, `success` at info, `retry` and `fallback` at warn,
 * `failure` at error for upstream/server failures (5xx, no status) and at warn for the caller's own
 * (4xx). Lines carry the standard payload only: never image bytes, prompts or keys.
 *
 * @example
 * ```ts
 * import { pino } from 'pino';
 * const router = await Router.create({ model_list, callbacks: [pinoCallback(pino({ level: 'info' }))] });
 * ```
 */
export function pinoCallback(logger?: Logger): RouterCallback {
  const log = logger ?? pino({ name: '@retouch/router' });
  return {
    onStart: (p) => line(log, 'debug', p),
    onSuccess: (p) => line(log, 'info', p),
    onRetry: (p) => line(log, 'warn', p),
    onFallback: (p) => line(log, 'warn', p),
    onFailure: (p) => line(log, p.errorStatus === undefined || p.errorStatus >= 500 ? 'error' : 'warn', p),
  };
}
