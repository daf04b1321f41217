import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getMeta } from '@retouch/core';
import {
  hasRedisServer,
  type RedisServer,
  type Simulator,
  startOpenAISimulator,
  startRedisServer,
} from '@retouch/testing';
import { Router } from '../router.js';
import { edit, hits, openai } from '../test-support/harness.js';
import { describeRouterState } from '../test-support/state-suite.js';
import type { RouterOptions } from '../types.js';
import { createRedisState } from './redis-state.js';
import type { RouterState } from './state.js';

const available = hasRedisServer();
if (!available) {
  console.warn(
    'redis-server is not installed: skipping the Redis state tests (apt-get install redis-server)',
  );
}
const describeRedis = available ? describe : describe.skip;

let server: RedisServer | undefined;
let keyPrefix = '';
const state = (): RouterState => createRedisState({ port: server?.port, keyPrefix });

describeRedis('Redis state', () => {
  beforeAll(async () => {
    server = await startRedisServer();
    keyPrefix = `retouch-test-${process.pid}:`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  describeRouterState('redis', state);

  describe('two routers sharing one Redis', () => {
    let x: Simulator;
    let y: Simulator;
    const states: RouterState[] = [];
    const routers: Router[] = [];

    beforeAll(async () => {
      x = await startOpenAISimulator();
      y = await startOpenAISimulator();
    });
    afterAll(async () => {
      for (const router of routers) await router.close();
      for (const s of states) await s.close();
      await x.close();
      await y.close();
    });

    async function pair(options: Partial<RouterOptions> = {}, prefix = `${keyPrefix}${routers.length}:`) {
      const make = async () => {
        const shared = createRedisState({ port: server?.port, keyPrefix: prefix });
        states.push(shared);
        const router = await Router.create({
          model_list: [openai(x, 'x', 'edit', { order: 1 }), openai(y, 'y', 'edit', { order: 2 })],
          state: shared,
          ...options,
        });
        routers.push(router);
        return router;
      };
      return [await make(), await make()] as const;
    }

    it('shares cooldowns: a deployment one instance benches gets no traffic from the other', async () => {
      const [a, b] = await pair();
      x.reset();
      y.reset();
      x.injectFault({ type: 'rate-limit', retryAfterSeconds: 30 });
      const served = await a.imageEdit(edit('edit'));
      expect(getMeta(served).deploymentId).toBe('y');
      expect(getMeta(served).attempts).toBe(2);

      const seenByB = (await b.deployments()).find((d) => d.id === 'x');
      expect(seenByB?.healthy).toBe(false);
      expect(seenByB?.coolingDownUntil).toBeGreaterThan(Date.now() + 20_000);
      expect((await b.route(edit('edit'))).deploymentId).toBe('y');
      const fromB = await b.imageEdit(edit('edit'));
      expect(getMeta(fromB).deploymentId).toBe('y');
      expect(hits(x)).toBe(1);
    });

    it('shares spend and enforces end-user budgets across instances', async () => {
      const [a, b] = await pair({ max_end_user_budget: 0.1 });
      x.reset();
      const costs: number[] = [];
      for (const router of [a, b, a]) {
        costs.push(getMeta(await router.imageEdit(edit('edit', { user: 'carol' }))).costUsd ?? Number.NaN);
      }
      const total = costs.reduce((s, c) => s + c, 0);
      expect(total).toBeGreaterThan(0.1);
      const [spendA, spendB] = await Promise.all([a.spend(), b.spend()]);
      expect(spendA).toEqual(spendB);
      expect(spendA.byUser.carol).toBeCloseTo(total, 9);
      await expect(b.imageEdit(edit('edit', { user: 'carol' }))).rejects.toMatchObject({
        code: 'budget_exceeded',
        status: 429,
      });
      expect(hits(x)).toBe(3);
    });

    it('shares in-flight counts: least-busy on one instance avoids a deployment busy on the other', async () => {
      const [a, b] = await pair({
        routing_strategy: 'least-busy',
        model_list: [openai(x, 'x', 'edit'), openai(y, 'y', 'edit')],
      });
      x.reset();
      y.reset();
      x.injectFault({ type: 'delay', ms: 60_000 }, { times: Number.POSITIVE_INFINITY });
      y.injectFault({ type: 'delay', ms: 60_000 }, { times: Number.POSITIVE_INFINITY });
      const controller = new AbortController();
      const slow = a.imageEdit(edit('edit'), { signal: controller.signal }).catch((e: unknown) => e);
      const busy = await until(async () => (await b.deployments()).find((d) => d.inFlight === 1));
      const other = busy.id === 'x' ? 'y' : 'x';
      for (let i = 0; i < 10; i++) expect((await b.route(edit('edit'))).deploymentId).toBe(other);
      controller.abort();
      expect(await slow).toMatchObject({ name: 'APIUserAbortError' });
      x.reset();
      y.reset();
      expect((await b.deployments()).every((d) => d.inFlight === 0)).toBe(true);
    });

    it('keeps serving with a warning when Redis goes away', async () => {
      const [a] = await pair({}, `${keyPrefix}down:`);
      x.reset();
      expect(getMeta(await a.imageEdit(edit('edit'))).warnings).toEqual([]);
      await server?.stop();
      const response = await a.imageEdit(edit('edit'));
      expect(response.data).toHaveLength(1);
      expect(getMeta(response).warnings.join('\n')).toContain('router state unavailable');
    });
  });
});

async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
