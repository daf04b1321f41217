/**
 * The OpenRouter contract the simulator enforces, from the OpenRouter OpenAPI spec (the SDK's input
 * spec, snapshot 2026-08-22): `POST /images` (`ImageGenerationRequest`/`Response`) and `POST
 * /chat/completions` (`ChatRequest`, `ChatContentImage`, `ChatResult`), plus what the image
 * generation guide documents for the chat path's free-form `image_config` (aspect ratios, image
 * sizes). Hard-coded so the simulator needs no spec file at run time; `openrouter-spec.test.ts`
 * checks every value here against the spec.
 * @module
 */

/** Field names of `ImageGenerationRequest`. */
export const OPENROUTER_IMAGES_FIELDS = [
  'aspect_ratio',
  'background',
  'input_references',
  'model',
  'n',
  'output_compression',
  'output_format',
  'prompt',
  'provider',
  'quality',
  'resolution',
  'seed',
  'size',
  'stream',
] as const;

/** Enums of `ImageGenerationRequest`. */
export const OPENROUTER_IMAGES_ENUMS = {
  aspect_ratio: [
    '1:1',
    '1:2',
    '1:4',
    '1:8',
    '2:1',
    '2:3',
    '3:2',
    '3:4',
    '4:1',
    '4:3',
    '4:5',
    '5:4',
    '8:1',
    '9:16',
    '16:9',
    '9:19.5',
    '19.5:9',
    '9:20',
    '20:9',
    '9:21',
    '21:9',
    'auto',
  ],
  background: ['auto', 'transparent', 'opaque'],
  output_format: ['png', 'jpeg', 'webp', 'svg'],
  quality: ['auto', 'low', 'medium', 'high'],
  resolution: ['512', '1K', '2K', '4K'],
} as const;

/** Limits of `ImageGenerationRequest` (`n` and `output_compression` are stated in the descriptions). */
export const OPENROUTER_IMAGES_LIMITS = {
  maxInputReferences: 16,
  minN: 1,
  maxN: 10,
  minOutputCompression: 0,
  maxOutputCompression: 100,
} as const;

/** Field names of `ChatRequest`. */
export const OPENROUTER_CHAT_FIELDS = [
  'cache_control',
  'debug',
  'frequency_penalty',
  'image_config',
  'logit_bias',
  'logprobs',
  'max_completion_tokens',
  'max_tokens',
  'messages',
  'metadata',
  'min_p',
  'modalities',
  'model',
  'models',
  'parallel_tool_calls',
  'plugins',
  'prediction',
  'presence_penalty',
  'prompt_cache_key',
  'prompt_cache_options',
  'provider',
  'reasoning',
  'reasoning_effort',
  'repetition_penalty',
  'response_format',
  'route',
  'seed',
  'service_tier',
  'session_id',
  'stop',
  'stop_server_tools_when',
  'stream',
  'stream_options',
  'temperature',
  'tool_choice',
  'tools',
  'top_a',
  'top_k',
  'top_logprobs',
  'top_p',
  'trace',
  'user',
] as const;

/** Enums of the chat path. */
export const OPENROUTER_CHAT_ENUMS = {
  modalities: ['text', 'image', 'audio'],
  imageDetail: ['auto', 'low', 'high', 'original'],
  finishReason: ['tool_calls', 'stop', 'length', 'content_filter', 'error'],
  role: ['system', 'user', 'developer', 'assistant', 'tool'],
} as const;

/**
 * `image_config` keys the image generation guide documents (the spec types `ImageConfig` as a
 * free-form map of strings, numbers and arrays): aspect ratios and sizes shared by image models,
 * and the extra ones only gemini-3.1-flash-image-preview takes.
 */
export const OPENROUTER_CHAT_IMAGE_CONFIG = {
  aspectRatios: ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'],
  extendedAspectRatios: ['1:4', '4:1', '1:8', '8:1'],
  imageSizes: ['1K', '2K', '4K'],
  extendedImageSizes: ['0.5K'],
  extendedModels: ['google/gemini-3.1-flash-image-preview'],
} as const;

/** HTTP statuses each path documents. */
export const OPENROUTER_ERROR_STATUSES = {
  images: [400, 401, 402, 403, 404, 413, 429, 500, 502, 524, 529],
  chat: [400, 401, 402, 403, 404, 408, 413, 422, 429, 500, 502, 503, 524, 529],
} as const;
