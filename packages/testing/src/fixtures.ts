/**
 * Test images: real PNGs (pngjs), masks in both conventions, and header-only JPEG/WebP/GIF files
 * that `sniffImage` reads (type and size) but that carry no decodable pixels.
 * @module
 */
import { PNG } from 'pngjs';

/** An RGB colour, each channel 0–255. */
export type Rgb = readonly [red: number, green: number, blue: number];

/** Options of {@link createPng}. */
export interface PngOptions {
  /** Fill colour. Defaults to a mid blue `[51, 102, 153]`. */
  color?: Rgb;
  /** Alpha of every pixel, 0–255. Defaults to 255 (opaque). */
  alpha?: number;
  /** Write an alpha channel (RGBA). Defaults to true; `false` writes RGB, which no mask may be. */
  alphaChannel?: boolean;
}

/** A rectangle in pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const DEFAULT_COLOR: Rgb = [51, 102, 153];

function inside(rect: Rect, x: number, y: number): boolean {
  return x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
}

function encode(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number, number],
  colorType: 0 | 2 | 6,
): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 4;
      const [red, green, blue, alpha] = pixel(x, y);
      png.data[offset] = red;
      png.data[offset + 1] = green;
      png.data[offset + 2] = blue;
      png.data[offset + 3] = alpha;
    }
  }
  // Filter type 0 (none): pngjs's adaptive filtering is ~100x slower under Jest's VM sandbox.
  return PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true, filterType: 0 });
}

/**
 * A solid-colour PNG.
 *
 * @example
 * ```ts
 * const red = createPng(64, 64, { color: [255, 0, 0] });
 * const rgbOnly = createPng(64, 64, { alphaChannel: false });
 * ```
 */
export function createPng(width: number, height: number, options: PngOptions = {}): Buffer {
  const [red, green, blue] = options.color ?? DEFAULT_COLOR;
  const alpha = options.alpha ?? 255;
  return encode(width, height, () => [red, green, blue, alpha], options.alphaChannel === false ? 2 : 6);
}

/**
 * A PNG of deterministic noise, which does not compress: a way to get a large valid file
 * (about `width × height × 4` bytes).
 *
 * @example
 * ```ts
 * const over4MB = createNoisePng(1100, 1100); // ≈ 4.8 MB
 * ```
 */
export function createNoisePng(width: number, height: number, seed = 1): Buffer {
  // xorshift32: fast, deterministic, and random enough that deflate cannot shrink it.
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) & 0xff;
  };
  return encode(width, height, () => [next(), next(), next(), next()], 6);
}

/**
 * An OpenAI-convention mask: RGBA, fully transparent (alpha 0) inside `rect` = edit, opaque black
 * elsewhere = keep.
 *
 * @example
 * ```ts
 * const mask = createOpenAIMask(64, 64, { x: 16, y: 16, width: 32, height: 32 });
 * ```
 */
export function createOpenAIMask(width: number, height: number, rect: Rect): Buffer {
  return encode(width, height, (x, y) => (inside(rect, x, y) ? [0, 0, 0, 0] : [0, 0, 0, 255]), 6);
}

/**
 * A white-means-edit mask (Stability, Imagen, BFL Fill): opaque grayscale, white inside `rect`,
 * black elsewhere.
 *
 * @example
 * ```ts
 * const mask = createWhiteMask(64, 64, { x: 16, y: 16, width: 32, height: 32 });
 * ```
 */
export function createWhiteMask(width: number, height: number, rect: Rect): Buffer {
  return encode(width, height, (x, y) => (inside(rect, x, y) ? [255, 255, 255, 255] : [0, 0, 0, 255]), 0);
}

/**
 * A minimal baseline JPEG header (SOI, JFIF APP0, SOF0, EOI) declaring `width × height`. Enough
 * for type and size sniffing; it has no pixel data.
 *
 * @example
 * ```ts
 * sniffImage(createJpeg(640, 480)); // { mediaType: 'image/jpeg', width: 640, height: 480, … }
 * ```
 */
export function createJpeg(width: number, height: number): Buffer {
  const app0 = [
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00,
  ];
  const sof0 = [
    ...[0xff, 0xc0, 0x00, 0x11, 0x08],
    ...[height >> 8, height & 0xff, width >> 8, width & 0xff],
    ...[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01],
  ];
  return Buffer.from([0xff, 0xd8, ...app0, ...sof0, 0xff, 0xd9]);
}

/**
 * A minimal lossy WebP (`VP8 ` chunk) header declaring `width × height` (each ≤ 16383). Enough for
 * type and size sniffing; it has no pixel data.
 *
 * @example
 * ```ts
 * sniffImage(createWebp(320, 200))?.mediaType; // 'image/webp'
 * ```
 */
export function createWebp(width: number, height: number): Buffer {
  // VP8 frame header: 3-byte frame tag (key frame, shown), start code, 14-bit width and height.
  const frame = Buffer.from([0x10, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0, 0, 0, 0]);
  frame.writeUInt16LE(width & 0x3fff, 6);
  frame.writeUInt16LE(height & 0x3fff, 8);
  const chunk = Buffer.alloc(8);
  chunk.write('VP8 ', 0, 'ascii');
  chunk.writeUInt32LE(frame.length, 4);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(4 + chunk.length + frame.length, 4);
  riff.write('WEBP', 8, 'ascii');
  return Buffer.concat([riff, chunk, frame]);
}

/**
 * A minimal GIF89a (header, logical screen descriptor, trailer) declaring `width × height`.
 *
 * @example
 * ```ts
 * sniffImage(createGif(10, 10))?.mediaType; // 'image/gif'
 * ```
 */
export function createGif(width: number, height: number): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(width, 0);
  screen.writeUInt16LE(height, 2);
  return Buffer.concat([Buffer.from('GIF89a', 'ascii'), screen, Buffer.from([0x3b])]);
}

/** Bytes that are no image at all (plain text). */
export const NOT_AN_IMAGE: Buffer = Buffer.from('This is plain text, not an image.\n', 'utf8');

/**
 * A PNG cut short (no IEND trailer), as an interrupted upload or download leaves it.
 *
 * @example
 * ```ts
 * sniffImage(truncatedPng()); // undefined
 * ```
 */
export function truncatedPng(source: Uint8Array = createPng(32, 32)): Buffer {
  return Buffer.from(source.subarray(0, Math.floor(source.length / 2)));
}
