/**
 * Provider extras of OpenRouter, named as OpenRouter names them (`openrouter-options.test.ts`
 * checks them against the spec). Private: only the type leaves the package.
 * @module
 */
import { z } from 'zod';
import { IMAGES_ASPECT_RATIOS } from './openrouter-capabilities.js';

/** OpenRouter extras, flat on the request (as LiteLLM passes them). */
export const openRouterOptionsSchema = z.object({
  /** Which path serves the call: `images` (`POST /images`) or `chat` (`POST /chat/completions`). Default: per model. */
  openrouter_endpoint: z.enum(['images', 'chat']).optional(),
  /** Aspect ratio, sent as is (wins over `size`). Checked against the path's and model's list. */
  aspect_ratio: z.enum(IMAGES_ASPECT_RATIOS).optional(),
  /**
   * Resolution tier (wins over `quality`): chat `image_config.image_size`, `/images` `resolution`.
   * `0.5K` and `512` are the same tier under the two paths' names.
   */
  image_size: z.enum(['0.5K', '512', '1K', '2K', '4K']).optional(),
  /** Seed, on both paths. */
  seed: z.number().int().optional(),
  /** Provider routing preferences (`order`, `only`, `ignore`, `allow_fallbacks`, `sort`, …), sent as is. */
  provider: z.record(z.string(), z.unknown()).optional(),
  /** Chat only: more `image_config` keys (provider-specific, e.g. Recraft's `strength`). */
  image_config: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.unknown())])).optional(),
  /** Chat only: output `modalities`. Default: `["image","text"]`, or `["image"]` for image-only models. */
  modalities: z
    .array(z.enum(['image', 'text']))
    .min(1)
    .refine((values) => values.includes('image'), 'must include "image"')
    .optional(),
});

/** OpenRouter's provider extras. */
export type OpenRouterOptions = z.infer<typeof openRouterOptionsSchema>;
