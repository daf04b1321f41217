import { describe, expect, it } from '@jest/globals';
import { getMeta, NotFoundError } from '@retouch/core';
import { createOpenAIMask, createPng } from '@retouch/testing';
import { NoCapableDeploymentError, NoDeploymentAvailableError } from './errors.js';
import {
  acme,
  countBy,
  edit,
  hits,
  openai,
  runConcurrently,
  sentAnyway,
  until,
} from './test-support/harness.js';
import { a, b, f, useTestbed } from './test-support/testbed.js';

const router = useTestbed();

describe('simple-shuffle', () => {
  it('splits traffic by weight over many calls (3:1 within tolerance)', async () => {
    const r = await router({
      model_list: [
        openai(a, 'a', 'gpt-image-2', { weight: 3 }),
        openai(b, 'b', 'gpt-image-2', { weight: 1 }),
      ],
    });
    const responses = await runConcurrently(400, 8, () => r.imageEdit(edit('gpt-image-2')));
    const counts = countBy(responses, (x) => getMeta(x).deploymentId);
    // p = 0.75, n = 400: σ ≈ 0.022; ±4σ.
    expect((counts.a ?? 0) / 400).toBeGreaterThan(0.66);
    expect((counts.a ?? 0) / 400).toBeLessThan(0.84);
    expect(hits(a)).toBe(counts.a);
    expect(hits(b)).toBe(counts.b);
    expect(responses.every((x) => getMeta(x).attempts === 1)).toBe(true);
    // 400 edits: a few seconds alone, far more on a loaded 2-core machine.
  }, 60_000);
});

describe('least-busy', () => {
  it('sends the next request to the deployment with fewer calls in flight', async () => {
    const r = await router({
      routing_strategy: 'least-busy',
      model_list: [openai(a, 'a'), openai(b, 'b')],
    });
    for (const sim of [a, b])
      sim.injectFault({ type: 'delay', ms: 60_000 }, { times: Number.POSITIVE_INFINITY });
    const controller = new AbortController();
    const first = r.imageEdit(edit('gpt-image-2'), { signal: controller.signal }).catch((e: unknown) => e);
    const busy = await until(
      async () => (await r.deployments()).find((d) => d.inFlight === 1),
      'a call in flight',
    );
    const idle = busy.id === 'a' ? 'b' : 'a';
    for (let i = 0; i < 20; i++) expect((await r.route(edit('gpt-image-2'))).deploymentId).toBe(idle);
    const second = r.imageEdit(edit('gpt-image-2'), { signal: controller.signal }).catch((e: unknown) => e);
    await until(async () => (await r.deployments()).every((d) => d.inFlight === 1), 'one call on each');
    // In flight is counted as the attempt starts; its request reaches the simulator a moment later.
    await until(() => hits(a) + hits(b) === 2, 'both requests at the simulators');
    expect(hits(a)).toBe(1);
    expect(hits(b)).toBe(1);
    controller.abort();
    expect(await first).toMatchObject({ name: 'APIUserAbortError', status: 499 });
    expect(await second).toMatchObject({ name: 'APIUserAbortError' });
  });
});

describe('latency-based-routing', () => {
  it('measures each deployment, then prefers the fast one', async () => {
    const r = await router({
      routing_strategy: 'latency-based-routing',
      model_list: [openai(a, 'fast'), openai(b, 'slow')],
    });
    b.injectFault({ type: 'delay', ms: 400 }, { times: Number.POSITIVE_INFINITY });
    // Unmeasured deployments go first: two calls measure both.
    const warm = [await r.imageEdit(edit('gpt-image-2')), await r.imageEdit(edit('gpt-image-2'))];
    expect(warm.map((x) => getMeta(x).deploymentId).sort()).toEqual(['fast', 'slow']);
    const health = await r.deployments();
    const latency = (id: string) => health.find((d) => d.id === id)?.latencyMsAvg ?? 0;
    expect(latency('slow')).toBeGreaterThanOrEqual(400);
    expect(latency('fast')).toBeLessThan(latency('slow'));
    const next = await runConcurrently(10, 1, () => r.imageEdit(edit('gpt-image-2')));
    expect(next.map((x) => getMeta(x).deploymentId)).toEqual(Array(10).fill('fast'));
  });
});

describe('usage-based-routing', () => {
  it('spreads by rpm headroom and refuses with a 429 once every deployment is at its limit', async () => {
    const r = await router({
      routing_strategy: 'usage-based-routing-v2',
      model_list: [openai(a, 'a', 'gpt-image-2', { rpm: 2 }), openai(b, 'b', 'gpt-image-2', { rpm: 2 })],
      // Without retries the 429 comes back at once instead of waiting for the next minute.
      num_retries: 0,
    });
    const served = [];
    for (let i = 0; i < 4; i++) served.push(getMeta(await r.imageEdit(edit('gpt-image-2'))).deploymentId);
    expect(countBy(served, (x) => x)).toEqual({ a: 2, b: 2 });
    const error = await r.imageEdit(edit('gpt-image-2')).catch((e: unknown) => e);
    // A new minute may have begun between the calls; then the fifth call is served.
    if (error instanceof NoDeploymentAvailableError) {
      expect(error.status).toBe(429);
      expect(error.message).toContain('rpm/tpm limits');
      expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
      expect(hits(a) + hits(b)).toBe(4);
    } else expect(hits(a) + hits(b)).toBe(5);
  });
});

