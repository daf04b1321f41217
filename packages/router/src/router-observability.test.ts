import { describe, expect, it } from '@jest/globals';
import { getMeta } from '@retouch/core';
import { BudgetExceededError } from './errors.js';
import { ACME_KEY } from './test-support/fake-provider.js';
import {
  acme,
  edit,
  hits,
  IMAGE,
  OPENAI_KEY,
  openai,
  recorder,
  runConcurrently,
} from './test-support/harness.js';
import { a, b, f, useTestbed } from './test-support/testbed.js';
import type { RouterCallback } from './types.js';

const router = useTestbed();

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

describe('spend', () => {
  it('sums _meta.costUsd per deployment, group, end-user and key, and counts unpriced calls', async () => {
    const r = await router({
      model_list: [
        openai(a, 'a'),
        openai(b, 'b', 'gpt-image-2', { output_cost_per_image: 0.03 }),
        acme(f, 'priced', 'acme-edit', 'acme/inpaint', { output_cost_per_image: 0.011 }),
        acme(f, 'unpriced', 'acme-free', 'acme/basic'),
      ],
    });
    const calls = Array.from({ length: 60 }, (_, i) => ({
      model: ['gpt-image-2', 'acme-edit', 'acme-free'][i % 3] as string,
      user: ['ann', 'bob', 'cy', 'dee'][i % 4] as string,
      key: i % 5 === 0 ? undefined : `key-${i % 2}`,
      n: 1 + (i % 2),
    }));
    const responses = await runConcurrently(calls.length, 6, (i) => {
      const c = calls[i] as (typeof calls)[number];
      const n = c.model === 'acme-free' ? 1 : c.n;
      return r.imageEdit(edit(c.model, { user: c.user, n }), { apiKeyHash: c.key });
    });
    const metas = responses.map((x) => getMeta(x));
    const spend = await r.spend();
    const priced = (pick: (i: number) => boolean) =>
      sum(metas.filter((m, i) => pick(i) && m.costUsd !== null).map((m) => m.costUsd as number));

    expect(spend.totalUsd).toBeCloseTo(
      priced(() => true),
      9,
    );
    for (const user of ['ann', 'bob', 'cy', 'dee']) {
      expect(spend.byUser[user]).toBeCloseTo(
        priced((i) => calls[i]?.user === user),
        9,
      );
    }
    for (const key of ['key-0', 'key-1'])
      expect(spend.byKey[key]).toBeCloseTo(
        priced((i) => calls[i]?.key === key),
        9,
      );
    for (const id of ['a', 'b', 'priced']) {
      expect(spend.byDeployment[id] ?? 0).toBeCloseTo(
        priced((i) => metas[i]?.deploymentId === id),
        9,
      );
    }
    expect(spend.byModelGroup['acme-edit']).toBeCloseTo(
      sum(metas.filter((m) => m.modelGroup === 'acme-edit').map((m) => m.costUsd as number)),
      9,
    );
    expect(spend.byDeployment.unpriced).toBeUndefined();
    expect(spend.unpricedCalls).toBe(20);
    expect(
      metas
        .filter((m) => m.deploymentId === 'priced')
        .every((m) => m.costUsd === 0.011 || m.costUsd === 0.022),
    ).toBe(true);
  });

  it('enforces max_end_user_budget before calling, per end-user', async () => {
    const r = await router({
      model_list: [acme(f, 'f', 'edit', 'acme/inpaint', { output_cost_per_image: 0.02 })],
      max_end_user_budget: 0.05,
    });
    for (let i = 0; i < 3; i++) await r.imageEdit(edit('edit', { user: 'ann' }));
    const error = await r.imageEdit(edit('edit', { user: 'ann' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).status).toBe(429);
    expect((error as BudgetExceededError).toJSON().error).toMatchObject({
      code: 'budget_exceeded',
      param: 'user',
    });
    expect((error as BudgetExceededError).spentUsd).toBeCloseTo(0.06, 9);
    expect(hits(f)).toBe(3);
    await r.imageEdit(edit('edit', { user: 'bob' }));
    expect(hits(f)).toBe(4);
  });

  it("leaves the end-user's budget to the caller when it gives one (scope user), and adds its own otherwise", async () => {
    const r = await router({
      model_list: [acme(f, 'f', 'edit', 'acme/inpaint', { output_cost_per_image: 0.02 })],
      max_end_user_budget: 0.01,
    });
    // The caller counts ann from elsewhere (a database): 0.03 spent of her 0.05.
    const ann = { scope: 'user' as const, id: 'ann@all', maxUsd: 0.05, label: 'ann', seedUsd: 0.03 };
    await r.imageEdit(edit('edit', { user: 'ann' }), { budgets: [ann] });
    const over = (await r
      .imageEdit(edit('edit', { user: 'ann' }), { budgets: [ann] })
      .catch((e: unknown) => e)) as BudgetExceededError;
    expect(over).toBeInstanceOf(BudgetExceededError);
    expect(over.spentUsd).toBeCloseTo(0.05, 9);
    expect(hits(f)).toBe(1);
    // A key budget alone leaves the end-user to max_end_user_budget: the second call is refused.
    const key = { scope: 'key' as const, id: 'k1', maxUsd: 10 };
    await r.imageEdit(edit('edit', { user: 'bob' }), { budgets: [key] });
    await expect(r.imageEdit(edit('edit', { user: 'bob' }), { budgets: [key] })).rejects.toMatchObject({
      param: 'user',
      code: 'budget_exceeded',
    });
    expect(hits(f)).toBe(2);
  });
});

describe('budgets under concurrency', () => {
  it('30 concurrent calls on a tiny budget: one is served, the rest are refused before any upstream call', async () => {
    const r = await router({
      model_list: [acme(f, 'f', 'edit', 'acme/inpaint', { output_cost_per_image: 0.011 })],
      max_end_user_budget: 0.001,
    });
    f.injectFault({ type: 'delay', ms: 150 }, { times: Number.POSITIVE_INFINITY });
    const key = { scope: 'key' as const, id: 'k1', maxUsd: 0.001, label: 'team-a' };
    const settled = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        r.imageEdit(edit('edit', { user: i % 2 === 0 ? 'ann' : 'bob' }), {
          apiKeyHash: 'k1',
          budgets: [key],
        }),
      ),
    );
    const served = settled.filter((x) => x.status === 'fulfilled');
    const refused = settled.flatMap((x) => (x.status === 'rejected' ? [x.reason] : []));
    expect(served).toHaveLength(1);
    expect(hits(f)).toBe(1);
    expect(refused).toHaveLength(29);
    for (const error of refused) {
      expect(error).toBeInstanceOf(BudgetExceededError);
      expect((error as BudgetExceededError).toJSON().error.code).toBe('budget_exceeded');
    }
    expect((refused[0] as BudgetExceededError).message).toMatch(/key team-a|user "(ann|bob)"/);
    const spend = await r.spend();
    // Over the budget by at most one call's estimate.
    expect(spend.byKey.k1).toBeCloseTo(0.011, 9);
    // Settled: nothing is held any more, so the key stays refused on its spend alone.
    const after = (await r
      .imageEdit(edit('edit'), { budgets: [key] })
      .catch((e: unknown) => e)) as BudgetExceededError;
    expect(after.reservedUsd).toBe(0);
    expect(after.spentUsd).toBeCloseTo(0.011, 9);
  });

  it('releases the hold of a call that failed, so the budget is not eaten by failures', async () => {
    const r = await router({
      model_list: [acme(f, 'f', 'edit', 'acme/inpaint', { output_cost_per_image: 0.011 })],
      num_retries: 0,
    });
    const key = { scope: 'key' as const, id: 'k2', maxUsd: 0.015 };
    f.injectFault({ type: 'status', status: 503 });
    await expect(r.imageEdit(edit('edit'), { apiKeyHash: 'k2', budgets: [key] })).rejects.toMatchObject({
      status: 503,
    });
    const served = await r.imageEdit(edit('edit'), { apiKeyHash: 'k2', budgets: [key] });
    expect(getMeta(served).costUsd).toBeCloseTo(0.011, 9);
    expect((await r.spend()).byKey.k2).toBeCloseTo(0.011, 9);
  });
});

