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

/** Per-pixel edit weight 0..255 (255 = edit fully) in the mask's own convention. */
function editWeights(png: PNG): Uint8Array {
  const { data, width, height } = png;
  const weights = new Uint8Array(width * height);
  let anyTransparent = false;
  for (let i = 0, p = 0; p < weights.length; i += 4, p++) {
    if ((data[i + 3] as number) < 255) {
      anyTransparent = true;
      break;
    }
  }
  for (let i = 0, p = 0; p < weights.length; i += 4, p++) {
    if (anyTransparent) {
      weights[p] = 255 - (data[i + 3] as number);
    } else {
      // Rec. 601 luma of an opaque black/white mask.
      weights[p] = Math.round(
        0.299 * (data[i] as number) + 0.587 * (data[i + 1] as number) + 0.114 * (data[i + 2] as number),
      );
    }
  }
  return weights;
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
  let png: PNG;
  try {
    png = await decodePng(mask.bytes);
  } catch (error) {
    throw new BadRequestError({
      message: `mask: could not decode the PNG (${(error as Error).message})`,
      param: 'mask',
      code: 'invalid_image',
    });
  }
  const weights = editWeights(png);
  const rgba = Buffer.alloc(weights.length * 4);
  for (let p = 0, i = 0; p < weights.length; p++, i += 4) {
    const w = weights[p] as number;
    if (convention === 'white') {
      rgba[i] = rgba[i + 1] = rgba[i + 2] = w;
      rgba[i + 3] = 255;
    } else {
      rgba[i + 3] = 255 - w;
    }
  }
  const bytes = await encodePng(png.width, png.height, rgba, convention === 'white' ? 0 : 6);
  const result: PreparedImage = {
    bytes,
    mediaType: 'image/png',
    width: png.width,
    height: png.height,
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
