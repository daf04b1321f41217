import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRedisState } from '@retouch/router';
import { hasRedisServer, type RedisServer, startRedisServer } from '@retouch/testing';
import { hashKey } from './auth.js';
import { type Harness, IMAGE, type Part, postForm, startHarness } from './test-support/harness.js';

const available = hasRedisServer();
if (!available)
  console.warn(
    'redis-server is not installed: skipping the Redis outage tests (apt-get install redis-server)',
  );
const describeRedis = available ? describe : describe.skip;

const BUDGET_KEY = 'sk-budgeted-key-42';
const edit: Part[] = [
  { name: 'model', value: 'gpt-image-2' },
  { name: 'prompt', value: 'x' },
  { name: 'image', file: IMAGE },
];
const bearer = { authorization: `Bearer ${BUDGET_KEY}` };
const readiness = async (h: Harness) => {
  const response = await fetch(`${h.url}/health/readiness`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describeRedis('a Redis outage', () => {
  let redis: RedisServer;
  let h: Harness;
  beforeAll(async () => {
    redis = await startRedisServer();
    h = await startHarness({
      generalSettings: `  keys:\n    - key: ${BUDGET_KEY}\n      key_alias: budgeted\n      max_budget: 5\n`,
      extra: `  redis_host: 127.0.0.1\n  redis_port: ${redis.port}\n`,
    });
  });
  afterAll(async () => {
    await h.close();
    await redis.stop();
  });

  it('degrades (budgeted keys still served, readiness 200 degraded) and recovers when Redis returns', async () => {
    expect((await postForm(h.url, edit, bearer)).status).toBe(200);
    expect(await readiness(h)).toMatchObject({
      status: 200,
      body: { status: 'healthy', shared_state: 'connected' },
    });

    await redis.stop();
    const during = await postForm(h.url, edit, bearer);
    expect(during.status).toBe(200);
    const cost = Number(during.headers.get('x-retouch-response-cost'));
    expect(cost).toBeGreaterThan(0);
    expect(during.headers.get('x-retouch-warnings')).toMatch(/router state unavailable/);
    const degraded = await readiness(h);
    expect(degraded).toMatchObject({
      status: 200,
      body: { status: 'degraded', shared_state: 'unavailable' },
    });
    expect(String((degraded.body.degraded as string[])[0])).toMatch(/shared state unavailable/);

    // Back, empty (as a restarted Redis without persistence is).
    redis = await startRedisServer({ port: redis.port });
    let ready = await readiness(h);
    for (let i = 0; i < 100 && ready.body.status !== 'healthy'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await readiness(h);
    }
    expect(ready).toMatchObject({ status: 200, body: { status: 'healthy', shared_state: 'connected' } });
    // What was spent during the outage was written back to the shared state.
    const shared = createRedisState({ port: redis.port });
    try {
      expect((await shared.getSpend()).byKey[hashKey(BUDGET_KEY)]).toBeCloseTo(cost, 9);
    } finally {
      await shared.close();
    }
    expect((await postForm(h.url, edit, bearer)).status).toBe(200);
  });
});
