import { describe, expect, it } from '@jest/globals';
import { PNG } from 'pngjs';
import { extensionFor, sniffImage } from './sniff.js';

function png(width: number, height: number, colorType: 0 | 2 | 4 | 6 = 6): Buffer {
  const image = new PNG({ width, height });
  image.data.fill(128);
  return PNG.sync.write(image, { colorType });
}

/** Inserts a chunk right after IHDR (the CRC is not checked by the sniffer, but we fill it anyway). */
function withChunkAfterIhdr(file: Buffer, type: string, data: Buffer): Buffer {
  const ihdrEnd = 8 + 12 + 13;
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'ascii');
  data.copy(chunk, 8);
  return Buffer.concat([file.subarray(0, ihdrEnd), chunk, file.subarray(ihdrEnd)]);
}

function riff(chunkType: string, payload: number[]): Uint8Array {
  const body = [...Buffer.from('WEBP'), ...Buffer.from(chunkType), ...u32le(payload.length), ...payload];
  return Uint8Array.from([...Buffer.from('RIFF'), ...u32le(body.length), ...body]);
}

function u32le(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}

function u24le(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff];
}

/** Lossy VP8 key frame header: frame tag, start code, 14-bit width and height. */
function webpVp8(width: number, height: number): Uint8Array {
  return riff('VP8 ', [
    0x30,
    0x01,
    0x00,
    0x9d,
    0x01,
    0x2a,
    width & 0xff,
    width >> 8,
    height & 0xff,
    height >> 8,
  ]);
}

/** Lossless VP8L header: signature 0x2f then 14 bits width-1, 14 bits height-1, 1 bit alpha, 3 bits version. */
function webpVp8l(width: number, height: number, alpha: boolean): Uint8Array {
  const bits = (width - 1) | ((height - 1) << 14) | ((alpha ? 1 : 0) << 28);
  return riff('VP8L', [0x2f, ...u32le(bits >>> 0), 0, 0, 0, 0, 0]);
}

/** Extended VP8X header: flags, 3 reserved bytes, 24-bit canvas width-1 and height-1. */
function webpVp8x(width: number, height: number, alpha: boolean): Uint8Array {
  return riff('VP8X', [alpha ? 0x10 : 0x00, 0, 0, 0, ...u24le(width - 1), ...u24le(height - 1)]);
}

/** SOI, an APP0 segment, then a baseline (SOF0) or progressive (SOF2) frame header. */
function jpeg(width: number, height: number, sof = 0xc0): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const frame = [
    0xff,
    sof,
    0x00,
    0x0b,
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    1,
    1,
    0x11,
    0,
  ];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...frame, 0xff, 0xd9]);
}

function gif(width: number, height: number, version = 'GIF89a'): Uint8Array {
  return Uint8Array.from([
    ...Buffer.from(version),
    width & 0xff,
    width >> 8,
    height & 0xff,
    height >> 8,
    0,
    0,
    0,
    0x3b,
  ]);
}

describe('sniffImage: PNG', () => {
  it('reads type and size of an RGBA PNG and reports alpha', () => {
    expect(sniffImage(png(7, 5, 6))).toEqual({ mediaType: 'image/png', width: 7, height: 5, hasAlpha: true });
  });

  it('reports alpha from the colour type: 4 (grey+alpha) yes, 2 (RGB) and 0 (grey) no', () => {
    expect(sniffImage(png(4, 4, 4))?.hasAlpha).toBe(true);
    expect(sniffImage(png(4, 4, 2))?.hasAlpha).toBe(false);
    expect(sniffImage(png(4, 4, 0))?.hasAlpha).toBe(false);
  });

  it('reports alpha for an RGB PNG that carries a tRNS chunk', () => {
    const file = withChunkAfterIhdr(png(8, 6, 2), 'tRNS', Buffer.from([0, 0, 0, 0, 0, 0]));
    expect(sniffImage(file)).toEqual({ mediaType: 'image/png', width: 8, height: 6, hasAlpha: true });
  });

  it('ignores chunks other than tRNS before IDAT', () => {
    const file = withChunkAfterIhdr(png(8, 6, 2), 'tEXt', Buffer.from('Comment\0hello'));
    expect(sniffImage(file)?.hasAlpha).toBe(false);
  });

  it('rejects a PNG cut short (no IEND trailer)', () => {
    const file = png(16, 16);
    expect(sniffImage(file)).toBeDefined();
    expect(sniffImage(file.subarray(0, file.length - 12))).toBeUndefined();
    expect(sniffImage(file.subarray(0, 40))).toBeUndefined();
  });

  it('accepts bytes after IEND (some encoders append them) but not a chunk running past the end', () => {
    const file = png(16, 16);
    expect(sniffImage(Buffer.concat([file, Buffer.from('trailing junk')]))?.width).toBe(16);
    const cut = Buffer.from(file.subarray(0, file.length - 20));
    expect(sniffImage(Buffer.concat([cut, Buffer.alloc(8)]))).toBeUndefined();
  });

  it('rejects a PNG signature without an IHDR', () => {
    const file = Buffer.from(png(4, 4));
    file.write('XXXX', 12, 'ascii');
    expect(sniffImage(file)).toBeUndefined();
  });

  it('works on a view into a larger buffer', () => {
    const file = png(3, 9);
    const big = Buffer.concat([Buffer.alloc(11, 0xaa), file]);
    expect(sniffImage(big.subarray(11))).toMatchObject({ width: 3, height: 9 });
  });
});

