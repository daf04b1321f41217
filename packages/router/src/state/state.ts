/**
 * `RouterState`: everything the router remembers between calls (cooldowns, failures, in-flight
 * counts, latency, usage windows, spend). In memory by default; Redis when instances share it.
 * @module
 */
import type { SpendReport } from '../types.js';

/**
 * What the state knows of one deployment. Fields not asked for in {@link StatsQuery} are left at their defaults.
 *
 * @example
 * ```ts
 * const stats: DeploymentStats = (await state.getStats(['east'], { now: Date.now(), inFlight: true })).get('east')!;
 * ```
 */
export interface DeploymentStats {
  /** Epoch ms the active cooldown ends; absent when not cooling down. */
  coolingDownUntil?: number;
  inFlight: number;
  /** Moving average of successful attempts, in ms; absent before the first. */
  latencyMs?: number;
  /** Requests started in the current minute. */
  requestsThisMinute: number;
  /** Tokens reported in the current minute. */
  tokensThisMinute: number;
  /** Failures within the failure window. */
  failures: number;
}

/**
 * Which stats a read needs (cooldowns are always read).
 *
 * @example
 * ```ts
 * const query: StatsQuery = { now: Date.now(), latency: true, failuresWindowMs: 60_000 };
 * ```
 */
export interface StatsQuery {
  now: number;
  inFlight?: boolean;
  latency?: boolean;
  usage?: boolean;
  /** Count failures within this many ms before `now`. */
  failuresWindowMs?: number;
}

/**
 * One priced (or unpriced) call, for spend.
 *
 * @example
 * ```ts
 * await state.addSpend({ deploymentId: 'east', modelGroup: 'gpt-image-1', user: 'alice', costUsd: 0.04 } satisfies SpendEntry);
 * ```
 */
export interface SpendEntry {
  deploymentId: string;
  modelGroup: string;
  user?: string;
  key?: string;
  /** `null` when the cost is unknown: counted in `unpricedCalls`, never as 0. */
  costUsd: number | null;
}

/**
 * A spending limit a call is checked against: a key's spend (`SpendEntry.key`) or an end-user's
 * (`SpendEntry.user`).
 *
 * @example
 * ```ts
 * const budget: BudgetLimit = { scope: 'key', id: 'a1b2c3d4e5f6', maxUsd: 10, label: 'team-a' };
 * ```
 */
export interface BudgetLimit {
  scope: 'key' | 'user';
  /** The key hash or the end-user id, as in `SpendEntry`. */
  id: string;
  /** Calls are refused once spend plus reservations in flight reach this. */
  maxUsd: number;
  /** How messages name it (a key alias); defaults to `id`. */
  label?: string;
  /**
   * Where this budget's spend starts when the state has none for it yet: what a database that
   * outlives the state (a restart) already counted. Ignored once the state has a count. Defaults to 0.
   */
  seedUsd?: number;
}

/**
 * Money held for one call in flight, against every budget it is subject to, until the call settles.
 *
 * @example
 * ```ts
 * const reservation: BudgetReservation = { id: randomUUID(), amountUsd: 0.042, budgets: [budget], expiresAt: Date.now() + 660_000 };
 * ```
 */
export interface BudgetReservation {
  /** Unique per call. */
  id: string;
  /** The call's estimated cost (the most any deployment it may reach would charge); 0 when unknown. */
  amountUsd: number;
  budgets: readonly BudgetLimit[];
  /** Epoch ms after which the hold lapses by itself (a crashed instance cannot hold budget forever). */
  expiresAt: number;
}

/**
 * The outcome of {@link RouterState.reserveBudget}.
 *
 * @example
 * ```ts
 * const result: ReserveResult = await state.reserveBudget(reservation, Date.now());
 * if (!result.ok) console.log(result.budget.id, result.spentUsd, result.reservedUsd);
 * ```
 */
export type ReserveResult =
  /** Held; `spentUsd[i]` is the spend of `budgets[i]` seen when it was taken. */
  | { ok: true; spentUsd: number[] }
  /** Refused: this budget's spend plus what calls in flight hold has reached its `maxUsd`. */
  | { ok: false; budget: BudgetLimit; spentUsd: number; reservedUsd: number };

/**
 * The router's memory. Every method may be called concurrently from many calls (and, for shared
 * implementations, many processes); implementations make each one atomic.
 *
 * @example
 * ```ts
 * const state: RouterState = createMemoryState();
 * await state.setCooldown('openai-east', Date.now() + 5000);
 * (await state.getStats(['openai-east'], { now: Date.now() })).get('openai-east')?.coolingDownUntil;
 * ```
 */
