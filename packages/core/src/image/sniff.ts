/**
 * Image type and dimensions from the first bytes of a file: PNG, JPEG, WebP, GIF. Reads headers only,
 * never decodes pixels.
 * @module
 */

import { type ByteSource, byteSource } from './byte-source.js';

/** Media types retouch recognises from magic bytes. */
export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

/** What the header of an image says. */
export interface ImageInfo {
  mediaType: ImageMediaType;
  width: number;
  height: number;
  /** Whether the image can carry transparency (PNG colour type 4/6 or tRNS, WebP alpha flag, GIF). */
  hasAlpha: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: ByteSource, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((b, i) => bytes.at(offset + i) === b);
}

function sniffPng(bytes: ByteSource): ImageInfo | undefined {
  // Signature (8) + IHDR length/type (8) + width, height, depth, colour type… (13) + CRC (4).
  if (bytes.length < 33 || bytes.ascii(12, 4) !== 'IHDR') return undefined;
  const colourType = bytes.at(25);
  let hasAlpha = colourType === 4 || colourType === 6;
  // Walk the chunk headers (cheap: lengths let us jump) to IEND. A file that ends before IEND was
  // cut short, and the upstream would reject it after the call was made; bytes after IEND are fine.
  let offset = 8;
  let complete = false;
  while (offset + 8 <= bytes.length) {
    const length = bytes.u32(offset);
    const type = bytes.ascii(offset + 4, 4);
    if (type === 'tRNS') hasAlpha = true;
    offset += 12 + length;
    if (offset > bytes.length) break;
    if (type === 'IEND') {
      complete = true;
      break;
    }
  }
  if (!complete) return undefined;
  return { mediaType: 'image/png', width: bytes.u32(16), height: bytes.u32(20), hasAlpha };
}

function sniffJpeg(bytes: ByteSource): ImageInfo | undefined {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes.at(offset) !== 0xff) return undefined;
    const marker = bytes.at(offset + 1);
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      offset += 2;
      continue;
    }
    const length = bytes.u16(offset + 2);
    const isStartOfFrame =
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame) {
      const height = bytes.u16(offset + 5);
      const width = bytes.u16(offset + 7);
      if (width === 0 || height === 0) return undefined;
      return { mediaType: 'image/jpeg', width, height, hasAlpha: false };
    }
    offset += 2 + length;
  }
  return undefined;
}

function sniffWebp(bytes: ByteSource): ImageInfo | undefined {
  if (bytes.length < 30) return undefined;
  const chunk = bytes.ascii(12, 4);
  if (chunk === 'VP8 ') {
    return {
      mediaType: 'image/webp',
      width: bytes.u16(26, true) & 0x3fff,
      height: bytes.u16(28, true) & 0x3fff,
      hasAlpha: false,
    };
  }
  if (chunk === 'VP8L') {
    // Byte 20 is the 0x2f signature; the 14-bit sizes and the alpha bit follow in bytes 21–24.
    if (bytes.at(20) !== 0x2f) return undefined;
    const b1 = bytes.at(21);
    const b2 = bytes.at(22);
    const b3 = bytes.at(23);
    const b4 = bytes.at(24);
    return {
      mediaType: 'image/webp',
      width: 1 + (((b2 & 0x3f) << 8) | b1),
      height: 1 + (((b4 & 0x0f) << 10) | (b3 << 2) | ((b2 & 0xc0) >> 6)),
      hasAlpha: ((b4 >> 4) & 1) === 1,
    };
  }
  if (chunk === 'VP8X') {
    const u24 = (at: number) => bytes.at(at) | (bytes.at(at + 1) << 8) | (bytes.at(at + 2) << 16);
    return {
      mediaType: 'image/webp',
      width: 1 + u24(24),
      height: 1 + u24(27),
      hasAlpha: (bytes.at(20) & 0x10) !== 0,
    };
  }
  return undefined;
}

function sniffGif(bytes: ByteSource): ImageInfo | undefined {
  if (bytes.length < 13) return undefined;
  return {
    mediaType: 'image/gif',
    width: bytes.u16(6, true),
    height: bytes.u16(8, true),
    hasAlpha: true,
  };
}

