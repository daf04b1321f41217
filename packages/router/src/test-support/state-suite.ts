/**
 * Test support (not built, not exported): the behaviour every `RouterState` must have, run against
 * the memory and the Redis implementation.
 * @module
 */
import { describe, expect, it } from '@jest/globals';
import type { BudgetLimit, RouterState } from '../state/state.js';

let unique = 0;
const id = (name: string) => `${name}-${process.pid}-${++unique}`;

/** Declares the conformance tests of a `RouterState` made by `create`. */
export function describeRouterState(name: string, create: () => RouterState): void {
  describe(`${name}: RouterState`, () => {
    it('keeps the longer of two cooldowns and reports only active ones', async () => {
      const state = create();
      const now = Date.now();
      const a = id('a');
      expect(await state.setCooldown(a, now + 60_000)).toBe(now + 60_000);
      // A shorter re-cooling never shortens the deadline (LiteLLM #40130).
      expect(await state.setCooldown(a, now + 1_000)).toBe(now + 60_000);
      const b = id('b');
      await state.setCooldown(b, now + 10);
      const stats = await state.getStats([a, b], { now: now + 20 });
      expect(stats.get(a)?.coolingDownUntil).toBe(now + 60_000);
      expect(stats.get(b)?.coolingDownUntil).toBeUndefined();
      await state.close();
    });

    it('counts failures within the window, and forgets them on clear', async () => {
      const state = create();
      const a = id('a');
      const t = Date.now();
      expect(await state.recordFailure(a, t, 1000)).toBe(1);
      expect(await state.recordFailure(a, t + 10, 1000)).toBe(2);
      expect(await state.recordFailure(a, t + 1500, 1000)).toBe(1);
      expect((await state.getStats([a], { now: t + 1600, failuresWindowMs: 1000 })).get(a)?.failures).toBe(1);
      await state.clearFailures(a);
      expect((await state.getStats([a], { now: t + 1600, failuresWindowMs: 1000 })).get(a)?.failures).toBe(0);
      await state.close();
    });

    it('tracks in-flight calls, latency as a moving average, and usage per minute', async () => {
      const state = create();
      const a = id('a');
      await Promise.all([state.addInFlight(a, 1), state.addInFlight(a, 1), state.addInFlight(a, 1)]);
      await state.addInFlight(a, -1);
      await state.recordLatency(a, 100);
      await state.recordLatency(a, 200);
      const minute = 60_000 * 1000;
      await state.recordUsage(a, { requests: 1, tokens: 0 }, minute + 1);
      await state.recordUsage(a, { requests: 1, tokens: 500 }, minute + 2);
      const s = (
        await state.getStats([a], { now: minute + 3, inFlight: true, latency: true, usage: true })
      ).get(a);
      expect(s?.inFlight).toBe(2);
      expect(s?.latencyMs).toBeCloseTo(130, 6);
      expect(s?.requestsThisMinute).toBe(2);
      expect(s?.tokensThisMinute).toBe(500);
      const next = (await state.getStats([a], { now: minute + 60_000, usage: true })).get(a);
      expect(next?.requestsThisMinute).toBe(0);
      const unknown = (
        await state.getStats([id('none')], { now: 0, inFlight: true, latency: true })
      ).values();
      expect([...unknown]).toEqual([
        { inFlight: 0, requestsThisMinute: 0, tokensThisMinute: 0, failures: 0 },
      ]);
      await state.close();
    });

    it('sums spend per deployment, group, user and key, and counts unpriced calls', async () => {
      const state = create();
      const user = id('user');
      const before = await state.getSpend();
      await state.addSpend({ deploymentId: 'd1', modelGroup: 'g', user, key: 'k', costUsd: 0.1 });
      await state.addSpend({ deploymentId: 'd2', modelGroup: 'g', user, costUsd: 0.2 });
      await state.addSpend({ deploymentId: 'd2', modelGroup: 'g', user, costUsd: null });
      const after = await state.getSpend();
      expect(after.totalUsd - before.totalUsd).toBeCloseTo(0.3, 9);
      expect(after.byUser[user]).toBeCloseTo(0.3, 9);
      expect(after.unpricedCalls - before.unpricedCalls).toBe(1);
      expect((after.byDeployment.d2 ?? 0) - (before.byDeployment.d2 ?? 0)).toBeCloseTo(0.2, 9);
      expect((after.byKey.k ?? 0) - (before.byKey.k ?? 0)).toBeCloseTo(0.1, 9);
      await state.close();
    });

    it('holds budget atomically: of 30 concurrent reservations on a tiny budget, one is taken', async () => {
      const state = create();
      const budget = { scope: 'key' as const, id: id('key'), maxUsd: 0.001 };
      const now = Date.now();
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          state.reserveBudget(
            { id: `r${i}`, amountUsd: 0.042, budgets: [budget], expiresAt: now + 60_000 },
            now,
          ),
        ),
      );
      const taken = results.filter((r) => r.ok);
      expect(taken).toHaveLength(1);
      const refused = results.find((r) => !r.ok);
      expect(refused).toMatchObject({ ok: false, budget, spentUsd: 0, reservedUsd: 0.042 });
      await state.close();
    });

    it('settles a hold with the real cost in one step, and lets lapsed holds go', async () => {
      const state = create();
      const user = id('user');
      const key = { scope: 'key' as const, id: id('key'), maxUsd: 0.05 };
      const perUser = { scope: 'user' as const, id: user, maxUsd: 1 };
      const now = Date.now();
      const first = { id: 'a', amountUsd: 0.04, budgets: [key, perUser], expiresAt: now + 60_000 };
      expect(await state.reserveBudget(first, now)).toEqual({ ok: true, spentUsd: [0, 0] });
      // Held: 0.04 of 0.05 is not reached, so a second call may still start.
      const second = { id: 'b', amountUsd: 0.04, budgets: [key], expiresAt: now + 60_000 };
      expect((await state.reserveBudget(second, now)).ok).toBe(true);
      expect((await state.reserveBudget({ ...second, id: 'c' }, now)).ok).toBe(false);
      await state.settleBudget(second);
      await state.settleBudget(second); // twice is harmless
      await state.settleBudget(first, {
        deploymentId: 'd',
        modelGroup: 'g',
        user,
        key: key.id,
        costUsd: 0.03,
      });
      expect((await state.getSpend()).byKey[key.id]).toBeCloseTo(0.03, 9);
      const third = { id: 'd', amountUsd: 0.04, budgets: [key, perUser], expiresAt: now + 1_000 };
      const taken = await state.reserveBudget(third, now);
      expect(taken.ok).toBe(true);
      if (taken.ok) expect(taken.spentUsd.map((v) => Math.round(v * 100) / 100)).toEqual([0.03, 0.03]);
      // Another hold is refused now (0.03 + 0.04 ≥ 0.05), and taken again once the first lapses.
      expect((await state.reserveBudget({ ...third, id: 'e' }, now)).ok).toBe(false);
      expect((await state.reserveBudget({ ...third, id: 'e' }, now + 1_001)).ok).toBe(true);
      await state.close();
    });

    it('starts a budget the state has not seen from its seed, and counts settled spend against period budgets', async () => {
      const state = create();
      const key = id('key');
      const now = Date.now();
      // Spend a database recorded before this state existed.
      const seeded = { scope: 'key' as const, id: key, maxUsd: 1, seedUsd: 0.995 };
      const hold = (rid: string, budgets: BudgetLimit[]) => ({
        id: rid,
        amountUsd: 0.01,
        budgets,
        expiresAt: now + 60_000,
      });
      expect(await state.reserveBudget(hold('a', [seeded]), now)).toEqual({ ok: true, spentUsd: [0.995] });
      expect(await state.reserveBudget(hold('b', [seeded]), now)).toMatchObject({
        ok: false,
        spentUsd: 0.995,
        reservedUsd: 0.01,
      });
      await state.settleBudget(hold('a', [seeded]), {
        deploymentId: 'd',
        modelGroup: 'g',
        key,
        costUsd: 0.001,
      });
      // Counted from the seed on: a later (lower) seed changes nothing.
      const later = hold('b2', [{ ...seeded, seedUsd: 0.1 }]);
      const taken = await state.reserveBudget(later, now);
      expect(taken.ok && taken.spentUsd.map((v) => Math.round(v * 1000) / 1000)).toEqual([0.996]);
      await state.settleBudget(later);
      // A budget per period: its own counter, fed by what settles under it.
      const period = { scope: 'key' as const, id: `${key}@p1`, maxUsd: 0.05 };
      const first = hold('c', [period]);
      await state.reserveBudget(first, now);
      await state.settleBudget(first, { deploymentId: 'd', modelGroup: 'g', key, costUsd: 0.05 });
      expect(await state.reserveBudget(hold('d', [period]), now)).toMatchObject({
        ok: false,
        spentUsd: 0.05,
      });
      const next = { ...period, id: `${key}@p2` };
      expect(await state.reserveBudget(hold('e', [next]), now)).toEqual({ ok: true, spentUsd: [0] });
      expect((await state.getSpend()).byKey[key]).toBeCloseTo(0.996 + 0.05, 9);
      await state.close();
    });

    it('counts in fixed minute windows up to a limit, atomically', async () => {
      const state = create();
      const rpm = id('rpm');
      const now = Date.UTC(2026, 0, 1, 0, 0, 30);
      const results = await Promise.all(Array.from({ length: 5 }, () => state.countInWindow(rpm, 1, 3, now)));
      expect(results.filter((r) => r.ok)).toHaveLength(3);
      expect(results.find((r) => !r.ok)).toEqual({
        ok: false,
        count: 3,
        resetAt: Date.UTC(2026, 0, 1, 0, 1),
      });
      // The next minute starts from 0; an amount of 0 only checks.
      expect(await state.countInWindow(rpm, 0, 3, now + 30_000)).toMatchObject({ ok: true, count: 0 });
      expect(await state.countInWindow(rpm, 250, Number.POSITIVE_INFINITY, now + 30_000)).toMatchObject({
        count: 250,
      });
      await state.close();
    });
  });
}
