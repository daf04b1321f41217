/**
 * Masks. retouch's canonical mask is OpenAI's: a PNG with an alpha channel whose fully transparent
 * pixels (alpha 0) mark the area to edit. Imagen, Stability, Bedrock and BFL Fill want the other
 * convention: an opaque grayscale image where white marks the area to edit. The helpers here convert
 * between the two so that one request works on every mask-capable provider. A mask that is fully
 * opaque is taken to be in the white-means-edit convention already (an opaque OpenAI mask would edit
 * nothing, so the reading is unambiguous).
 * @module
 */
import { PNG } from 'pngjs';
import { BadRequestError } from '../errors.js';
import type { PreparedImage } from './prepare.js';
import { createWorkerPool, type WorkerPool } from './worker-pool.js';

/**
 * Most pixels retouch decodes in one mask: 40 megapixels (about 160 MB of RGBA while it converts).
 * A larger mask is refused from its header, before anything is decoded.
 *
 * @example
 * ```ts
 * MAX_DECODE_PIXELS; // 40000000
 * ```
 */
export const MAX_DECODE_PIXELS = 40_000_000;

// `workers/` sits beside `src/` and `dist/`, so the same URL works from the sources and the build.
const MASK_WORKER = new URL('../../workers/mask-worker.mjs', import.meta.url);
let pool: WorkerPool<{ bytes: Uint8Array; convention: MaskConvention }, { bytes: Uint8Array }> | undefined;

/** Which pixels of a mask mark the area to edit. */
export type MaskConvention = 'alpha-transparent' | 'white';

function decodePng(bytes: Uint8Array): Promise<PNG> {
  return new Promise((resolve, reject) => {
    new PNG().parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error, png) =>
      error ? reject(error) : resolve(png),
    );
  });
}

function encodePng(width: number, height: number, rgba: Buffer, colorType: 0 | 6): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const png = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
    png.data = rgba;
    const chunks: Buffer[] = [];
    png
      .pack()
      .on('data', (chunk: Buffer) => chunks.push(chunk))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
}

/**
 * Checks that `mask` can be used with `image`: a PNG of exactly the same width and height.
 * Throws a `BadRequestError` naming `mask` otherwise.
 *
 * @example
 * ```ts
 * assertMaskMatches(mask, images[0]);
 * ```
 */
export function assertMaskMatches(mask: PreparedImage, image: PreparedImage): void {
  if (mask.mediaType !== 'image/png') {
    throw new BadRequestError({
      message: `mask: must be a PNG, got ${mask.mediaType}`,
      param: 'mask',
      code: 'invalid_image_format',
    });
  }
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new BadRequestError({
      message: `mask: must have the same size as the first image (${image.width}x${image.height}), got ${mask.width}x${mask.height}. Resize the mask to match.`,
      param: 'mask',
      code: 'invalid_mask_size',
    });
  }
}

const converted = new WeakMap<Uint8Array, Map<MaskConvention, PreparedImage>>();

/**
 * Converts a mask (either convention, see the module docs) to `convention`, as a PNG. The result is
 * cached per mask, so retries and fallbacks do not convert twice.
 *
 * - `white`: opaque grayscale PNG, white = edit, black = keep.
 * - `alpha-transparent`: RGBA PNG, black pixels, alpha 0 = edit, alpha 255 = keep.
 *
 * @example
 * ```ts
 * const bfl = await convertMask(request.mask, 'white');
 * body.mask = toBase64(bfl);
 * ```
 */
export async function convertMask(mask: PreparedImage, convention: MaskConvention): Promise<PreparedImage> {
  const cached = converted.get(mask.bytes)?.get(convention);
  if (cached) return cached;
  if (mask.width * mask.height > MAX_DECODE_PIXELS) {
    throw new BadRequestError({
      message: `mask: ${mask.width}x${mask.height} is more pixels than retouch converts (${MAX_DECODE_PIXELS}); send a smaller mask, or one in the convention the model reads.`,
      param: 'mask',
      code: 'image_too_large',
    });
  }
  let bytes: Uint8Array;
  try {
    // Decoding and re-encoding is CPU work: it runs on a worker, never on the event loop.
    pool ??= createWorkerPool(MASK_WORKER);
    ({ bytes } = await pool.run({ bytes: mask.bytes, convention }));
  } catch (error) {
    throw new BadRequestError({
      message: `mask: could not decode the PNG (${(error as Error).message})`,
      param: 'mask',
      code: 'invalid_image',
    });
  }
  const result: PreparedImage = {
    bytes,
    mediaType: 'image/png',
    width: mask.width,
    height: mask.height,
    hasAlpha: convention === 'alpha-transparent',
    filename: 'mask.png',
  };
  const byConvention = converted.get(mask.bytes) ?? new Map<MaskConvention, PreparedImage>();
  byConvention.set(convention, result);
  converted.set(mask.bytes, byConvention);
  return result;
}

/**
 * Decodes a PNG to RGBA pixels (for simulators and tests that inspect masks and results).
 *
 * @example
 * ```ts
 * const { width, height, data } = await decodePngPixels(bytes);
 * ```
 */
export async function decodePngPixels(
  bytes: Uint8Array,
): Promise<{ width: number; height: number; data: Buffer }> {
  const png = await decodePng(bytes);
  return { width: png.width, height: png.height, data: png.data };
}

/**
 * Encodes RGBA pixels as a PNG (RGBA, or grayscale when `grayscale` is set).
 *
 * @example
 * ```ts
 * const png = await encodePngPixels(64, 64, Buffer.alloc(64 * 64 * 4, 255));
 * ```
 */
export function encodePngPixels(
  width: number,
  height: number,
  rgba: Buffer,
  grayscale = false,
): Promise<Uint8Array> {
  return encodePng(width, height, rgba, grayscale ? 0 : 6);
}
