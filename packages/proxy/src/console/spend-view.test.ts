import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { ConsoleOverview } from '@retouch/proxy-console';
import type { SpendLogRow, Store } from '@retouch/store';
import { pino } from 'pino';
import { eachBackend } from '@retouch/store/test-support';
import {
  type Harness,
  IMAGE,
  MASTER_KEY,
  PROXY_STORES,
  postForm,
  startHarness,
} from '../test-support/harness.js';
import { ConsoleRecorder } from './recorder.js';
import { overviewSpend } from './spend-view.js';

const NOW = Date.parse('2026-12-15T12:00:00Z');
const quiet = pino({ level: 'silent' });

function row(at: string, fields: Partial<SpendLogRow> = {}): SpendLogRow {
  const startedAt = new Date(at);
  return {
    id: randomUUID(),
    requestId: randomUUID(),
    startedAt,
    endedAt: new Date(startedAt.getTime() + 900),
    apiKey: null,
    keyAlias: null,
    endUser: null,
    teamId: null,
    modelGroup: 'gpt-image-2',
    deploymentId: 'openai-a',
    provider: 'openai',
    model: 'gpt-image-2',
    spend: 0.04,
    promptTokens: null,
    completionTokens: null,
    totalTokens: null,
    usage: null,
    latencyMs: 900,
    attempts: 1,
    status: 'success',
    errorCode: null,
    warnings: [],
    prompt: null,
    metadata: {},
    ...fields,
  };
}

/** A recorder that saw one edit of its own, so that reading memory instead of the store shows. */
function recorderWithOwnEdit(): ConsoleRecorder {
  const recorder = new ConsoleRecorder({ now: () => NOW });
  recorder.record({
    requestId: 'here',
    at: NOW - 1000,
    status: 200,
    ok: true,
    stream: false,
    modelGroup: 'gpt-image-2',
    deployment: 'openai-here',
    provider: 'openai',
    attempts: 1,
    costUsd: 9,
    latencyMs: 800,
    user: null,
    keyAlias: null,
    keyHash: null,
    errorCode: null,
    errorMessage: null,
  });
  return recorder;
}

async function overview(url: string): Promise<ConsoleOverview> {
  const login = await fetch(`${url}/ui/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: MASTER_KEY }),
  });
  const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
  const response = await fetch(`${url}/ui/api/overview`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return (await response.json()) as ConsoleOverview;
}

describe("the Overview's spend", () => {
  eachBackend((backend) => {
    it('sums today and this month per model group and deployment from the spend log, whichever proxy wrote it', async () => {
      const store = await backend.open();
      await store.spendLogs.insert([
        row('2026-12-15T00:00:00Z', { spend: 0.04 }),
        row('2026-12-15T11:59:00Z', { spend: 0.06, deploymentId: 'openai-b' }),
        row('2026-12-15T08:00:00Z', { spend: null }),
        row('2026-12-15T09:00:00Z', { spend: null, status: 'failure', errorCode: 'timeout' }),
        row('2026-12-01T00:00:00Z', { spend: 0.25, modelGroup: 'dall-e-2', deploymentId: 'dalle-b' }),
        row('2026-12-14T23:59:59Z', { spend: 0.5 }),
        row('2026-11-30T23:59:59Z', { spend: 7 }),
        row('2027-01-01T00:00:00Z', { spend: 11 }),
      ]);
      const answer = await overviewSpend({ store, log: quiet }, recorderWithOwnEdit(), NOW);
      expect(answer.source).toBe('store');
      expect(answer.storeError).toBeNull();
      expect(answer.spend.today.totalUsd).toBeCloseTo(0.1, 10);
      expect(answer.spend.today.unpricedCalls).toBe(1);
      expect(answer.spend.today.byModelGroup).toEqual({ 'gpt-image-2': expect.closeTo(0.1, 10) });
      expect(answer.spend.today.byDeployment).toEqual({
        'openai-a': expect.closeTo(0.04, 10),
        'openai-b': expect.closeTo(0.06, 10),
      });
      expect(answer.spend.month.totalUsd).toBeCloseTo(0.85, 10);
      expect(answer.spend.month.byModelGroup).toEqual({
        'gpt-image-2': expect.closeTo(0.6, 10),
        'dall-e-2': expect.closeTo(0.25, 10),
      });
      expect(answer.spend.month.byDeployment).toEqual({
        'openai-a': expect.closeTo(0.54, 10),
        'openai-b': expect.closeTo(0.06, 10),
        'dalle-b': expect.closeTo(0.25, 10),
      });
    });

    it('includes rows still queued for the database', async () => {
      const store = await backend.open({ spendWriter: { flushIntervalMs: 60_000, batchSize: 1000 } });
      store.logSpend(row('2026-12-15T10:00:00Z', { spend: 0.125 }));
      const answer = await overviewSpend({ store, log: quiet }, recorderWithOwnEdit(), NOW);
      expect(answer.spend.today.byDeployment).toEqual({ 'openai-a': 0.125 });
    });

    it('survives a proxy restart on the same database', async () => {
      const schema = backend.name === 'postgres' ? { schema: 'console_restart' } : {};
      const first = await backend.open(schema);
      let h: Harness = await startHarness({ store: first });
      try {
        for (let i = 0; i < 2; i++) {
          const response = await postForm(h.url, [
            { name: 'model', value: 'gpt-image-2' },
            { name: 'prompt', value: 'x' },
            { name: 'image', file: IMAGE },
          ]);
          expect(response.status).toBe(200);
        }
        const before = await overview(h.url);
        expect(before.source).toBe('store');
        expect(before.spend.today.totalUsd).toBeGreaterThan(0);
        await h.close();
        // A new proxy process on the same database: nothing in its memory, the same spend on its page.
        const second = backend.name === 'postgres' ? await backend.open(schema) : first;
        h = await startHarness({ store: second });
        const after = await overview(h.url);
        expect(after.window.requests).toBe(0);
        expect(after.source).toBe('store');
        expect(after.spend).toEqual(before.spend);
        expect(Object.keys(after.spend.today.byDeployment)).toEqual(['openai-sim']);
        expect(Object.keys(after.spend.today.byModelGroup)).toEqual(['gpt-image-2']);
      } finally {
        await h.close();
      }
    });
  }, PROXY_STORES);

  it("falls back to this process's memory, saying why, while the spend log cannot be read", async () => {
    const broken = {
      flushSpend: async () => {},
      spendLogs: {
        report: async () => {
          throw new Error('connection refused');
        },
      },
    } as unknown as Store;
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const answer = await overviewSpend({ store: broken, log }, recorderWithOwnEdit(), NOW);
    expect(answer.source).toBe('memory');
    expect(answer.storeError).toContain('connection refused');
    expect(answer.spend.today.byDeployment).toEqual({ 'openai-here': 9 });
    expect(warnings.join('')).toContain('cannot read spend from the spend log');
    const none = await overviewSpend({ store: undefined, log }, recorderWithOwnEdit(), NOW);
    expect(none).toMatchObject({ source: 'memory', storeError: null });
    expect(none.spend.month.totalUsd).toBe(9);
  });
});
