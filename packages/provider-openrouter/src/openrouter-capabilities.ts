/**
 * OpenRouter's image models and which path serves each one.
 *
 * OpenRouter edits images on two paths: the dedicated Image API (`POST /images`, `input_references`)
 * and chat completions (`image_url` parts, `modalities`, `image_config`). Image-only models
 * (gpt-image, Seedream) exist on `/images` only; chat-only image models (gpt-5-image) on chat only.
 *
 * Gemini image models are on both. Their default here is **chat**: it is the path Google's models
 * were built for on OpenRouter (text + image answers, `image_config.image_size` named as in
 * Gemini's own API, the extended ratios and `0.5K` of gemini-3.1-flash-image-preview), and the
 * path whose `image_config` the seed's calls were written against. `openrouter_endpoint: 'images'`
 * switches any model that `/images` serves. Unknown `author/slug` models go to `/images`, the
 * endpoint OpenRouter now documents first.
 * @module
 */
import type { ModelCapabilities, OpenAIEditParam } from '@retouch/core';

/** A path of OpenRouter's API. */
export type OpenRouterEndpoint = 'images' | 'chat';

/** Path facts of one model. */
export interface OpenRouterModelInfo {
  /** Paths that serve the model. */
  endpoints: readonly OpenRouterEndpoint[];
  /** The path used unless `openrouter_endpoint` says otherwise. */
  defaultEndpoint: OpenRouterEndpoint;
  /** `modalities` sent on the chat path: `["image","text"]` for models that answer both. */
  chatModalities: readonly ('image' | 'text')[];
  /** `image_config.aspect_ratio` values the chat path takes. */
  chatAspectRatios: readonly string[];
  /** `image_config.image_size` values the chat path takes. */
  chatImageSizes: readonly string[];
  /**
   * Where OpenAI's `quality` goes on `/images`: `resolution` tiers (low→1K, medium→2K, high→4K), or
   * OpenRouter's own `quality` field for models whose quality is a rendering knob (gpt-image).
   */
  qualityOnImages: 'resolution' | 'quality';
  /**
   * Whether `/images` makes several images in one call for `n`. OpenRouter's single-image
   * providers reject `n` > 1, so for the others (and any unlisted model) `n` is one call per image.
   */
  imagesN: boolean;
  /**
   * `/images` `resolution` tiers the model makes (`512`, `1K`, `2K`, `4K`), when known; a tier
   * `quality` asks for beyond them is lowered to the largest one, with a warning.
   */
  imagesResolutions?: readonly string[];
}

/** Aspect ratios of the chat path's `image_config` (OpenRouter's image generation guide). */
export const CHAT_ASPECT_RATIOS = [
  '1:1',
  '2:3',
  '3:2',
  '3:4',
  '4:3',
  '4:5',
  '5:4',
  '9:16',
  '16:9',
  '21:9',
] as const;
/** `image_config.image_size` values on the chat path. */
export const CHAT_IMAGE_SIZES = ['1K', '2K', '4K'] as const;

/** `aspect_ratio` of `/images` (`ImageGenerationRequest`). */
export const IMAGES_ASPECT_RATIOS = [
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
] as const;
/** `resolution` of `/images`. */
export const IMAGES_RESOLUTIONS = ['512', '1K', '2K', '4K'] as const;

const chatFirst = (extra: Partial<OpenRouterModelInfo> = {}): OpenRouterModelInfo => ({
  endpoints: ['chat', 'images'],
  defaultEndpoint: 'chat',
  chatModalities: ['image', 'text'],
  chatAspectRatios: CHAT_ASPECT_RATIOS,
  chatImageSizes: CHAT_IMAGE_SIZES,
  qualityOnImages: 'resolution',
  imagesN: false,
  ...extra,
});

/** gpt-image on `/images`: its own `quality`, native `n`. */
const openAIImages: Partial<OpenRouterModelInfo> = { qualityOnImages: 'quality', imagesN: true };

const imagesOnly = (extra: Partial<OpenRouterModelInfo> = {}): OpenRouterModelInfo => ({
  ...chatFirst(),
  endpoints: ['images'],
  defaultEndpoint: 'images',
  ...extra,
});

/** Gemini 2.5 Flash Image makes 1K images only (it takes no `imageSize` in Gemini's own API). */
const oneKOnly: Partial<OpenRouterModelInfo> = { chatImageSizes: ['1K'], imagesResolutions: ['1K'] };

/** Gemini 3.1 Flash Image's extra ratios and `0.5K` on the chat path. */
const flash31Chat: Partial<OpenRouterModelInfo> = {
  chatAspectRatios: [...CHAT_ASPECT_RATIOS, '1:4', '4:1', '1:8', '8:1'],
  chatImageSizes: ['0.5K', ...CHAT_IMAGE_SIZES],
};

/** Image models on both paths whose images-only output needs `modalities: ["image"]` on chat. */
const imagesFirst: OpenRouterModelInfo = {
  ...chatFirst(),
  endpoints: ['images', 'chat'],
  defaultEndpoint: 'images',
  chatModalities: ['image'],
};

