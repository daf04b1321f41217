/**
 * What the simulated Stability services (direct and on Bedrock) make of a valid request: a real,
 * deterministic image derived from the input — inverted inside the white area of the mask (or
 * where the image is transparent), outpainted by the requested margins, upscaled, grayscale, tinted
 * — so tests can check that the right image and mask arrived. JPEG/WebP answers are header-only
 * files of the right type and size (the simulator encodes PNG only).
 * @module
 */
import { PNG } from 'pngjs';
import { createJpeg, createWebp } from './fixtures.js';
import type { StabilityRenderKind } from './stability-spec.js';

/** What to render. */
export interface StabilityRenderInput {
  kind: StabilityRenderKind;
  /** The main image (PNG is edited; other types give a solid image of their size). */
  image: Buffer;
  /** Style image (style transfer) or background reference (relight). */
  second?: Buffer;
  /** White = edit, black = keep; resized to the image when sizes differ. */
  mask?: Buffer;
  prompt: string;
  /** Size of the main image, used when it cannot be decoded (JPEG/WebP inputs). */
  imageSize?: { width: number; height: number };
  outpaint?: { left: number; right: number; up: number; down: number };
  outputFormat: string;
}

/** A rendered result. */
export interface StabilityRendered {
  bytes: Buffer;
  mediaType: string;
  width: number;
  height: number;
}

/** Upscaled outputs are capped to this side, to keep the simulator fast. */
const MAX_OUTPUT_SIDE = 2048;

