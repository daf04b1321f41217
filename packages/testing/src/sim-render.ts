/**
 * Pixel helpers the simulators share to turn inputs into deterministic results: decode a PNG input,
 * invert it (inside the mask), resize it, fill with a colour taken from the prompt, and show every
 * further input image as a thumbnail, so a result visibly depends on the mask and on each input.
 * @module
 */
import { PNG } from 'pngjs';

/**
 * A deterministic colour from the prompt, for inputs the simulators cannot decode.
 *
 * @example
 * ```ts
 * solidPng(8, 8, promptColour('Make it red'));
 * ```
 */
export function promptColour(prompt: string): [number, number, number] {
  let hash = 0x811c9dc5;
  for (const char of prompt) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return [hash & 0xff, (hash >>> 8) & 0xff, (hash >>> 16) & 0xff];
}

/**
 * Decodes PNG bytes; `undefined` for anything else (header-only JPEG/WebP fixtures included).
 *
 * @example
 * ```ts
 * decodePngOrUndefined(createPng(4, 4), 'image/png')?.width; // 4
 * ```
 */
export function decodePngOrUndefined(
  bytes: Uint8Array | undefined,
  mediaType: string | undefined,
): PNG | undefined {
  if (!bytes || mediaType !== 'image/png') return undefined;
  return PNG.sync.read(Buffer.from(bytes));
}

/**
 * An opaque PNG of one colour.
 *
 * @example
 * ```ts
 * encodePng(solidPng(8, 8, [255, 0, 0]));
 * ```
 */
export function solidPng(width: number, height: number, [red, green, blue]: [number, number, number]): PNG {
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
 * Nearest-neighbour resize.
 *
 * @example
 * ```ts
 * resizeNearest(png, 32, 16);
 * ```
 */
export function resizeNearest(source: PNG, width: number, height: number): PNG {
  if (source.width === width && source.height === height) return source;
  const out = new PNG({ width, height });
  const from = source.data;
  const to = out.data;
  const rowBytes = width * 4;
  // Byte by byte, not a Buffer.copy per pixel: a 1024×1024 result is a million native calls, which
  // took ~0.6 s under Jest's VM sandbox and, on a loaded machine, most of a streamed test's budget.
  const sourceColumn = new Uint32Array(width);
  for (let x = 0; x < width; x++) sourceColumn[x] = Math.floor((x * source.width) / width) * 4;
  let previousSourceY = -1;
  for (let y = 0; y < height; y++) {
    const sourceY = Math.floor((y * source.height) / height);
    const rowStart = y * rowBytes;
    if (sourceY === previousSourceY) {
      // An upscale repeats source rows: the row just written is the same again.
      to.copyWithin(rowStart, rowStart - rowBytes, rowStart);
      continue;
    }
    previousSourceY = sourceY;
    const sourceRow = sourceY * source.width * 4;
    for (let x = 0, at = rowStart; x < width; x++, at += 4) {
      const pixel = sourceRow + (sourceColumn[x] as number);
      to[at] = from[pixel] as number;
      to[at + 1] = from[pixel + 1] as number;
      to[at + 2] = from[pixel + 2] as number;
      to[at + 3] = from[pixel + 3] as number;
    }
  }
  return out;
}

/**
 * Inverts RGB of the pixels `where` selects (all by default); the result is opaque.
 *
 * @example
 * ```ts
 * invertPng(png, (offset) => mask.data[offset] === 255);
 * ```
 */
export function invertPng(source: PNG, where: (offset: number) => boolean = () => true): PNG {
  const out = new PNG({ width: source.width, height: source.height });
  source.data.copy(out.data);
  for (let offset = 0; offset < out.data.length; offset += 4) {
    if (where(offset)) {
      for (let channel = 0; channel < 3; channel++)
        out.data[offset + channel] = 255 - (out.data[offset + channel] as number);
    }
    out.data[offset + 3] = 255;
  }
  return out;
}

/**
 * The size with `width × height`'s area and the aspect ratio `W:H` (unchanged when `ratio` is not `W:H`).
 *
 * @example
 * ```ts
 * sizeForAspectRatio(40, 20, '1:1'); // { width: 28, height: 28 }
 * ```
 */
export function sizeForAspectRatio(
  width: number,
  height: number,
  ratio: string | undefined,
): { width: number; height: number } {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio ?? '');
  if (!match) return { width, height };
  const value = Number(match[1]) / Number(match[2]);
  const side = Math.max(1, Math.round(Math.sqrt(width * height * value)));
  return { width: side, height: Math.max(1, Math.round(side / value)) };
}

/**
 * Encodes a PNG (filter type 0: pngjs's adaptive filtering is ~100x slower under Jest's VM sandbox).
 *
 * @example
 * ```ts
 * const bytes = encodePng(solidPng(8, 8, [0, 0, 0]));
 * ```
 */
export function encodePng(png: PNG): Buffer {
  return PNG.sync.write(png, { filterType: 0 });
}

/**
 * Draws each further input image (the second, third, … of a request) as a square thumbnail along
 * the bottom edge of `out`, from the right, a quarter of the short side each, with a 1 px gap —
 * so a simulated multi-image edit visibly uses every input. Inputs that are not decodable PNGs
 * (header-only JPEG/WebP fixtures) are drawn in a colour taken from their bytes. Changes `out`.
 *
 * @example
 * ```ts
 * drawInputThumbnails(result, [{ bytes: secondPng, mediaType: 'image/png' }]);
 * ```
 */
export function drawInputThumbnails(
  out: PNG,
  extras: readonly ({ bytes?: Uint8Array; mediaType?: string } | undefined)[],
): PNG {
  const side = Math.floor(Math.min(out.width, out.height) / 4);
  if (side < 2) return out;
  extras.forEach((extra, index) => {
    const x = out.width - (index + 1) * (side + 1);
    const y = out.height - side - 1;
    if (x < 0 || y < 0) return;
    const decoded = decodePngOrUndefined(extra?.bytes, extra?.mediaType);
    const tile = decoded
      ? resizeNearest(decoded, side, side)
      : solidPng(side, side, promptColour(Buffer.from(extra?.bytes ?? []).toString('base64', 0, 64)));
    for (let row = 0; row < side; row++) {
      for (let column = 0; column < side; column++) {
        const from = (row * side + column) * 4;
        const to = ((y + row) * out.width + x + column) * 4;
        tile.data.copy(out.data, to, from, from + 3);
        out.data[to + 3] = 255;
      }
    }
  });
  return out;
}
