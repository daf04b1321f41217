import { describe, expect, it } from '@jest/globals';
import { PNG } from 'pngjs';
import { BadRequestError } from '../errors.js';
import { assertMaskMatches, convertMask, decodePngPixels, encodePngPixels } from './mask.js';
import type { PreparedImage } from './prepare.js';
import { sniffImage } from './sniff.js';

const W = 4;
const H = 2;
/** Pixels 0 and 5 are the area to edit. */
const EDIT = new Set([0, 5]);

function prepared(bytes: Uint8Array): PreparedImage {
  const info = sniffImage(bytes);
  if (!info) throw new Error('test fixture is not an image');
  return { bytes, filename: 'mask.png', ...info };
}

function rgbaPng(pixel: (p: number) => [number, number, number, number], width = W, height = H): Buffer {
  const image = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) image.data.set(pixel(p), p * 4);
  return PNG.sync.write(image);
}

/** OpenAI convention: transparent = edit, opaque = keep. */
const openaiMask = () => prepared(rgbaPng((p) => (EDIT.has(p) ? [0, 0, 0, 0] : [0, 0, 0, 255])));
/** White convention: opaque, white = edit, black = keep. */
const whiteMask = () => prepared(rgbaPng((p) => (EDIT.has(p) ? [255, 255, 255, 255] : [0, 0, 0, 255])));

async function pixels(image: PreparedImage) {
  const { data, width, height } = await decodePngPixels(image.bytes);
  return Array.from({ length: width * height }, (_, p) => Array.from(data.subarray(p * 4, p * 4 + 4)));
}

describe('assertMaskMatches', () => {
  const image = prepared(rgbaPng(() => [9, 9, 9, 255]));

  it('accepts a PNG mask of the same size', () => {
    expect(() => assertMaskMatches(openaiMask(), image)).not.toThrow();
  });

  it('rejects a mask of another size, naming mask and both sizes', () => {
    const mask = prepared(rgbaPng(() => [0, 0, 0, 0], 2, 4));
    let error: unknown;
    try {
      assertMaskMatches(mask, image);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ param: 'mask', code: 'invalid_mask_size', status: 400 });
    expect((error as Error).message).toContain('(4x2), got 2x4');
  });

  it('rejects a mask that is not a PNG', () => {
    const gif = prepared(Uint8Array.from([...Buffer.from('GIF89a'), W, 0, H, 0, 0, 0, 0, 0x3b]));
    expect(() => assertMaskMatches(gif, image)).toThrow(/must be a PNG, got image\/gif/);
  });
});

describe('convertMask', () => {
  it('turns an OpenAI (alpha) mask into an opaque white-means-edit grayscale PNG', async () => {
    const out = await convertMask(openaiMask(), 'white');
    expect(out).toMatchObject({ mediaType: 'image/png', width: W, height: H, hasAlpha: false });
    expect(sniffImage(out.bytes)).toMatchObject({ width: W, height: H, hasAlpha: false });
    const px = await pixels(out);
    for (const [p, value] of px.entries()) {
      expect(value).toEqual(EDIT.has(p) ? [255, 255, 255, 255] : [0, 0, 0, 255]);
    }
  });

  it('turns a white mask into an OpenAI alpha mask', async () => {
    const out = await convertMask(whiteMask(), 'alpha-transparent');
    expect(out).toMatchObject({ mediaType: 'image/png', width: W, height: H, hasAlpha: true });
    const px = await pixels(out);
    for (const [p, value] of px.entries()) expect(value[3]).toBe(EDIT.has(p) ? 0 : 255);
  });

  it('keeps an OpenAI mask an OpenAI mask when asked for alpha-transparent', async () => {
    const px = await pixels(await convertMask(openaiMask(), 'alpha-transparent'));
    for (const [p, value] of px.entries()) expect(value[3]).toBe(EDIT.has(p) ? 0 : 255);
  });

  it('keeps a white mask white when asked for white', async () => {
    const px = await pixels(await convertMask(whiteMask(), 'white'));
    for (const [p, value] of px.entries()) expect(value[0]).toBe(EDIT.has(p) ? 255 : 0);
  });

  it('carries partial transparency over as gray levels', async () => {
    const mask = prepared(rgbaPng((p) => (p === 0 ? [0, 0, 0, 55] : [0, 0, 0, 255])));
    const px = await pixels(await convertMask(mask, 'white'));
    expect(px[0]?.[0]).toBe(200);
    expect(px[1]?.[0]).toBe(0);
  });

  it('reads a white mask given as a grayscale PNG', async () => {
    const image = new PNG({ width: W, height: H });
    for (let p = 0; p < W * H; p++)
      image.data.set(EDIT.has(p) ? [255, 255, 255, 255] : [0, 0, 0, 255], p * 4);
    const gray = prepared(PNG.sync.write(image, { colorType: 0 }));
    const px = await pixels(await convertMask(gray, 'alpha-transparent'));
    for (const [p, value] of px.entries()) expect(value[3]).toBe(EDIT.has(p) ? 0 : 255);
  });

  it('caches the result per mask and convention', async () => {
    const mask = openaiMask();
    const first = await convertMask(mask, 'white');
    expect(await convertMask(mask, 'white')).toBe(first);
    const other = await convertMask(mask, 'alpha-transparent');
    expect(other).not.toBe(first);
    expect(await convertMask(mask, 'alpha-transparent')).toBe(other);
  });

  it('rejects a mask that cannot be decoded as a BadRequestError naming mask', async () => {
    const broken = openaiMask();
    const bytes = Buffer.from(broken.bytes);
    bytes.fill(0x42, 40, bytes.length - 12);
    const error = await convertMask({ ...broken, bytes }, 'white').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ param: 'mask', code: 'invalid_image' });
  });
});

describe('encodePngPixels / decodePngPixels', () => {
  it('round-trips RGBA pixels', async () => {
    const rgba = Buffer.from(Array.from({ length: 2 * 2 * 4 }, (_, i) => (i * 17) & 0xff));
    const bytes = await encodePngPixels(2, 2, rgba);
    expect(sniffImage(bytes)).toMatchObject({ mediaType: 'image/png', width: 2, height: 2, hasAlpha: true });
    const back = await decodePngPixels(bytes);
    expect(back.width).toBe(2);
    expect(Buffer.from(back.data).equals(rgba)).toBe(true);
  });

  it('writes grayscale without alpha on request', async () => {
    const bytes = await encodePngPixels(2, 1, Buffer.from([10, 10, 10, 255, 90, 90, 90, 255]), true);
    expect(sniffImage(bytes)?.hasAlpha).toBe(false);
    const back = await decodePngPixels(bytes);
    expect([back.data[0], back.data[4]]).toEqual([10, 90]);
  });
});
