/**
 * `withLocalFallback`: a shared `RouterState` (Redis) that degrades instead of failing. When a
 * shared call fails, it and every call for the next second use an in-process state instead; then
 * the shared one is tried again, and once it answers, spend recorded meanwhile is written back to
 * it. During an outage each instance routes on what it sees itself, and budgets are enforced on the
 * spend it last saw in the shared state plus its own since.
 * @module
 */
import type { SpendReport } from '../types.js';
import { createMemoryState } from './memory-state.js';
import type { BudgetLimit, BudgetReservation, ReserveResult, RouterState, SpendEntry } from './state.js';

/**
 * How the shared state is doing.
 *
 * @example
 * ```ts
 * const { degraded, reason }: StateHealth = router.stateHealth();
 * ```
 */
export interface StateHealth {
  /** Whether the router has a shared state at all (false: in memory, nothing to lose). */
  shared: boolean;
  /** True while calls use the in-process fallback because the shared state failed. */
  degraded: boolean;
  /** Epoch ms the outage began. */
  since?: number;
  /** The shared state's last error. */
  reason?: string;
}

/**
 * A `RouterState` that reports its health.
 *
 * @example
 * ```ts
 * const state: ResilientState = withLocalFallback(createRedisState({ port: 6379 }));
 * state.health().degraded; // false while Redis answers
 * ```
 */
export interface ResilientState extends RouterState {
  health(): StateHealth;
}

/**
 * Options of {@link withLocalFallback}.
 *
 * @example
 * ```ts
 * const options: LocalFallbackOptions = { retryMs: 500 };
 * ```
 */
export interface LocalFallbackOptions {
  /** How long after a failure calls skip the shared state before trying it again. Defaults to 1000. */
  retryMs?: number;
  /** Epoch ms. */
  now?: () => number;
}

/**
 * Spend recorded locally during an outage, written to the shared state once it is back (with the
 * release of its hold, if it was taken there). Bare releases are not kept: holds lapse by themselves.
 */
type Pending = { spend: SpendEntry; reservation?: BudgetReservation };

const scopeKey = (budget: BudgetLimit) => `${budget.scope}:${budget.id}`;

function addToReport(report: SpendReport, entries: readonly Pending[]): SpendReport {
  const out = structuredClone(report);
  const bump = (record: Record<string, number>, key: string | undefined, usd: number) => {
    if (key !== undefined) record[key] = (record[key] ?? 0) + usd;
  };
  for (const { spend } of entries) {
    if (spend.costUsd === null) {
      out.unpricedCalls += 1;
      continue;
    }
    out.totalUsd += spend.costUsd;
    bump(out.byDeployment, spend.deploymentId, spend.costUsd);
    bump(out.byModelGroup, spend.modelGroup, spend.costUsd);
    bump(out.byUser, spend.user, spend.costUsd);
    bump(out.byKey, spend.key, spend.costUsd);
  }
  return out;
}

const EMPTY_REPORT: SpendReport = {
  totalUsd: 0,
  byDeployment: {},
  byModelGroup: {},
  byUser: {},
  byKey: {},
  unpricedCalls: 0,
};

/**
 * Wraps a shared state so that its outage degrades routing instead of failing calls.
 *
 * @example
 * ```ts
 * import { createRedisState, Router, withLocalFallback } from '@retouch/router';
 *
 * const router = await Router.create({ model_list, state: withLocalFallback(createRedisState({ port: 6379 })) });
 * // Router.create does this itself for redis_host / redis_url and for a `state` it is given.
 * ```
 */
