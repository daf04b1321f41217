/**
 * The `onRequest` hook of every authenticated route: who is calling (401 otherwise), and for edits
 * the per-key rpm limit and the body size announced by `Content-Length` (413 before reading it).
 * @module
 */
import { BadRequestError } from '@retouch/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProxyContext } from '../context.js';
import { checkRateLimits } from '../rate-limits.js';

/**
 * Builds the `onRequest` hook.
 *
 * @example
 * ```ts
 * app.get('/v1/models', { onRequest: authenticate(ctx) }, handler);
 * ```
 */
export function authenticate(ctx: ProxyContext, options: { edit?: boolean } = {}) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const caller = await ctx.keys.authenticate(request.headers);
    request.retouch.caller = caller;
    if (!options.edit) return;
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > ctx.config.limits.maxRequestBytes) {
      throw new BadRequestError({
        message: `request: the body is ${length} bytes; this proxy accepts up to ${ctx.config.limits.maxRequestBytes}`,
        param: null,
        code: 'request_too_large',
        status: 413,
      });
    }
    await checkRateLimits(ctx.router, caller);
  };
}
