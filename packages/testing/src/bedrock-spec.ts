/**
 * What the simulated Bedrock Runtime knows: `InvokeModel`'s route and model-id pattern (botocore
 * `bedrock-runtime` 2023-09-30), its error shapes with their HTTP statuses, and the request bodies of
 * the 13 Stability AI Image Services as AWS documents them (fields, ranges, required keys, image
 * limits).
 * @module
 */
import {
  DEFAULT_IMAGE_LIMITS,
  OPTIONAL_PROMPT_RULE,
  SEED_RULE,
  STABILITY_STYLE_ASPECT_RATIOS,
  STYLE_PRESET_RULE,
  type StabilityFieldRule,
  type StabilityImageLimits,
  UNIT_RULE,
} from './stability-fields.js';
import type { StabilityRenderKind } from './stability-spec.js';

/** One Stability image service on Bedrock. */
export interface BedrockModelSpec {
  /** Base model id, e.g. `stability.stable-image-inpaint-v1:0`. */
  modelId: string;
  /** Base64 image fields: required or optional (`mask` included). */
  images: Readonly<Record<string, 'required' | 'optional'>>;
  /** Other body keys and their rules. */
  fields: Readonly<Record<string, StabilityFieldRule>>;
  /** Keys that must be present besides the required images. */
  required: readonly string[];
  imageLimits: StabilityImageLimits;
  render: StabilityRenderKind;
}

/** `InvokeModel`'s URI (`/model/{modelId}/invoke`). */
export const BEDROCK_INVOKE_PATH = /^\/model\/([^/]+)\/invoke$/;
/** `InvokeModelIdentifier`'s pattern, from the botocore model (as AWS applies it: to the whole id). */
export const BEDROCK_MODEL_ID_PATTERN_SOURCE = `(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}/[a-z0-9]{12})|(:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|([0-9]{12}:imported-model/[a-z0-9]{12})|([0-9]{12}:provisioned-model/[a-z0-9]{12})|([0-9]{12}:custom-model-deployment/[a-z0-9]{12})|([0-9]{12}:(inference-profile|application-inference-profile)/[a-zA-Z0-9-:.]+)))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|(([0-9a-zA-Z][_-]?)+)|([a-zA-Z0-9-:.]+)$|(^(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:prompt/[0-9a-zA-Z]{10}(?::[0-9]{1,5})?))$|(^arn:aws:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[a-zA-Z0-9-]+$)|(^arn:aws(-[^:]+)?:bedrock:([0-9a-z-]{1,20}):([0-9]{12}):(default-)?prompt-router/[a-zA-Z0-9-:.]+$)`;
const MODEL_ID_PATTERN = new RegExp(`^(?:${BEDROCK_MODEL_ID_PATTERN_SOURCE})$`);

/**
 * Whether a model id satisfies `InvokeModelIdentifier`'s length (1–2048) and pattern.
 *
 * @example
 * ```ts
 * isValidBedrockModelId('us.stability.stable-image-inpaint-v1:0'); // true
 * ```
 */
export function isValidBedrockModelId(modelId: string): boolean {
  return modelId.length >= 1 && modelId.length <= 2048 && MODEL_ID_PATTERN.test(modelId);
}
/** Largest `InvokeModel` body (`Body` blob max), in bytes. */
export const BEDROCK_MAX_BODY_BYTES = 25_000_000;

/** `InvokeModel`'s exceptions and their HTTP statuses (botocore error shapes). */
export const BEDROCK_EXCEPTIONS = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
} as const;

/** An `InvokeModel` exception name. */
export type BedrockException = keyof typeof BEDROCK_EXCEPTIONS;

/** The `finish_reasons` values the Stability services report (`null` = success). */
export const BEDROCK_FINISH_REASONS = [
  'Filter reason: prompt',
  'Filter reason: output image',
  'Filter reason: input image',
  'Inference error',
] as const;

const FORMATS = { type: 'enum', values: ['jpeg', 'png', 'webp'] } as const satisfies StabilityFieldRule;
const NEGATIVE: StabilityFieldRule = { type: 'string', max: 10000 };
const GROW_MASK: StabilityFieldRule = { type: 'int', min: 0, max: 20 };
const DIRECTION: StabilityFieldRule = { type: 'int', min: 0, max: 2000 };
const LIMITS: StabilityImageLimits = { ...DEFAULT_IMAGE_LIMITS, maxAspectRatio: 2.5 };
const common = { seed: SEED_RULE, output_format: FORMATS } as const;

function model(spec: Omit<BedrockModelSpec, 'imageLimits'> & Partial<BedrockModelSpec>): BedrockModelSpec {
  return { imageLimits: LIMITS, ...spec };
}

const control = (name: string): BedrockModelSpec =>
  model({
    modelId: `stability.stable-image-control-${name}-v1:0`,
    images: { image: 'required' },
    fields: {
      prompt: OPTIONAL_PROMPT_RULE,
      control_strength: UNIT_RULE,
      negative_prompt: NEGATIVE,
      style_preset: STYLE_PRESET_RULE,
      ...common,
    },
    required: ['prompt'],
    render: 'grayscale',
  });

