/**
 * The Stability AI v2beta image services the simulator serves, from Stability's OpenAPI (edit
 * endpoints), the official ComfyUI nodes (control, upscale) and Bedrock's copy of the same services:
 * each endpoint's file parts, text fields with their ranges, required fields, image limits, whether
 * it is async (`results/{id}`), and its credit cost.
 * @module
 */
import {
  DEFAULT_IMAGE_LIMITS,
  OPTIONAL_PROMPT_RULE,
  PROMPT_RULE,
  SEED_RULE,
  STABILITY_STYLE_ASPECT_RATIOS,
  STYLE_PRESET_RULE,
  type StabilityFieldRule,
  type StabilityImageLimits,
  UNIT_RULE,
} from './stability-fields.js';

/** One v2beta endpoint. */
export interface StabilityEndpointSpec {
  /** Full path, e.g. `/v2beta/stable-image/edit/inpaint`. */
  path: string;
  /** File parts: required or optional. The first one listed is the main image. */
  files: Readonly<Record<string, 'required' | 'optional'>>;
  /** Text parts and their rules. */
  fields: Readonly<Record<string, StabilityFieldRule>>;
  /** Text parts that must be present. */
  required: readonly string[];
  /** Limits on the main image (and on style transfer's two images). */
  imageLimits: StabilityImageLimits;
  /** `output_format` values. */
  outputFormats: readonly string[];
  /** Answers `{id}` and serves the result from `GET /v2beta/results/{id}`. */
  async: boolean;
  /** Credits per successful generation (1 credit = $0.01). */
  credits: number;
  /** What the simulator does to the image. */
  render: StabilityRenderKind;
}

/** How the simulator changes the input, per service. */
export type StabilityRenderKind =
  | 'invert'
  | 'outpaint'
  | 'remove-background'
  | 'relight'
  | 'grayscale'
  | 'tint'
  | 'style-transfer'
  | 'upscale-4x'
  | 'upscale-2x';

const FORMATS = ['jpeg', 'png', 'webp'] as const;
const NEGATIVE: StabilityFieldRule = { type: 'string', max: 10000 };
const growMask = (max: number): StabilityFieldRule => ({ type: 'int', min: 0, max });
const direction: StabilityFieldRule = { type: 'int', min: 0, max: 2000 };
const ASPECT_LIMITED: StabilityImageLimits = { ...DEFAULT_IMAGE_LIMITS, maxAspectRatio: 2.5 };
const base = '/v2beta/stable-image';

function endpoint(
  spec: Omit<StabilityEndpointSpec, 'outputFormats' | 'async' | 'imageLimits'> &
    Partial<StabilityEndpointSpec>,
): StabilityEndpointSpec {
  return { outputFormats: FORMATS, async: false, imageLimits: DEFAULT_IMAGE_LIMITS, ...spec };
}

