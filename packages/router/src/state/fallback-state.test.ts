import { describe, expect, it } from '@jest/globals';
import { describeRouterState } from '../test-support/state-suite.js';
import { withLocalFallback } from './fallback-state.js';
import { createMemoryState } from './memory-state.js';
import type { RouterState } from './state.js';

/** A memory state that fails every call while `down` is set, as Redis does when it is gone. */
function breakable(): { state: RouterState; set(down: boolean): void } {
  const inner = createMemoryState();
  let down = false;
  const state = new Proxy(inner, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (typeof value !== 'function' || name === 'close') return value;
      return (...args: unknown[]) =>
        down
          ? Promise.reject(new Error('Connection is closed.'))
          : (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    },
  });
  return { state, set: (value) => (down = value) };
}

describeRouterState('memory behind withLocalFallback', () => withLocalFallback(createMemoryState()));

describe('withLocalFallback', () => {
  const budget = { scope: 'key' as const, id: 'k', maxUsd: 0.09 };
  const hold = (id: string, amountUsd = 0.04) => ({
    id,
    amountUsd,
    budgets: [budget],
    expiresAt: Date.now() + 60_000,
  });
  const spend = (costUsd: number) => ({ deploymentId: 'd', modelGroup: 'g', key: 'k', costUsd });

  it('degrades to local state during an outage and writes its spend back once the shared state returns', async () => {
    const shared = breakable();
    let clock = 1_000_000;
    const state = withLocalFallback(shared.state, { retryMs: 1000, now: () => clock });
    await state.addSpend(spend(0.05));
    expect(await state.reserveBudget(hold('a', 0), clock)).toEqual({ ok: true, spentUsd: [0.05] });
    await state.settleBudget(hold('a', 0));
    expect((await state.getSpend()).byKey.k).toBeCloseTo(0.05, 9);

    shared.set(true);
    await state.setCooldown('d', clock + 5000);
    expect(state.health()).toMatchObject({ degraded: true, since: clock, reason: 'Connection is closed.' });
    // Routing goes on with what this process sees.
    expect((await state.getStats(['d'], { now: clock })).get('d')?.coolingDownUntil).toBe(clock + 5000);
    // The budget is enforced on the spend last seen in the shared state plus this process's own.
    expect((await state.reserveBudget(hold('b'), clock)).ok).toBe(true);
    await state.settleBudget(hold('b'), spend(0.04));
    const refused = await state.reserveBudget(hold('c'), clock);
    expect(refused).toMatchObject({ ok: false, budget, spentUsd: expect.closeTo(0.09, 9) });
    expect((await state.getSpend()).byKey.k).toBeCloseTo(0.09, 9);

    shared.set(false);
    clock += 500; // not retried yet
    expect(state.health().degraded).toBe(true);
    clock += 600;
    await state.getStats(['d'], { now: clock });
    expect(state.health()).toEqual({ shared: true, degraded: false });
    expect((await shared.state.getSpend()).byKey.k).toBeCloseTo(0.09, 9);
    expect((await state.getSpend()).byKey.k).toBeCloseTo(0.09, 9);
  });

  it('sends in-flight decrements where their increments went', async () => {
    const shared = breakable();
    const state = withLocalFallback(shared.state, { retryMs: 0 });
    await state.addInFlight('d', 1); // shared
    shared.set(true);
    await state.addInFlight('d', 1); // local
    shared.set(false);
    await state.addInFlight('d', -1); // back to local, which counted it
    await state.addInFlight('d', -1); // shared
    expect((await shared.state.getStats(['d'], { now: 0, inFlight: true })).get('d')?.inFlight).toBe(0);
    expect((await state.getStats(['d'], { now: 0, inFlight: true })).get('d')?.inFlight).toBe(0);
  });
});
