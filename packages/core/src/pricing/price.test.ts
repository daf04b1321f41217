import { describe, expect, it } from '@jest/globals';
import type { ImageUsage } from '../provider.js';
import { computeCost, type ModelPrice, PRICE_FIELDS, pickPriceOverrides, roundUsd } from './price.js';

const M = 1e-6;
const tokenPrice: ModelPrice = {
  input_cost_per_token: 5 * M,
  input_cost_per_image_token: 10 * M,
  output_cost_per_token: 10 * M,
  output_cost_per_image_token: 40 * M,
};
const one = { imagesIn: 1, imagesOut: 1 };

function usage(patch: Partial<ImageUsage> = {}): ImageUsage {
  return { input_tokens: 100, output_tokens: 1000, total_tokens: 1100, ...patch };
}

describe('computeCost: tokens', () => {
  it('prices text and image input tokens and image output tokens from the details', () => {
    const cost = computeCost({
      ...one,
      price: tokenPrice,
      usage: usage({
        input_tokens_details: { text_tokens: 40, image_tokens: 60 },
        output_tokens_details: { text_tokens: 100, image_tokens: 900 },
      }),
    });
    // 40×5 + 60×10 + 100×10 + 900×40 = 37 800 micro-dollars
    expect(cost).toBe(0.0378);
  });

  it('takes all output tokens as image tokens when there is no output split', () => {
    const cost = computeCost({
      ...one,
      price: tokenPrice,
      usage: usage({ input_tokens_details: { text_tokens: 40, image_tokens: 60 } }),
    });
    // 40×5 + 60×10 + 1000×40
    expect(cost).toBe(0.0408);
  });

  it('takes all input tokens as text without input details, and falls back to the text rate', () => {
    const cost = computeCost({
      ...one,
      price: { input_cost_per_token: 2 * M, output_cost_per_image_token: 8 * M },
      usage: usage({ input_tokens_details: { image_tokens: 50 } }),
    });
    // 50 text×2 + 50 image×2 (no image-input rate) + 1000×8
    expect(cost).toBe(0.0082);
  });

  it('ignores usage with zero tokens and uses the per-image price instead', () => {
    const cost = computeCost({
      ...one,
      price: { ...tokenPrice, output_cost_per_image: 0.05 },
      usage: usage({ input_tokens: 0, output_tokens: 0, total_tokens: 0 }),
    });
    expect(cost).toBe(0.05);
  });
});

describe('computeCost: per image, per pixel, per request', () => {
  const byQuality: ModelPrice = {
    output_cost_per_image_by_quality: {
      high: { '1024x1024': 0.167, '1536x1024': 0.25 },
      low: { '1024x1024': 0.011 },
    },
  };

  it('prices by quality × size per output image', () => {
    expect(
      computeCost({ price: byQuality, imagesIn: 1, imagesOut: 2, size: '1536x1024', quality: 'high' }),
    ).toBe(0.5);
    expect(computeCost({ price: byQuality, ...one, size: '1024x1024', quality: 'low' })).toBe(0.011);
  });

  it('is null when quality × size is not in the table and there is no other price', () => {
    expect(computeCost({ price: byQuality, ...one, size: '512x512', quality: 'high' })).toBeNull();
    expect(computeCost({ price: byQuality, ...one, size: '1024x1024' })).toBeNull();
  });

  it('falls back from quality × size to the flat per-image price', () => {
    const price = { ...byQuality, output_cost_per_image: 0.04 };
    expect(computeCost({ price, ...one, size: 'auto', quality: 'auto' })).toBe(0.04);
  });

  it('uses the only quality of a table when the request names none', () => {
    const price: ModelPrice = {
      output_cost_per_image_by_quality: { standard: { '256x256': 0.016, '1024x1024': 0.02 } },
      output_cost_per_image: 0.02,
    };
    expect(computeCost({ price, ...one, size: '256x256' })).toBe(0.016);
  });

  it('prices per output pixel when the size is known', () => {
    const price = { output_cost_per_pixel: 1e-8 };
    expect(computeCost({ price, imagesIn: 1, imagesOut: 3, size: '1000x500' })).toBe(0.015);
    expect(computeCost({ price, ...one, size: 'auto' })).toBeNull();
    expect(computeCost({ price, ...one })).toBeNull();
  });

  it('adds a price per input image', () => {
    const price = { input_cost_per_image: 0.01, output_cost_per_image: 0.03 };
    expect(computeCost({ price, imagesIn: 3, imagesOut: 2 })).toBe(0.09);
    expect(computeCost({ price: { input_cost_per_image: 0.01 }, imagesIn: 2, imagesOut: 1 })).toBe(0.02);
  });

  it('adds a flat price per request, alone or on top of the rest', () => {
    expect(computeCost({ price: { cost_per_request: 0.07 }, ...one })).toBe(0.07);
    expect(computeCost({ price: { cost_per_request: 0.01, output_cost_per_image: 0.04 }, ...one })).toBe(
      0.05,
    );
    expect(computeCost({ price: { ...tokenPrice, cost_per_request: 0.001 }, ...one, usage: usage() })).toBe(
      0.0415, // 100×5 + 1000×40 micro-dollars, plus 0.001
    );
  });
});

