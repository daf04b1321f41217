/**
 * Validation of OpenRouter image requests, as openrouter-spec.ts states them: `POST /images`
 * (`ImageGenerationRequest`) and `POST /chat/completions` (`ChatRequest` with a user message of text
 * and `image_url` parts, `modalities`, `image_config`). Answers are OpenRouter's
 * `{"error": {"code", "message"}}` with status 400. Stricter than the real API in two ways, on
 * purpose: unknown top-level fields are refused instead of ignored, and a `resolution` next to an
 * explicit pixel `size` is refused even when it would match.
 * @module
 */
import { type ImageInfo, sniffImage } from '@retouch/core';
import {
  OPENROUTER_CHAT_ENUMS,
  OPENROUTER_CHAT_FIELDS,
  OPENROUTER_CHAT_IMAGE_CONFIG,
  OPENROUTER_IMAGES_ENUMS,
  OPENROUTER_IMAGES_FIELDS,
  OPENROUTER_IMAGES_LIMITS,
} from './openrouter-spec.js';

/** An error answer: `{"error": {"code": status, "message", "metadata"?}}`. */
export class OpenRouterApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly metadata?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** One input image: decoded from a data URL, or an http(s) URL the simulator does not fetch. */
export interface OpenRouterInputImage {
  bytes?: Buffer;
  info?: ImageInfo;
  url?: string;
}

/** A validated image request of either path. */
export interface OpenRouterImageRequest {
  path: 'images' | 'chat';
  model: string;
  prompt: string;
  images: OpenRouterInputImage[];
  n: number;
  aspectRatio?: string;
  /** `/images` `resolution`, or chat `image_config.image_size`. */
  size?: string;
  /** `/images` explicit pixel `size` (`WxH`). */
  pixels?: { width: number; height: number };
  outputFormat?: string;
  /** Chat only: the requested output modalities. */
  modalities?: string[];
  body: Record<string, unknown>;
}

const bad = (message: string) => new OpenRouterApiError(400, message);

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function checkKnown(body: Record<string, unknown>, known: readonly string[], what: string): void {
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw bad(`${what}: unrecognized field(s) ${unknown.join(', ')}`);
}

