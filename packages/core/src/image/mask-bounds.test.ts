/**
 * Images and masks are bounded before anything decodes them: a PNG header that lies about its size
 * is refused from the header alone, a mask over the decode budget is refused before decoding, and
 * converting a large mask runs on a worker, so the event loop keeps answering meanwhile.
 */
import { describe, expect, it } from '@jest/globals';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { BadRequestError, type RetouchError } from '../errors.js';
import { convertMask, MAX_DECODE_PIXELS } from './mask.js';
import { prepareImage } from './prepare.js';

function crc32(bytes: Buffer): number {
  let crc = -1;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ -1) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG whose IHDR says anything, with a tiny IDAT. */
function pngWithHeader(width: number, height: number, depth = 8, colourType = 6, interlace = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([depth, colourType, 0, 0, interlace], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(4))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function refusal(promise: Promise<unknown>): Promise<RetouchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadRequestError);
  return error as RetouchError;
}

describe('PNG headers are checked before anything is decoded', () => {
  it('refuses 60000x60000 in 69 bytes, naming the field', async () => {
    const liar = pngWithHeader(60000, 60000);
    expect(liar.length).toBeLessThan(80);
    const error = await refusal(prepareImage(liar, { param: 'mask' }));
    expect(error).toMatchObject({ param: 'mask', status: 400, code: 'invalid_image' });
    expect(error.message).toMatch(
      /^mask: the PNG declares 60000x60000 pixels, more than its \d+ bytes of image data can hold/,
    );
  });

  it.each([
    [
      'a bit depth the colour type does not allow',
      pngWithHeader(8, 8, 7, 2),
      /bit depth 7 with colour type 2/,
    ],
    ['an unknown interlace method', pngWithHeader(8, 8, 8, 6, 2), /interlace \(2\)/],
  ])('refuses %s', async (_name, bytes, message) => {
    const error = await refusal(prepareImage(bytes, { param: 'image[1]' }));
    expect(error.param).toBe('image[1]');
    expect(error.message).toMatch(message);
  });

  it('refuses a chunk length over the PNG limit', async () => {
    const bytes = pngWithHeader(8, 8);
    bytes.writeUInt32BE(0x80000000, 33); // the IDAT chunk's length
    const error = await refusal(prepareImage(bytes, { param: 'image' }));
    expect(error.message).toMatch(
      /the PNG (has a chunk of 2147483648 bytes|is not a complete)|not a complete PNG/,
    );
  });

  it('accepts real PNGs, interlaced ones included', async () => {
    const png = PNG.sync.write(new PNG({ width: 120, height: 90 }), { filterType: 0 });
    await expect(prepareImage(png, { param: 'image' })).resolves.toMatchObject({ width: 120, height: 90 });
    const interlaced = pngWithHeader(1, 1, 8, 6, 1);
    await expect(prepareImage(interlaced, { param: 'image' })).resolves.toMatchObject({
      width: 1,
      height: 1,
    });
  });
});

describe('mask conversion', () => {
  it('refuses a mask over the decode budget from its header, before decoding', async () => {
    const side = Math.ceil(Math.sqrt(MAX_DECODE_PIXELS)) + 1;
    const mask = {
      bytes: pngWithHeader(side, side),
      mediaType: 'image/png' as const,
      width: side,
      height: side,
      hasAlpha: true,
      filename: 'mask.png',
    };
    const error = await refusal(convertMask(mask, 'white'));
    expect(error).toMatchObject({ param: 'mask', code: 'image_too_large' });
  });

  it('keeps the event loop free while a large mask converts', async () => {
    const width = 3000;
    const height = 3000;
    const opaque = new PNG({ width, height });
    for (let i = 0; i < opaque.data.length; i += 4) {
      const white = (i / 4) % width < width / 2;
      opaque.data.fill(white ? 255 : 0, i, i + 3);
      opaque.data[i + 3] = 255;
    }
    const bytes = PNG.sync.write(opaque, { filterType: 0 });
    const mask = await prepareImage(bytes, { param: 'mask' });
    // A probe on the main thread: the longest gap between 5 ms ticks while the mask converts.
    const gaps: number[] = [];
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 5);
    const started = performance.now();
    const converted = await convertMask(mask, 'alpha-transparent');
    const elapsed = performance.now() - started;
    clearInterval(probe);
    expect(converted).toMatchObject({ width, height, hasAlpha: true });
    // The conversion itself takes far longer than the probe's bound; the loop kept ticking through it.
    expect(elapsed).toBeGreaterThan(100);
    gaps.sort((a, b) => a - b);
    expect(gaps.length).toBeGreaterThan(5);
    expect(gaps[Math.floor(gaps.length * 0.95)]).toBeLessThan(50);
    // No single stall covers the conversion (on the main thread it would be one long gap).
    expect(gaps[gaps.length - 1]).toBeLessThan(elapsed / 2);
  }, 60_000);
});