function tryDecode(bytes: Buffer | undefined): PNG | undefined {
  if (!bytes) return undefined;
  try {
    return PNG.sync.read(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A deterministic colour from a text.
 *
 * @example
 * ```ts
 * colourOf('a cat'); // the same [r, g, b] every time
 * ```
 */
export function colourOf(text: string): [number, number, number] {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return [hash & 0xff, (hash >>> 8) & 0xff, (hash >>> 16) & 0xff];
}

function solid(width: number, height: number, colour: [number, number, number]): PNG {
  const png = new PNG({ width, height });
  for (let offset = 0; offset < png.data.length; offset += 4) {
    png.data[offset] = colour[0];
    png.data[offset + 1] = colour[1];
    png.data[offset + 2] = colour[2];
    png.data[offset + 3] = 255;
  }
  return png;
}

function resize(source: PNG, width: number, height: number): PNG {
  if (source.width === width && source.height === height) return source;
  const out = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    const sy = Math.floor((y * source.height) / height);
    for (let x = 0; x < width; x++) {
      const sx = Math.floor((x * source.width) / width);
      const from = (sy * source.width + sx) * 4;
      source.data.copy(out.data, (y * width + x) * 4, from, from + 4);
    }
  }
  return out;
}

/** Per pixel: whether it is to be edited (mask white, else image transparent, else everywhere). */
function editArea(image: PNG, mask: PNG | undefined): (pixel: number) => boolean {
  if (mask) {
    const sized = resize(mask, image.width, image.height);
    return (pixel) => {
      const o = pixel * 4;
      const luma =
        ((sized.data[o] as number) + (sized.data[o + 1] as number) + (sized.data[o + 2] as number)) / 3;
      return luma >= 128;
    };
  }
  let transparent = false;
  for (let o = 3; o < image.data.length; o += 4) if ((image.data[o] as number) < 255) transparent = true;
  return transparent ? (pixel) => (image.data[pixel * 4 + 3] as number) < 255 : () => true;
}

function mapPixels(source: PNG, change: (data: Buffer, offset: number, pixel: number) => void): PNG {
  const out = new PNG({ width: source.width, height: source.height });
  source.data.copy(out.data);
  for (let pixel = 0; pixel < source.width * source.height; pixel++) change(out.data, pixel * 4, pixel);
  return out;
}

function averageColour(png: PNG): [number, number, number] {
  let red = 0;
  let green = 0;
  let blue = 0;
  for (let o = 0; o < png.data.length; o += 4) {
    red += png.data[o] as number;
    green += png.data[o + 1] as number;
    blue += png.data[o + 2] as number;
  }
  const count = png.width * png.height;
  return [Math.round(red / count), Math.round(green / count), Math.round(blue / count)];
}

function outpaint(source: PNG, margins: NonNullable<StabilityRenderInput['outpaint']>, prompt: string): PNG {
  const width = source.width + margins.left + margins.right;
  const height = source.height + margins.up + margins.down;
  const out = solid(width, height, colourOf(prompt || 'outpaint'));
  PNG.bitblt(source, out, 0, 0, source.width, source.height, margins.left, margins.up);
  return out;
}

function upscale(source: PNG, factor: number): PNG {
  const scale = Math.min(factor, MAX_OUTPUT_SIDE / Math.max(source.width, source.height));
  return resize(
    source,
    Math.max(1, Math.round(source.width * scale)),
    Math.max(1, Math.round(source.height * scale)),
  );
}

function edit(input: StabilityRenderInput, image: PNG): PNG {
  const mask = tryDecode(input.mask);
  switch (input.kind) {
    case 'invert': {
      const inArea = editArea(image, mask);
      return mapPixels(image, (data, o, pixel) => {
        if (!inArea(pixel)) return;
        for (let c = 0; c < 3; c++) data[o + c] = 255 - (data[o + c] as number);
        data[o + 3] = 255;
      });
    }
    case 'outpaint':
      return outpaint(image, input.outpaint ?? { left: 0, right: 0, up: 0, down: 0 }, input.prompt);
    case 'remove-background': {
      // The outer eighth of the picture is "background": made transparent.
      const border = Math.max(1, Math.floor(Math.min(image.width, image.height) / 8));
      return mapPixels(image, (data, o, pixel) => {
        const x = pixel % image.width;
        const y = Math.floor(pixel / image.width);
        const edge = x < border || y < border || x >= image.width - border || y >= image.height - border;
        if (edge) data[o + 3] = 0;
      });
    }
    case 'relight': {
      const background = tryDecode(input.second);
      const tint = background ? averageColour(background) : colourOf(input.prompt);
      return mapPixels(image, (data, o) => {
        for (let c = 0; c < 3; c++)
          data[o + c] = Math.round(((data[o + c] as number) + tint[c as 0 | 1 | 2]) / 2);
      });
    }
    case 'grayscale':
      return mapPixels(image, (data, o) => {
        const luma = Math.round(
          0.299 * (data[o] as number) + 0.587 * (data[o + 1] as number) + 0.114 * (data[o + 2] as number),
        );
        data[o] = data[o + 1] = data[o + 2] = luma;
      });
    case 'tint':
    case 'style-transfer': {
      const style = tryDecode(input.second);
      const tint = style ? averageColour(style) : colourOf(input.prompt);
      return mapPixels(image, (data, o) => {
        for (let c = 0; c < 3; c++)
          data[o + c] = Math.round(((data[o + c] as number) * 3 + tint[c as 0 | 1 | 2]) / 4);
      });
    }
    case 'upscale-4x':
      return upscale(image, 4);
    case 'upscale-2x':
      return upscale(image, 2);
  }
}

/**
 * Renders the result of one request.
 *
 * @example
 * ```ts
 * const result = renderStabilityResult({ kind: 'invert', image: png, mask, prompt: 'a cat', outputFormat: 'png' });
 * result.mediaType; // 'image/png'
 * ```
 */
export function renderStabilityResult(input: StabilityRenderInput): StabilityRendered {
  const decoded = tryDecode(input.image);
  const source =
    decoded ?? solid(input.imageSize?.width ?? 64, input.imageSize?.height ?? 64, colourOf(input.prompt));
  const png = edit(input, source);
  const { width, height } = png;
  if (input.outputFormat === 'jpeg')
    return { bytes: createJpeg(width, height), mediaType: 'image/jpeg', width, height };
  if (input.outputFormat === 'webp')
    return { bytes: createWebp(width, height), mediaType: 'image/webp', width, height };
  // Filter type 0 (none): pngjs's adaptive filtering is ~100x slower under Jest's VM sandbox.
  return { bytes: PNG.sync.write(png, { filterType: 0 }), mediaType: 'image/png', width, height };
}

/**
 * A deterministic seed for a request that asked for a random one (seed 0 or none).
 *
 * @example
 * ```ts
 * seedFor(0, 'a cat'); // the same number every time for 'a cat'
 * ```
 */
export function seedFor(requested: number | undefined, text: string): number {
  if (requested) return requested;
  const [a, b, c] = colourOf(text);
  return ((a << 16) | (b << 8) | c) + 1;
}
