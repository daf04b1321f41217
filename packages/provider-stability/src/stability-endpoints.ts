/**
 * The explicit table from model name to Stability v2beta endpoint: its URL path, where each input
 * image and the prompt go, whether it takes a mask, whether it is async, its extras and its image
 * limits. Models are looked up by exact name — never by substring (LiteLLM's substring match sends
 * `style-transfer` to `control/style`).
 * @module
 */
import { z } from 'zod';
import { creativity, FIELDS, growMask, STYLE_ASPECT_RATIOS } from './stability-options.js';

/** Output formats of Stability's image services. */
export type StabilityOutputFormat = 'png' | 'jpeg' | 'webp';

/** Limits on an input image, as Stability states them. */
export interface StabilityImageLimits {
  minSide: number;
  maxSide?: number;
  minPixels: number;
  maxPixels: number;
  /** Long side / short side. */
  maxAspectRatio?: number;
}

/** One endpoint. */
export interface StabilityEndpoint {
  /** URL path under the API base. */
  path: string;
  /** Multipart field of the first input image. */
  imageField: 'image' | 'subject_image' | 'init_image';
  /** Where a second input image goes, on the endpoints that take one. */
  secondImage?: { field: 'style_image' | 'background_reference'; required: boolean };
  mask: boolean;
  /** Where the OpenAI `prompt` goes; endpoints without one take none. */
  prompt?: { field: 'prompt' | 'background_prompt'; required: boolean };
  /** Submit, then poll `GET /v2beta/results/{id}`. */
  async: boolean;
  outputFormats: readonly StabilityOutputFormat[];
  /** The provider extras this endpoint takes. */
  extras: z.ZodObject;
  /** Extras that must be given, with what they are (for the error). */
  requiredExtras?: Readonly<Record<string, string>>;
  limits: StabilityImageLimits;
  /** `size` maps to the nearest of these `aspect_ratio`s (control/style only). */
  aspectRatios?: readonly string[];
}

const FORMATS: readonly StabilityOutputFormat[] = ['jpeg', 'png', 'webp'];
const LIMITS: StabilityImageLimits = { minSide: 64, minPixels: 4096, maxPixels: 9437184 };
const ASPECT_LIMITED: StabilityImageLimits = { ...LIMITS, maxAspectRatio: 2.5 };
const BASE = '/v2beta/stable-image';
const { seed, negative_prompt, style_preset } = FIELDS;

function endpoint(
  spec: Omit<StabilityEndpoint, 'imageField' | 'mask' | 'async' | 'outputFormats' | 'limits'> &
    Partial<StabilityEndpoint>,
): StabilityEndpoint {
  return { imageField: 'image', mask: false, async: false, outputFormats: FORMATS, limits: LIMITS, ...spec };
}

const control = (name: 'sketch' | 'structure') =>
  endpoint({
    path: `${BASE}/control/${name}`,
    prompt: { field: 'prompt', required: true },
    extras: z.object({ control_strength: FIELDS.control_strength, negative_prompt, seed, style_preset }),
  });

/** Every model this package serves, by name (the part after `stability/`). */
export const STABILITY_ENDPOINTS: Readonly<Record<string, StabilityEndpoint>> = {
  inpaint: endpoint({
    path: `${BASE}/edit/inpaint`,
    mask: true,
    prompt: { field: 'prompt', required: true },
    extras: z.object({ negative_prompt, grow_mask: growMask(100), seed, style_preset }),
  }),
  outpaint: endpoint({
    path: `${BASE}/edit/outpaint`,
    prompt: { field: 'prompt', required: false },
    extras: z.object({
      left: FIELDS.left,
      right: FIELDS.right,
      up: FIELDS.up,
      down: FIELDS.down,
      creativity: creativity(0, 1),
      seed,
      style_preset,
    }),
    limits: ASPECT_LIMITED,
  }),
  erase: endpoint({
    path: `${BASE}/edit/erase`,
    mask: true,
    extras: z.object({ grow_mask: growMask(20), seed }),
  }),
  'search-and-replace': endpoint({
    path: `${BASE}/edit/search-and-replace`,
    prompt: { field: 'prompt', required: true },
    extras: z.object({
      search_prompt: FIELDS.search_prompt,
      negative_prompt,
      grow_mask: growMask(20),
      seed,
      style_preset,
    }),
    requiredExtras: { search_prompt: 'what to find and replace in the image, e.g. search_prompt: "cat"' },
  }),
  'search-and-recolor': endpoint({
    path: `${BASE}/edit/search-and-recolor`,
    prompt: { field: 'prompt', required: true },
    extras: z.object({
      select_prompt: FIELDS.select_prompt,
      negative_prompt,
      grow_mask: growMask(20),
      seed,
      style_preset,
    }),
    requiredExtras: { select_prompt: 'what to find and recolor in the image, e.g. select_prompt: "the car"' },
  }),
  'remove-background': endpoint({
    path: `${BASE}/edit/remove-background`,
    outputFormats: ['png', 'webp'],
    extras: z.object({}),
    limits: { ...LIMITS, maxPixels: 4194304 },
  }),
  'replace-background-and-relight': endpoint({
    path: `${BASE}/edit/replace-background-and-relight`,
    imageField: 'subject_image',
    secondImage: { field: 'background_reference', required: false },
    prompt: { field: 'background_prompt', required: false },
    async: true,
    extras: z.object({
      foreground_prompt: FIELDS.foreground_prompt,
      negative_prompt,
      preserve_original_subject: FIELDS.preserve_original_subject,
      original_background_depth: FIELDS.original_background_depth,
      keep_original_background: FIELDS.keep_original_background,
      light_source_direction: FIELDS.light_source_direction,
      light_source_strength: FIELDS.light_source_strength,
      light_reference: FIELDS.light_reference,
      seed,
    }),
    limits: ASPECT_LIMITED,
  }),
  sketch: control('sketch'),
  structure: control('structure'),
  style: endpoint({
    path: `${BASE}/control/style`,
    prompt: { field: 'prompt', required: true },
    extras: z.object({
      aspect_ratio: FIELDS.aspect_ratio,
      fidelity: FIELDS.fidelity,
      negative_prompt,
      seed,
      style_preset,
    }),
    aspectRatios: STYLE_ASPECT_RATIOS,
  }),
  'style-transfer': endpoint({
    path: `${BASE}/control/style-transfer`,
    imageField: 'init_image',
    secondImage: { field: 'style_image', required: true },
    prompt: { field: 'prompt', required: false },
    extras: z.object({
      negative_prompt,
      style_strength: FIELDS.style_strength,
      composition_fidelity: FIELDS.composition_fidelity,
      change_strength: FIELDS.change_strength,
      seed,
    }),
  }),
  fast: endpoint({
    path: `${BASE}/upscale/fast`,
    extras: z.object({}),
    limits: { minSide: 32, maxSide: 1536, minPixels: 1024, maxPixels: 1048576 },
  }),
  conservative: endpoint({
    path: `${BASE}/upscale/conservative`,
    prompt: { field: 'prompt', required: true },
    extras: z.object({ negative_prompt, seed, creativity: creativity(0.2, 0.5) }),
  }),
  creative: endpoint({
    path: `${BASE}/upscale/creative`,
    prompt: { field: 'prompt', required: true },
    async: true,
    extras: z.object({ negative_prompt, seed, creativity: creativity(0.1, 0.5), style_preset }),
    limits: { ...LIMITS, maxPixels: 1048576 },
  }),
};

/** The path where async results are fetched (`{path}{id}`). */
export const STABILITY_RESULTS_PATH = '/v2beta/results/';
