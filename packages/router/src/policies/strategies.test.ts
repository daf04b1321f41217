import { describe, expect, it } from '@jest/globals';
import type { ModelCapabilities } from '@retouch/core';
import type { Deployment } from '../deployments.js';
import { emptyStats } from '../state/state.js';
import { seeded } from '../test-support/harness.js';
import {
  type Candidate,
  costBased,
  estimateCost,
  leastBusy,
  lowestLatency,
  lowestOrderTier,
  type Strategy,
  simpleShuffle,
  usageBased,
} from './strategies.js';

const caps = {
  maxImages: 1,
  mask: 'none',
  maxN: 1,
  inputMediaTypes: ['image/png'],
  params: [],
} as unknown as ModelCapabilities;

function candidate(id: string, d: Partial<Deployment> = {}, s: Partial<Candidate['stats']> = {}): Candidate {
  return {
    deployment: {
      id,
      index: 0,
      modelGroup: 'g',
      model: 'acme/basic',
      provider: 'acme',
      providerModel: 'basic',
      modelKey: 'acme/basic',
      client: undefined as never,
      capabilities: caps,
      resolved: {
        provider: 'acme',
        model: 'basic',
        origin: 'provider',
        declared: false,
        warnings: [],
        row: {
          model: 'basic',
          status: 'active',
          capabilities: caps,
          price: null,
          sources: { lifecycle: 'test', capabilities: 'test', price: 'test' },
        },
      },
      allowRetired: false,
      ...d,
    },
    stats: { ...emptyStats(), ...s },
  };
}

function tally(strategy: Strategy, candidates: Candidate[], runs: number, seed = 1): Record<string, number> {
  const random = seeded(seed);
  const counts: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const id = strategy(candidates, { random, latencyBuffer: 0.1 })?.deployment.id ?? 'none';
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe('simpleShuffle', () => {
  it('splits by weight', () => {
    const counts = tally(
      simpleShuffle,
      [candidate('a', { weight: 3 }), candidate('b', { weight: 1 })],
      20_000,
    );
    // 3:1 → 15,000 / 5,000; the standard deviation of a is ~61.
    expect(counts.a).toBeGreaterThan(14_700);
    expect(counts.a).toBeLessThan(15_300);
  });

  it('uses rpm when no deployment has a weight, then tpm; uniform when none is set', () => {
    const byRpm = tally(simpleShuffle, [candidate('a', { rpm: 900 }), candidate('b', { rpm: 100 })], 10_000);
    expect(byRpm.a).toBeGreaterThan(8_800);
    const byTpm = tally(simpleShuffle, [candidate('a', { tpm: 1 }), candidate('b', { tpm: 9 })], 10_000);
    expect(byTpm.b).toBeGreaterThan(8_800);
    const plain = tally(simpleShuffle, [candidate('a'), candidate('b')], 10_000);
    expect(plain.a).toBeGreaterThan(4_700);
    expect(plain.a).toBeLessThan(5_300);
  });

  it('never picks a weight-0 deployment, and fills a missing weight with the average', () => {
    const zero = tally(simpleShuffle, [candidate('a', { weight: 0 }), candidate('b', { weight: 2 })], 5_000);
    expect(zero.a).toBeUndefined();
    const missing = tally(simpleShuffle, [candidate('a', { weight: 2 }), candidate('b')], 10_000);
    expect(missing.a).toBeGreaterThan(4_700);
    expect(missing.a).toBeLessThan(5_300);
  });
});

describe('leastBusy', () => {
  it('picks the deployment with the fewest calls in flight, ties at random', () => {
    const counts = tally(
      leastBusy,
      [
        candidate('a', {}, { inFlight: 2 }),
        candidate('b', {}, { inFlight: 0 }),
        candidate('c', {}, { inFlight: 0 }),
      ],
      2_000,
    );
    expect(counts.a).toBeUndefined();
    // Not biased to the first listed (LiteLLM #37622).
    expect(counts.b).toBeGreaterThan(900);
    expect(counts.c).toBeGreaterThan(900);
  });
});

describe('lowestLatency', () => {
  it('tries unmeasured deployments first', () => {
    const counts = tally(lowestLatency, [candidate('a', {}, { latencyMs: 5 }), candidate('b')], 100);
    expect(counts).toEqual({ b: 100 });
  });

  it('spreads over deployments within the buffer of the fastest, never the slow one', () => {
    const counts = tally(
      lowestLatency,
      [
        candidate('a', {}, { latencyMs: 100 }),
        candidate('b', {}, { latencyMs: 108 }),
        candidate('c', {}, { latencyMs: 400 }),
      ],
      2_000,
    );
    expect(counts.c).toBeUndefined();
    expect(counts.a).toBeGreaterThan(900);
    expect(counts.b).toBeGreaterThan(900);
  });
});

describe('usageBased', () => {
  it('picks the most headroom and never a deployment at its rpm or tpm limit', () => {
    const pick = (cs: Candidate[]) => usageBased(cs, { random: seeded(3), latencyBuffer: 0 })?.deployment.id;
    expect(
      pick([
        candidate('a', { rpm: 10 }, { requestsThisMinute: 5 }),
        candidate('b', { rpm: 100 }, { requestsThisMinute: 20 }),
      ]),
    ).toBe('b');
    expect(
      pick([
        candidate('a', { rpm: 10 }, { requestsThisMinute: 10 }),
        candidate('b', { tpm: 50 }, { tokensThisMinute: 49 }),
      ]),
    ).toBe('b');
    expect(
      pick([
        candidate('a', { rpm: 10 }, { requestsThisMinute: 10 }),
        candidate('b', { tpm: 50 }, { tokensThisMinute: 50 }),
      ]),
    ).toBeUndefined();
  });
});

describe('costBased', () => {
  it('picks the cheapest by price override, and unknown prices last', () => {
    const cheap = candidate('cheap', { price: { output_cost_per_image: 0.01 } });
    const dear = candidate('dear', { price: { output_cost_per_image: 0.05 } });
    const unknown = candidate('unknown');
    expect(tally(costBased, [unknown, dear, cheap], 50)).toEqual({ cheap: 50 });
    expect(tally(costBased, [unknown, dear], 50)).toEqual({ dear: 50 });
  });

  it("estimates from the catalogue row's price with the request n, size and quality", () => {
    const table = candidate('t');
    const price = {
      output_cost_per_image_by_quality: {
        medium: { '1024x1024': 0.042 },
        high: { '1536x1024': 0.25 },
      },
    };
    table.deployment = {
      ...table.deployment,
      resolved: { ...table.deployment.resolved, row: { ...table.deployment.resolved.row, price } },
    };
    expect(estimateCost(table.deployment)).toBeCloseTo(0.042, 6);
    const prepared = {
      fields: { model: 'x', image: new Uint8Array(), n: 2, size: '1536x1024', quality: 'high' as const },
      images: [],
      extras: {},
    };
    expect(estimateCost(table.deployment, prepared)).toBeCloseTo(0.5, 6);
  });
});

describe('lowestOrderTier', () => {
  it('keeps the lowest order; deployments without an order come after every numbered tier', () => {
    const tier = lowestOrderTier([
      candidate('a', { order: 2 }),
      candidate('b', { order: 1 }),
      candidate('c'),
    ]);
    expect(tier.map((c) => c.deployment.id)).toEqual(['b']);
    expect(
      lowestOrderTier([candidate('a', { order: 2 }), candidate('c')]).map((c) => c.deployment.id),
    ).toEqual(['a']);
  });
});
