/**
 * The price table, keyed `provider/model` (model without prefix). Each provider issue adds its own
 * models here. Sources are named per block; a model whose price is not known has no entry, so its
 * cost is `null` until a deployment sets one.
 * @module
 */
import type { ModelPrice } from './price.js';

const M = 1e-6;

// GPT image per-image figures for when usage is missing: quality → size → USD.
const gptImage1PerImage = {
  low: { '1024x1024': 0.011, '1024x1536': 0.016, '1536x1024': 0.016 },
  medium: { '1024x1024': 0.042, '1024x1536': 0.063, '1536x1024': 0.063 },
  high: { '1024x1024': 0.167, '1024x1536': 0.25, '1536x1024': 0.25 },
};

/**
 * OpenAI (platform pricing pages, 2026): token prices per model; dall-e-2 per image by size.
 */
const openai: Record<string, ModelPrice> = {
  'openai/gpt-image-1': {
    input_cost_per_token: 5 * M,
    input_cost_per_image_token: 10 * M,
    output_cost_per_image_token: 40 * M,
    output_cost_per_image_by_quality: gptImage1PerImage,
  },
  'openai/gpt-image-1-mini': {
    input_cost_per_token: 2 * M,
    input_cost_per_image_token: 2.5 * M,
    output_cost_per_image_token: 8 * M,
    output_cost_per_image_by_quality: {
      low: { '1024x1024': 0.005, '1024x1536': 0.006, '1536x1024': 0.006 },
      medium: { '1024x1024': 0.011, '1024x1536': 0.015, '1536x1024': 0.015 },
      high: { '1024x1024': 0.036, '1024x1536': 0.052, '1536x1024': 0.052 },
    },
  },
  'openai/gpt-image-1.5': {
    input_cost_per_token: 5 * M,
    input_cost_per_image_token: 8 * M,
    output_cost_per_token: 10 * M,
    output_cost_per_image_token: 32 * M,
    output_cost_per_image_by_quality: {
      low: { '1024x1024': 0.009, '1024x1536': 0.013, '1536x1024': 0.013 },
      medium: { '1024x1024': 0.034, '1024x1536': 0.05, '1536x1024': 0.05 },
      high: { '1024x1024': 0.133, '1024x1536': 0.2, '1536x1024': 0.2 },
    },
  },
  'openai/chatgpt-image-latest': {
    input_cost_per_token: 5 * M,
    input_cost_per_image_token: 8 * M,
    output_cost_per_token: 10 * M,
    output_cost_per_image_token: 32 * M,
  },
  'openai/gpt-image-2': {
    input_cost_per_token: 5 * M,
    input_cost_per_image_token: 8 * M,
    output_cost_per_token: 10 * M,
    output_cost_per_image_token: 30 * M,
  },
  'openai/dall-e-2': {
    output_cost_per_image_by_quality: {
      standard: { '256x256': 0.016, '512x512': 0.018, '1024x1024': 0.02 },
    },
    output_cost_per_image: 0.02,
  },
};

/** Every known price, keyed `provider/model`. */
export const PRICE_TABLE: Readonly<Record<string, ModelPrice>> = {
  ...openai,
};

/**
 * The table's price for a model, or `undefined`.
 *
 * @example
 * ```ts
 * lookupPrice('openai', 'gpt-image-1')?.output_cost_per_image_token; // 0.00004
 * ```
 */
export function lookupPrice(provider: string, model: string): ModelPrice | undefined {
  return PRICE_TABLE[`${provider}/${model}`];
}