/** The 13 services, keyed by base model id. */
export const BEDROCK_STABILITY_MODELS: Readonly<Record<string, BedrockModelSpec>> = Object.fromEntries(
  [
    model({
      modelId: 'stability.stable-image-inpaint-v1:0',
      images: { image: 'required', mask: 'optional' },
      fields: {
        prompt: OPTIONAL_PROMPT_RULE,
        grow_mask: GROW_MASK,
        negative_prompt: NEGATIVE,
        style_preset: STYLE_PRESET_RULE,
        ...common,
      },
      required: ['prompt'],
      render: 'invert',
    }),
    model({
      modelId: 'stability.stable-outpaint-v1:0',
      images: { image: 'required' },
      fields: {
        left: DIRECTION,
        right: DIRECTION,
        up: DIRECTION,
        down: DIRECTION,
        prompt: OPTIONAL_PROMPT_RULE,
        creativity: { type: 'number', min: 0.1, max: 1 },
        style_preset: STYLE_PRESET_RULE,
        ...common,
      },
      required: [],
      render: 'outpaint',
    }),
    ...(['search-replace', 'search-recolor'] as const).map((name) =>
      model({
        modelId: `stability.stable-image-${name}-v1:0`,
        images: { image: 'required' },
        fields: {
          prompt: OPTIONAL_PROMPT_RULE,
          [name === 'search-replace' ? 'search_prompt' : 'select_prompt']: OPTIONAL_PROMPT_RULE,
          grow_mask: GROW_MASK,
          negative_prompt: NEGATIVE,
          style_preset: STYLE_PRESET_RULE,
          ...common,
        },
        required: ['prompt', name === 'search-replace' ? 'search_prompt' : 'select_prompt'],
        render: 'invert',
      }),
    ),
    model({
      modelId: 'stability.stable-image-erase-object-v1:0',
      images: { image: 'required', mask: 'optional' },
      fields: { grow_mask: GROW_MASK, ...common },
      required: [],
      render: 'invert',
    }),
    model({
      modelId: 'stability.stable-image-remove-background-v1:0',
      images: { image: 'required' },
      fields: { output_format: FORMATS },
      required: [],
      render: 'remove-background',
    }),
    control('sketch'),
    control('structure'),
    model({
      modelId: 'stability.stable-image-style-guide-v1:0',
      images: { image: 'required' },
      fields: {
        prompt: OPTIONAL_PROMPT_RULE,
        aspect_ratio: { type: 'enum', values: STABILITY_STYLE_ASPECT_RATIOS },
        fidelity: UNIT_RULE,
        negative_prompt: NEGATIVE,
        style_preset: STYLE_PRESET_RULE,
        ...common,
      },
      required: ['prompt'],
      render: 'tint',
    }),
    model({
      modelId: 'stability.stable-style-transfer-v1:0',
      images: { init_image: 'required', style_image: 'required' },
      fields: {
        prompt: OPTIONAL_PROMPT_RULE,
        negative_prompt: NEGATIVE,
        composition_fidelity: UNIT_RULE,
        style_strength: UNIT_RULE,
        change_strength: { type: 'number', min: 0.1, max: 1 },
        ...common,
      },
      required: [],
      render: 'style-transfer',
    }),
    model({
      modelId: 'stability.stable-creative-upscale-v1:0',
      images: { image: 'required' },
      fields: {
        prompt: OPTIONAL_PROMPT_RULE,
        creativity: { type: 'number', min: 0.1, max: 0.5 },
        negative_prompt: NEGATIVE,
        style_preset: STYLE_PRESET_RULE,
        ...common,
      },
      required: ['prompt'],
      imageLimits: { ...LIMITS, minPixels: 4096, maxPixels: 1048576 },
      render: 'upscale-2x',
    }),
    model({
      modelId: 'stability.stable-conservative-upscale-v1:0',
      images: { image: 'required' },
      fields: {
        prompt: OPTIONAL_PROMPT_RULE,
        creativity: { type: 'number', min: 0.1, max: 0.5 },
        negative_prompt: NEGATIVE,
        ...common,
      },
      required: ['prompt'],
      render: 'upscale-2x',
    }),
    model({
      modelId: 'stability.stable-fast-upscale-v1:0',
      images: { image: 'required' },
      fields: { output_format: FORMATS },
      required: [],
      imageLimits: { minSide: 32, maxSide: 1536, minPixels: 1024, maxPixels: 1048576, maxAspectRatio: 2.5 },
      render: 'upscale-4x',
    }),
  ].map((spec) => [spec.modelId, spec]),
);

/**
 * The base model a model id names: the base id itself, a `us.` cross-region inference profile, or
 * a foundation-model / inference-profile ARN. `undefined` for anything else.
 *
 * @example
 * ```ts
 * bedrockBaseModel('us.stability.stable-image-inpaint-v1:0'); // 'stability.stable-image-inpaint-v1:0'
 * ```
 */
export function bedrockBaseModel(modelId: string): { base: string; profileGeo?: string } | undefined {
  const arn =
    /^arn:aws(?:-[a-z-]+)?:bedrock:[a-z0-9-]+:\d{0,12}:(?:foundation-model|inference-profile)\/(.+)$/.exec(
      modelId,
    );
  const id = arn ? (arn[1] as string) : modelId;
  if (BEDROCK_STABILITY_MODELS[id]) return { base: id };
  const profile = /^(us)\.(.+)$/.exec(id);
  if (profile && BEDROCK_STABILITY_MODELS[profile[2] as string]) {
    return { base: profile[2] as string, profileGeo: profile[1] as string };
  }
  return undefined;
}
