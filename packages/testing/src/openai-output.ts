/**
 * What the simulated OpenAI API makes of a valid edit: a real edited PNG (the first input with its
 * RGB inverted inside the mask's transparent area, or everywhere without a mask), the echo fields
 * and a deterministic token usage.
 * @module
 */
import { PNG } from 'pngjs';
import { createJpeg, createWebp } from './fixtures.js';
import { badRequest } from './openai-errors.js';
import type { OpenAIEdit } from './openai-validate.js';
import { drawInputThumbnails, resizeNearest } from './sim-render.js';

/** One generated image. */
export interface RenderedImage {
  bytes: Buffer;
  mediaType: string;
  width: number;
  height: number;
  /** The RGBA pixels of a PNG result, kept so partial images need not decode `bytes` again. */
  pixels?: Uint8Array;
}

/** OpenAI's `ImageGenUsage`. */
export interface OpenAIImageUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { text_tokens: number; image_tokens: number };
  output_tokens_details: { text_tokens: number; image_tokens: number };
}

/** Tokens charged per input image, by `input_fidelity`. */
const INPUT_IMAGE_TOKENS = { low: 272, high: 4160 } as const;
/** Output image tokens for a square 1024×1024 image, by resolved quality (OpenAI's published table). */
const OUTPUT_TOKENS_SQUARE = { low: 272, medium: 1056, high: 4160 } as const;
const DEFAULT_SIDE = 1024;

function decode(bytes: Buffer, param: string): PNG {
  try {
    return PNG.sync.read(bytes);
  } catch (error) {
    throw badRequest(
      `Invalid image file or mode for ${param}: ${(error as Error).message}`,
      param,
      'invalid_image_format',
    );
  }
}