describe('callbacks', () => {
  it('gives every event one standard payload, never with image bytes or secrets', async () => {
    const events = recorder();
    const r = await router({
      model_list: [
        openai(a, 'a', 'gpt-image-2', { order: 1 }),
        openai(b, 'b', 'gpt-image-2', { order: 2 }),
        acme(f, 'f', 'backup'),
      ],
      fallbacks: [{ 'gpt-image-2': ['backup'] }],
      callbacks: [events],
      num_retries: 1,
    });
    a.injectFault({ type: 'status', status: 503 });
    const ok = await r.imageEdit(edit('gpt-image-2', { user: 'ann' }), {
      requestId: 'req-1',
      apiKeyHash: 'h1',
    });
    expect(events.events.map((e) => e.event)).toEqual(['start', 'retry', 'success']);
    expect(events.of('start')[0]).toMatchObject({
      requestId: 'req-1',
      modelGroup: 'gpt-image-2',
      user: 'ann',
      apiKeyHash: 'h1',
      attempts: 0,
    });
    expect(events.of('retry')[0]).toMatchObject({
      deploymentId: 'a',
      provider: 'openai',
      errorStatus: 503,
      attempts: 1,
    });
    expect(events.of('success')[0]).toMatchObject({
      requestId: 'req-1',
      deploymentId: 'b',
      provider: 'openai',
      model: 'gpt-image-2',
      attempts: 2,
      costUsd: getMeta(ok).costUsd,
      latencyMs: expect.any(Number),
    });

    a.injectFault({ type: 'status', status: 503 }, { times: 5 });
    b.injectFault({ type: 'status', status: 503 }, { times: 5 });
    f.injectFault({ type: 'status', status: 500 }, { times: 5 });
    await expect(r.imageEdit(edit('gpt-image-2'), { requestId: 'req-2' })).rejects.toMatchObject({
      status: 500,
    });
    const failed = events.events.filter((e) => e.requestId === 'req-2');
    expect(failed.map((e) => e.event)).toEqual(['start', 'retry', 'fallback', 'retry', 'failure']);
    expect(failed.find((e) => e.event === 'fallback')).toMatchObject({
      modelGroup: 'gpt-image-2',
      fallbackTo: 'backup',
    });
    expect(failed.at(-1)).toMatchObject({
      errorClass: 'InternalServerError',
      errorStatus: 500,
      deploymentId: 'f',
    });

    const text = JSON.stringify(events.events);
    for (const secret of [OPENAI_KEY, ACME_KEY, IMAGE.toString('base64').slice(0, 40), 'Make it red']) {
      expect(text).not.toContain(secret);
    }
  });

  it('never lets a callback break or slow a call', async () => {
    const throwing: RouterCallback = {
      onStart() {
        throw new Error('boom');
      },
      onSuccess: () => Promise.reject(new Error('async boom')),
      onFailure: () => new Promise(() => {}),
    };
    const events = recorder();
    const r = await router({ model_list: [openai(a, 'a')], callbacks: [throwing, events] });
    const response = await r.imageEdit(edit('gpt-image-2'));
    expect(response.data).toHaveLength(1);
    expect(events.of('success')).toHaveLength(1);
  });
});
