import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hasPostgresServer, type PostgresServer, startPostgresServer } from '@retouch/testing';
import { hashToken } from './keys.js';
import { migrate, readMigrations } from './migrations.js';
import { createPostgresClient } from './postgres-client.js';
import { openStore } from './store.js';
import { eachBackend } from './test-support/backends.js';

describe('store start-up', () => {
  eachBackend((backend) => {
    it('migrates once: a second start applies nothing', async () => {
      const store = await backend.open(backend.name === 'postgres' ? { schema: 'test_again' } : {});
      expect(store.health()).toEqual(
        expect.objectContaining({ connected: true, migrated: true, listening: true }),
      );
      await store.close();
      const again = await backend.open(backend.name === 'postgres' ? { schema: 'test_again' } : {}, {
        keepData: true,
      });
      expect(again.health().migrated).toBe(true);
      const names = (await readMigrations()).map((m) => m.name);
      expect(names[0]).toBe('0001_initial');
    });
  });
});

const describePostgres = hasPostgresServer() ? describe : describe.skip;

describePostgres('PostgreSQL: several proxies, outages', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgresServer();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('applies each migration once when many processes start at once', async () => {
    const clients = Array.from({ length: 6 }, () =>
      createPostgresClient({ url: pg.url, schema: 'race', poolSize: 2 }),
    );
    const applied = await Promise.all(clients.map((c) => migrate(c)));
    expect(applied.flat()).toEqual(['0001_initial']);
    const rows = await clients[0]?.query<{ version: number }>('select version from retouch_migrations');
    expect(rows).toEqual([{ version: 1 }]);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('starts while the server is down, then migrates and writes once it is back; no row lost', async () => {
    const server = await startPostgresServer();
    try {
      await server.kill();
      const errors: string[] = [];
      const store = await openStore({
        url: server.url,
        schema: 'late',
        spendWriter: { flushIntervalMs: 20, maxRetryDelayMs: 100 },
        onError: (_error, where) => errors.push(where),
      });
      expect(store.health()).toMatchObject({ connected: false, migrated: false });
      expect(errors).toContain('start-up');
      await server.restart();
      await store.ready();
      expect(store.health()).toMatchObject({ connected: true, migrated: true });
      await store.keys.create({ key: 'sk-late', maxBudget: 1 });
      // Mid-run outage: rows queue, then land once the server returns.
      await server.kill();
      for (let i = 0; i < 50; i++) {
        store.logSpend({
          id: randomUUID(),
          requestId: `r${i}`,
          startedAt: new Date(),
          endedAt: new Date(),
          apiKey: hashToken('sk-late'),
          keyAlias: null,
          endUser: 'alice',
          teamId: null,
          modelGroup: 'edit',
          deploymentId: 'd',
          provider: 'openai',
          model: 'gpt-image-1',
          spend: 0.01,
          promptTokens: null,
          completionTokens: null,
          totalTokens: null,
          usage: null,
          latencyMs: 5,
          attempts: 1,
          status: 'success',
          errorCode: null,
          warnings: [],
          prompt: null,
          metadata: {},
        });
      }
      await store.flushSpend();
      expect(store.health()).toMatchObject({ connected: false, spendLog: { pending: 50, failing: true } });
      await server.restart();
      expect(await store.close(20_000)).toBe(0);
      const check = await openStore({ url: server.url, schema: 'late' });
      expect(await check.spendLogs.totals()).toEqual({
        spend: expect.closeTo(0.5, 10),
        requests: 50,
        unpriced: 0,
      });
      expect((await check.keys.get(hashToken('sk-late')))?.spend).toBeCloseTo(0.5, 10);
      await check.close();
    } finally {
      await server.stop();
    }
  }, 90_000);
});

describe('embedded data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'retouch-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps keys and spend across restarts, and one process at a time', async () => {
    const store = await openStore({ dataDir: dir });
    const { key } = await store.keys.create({ keyAlias: 'kept', maxBudget: 2 });
    await expect(openStore({ dataDir: dir })).rejects.toThrow(/already open in this process.*DATABASE_URL/);
    await store.close();
    // A lock left by a process that died is taken over.
    writeFileSync(join(dir, 'retouch.lock'), '999999999');
    // One that a live process holds is not.
    writeFileSync(join(dir, 'retouch.lock'), String(process.ppid));
    await expect(openStore({ dataDir: dir })).rejects.toThrow(
      new RegExp(`in use by process ${process.ppid}`),
    );
    writeFileSync(join(dir, 'retouch.lock'), '999999999');
    const again = await openStore({ dataDir: dir });
    expect((await again.keys.get(hashToken(key)))?.keyAlias).toBe('kept');
    await again.close();
  }, 60_000);
});
