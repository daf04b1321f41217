/**
 * The OpenAI image-edit contract the simulator enforces, taken from the official OpenAPI spec
 * (`/images/edits`, `CreateImageEditRequest`, `EditImageBodyJsonParam`, `ImagesResponse`; snapshot
 * 2026-08-21). Hard-coded so the simulator needs no spec file at run time; `openai-spec.test.ts`
 * checks every value here against the spec.
 * @module
 */

/** Every model the edit endpoint accepts. */
export const OPENAI_EDIT_MODELS = [
  'gpt-image-1.5',
  'gpt-image-2',
  'gpt-image-2-2026-04-21',
  'dall-e-2',
  'gpt-image-1',
  'gpt-image-1-mini',
  'chatgpt-image-latest',
] as const;

/** Model used when the request names none. */
export const OPENAI_DEFAULT_EDIT_MODEL = 'gpt-image-1.5';

/**
 * Edit models newer than the spec snapshot: the GPT Image 2.5 and 2.6 models and their snapshots
 * (`openai@7.59.0` resources/images.d.ts, 2026-11-17) and gpt-image-1.5's dated snapshot (OpenAI's
 * deprecations page). The simulator serves shut-down models too, so that their mapping can be
 * tested by callers who send them anyway.
 */
export const OPENAI_EDIT_MODELS_SINCE_SPEC = [
  'gpt-image-2.5-sunburst',
  'gpt-image-2.5-sunburst-2026-09-08',
  'gpt-image-2.5-flare',
  'gpt-image-2.5-flare-2026-09-08',
  'gpt-image-2.6-sunburst',
  'gpt-image-2.6-flare',
  'gpt-image-1.5-2025-12-16',
] as const;

/** Every model the simulator's edit endpoint takes. */
export const OPENAI_SIM_EDIT_MODELS: readonly string[] = [
  ...OPENAI_EDIT_MODELS,
  ...OPENAI_EDIT_MODELS_SINCE_SPEC,
];

/** Models with the `xhigh` and `max` qualities (GPT Image 2.5, per `openai@7.59.0`; 2.6 assumed alike). */
export const OPENAI_MAX_QUALITY_MODELS: readonly string[] = OPENAI_EDIT_MODELS_SINCE_SPEC.filter((model) =>
  /^gpt-image-2\.[56]-/.test(model),
);

/** Models that take free-form `WxH` sizes. */
export const OPENAI_CUSTOM_SIZE_MODELS: readonly string[] = [
  'gpt-image-2',
  'gpt-image-2-2026-04-21',
  ...OPENAI_MAX_QUALITY_MODELS,
];

/** Models that reject `input_fidelity`. */
export const OPENAI_NO_INPUT_FIDELITY_MODELS: readonly string[] = ['gpt-image-1-mini'];

/** Field names of the multipart body (`CreateImageEditRequest`), plus the `image[]` array form. */
export const OPENAI_MULTIPART_FIELDS = [
  'image',
  'prompt',
  'mask',
  'background',
  'model',
  'n',
  'size',
  'response_format',
  'output_format',
  'output_compression',
  'user',
  'input_fidelity',
  'stream',
  'partial_images',
  'quality',
] as const;

/** Field names of the JSON body (`EditImageBodyJsonParam`). */
export const OPENAI_JSON_FIELDS = [
  'model',
  'images',
  'mask',
  'prompt',
  'n',
  'quality',
  'input_fidelity',
  'size',
  'user',
  'output_format',
  'output_compression',
  'moderation',
  'background',
  'stream',
  'partial_images',
] as const;

/** Allowed values, per field. */
export const OPENAI_EDIT_ENUMS = {
  /** Every size the multipart schema lists (dall-e-2 and GPT image models together). */
  size: ['256x256', '512x512', '1024x1024', '1536x1024', '1024x1536', 'auto'],
  dallE2Size: ['256x256', '512x512', '1024x1024'],
  gptImageSize: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  /** Sizes of the JSON body. */
  jsonSize: ['auto', '1024x1024', '1536x1024', '1024x1536'],
  quality: ['standard', 'low', 'medium', 'high', 'auto'],
  /** `standard` is dall-e-2's only; the JSON body (GPT image models) has no `standard`. */
  gptImageQuality: ['low', 'medium', 'high', 'auto'],
  /** GPT Image 2.5 and 2.6 add `xhigh` and `max` (`openai@7.59.0`). */
  maxQuality: ['low', 'medium', 'high', 'xhigh', 'max', 'auto'],
  /** `auto` is the documented default, so sending it to dall-e-2 is accepted too. */
  dallE2Quality: ['standard', 'auto'],
  responseFormat: ['url', 'b64_json'],
  outputFormat: ['png', 'jpeg', 'webp'],
  background: ['transparent', 'opaque', 'auto'],
  inputFidelity: ['high', 'low'],
  moderation: ['low', 'auto'],
  /** Echo values of `ImagesResponse`. */
  responseBackground: ['transparent', 'opaque'],
  responseOutputFormat: ['png', 'webp', 'jpeg'],
  responseSize: ['1024x1024', '1024x1536', '1536x1024'],
  responseQuality: ['low', 'medium', 'high'],
} as const;

const MB = 1024 * 1024;

/** Numeric limits. */
export const OPENAI_EDIT_LIMITS = {
  maxImages: 16,
  minN: 1,
  maxN: 10,
  minPartialImages: 0,
  maxPartialImages: 3,
  minOutputCompression: 0,
  maxOutputCompression: 100,
  dallE2MaxPromptLength: 1000,
  gptImageMaxPromptLength: 32000,
  /** Files must be smaller than these ("less than 50MB", "less than 4MB"). */
  gptImageMaxBytes: 50 * MB,
  dallE2MaxBytes: 4 * MB,
  maskMaxBytes: 4 * MB,
  /** Longest `image_url` of the JSON body, in characters. */
  maxImageUrlLength: 20_971_520,
  /** gpt-image-2 free-form sizes (the pixel floor is from OpenAI's image generation guide). */
  customSize: {
    multipleOf: 16,
    maxSide: 3840,
    maxPixels: 3840 * 2160,
    minPixels: 655_360,
    maxAspectRatio: 3,
  },
} as const;

/** Input file types GPT image models accept (dall-e-2: PNG only). */
export const OPENAI_GPT_IMAGE_INPUT_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/webp'];

/**
 * Whether `model` is dall-e-2, the only edit model that is not a GPT image model.
 *
 * @example
 * ```ts
 * isDallE2('gpt-image-1'); // false
 * ```
 */
export function isDallE2(model: string): boolean {
  return model === 'dall-e-2';
}
