/**
 * The 13 Stability AI Image Services on Bedrock, by base model id, as AWS documents their
 * `InvokeModel` bodies: where the input images and the prompt go, whether a mask is taken, the
 * model's extras and image limits — and how a model id (base id, `us.` cross-region profile, ARN or a
 * configured alias) resolves to one of them. Looked up by exact id, never by substring.
 * @module
 */
import { z } from 'zod';
import { creativity, FIELDS, STYLE_GUIDE_ASPECT_RATIOS } from './bedrock-options.js';

/** Limits on an input image. */
export interface BedrockImageLimits {
  minSide: number;
  maxSide?: number;
  minPixels: number;
  maxPixels: number;
  maxAspectRatio: number;
}

/** One Stability image service on Bedrock. */
export interface BedrockStabilityModel {
  /** Body key of the first input image. */
  imageField: 'image' | 'init_image';
  /** Style Transfer's second image. */
  secondImageField?: 'style_image';
  mask: boolean;
  /** Whether `prompt` is taken, and required. */
  prompt?: { required: boolean };
  extras: z.ZodObject;
  /** Extras that must be given, with what they are (for the error). */
  requiredExtras?: Readonly<Record<string, string>>;
  limits: BedrockImageLimits;
  /** `size` maps to the nearest of these `aspect_ratio`s (Style Guide). */
  aspectRatios?: readonly string[];
  /** At least one of left/right/up/down must be > 0 (Outpaint). */
  needsDirection?: boolean;
}

/** Every service: sides ≥ 64 px, at most 9,437,184 pixels, aspect ratio 1:2.5–2.5:1. */
const LIMITS: BedrockImageLimits = { minSide: 64, minPixels: 4096, maxPixels: 9437184, maxAspectRatio: 2.5 };
const { seed, negative_prompt, style_preset, grow_mask } = FIELDS;

function model(
  spec: Omit<BedrockStabilityModel, 'imageField' | 'mask' | 'limits'> & Partial<BedrockStabilityModel>,
): BedrockStabilityModel {
  return { imageField: 'image', mask: false, limits: LIMITS, ...spec };
}

const control = () =>
  model({
    prompt: { required: true },
    extras: z.object({ control_strength: FIELDS.control_strength, negative_prompt, seed, style_preset }),
  });

/** The 13 services, by base model id. */
export const BEDROCK_STABILITY_MODELS: Readonly<Record<string, BedrockStabilityModel>> = {
  'stability.stable-image-inpaint-v1:0': model({
    mask: true,
    prompt: { required: true },
    extras: z.object({ grow_mask, negative_prompt, seed, style_preset }),
  }),
  'stability.stable-outpaint-v1:0': model({
    prompt: { required: false },
    extras: z.object({
      left: FIELDS.left,
      right: FIELDS.right,
      up: FIELDS.up,
      down: FIELDS.down,
      creativity: creativity(0.1, 1),
      seed,
      style_preset,
    }),
    needsDirection: true,
  }),
  'stability.stable-image-search-replace-v1:0': model({
    prompt: { required: true },
    extras: z.object({ search_prompt: FIELDS.search_prompt, grow_mask, negative_prompt, seed, style_preset }),
    requiredExtras: { search_prompt: 'what to find and replace in the image, e.g. search_prompt: "cat"' },
  }),
  'stability.stable-image-search-recolor-v1:0': model({
    prompt: { required: true },
    extras: z.object({ select_prompt: FIELDS.select_prompt, grow_mask, negative_prompt, seed, style_preset }),
    requiredExtras: { select_prompt: 'what to find and recolor in the image, e.g. select_prompt: "the car"' },
  }),
  'stability.stable-image-erase-object-v1:0': model({ mask: true, extras: z.object({ grow_mask, seed }) }),
  'stability.stable-image-remove-background-v1:0': model({ extras: z.object({}) }),
  'stability.stable-image-control-sketch-v1:0': control(),
  'stability.stable-image-control-structure-v1:0': control(),
  'stability.stable-image-style-guide-v1:0': model({
    prompt: { required: true },
    extras: z.object({
      aspect_ratio: FIELDS.aspect_ratio,
      fidelity: FIELDS.fidelity,
      negative_prompt,
      seed,
      style_preset,
    }),
    aspectRatios: STYLE_GUIDE_ASPECT_RATIOS,
  }),
  'stability.stable-style-transfer-v1:0': model({
    imageField: 'init_image',
    secondImageField: 'style_image',
    prompt: { required: false },
    extras: z.object({
      negative_prompt,
      seed,
      composition_fidelity: FIELDS.composition_fidelity,
      style_strength: FIELDS.style_strength,
      change_strength: FIELDS.change_strength,
    }),
  }),
  'stability.stable-creative-upscale-v1:0': model({
    prompt: { required: true },
    extras: z.object({ creativity: creativity(0.1, 0.5), negative_prompt, seed, style_preset }),
    limits: { ...LIMITS, maxPixels: 1048576 },
  }),
  'stability.stable-conservative-upscale-v1:0': model({
    prompt: { required: true },
    extras: z.object({ creativity: creativity(0.1, 0.5), negative_prompt, seed }),
  }),
  'stability.stable-fast-upscale-v1:0': model({
    extras: z.object({}),
    limits: { minSide: 32, maxSide: 1536, minPixels: 1024, maxPixels: 1048576, maxAspectRatio: 2.5 },
  }),
};

/** A model id resolved to its service. */
export interface ResolvedBedrockModel {
  /** The id sent upstream (as given, or as the alias maps it). */
  modelId: string;
  baseModelId: string;
  spec: BedrockStabilityModel;
  /** Region named by an ARN. */
  arnRegion?: string;
  /** Geography of a cross-region inference profile (`us`). */
  profileGeo?: string;
}

const ARN = /^arn:aws(?:-[a-z-]+)?:bedrock:([a-z0-9-]+):\d{0,12}:(foundation-model|inference-profile)\/(.+)$/;
/** Cross-region inference-profile prefixes AWS documents for these services. */
const PROFILE_GEOS = ['us'] as const;

/**
 * Resolves a model id: a base id, a `us.` profile id, a foundation-model or inference-profile ARN,
 * or a key of `aliases` (application inference profiles, provisioned throughput) mapped to a base id.
 *
 * @example
 * ```ts
 * resolveBedrockModel('us.stability.stable-image-inpaint-v1:0')?.baseModelId; // 'stability.stable-image-inpaint-v1:0'
 * ```
 */
export function resolveBedrockModel(
  modelId: string,
  aliases: Readonly<Record<string, string>> = {},
): ResolvedBedrockModel | undefined {
  const alias = aliases[modelId];
  if (alias !== undefined) {
    const target = resolveBedrockModel(alias);
    return target && { ...target, modelId, arnRegion: ARN.exec(modelId)?.[1] ?? target.arnRegion };
  }
  const arn = ARN.exec(modelId);
  const id = arn ? (arn[3] as string) : modelId;
  const geo = PROFILE_GEOS.find((prefix) => id.startsWith(`${prefix}.`));
  const baseModelId = geo ? id.slice(geo.length + 1) : id;
  // A foundation-model ARN names a base id; an inference-profile ARN names a profile id.
  if (arn && (arn[2] === 'inference-profile') !== (geo !== undefined)) return undefined;
  const spec = BEDROCK_STABILITY_MODELS[baseModelId];
  return spec && { modelId, baseModelId, spec, arnRegion: arn?.[1], profileGeo: geo };
}
