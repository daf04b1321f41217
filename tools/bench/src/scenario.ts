/**
 * The issue-6 "Done when" scenario at full size: `gpt-image-2` on two OpenAI deployments (weights
 * 3:1) with a Gemini fallback group, 1,000 edits: 500 healthy, 300 with the heavy deployment failing 30 %
 * of its calls, 200 with both OpenAI deployments down. Prints the split, the cooldowns, the
 * fallbacks, the calls lost and whether spend per end-user matches the sum of `_meta.costUsd`.
 * @module
 */
import { getMeta, type ImageEditResponse, RetouchError } from '@retouch/core';
import { Router, type RouterLogPayload } from '@retouch/router';
import { createPng, startGeminiSimulator, startOpenAISimulator } from '@retouch/testing';
import { printTable } from './stats.js';

const KEY = 'sk-test-simulator';

async function concurrently<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs the scenario and prints its table.
 *
 * @example
 * ```ts
 * await benchScenario(); // prints the 1,000-call scenario table
 * ```
 */
export async function benchScenario(): Promise<void> {
  const [heavy, light, fallback] = await Promise.all([
    startOpenAISimulator(),
    startOpenAISimulator(),
    startGeminiSimulator(),
  ]);
  const deployment = (url: string, id: string, weight: number) => ({
    model_name: 'gpt-image-2',
    litellm_params: { model: 'gpt-image-2', api_key: KEY, api_base: `${url}/v1`, weight },
    model_info: { id },
  });
  const events: RouterLogPayload[] = [];
  const router = await Router.create({
    model_list: [
      deployment(heavy.url, 'openai-heavy', 3),
      deployment(light.url, 'openai-light', 1),
      {
        model_name: 'gemini-edit',
        litellm_params: {
          model: 'gemini/gemini-3.1-flash-image',
          api_key: 'gemini-sim-key',
          api_base: fallback.url,
        },
        model_info: { id: 'gemini' },
      },
    ],
    fallbacks: [{ 'gpt-image-2': ['gemini-edit'] }],
    num_retries: 2,
    cooldown_time: 1,
    callbacks: [{ onRetry: (p) => void events.push(p), onFallback: (p) => void events.push(p) }],
  });
  const users = ['ann', 'bob', 'cy', 'dee', 'eve'];
  const image = createPng(64, 64);
  let index = 0;
  const run = (count: number) =>
    concurrently(count, 8, () =>
      router
        .imageEdit({ model: 'gpt-image-2', image, prompt: 'bench', user: users[index++ % users.length] })
        .catch((error: unknown) => error as RetouchError),
    );
  const served = (xs: (ImageEditResponse | RetouchError)[]) =>
    xs.filter((x): x is ImageEditResponse => !RetouchError.isInstance(x));
  const by = (xs: ImageEditResponse[], id: string) => xs.filter((x) => getMeta(x).deploymentId === id).length;

  const started = performance.now();
  const healthy = await run(500);
  const random = seeded(7);
  heavy.injectFault(
    { type: 'status', status: 503 },
    { times: Number.POSITIVE_INFINITY, match: () => random() < 0.3 },
  );
  const flaky = await run(300);
  for (const sim of [heavy, light]) {
    sim.clearFaults();
    sim.injectFault({ type: 'status', status: 503 }, { times: Number.POSITIVE_INFINITY });
  }
  const outage = await run(200);
  const seconds = (performance.now() - started) / 1000;

  const all = [...healthy, ...flaky, ...outage];
  const ok = served(all);
  const lost = all.filter((x) => RetouchError.isInstance(x) && typeof x.toJSON().error.message !== 'string');
  const spend = await router.spend();
  const mismatch = users.filter((user) => {
    const expected = ok
      .filter((r) => getMeta(r).user === user)
      .reduce((t, r) => t + (getMeta(r).costUsd ?? 0), 0);
    return Math.abs((spend.byUser[user] ?? 0) - expected) > 1e-9;
  });
  const cooldowns = ok.filter((r) =>
    getMeta(r).warnings.some((w) => w.includes('cooling down until')),
  ).length;
  const row = (phase: string, xs: (ImageEditResponse | RetouchError)[]) => {
    const s = served(xs);
    return [
      phase,
      String(xs.length),
      String(s.length),
      String(xs.length - s.length),
      String(by(s, 'openai-heavy')),
      String(by(s, 'openai-light')),
      String(by(s, 'gemini')),
    ];
  };
  printTable(
    `Issue-6 scenario: 1,000 edits in ${seconds.toFixed(1)} s, 8 concurrent`,
    ['phase', 'calls', 'served', 'errors', 'OpenAI heavy (w3)', 'OpenAI light (w1)', 'Gemini'],
    [
      row('both healthy', healthy),
      row('heavy fails 30 %', flaky),
      row('OpenAI down', outage),
      row('total', all),
    ],
  );
  console.log(
    `\nretries: ${events.filter((e) => e.event === 'retry').length}, fallbacks: ${events.filter((e) => e.event === 'fallback').length}, ` +
      `responses reporting a cooldown: ${cooldowns}, lost (not an OpenAI-shaped answer): ${lost.length}, ` +
      `spend per end-user matches Σ _meta.costUsd: ${mismatch.length === 0 ? 'yes' : `no (${mismatch.join(', ')})`}, ` +
      `total spend $${spend.totalUsd.toFixed(4)}`,
  );
  await router.close();
  await Promise.all([heavy.close(), light.close(), fallback.close()]);
}
