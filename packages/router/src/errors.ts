/**
 * The router's own errors. Each is a `RetouchError` (OpenAI-shaped body, HTTP status) like every
 * provider error, so callers handle one hierarchy.
 * @module
 */
import {
  BadRequestError,
  InternalServerError,
  RateLimitError,
  type RetouchError,
  ServiceUnavailableError,
} from '@retouch/core';
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

/** A deployment that cannot call its upstream as configured, and why. */
export interface MisconfiguredDeployment {
  deploymentId: string;
  modelGroup: string;
  /** What the provider says is missing (`openai: no API key. Set OPENAI_API_KEY, …`). */
  problem: string;
}

/**
 * 500 `deployment_misconfigured`: the deployments that could serve this request cannot call their
 * upstream as configured (no API key, no project). The server's configuration is at fault, not the
 * caller's request or key, so this is never a 401; it names each deployment and what it lacks.
 * Never retried; ordinary fallbacks apply.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof DeploymentMisconfiguredError) console.error(e.deployments.map((d) => d.problem)); }
 * ```
 */
export class DeploymentMisconfiguredError extends InternalServerError {
  readonly deployments: readonly MisconfiguredDeployment[];
  constructor(deployments: readonly MisconfiguredDeployment[], options: { cause?: unknown } = {}) {
    const lines = deployments.map(
      (d) => `deployment ${d.deploymentId} (model group ${d.modelGroup}): ${d.problem}`,
    );
    super({
      message: `The server is misconfigured, not your request: ${lines.join('; ')}. Its operator must fix the deployment's settings.`,
      code: 'deployment_misconfigured',
      isRetryable: false,
      cause: options.cause,
    });
    this.deployments = deployments;
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
    const who =
      budget.scope === 'user' ? `user "${budget.label ?? budget.id}"` : `key ${budget.label ?? budget.id}`;
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