export interface RouterState {
  /** Stats of each id (every id gets an entry). */
  getStats(ids: readonly string[], query: StatsQuery): Promise<Map<string, DeploymentStats>>;
  /** Cools a deployment down until `until` (epoch ms); an active longer cooldown is kept. Returns the effective end. */
  setCooldown(id: string, until: number): Promise<number>;
  /** Records a failure at `now` and returns the failures within `windowMs` (this one included). */
  recordFailure(id: string, now: number, windowMs: number): Promise<number>;
  /** Forgets a deployment's failures (it has just been cooled down for them). */
  clearFailures(id: string): Promise<void>;
  /** Adds `delta` (1 or -1) to a deployment's in-flight count. */
  addInFlight(id: string, delta: number): Promise<void>;
  /** Folds one successful attempt's latency into the moving average. */
  recordLatency(id: string, latencyMs: number): Promise<void>;
  /** Adds requests and tokens to the minute window of `now`. */
  recordUsage(id: string, usage: { requests: number; tokens: number }, now: number): Promise<void>;
  addSpend(entry: SpendEntry): Promise<void>;
  getSpend(): Promise<SpendReport>;
  /**
   * Atomically (across every instance sharing the state): refuses if any budget's spend plus its
   * unexpired reservations has reached `maxUsd`, else holds `amountUsd` against each budget. So
   * concurrent calls overrun a budget by at most one call's estimate.
   */
  reserveBudget(reservation: BudgetReservation, now: number): Promise<ReserveResult>;
  /**
   * Releases a reservation and, when given, records the call's real spend in the same atomic step
   * (so no other call sees the money neither held nor spent). The spend also counts against every
   * budget of the reservation whose `id` is not the entry's own `key` / `user` (a budget per
   * period, say). Releasing twice is harmless.
   */
  settleBudget(reservation: BudgetReservation, spend?: SpendEntry): Promise<void>;
  /**
   * A fixed one-minute window per `id` (a key's rpm or tpm): adds `amount` to the current minute's
   * count unless the count has already reached `limit` (then nothing is added and `ok` is false).
   * Atomic across every instance sharing the state. `resetAt` is when the window ends (epoch ms).
   */
  countInWindow(id: string, amount: number, limit: number, now: number): Promise<WindowCount>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * The outcome of {@link RouterState.countInWindow}.
 *
 * @example
 * ```ts
 * const { ok, count, resetAt }: WindowCount = await state.countInWindow('rpm:a1b2', 1, 60, Date.now());
 * ```
 */
export interface WindowCount {
  ok: boolean;
  /** The count after this call. */
  count: number;
  resetAt: number;
}

/**
 * The budgets of a reservation a spend entry does not already count toward through its own `key`
 * or `user`: spend settled under them is added to them too.
 *
 * @example
 * ```ts
 * extraBudgets(reservation, entry); // [{ scope: 'key', id: 'a1b2c3d4e5f6@2026-02-01T00:00:00.000Z', … }]
 * ```
 */
export function extraBudgets(reservation: BudgetReservation, entry: SpendEntry): BudgetLimit[] {
  const seen = new Set<string>();
  return reservation.budgets.filter((b) => {
    const own = b.scope === 'key' ? entry.key : entry.user;
    const name = `${b.scope}:${b.id}`;
    if (b.id === own || seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}

/**
 * Smoothing of the latency moving average (weight of the newest sample).
 *
 * @example
 * ```ts
 * const next = LATENCY_ALPHA * sample + (1 - LATENCY_ALPHA) * previous;
 * ```
 */
export const LATENCY_ALPHA = 0.3;

/**
 * The minute window a timestamp falls in.
 *
 * @example
 * ```ts
 * minuteOf(Date.UTC(2026, 0, 1, 0, 1, 30)); // the minute starting at 00:01:00
 * ```
 */
export function minuteOf(now: number): number {
  return Math.floor(now / 60_000);
}

/**
 * A `DeploymentStats` with nothing known.
 *
 * @example
 * ```ts
 * emptyStats(); // { inFlight: 0, requestsThisMinute: 0, tokensThisMinute: 0, failures: 0 }
 * ```
 */
export function emptyStats(): DeploymentStats {
  return { inFlight: 0, requestsThisMinute: 0, tokensThisMinute: 0, failures: 0 };
}
