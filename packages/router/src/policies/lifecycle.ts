/**
 * The outer links of a call: observe (start / success / failure events) and prepare (read the
 * images once for every retry and fallback).
 * @module
 */
import { getMeta, NotFoundError, prepareEditRequest, toRetouchError } from '@retouch/core';
import type { RouterLink, RouterOperation, RouterRuntime } from '../chain.js';
import type { RouterLogPayload } from '../types.js';
import { basePayload, errorFields } from '../callbacks/payload.js';

/** Tells the caller's `onSettled` how the call ended; what it throws stays there. */
function settled(op: RouterOperation, payload: RouterLogPayload, usage?: Record<string, unknown>): void {
  try {
    op.onSettled?.(usage === undefined ? { payload } : { payload, usage });
  } catch {
    // An observer never changes a call.
  }
}

/**
 * Emits `start`, then `success` (with the serving deployment, cost, attempts) or `failure`.
 *
 * @example
 * ```ts
 * createChain([observeLink(runtime), …], attemptStep(runtime));
 * ```
 */
export function observeLink(rt: RouterRuntime): RouterLink {
  return async (op, next) => {
    if (rt.emit.listens('start')) rt.emit(basePayload(op, 'start'));
    try {
      const response = await next(op);
      const meta = getMeta(response);
      const payload: RouterLogPayload = {
        ...basePayload(op, 'success'),
        modelGroup: meta.modelGroup ?? op.group,
        deploymentId: meta.deploymentId,
        provider: meta.provider,
        model: meta.model,
        latencyMs: meta.latencyMs,
        attempts: meta.attempts,
        costUsd: meta.costUsd,
        warnings: [...meta.warnings],
      };
      rt.emit(payload);
      settled(op, payload, response.usage as Record<string, unknown> | undefined);
      return response;
    } catch (thrown) {
      const error = toRetouchError(thrown);
      const failed = op.trace.lastFailure?.deployment;
      const payload: RouterLogPayload = {
        ...basePayload(op, 'failure'),
        ...(failed
          ? { deploymentId: failed.id, provider: failed.provider, model: failed.providerModel }
          : {}),
        ...errorFields(error),
      };
      rt.emit(payload);
      settled(op, payload);
      throw error;
    }
  };
}

/**
 * Fails with a 404 `model_not_found` (listing the groups) when `model` named no group or deployment.
 *
 * @example
 * ```ts
 * await router.imageEdit({ model: 'nope', image, prompt }); // NotFoundError: … Known: gpt-image-1, gemini-edit.
 * ```
 */
export function knownGroupLink<R>(rt: RouterRuntime): RouterLink<R> {
  return async (op, next) => {
    if (op.deployments.length > 0) return next(op);
    throw new NotFoundError({
      message: `model: no model group or deployment "${op.group}". Known: ${rt.index.groups().join(', ')}.`,
      param: 'model',
      code: 'model_not_found',
    });
  };
}

/**
 * Reads every input image once (core's `prepareEditRequest`), bounded by the call's signal. The
 * request's own `drop_params` and `response_format` stay as the caller sent them: each attempt
 * fills the gaps from its deployment's settings, then the router's (see `preparedFor`).
 *
 * @example
 * ```ts
 * createChain([prepareLink(runtime), fallbackLink(runtime), …], attemptStep(runtime));
 * ```
 */
export function prepareLink<R>(_rt: RouterRuntime): RouterLink<R> {
  return async (op, next) => {
    // The call's deadline and signal are the router's (op.signal); attempts get their own deadline.
    const { timeout: _timeout, signal: _signal, ...params } = op.params;
    const prepared = await prepareEditRequest({ ...params, signal: op.signal });
    return next({ ...op, prepared });
  };
}
