/**
 * The budgets a call is subject to with a store: its key's `max_budget` and its end-user's, each
 * counted per budget period (`budget_duration`) and started, after a restart, from the spend the
 * database holds for the period. End-users come from a small cache (reloaded in the background
 * after a few seconds); while the database is down, an end-user not cached has no budget (its
 * key still does).
 * @module
 */
import { PermissionDeniedError } from '@retouch/core';
import type { BudgetLimit } from '@retouch/router';
import { type EndUserRecord, parseDuration, periodEnd, type Store } from '@retouch/store';
import type { Caller } from './auth.js';

const REFRESH_MS = 5000;

interface Periodic {
  spend: number;
  budgetDuration: string | null;
  budgetResetAt: Date | null;
}

/**
 * The budget counter's id for `id` in the period `now` falls in, and its seed: the database's
 * spend when the database is in that period too, else 0 (it has not reset yet).
 */
export function periodBudget(
  id: string,
  record: Periodic | undefined,
  now: number,
): { id: string; seedUsd: number } {
  const duration = record?.budgetDuration ? parseDuration(record.budgetDuration) : undefined;
  if (!record || !duration || !record.budgetResetAt) return { id: `${id}@all`, seedUsd: record?.spend ?? 0 };
  const end = periodEnd(record.budgetResetAt, duration, now);
  const same = end.getTime() === record.budgetResetAt.getTime();
  return { id: `${id}@${end.toISOString()}`, seedUsd: same ? record.spend : 0 };
}

/**
 * End-users in the store, cached.
 *
 * @example
 * ```ts
 * const users = new EndUsers(store);
 * (await users.find('alice'))?.maxBudget;
 * ```
 */
export class EndUsers {
  readonly #store: Store;
  readonly #entries = new Map<
    string,
    { record: EndUserRecord | undefined; loadedAt: number; loading?: boolean }
  >();

  constructor(store: Store) {
    this.#store = store;
  }

  forget(userId: string): void {
    this.#entries.delete(userId);
  }

  async find(userId: string, now = Date.now()): Promise<EndUserRecord | undefined> {
    const entry = this.#entries.get(userId);
    if (entry) {
      if (now - entry.loadedAt > REFRESH_MS && !entry.loading) {
        entry.loading = true;
        this.#store.endUsers.get(userId).then(
          (record) => this.#entries.set(userId, { record, loadedAt: Date.now() }),
          () => {
            entry.loading = false;
            entry.loadedAt = Date.now() - REFRESH_MS / 2;
          },
        );
      }
      return entry.record;
    }
    try {
      const record = await this.#store.endUsers.get(userId);
      if (this.#entries.size > 50_000) this.#entries.clear();
      this.#entries.set(userId, { record, loadedAt: now });
      return record;
    } catch {
      // Fails open: the key was verified; only the end-user's own budget is unknown meanwhile.
      return undefined;
    }
  }
}

/**
 * Every budget of a call: its key's and its end-user's — the end-user's own `max_budget`, else
 * `router_settings.max_end_user_budget` (`maxEndUserBudget`), both counted from the spend the
 * database holds (the router then adds no end-user budget of its own). A blocked end-user is a 403.
 *
 * @example
 * ```ts
 * const budgets = await callBudgets(caller, 'alice', { endUsers, configSeeds, maxEndUserBudget: 5 });
 * await router.imageEdit(params, { budgets });
 * ```
 */
export async function callBudgets(
  caller: Caller,
  endUser: string | undefined,
  sources: { endUsers?: EndUsers; configSeeds?: ReadonlyMap<string, number>; maxEndUserBudget?: number },
  now = Date.now(),
): Promise<BudgetLimit[]> {
  const budgets: BudgetLimit[] = [];
  if (caller.maxBudget !== undefined && caller.keyHash !== undefined) {
    if (!sources.endUsers) {
      budgets.push({ scope: 'key', id: caller.keyHash, maxUsd: caller.maxBudget, label: caller.alias });
    } else {
      const record =
        caller.record ??
        (caller.tokenHash === undefined
          ? undefined
          : {
              spend: sources.configSeeds?.get(caller.tokenHash) ?? 0,
              budgetDuration: null,
              budgetResetAt: null,
            });
      const period = periodBudget(caller.keyHash, record, now);
      budgets.push({ scope: 'key', maxUsd: caller.maxBudget, label: caller.alias, ...period });
    }
  }
  if (endUser !== undefined && sources.endUsers) {
    const user = await sources.endUsers.find(endUser, now);
    if (user?.blocked) {
      throw new PermissionDeniedError({
        message: `End-user "${endUser}" is blocked on this proxy.`,
        param: 'user',
        code: 'end_user_blocked',
      });
    }
    // As LiteLLM: max_end_user_budget is the budget of an end-user without one of its own.
    const maxUsd = user?.maxBudget ?? sources.maxEndUserBudget;
    if (maxUsd !== undefined) {
      budgets.push({ scope: 'user', maxUsd, label: endUser, ...periodBudget(endUser, user, now) });
    }
  }
  return budgets;
}
