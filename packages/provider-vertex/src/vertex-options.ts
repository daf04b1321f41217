/**
 * Provider extras on Vertex AI, flat on the request as LiteLLM passes them. Private: only the types
 * leave the package. Enum values are accepted in any case (and Imagen's with or without their
 * `EDIT_MODE_` / `MASK_MODE_` prefix) and sent in the API's own spelling.
 * @module
 */
import {
  GEMINI_HARM_CATEGORIES,
  geminiOptionsSchema,
  HARM_THRESHOLDS,
} from '@retouch/provider-gemini/internal';
import { z } from 'zod';

const upper = (value: unknown) => (typeof value === 'string' ? value.toUpperCase() : value);
const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);
const prefixed = (prefix: string) => (value: unknown) => {
  if (typeof value !== 'string') return value;
  const name = value.toUpperCase();
  return name.startsWith(prefix) ? name : `${prefix}${name}`;
};
const unprefixed = (prefix: string) => (value: unknown) =>
  typeof value === 'string' ? value.toLowerCase().replace(prefix, '') : value;

/**
 * `safetySettings[].category` on Vertex: the Gemini API's, plus the ones `@google/genai` marks as
 * not supported in the Gemini API (the image categories) and `HARM_CATEGORY_JAILBREAK`.
 */
const VERTEX_HARM_CATEGORIES = [
  ...GEMINI_HARM_CATEGORIES,
  'HARM_CATEGORY_JAILBREAK',
  'HARM_CATEGORY_IMAGE_HATE',
  'HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT',
  'HARM_CATEGORY_IMAGE_HARASSMENT',
  'HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT',
] as const;

/** Gemini image models on Vertex: the Gemini extras plus `imageConfig.personGeneration`. */
export const vertexGeminiOptionsSchema = geminiOptionsSchema.extend({
  /** `safetySettings`, sent as is; Vertex also takes the image categories, jailbreak, and `method`. */
  safety_settings: z
    .array(
      z
        .object({
          category: z.enum(VERTEX_HARM_CATEGORIES),
          threshold: z.enum(HARM_THRESHOLDS),
          /** Score blocking by `SEVERITY` or `PROBABILITY` (Vertex's default). */
          method: z.enum(['SEVERITY', 'PROBABILITY']).optional(),
        })
        .strict(),
    )
    .optional(),
  /** `imageConfig.personGeneration`: `ALLOW_ALL`, `ALLOW_ADULT` or `ALLOW_NONE`. */
  person_generation: z.preprocess(upper, z.enum(['ALLOW_ALL', 'ALLOW_ADULT', 'ALLOW_NONE'])).optional(),
});

/** The Imagen edit modes retouch selects (`parameters.editMode`). */
export const IMAGEN_EDIT_MODES = [
  'EDIT_MODE_INPAINT_INSERTION',
  'EDIT_MODE_INPAINT_REMOVAL',
  'EDIT_MODE_OUTPAINT',
  'EDIT_MODE_BGSWAP',
] as const;

/** Imagen 3 editing extras. */
export const imagenOptionsSchema = z.object({
  /**
   * `parameters.editMode`: `inpaint_insertion` (default with a mask), `inpaint_removal`, `outpaint`
   * or `bgswap` (full `EDIT_MODE_*` names work too). No mask and no `mask_mode`: mask-free editing.
   */
  edit_mode: z.preprocess(prefixed('EDIT_MODE_'), z.enum(IMAGEN_EDIT_MODES)).optional(),
  /** Automatic mask instead of a mask image: `background`, `foreground` or `semantic` (with `mask_classes`). */
  mask_mode: z
    .preprocess(unprefixed('mask_mode_'), z.enum(['background', 'foreground', 'semantic']))
    .optional(),
  /** Segmentation class ids for `mask_mode: semantic` (`maskImageConfig.maskClasses`). */
  mask_classes: z.array(z.number().int().min(0)).min(1).optional(),
  /** `maskImageConfig.dilation`, a fraction of the image width (0–1); Google suggests 0.01, 0.03 for outpainting. */
  mask_dilation: z.number().min(0).max(1).optional(),
  /** `parameters.editConfig.baseSteps`: sampling steps (Google suggests 35; up to 75). */
  base_steps: z.number().int().min(1).max(75).optional(),
  /** `parameters.guidanceScale`: how closely to follow the prompt. */
  guidance_scale: z.number().min(0).optional(),
  /** `parameters.negativePrompt`. */
  negative_prompt: z.string().optional(),
  /** `parameters.seed` (1–2147483647); needs `add_watermark: false`, which is then sent. */
  seed: z.number().int().min(1).max(2147483647).optional(),
  /** `parameters.addWatermark` (SynthID). Defaults to the API's (true). */
  add_watermark: z.boolean().optional(),
  /** `parameters.personGeneration`: `dont_allow`, `allow_adult` or `allow_all`. */
  person_generation: z.preprocess(lower, z.enum(['dont_allow', 'allow_adult', 'allow_all'])).optional(),
  /** `parameters.safetySetting`. */
  safety_setting: z
    .preprocess(
      lower,
      z.enum(['block_low_and_above', 'block_medium_and_above', 'block_only_high', 'block_none']),
    )
    .optional(),
  /** `parameters.language` of the prompt. */
  language: z.enum(['auto', 'en', 'ja', 'ko', 'hi', 'zh', 'pt', 'es']).optional(),
});

/** Extras of the Gemini image models on Vertex. */
export type VertexGeminiOptions = z.infer<typeof vertexGeminiOptionsSchema>;
/** Extras of Imagen 3 editing. */
export type ImagenOptions = z.infer<typeof imagenOptionsSchema>;
