/**
 * The router's own errors. Each is a `RetouchError` (OpenAI-shaped body, HTTP status) like every
 * provider error, so callers handle one hierarchy.
 * @module
 */
import { BadRequestError, RateLimitError, type RetouchError, ServiceUnavailableError } from '@retouch/core';
import type { BudgetLimit } from './state/state.js';

/**
 * 429: every deployment of the group is cooling down (or over its rpm/tpm limit).
 * `retryAfterMs` says when the first one comes back.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof NoDeploymentAvailableError) res.setHeader('retry-after', Math.ceil(e.retryAfterMs! / 1000)); }
 * ```
 */
export class NoDeploymentAvailableError extends RateLimitError {
  constructor(group: string, retryAfterMs: number | undefined, why = 'are cooling down') {
    const wait = retryAfterMs === undefined ? '' : ` Try again in ${Math.ceil(retryAfterMs / 1000)} s.`;
    super({
      message: `No deployments available for model group "${group}": all ${why}.${wait}`,
      code: 'no_deployments_available',
      param: 'model',
      retryAfterMs,
    });
  }
}

/**
 * Why one deployment cannot serve a request.
 *
 * @example
 * ```ts
 * error.reasons.map((r: IncapableReason) => `${r.deploymentId}: ${r.error.message}`);
 * ```
 */
export interface IncapableReason {
  deploymentId: string;
  modelGroup: string;
  /** `provider/model`. */
  model: string;
  error: RetouchError;
}

function common<T>(values: T[]): T | undefined {
  const [first] = values;
  return values.every((v) => v === first) ? first : undefined;
}

/**
 * 400: no deployment of the group(s) can take this request (mask, number of images, size, n, …);
 * the message says why per deployment. `status`, `param` and `code` are the deployments' own when
 * they all agree (e.g. `unsupported_parameter` on `mask`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof NoCapableDeploymentError) console.log(e.reasons.map((r) => r.error.message)); }
 * ```
 */
export class NoCapableDeploymentError extends BadRequestError {
  readonly reasons: readonly IncapableReason[];
  constructor(groups: readonly string[], reasons: readonly IncapableReason[]) {
    const lines = reasons.map((r) => `deployment ${r.deploymentId} (${r.model}): ${r.error.message}`);
    const named = groups.map((g) => `"${g}"`).join(', ');
    super({
      message: `No deployment of model group ${named} can serve this request. ${lines.join('; ')}`,
      param: common(reasons.map((r) => r.error.param)) ?? null,
      code: common(reasons.map((r) => r.error.code)) ?? 'no_capable_deployment',
      status: common(reasons.map((r) => r.error.status)) ?? 400,
    });
    this.reasons = reasons;
  }
}

/**
 * 429 `budget_exceeded`: a key's or an end-user's budget is spent (or held by calls in flight).
 * Never retried, never a reason to fall back.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof BudgetExceededError) console.log(e.budget.scope, e.spentUsd, e.reservedUsd); }
 * ```
 */
export class BudgetExceededError extends RateLimitError {
  readonly budget: BudgetLimit;
  readonly spentUsd: number;
  /** What calls still in flight hold against the budget. */
  readonly reservedUsd: number;
  constructor(budget: BudgetLimit, spentUsd: number, reservedUsd = 0) {
    const who = budget.scope === 'user' ? `user "${budget.id}"` : `key ${budget.label ?? budget.id}`;
    const limit = budget.scope === 'user' ? 'max_end_user_budget' : 'max_budget';
    const held = reservedUsd > 0 ? ` (+$${reservedUsd.toFixed(6)} held by calls in flight)` : '';
    super({
      message: `Budget exceeded for ${who}: spent $${spentUsd.toFixed(6)}${held} of ${limit} $${budget.maxUsd}.`,
      code: 'budget_exceeded',
      param: budget.scope === 'user' ? 'user' : null,
      isRetryable: false,
    });
    this.budget = budget;
    this.spentUsd = spentUsd;
    this.reservedUsd = reservedUsd;
  }
}

/**
 * The router was closed; no new calls.
 *
 * @example
 * ```ts
 * await router.close();
 * await router.imageEdit(params); // throws RouterClosedError (503)
 * ```
 */
export class RouterClosedError extends ServiceUnavailableError {
  constructor() {
    super({ message: 'The router is closed.', code: 'router_closed', isRetryable: false });
  }
}
