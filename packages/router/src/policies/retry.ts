/**
 * Retries within a model group. Only retryable classes are retried (429, 5xx, connection errors),
 * plus 401/403/404 when another healthy deployment can take the retry; never validation errors or
 * content-policy refusals; never a call that reached the upstream and was cut off (a timeout, a
 * reset, a cut 200 body: the provider may have made, and billed, the image) unless `retry_on_timeout`. The wait is 0 when another healthy deployment is left, else the
 * upstream's `Retry-After` (or the first cooldown's end), else exponential backoff with jitter;
 * never below `retry_after`.
 * @module
 */
import { abortError, RateLimitError, type RetouchError, toRetouchError } from '@retouch/core';
import { notRetried, type RouterLink, type RouterOperation, type RouterRuntime } from '../chain.js';
import { basePayload, deploymentFields, errorFields } from '../callbacks/payload.js';
import { NoDeploymentAvailableError } from '../errors.js';
import type { RouterSettings } from '../settings.js';
import { isContentPolicyError } from './content-policy.js';
import { hasFallbacks } from './fallback.js';
import { hasFreshCandidate } from './select.js';

/**
 * Backoff constants (LiteLLM's).
 *
 * @example
 * ```ts
 * BACKOFF.maxMs; // 8000
 * ```
 */
export const BACKOFF = {
  initialMs: 500,
  maxMs: 8000,
  /** The wait is scaled by a random factor in [1 - jitter, 1]. */
  jitter: 0.75,
  /** A wait longer than this (`Retry-After`, cooldown end) is not waited for: the error goes back to the caller. */
  maxRetryAfterMs: 10_000,
  /** Added to waits for a cooldown to end, so the retry does not arrive a moment early. */
  slackMs: 25,
} as const;

/**
 * Exponential backoff with jitter for the `retry`-th retry (0-based).
 *
 * @example
 * ```ts
 * backoffMs(0, () => 0.5); // 312.5 (500 ms scaled by 1 - 0.75 * 0.5)
 * ```
 */
export function backoffMs(retry: number, random: () => number): number {
  const base = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** retry);
  return base * (1 - BACKOFF.jitter * random());
}

/**
 * Whether the error class may be retried at all (the caller also checks for another deployment).
 *
 * @example
 * ```ts
 * isRetryableError(new TimeoutError({ message: 'slow' }), { retryOnTimeout: false }); // false
 * ```
 */
export function isRetryableError(
  error: RetouchError,
  settings: Pick<RouterSettings, 'retryOnTimeout'>,
): boolean {
  if (isContentPolicyError(error)) return false;
  if (error.status === 408 || error.reachedUpstream === true) return settings.retryOnTimeout;
  return error.isRetryable;
}

const DEPLOYMENT_FAULTS = new Set([401, 403, 404]);

/**
 * Waits `ms`, or rejects as soon as `signal` aborts.
 *
 * @example
 * ```ts
 * await sleep(250, op.signal);
 * ```
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** How long to wait before retrying, or `undefined` to give up now. */
async function retryDelay(
  rt: RouterRuntime,
  op: RouterOperation,
  error: RetouchError,
  retry: number,
): Promise<number | undefined> {
  let delay: number;
  if (error instanceof NoDeploymentAvailableError) {
    // Every deployment is cooling down or at its limit: wait for the first to come back.
    delay = (error.retryAfterMs ?? backoffMs(retry, rt.random)) + BACKOFF.slackMs;
  } else if (await hasFreshCandidate(rt, op)) delay = 0;
  else if (DEPLOYMENT_FAULTS.has(error.status ?? 0)) return undefined;
  else if (error instanceof RateLimitError && error.retryAfterMs !== undefined) {
    delay = Math.max(error.retryAfterMs + BACKOFF.slackMs, rt.settings.retryAfterMs);
  } else delay = Math.max(backoffMs(retry, rt.random), rt.settings.retryAfterMs);
  if (delay > BACKOFF.maxRetryAfterMs) return undefined;
  if (op.deadline !== undefined && rt.now() + delay >= op.deadline) return undefined;
  return delay;
}

/**
 * Retries the rest of the chain (select + attempt) up to `num_retries` times.
 *
 * @example
 * ```ts
 * createChain([retryLink(runtime), selectLink(runtime)], attemptStep(runtime));
 * ```
 */
export function retryLink(rt: RouterRuntime): RouterLink {
  return async (op, next) => {
    for (let retry = 0; ; retry++) {
      try {
        return await next(op);
      } catch (thrown) {
        const error = toRetouchError(thrown);
        // A stream that has begun is not replayed.
        if (op.trace.firstEventAt !== undefined) throw error;
        if (op.signal.aborted || retry >= rt.settings.numRetries) throw error;
        if (rt.lifecycle.draining) throw notRetried(op, error);
        const retryable = isRetryableError(error, rt.settings) || DEPLOYMENT_FAULTS.has(error.status ?? 0);
        if (!retryable) throw error;
        // Every deployment is cooling down and fallbacks exist: go to them now instead of waiting.
        if (error instanceof NoDeploymentAvailableError && hasFallbacks(rt, op)) throw error;
        const delay = await retryDelay(rt, op, error, retry);
        if (delay === undefined) throw error;
        const failed = op.trace.lastFailure?.error === error ? op.trace.lastFailure.deployment : undefined;
        rt.emit({ ...basePayload(op, 'retry'), ...deploymentFields(failed), ...errorFields(error) });
        if (delay > 0) await sleep(delay, op.signal);
        if (rt.lifecycle.draining) throw notRetried(op, error);
      }
    }
  };
}
