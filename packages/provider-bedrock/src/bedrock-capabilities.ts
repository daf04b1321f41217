/**
 * What each Stability image service on Bedrock accepts, derived from the model table: one image (two
 * for Style Transfer), a mask on Inpaint and Erase Object, `n` by concurrent calls, `size` only on
 * Style Guide (as `aspect_ratio`), JPEG/PNG/WebP within AWS's limits (sides ≥ 64 px, ≤ 9,437,184
 * pixels, aspect 1:2.5–2.5:1). The whole JSON body must stay under 25,000,000 bytes.
 * @module
 */
import type { ModelCapabilities, OpenAIEditParam } from '@retouch/core';
import { BEDROCK_STABILITY_MODELS, type BedrockStabilityModel } from './bedrock-models.js';

/** Largest `InvokeModel` body, in bytes. */
export const BEDROCK_MAX_BODY_BYTES = 25_000_000;
/** `n` is emulated with one call per image. */
export const BEDROCK_MAX_N = 10;
/** Base64 grows bytes by 4/3; an image alone must fit in the body. */
const MAX_IMAGE_BYTES = Math.floor((BEDROCK_MAX_BODY_BYTES * 3) / 4) - 64 * 1024;
const STYLE_SIZES = ['auto', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'];

/**
 * The capabilities of one service.
 *
 * @example
 * ```ts
 * bedrockCapabilities(BEDROCK_STABILITY_MODELS['stability.stable-image-inpaint-v1:0']!).mask; // 'optional'
 * ```
 */
export function bedrockCapabilities(spec: BedrockStabilityModel): ModelCapabilities {
  const params: OpenAIEditParam[] = ['n', 'output_format'];
  if (spec.mask) params.unshift('mask');
  if (spec.aspectRatios) params.push('size');
  return {
    minImages: spec.secondImageField ? 2 : 1,
    maxImages: spec.secondImageField ? 2 : 1,
    mask: spec.mask ? 'optional' : 'none',
    maxN: BEDROCK_MAX_N,
    ...(spec.aspectRatios
      ? {
          sizes: STYLE_SIZES,
          customSizes: { multipleOf: 1, maxSide: 16384, maxPixels: 16384 * 16384, maxAspectRatio: 3 },
        }
      : {}),
    outputFormats: ['png', 'jpeg', 'webp'],
    inputMediaTypes: ['image/png', 'image/jpeg', 'image/webp'],
    maxImageBytes: MAX_IMAGE_BYTES,
    maxMaskBytes: MAX_IMAGE_BYTES,
    minSide: spec.limits.minSide,
    maxPixels: spec.limits.maxPixels,
    maxAspectRatio: spec.limits.maxAspectRatio,
    params,
    promptRequired: spec.prompt?.required ?? false,
    maxPromptLength: 10000,
    nativeResponseFormat: 'b64_json',
  };
}

/**
 * Capabilities of every built-in model id: each service under its base id and its `us.`
 * cross-region inference profile (the id AWS's examples use; the base ids are listed for accounts
 * that can invoke them on demand). ARNs and configured aliases resolve to these too.
 */
export const BEDROCK_MODELS: Readonly<Record<string, ModelCapabilities>> = Object.fromEntries(
  Object.entries(BEDROCK_STABILITY_MODELS).flatMap(([id, spec]) => {
    const capabilities = bedrockCapabilities(spec);
    return [
      [id, capabilities],
      [`us.${id}`, capabilities],
    ];
  }),
);