/** Path facts of the models retouch knows; any other `author/slug` gets {@link GENERIC_MODEL}. */
export const OPENROUTER_MODEL_INFO: Readonly<Record<string, OpenRouterModelInfo>> = {
  'google/gemini-2.5-flash-image': chatFirst(oneKOnly),
  'google/gemini-2.5-flash-image-preview': chatFirst(oneKOnly),
  'google/gemini-3-pro-image-preview': chatFirst(),
  'google/gemini-3.1-flash-image': chatFirst(flash31Chat),
  'google/gemini-3.1-flash-image-preview': chatFirst(flash31Chat),
  'openai/gpt-5-image': { ...chatFirst(), endpoints: ['chat'] },
  'openai/gpt-5-image-mini': { ...chatFirst(), endpoints: ['chat'] },
  'openai/gpt-image-1': imagesOnly(openAIImages),
  'openai/gpt-image-1-mini': imagesOnly(openAIImages),
  'black-forest-labs/flux.2-pro': imagesFirst,
  'black-forest-labs/flux.2-flex': imagesFirst,
  'black-forest-labs/flux.2-max': imagesFirst,
  'bytedance-seed/seedream-4.5': imagesOnly(),
};

/**
 * What an unlisted `author/slug` model gets: `/images` by default, chat on request, one call per
 * image for `n`; an unlisted `openai/…` model also gets gpt-image's `quality` and native `n`.
 */
export const GENERIC_MODEL: OpenRouterModelInfo = {
  ...chatFirst(),
  endpoints: ['images', 'chat'],
  defaultEndpoint: 'images',
};
const GENERIC_OPENAI_MODEL: OpenRouterModelInfo = { ...GENERIC_MODEL, ...openAIImages };

/** Most input images per model (`/images` takes up to 16 `input_references`). */
const MAX_IMAGES: Readonly<Record<string, number>> = {
  'google/gemini-2.5-flash-image': 3,
  'google/gemini-2.5-flash-image-preview': 3,
  'google/gemini-3-pro-image-preview': 14,
  'google/gemini-3.1-flash-image-preview': 14,
  'google/gemini-3.1-flash-image': 14,
  'black-forest-labs/flux.2-pro': 8,
  'black-forest-labs/flux.2-flex': 8,
  'black-forest-labs/flux.2-max': 8,
};

/** An OpenRouter model slug: `author/slug`, optionally with a `:variant`. */
const SLUG = /^[\w.-]+\/[\w.-]+(:[\w.-]+)?$/;

/**
 * Path facts of a model: the table's, or {@link GENERIC_MODEL} for any other `author/slug`.
 *
 * @example
 * ```ts
 * openRouterModelInfo('google/gemini-2.5-flash-image').defaultEndpoint; // 'chat'
 * ```
 */
export function openRouterModelInfo(model: string): OpenRouterModelInfo | undefined {
  const listed = OPENROUTER_MODEL_INFO[model];
  if (listed) return listed;
  if (!SLUG.test(model)) return undefined;
  return model.startsWith('openai/') ? GENERIC_OPENAI_MODEL : GENERIC_MODEL;
}

/**
 * Capabilities of a model. `size` only picks the aspect ratio (any `WxH`), `quality` the resolution
 * tier; `output_format`, `output_compression` and `background` exist on `/images` only.
 *
 * @example
 * ```ts
 * openRouterCapabilities('openai/gpt-image-1')?.maxImages; // 16
 * ```
 */
export function openRouterCapabilities(model: string): ModelCapabilities | undefined {
  const info = openRouterModelInfo(model);
  if (!info) return undefined;
  const onImages = info.endpoints.includes('images');
  const params: OpenAIEditParam[] = ['n', 'size', 'quality', 'user'];
  if (onImages) params.push('output_format', 'output_compression', 'background');
  return {
    maxImages: MAX_IMAGES[model] ?? 16,
    mask: 'none',
    maxN: 10,
    sizes: ['auto'],
    customSizes: { multipleOf: 1, maxSide: 8192, maxPixels: 8192 * 8192, maxAspectRatio: 8 },
    qualities: ['low', 'medium', 'high', 'auto'],
    outputFormats: onImages ? ['png', 'jpeg', 'webp'] : undefined,
    inputMediaTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
    params,
    nativeResponseFormat: 'b64_json',
  };
}

/** The models listed in {@link OPENROUTER_MODEL_INFO}. */
export const OPENROUTER_MODELS: readonly string[] = Object.keys(OPENROUTER_MODEL_INFO);

/** Capabilities of an unlisted `author/slug` (OpenRouter's generic image rules). */
export const GENERIC_MODEL_CAPABILITIES = openRouterCapabilities('any/unlisted-model') as ModelCapabilities;

/** Capabilities of an unlisted `openai/…` model (generic rules with gpt-image's quality and native n). */
export const GENERIC_OPENAI_CAPABILITIES = openRouterCapabilities(
  'openai/unlisted-model',
) as ModelCapabilities;
