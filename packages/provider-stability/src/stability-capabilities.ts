/**
 * What each Stability model accepts, derived from the endpoint table: one base image (two where the
 * endpoint takes a reference), a mask on inpaint and erase, `n` by concurrent calls, `size` only on
 * `style` (as `aspect_ratio`), the endpoint's output formats and image limits. Requests over 10 MiB
 * are refused upstream, so each image must stay below it.
 * @module
 */
import type { ModelCapabilities, OpenAIEditParam } from '@retouch/core';
import { STABILITY_ENDPOINTS, type StabilityEndpoint } from './stability-endpoints.js';

/** Largest request Stability accepts (10 MiB); each image must fit in it with the other parts. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** `n` is emulated with one call per image. */
export const STABILITY_MAX_N = 10;
/** OpenAI sizes accepted on `style`; any other `WxH` maps to its nearest aspect ratio too. */
const STYLE_SIZES = ['auto', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'];

function capabilitiesOf(endpoint: StabilityEndpoint): ModelCapabilities {
  const params: OpenAIEditParam[] = ['n', 'output_format', 'user'];
  if (endpoint.mask) params.unshift('mask');
  if (endpoint.aspectRatios) params.push('size');
  return {
    minImages: endpoint.secondImage?.required ? 2 : 1,
    maxImages: endpoint.secondImage ? 2 : 1,
    mask: endpoint.mask ? 'optional' : 'none',
    maxN: STABILITY_MAX_N,
    ...(endpoint.aspectRatios
      ? {
          sizes: STYLE_SIZES,
          customSizes: { multipleOf: 1, maxSide: 16384, maxPixels: 16384 * 16384, maxAspectRatio: 3 },
        }
      : {}),
    outputFormats: endpoint.outputFormats,
    inputMediaTypes: ['image/png', 'image/jpeg', 'image/webp'],
    maxImageBytes: MAX_REQUEST_BYTES - 64 * 1024,
    maxMaskBytes: MAX_REQUEST_BYTES - 64 * 1024,
    minSide: endpoint.limits.minSide,
    maxPixels: endpoint.limits.maxPixels,
    maxAspectRatio: endpoint.limits.maxAspectRatio,
    params,
    promptRequired: endpoint.prompt?.required ?? false,
    maxPromptLength: 10000,
    nativeResponseFormat: 'b64_json',
    async: endpoint.async,
  };
}

/** Capabilities of every Stability model, by name (without the `stability/` prefix). */
export const STABILITY_MODELS: Readonly<Record<string, ModelCapabilities>> = Object.fromEntries(
  Object.entries(STABILITY_ENDPOINTS).map(([model, endpoint]) => [model, capabilitiesOf(endpoint)]),
);

/** The URL path each model is sent to, by name (for docs and `/v1/models`). */
export const STABILITY_MODEL_PATHS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(STABILITY_ENDPOINTS).map(([model, endpoint]) => [model, endpoint.path]),
);
