/**
 * What each OpenAI model accepts on `POST /images/edits` (from the OpenAPI spec's
 * `CreateImageEditRequest`, 2026-08).
 * @module
 */
import type { ModelCapabilities } from '@retouch/core';

const MB = 1024 * 1024;

const gptImage: ModelCapabilities = {
  maxImages: 16,
  mask: 'optional',
  maxN: 10,
  sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  qualities: ['low', 'medium', 'high', 'auto'],
  outputFormats: ['png', 'jpeg', 'webp'],
  inputMediaTypes: ['image/png', 'image/jpeg', 'image/webp'],
  maxImageBytes: 50 * MB - 1,
  maxMaskBytes: 4 * MB - 1,
  params: [
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
  ],
  maxPromptLength: 32000,
  nativeResponseFormat: 'b64_json',
};

const gptImage2: ModelCapabilities = {
  ...gptImage,
  // Any WxH within these limits (sizes above 2560x1440 are experimental upstream).
  customSizes: { multipleOf: 16, maxSide: 3840, maxPixels: 3840 * 2160, maxAspectRatio: 3 },
};

/** Capabilities of every OpenAI model that can edit images. */
export const OPENAI_MODELS: Readonly<Record<string, ModelCapabilities>> = {
  'gpt-image-1': gptImage,
  'gpt-image-1-mini': { ...gptImage, params: gptImage.params.filter((p) => p !== 'input_fidelity') },
  'gpt-image-1.5': gptImage,
  'chatgpt-image-latest': gptImage,
  'gpt-image-2': gptImage2,
  'gpt-image-2-2026-04-21': gptImage2,
  'dall-e-2': {
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
  },
};
