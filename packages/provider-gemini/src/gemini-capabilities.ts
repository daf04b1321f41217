/**
 * The Gemini image models: what each takes in `imageConfig` (aspect ratios, image sizes) and how
 * many input images, and the `ModelCapabilities` core validates against. Shared with
 * `@retouch/provider-vertex`, which serves the same models through Vertex AI.
 *
 * Sources: `provider-wire-formats.md` §2.2 (js-genai `AspectRatio` / `ImageSize` enums, the Gemini
 * cookbook's input-image counts: up to 3 for gemini-2.5-flash-image, up to 14 for the Gemini 3
 * image models) and §3.a (Vertex limits).
 * @module
 */
import type { ModelCapabilities, OpenAIEditParam } from '@retouch/core';

/** Every `imageConfig.imageSize` value of the API (uppercase `K`). `512` exists on gemini-3.1-flash-image only. */
export const GEMINI_IMAGE_SIZES = ['512', '1K', '2K', '4K'] as const;

/** An `imageConfig.imageSize` value. */
export type GeminiImageSize = (typeof GEMINI_IMAGE_SIZES)[number];

/** What one Gemini image model takes. */
export interface GeminiModelSpec {
  /** Most input images in one request. */
  maxImages: number;
  /** `imageConfig.aspectRatio` values the model takes. */
  aspectRatios: readonly string[];
  /** `imageConfig.imageSize` values the model takes; empty when it makes one size only (no `imageSize`). */
  imageSizes: readonly GeminiImageSize[];
}

/** The aspect ratios every Gemini image model takes. */
export const GEMINI_ASPECT_RATIOS = [
  '1:1',
  '2:3',
  '3:2',
  '3:4',
  '4:3',
  '4:5',
  '5:4',
  '9:16',
  '16:9',
  '21:9',
] as const;

/** The extra, extreme aspect ratios of gemini-3.1-flash-image. */
export const GEMINI_EXTENDED_ASPECT_RATIOS = [...GEMINI_ASPECT_RATIOS, '1:4', '4:1', '1:8', '8:1'] as const;

const flash25: GeminiModelSpec = { maxImages: 3, aspectRatios: GEMINI_ASPECT_RATIOS, imageSizes: [] };
const pro3: GeminiModelSpec = {
  maxImages: 14,
  aspectRatios: GEMINI_ASPECT_RATIOS,
  imageSizes: ['1K', '2K', '4K'],
};
const flash31: GeminiModelSpec = {
  maxImages: 14,
  aspectRatios: GEMINI_EXTENDED_ASPECT_RATIOS,
  imageSizes: ['512', '1K', '2K', '4K'],
};
/** Makes 1K images only (Vercel AI Gateway's model page); the input-image limit is assumed to be 3.1 Flash Image's. */
const flashLite31: GeminiModelSpec = { ...flash31, imageSizes: [] };

/**
 * Wire facts of the Gemini image models of the Gemini API, retired ones included (so a call
 * allowed to send one anyway is still mapped right). Lifecycle and prices are in the catalogue.
 */
export const GEMINI_MODEL_SPECS: Readonly<Record<string, GeminiModelSpec>> = {
  'gemini-3.1-flash-image': flash31,
  'gemini-3-pro-image': pro3,
  'gemini-3.1-flash-lite-image': flashLite31,
  'nano-banana-pro-preview': pro3,
  'gemini-2.5-flash-image': flash25,
  'gemini-3.1-flash-image-preview': flash31,
  'gemini-3-pro-image-preview': pro3,
};

/** The Gemini image models Vertex AI serves (the `nano-banana-*` alias and Flash-Lite Image are the Gemini API's). */
export const VERTEX_GEMINI_MODEL_SPECS: Readonly<Record<string, GeminiModelSpec>> = Object.fromEntries(
  Object.entries(GEMINI_MODEL_SPECS).filter(
    ([model]) => !model.startsWith('nano-banana') && model !== 'gemini-3.1-flash-lite-image',
  ),
);

