/**
 * Stability's provider extras: one private zod rule per multipart field (with the ranges of
 * Stability's API), picked per endpoint in stability-endpoints.ts so that a field an endpoint does
 * not take is an `UnsupportedParamsError` naming the endpoint's own fields.
 * @module
 */
import { integerInRange, numberInRange, oneOf, textUpTo } from '@retouch/core';
import { z } from 'zod';

/** `style_preset` values. */
export const STYLE_PRESETS = [
  'enhance',
  'anime',
  'photographic',
  'digital-art',
  'comic-book',
  'fantasy-art',
  'line-art',
  'analog-film',
  'neon-punk',
  'isometric',
  'low-poly',
  'origami',
  'modeling-compound',
  'cinematic',
  '3d-model',
  'pixel-art',
  'tile-texture',
] as const;

/** `aspect_ratio` values of `control/style`. */
export const STYLE_ASPECT_RATIOS = [
  '21:9',
  '16:9',
  '3:2',
  '5:4',
  '1:1',
  '4:5',
  '2:3',
  '9:16',
  '9:21',
] as const;

/** Every Stability extra (all optional), with its range; `grow_mask` and `creativity` vary per endpoint. */
export const FIELDS = {
  seed: integerInRange(0, 4294967294),
  negative_prompt: textUpTo(10000),
  style_preset: oneOf(STYLE_PRESETS),
  search_prompt: textUpTo(10000),
  select_prompt: textUpTo(10000),
  left: integerInRange(0, 2000),
  right: integerInRange(0, 2000),
  up: integerInRange(0, 2000),
  down: integerInRange(0, 2000),
  control_strength: numberInRange(0, 1),
  fidelity: numberInRange(0, 1),
  aspect_ratio: oneOf(STYLE_ASPECT_RATIOS),
  composition_fidelity: numberInRange(0, 1),
  style_strength: numberInRange(0, 1),
  change_strength: numberInRange(0.1, 1),
  foreground_prompt: textUpTo(10000),
  preserve_original_subject: numberInRange(0, 1),
  original_background_depth: numberInRange(0, 1),
  keep_original_background: z.boolean({ error: 'must be true or false' }).optional(),
  light_source_direction: oneOf(['left', 'right', 'above', 'below'] as const),
  light_source_strength: numberInRange(0, 1),
  light_reference: z
    .custom<Uint8Array | Blob | string>(
      (value) =>
        value instanceof Uint8Array ||
        value instanceof Blob ||
        (typeof value === 'string' && /^data:image\//i.test(value)),
      { error: 'must be an image: bytes, a Blob/File or a data:image/… URL' },
    )
    .optional(),
} as const;

/** `grow_mask` with an endpoint's range (inpaint 0–100, erase and search 0–20). */
export const growMask = (max: number) => integerInRange(0, max);
/** `creativity` with an endpoint's range. */
export const creativity = (min: number, max: number) => numberInRange(min, max);

const allOptions = z.object({
  ...FIELDS,
  grow_mask: growMask(100),
  creativity: creativity(0, 1),
});

/**
 * Provider extras Stability endpoints take, passed flat in the request next to OpenAI's fields
 * (`seed`, `negative_prompt`, `search_prompt`, `left`, …). Each model accepts only its endpoint's
 * fields; see the package README for the table.
 */
export type StabilityOptions = Partial<z.infer<typeof allOptions>>;
