/**
 * Building the one standard log payload, and delivering it to callbacks without ever letting a
 * callback break or slow a call. Payloads carry names, ids, numbers and redacted error messages:
 * never image bytes, prompts or keys.
 * @module
 */
import type { RetouchError } from '@retouch/core';
import type { RouterOperation } from '../chain.js';
import type { Deployment } from '../deployments.js';
import type { RouterCallback, RouterLogPayload } from '../types.js';

/**
 * The payload fields every event of an operation shares.
 *
 * @example
 * ```ts
 * emit({ ...basePayload(op, 'retry'), ...errorFields(error) });
 * ```
 */
export function basePayload(op: RouterOperation, event: RouterLogPayload['event']): RouterLogPayload {
  const streamed: Pick<RouterLogPayload, 'stream' | 'timeToFirstEventMs'> = {};
  if (op.stream) streamed.stream = true;
  if (op.trace.firstEventAt !== undefined && event !== 'start') {
    streamed.timeToFirstEventMs = Math.round(op.trace.firstEventAt - op.trace.startedAt);
  }
  return {
    ...streamed,
    event,
    requestId: op.requestId,
    modelGroup: op.group,
    user: op.user,
    apiKeyHash: op.apiKeyHash,
    attempts: op.trace.attempts,
    latencyMs: Math.round(performance.now() - op.trace.startedAt),
    warnings: [...op.trace.warnings],
  };
}

/**
 * The error fields of a payload.
 *
 * @example
 * ```ts
 * errorFields(new RateLimitError({ message: 'slow down' })); // { errorClass: 'RateLimitError', errorStatus: 429, … }
 * ```
 */
export function errorFields(
  error: RetouchError,
): Pick<RouterLogPayload, 'errorClass' | 'errorStatus' | 'errorMessage'> {
  return { errorClass: error.name, errorStatus: error.status, errorMessage: error.message };
}

/**
 * The deployment fields of a payload.
 *
 * @example
 * ```ts
 * deploymentFields(deployment); // { deploymentId: 'openai-east', provider: 'openai', model: 'gpt-image-1' }
 * ```
 */
export function deploymentFields(
  deployment: Deployment | undefined,
): Pick<RouterLogPayload, 'deploymentId' | 'provider' | 'model'> {
  if (!deployment) return {};
  return { deploymentId: deployment.id, provider: deployment.provider, model: deployment.providerModel };
}

const HANDLERS = {
  start: 'onStart',
  success: 'onSuccess',
  failure: 'onFailure',
  retry: 'onRetry',
  fallback: 'onFallback',
} as const satisfies Record<RouterLogPayload['event'], keyof RouterCallback>;

/** Sends a payload to the callbacks that handle its event. */
export interface Emitter {
  (payload: RouterLogPayload): void;
  /** Whether any callback handles `event`: a payload nobody reads is not built. */
  listens(event: RouterLogPayload['event']): boolean;
}

/**
 * An `emit` that gives each callback its own copy of the payload, does not wait for async
 * callbacks, and swallows whatever they throw.
 *
 * @example
 * ```ts
 * const emit = createEmitter([pinoCallback(), { onSuccess: (p) => metrics.add(p.costUsd ?? 0) }]);
 * if (emit.listens('start')) emit(basePayload(op, 'start'));
 * ```
 */
export function createEmitter(callbacks: readonly RouterCallback[]): Emitter {
  const emit = (payload: RouterLogPayload) => {
    const name = HANDLERS[payload.event];
    for (const callback of callbacks) {
      const handler = callback[name];
      if (typeof handler !== 'function') continue;
      try {
        const result = handler.call(callback, { ...payload, warnings: [...payload.warnings] });
        if (result && typeof (result as Promise<void>).then === 'function') {
          (result as Promise<void>).then(undefined, () => {});
        }
      } catch {
        // A broken callback must not break the call.
      }
    }
  };
  // Asked each time (a few `typeof`s): a callback object may gain a handler after the router is made.
  const listens = (event: RouterLogPayload['event']) =>
    callbacks.some((callback) => typeof callback[HANDLERS[event]] === 'function');
  return Object.assign(emit, { listens });
}