export function withLocalFallback(shared: RouterState, options: LocalFallbackOptions = {}): ResilientState {
  const retryMs = options.retryMs ?? 1000;
  const now = options.now ?? Date.now;
  let local = createMemoryState();
  let outage: { since: number; retryAt: number; reason: string } | undefined;
  let pending: Pending[] = [];
  let replaying: Promise<void> | undefined;
  /** Spend per budget the shared state last reported, and its last full report. */
  const knownSpend = new Map<string, number>();
  let lastReport: SpendReport | undefined;
  /** In-flight increments made locally, so that their decrements go to the same place. */
  const localInFlight = new Map<string, number>();

  const fail = (error: unknown) => {
    const reason = (error as Error)?.message ?? String(error);
    const at = now();
    if (!outage) {
      // A fresh local state per outage: what an earlier one recorded is already written back.
      local = createMemoryState();
      localInFlight.clear();
    }
    outage = { since: outage?.since ?? at, retryAt: at + retryMs, reason };
  };
  const replay = (): Promise<void> => {
    replaying ??= (async () => {
      while (pending.length > 0) {
        const [next] = pending;
        if (!next) break;
        try {
          if (next.reservation) await shared.settleBudget(next.reservation, next.spend);
          else await shared.addSpend(next.spend);
          pending = pending.slice(1);
        } catch (error) {
          fail(error);
          break;
        }
      }
    })().finally(() => {
      replaying = undefined;
    });
    return replaying;
  };
  async function run<T>(onShared: () => Promise<T>, onLocal: () => Promise<T>): Promise<T> {
    if (outage && now() < outage.retryAt) return onLocal();
    let value: T;
    try {
      value = await onShared();
    } catch (error) {
      fail(error);
      return onLocal();
    }
    if (outage) {
      outage = undefined;
      await replay();
    }
    return value;
  }
  const sharedBase = (budget: BudgetLimit) =>
    knownSpend.get(scopeKey(budget)) ??
    (budget.scope === 'key' ? lastReport?.byKey : lastReport?.byUser)?.[budget.id] ??
    0;
  const reserveLocally = async (reservation: BudgetReservation, at: number): Promise<ReserveResult> => {
    const bases = reservation.budgets.map(sharedBase);
    const result = await local.reserveBudget(
      {
        ...reservation,
        budgets: reservation.budgets.map((b, i) => ({
          ...b,
          maxUsd: b.maxUsd - (bases[i] ?? 0),
          seedUsd: Math.max(0, (b.seedUsd ?? 0) - (bases[i] ?? 0)),
        })),
      },
      at,
    );
    if (result.ok) return { ok: true, spentUsd: result.spentUsd.map((s, i) => s + (bases[i] ?? 0)) };
    const index = reservation.budgets.findIndex((b) => scopeKey(b) === scopeKey(result.budget));
    return {
      ok: false,
      budget: reservation.budgets[index] ?? result.budget,
      spentUsd: result.spentUsd + (bases[index] ?? 0),
      reservedUsd: result.reservedUsd,
    };
  };

  return {
    health: () =>
      outage
        ? { shared: true, degraded: true, since: outage.since, reason: outage.reason }
        : { shared: true, degraded: false },
    getStats: (ids, query) =>
      run(
        () => shared.getStats(ids, query),
        () => local.getStats(ids, query),
      ),
    setCooldown: (id, until) =>
      run(
        () => shared.setCooldown(id, until),
        () => local.setCooldown(id, until),
      ),
    recordFailure: (id, at, windowMs) =>
      run(
        () => shared.recordFailure(id, at, windowMs),
        () => local.recordFailure(id, at, windowMs),
      ),
    clearFailures: (id) =>
      run(
        () => shared.clearFailures(id),
        () => local.clearFailures(id),
      ),
    async addInFlight(id, delta) {
      const counted = localInFlight.get(id) ?? 0;
      if (delta < 0 && counted > 0) {
        localInFlight.set(id, counted - 1);
        return local.addInFlight(id, delta);
      }
      return run(
        () => shared.addInFlight(id, delta),
        async () => {
          if (delta > 0) localInFlight.set(id, (localInFlight.get(id) ?? 0) + 1);
          await local.addInFlight(id, delta);
        },
      );
    },
    recordLatency: (id, latencyMs) =>
      run(
        () => shared.recordLatency(id, latencyMs),
        () => local.recordLatency(id, latencyMs),
      ),
    recordUsage: (id, usage, at) =>
      run(
        () => shared.recordUsage(id, usage, at),
        () => local.recordUsage(id, usage, at),
      ),
    addSpend: (entry) =>
      run(
        () => shared.addSpend(entry),
        async () => {
          pending.push({ spend: entry });
          await local.addSpend(entry);
        },
      ),
    getSpend: () =>
      run(
        async () => {
          lastReport = await shared.getSpend();
          return lastReport;
        },
        async () => addToReport(lastReport ?? EMPTY_REPORT, pending),
      ),
    reserveBudget: (reservation, at) =>
      run(
        async () => {
          const result = await shared.reserveBudget(reservation, at);
          if (result.ok) {
            reservation.budgets.forEach((b, i) => {
              knownSpend.set(scopeKey(b), result.spentUsd[i] ?? 0);
            });
          }
          return result;
        },
        () => reserveLocally(reservation, at),
      ),
    settleBudget: (reservation, spend) =>
      run(
        () => shared.settleBudget(reservation, spend),
        async () => {
          // Written back later, releasing the shared hold too (if it was taken there).
          if (spend) pending.push({ spend, reservation });
          await local.settleBudget(reservation, spend);
        },
      ),
    countInWindow: (id, amount, limit, at) =>
      run(
        () => shared.countInWindow(id, amount, limit, at),
        () => local.countInWindow(id, amount, limit, at),
      ),
    async close() {
      await Promise.allSettled([local.close(), shared.close()]);
    },
  };
}