describe('computeCost: provider-reported cost and overrides', () => {
  it('uses the provider-reported cost over the table', () => {
    expect(computeCost({ price: tokenPrice, providerCostUsd: 0.123, usage: usage(), ...one })).toBe(0.123);
    expect(computeCost({ price: undefined, providerCostUsd: 0.04, ...one })).toBe(0.04);
    expect(computeCost({ price: undefined, providerCostUsd: 0, ...one })).toBe(0);
    // A reported sum keeps no float noise.
    expect(computeCost({ price: undefined, providerCostUsd: 0.07 + 0.07 + 0.07, ...one })).toBe(0.21);
  });

  it('lets a deployment override win over the provider-reported cost', () => {
    expect(
      computeCost({
        price: { output_cost_per_image: 0.01 },
        priceIsOverride: true,
        providerCostUsd: 0.5,
        ...one,
      }),
    ).toBe(0.01);
  });

  it('is null, never 0, when nothing is known', () => {
    expect(computeCost({ price: undefined, ...one })).toBeNull();
    expect(computeCost({ price: {}, ...one, usage: usage() })).toBeNull();
    expect(computeCost({ price: { output_cost_per_image_by_quality: {} }, ...one })).toBeNull();
  });
});

describe('pickPriceOverrides', () => {
  it('picks only the price fields', () => {
    expect(
      pickPriceOverrides({
        model: 'x',
        api_key: 'k',
        output_cost_per_image: 0.02,
        input_cost_per_token: 1e-6,
      }),
    ).toEqual({ output_cost_per_image: 0.02, input_cost_per_token: 1e-6 });
  });

  it('is undefined with no settings or no price fields', () => {
    expect(pickPriceOverrides(undefined)).toBeUndefined();
    expect(pickPriceOverrides({ model: 'x' })).toBeUndefined();
  });

  it('knows every ModelPrice field', () => {
    expect(PRICE_FIELDS).toContain('output_cost_per_image_by_quality');
    expect(PRICE_FIELDS).toContain('cost_per_request');
    expect(new Set(PRICE_FIELDS).size).toBe(PRICE_FIELDS.length);
  });
});

describe('per-image prices by quality and size', () => {
  const gptImage = {
    input_cost_per_token: 5 * M,
    input_cost_per_image_token: 10 * M,
    output_cost_per_image_token: 40 * M,
    output_cost_per_image_by_quality: { high: { '1024x1024': 0.167 } },
  };

  it('prices from usage when there is usage, and per image without it', () => {
    expect(
      computeCost({
        price: gptImage,
        ...one,
        usage: usage({ input_tokens_details: { text_tokens: 100, image_tokens: 0 } }),
      }),
    ).toBe(0.0405);
    expect(computeCost({ price: gptImage, ...one, size: '1024x1024', quality: 'high' })).toBe(0.167);
  });

  it('prices a single-quality model by size even though callers never send a quality', () => {
    const price = {
      output_cost_per_image_by_quality: { standard: { '256x256': 0.016, '512x512': 0.018 } },
      output_cost_per_image: 0.02,
    };
    expect(computeCost({ price, ...one, size: '256x256' })).toBe(0.016);
    expect(computeCost({ price, ...one, size: '512x512' })).toBe(0.018);
    expect(computeCost({ price, ...one })).toBe(0.02);
  });

  it('prices every size of a quality with the size *, and falls back to output_cost_per_image', () => {
    // Gemini's tiers: quality picks the resolution, whatever WxH the caller gave.
    const price = {
      output_cost_per_image_by_quality: { low: { '*': 0.067 }, high: { '*': 0.151 } },
      output_cost_per_image: 0.067,
    };
    expect(computeCost({ price, ...one, size: '1536x1024', quality: 'high' })).toBe(0.151);
    expect(computeCost({ price, ...one, quality: 'high' })).toBe(0.151);
    expect(computeCost({ price, ...one, quality: 'auto' })).toBe(0.067);
  });
});

describe('roundUsd', () => {
  it('rounds to a nano-dollar', () => {
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
    expect(roundUsd(1.0000000004)).toBe(1);
  });
});
