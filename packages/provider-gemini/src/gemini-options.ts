/**
 * Provider extras of the Gemini image models, flat on the request as LiteLLM passes them. Private:
 * only the type leaves the public entry point (the schema is shared with `@retouch/provider-vertex`
 * through the internal entry point).
 * @module
 */
import { z } from 'zod';
import { GEMINI_EXTENDED_ASPECT_RATIOS, GEMINI_IMAGE_SIZES } from './gemini-capabilities.js';

/** `safetySettings[].category` values of the Gemini API (`@google/genai`'s `HarmCategory`). */
export const GEMINI_HARM_CATEGORIES = [
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
] as const;

/** `safetySettings[].threshold` values. */
export const HARM_THRESHOLDS = [
  'BLOCK_LOW_AND_ABOVE',
  'BLOCK_MEDIUM_AND_ABOVE',
  'BLOCK_ONLY_HIGH',
  'BLOCK_NONE',
  'OFF',
] as const;

/** Extras every Gemini image model takes, on the Gemini API and on Vertex AI. */
export const geminiOptionsSchema = z.object({
  /** `imageConfig.aspectRatio`, sent as is; wins over the ratio mapped from `size`. Checked per model. */
  aspect_ratio: z.enum(GEMINI_EXTENDED_ASPECT_RATIOS).optional(),
  /** `imageConfig.imageSize` (uppercase `K`); wins over `quality`. Only on models that take it. */
  image_size: z.enum(GEMINI_IMAGE_SIZES).optional(),
  /** `generationConfig.responseModalities`. Default `["TEXT","IMAGE"]`; must include `IMAGE`. */
  response_modalities: z
    .array(z.enum(['TEXT', 'IMAGE']))
    .min(1)
    .refine((values) => values.includes('IMAGE'), 'must include "IMAGE"')
    .optional(),
  /** `safetySettings`, sent as is. */
  safety_settings: z
    .array(
      z.object({ category: z.enum(GEMINI_HARM_CATEGORIES), threshold: z.enum(HARM_THRESHOLDS) }).strict(),
    )
    .optional(),
  /** `generationConfig.seed`. */
  seed: z.number().int().optional(),
});

/** Gemini image extras: `aspect_ratio`, `image_size`, `response_modalities`, `safety_settings`, `seed`. */
export type GeminiOptions = z.infer<typeof geminiOptionsSchema>;
