/**
 * The Black Forest Labs contract the simulator enforces, taken from the official OpenAPI spec
 * (`https://api.bfl.ai/openapi.json`, snapshot 2026-04-23): one request schema per edit endpoint,
 * the task statuses of `GET /v1/get_result`, and the documented limits that are not in the spec
 * (active-task limits, result URL lifetime). Hard-coded so the simulator needs no spec file at run
 * time; `bfl-spec.test.ts` checks every schema here against the spec.
 * @module
 */

/** One request field, as the spec types it. `nullable` fields also accept `null`. */
export type BFLFieldRule =
  | {
      type: 'string';
      nullable: boolean;
      minLength?: number;
      maxLength?: number;
      format?: 'uri';
      default?: string;
    }
  | { type: 'integer'; nullable: boolean; minimum?: number; maximum?: number; default?: number }
  | { type: 'number'; nullable: boolean; minimum?: number; maximum?: number; default?: number }
  | { type: 'boolean'; nullable: boolean; default?: boolean }
  | { type: 'enum'; nullable: boolean; values: readonly string[]; default?: string };

/** The request schema of one endpoint. */
export interface BFLEndpointSpec {
  /** Schema name in the spec (`FluxKontextProInputs`, …). */
  schema: string;
  required: readonly string[];
  fields: Readonly<Record<string, BFLFieldRule>>;
}

/** `OutputFormat`. */
export const BFL_OUTPUT_FORMATS = ['jpeg', 'png', 'webp'] as const;

/** `StatusResponse`: every status `GET /v1/get_result` reports. */
export const BFL_TASK_STATUSES = [
  'Task not found',
  'Pending',
  'Request Moderated',
  'Content Moderated',
  'Ready',
  'Error',
] as const;

/** A task status. */
export type BFLTaskStatus = (typeof BFL_TASK_STATUSES)[number];

const str = (nullable = true): BFLFieldRule => ({ type: 'string', nullable });
const webhookUrl: BFLFieldRule = {
  type: 'string',
  nullable: true,
  minLength: 1,
  maxLength: 2083,
  format: 'uri',
};
const seed: BFLFieldRule = { type: 'integer', nullable: true };
const outputFormat = (value: 'jpeg' | 'png'): BFLFieldRule => ({
  type: 'enum',
  nullable: true,
  values: BFL_OUTPUT_FORMATS,
  default: value,
});
const safetyTolerance = (maximum: number): BFLFieldRule => ({
  type: 'integer',
  nullable: false,
  minimum: 0,
  maximum,
  default: 2,
});
const inputImages = (count: number): Record<string, BFLFieldRule> =>
  Object.fromEntries(
    Array.from({ length: count }, (_, index) => [
      index === 0 ? 'input_image' : `input_image_${index + 1}`,
      str(),
    ]),
  );
const fillSteps: BFLFieldRule = { type: 'integer', nullable: true, minimum: 15, maximum: 50, default: 50 };
const fillGuidance: BFLFieldRule = {
  type: 'number',
  nullable: true,
  minimum: 1.5,
  maximum: 100,
  default: 60,
};
const expandSide: BFLFieldRule = { type: 'integer', nullable: true, minimum: 0, maximum: 2048, default: 0 };

const KONTEXT: BFLEndpointSpec = {
  schema: 'FluxKontextProInputs',
  required: ['prompt'],
  fields: {
    prompt: str(false),
    ...inputImages(4),
    seed,
    aspect_ratio: str(),
    output_format: outputFormat('png'),
    webhook_url: webhookUrl,
    webhook_secret: str(),
    prompt_upsampling: { type: 'boolean', nullable: false, default: false },
    safety_tolerance: safetyTolerance(6),
  },
};

const FLUX2_COMMON = (images: number): Record<string, BFLFieldRule> => ({
  prompt: str(false),
  ...inputImages(images),
  seed,
  width: { type: 'integer', nullable: true, minimum: 64, default: 0 },
  height: { type: 'integer', nullable: true, minimum: 64, default: 0 },
  safety_tolerance: safetyTolerance(5),
  output_format: outputFormat('jpeg'),
  webhook_url: webhookUrl,
  webhook_secret: str(),
});

const FLUX2: BFLEndpointSpec = { schema: 'Flux2Inputs', required: ['prompt'], fields: FLUX2_COMMON(8) };

