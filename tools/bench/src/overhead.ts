/**
 * The router's own overhead per call: the same edit against the OpenAI simulator through core's
 * `imageEdit` (one provider, no router) and through `router.imageEdit`, sequentially, alternating
 * rounds so that drift hits both alike.
 * @module
 */
import { imageEdit } from '@retouch/core';
import { createOpenAI } from '@retouch/provider-openai';
import { Router } from '@retouch/router';
import { createPng, startOpenAISimulator } from '@retouch/testing';
import { ms, printTable, summarize, time } from './stats.js';

const KEY = 'sk-test-simulator';

/**
 * Runs the overhead benchmark and prints its table.
 *
 * @example
 * ```ts
 * await benchOverhead(); // prints the overhead table
 * ```
 */
export async function benchOverhead(): Promise<void> {
  const sim = await startOpenAISimulator();
  const api_base = `${sim.url}/v1`;
  const provider = createOpenAI({ apiKey: KEY, baseURL: api_base });
  const deployment = (i: number) => ({
    model_name: 'gpt-image-2',
    litellm_params: { model: 'gpt-image-2', api_key: KEY, api_base },
    model_info: { id: `d${i}` },
  });
  const one = await Router.create({ model_list: [deployment(0)] });
  const ten = await Router.create({
    model_list: Array.from({ length: 10 }, (_, i) => deployment(i)),
    routing_strategy: 'least-busy',
  });
  const params = { model: 'gpt-image-2', image: createPng(64, 64), prompt: 'bench' };
  const runs: Record<string, number[]> = { direct: [], one: [], ten: [] };
  for (let round = 0; round < 4; round++) {
    runs.direct?.push(...(await time(100, 10, () => imageEdit(params, { provider }))));
    runs.one?.push(...(await time(100, 10, () => one.imageEdit(params))));
    runs.ten?.push(...(await time(100, 10, () => ten.imageEdit(params))));
    sim.reset();
  }
  const direct = summarize(runs.direct ?? []);
  const row = (name: string, samples: number[]) => {
    const s = summarize(samples);
    return [name, ms(s.mean), ms(s.p50), ms(s.p99), ms(s.mean - direct.mean), ms(s.p50 - direct.p50)];
  };
  printTable(
    'Router overhead per call against the OpenAI simulator (ms, 400 sequential calls each)',
    ['path', 'mean', 'p50', 'p99', 'overhead (mean)', 'overhead (p50)'],
    [
      row('core imageEdit (no router)', runs.direct ?? []),
      row('router, 1 deployment', runs.one ?? []),
      row('router, 10 deployments, least-busy', runs.ten ?? []),
    ],
  );
  await Promise.all([one.close(), ten.close()]);
  await sim.close();
}