/** Which API serves the model: the Gemini API (AI Studio) or Vertex AI. */
export type GeminiApi = 'gemini' | 'vertex';

/** Largest `n`: each image is its own `generateContent` call, run concurrently (bounded). */
export const GEMINI_MAX_N = 10;

const MB = 1024 * 1024;

/**
 * Largest request body of the Gemini API with inline images (20 MB); the per-image cap leaves room
 * for base64's 4/3 growth.
 */
export const GEMINI_API_MAX_REQUEST_BYTES = 20 * MB;

/** The sizes listed in the capability table (any other `WxH` within the ratio range is accepted too). */
const LISTED_SIZES = ['auto', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'];

function ratioOf(aspect: string): number {
  const [width, height] = aspect.split(':').map(Number);
  return (width ?? 1) / (height ?? 1);
}

/** Most extreme `WxH` ratio accepted for `size`: the model's most extreme aspect ratio, plus 10 %. */
function maxSizeRatio(spec: GeminiModelSpec): number {
  const extremes = spec.aspectRatios.map((aspect) => {
    const ratio = ratioOf(aspect);
    return Math.max(ratio, 1 / ratio);
  });
  return Math.max(...extremes) * 1.1;
}

/**
 * The `ModelCapabilities` of a Gemini image model on one API. `size` maps to the nearest
 * `aspectRatio`; `quality` maps to `imageSize` on models that take one; on Vertex
 * `output_format`/`output_compression` map to `imageOutputOptions`. Gemini takes no mask.
 *
 * @example
 * ```ts
 * geminiCapabilities(GEMINI_MODEL_SPECS['gemini-2.5-flash-image']!, 'gemini').maxImages; // 3
 * ```
 */
export function geminiCapabilities(spec: GeminiModelSpec, api: GeminiApi): ModelCapabilities {
  const takesImageSize = spec.imageSizes.length > 0;
  const params: OpenAIEditParam[] = ['n', 'size'];
  if (takesImageSize) params.push('quality');
  if (api === 'vertex') params.push('output_format', 'output_compression');
  return {
    maxImages: spec.maxImages,
    mask: 'none',
    maxN: GEMINI_MAX_N,
    sizes: LISTED_SIZES,
    customSizes: {
      multipleOf: 1,
      maxSide: 16384,
      maxPixels: 16384 * 16384,
      maxAspectRatio: maxSizeRatio(spec),
    },
    qualities: takesImageSize ? ['auto', 'standard', 'low', 'medium', 'high'] : undefined,
    outputFormats: api === 'vertex' ? ['png', 'jpeg'] : undefined,
    // Gemini also reads HEIC/HEIF, which core does not sniff; GIF is not an accepted type.
    inputMediaTypes: ['image/png', 'image/jpeg', 'image/webp'],
    // Vertex: 7 MB per inline file. Gemini API: the 20 MB request limit, in raw bytes.
    maxImageBytes: api === 'vertex' ? 7 * MB : Math.floor((GEMINI_API_MAX_REQUEST_BYTES * 3) / 4),
    params,
    nativeResponseFormat: 'b64_json',
  };
}

/**
 * Capabilities of every model in `specs` on one API.
 *
 * @example
 * ```ts
 * const models = capabilitiesOf(GEMINI_MODEL_SPECS, 'gemini');
 * ```
 */
export function capabilitiesOf(
  specs: Readonly<Record<string, GeminiModelSpec>>,
  api: GeminiApi,
): Record<string, ModelCapabilities> {
  return Object.fromEntries(
    Object.entries(specs).map(([model, spec]) => [model, geminiCapabilities(spec, api)]),
  );
}

/** Capabilities of every Gemini API image model in {@link GEMINI_MODEL_SPECS}. */
export const GEMINI_MODELS: Readonly<Record<string, ModelCapabilities>> = capabilitiesOf(
  GEMINI_MODEL_SPECS,
  'gemini',
);
