/**
 * What each generation of OpenAI image model accepts on `POST /images/edits`. Sources: the
 * OpenAPI spec's `CreateImageEditRequest` (2026-08-21), and the `openai` npm client 7.59.0
 * (`resources/images.d.ts`, 2026-11-17) for the GPT Image 2.5/2.6 models, `input_fidelity` and
 * `background` per model; gpt-image-2's pixel floor from OpenAI's image generation guide as quoted
 * in `openai-catalogue.ts`.
 * @module
 */
import type { CustomSizeRule, ModelCapabilities, OpenAIEditParam } from '@retouch/core';

const MB = 1024 * 1024;

const GPT_IMAGE_PARAMS: readonly OpenAIEditParam[] = [
  'mask',
  'n',
  'size',
  'quality',
  'output_format',
  'output_compression',
  'background',
  'input_fidelity',
  'partial_images',
  'stream',
  'user',
];

/** gpt-image-1, gpt-image-1.5, chatgpt-image-latest: the three listed sizes, `input_fidelity` high/low. */
export const GPT_IMAGE_1_CAPABILITIES: ModelCapabilities = {
  maxImages: 16,
  mask: 'optional',
  maxN: 10,
  sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  qualities: ['low', 'medium', 'high', 'auto'],
  outputFormats: ['png', 'jpeg', 'webp'],
  inputMediaTypes: ['image/png', 'image/jpeg', 'image/webp'],
  maxImageBytes: 50 * MB - 1,
  maxMaskBytes: 4 * MB - 1,
  params: GPT_IMAGE_PARAMS,
  maxPromptLength: 32000,
  nativeResponseFormat: 'b64_json',
};

/** gpt-image-1-mini: like gpt-image-1; `input_fidelity` is `low` only, so retouch leaves it to the default. */
export const GPT_IMAGE_1_MINI_CAPABILITIES: ModelCapabilities = {
  ...GPT_IMAGE_1_CAPABILITIES,
  params: GPT_IMAGE_PARAMS.filter((p) => p !== 'input_fidelity'),
};

/**
 * gpt-image-2's free-form sizes: both sides divisible by 16, aspect 1:3–3:1, at most 3840x2160
 * (above 2560x1440 experimental) and at least 655,360 pixels.
 */
export const GPT_IMAGE_2_CUSTOM_SIZES: CustomSizeRule = {
  multipleOf: 16,
  maxSide: 3840,
  maxPixels: 3840 * 2160,
  minPixels: 655_360,
  maxAspectRatio: 3,
};

/** gpt-image-2: custom sizes; `input_fidelity` is to be omitted ("For gpt-image-2, omit this parameter"). */
export const GPT_IMAGE_2_CAPABILITIES: ModelCapabilities = {
  ...GPT_IMAGE_1_MINI_CAPABILITIES,
  customSizes: GPT_IMAGE_2_CUSTOM_SIZES,
};

/** GPT Image 2.5 (and, assumed, 2.6): gpt-image-2's sizes plus the `xhigh` and `max` qualities. */
export const GPT_IMAGE_25_CAPABILITIES: ModelCapabilities = {
  ...GPT_IMAGE_2_CAPABILITIES,
  qualities: ['low', 'medium', 'high', 'xhigh', 'max', 'auto'],
};

/** dall-e-2 (retired 2026-05-12): one square PNG, URL answers. */
export const DALL_E_2_CAPABILITIES: ModelCapabilities = {
  maxImages: 1,
  mask: 'optional',
  maxN: 10,
  sizes: ['256x256', '512x512', '1024x1024'],
  qualities: ['standard'],
  inputMediaTypes: ['image/png'],
  maxImageBytes: 4 * MB - 1,
  maxMaskBytes: 4 * MB - 1,
  squareImages: true,
  params: ['mask', 'n', 'size', 'quality', 'response_format', 'user'],
  maxPromptLength: 1000,
  nativeResponseFormat: 'url',
};
