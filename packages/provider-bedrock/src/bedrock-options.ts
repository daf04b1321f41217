/**
 * Provider extras of the Stability image services on Bedrock: one private zod rule per body key,
 * with the ranges AWS documents, picked per model in bedrock-models.ts so that a key a model does
 * not take is an `UnsupportedParamsError` naming the model's own keys.
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

/** `aspect_ratio` values of Style Guide. */
export const STYLE_GUIDE_ASPECT_RATIOS = [
  '16:9',
  '1:1',
  '21:9',
  '2:3',
  '3:2',
  '4:5',
  '5:4',
  '9:16',
  '9:21',
] as const;

/** Every extra (all optional), with the range AWS documents; `creativity` varies per model. */
export const FIELDS = {
  seed: integerInRange(0, 4294967294),
  negative_prompt: textUpTo(10000),
  style_preset: oneOf(STYLE_PRESETS),
  grow_mask: integerInRange(0, 20),
  search_prompt: textUpTo(10000),
  select_prompt: textUpTo(10000),
  left: integerInRange(0, 2000),
  right: integerInRange(0, 2000),
  up: integerInRange(0, 2000),
  down: integerInRange(0, 2000),
  control_strength: numberInRange(0, 1),
  fidelity: numberInRange(0, 1),
  aspect_ratio: oneOf(STYLE_GUIDE_ASPECT_RATIOS),
  composition_fidelity: numberInRange(0, 1),
  style_strength: numberInRange(0, 1),
  change_strength: numberInRange(0.1, 1),
} as const;

/** `creativity` with a model's range (outpaint 0.1–1, the upscalers 0.1–0.5). */
export const creativity = (min: number, max: number) => numberInRange(min, max);

const allOptions = z.object({ ...FIELDS, creativity: creativity(0.1, 1) });

/**
 * Provider extras the Stability image services on Bedrock take, passed flat in the request next to
 * OpenAI's fields (`seed`, `negative_prompt`, `search_prompt`, `left`, …). Each model accepts only
 * its own keys; see the package README for the table.
 */
export type BedrockStabilityOptions = Partial<z.infer<typeof allOptions>>;
