/**
 * Time to pick a deployment with 10, 100 and 1,000 deployments in one group, per strategy:
 * `router.route()` (request prep + capability filter + state read + strategy), and its median minus
 * the median of core's `prepareEditRequest` alone (the pick itself).
 * @module
 */
import { prepareEditRequest } from '@retouch/core';
import { type DeploymentConfig, Router, type RoutingStrategy } from '@retouch/router';
import { createPng } from '@retouch/testing';
import { printTable, summarize, time, us } from './stats.js';

const STRATEGIES: RoutingStrategy[] = [
  'simple-shuffle',
  'least-busy',
  'latency-based-routing',
  'usage-based-routing-v2',
  'cost-based-routing',
];

function modelList(count: number): DeploymentConfig[] {
  return Array.from({ length: count }, (_, i) => ({
    model_name: 'gpt-image-2',
    litellm_params: {
      model: 'gpt-image-2',
      api_key: `sk-bench-${i}`,
      api_base: 'http://127.0.0.1:9/v1',
      weight: 1 + (i % 5),
      rpm: 1_000_000,
      output_cost_per_image: 0.01 + (i % 7) / 100,
    },
    model_info: { id: `d${i}` },
  }));
}

/**
 * Runs the pick benchmark and prints its table.
 *
 * @example
 * ```ts
 * await benchPick(); // prints the pick-time table
 * ```
 */
export async function benchPick(): Promise<void> {
  const params = { model: 'gpt-image-2', image: createPng(64, 64), prompt: 'bench' };
  const prep = summarize(await time(5000, 3000, () => prepareEditRequest(params)));
  const rows: string[][] = [];
  for (const count of [10, 100, 1000]) {
    for (const strategy of STRATEGIES) {
      const router = await Router.create({ model_list: modelList(count), routing_strategy: strategy });
      const iterations = count === 1000 ? 1000 : 3000;
      const s = summarize(await time(iterations, 100, () => router.route(params)));
      rows.push([
        String(count),
        strategy,
        us(s.mean),
        us(s.p50),
        us(s.p99),
        us(Math.max(0, s.p50 - prep.p50)),
      ]);
      await router.close();
    }
  }
  printTable(
    `Router pick time (router.route(), µs; request prep alone: p50 ${us(prep.p50)} µs)`,
    ['deployments', 'strategy', 'mean', 'p50', 'p99', 'p50 − prep p50'],
    rows,
  );
}