describe('cost-based-routing', () => {
  it('sends traffic to the cheapest deployment by price override', async () => {
    const r = await router({
      routing_strategy: 'cost-based-routing',
      model_list: [
        openai(a, 'dear', 'gpt-image-2', { output_cost_per_image: 0.2 }),
        openai(b, 'cheap', 'gpt-image-2', { output_cost_per_image: 0.01 }),
      ],
    });
    const served = await runConcurrently(10, 2, () => r.imageEdit(edit('gpt-image-2')));
    expect(served.map((x) => getMeta(x).deploymentId)).toEqual(Array(10).fill('cheap'));
    expect(getMeta(served[0] as never).costUsd).toBe(0.01);
  });
});

describe('order tiers', () => {
  it('uses the lowest order while it is healthy, the next tier only while it cools down', async () => {
    const r = await router({
      model_list: [
        openai(a, 'primary', 'gpt-image-2', { order: 1 }),
        openai(b, 'backup', 'gpt-image-2', { order: 2 }),
      ],
      cooldown_time: 60,
    });
    const first = await runConcurrently(10, 2, () => r.imageEdit(edit('gpt-image-2')));
    expect(first.every((x) => getMeta(x).deploymentId === 'primary')).toBe(true);
    a.injectFault({ type: 'status', status: 401 });
    const moved = await r.imageEdit(edit('gpt-image-2'));
    expect(getMeta(moved)).toMatchObject({ deploymentId: 'backup', attempts: 2 });
    expect((await r.deployments()).find((d) => d.id === 'primary')?.healthy).toBe(false);
    const later = await runConcurrently(5, 1, () => r.imageEdit(edit('gpt-image-2')));
    expect(later.every((x) => getMeta(x).deploymentId === 'backup')).toBe(true);
    expect(hits(a)).toBe(11);
  });
});

describe('capability-aware selection', () => {
  it('never sends a request to a deployment whose model cannot take it', async () => {
    const r = await router({
      model_list: [
        // dall-e-2 was shut down on 2026-05-12; sent anyway, it is a model of few capabilities.
        sentAnyway(openai(a, 'dalle', 'mixed', { model: 'dall-e-2', weight: 100 })),
        openai(b, 'gpt', 'mixed', { weight: 1 }),
        acme(f, 'basic', 'mixed', 'acme/basic', { weight: 100 }),
      ],
    });
    const two = await runConcurrently(10, 2, () =>
      r.imageEdit(edit('mixed', { image: [createPng(16, 16), createPng(16, 16)] })),
    );
    expect(two.every((x) => getMeta(x).deploymentId === 'gpt')).toBe(true);
    const masked = await r.imageEdit(
      edit('mixed', {
        image: createPng(64, 48),
        mask: createOpenAIMask(64, 48, { x: 0, y: 0, width: 8, height: 8 }),
      }),
    );
    expect(getMeta(masked).deploymentId).toBe('gpt');
    expect(hits(a) + hits(f)).toBe(0);
  });

  it('answers 400 saying why per deployment when none can, and calls nothing', async () => {
    const r = await router({
      model_list: [
        sentAnyway(openai(a, 'dalle', 'mixed', { model: 'dall-e-2' })),
        acme(f, 'basic', 'mixed', 'acme/basic'),
      ],
    });
    const error = await r.imageEdit(edit('mixed', { image: [IMAGE2, IMAGE2] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoCapableDeploymentError);
    const e = error as NoCapableDeploymentError;
    expect(e.status).toBe(400);
    expect(e.param).toBe('image');
    expect(e.code).toBe('too_many_images');
    expect(e.message).toContain(
      'deployment dalle (openai/dall-e-2): image: openai/dall-e-2 accepts at most 1 input image',
    );
    expect(e.message).toContain('deployment basic (acme/basic)');
    expect(e.toJSON().error.type).toBe('invalid_request_error');
    expect(hits(a) + hits(f)).toBe(0);
  });
});

const IMAGE2 = createPng(16, 16);

describe('model resolution', () => {
  it('accepts a deployment model as well as a group, and 404s an unknown model listing the groups', async () => {
    const r = await router({ model_list: [openai(a, 'a', 'images')] });
    expect(r.modelGroups()).toEqual(['images']);
    const byModel = await r.imageEdit(edit('openai/gpt-image-2'));
    expect(getMeta(byModel)).toMatchObject({ deploymentId: 'a', modelGroup: 'openai/gpt-image-2' });
    const error = await r.imageEdit(edit('dall-e-3')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toContain('Known: images');
    expect((error as NotFoundError).code).toBe('model_not_found');
  });

  it('forwards the end-user to providers that take it and reports it in _meta', async () => {
    const r = await router({ model_list: [openai(a, 'a')] });
    const response = await r.imageEdit(edit('gpt-image-2', { user: 'end-user-7' }));
    expect(a.lastRequest().fields?.user).toEqual(['end-user-7']);
    expect(getMeta(response).user).toBe('end-user-7');
  });

  it('route() tells where a request would go without calling anything', async () => {
    const r = await router({ model_list: [openai(a, 'a'), acme(f, 'f', 'other')] });
    expect(await r.route(edit('gpt-image-2'))).toEqual({
      modelGroup: 'gpt-image-2',
      deploymentId: 'a',
      provider: 'openai',
      model: 'gpt-image-2',
    });
    expect(hits(a)).toBe(0);
  });
});
