/**
 * Cooldowns: which failures bench a deployment, and for how long. Error classes decide:
 * - 429: at once, for the deployment's `cooldown_time`, else the upstream's `Retry-After`, else the
 *   router's `cooldown_time`;
 * - 401, 403, 404 (the deployment's key, access or model is wrong): at once;
 * - 408, 5xx and connection errors: counted; more than `allowed_fails` within a minute cools it down;
 * - 400-class validation errors, content-policy refusals and caller aborts: never (they are about
 *   the request, not the deployment; LiteLLM #5225, sub2api #6270).
 * A cooldown is only ever extended, never shortened (LiteLLM #40130).
 * @module
 */
import { RateLimitError, type RetouchError } from '@retouch/core';
import { guarded, type RouterOperation, type RouterRuntime } from '../chain.js';
import type { Deployment } from '../deployments.js';
import { DEFAULTS } from '../settings.js';
import { isContentPolicyError } from './content-policy.js';

/**
 * What a failure does to the deployment's health.
 *
 * @example
 * ```ts
 * const effect: FailureEffect = failureEffect(error); // 'none' | 'cooldown' | 'count'
 * ```
 */
export type FailureEffect = 'none' | 'cooldown' | 'count';

/**
 * The effect of an attempt's error on its deployment.
 *
 * @example
 * ```ts
 * failureEffect(new RateLimitError({ message: 'slow down' })); // 'cooldown'
 * failureEffect(new ContentPolicyViolationError({ message: 'refused' })); // 'none'
 * ```
 */
export function failureEffect(error: RetouchError): FailureEffect {
  if (isContentPolicyError(error)) return 'none';
  const status = error.status;
  if (status === undefined) return 'count';
  if (status === 429 || status === 401 || status === 403 || status === 404) return 'cooldown';
  if (status === 408 || status >= 500) return 'count';
  return 'none';
}

/**
 * How long a deployment cools down after `error`, in ms (0: not at all).
 *
 * @example
 * ```ts
 * cooldownMs(deployment, rateLimitWithRetryAfter2s, 5000); // 2000
 * ```
 */
export function cooldownMs(deployment: Deployment, error: RetouchError, routerCooldownMs: number): number {
  if (deployment.cooldownMs !== undefined) return deployment.cooldownMs;
  if (routerCooldownMs === 0) return 0;
  if (error instanceof RateLimitError && error.retryAfterMs !== undefined) return error.retryAfterMs;
  return routerCooldownMs;
}

/**
 * Records a failed attempt and cools the deployment down when its error calls for it. Returns the
 * cooldown's end (epoch ms) when one was set.
 *
 * @example
 * ```ts
 * const until = await recordAttemptFailure(runtime, op, deployment, error);
 * ```
 */
export async function recordAttemptFailure(
  rt: RouterRuntime,
  op: RouterOperation,
  deployment: Deployment,
  error: RetouchError,
): Promise<number | undefined> {
  const effect = failureEffect(error);
  if (effect === 'none') return undefined;
  const now = rt.now();
  if (effect === 'count') {
    const failures = await guarded(
      op,
      rt.state.recordFailure(deployment.id, now, DEFAULTS.failureWindowMs),
      0,
    );
    if (failures <= (deployment.allowedFails ?? rt.settings.allowedFails)) return undefined;
  }
  const duration = cooldownMs(deployment, error, rt.settings.cooldownMs);
  if (duration <= 0) return undefined;
  const until = await guarded(op, rt.state.setCooldown(deployment.id, now + duration), undefined);
  await guarded(op, rt.state.clearFailures(deployment.id), undefined);
  return until;
}
