/**
 * What each Black Forest Labs edit endpoint accepts (from the official OpenAPI spec, 2026-04-23,
 * plus BFL's documented limits): Kontext takes up to 4 images and an aspect ratio; FLUX.2 up to 8
 * (klein 4) and a pixel size; Fill one image and a mask; Expand one image and pixels per side.
 * @module
 */
import type { ModelCapabilities } from '@retouch/core';

/** How a model's request is built. */
export type BFLModelKind = 'kontext' | 'flux2' | 'flux2-flex' | 'fill' | 'expand';

/** Wire facts of one model: its endpoint (`POST /v1/{endpoint}`), request shape and limits. */
export interface BFLModelInfo {
  endpoint: string;
  kind: BFLModelKind;
  /** `output_format` the endpoint answers in when none is asked for. */
  defaultOutputFormat: 'png' | 'jpeg';
  /** Most submitted-but-unfinished tasks BFL allows (24 per account; 6 for flux-kontext-max). */
  activeTaskLimit: number;
}

const MB = 1024 * 1024;
const INPUT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
const OUTPUT_FORMATS = ['jpeg', 'png', 'webp'] as const;

/** Largest FLUX.2 output: 4 megapixels (2048×2048), sides multiples of 16, at least 64. */
export const FLUX2_MAX_PIXELS = 2048 * 2048;

const kontext: ModelCapabilities = {
  maxImages: 4,
  mask: 'none',
  maxN: 10,
  // `size` only picks the aspect ratio (21:9 … 9:21); BFL chooses the pixels (about 1 megapixel).
  sizes: ['auto'],
  customSizes: { multipleOf: 1, maxSide: 4096, maxPixels: 4096 * 4096, maxAspectRatio: 21 / 9 },
  outputFormats: [...OUTPUT_FORMATS],
  inputMediaTypes: [...INPUT_TYPES],
  params: ['n', 'size', 'output_format'],
  nativeResponseFormat: 'url',
  async: true,
};

const flux2 = (maxImages: number): ModelCapabilities => ({
  maxImages,
  mask: 'none',
  maxN: 10,
  sizes: ['auto'],
  customSizes: { multipleOf: 16, maxSide: 2048, maxPixels: FLUX2_MAX_PIXELS, maxAspectRatio: 2048 / 64 },
  outputFormats: [...OUTPUT_FORMATS],
  inputMediaTypes: [...INPUT_TYPES],
  params: ['n', 'size', 'output_format'],
  nativeResponseFormat: 'url',
  async: true,
});

// Fill and Expand: the official Python client refuses inputs over 20 megapixels or over 20 MB of
// base64 (about 15 MB of bytes), and Expand inputs under 256×256 (Fill has no minimum there or in
// the spec), so we refuse them before paying for a 4xx.
const fillExpandLimits = {
  maxImages: 1,
  maxN: 10,
  maxPixels: 20_000_000,
  maxImageBytes: 15 * MB,
  outputFormats: [...OUTPUT_FORMATS],
  inputMediaTypes: [...INPUT_TYPES],
  promptRequired: false,
  nativeResponseFormat: 'url',
  async: true,
} as const;

/** Capabilities of every BFL model that edits images. */
export const BFL_MODELS: Readonly<Record<string, ModelCapabilities>> = {
  'flux-kontext-pro': kontext,
  'flux-kontext-max': kontext,
  'flux-2-pro': flux2(8),
  'flux-2-max': flux2(8),
  'flux-2-flex': flux2(8),
  'flux-2-klein-4b': flux2(4),
  'flux-2-klein-9b': flux2(4),
  'flux-pro-1.0-fill': {
    ...fillExpandLimits,
    // Optional: an image whose transparent pixels mark the area is a mask too.
    mask: 'optional',
    maxMaskBytes: 15 * MB,
    params: ['mask', 'n', 'output_format'],
  },
  'flux-pro-1.0-expand': { ...fillExpandLimits, minSide: 256, mask: 'none', params: ['n', 'output_format'] },
};

const info = (endpoint: string, kind: BFLModelKind, defaultOutputFormat: 'png' | 'jpeg'): BFLModelInfo => ({
  endpoint,
  kind,
  defaultOutputFormat,
  activeTaskLimit: endpoint === 'flux-kontext-max' ? 6 : 24,
});

/** Wire facts per model. */
export const BFL_MODEL_INFO: Readonly<Record<string, BFLModelInfo>> = {
  'flux-kontext-pro': info('flux-kontext-pro', 'kontext', 'png'),
  'flux-kontext-max': info('flux-kontext-max', 'kontext', 'png'),
  'flux-2-pro': info('flux-2-pro', 'flux2', 'jpeg'),
  'flux-2-max': info('flux-2-max', 'flux2', 'jpeg'),
  'flux-2-flex': info('flux-2-flex', 'flux2-flex', 'jpeg'),
  'flux-2-klein-4b': info('flux-2-klein-4b', 'flux2', 'jpeg'),
  'flux-2-klein-9b': info('flux-2-klein-9b', 'flux2', 'jpeg'),
  'flux-pro-1.0-fill': info('flux-pro-1.0-fill', 'fill', 'jpeg'),
  'flux-pro-1.0-expand': info('flux-pro-1.0-expand', 'expand', 'jpeg'),
};

/** Regional API hosts (`region` setting). `global` routes to the nearest region with failover. */
export const BFL_REGION_HOSTS = {
  global: 'https://api.bfl.ai',
  eu: 'https://api.eu.bfl.ai',
  us: 'https://api.us.bfl.ai',
} as const;

/** A region name of {@link BFL_REGION_HOSTS}. */
export type BFLRegion = keyof typeof BFL_REGION_HOSTS;