/** Every endpoint, keyed by path. */
export const STABILITY_ENDPOINTS: Readonly<Record<string, StabilityEndpointSpec>> = Object.fromEntries(
  [
    endpoint({
      path: `${base}/edit/inpaint`,
      files: { image: 'required', mask: 'optional' },
      fields: {
        prompt: PROMPT_RULE,
        negative_prompt: NEGATIVE,
        grow_mask: growMask(100),
        seed: SEED_RULE,
        output_format: { type: 'enum', values: FORMATS },
        style_preset: STYLE_PRESET_RULE,
      },
      required: ['prompt'],
      credits: 5,
      render: 'invert',
    }),
    endpoint({
      path: `${base}/edit/outpaint`,
      files: { image: 'required' },
      fields: {
        left: direction,
        right: direction,
        up: direction,
        down: direction,
        creativity: UNIT_RULE,
        prompt: OPTIONAL_PROMPT_RULE,
        seed: SEED_RULE,
        output_format: { type: 'enum', values: FORMATS },
        style_preset: STYLE_PRESET_RULE,
      },
      required: [],
      imageLimits: ASPECT_LIMITED,
      credits: 4,
      render: 'outpaint',
    }),
    endpoint({
      path: `${base}/edit/erase`,
      files: { image: 'required', mask: 'optional' },
      fields: { grow_mask: growMask(20), seed: SEED_RULE, output_format: { type: 'enum', values: FORMATS } },
      required: [],
      credits: 5,
      render: 'invert',
    }),
    endpoint({
      path: `${base}/edit/search-and-replace`,
      files: { image: 'required' },
      fields: {
        prompt: PROMPT_RULE,
        search_prompt: PROMPT_RULE,
        negative_prompt: NEGATIVE,
        grow_mask: growMask(20),
        seed: SEED_RULE,
        output_format: { type: 'enum', values: FORMATS },
        style_preset: STYLE_PRESET_RULE,
      },
      required: ['prompt', 'search_prompt'],
      credits: 5,
      render: 'invert',
    }),
    endpoint({
      path: `${base}/edit/search-and-recolor`,
      files: { image: 'required' },
      fields: {
        prompt: PROMPT_RULE,
        select_prompt: PROMPT_RULE,
        negative_prompt: NEGATIVE,
        grow_mask: growMask(20),
        seed: SEED_RULE,
        output_format: { type: 'enum', values: FORMATS },
        style_preset: STYLE_PRESET_RULE,
      },
      required: ['prompt', 'select_prompt'],
      credits: 5,
      render: 'invert',
    }),
    endpoint({
      path: `${base}/edit/remove-background`,
      files: { image: 'required' },
      fields: { output_format: { type: 'enum', values: ['png', 'webp'] } },
      required: [],
      outputFormats: ['png', 'webp'],
      imageLimits: { ...DEFAULT_IMAGE_LIMITS, maxPixels: 4194304 },
      credits: 5,
      render: 'remove-background',
    }),
    endpoint({
      path: `${base}/edit/replace-background-and-relight`,
      files: { subject_image: 'required', background_reference: 'optional', light_reference: 'optional' },
      fields: {
        background_prompt: PROMPT_RULE,
        foreground_prompt: NEGATIVE,
        negative_prompt: NEGATIVE,
        preserve_original_subject: UNIT_RULE,
        original_background_depth: UNIT_RULE,
        keep_original_background: { type: 'boolean-string' },
        light_source_direction: { type: 'enum', values: ['left', 'right', 'above', 'below'] },
        light_source_strength: UNIT_RULE,
        seed: SEED_RULE,
        output_format: { type: 'enum', values: FORMATS },
      },
      required: [],
      imageLimits: ASPECT_LIMITED,
      async: true,
      credits: 8,
      render: 'relight',
    }),
    ...(['sketch', 'structure'] as const).map((name) =>
      endpoint({
        path: `${base}/control/${name}`,
        files: { image: 'required' },
        fields: {
          prompt: PROMPT_RULE,
          control_strength: UNIT_RULE,
          negative_prompt: NEGATIVE,
          seed: SEED_RULE,
          output_format: { type: 'enum', values: FORMATS },
          style_preset: STYLE_PRESET_RULE,
        },
        required: ['prompt'],
        credits: 5,
        render: 'grayscale',
      }),
    ),
    endpoint({
      path: `${base}/control/style`,
      files: { image: 'required' },
      fields: {
        prompt: PROMPT_RULE,
        aspect_ratio: { type: 'enum', values: STABILITY_STYLE_ASPECT_RATIOS },
        fidelity: UNIT_RULE,
        negative_prompt: NEGATIVE,
        seed: SEED_RULE,
        output_format: { type: 'enum', values: FORMATS },
        style_preset: STYLE_PRESET_RULE,
      },
      required: ['prompt'],
      credits: 5,
      render: 'tint',
    }),
    endpoint({
      path: `${base}/control/style-transfer`,
      files: { init_image: 'required', style_image: 'required' },
      fields: {
        prompt: OPTIONAL_PROMPT_RULE,
        negative_prompt: NEGATIVE,
        style_strength: UNIT_RULE,
        composition_fidelity: UNIT_RULE,
        change_strength: { type: 'number', min: 0.1, max: 1 },
        seed: SEED_RULE,
        output_format: { type: 'enum', values: FORMATS },
      },
      required: [],
      credits: 8,
      render: 'style-transfer',
    }),
    endpoint({
      path: `${base}/upscale/fast`,
      files: { image: 'required' },
      fields: { output_format: { type: 'enum', values: FORMATS } },
      required: [],
      imageLimits: { minSide: 32, maxSide: 1536, minPixels: 1024, maxPixels: 1048576 },
      credits: 2,
      render: 'upscale-4x',
    }),
    endpoint({
      path: `${base}/upscale/conservative`,
      files: { image: 'required' },
      fields: {
        prompt: PROMPT_RULE,
        negative_prompt: NEGATIVE,
        seed: SEED_RULE,
        creativity: { type: 'number', min: 0.2, max: 0.5 },
        output_format: { type: 'enum', values: FORMATS },
      },
      required: ['prompt'],
      credits: 40,
      render: 'upscale-2x',
    }),
    endpoint({
      path: `${base}/upscale/creative`,
      files: { image: 'required' },
      fields: {
        prompt: PROMPT_RULE,
        negative_prompt: NEGATIVE,
        seed: SEED_RULE,
        creativity: { type: 'number', min: 0.1, max: 0.5 },
        output_format: { type: 'enum', values: FORMATS },
        style_preset: STYLE_PRESET_RULE,
      },
      required: ['prompt'],
      imageLimits: { minSide: 64, minPixels: 4096, maxPixels: 1048576 },
      async: true,
      credits: 60,
      render: 'upscale-2x',
    }),
  ].map((spec) => [spec.path, spec]),
);

/** `GET {base}{STABILITY_RESULTS_PATH}{id}` serves async results. */
export const STABILITY_RESULTS_PATH = '/v2beta/results/';
/** Largest request body, in bytes (larger → 413). */
export const STABILITY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** The rate limit: 150 requests per 10 s, then a 60 s timeout. */
export const STABILITY_RATE_LIMIT = { requests: 150, windowMs: 10_000, timeoutMs: 60_000 } as const;