function oneOf(value: unknown, allowed: readonly string[], field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw bad(`${field}: expected one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function integer(value: unknown, field: string, min?: number, max?: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw bad(`${field}: expected an integer`);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    throw bad(`${field}: must be between ${min} and ${max}; got ${value}`);
  }
  return value;
}

function readImageUrl(url: unknown, field: string): OpenRouterInputImage {
  if (typeof url !== 'string') throw bad(`${field}: image_url.url must be a string`);
  if (/^https?:\/\//i.test(url)) return { url };
  const match = /^data:(image\/[\w.+-]+);base64,([A-Za-z0-9+/]+=*)$/.exec(url);
  if (!match)
    throw bad(
      `${field}: image_url.url must be an http(s) URL or a base64 data URL (data:image/png;base64,…)`,
    );
  const bytes = Buffer.from(match[2] as string, 'base64');
  const info = sniffImage(bytes);
  if (!info) throw bad(`${field}: the data URL is not a PNG, JPEG, WebP or GIF image`);
  if (info.mediaType !== match[1])
    throw bad(`${field}: the data URL says ${match[1]} but holds ${info.mediaType}`);
  return { bytes, info };
}

function imagePart(part: unknown, field: string): OpenRouterInputImage {
  const { type, image_url: imageUrl } = record(part, field);
  if (type !== 'image_url') throw bad(`${field}.type: expected image_url`);
  const image = record(imageUrl, `${field}.image_url`);
  oneOf(image.detail, OPENROUTER_CHAT_ENUMS.imageDetail, `${field}.image_url.detail`);
  return readImageUrl(image.url, field);
}

/**
 * Validates a `POST /images` body.
 *
 * @example
 * ```ts
 * const edit = validateImagesRequest({ model: 'openai/gpt-image-1', prompt: 'Make it red', input_references: [...] });
 * ```
 */
export function validateImagesRequest(value: unknown): OpenRouterImageRequest {
  const body = record(value, 'body');
  checkKnown(body, OPENROUTER_IMAGES_FIELDS, 'ImageGenerationRequest');
  if (typeof body.model !== 'string' || body.model === '') throw bad('model: required');
  if (typeof body.prompt !== 'string' || body.prompt.length < 1)
    throw bad('prompt: required (at least 1 character)');
  const references = body.input_references ?? [];
  if (!Array.isArray(references)) throw bad('input_references: expected an array');
  if (references.length > OPENROUTER_IMAGES_LIMITS.maxInputReferences) {
    throw bad(
      `input_references: at most ${OPENROUTER_IMAGES_LIMITS.maxInputReferences} items; got ${references.length}`,
    );
  }
  const images = references.map((part, index) => imagePart(part, `input_references[${index}]`));
  const { minN, maxN, minOutputCompression, maxOutputCompression } = OPENROUTER_IMAGES_LIMITS;
  const n = integer(body.n, 'n', minN, maxN) ?? 1;
  integer(body.output_compression, 'output_compression', minOutputCompression, maxOutputCompression);
  integer(body.seed, 'seed');
  const aspectRatio = oneOf(body.aspect_ratio, OPENROUTER_IMAGES_ENUMS.aspect_ratio, 'aspect_ratio');
  const resolution = oneOf(body.resolution, OPENROUTER_IMAGES_ENUMS.resolution, 'resolution');
  oneOf(body.quality, OPENROUTER_IMAGES_ENUMS.quality, 'quality');
  oneOf(body.background, OPENROUTER_IMAGES_ENUMS.background, 'background');
  const outputFormat = oneOf(body.output_format, OPENROUTER_IMAGES_ENUMS.output_format, 'output_format');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw bad('stream: expected a boolean');
  if (body.stream === true) throw bad('stream: streaming is not simulated; send stream: false');
  if (body.provider !== undefined) record(body.provider, 'provider');
  if (body.size !== undefined && typeof body.size !== 'string') throw bad('size: expected a string');
  const pixels = typeof body.size === 'string' ? /^(\d+)x(\d+)$/.exec(body.size) : null;
  if (pixels && resolution) {
    throw bad(`size ${body.size} is an explicit pixel size; it takes no resolution (${resolution})`);
  }
  if (typeof body.size === 'string' && !pixels && !/^(512|1K|2K|4K)$/.test(body.size)) {
    throw bad(`size: expected a tier (512, 1K, 2K, 4K) or pixels (2048x2048); got ${body.size}`);
  }
  if (pixels && aspectRatio && aspectRatio !== 'auto') {
    // "An explicit pixel size is authoritative: a mismatched resolution or aspect_ratio … is rejected."
    const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
    if (Math.abs(Number(pixels[1]) / Number(pixels[2]) - w / h) > 0.01) {
      throw bad(`size ${body.size} does not match aspect_ratio ${aspectRatio}`);
    }
  }
  return {
    path: 'images',
    model: body.model,
    prompt: body.prompt,
    images,
    n,
    aspectRatio,
    size: resolution ?? (pixels ? undefined : (body.size as string | undefined)),
    pixels: pixels ? { width: Number(pixels[1]), height: Number(pixels[2]) } : undefined,
    outputFormat,
    body,
  };
}

function userContent(messages: unknown): { prompt: string; images: OpenRouterInputImage[] } {
  if (!Array.isArray(messages) || messages.length === 0)
    throw bad('messages: at least one message is required');
  let prompt = '';
  const images: OpenRouterInputImage[] = [];
  messages.forEach((message, index) => {
    const field = `messages[${index}]`;
    const { role, content } = record(message, field);
    oneOf(role, OPENROUTER_CHAT_ENUMS.role, `${field}.role`);
    if (role !== 'user') return;
    if (typeof content === 'string') {
      prompt += content;
      return;
    }
    if (!Array.isArray(content)) throw bad(`${field}.content: expected a string or an array of parts`);
    content.forEach((part, partIndex) => {
      const partField = `${field}.content[${partIndex}]`;
      const { type, text } = record(part, partField);
      if (type === 'text') {
        if (typeof text !== 'string') throw bad(`${partField}.text: expected a string`);
        prompt += text;
      } else if (type === 'image_url') images.push(imagePart(part, partField));
      else throw bad(`${partField}.type: ${String(type)} is not simulated (text and image_url are)`);
    });
  });
  return { prompt, images };
}

/**
 * Validates a `POST /chat/completions` body that asks for images.
 *
 * @example
 * ```ts
 * const edit = validateChatRequest({ model: 'google/gemini-2.5-flash-image', messages, modalities: ['image', 'text'] });
 * ```
 */
export function validateChatRequest(value: unknown): OpenRouterImageRequest {
  const body = record(value, 'body');
  checkKnown(body, OPENROUTER_CHAT_FIELDS, 'ChatRequest');
  if (typeof body.model !== 'string' || body.model === '')
    throw bad('model: required (the simulator has no default model)');
  const { prompt, images } = userContent(body.messages);
  const modalities = body.modalities ?? ['text'];
  if (!Array.isArray(modalities) || modalities.length === 0)
    throw bad('modalities: expected a non-empty array');
  modalities.forEach((modality, index) => {
    oneOf(modality, OPENROUTER_CHAT_ENUMS.modalities, `modalities[${index}]`);
  });
  if (body.stream === true) throw bad('stream: streaming is not simulated; send stream: false');
  integer(body.seed, 'seed');
  const config = body.image_config === undefined ? {} : record(body.image_config, 'image_config');
  for (const [key, entry] of Object.entries(config)) {
    if (!(typeof entry === 'string' || typeof entry === 'number' || Array.isArray(entry))) {
      throw bad(`image_config.${key}: values are strings, numbers or arrays`);
    }
  }
  const extended = (OPENROUTER_CHAT_IMAGE_CONFIG.extendedModels as readonly string[]).includes(body.model);
  const ratios = [
    ...OPENROUTER_CHAT_IMAGE_CONFIG.aspectRatios,
    ...(extended ? OPENROUTER_CHAT_IMAGE_CONFIG.extendedAspectRatios : []),
  ];
  const sizes = [
    ...OPENROUTER_CHAT_IMAGE_CONFIG.imageSizes,
    ...(extended ? OPENROUTER_CHAT_IMAGE_CONFIG.extendedImageSizes : []),
  ];
  return {
    path: 'chat',
    model: body.model,
    prompt,
    images,
    n: 1,
    aspectRatio: oneOf(config.aspect_ratio, ratios, 'image_config.aspect_ratio'),
    size: oneOf(config.image_size, sizes, 'image_config.image_size'),
    modalities: modalities as string[],
    body,
  };
}
