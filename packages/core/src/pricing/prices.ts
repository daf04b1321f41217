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

/**
 * Black Forest Labs (BFL pricing page, 2026; 1 credit = $0.01; LiteLLM's table for FLUX.1): FLUX.1
 * per output image; FLUX.2 per megapixel, priced here for 1 MP out plus 1 MP per input image. BFL's
 * own `cost` on the submit response wins when present.
 */
const blackForestLabs: Record<string, ModelPrice> = {
  'black_forest_labs/flux-kontext-pro': { output_cost_per_image: 0.04 },
  'black_forest_labs/flux-kontext-max': { output_cost_per_image: 0.08 },
  'black_forest_labs/flux-pro-1.0-fill': { output_cost_per_image: 0.05 },
  'black_forest_labs/flux-pro-1.0-expand': { output_cost_per_image: 0.05 },
  'black_forest_labs/flux-2-pro': { output_cost_per_image: 0.03, input_cost_per_image: 0.015 },
  'black_forest_labs/flux-2-max': { output_cost_per_image: 0.07, input_cost_per_image: 0.03 },
  'black_forest_labs/flux-2-flex': { output_cost_per_image: 0.05, input_cost_per_image: 0.05 },
  'black_forest_labs/flux-2-klein-4b': { output_cost_per_image: 0.014, input_cost_per_image: 0.001 },
  'black_forest_labs/flux-2-klein-9b': { output_cost_per_image: 0.015, input_cost_per_image: 0.002 },
};

/**
 * OpenRouter, used only when a response carries no `usage.cost` (OpenRouter reports it on every
 * image call): OpenRouter passes the upstream's list prices through (Google and OpenAI pricing
 * pages, 2026; LiteLLM's table for the Gemini image-token rates).
 */
const openrouter: Record<string, ModelPrice> = {
  'openrouter/google/gemini-2.5-flash-image': {
    input_cost_per_token: 0.3 * M,
    output_cost_per_token: 2.5 * M,
    output_cost_per_image_token: 30 * M,
  },
  'openrouter/google/gemini-3-pro-image-preview': {
    input_cost_per_token: 2 * M,
    output_cost_per_token: 12 * M,
    output_cost_per_image_token: 120 * M,
  },
  'openrouter/google/gemini-3.1-flash-image-preview': {
    input_cost_per_token: 0.25 * M,
    output_cost_per_image_token: 60 * M,
  },
  'openrouter/openai/gpt-image-1': {
    input_cost_per_token: 5 * M,
    input_cost_per_image_token: 10 * M,
    output_cost_per_image_token: 40 * M,
  },
};

/**
 * Stability AI direct (platform.stability.ai pricing, 1 credit = $0.01), per output image: inpaint,
 * erase, search-and-replace, search-and-recolor, remove-background, sketch, structure and style 5
 * credits; outpaint 4; replace-background-and-relight and style-transfer 8; fast upscale 2;
 * conservative upscale 40; creative upscale 60. (The credit counts are the ones in Stability's API
 * descriptions; LiteLLM's table has the same counts at $0.001 per credit, ten times too low.)
 */
const stability: Record<string, ModelPrice> = {
  'stability/inpaint': { output_cost_per_image: 0.05 },
  'stability/outpaint': { output_cost_per_image: 0.04 },
  'stability/erase': { output_cost_per_image: 0.05 },
  'stability/search-and-replace': { output_cost_per_image: 0.05 },
  'stability/search-and-recolor': { output_cost_per_image: 0.05 },
  'stability/remove-background': { output_cost_per_image: 0.05 },
  'stability/replace-background-and-relight': { output_cost_per_image: 0.08 },
  'stability/sketch': { output_cost_per_image: 0.05 },
  'stability/structure': { output_cost_per_image: 0.05 },
  'stability/style': { output_cost_per_image: 0.05 },
  'stability/style-transfer': { output_cost_per_image: 0.08 },
  'stability/fast': { output_cost_per_image: 0.02 },
  'stability/conservative': { output_cost_per_image: 0.4 },
  'stability/creative': { output_cost_per_image: 0.6 },
};