/** Bit depths PNG allows per colour type (PNG spec, 11.2.2). */
const PNG_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Deflate cannot expand data by more than about 1032:1; a little slack on top. */
const MAX_DEFLATE_RATIO = 1100;
const MAX_PNG_CHUNK = 2 ** 31 - 1;
/** 'IDAT' as a big-endian u32: compared as a number, not read out as a string per chunk. */
const IDAT = 0x49444154;

/**
 * What is wrong with a PNG's header, or `undefined` when it is consistent: IHDR's fields (size, bit
 * depth for the colour type, compression, filter, interlace), chunk lengths, and whether the
 * compressed image data could possibly hold the pixels the header declares. A header that lies
 * (60000×60000 pixels in 69 bytes) is caught here, before anything is decoded or forwarded.
 *
 * @example
 * ```ts
 * pngHeaderProblem(bytes); // 'declares 60000x60000 pixels, more than its 12 bytes of image data can hold'
 * ```
 */
export function pngHeaderProblem(input: Uint8Array | readonly Uint8Array[]): string | undefined {
  const bytes = byteSource(input);
  if (bytes.length < 33 || bytes.ascii(12, 4) !== 'IHDR') return 'has no IHDR header';
  if (bytes.u32(8) !== 13) return 'has an IHDR chunk of the wrong length';
  const width = bytes.u32(16);
  const height = bytes.u32(20);
  const depth = bytes.at(24);
  const colourType = bytes.at(25);
  const compression = bytes.at(26);
  const filter = bytes.at(27);
  const interlace = bytes.at(28);
  if (width === 0 || height === 0 || width > MAX_PNG_CHUNK || height > MAX_PNG_CHUNK) {
    return `declares an impossible size of ${width}x${height}`;
  }
  if (!PNG_DEPTHS[colourType]?.includes(depth)) {
    return `declares bit depth ${depth} with colour type ${colourType}, which PNG does not allow`;
  }
  if (compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)) {
    return `declares an unknown compression (${compression}), filter (${filter}) or interlace (${interlace}) method`;
  }
  let data = 0;
  for (let offset = 8; offset + 8 <= bytes.length; ) {
    const length = bytes.u32(offset);
    if (length > MAX_PNG_CHUNK) return `has a chunk of ${length} bytes, over PNG's limit`;
    if (bytes.u32(offset + 4) === IDAT) data += length;
    offset += 12 + length;
  }
  const rowBytes = Math.ceil((width * (PNG_CHANNELS[colourType] ?? 1) * depth) / 8);
  // Each (non-interlaced) row is one filter byte and its pixels; interlacing only adds bytes.
  const raw = height * (1 + rowBytes);
  if (raw > data * MAX_DEFLATE_RATIO + 1024) {
    return `declares ${width}x${height} pixels, more than its ${data} bytes of image data can hold (a damaged or crafted file)`;
  }
  return undefined;
}

/**
 * Reads an image's real type and size from its bytes; `undefined` when the bytes are not a
 * complete PNG, JPEG, WebP or GIF.
 *
 * @example
 * ```ts
 * const info = sniffImage(await readFile('cat.png'));
 * info?.mediaType; // 'image/png'
 * ```
 */
export function sniffImage(input: Uint8Array | readonly Uint8Array[]): ImageInfo | undefined {
  const bytes = byteSource(input);
  let info: ImageInfo | undefined;
  if (startsWith(bytes, PNG_SIGNATURE)) info = sniffPng(bytes);
  else if (startsWith(bytes, [0xff, 0xd8, 0xff])) info = sniffJpeg(bytes);
  else if (bytes.ascii(0, 4) === 'RIFF' && bytes.ascii(8, 4) === 'WEBP') info = sniffWebp(bytes);
  else if (bytes.ascii(0, 6) === 'GIF87a' || bytes.ascii(0, 6) === 'GIF89a') info = sniffGif(bytes);
  if (!info || info.width <= 0 || info.height <= 0) return undefined;
  return info;
}

/**
 * The usual file extension for a media type.
 *
 * @example
 * ```ts
 * extensionFor('image/jpeg'); // 'jpg'
 * ```
 */
export function extensionFor(mediaType: string): string {
  if (mediaType === 'image/jpeg') return 'jpg';
  return mediaType.split('/')[1] ?? 'bin';
}
