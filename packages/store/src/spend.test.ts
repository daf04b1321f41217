import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { hashToken } from './keys.js';
import type { SpendLogRow } from './spend-log.js';
import { SpendWriter } from './spend-writer.js';
import { eachBackend } from './test-support/backends.js';

function row(fields: Partial<SpendLogRow> = {}): SpendLogRow {
  const startedAt = fields.startedAt ?? new Date('2026-03-01T10:00:00Z');
  return {
    id: randomUUID(),
    requestId: 'req-1',
    startedAt,
    endedAt: new Date(startedAt.getTime() + 1200),
    apiKey: hashToken('sk-a'),
    keyAlias: 'a',
    endUser: 'alice',
    teamId: 'design',
    modelGroup: 'edit',
    deploymentId: 'openai-east',
    provider: 'openai',
    model: 'gpt-image-1',
    spend: 0.04,
    promptTokens: 10,
    completionTokens: 100,
    totalTokens: 110,
    usage: { input_tokens: 10, output_tokens: 100, total_tokens: 110 },
    latencyMs: 1200,
    attempts: 1,
    status: 'success',
    errorCode: null,
    warnings: [],
    prompt: null,
    metadata: {},
    ...fields,
  };
}

describe('spend logs', () => {
  eachBackend((backend) => {
    it('inserts a batch once, adding its spend to keys and end-users', async () => {
      const store = await backend.open();
      await store.keys.create({ key: 'sk-a', maxBudget: 1 });
      const rows = [
        row(),
        row({ spend: 0.06, endUser: 'bob' }),
        row({ spend: null }),
        row({ apiKey: null, endUser: null }),
      ];
      expect(await store.spendLogs.insert(rows)).toBe(4);
      // Retried after an unclear failure: nothing counted twice.
      expect(await store.spendLogs.insert(rows)).toBe(0);
      expect((await store.keys.get(hashToken('sk-a')))?.spend).toBeCloseTo(0.1, 10);
      expect((await store.endUsers.get('alice'))?.spend).toBeCloseTo(0.04, 10);
      expect((await store.endUsers.get('bob'))?.spend).toBeCloseTo(0.06, 10);
      const [found] = await store.spendLogs.find({ requestId: 'req-1', endUser: 'bob' });
      expect(found).toEqual(rows[1]);
    });

    it('filters logs and totals by key, end-user, model and date range', async () => {
      const store = await backend.open();
      const day = (d: number, h = 10) => new Date(Date.UTC(2026, 2, d, h));
      await store.spendLogs.insert([
        row({ startedAt: day(1), spend: 0.01 }),
        row({ startedAt: day(2), spend: 0.02, modelGroup: 'gemini-edit', model: 'gemini-2.5-flash-image' }),
        row({ startedAt: day(3), spend: 0.03, apiKey: hashToken('sk-b'), endUser: 'bob' }),
        row({ startedAt: day(3, 23), spend: null, status: 'failure', errorCode: 'timeout' }),
      ]);
      expect((await store.spendLogs.find()).map((r) => r.spend)).toEqual([null, 0.03, 0.02, 0.01]);
      expect((await store.spendLogs.find({ apiKey: hashToken('sk-b') })).map((r) => r.endUser)).toEqual([
        'bob',
      ]);
      expect((await store.spendLogs.find({ model: 'gemini-edit' })).length).toBe(1);
      expect((await store.spendLogs.find({ model: 'gemini-2.5-flash-image' })).length).toBe(1);
      expect((await store.spendLogs.find({ start: day(2, 0), end: day(3, 0) })).map((r) => r.spend)).toEqual([
        0.02,
      ]);
      expect(await store.spendLogs.totals({ endUser: 'alice' })).toEqual({
        spend: 0.03,
        requests: 3,
        unpriced: 0,
      });
      expect(await store.spendLogs.find({}, 2)).toHaveLength(2);
    });

    it('finds by status, by the start of a key alias or hash, and by part of the end-user (LIKE characters literal)', async () => {
      const store = await backend.open();
      await store.spendLogs.insert([
        row({ requestId: 'r1', keyAlias: 'Team-A', endUser: 'Alice.Smith' }),
        row({
          requestId: 'r2',
          keyAlias: 'team-b',
          endUser: 'bob',
          status: 'failure',
          spend: null,
          errorCode: 'x',
        }),
        row({ requestId: 'r3', keyAlias: 'ops_1', endUser: '100%-real', apiKey: hashToken('sk-c') }),
        row({ requestId: 'r4', keyAlias: 'opsx1', endUser: null }),
      ]);
      const ids = async (query: Parameters<typeof store.spendLogs.find>[0]) =>
        (await store.spendLogs.find(query)).map((r) => r.requestId).sort();
      expect(await ids({ status: 'failure' })).toEqual(['r2']);
      expect(await ids({ status: 'success' })).toEqual(['r1', 'r3', 'r4']);
      expect(await ids({ keyPrefix: 'TEAM' })).toEqual(['r1', 'r2']);
      expect(await ids({ keyPrefix: 'ops_' })).toEqual(['r3']);
      expect(await ids({ keyPrefix: hashToken('sk-c').slice(0, 12) })).toEqual(['r3']);
      expect(await ids({ endUserContains: 'smith' })).toEqual(['r1']);
      expect(await ids({ endUserContains: '0%' })).toEqual(['r3']);
      expect(await ids({ status: 'success', keyPrefix: 'team' })).toEqual(['r1']);
    });

    it('reports spend per day and per key, end-user, model or team', async () => {
      const store = await backend.open();
      const day = (d: number) => new Date(Date.UTC(2026, 2, d, 12));
      await store.spendLogs.insert([
        row({ startedAt: day(1), spend: 0.01 }),
        row({ startedAt: day(1), spend: 0.02, endUser: 'bob', modelGroup: 'gemini-edit' }),
        row({ startedAt: day(2), spend: 0.04, totalTokens: 5 }),
        row({ startedAt: day(2), spend: null }),
      ]);
      expect(await store.spendLogs.report('day')).toEqual([
        { day: '2026-03-01', group: null, spend: 0.03, requests: 2, totalTokens: 220, unpriced: 0 },
        { day: '2026-03-02', group: null, spend: 0.04, requests: 2, totalTokens: 115, unpriced: 1 },
      ]);
      const byUser = await store.spendLogs.report('end_user', { start: day(1), end: day(2) });
      expect(byUser.map((l) => [l.group, l.spend])).toEqual([
        ['bob', 0.02],
        ['alice', 0.01],
      ]);
      expect((await store.spendLogs.report('model')).map((l) => `${l.day} ${l.group}`)).toEqual([
        '2026-03-01 gemini-edit',
        '2026-03-01 edit',
        '2026-03-02 edit',
      ]);
      expect((await store.spendLogs.report('api_key'))[0]?.group).toBe(hashToken('sk-a'));
      expect((await store.spendLogs.report('team'))[0]?.group).toBe('design');
    });

    it('reports spend per day and deployment, over a date range', async () => {
      const store = await backend.open();
      const at = (d: number, h = 12) => new Date(Date.UTC(2026, 2, d, h));
      await store.spendLogs.insert([
        row({ startedAt: at(1), spend: 0.01, deploymentId: 'openai-east' }),
        row({ startedAt: at(1), spend: 0.02, deploymentId: 'openai-west' }),
        row({ startedAt: at(1, 18), spend: 0.03, deploymentId: 'openai-west' }),
        row({ startedAt: at(2), spend: null, deploymentId: 'openai-east' }),
        row({ startedAt: at(2), spend: 0.5, deploymentId: null, status: 'failure', errorCode: 'x' }),
        row({ startedAt: at(3), spend: 0.07, deploymentId: 'openai-east' }),
      ]);
      const lines = await store.spendLogs.report('deployment', { start: at(1, 0), end: at(3, 0) });
      expect(lines.map((l) => [l.day, l.group, l.spend, l.requests, l.unpriced])).toEqual([
        ['2026-03-01', 'openai-west', 0.05, 2, 0],
        ['2026-03-01', 'openai-east', 0.01, 1, 0],
        ['2026-03-02', null, 0.5, 1, 0],
        ['2026-03-02', 'openai-east', 0, 1, 1],
      ]);
    });

    it('batches rows off the request path and counts the ones not yet written in summaries', async () => {
      const store = await backend.open({ spendWriter: { flushIntervalMs: 60_000, batchSize: 1000 } });
      store.logSpend(row({ spend: 0.5, deploymentId: 'd1' }));
      store.logSpend(row({ spend: null }));
      expect(store.pendingSpend()).toHaveLength(2);
      expect(await store.spendSummary()).toEqual({
        totalUsd: 0.5,
        byDeployment: { d1: 0.5 },
        byModelGroup: { edit: 0.5 },
        byUser: { alice: 0.5 },
        byKey: { [hashToken('sk-a')]: 0.5 },
        unpricedCalls: 1,
      });
      await store.flushSpend();
      expect(store.pendingSpend()).toHaveLength(0);
      expect((await store.spendSummary()).totalUsd).toBe(0.5);
      expect((await store.spendSummary()).unpricedCalls).toBe(1);
      expect(store.health().spendLog).toMatchObject({ pending: 0, written: 2, dropped: 0, failing: false });
    });

    it('writes what is queued on close', async () => {
      const schema = backend.name === 'postgres' ? { schema: 'test_close' } : {};
      const first = await backend.open({ ...schema, spendWriter: { flushIntervalMs: 60_000 } });
      for (let i = 0; i < 450; i++) first.logSpend(row({ requestId: `r${i}` }));
      expect(await first.close()).toBe(0);
      const again = await backend.open(schema, { keepData: true });
      expect((await again.spendLogs.totals()).requests).toBe(450);
    });
  });
});

describe('SpendWriter', () => {
  it('keeps rows while the database fails, in order, and drops the oldest past its bound', async () => {
    const written: string[] = [];
    let failing = true;
    const errors: string[] = [];
    const writer = new SpendWriter(
      {
        async insert(rows) {
          if (failing) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          written.push(...rows.map((r) => r.requestId));
          return rows.length;
        },
      },
      {
        flushIntervalMs: 5,
        batchSize: 2,
        maxQueued: 4,
        maxRetryDelayMs: 10,
        onError: (e) => errors.push(e.message),
      },
    );
    for (let i = 0; i < 6; i++) writer.add(row({ requestId: `r${i}` }));
    await writer.flush();
    expect(writer.health()).toMatchObject({ pending: 4, dropped: 2, failing: true });
    expect(errors).toContain('spend log queue full: dropped 1 oldest rows');
    failing = false;
    expect(await writer.close(5000)).toBe(0);
    expect(written).toEqual(['r2', 'r3', 'r4', 'r5']);
  });
});
