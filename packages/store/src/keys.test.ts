import { describe, expect, it } from '@jest/globals';
import { StoreConflictError } from './errors.js';
import { hashToken } from './keys.js';
import { eachBackend } from './test-support/backends.js';

describe('keys and end-users', () => {
  eachBackend((backend) => {
    it('creates a key shown once and stored only as its hash', async () => {
      const store = await backend.open();
      const { key, record } = await store.keys.create({
        keyAlias: 'team-a',
        models: ['edit'],
        maxBudget: 10,
        budgetDuration: '30d',
        rpmLimit: 5,
        tpmLimit: 1000,
        userId: 'alice',
        teamId: 'design',
        metadata: { admin: true },
      });
      expect(key).toMatch(/^sk-[\w-]{32}$/);
      expect(record.tokenHash).toBe(hashToken(key));
      expect(record.keyName).toBe(`sk-...${key.slice(-4)}`);
      expect(record.budgetResetAt!.getTime() - record.createdAt.getTime()).toBe(30 * 86_400_000);
      const found = await store.keys.get(hashToken(key));
      expect(found).toMatchObject({
        keyAlias: 'team-a',
        models: ['edit'],
        maxBudget: 10,
        spend: 0,
        rpmLimit: 5,
      });
      expect(found?.metadata).toEqual({ admin: true });
      // Nowhere in the table.
      const everything = JSON.stringify(await store.keys.list());
      expect(everything).not.toContain(key);
    });

    it('refuses a taken alias, updates fields, deletes, lists with filters and pages', async () => {
      const store = await backend.open();
      const a = await store.keys.create({ keyAlias: 'a', userId: 'u1' });
      await store.keys.create({ keyAlias: 'b', userId: 'u2', key: 'sk-given-key' });
      await expect(store.keys.create({ keyAlias: 'a' })).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.keys.create({ key: 'sk-given-key' })).rejects.toMatchObject({ field: 'key' });
      const updated = await store.keys.update(a.record.tokenHash, {
        maxBudget: 3,
        blocked: true,
        models: ['x'],
      });
      expect(updated).toMatchObject({
        maxBudget: 3,
        blocked: true,
        models: ['x'],
        keyAlias: 'a',
        userId: 'u1',
      });
      await expect(store.keys.update(a.record.tokenHash, { keyAlias: 'b' })).rejects.toMatchObject({
        field: 'key_alias',
      });
      expect(await store.keys.update('0'.repeat(64), { maxBudget: 1 })).toBeUndefined();
      expect((await store.keys.list({ userId: 'u2' })).records.map((r) => r.keyAlias)).toEqual(['b']);
      const page = await store.keys.list({ size: 1, page: 2 });
      expect(page.total).toBe(2);
      expect(page.records).toHaveLength(1);
      expect(await store.keys.delete([a.record.tokenHash, '1'.repeat(64)])).toEqual([a.record.tokenHash]);
      expect(await store.keys.get(a.record.tokenHash)).toBeUndefined();
    });

    it('announces every change of a key to every store on the database', async () => {
      const store = await backend.open();
      // On PostgreSQL a second process's store; embedded: the same process.
      const other = backend.name === 'postgres' ? await backend.open({ schema: 'test_shared' }) : store;
      const first = backend.name === 'postgres' ? await backend.open({ schema: 'test_shared' }) : store;
      const seen: string[] = [];
      const arrived = new Promise<void>((resolve) =>
        other.onKeyChange((hash) => {
          seen.push(hash);
          if (seen.length === 3) resolve();
        }),
      );
      const { record } = await first.keys.create({ keyAlias: 'n' });
      await first.keys.update(record.tokenHash, { blocked: true });
      await first.keys.delete([record.tokenHash]);
      await arrived;
      expect(seen).toEqual([record.tokenHash, record.tokenHash, record.tokenHash]);
      expect(other.health().listening).toBe(true);
    });

    it('resets spend when a budget period ends, from the period that passed', async () => {
      const store = await backend.open();
      const created = new Date('2026-01-01T00:00:00Z');
      const { record } = await store.keys.create(
        { keyAlias: 'r', maxBudget: 1, budgetDuration: '1d', spend: 0.5 },
        created,
      );
      const still = await store.keys.create({ keyAlias: 's', maxBudget: 1, spend: 0.5 }, created);
      expect(await store.keys.resetDueBudgets(new Date('2026-01-01T23:00:00Z'))).toBe(0);
      expect(await store.keys.resetDueBudgets(new Date('2026-01-03T12:00:00Z'))).toBe(1);
      const reset = await store.keys.get(record.tokenHash);
      expect(reset?.spend).toBe(0);
      expect(reset?.budgetResetAt?.toISOString()).toBe('2026-01-04T00:00:00.000Z');
      expect((await store.keys.get(still.record.tokenHash))?.spend).toBe(0.5);
      expect(() => store.keys.create({ budgetDuration: '30 days' })).rejects.toThrow(/budget_duration/);
    });

    it('keeps end-users with budgets', async () => {
      const store = await backend.open();
      const alice = await store.endUsers.create('alice', {
        maxBudget: 5,
        budgetDuration: '1mo',
        alias: 'Alice',
      });
      expect(alice).toMatchObject({
        userId: 'alice',
        maxBudget: 5,
        spend: 0,
        alias: 'Alice',
        blocked: false,
      });
      await expect(store.endUsers.create('alice')).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.endUsers.update('alice', { blocked: true })).toMatchObject({
        blocked: true,
        maxBudget: 5,
      });
      await store.endUsers.create('bob');
      expect((await store.endUsers.list()).map((u) => u.userId)).toEqual(['alice', 'bob']);
      expect(await store.endUsers.delete(['bob', 'carol'])).toEqual(['bob']);
      expect(await store.endUsers.get('bob')).toBeUndefined();
    });
  });
});
