/**
 * The in-memory `RouterState`: the default, for one process.
 * @module
 */
import { roundUsd } from '@retouch/core';
import type { SpendReport } from '../types.js';
import {
  type BudgetLimit,
  type DeploymentStats,
  emptyStats,
  extraBudgets,
  LATENCY_ALPHA,
  minuteOf,
  type RouterState,
  type SpendEntry,
  type StatsQuery,
} from './state.js';

interface Entry {
  cooldownUntil: number;
  failures: number[];
  inFlight: number;
  latencyMs?: number;
  minute: number;
  requests: number;
  tokens: number;
}

function add(record: Record<string, number>, key: string | undefined, value: number): void {
  if (key === undefined) return;
  record[key] = roundUsd((record[key] ?? 0) + value);
}

/**
 * Creates a `RouterState` that lives in this process.
 *
 * @example
 * ```ts
 * const router = await Router.create({ model_list, state: createMemoryState() });
 * ```
 */
export function createMemoryState(): RouterState {
  const entries = new Map<string, Entry>();
  const windows = new Map<string, { minute: number; count: number }>();
  const spend: SpendReport = {
    totalUsd: 0,
    byDeployment: {},
    byModelGroup: {},
    byUser: {},
    byKey: {},
    unpricedCalls: 0,
  };

  /** `scope:id` → reservation id → held amount and expiry. */
  const holds = new Map<string, Map<string, { amountUsd: number; expiresAt: number }>>();
  const holdsOf = (budget: BudgetLimit) => {
    const name = `${budget.scope}:${budget.id}`;
    let found = holds.get(name);
    if (!found) {
      found = new Map();
      holds.set(name, found);
    }
    return found;
  };
  const spentOf = (budget: BudgetLimit) => {
    const record = budget.scope === 'key' ? spend.byKey : spend.byUser;
    // The first sight of a budget starts it from its seed (spend a database counted before).
    if (record[budget.id] === undefined && (budget.seedUsd ?? 0) > 0)
      record[budget.id] = budget.seedUsd as number;
    return record[budget.id] ?? 0;
  };
  const recordSpend = (item: SpendEntry) => {
    if (item.costUsd === null) {
      spend.unpricedCalls += 1;
      return;
    }
    spend.totalUsd = roundUsd(spend.totalUsd + item.costUsd);
    add(spend.byDeployment, item.deploymentId, item.costUsd);
    add(spend.byModelGroup, item.modelGroup, item.costUsd);
    add(spend.byUser, item.user, item.costUsd);
    add(spend.byKey, item.key, item.costUsd);
  };

  const entry = (id: string): Entry => {
    let found = entries.get(id);
    if (!found) {
      found = { cooldownUntil: 0, failures: [], inFlight: 0, minute: 0, requests: 0, tokens: 0 };
      entries.set(id, found);
    }
    return found;
  };
  const prune = (e: Entry, now: number, windowMs: number) => {
    const from = now - windowMs;
    let drop = 0;
    while (drop < e.failures.length && (e.failures[drop] as number) <= from) drop++;
    if (drop > 0) e.failures.splice(0, drop);
  };

  return {
    async getStats(ids: readonly string[], query: StatsQuery): Promise<Map<string, DeploymentStats>> {
      const result = new Map<string, DeploymentStats>();
      const minute = minuteOf(query.now);
      for (const id of ids) {
        const stats = emptyStats();
        const e = entries.get(id);
        if (e) {
          if (e.cooldownUntil > query.now) stats.coolingDownUntil = e.cooldownUntil;
          stats.inFlight = e.inFlight;
          stats.latencyMs = e.latencyMs;
          if (e.minute === minute) {
            stats.requestsThisMinute = e.requests;
            stats.tokensThisMinute = e.tokens;
          }
          if (query.failuresWindowMs !== undefined) {
            prune(e, query.now, query.failuresWindowMs);
            stats.failures = e.failures.length;
          }
        }
        result.set(id, stats);
      }
      return result;
    },
    async setCooldown(id, until) {
      const e = entry(id);
      e.cooldownUntil = Math.max(e.cooldownUntil, until);
      return e.cooldownUntil;
    },
    async recordFailure(id, now, windowMs) {
      const e = entry(id);
      e.failures.push(now);
      prune(e, now, windowMs);
      return e.failures.length;
    },
    async clearFailures(id) {
      entry(id).failures.length = 0;
    },
    async addInFlight(id, delta) {
      const e = entry(id);
      e.inFlight = Math.max(0, e.inFlight + delta);
    },
    async recordLatency(id, latencyMs) {
      const e = entry(id);
      e.latencyMs =
        e.latencyMs === undefined ? latencyMs : LATENCY_ALPHA * latencyMs + (1 - LATENCY_ALPHA) * e.latencyMs;
    },
    async recordUsage(id, usage, now) {
      const e = entry(id);
      const minute = minuteOf(now);
      if (e.minute !== minute) {
        e.minute = minute;
        e.requests = 0;
        e.tokens = 0;
      }
      e.requests += usage.requests;
      e.tokens += usage.tokens;
    },
    async addSpend(item: SpendEntry) {
      recordSpend(item);
    },
    async getSpend() {
      return structuredClone(spend);
    },
    async reserveBudget(reservation, now) {
      // One synchronous pass: nothing can interleave between the check and the hold.
      const spent: number[] = [];
      for (const budget of reservation.budgets) {
        const held = holdsOf(budget);
        let reserved = 0;
        for (const [id, hold] of held) {
          if (hold.expiresAt <= now) held.delete(id);
          else reserved += hold.amountUsd;
        }
        const spentUsd = spentOf(budget);
        if (spentUsd + reserved >= budget.maxUsd) {
          return { ok: false, budget, spentUsd, reservedUsd: roundUsd(reserved) };
        }
        spent.push(spentUsd);
      }
      for (const budget of reservation.budgets) {
        holdsOf(budget).set(reservation.id, {
          amountUsd: reservation.amountUsd,
          expiresAt: reservation.expiresAt,
        });
      }
      return { ok: true, spentUsd: spent };
    },
    async settleBudget(reservation, item) {
      for (const budget of reservation.budgets)
        holds.get(`${budget.scope}:${budget.id}`)?.delete(reservation.id);
      if (item) {
        recordSpend(item);
        if (item.costUsd !== null) {
          for (const budget of extraBudgets(reservation, item))
            add(budget.scope === 'key' ? spend.byKey : spend.byUser, budget.id, item.costUsd);
        }
      }
    },
    async countInWindow(id, amount, limit, now) {
      const minute = minuteOf(now);
      let window = windows.get(id);
      if (!window || window.minute !== minute) {
        window = { minute, count: 0 };
        windows.set(id, window);
        // Old minutes go with the first count of a new one.
        for (const [other, w] of windows) if (w.minute < minute) windows.delete(other);
      }
      const resetAt = (minute + 1) * 60_000;
      if (window.count >= limit) return { ok: false, count: window.count, resetAt };
      window.count += amount;
      return { ok: true, count: window.count, resetAt };
    },
    async close() {
      entries.clear();
      holds.clear();
      windows.clear();
    },
  };
}