const FLUX2_FLEX: BFLEndpointSpec = {
  schema: 'Flux2FlexInputs',
  required: ['prompt'],
  fields: {
    ...FLUX2_COMMON(8),
    prompt_upsampling: { type: 'boolean', nullable: true, default: true },
    input_image_blob_path: str(),
    guidance: { type: 'number', nullable: true, minimum: 1.5, maximum: 10, default: 5 },
    steps: { type: 'integer', nullable: true, minimum: 1, maximum: 50, default: 50 },
  },
};

const FLUX2_KLEIN: BFLEndpointSpec = {
  schema: 'Flux2KleinInputs',
  required: ['prompt'],
  fields: FLUX2_COMMON(4),
};

const FILL_COMMON: Record<string, BFLFieldRule> = {
  image: str(false),
  prompt: { type: 'string', nullable: true, default: '' },
  steps: fillSteps,
  prompt_upsampling: { type: 'boolean', nullable: true, default: false },
  seed,
  guidance: fillGuidance,
  output_format: outputFormat('jpeg'),
  safety_tolerance: safetyTolerance(6),
  webhook_url: webhookUrl,
  webhook_secret: str(),
};

const FILL: BFLEndpointSpec = {
  schema: 'FluxProFillInputs',
  required: ['image'],
  fields: { ...FILL_COMMON, mask: str() },
};

const EXPAND: BFLEndpointSpec = {
  schema: 'FluxProExpandInputs',
  required: ['image'],
  fields: { ...FILL_COMMON, top: expandSide, bottom: expandSide, left: expandSide, right: expandSide },
};

/** Every edit-capable endpoint (`POST /v1/{endpoint}`) and its request schema. */
export const BFL_EDIT_ENDPOINTS: Readonly<Record<string, BFLEndpointSpec>> = {
  'flux-kontext-pro': KONTEXT,
  'flux-kontext-max': KONTEXT,
  'flux-2-pro': FLUX2,
  'flux-2-max': FLUX2,
  'flux-2-flex': FLUX2_FLEX,
  'flux-2-klein-4b': FLUX2_KLEIN,
  'flux-2-klein-9b': FLUX2_KLEIN,
  'flux-pro-1.0-fill': FILL,
  'flux-pro-1.0-expand': EXPAND,
};

/** Image fields that may carry a URL instead of base64 ("Base64 encoded image or URL"). */
export const BFL_URL_IMAGE_ENDPOINTS: readonly string[] = [
  'flux-kontext-pro',
  'flux-kontext-max',
  'flux-2-pro',
  'flux-2-max',
  'flux-2-flex',
  'flux-2-klein-4b',
  'flux-2-klein-9b',
];

/**
 * Documented outside the spec (BFL's own skills repository, rate-limiting page): at most 24
 * submitted-but-unfinished tasks per account, 6 for flux-kontext-max; more answer 429.
 */
export const BFL_ACTIVE_TASK_LIMITS = { default: 24, 'flux-kontext-max': 6 } as const;

/** `result.sample` is a signed delivery URL valid for 10 minutes (official Python client). */
export const BFL_RESULT_TTL_MS = 10 * 60_000;

/** Kontext's `aspect_ratio`: "between 21:9 and 9:21". */
export const BFL_KONTEXT_MAX_ASPECT_RATIO = 21 / 9;

/** Regional API hosts (spec server + BFL's regional endpoints page). */
export const BFL_API_HOSTS = {
  global: 'https://api.bfl.ai',
  eu: 'https://api.eu.bfl.ai',
  us: 'https://api.us.bfl.ai',
} as const;

/**
 * Price of one task in credits (1 credit = $0.01), as the submit response's `cost` reports it: a
 * flat price per image for FLUX.1, first megapixel + each further megapixel (output beyond the
 * first, and every input) for FLUX.2 (BFL pricing page, 2026).
 */
export const BFL_CREDITS: Readonly<Record<string, { first: number; extra: number }>> = {
  'flux-kontext-pro': { first: 4, extra: 0 },
  'flux-kontext-max': { first: 8, extra: 0 },
  'flux-pro-1.0-fill': { first: 5, extra: 0 },
  'flux-pro-1.0-expand': { first: 5, extra: 0 },
  'flux-2-pro': { first: 3, extra: 1.5 },
  'flux-2-max': { first: 7, extra: 3 },
  'flux-2-flex': { first: 5, extra: 5 },
  'flux-2-klein-4b': { first: 1.4, extra: 0.1 },
  'flux-2-klein-9b': { first: 1.5, extra: 0.2 },
};
