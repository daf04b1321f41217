/**
 * Test support (not built, not exported): the behaviour every `RouterState` must have, run against
 * the memory and the Redis implementation.
 * @module
 */
import { describe, expect, it } from '@jest/globals';
import type { RouterState } from '../state/state.js';

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
      expect(await state.getUserSpend(user)).toBeCloseTo(0.3, 9);
      expect(await state.getUserSpend(id('nobody'))).toBe(0);
      expect(after.unpricedCalls - before.unpricedCalls).toBe(1);
      expect((after.byDeployment.d2 ?? 0) - (before.byDeployment.d2 ?? 0)).toBeCloseTo(0.2, 9);
      expect((after.byKey.k ?? 0) - (before.byKey.k ?? 0)).toBeCloseTo(0.1, 9);
      await state.close();
    });
  });
}