describe('sniffImage: JPEG', () => {
  it('reads the size from a baseline SOF0 frame header', () => {
    expect(sniffImage(jpeg(640, 480))).toEqual({
      mediaType: 'image/jpeg',
      width: 640,
      height: 480,
      hasAlpha: false,
    });
  });

  it('reads the size from a progressive SOF2 frame header', () => {
    expect(sniffImage(jpeg(300, 1200, 0xc2))).toMatchObject({ width: 300, height: 1200 });
  });

  it('skips a DHT segment (0xC4), which is not a frame header', () => {
    const base = jpeg(20, 10);
    const dht = [0xff, 0xc4, 0x00, 0x06, 0x00, 0x09, 0x09, 0x09];
    const file = Uint8Array.from([...base.subarray(0, 2), ...dht, ...base.subarray(2)]);
    expect(sniffImage(file)).toMatchObject({ width: 20, height: 10 });
  });

  it('rejects a JPEG with no frame header, or a zero size', () => {
    expect(
      sniffImage(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xd9, 0, 0, 0])),
    ).toBeUndefined();
    expect(sniffImage(jpeg(0, 10))).toBeUndefined();
  });
});

describe('sniffImage: WebP', () => {
  it('reads a lossy VP8 image', () => {
    expect(sniffImage(webpVp8(320, 200))).toEqual({
      mediaType: 'image/webp',
      width: 320,
      height: 200,
      hasAlpha: false,
    });
  });

  it('reads a lossless VP8L image, with and without alpha', () => {
    expect(sniffImage(webpVp8l(64, 48, false))).toEqual({
      mediaType: 'image/webp',
      width: 64,
      height: 48,
      hasAlpha: false,
    });
    expect(sniffImage(webpVp8l(1000, 3, true))).toEqual({
      mediaType: 'image/webp',
      width: 1000,
      height: 3,
      hasAlpha: true,
    });
  });

  it('reads an extended VP8X image and its alpha flag', () => {
    expect(sniffImage(webpVp8x(4000, 3000, true))).toEqual({
      mediaType: 'image/webp',
      width: 4000,
      height: 3000,
      hasAlpha: true,
    });
    expect(sniffImage(webpVp8x(17, 33, false))).toMatchObject({ width: 17, height: 33, hasAlpha: false });
  });

  it('rejects an unknown WebP chunk and a truncated header', () => {
    expect(sniffImage(riff('ABCD', Array(12).fill(1)))).toBeUndefined();
    expect(sniffImage(webpVp8(10, 10).subarray(0, 24))).toBeUndefined();
    const badSignature = webpVp8l(8, 8, false);
    badSignature[20] = 0x00;
    expect(sniffImage(badSignature)).toBeUndefined();
  });
});

describe('sniffImage: GIF', () => {
  it('reads GIF89a and GIF87a', () => {
    expect(sniffImage(gif(12, 34))).toEqual({
      mediaType: 'image/gif',
      width: 12,
      height: 34,
      hasAlpha: true,
    });
    expect(sniffImage(gif(5, 6, 'GIF87a'))).toMatchObject({ width: 5, height: 6 });
  });

  it('rejects a GIF header that is too short or has a zero size', () => {
    expect(sniffImage(gif(12, 34).subarray(0, 10))).toBeUndefined();
    expect(sniffImage(gif(0, 34))).toBeUndefined();
  });
});

describe('sniffImage: other bytes', () => {
  it.each([
    ['empty', new Uint8Array()],
    ['text', Buffer.from('hello, this is not an image at all')],
    ['PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n')],
    ['RIFF but WAVE', Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00')],
    ['PNG signature only', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
    ['random', Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)],
  ])('returns undefined for %s', (_name, bytes) => {
    expect(sniffImage(bytes)).toBeUndefined();
  });
});

describe('extensionFor', () => {
  it('maps media types to extensions', () => {
    expect(extensionFor('image/jpeg')).toBe('jpg');
    expect(extensionFor('image/png')).toBe('png');
    expect(extensionFor('image/webp')).toBe('webp');
    expect(extensionFor('weird')).toBe('bin');
  });
});
