/**
 * Issue 6 "Done when": gpt-image-2 on two OpenAI deployments (weights 3:1) with a Gemini fallback
 * group serves many edits with one deployment failing 30 % of the time, loses nothing,
 * splits about 3:1 while both are healthy, cools the failing one down, falls back when both OpenAI
 * deployments are down, and reports spend per end-user matching the sum of `_meta.costUsd`.
 * (400 calls here; `pnpm bench` runs the same scenario with 1,000.)
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { getMeta, type ImageEditResponse, RetouchError } from '@retouch/core';
import {
  type GeminiSimulator,
  type Simulator,
  startGeminiSimulator,
  startOpenAISimulator,
} from '@retouch/testing';
import { Router } from './router.js';
import { countBy, edit, gemini, openai, recorder, runConcurrently, seeded } from './test-support/harness.js';

let heavy: Simulator;
let light: Simulator;
let fallback: GeminiSimulator;

beforeAll(async () => {
  [heavy, light, fallback] = await Promise.all([
    startOpenAISimulator(),
    startOpenAISimulator(),
    startGeminiSimulator(),
  ]);
});
afterAll(async () => {
  await Promise.all([heavy.close(), light.close(), fallback.close()]);
});

it('serves every edit through a 30 % failing deployment and a full OpenAI outage, with exact spend', async () => {
  const events = recorder();
  const router = await Router.create({
    model_list: [
      openai(heavy, 'openai-heavy', 'gpt-image-2', { weight: 3 }),
      openai(light, 'openai-light', 'gpt-image-2', { weight: 1 }),
      gemini(fallback, 'gemini', 'gemini-edit'),
    ],
    fallbacks: [{ 'gpt-image-2': ['gemini-edit'] }],
    num_retries: 2,
    allowed_fails: 3,
    cooldown_time: 1,
    callbacks: [events],
  });
  const users = ['ann', 'bob', 'cy', 'dee', 'eve'];
  const outcomes: (ImageEditResponse | RetouchError)[] = [];
  const run = async (count: number) => {
    const start = outcomes.length;
    const results = await runConcurrently(count, 8, (i) =>
      router
        .imageEdit(edit('gpt-image-2', { user: users[(start + i) % users.length] }))
        .catch((error: unknown) => error as RetouchError),
    );
    outcomes.push(...results);
    return results;
  };
  const served = (results: (ImageEditResponse | RetouchError)[]) =>
    results.filter((r): r is ImageEditResponse => !RetouchError.isInstance(r));

  // 1. Both healthy: about 3:1.
  const healthy = served(await run(160));
  expect(healthy).toHaveLength(160);
  const split = countBy(healthy, (r) => getMeta(r).deploymentId);
  expect((split['openai-heavy'] ?? 0) / 160).toBeGreaterThan(0.63);
  expect((split['openai-heavy'] ?? 0) / 160).toBeLessThan(0.87);

  // 2. The heavy deployment fails 30 % of its calls: retried elsewhere, and cooled down.
  const random = seeded(42);
  heavy.injectFault(
    { type: 'status', status: 503 },
    { times: Number.POSITIVE_INFINITY, match: () => random() < 0.3 },
  );
  const flaky = served(await run(160));
  heavy.clearFaults();
  expect(flaky).toHaveLength(160);
  // More than allowed_fails (3) failures within the minute, then a cooldown …
  expect(events.of('retry').filter((e) => e.deploymentId === 'openai-heavy').length).toBeGreaterThanOrEqual(
    4,
  );
  const cooled = flaky.filter((r) =>
    getMeta(r).warnings.some((w) => w.includes('openai-heavy failed') && w.includes('cooling down until')),
  );
  expect(cooled.length).toBeGreaterThan(0);
  // … during which the traffic moved to the light deployment.
  const moved = countBy(flaky, (r) => getMeta(r).deploymentId);
  expect((moved['openai-light'] ?? 0) / 160).toBeGreaterThan((split['openai-light'] ?? 0) / 160);

  // 3. Both OpenAI deployments down: the Gemini group serves, in the same response shape.
  for (const sim of [heavy, light])
    sim.injectFault({ type: 'status', status: 503 }, { times: Number.POSITIVE_INFINITY });
  const outage = served(await run(80));
  expect(outage).toHaveLength(80);
  expect(
    outage.every((r) => getMeta(r).modelGroup === 'gemini-edit' && getMeta(r).provider === 'gemini'),
  ).toBe(true);
  expect(outage.every((r) => r.data[0]?.b64_json !== undefined)).toBe(true);
  expect(fallback.requests.filter((r) => r.method === 'POST')).toHaveLength(80);
  // Once both are cooling down, calls go straight to the fallback without touching OpenAI.
  expect(outage.some((r) => getMeta(r).attempts === 1)).toBe(true);

  // Nothing lost: every call answered, successes or OpenAI-shaped errors.
  expect(outcomes).toHaveLength(400);
  for (const outcome of outcomes) {
    if (RetouchError.isInstance(outcome)) {
      expect(outcome.toJSON()).toEqual({
        error: expect.objectContaining({ message: expect.any(String), type: expect.any(String) }),
      });
    } else expect(outcome.data.length).toBeGreaterThan(0);
  }

  // Spend per end-user matches the sum of _meta.costUsd.
  const spend = await router.spend();
  const responses = served(outcomes);
  for (const user of users) {
    const expected = responses
      .filter((r) => getMeta(r).user === user)
      .reduce((total, r) => total + (getMeta(r).costUsd ?? 0), 0);
    expect(spend.byUser[user]).toBeCloseTo(expected, 9);
  }
  expect(spend.unpricedCalls).toBe(0);
  expect(spend.totalUsd).toBeCloseTo(
    responses.reduce((t, r) => t + (getMeta(r).costUsd as number), 0),
    9,
  );
  await router.close();
  // 600 edits: ~11 s alone, more on a loaded 2-core machine.
}, 60_000);