function parseSize(size: string | undefined): { width: number; height: number } | undefined {
  const match = size ? /^(\d+)x(\d+)$/.exec(size) : null;
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

/** A deterministic colour from the prompt, for inputs the simulator cannot decode. */
function promptColour(prompt: string): [number, number, number] {
  let hash = 0x811c9dc5;
  for (const char of prompt) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return [hash & 0xff, (hash >>> 8) & 0xff, (hash >>> 16) & 0xff];
}

/** Inverts RGB where the mask is fully transparent (the whole image without a mask). */
function editPixels(source: PNG, mask: PNG | undefined): PNG {
  const out = new PNG({ width: source.width, height: source.height });
  source.data.copy(out.data);
  for (let offset = 0; offset < out.data.length; offset += 4) {
    if (mask && mask.data[offset + 3] !== 0) continue;
    for (let channel = 0; channel < 3; channel++) {
      out.data[offset + channel] = 255 - (out.data[offset + channel] as number);
    }
  }
  return out;
}

function solid(width: number, height: number, [red, green, blue]: [number, number, number]): PNG {
  const out = new PNG({ width, height });
  for (let offset = 0; offset < out.data.length; offset += 4) {
    out.data[offset] = red;
    out.data[offset + 1] = green;
    out.data[offset + 2] = blue;
    out.data[offset + 3] = 255;
  }
  return out;
}

/**
 * Renders the edit. Output size: the requested `size` unless absent or `auto`, else the first input's.
 * `jpeg`/`webp` output is a header-only file of the right type and size (the simulator encodes PNG only).
 *
 * @example
 * ```ts
 * const image = renderOpenAIEdit(edit);
 * image.mediaType; // 'image/png'
 * ```
 */
export function renderOpenAIEdit(edit: OpenAIEdit): RenderedImage {
  const first = edit.images[0];
  const requested = parseSize(edit.size);
  const width = requested?.width ?? first?.info?.width ?? DEFAULT_SIDE;
  const height = requested?.height ?? first?.info?.height ?? DEFAULT_SIDE;
  if (edit.outputFormat === 'jpeg')
    return { bytes: createJpeg(width, height), mediaType: 'image/jpeg', width, height };
  if (edit.outputFormat === 'webp')
    return { bytes: createWebp(width, height), mediaType: 'image/webp', width, height };
  let png: PNG;
  if (first?.bytes && first.info?.mediaType === 'image/png') {
    const mask = edit.mask?.bytes ? decode(edit.mask.bytes, 'mask') : undefined;
    png = resizeNearest(editPixels(decode(first.bytes, first.param), mask), width, height);
    drawInputThumbnails(
      png,
      edit.images.slice(1).map((image) => ({ bytes: image.bytes, mediaType: image.info?.mediaType })),
    );
  } else {
    png = solid(width, height, promptColour(edit.prompt));
  }
  // Filter type 0 (none): pngjs's adaptive filtering is ~100x slower under Jest's VM sandbox.
  return {
    bytes: PNG.sync.write(png, { filterType: 0 }),
    mediaType: 'image/png',
    width,
    height,
    pixels: png.data,
  };
}

/**
 * Partial image `index` of `count` on the way to `final`: the top `(index + 1) / (count + 1)` of its
 * rows as they will be, the rest mid-grey, so each partial shows more of the edit than the one
 * before. jpeg/webp results (header-only files here) are sent as they are.
 *
 * @example
 * ```ts
 * const partial = renderOpenAIPartial(renderOpenAIEdit(edit), 0, 2); // the top third done
 * ```
 */
export function renderOpenAIPartial(final: RenderedImage, index: number, count: number): RenderedImage {
  if (final.mediaType !== 'image/png') return final;
  const png = new PNG({ width: final.width, height: final.height });
  png.data.set(final.pixels ?? PNG.sync.read(Buffer.from(final.bytes)).data);
  const doneRows = Math.floor((png.height * (index + 1)) / (count + 1));
  png.data.fill(128, doneRows * png.width * 4);
  for (let offset = doneRows * png.width * 4 + 3; offset < png.data.length; offset += 4)
    png.data[offset] = 255;
  return { ...final, bytes: PNG.sync.write(png, { filterType: 0 }), pixels: png.data };
}

/** The standard size a GPT image model reports for an input of this shape (`size: auto`). */
function standardSizeFor(width: number | undefined, height: number | undefined): string {
  if (!width || !height || width === height) return '1024x1024';
  return width > height ? '1536x1024' : '1024x1536';
}

/** The echo fields GPT image models answer with (`size`, `quality`, `background`, `output_format`). */
export interface OpenAIEcho {
  size: string;
  quality: 'low' | 'medium' | 'high';
  background: 'transparent' | 'opaque';
  output_format: 'png' | 'jpeg' | 'webp';
}

/**
 * The echo fields, with `auto` resolved the way the real API reports it.
 *
 * @example
 * ```ts
 * openAIEcho(edit); // { size: '1024x1024', quality: 'medium', background: 'opaque', output_format: 'png' }
 * ```
 */
export function openAIEcho(edit: OpenAIEdit): OpenAIEcho {
  const first = edit.images[0]?.info;
  const quality = edit.quality === 'low' || edit.quality === 'high' ? edit.quality : 'medium';
  return {
    size: edit.size && edit.size !== 'auto' ? edit.size : standardSizeFor(first?.width, first?.height),
    quality,
    background: edit.background === 'transparent' ? 'transparent' : 'opaque',
    output_format: edit.outputFormat,
  };
}

/**
 * Deterministic usage: text tokens from the prompt length (4 characters per token), a fixed count
 * per input image, output tokens from the size × quality table, times `n`.
 *
 * @example
 * ```ts
 * openAIUsage(edit, openAIEcho(edit)).total_tokens;
 * ```
 */
export function openAIUsage(edit: OpenAIEdit, echo: OpenAIEcho): OpenAIImageUsage {
  const textTokens = Math.ceil(edit.prompt.length / 4);
  const imageTokens = edit.images.length * INPUT_IMAGE_TOKENS[edit.inputFidelity === 'high' ? 'high' : 'low'];
  const size = parseSize(echo.size) ?? { width: DEFAULT_SIDE, height: DEFAULT_SIDE };
  const pixelsRatio = (size.width * size.height) / (DEFAULT_SIDE * DEFAULT_SIDE);
  const outputTokens = Math.round(OUTPUT_TOKENS_SQUARE[echo.quality] * pixelsRatio) * edit.n;
  return {
    input_tokens: textTokens + imageTokens,
    output_tokens: outputTokens,
    total_tokens: textTokens + imageTokens + outputTokens,
    input_tokens_details: { text_tokens: textTokens, image_tokens: imageTokens },
    output_tokens_details: { text_tokens: 0, image_tokens: outputTokens },
  };
}
