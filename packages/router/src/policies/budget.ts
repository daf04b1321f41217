/**
 * The budget link: before any upstream call, hold the call's estimated cost against every budget it
 * is subject to (the caller's `budgets` and the end-user's `max_end_user_budget`, unless the caller
 * gave the end-user's budget), atomically in
 * the shared state; settle after, releasing the hold and recording the real cost in one step. So
 * concurrent calls cannot spend past a budget by more than one call's estimate, on one instance or
 * many.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { roundUsd } from '@retouch/core';
import type { RouterLink, RouterOperation, RouterRuntime } from '../chain.js';
import type { Deployment } from '../deployments.js';
import { BudgetExceededError } from '../errors.js';
import type { BudgetLimit, BudgetReservation } from '../state/state.js';
import { allowedFallbackTargets } from './fallback.js';
import { estimateCost } from './strategies.js';

/** How long a hold outlives the call's deadline (or lasts without one) before it lapses by itself. */
const HOLD_SLACK_MS = 60_000;
const HOLD_WITHOUT_DEADLINE_MS = 10 * 60_000;

/**
 * Every deployment a call may reach: its group's, and those of the fallback groups (ordinary and
 * content-policy, transitively) the caller may use.
 *
 * @example
 * ```ts
 * reachableDeployments(runtime, op).map((d) => d.id); // ['openai-east', 'gemini-eu']
 * ```
 */
export function reachableDeployments(rt: RouterRuntime, op: RouterOperation): Deployment[] {
  const seen = new Set([op.group]);
  const queue = [op.group];
  const found = [...op.deployments];
  for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
    for (const kind of ['general', 'content_policy'] as const) {
      for (const target of allowedFallbackTargets(rt.settings, group, kind, op.allowedGroups)) {
        if (seen.has(target)) continue;
        seen.add(target);
        const resolved = rt.index.resolve(target);
        if (!resolved) continue;
        found.push(...resolved.deployments);
        queue.push(resolved.group);
      }
    }
  }
  return found;
}

/**
 * The most a call may cost: the highest estimate among the deployments it may reach (unpriced ones
 * count 0; they add nothing to spend either).
 *
 * @example
 * ```ts
 * estimateCallCost(runtime, op); // 0.042
 * ```
 */
export function estimateCallCost(rt: RouterRuntime, op: RouterOperation): number {
  let most = 0;
  for (const deployment of reachableDeployments(rt, op)) {
    const cost = estimateCost(deployment, op.prepared);
    if (cost !== null && cost > most) most = cost;
  }
  return roundUsd(most);
}

/**
 * The budgets of an operation: the caller's, plus `max_end_user_budget` for its end-user unless the
 * caller gave an end-user budget itself (a proxy with a database gives the end-user's own budget,
 * or `max_end_user_budget` counted from the spend the database holds, which survives restarts).
 */
function budgetsOf(rt: RouterRuntime, op: RouterOperation): BudgetLimit[] {
  const budgets = [...(op.budgets ?? [])];
  const perUser = rt.settings.maxEndUserBudget;
  if (perUser !== undefined && op.user !== undefined && !budgets.some((b) => b.scope === 'user')) {
    budgets.push({ scope: 'user', id: op.user, maxUsd: perUser });
  }
  return budgets;
}

/**
 * Reserves before the rest of the chain runs and settles after. A state outage is the state's to
 * absorb (see `withLocalFallback`); a refusal is a 429 `budget_exceeded`.
 *
 * @example
 * ```ts
 * createChain([prepareLink(runtime), budgetLink(runtime), fallbackLink(runtime), …], attemptStep(runtime));
 * ```
 */
export function budgetLink(rt: RouterRuntime): RouterLink {
  return async (op, next) => {
    const budgets = budgetsOf(rt, op);
    if (budgets.length === 0) return next(op);
    const now = rt.now();
    const reservation: BudgetReservation = {
      id: `${op.requestId}:${randomUUID()}`,
      amountUsd: estimateCallCost(rt, op),
      budgets,
      expiresAt: (op.deadline ?? now + HOLD_WITHOUT_DEADLINE_MS) + HOLD_SLACK_MS,
    };
    const result = await rt.state.reserveBudget(reservation, now);
    if (!result.ok) throw new BudgetExceededError(result.budget, result.spentUsd, result.reservedUsd);
    try {
      // The attempt that succeeds settles with its real cost; this release is then a no-op.
      return await next({ ...op, reservation });
    } finally {
      await rt.state.settleBudget(reservation).catch(() => {});
    }
  };
}