/** Bedrock's on-demand price per image of each Stability Image Service (AWS Bedrock pricing page; LiteLLM's table agrees). */
const bedrockStabilityPerImage: Record<string, number> = {
  'stability.stable-image-inpaint-v1:0': 0.07,
  'stability.stable-outpaint-v1:0': 0.06,
  'stability.stable-image-erase-object-v1:0': 0.07,
  'stability.stable-image-search-replace-v1:0': 0.07,
  'stability.stable-image-search-recolor-v1:0': 0.07,
  'stability.stable-image-remove-background-v1:0': 0.07,
  'stability.stable-image-control-sketch-v1:0': 0.07,
  'stability.stable-image-control-structure-v1:0': 0.07,
  'stability.stable-image-style-guide-v1:0': 0.07,
  'stability.stable-style-transfer-v1:0': 0.08,
  'stability.stable-fast-upscale-v1:0': 0.03,
  'stability.stable-conservative-upscale-v1:0': 0.4,
  'stability.stable-creative-upscale-v1:0': 0.6,
};

/** AWS Bedrock Stability models, under their base ids and their `us.` cross-region profile ids. */
const bedrock: Record<string, ModelPrice> = Object.fromEntries(
  Object.entries(bedrockStabilityPerImage).flatMap(([model, usd]) => [
    [`bedrock/${model}`, { output_cost_per_image: usd }],
    [`bedrock/us.${model}`, { output_cost_per_image: usd }],
  ]),
);

/**
 * Google Gemini image models (Gemini API pricing page, 2026, as in LiteLLM's table:
 * `litellm-image-edit.md` §5.4): per token from `usageMetadata` (text/image input, text and thinking
 * output, image output tokens), with the per-image figure as the fallback when a response carries no
 * usage. Output text of gemini-3.1-flash-image is not in the sources read, so it has no rate.
 */
const geminiImagePrices: Record<string, ModelPrice> = {
  'gemini-2.5-flash-image': {
    input_cost_per_token: 0.3 * M,
    output_cost_per_token: 2.5 * M,
    output_cost_per_image_token: 30 * M,
    output_cost_per_image: 0.039,
  },
  'gemini-3-pro-image-preview': {
    input_cost_per_token: 2 * M,
    output_cost_per_token: 12 * M,
    output_cost_per_image_token: 120 * M,
    input_cost_per_image: 0.0011,
    output_cost_per_image: 0.134,
  },
  'gemini-3.1-flash-image-preview': {
    input_cost_per_token: 0.25 * M,
    output_cost_per_image_token: 60 * M,
    output_cost_per_image: 0.045,
  },
};
geminiImagePrices['gemini-3-pro-image'] = geminiImagePrices['gemini-3-pro-image-preview'] as ModelPrice;
geminiImagePrices['gemini-3.1-flash-image'] = geminiImagePrices[
  'gemini-3.1-flash-image-preview'
] as ModelPrice;

/** Gemini API (`gemini/…`); `nano-banana-pro-preview` is an alias of gemini-3-pro-image-preview. */
const gemini: Record<string, ModelPrice> = {
  ...Object.fromEntries(
    Object.entries(geminiImagePrices).map(([model, price]) => [`gemini/${model}`, price]),
  ),
  'gemini/nano-banana-pro-preview': geminiImagePrices['gemini-3-pro-image-preview'] as ModelPrice,
};

/**
 * Vertex AI (`vertex_ai/…`): the Gemini image models at the same list prices as the Gemini API;
 * Imagen 3 editing per output image. The Imagen figure ($0.04, the Imagen 3 per-image price) is the
 * lead's, not from the reference notes (LiteLLM's table has no entry for
 * imagen-3.0-capability-001) — verify against the Vertex AI pricing page.
 */
const vertexAi: Record<string, ModelPrice> = {
  ...Object.fromEntries(
    Object.entries(geminiImagePrices).map(([model, price]) => [`vertex_ai/${model}`, price]),
  ),
  'vertex_ai/imagen-3.0-capability-001': { output_cost_per_image: 0.04 },
};

/** Every known price, keyed `provider/model`. */
export const PRICE_TABLE: Readonly<Record<string, ModelPrice>> = {
  ...gemini,
  ...vertexAi,
  ...openai,
  ...blackForestLabs,
  ...openrouter,
  ...stability,
  ...bedrock,
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
