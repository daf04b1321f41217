import { describe, expect, it } from '@jest/globals';
import type { ProviderImageEditResult } from '../provider.js';
import { fanOut, mergeResults, seedForCall } from './fan-out.js';

const result = (i: number, cost?: number): ProviderImageEditResult => ({
  images: [{ b64: `img${i}` }],
  usage: {
    input_tokens: 10,
    output_tokens: 100,
    total_tokens: 110,
    input_tokens_details: { image_tokens: 4 },
  },
  providerCostUsd: cost,
  warnings: ['same warning'],
  upstreamRequestId: `req-${i}`,
});

describe('fanOut', () => {
  it('runs n calls, keeps order, sums usage and costs', async () => {
    const merged = await fanOut(3, 2, new AbortController().signal, async (_signal, i) => result(i, 0.01));
    expect(merged.images.map((image) => image.b64)).toEqual(['img0', 'img1', 'img2']);
    expect(merged.usage).toMatchObject({ input_tokens: 30, output_tokens: 300, total_tokens: 330 });
    expect(merged.usage?.input_tokens_details?.image_tokens).toBe(12);
    expect(merged.providerCostUsd).toBeCloseTo(0.03);
    expect(merged.warnings).toEqual(['same warning']);
    expect(merged.upstreamRequestId).toBe('req-0,req-1,req-2');
  });

  it('never has more than `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    await fanOut(6, 2, new AbortController().signal, async (_signal, i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return result(i);
    });
    expect(peak).toBe(2);
  });

  it('aborts the other calls and rethrows the first failure', async () => {
    const aborted: number[] = [];
    const failing = fanOut(3, 3, new AbortController().signal, (signal, i) => {
      if (i === 1) return Promise.reject(new Error('boom'));
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted.push(i);
          reject(signal.reason);
        });
      });
    });
    await expect(failing).rejects.toThrow('boom');
    expect(aborted.sort()).toEqual([0, 2]);
  });

  it('does not invent a total cost when one call reported none', () => {
    expect(mergeResults([result(0, 0.02), result(1)]).providerCostUsd).toBeUndefined();
  });
});

describe('seedForCall', () => {
  it('gives call i the seed + i, wrapping inside the range, and leaves no seed alone', () => {
    expect([0, 1, 2].map((i) => seedForCall(42, i))).toEqual([42, 43, 44]);
    expect([0, 1, 2, 3].map((i) => seedForCall(10, i))).toEqual([10, 11, 12, 13]);
    expect(seedForCall(undefined, 3)).toBeUndefined();
    expect(seedForCall(4294967294, 1, { max: 4294967294 })).toBe(0);
    expect(seedForCall(2147483647, 1, { min: 1, max: 2147483647 })).toBe(1);
    expect(seedForCall(0, 3, { min: 1, max: 9, random: 0 })).toBe(0);
  });
});
