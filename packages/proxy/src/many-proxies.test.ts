/**
 * Many proxies, one truth: real `retouch` processes on one real PostgreSQL and one real Redis
 * (started here on free loopback ports) share keys, budgets, rpm limits and spend; and killing
 * PostgreSQL under load loses no spend row once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  hasPostgresServer,
  hasRedisServer,
  type PostgresServer,
  type RedisServer,
  type Simulator,
  startOpenAISimulator,
  startPostgresServer,
  startRedisServer,
} from '@retouch/testing';
import { IMAGE, MASTER_KEY, TEAM_KEY, UPSTREAM_KEY, postForm } from './test-support/harness.js';
import { type ProxyProcess, startProxyProcess } from './test-support/proxy-process.js';

const available = hasPostgresServer() && hasRedisServer();
if (!available) {
  console.warn(
    'PostgreSQL or redis-server is not installed: skipping the many-proxies tests (apt-get install postgresql redis-server)',
  );
}

const master = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' };
const edit = (url: string, key: string) =>
  postForm(
    url,
    [
      { name: 'model', value: 'gpt-image-2' },
      { name: 'prompt', value: 'x' },
      { name: 'image', file: IMAGE },
    ],
    { authorization: `Bearer ${key}` },
  );
const json = async (url: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: master,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
};

(available ? describe : describe.skip)('many proxies on one PostgreSQL and one Redis', () => {
  let pg: PostgresServer;
  let redis: RedisServer;
  let sim: Simulator;
  const processes: ProxyProcess[] = [];
  beforeAll(async () => {
    [pg, redis, sim] = await Promise.all([startPostgresServer(), startRedisServer(), startOpenAISimulator()]);
  }, 120_000);
  afterAll(async () => {
    for (const p of processes) await p.stop();
    await Promise.all([pg?.stop(), redis?.stop(), sim?.close()]);
  });

  // Each test's proxies share one Redis logical database, and no other test's: the config has no key
  // prefix setting, so the database number in redis_url keeps one test's router state (cooldowns,
  // latencies, spend and rate windows) out of the next one's.
  const config = (redisDb: number) => `model_list:
  - model_name: gpt-image-2
    litellm_params:
      model: gpt-image-2
      api_key: ${UPSTREAM_KEY}
      api_base: ${sim.url}/v1
router_settings:
  num_retries: 0
  redis_url: redis://127.0.0.1:${redis.port}/${redisDb}
general_settings:
  master_key: ${MASTER_KEY}
  keys:
    - key: ${TEAM_KEY}
      key_alias: from-config
`;
  const start = async (database: string, redisDb: number) => {
    const p = await startProxyProcess(config(redisDb), { env: { DATABASE_URL: database } });
    processes.push(p);
    return p;
  };

  it('two proxies enforce one key budget and rpm together, share its revocation and its spend', async () => {
    const database = await pg.createDatabase('two_proxies');
    const [a, b] = await Promise.all([start(database, 1), start(database, 1)]);
    // Both migrated one schema (the advisory lock): each answers the key API.
    const probe = await edit(a.url, MASTER_KEY);
    expect(probe.status).toBe(200);
    const cost = Number(probe.headers.get('x-retouch-response-cost'));
    expect(cost).toBeGreaterThan(0);

    // Budget: room for one and a half calls; the second may start (spend < budget), the third not.
    const budgeted = (await json(a.url, '/key/generate', { key_alias: 'budgeted', max_budget: cost * 1.5 }))
      .key as string;
    const budgetRun = [];
    for (const url of [a.url, b.url, a.url, b.url]) budgetRun.push((await edit(url, budgeted)).status);
    expect(budgetRun).toEqual([200, 200, 429, 429]);

    // rpm: 4 a minute for the key, whichever proxy it calls.
    const limited = (await json(b.url, '/key/generate', { key_alias: 'limited', rpm_limit: 4 }))
      .key as string;
    const minute = Math.floor(Date.now() / 60_000);
    const rpmRun = [];
    for (let i = 0; i < 8; i++) rpmRun.push((await edit(i % 2 === 0 ? a.url : b.url, limited)).status);
    const sameMinute = Math.floor(Date.now() / 60_000) === minute;
    if (sameMinute) expect(rpmRun).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    else expect(rpmRun.filter((s) => s === 200).length).toBeLessThanOrEqual(8);

    // Revoked on A: refused by B (the change arrives by NOTIFY).
    expect((await edit(b.url, limited)).status).not.toBe(401);
    await json(a.url, '/key/delete', { keys: [limited] });
    let status = 0;
    for (const end = Date.now() + 10_000; Date.now() < end && status !== 401; )
      status = (await edit(b.url, limited)).status;
    expect(status).toBe(401);

    // One spend log for both: B reports A's calls too (A writes its batch within a second). Calls the
    // router refused on budget are rows (failures); calls refused on rpm never reached it.
    let logs: { status: string }[] = [];
    for (const end = Date.now() + 10_000; Date.now() < end && logs.length < 9; ) {
      logs = (await json(b.url, '/spend/logs?limit=10000')) as unknown as { status: string }[];
      if (logs.length < 9) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(logs.map((l) => l.status).sort()).toEqual(
      [...Array(7).fill('success'), 'failure', 'failure'].sort(),
    );
  }, 240_000);

  it('killing PostgreSQL under load loses no spend row once it is back', async () => {
    const database = await pg.createDatabase('outage');
    const p = await start(database, 2);
    const verified = (await json(p.url, '/key/generate', { key_alias: 'verified' })).key as string;
    const unverified = (await json(p.url, '/key/generate', { key_alias: 'never-seen' })).key as string;
    expect((await edit(p.url, verified)).status).toBe(200);
    const statuses: number[] = [];
    const batch = async (n: number, key: string) => {
      const answers = await Promise.all(Array.from({ length: n }, () => edit(p.url, key)));
      statuses.push(...answers.map((r) => r.status));
    };
    await batch(10, verified);
    await batch(10, TEAM_KEY);
    await pg.kill();
    // Down: keys verified before and config keys keep working, a key never seen is refused (503).
    await batch(15, verified);
    await batch(15, TEAM_KEY);
    const refused = await edit(p.url, unverified);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'key_verification_unavailable',
    );
    const readiness = (await (await fetch(`${p.url}/health/readiness`)).json()) as Record<string, unknown>;
    expect(readiness).toMatchObject({ status: 'degraded', database: 'unavailable' });
    expect(readiness.spend_rows_queued).toBeGreaterThan(0);
    const keyApi = await fetch(`${p.url}/key/list`, { headers: master });
    expect(keyApi.status).toBe(503);
    expect(((await keyApi.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
    await pg.restart();
    await batch(10, verified);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Every row lands once the database is back (readiness says what is still queued).
    let queued = -1;
    for (const end = Date.now() + 30_000; Date.now() < end && queued !== 0; ) {
      const r = (await (await fetch(`${p.url}/health/readiness`)).json()) as {
        spend_rows_queued: number;
        database: string;
      };
      queued = r.database === 'connected' ? r.spend_rows_queued : -1;
      if (queued !== 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(queued).toBe(0);
    const logs = (await json(p.url, '/spend/logs?limit=10000')) as unknown as { status: string }[];
    // The first edit, every edit of the batches, and the refused one (which never reached the router: no row).
    expect(logs.length).toBe(1 + statuses.length);
    expect(logs.every((l) => l.status === 'success')).toBe(true);
  }, 240_000);
});
