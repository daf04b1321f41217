/**
 * The edit mask, from what the user painted: OpenAI's convention, which every provider mapping
 * converts from — the same size as the image, fully transparent (alpha 0) where the image is to be
 * edited and opaque elsewhere. Pure functions over RGBA pixel arrays, so they run (and are tested)
 * outside a browser.
 * @module
 */

/** RGBA pixels, 4 bytes per pixel, row by row (what a canvas's `getImageData` holds). */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray<ArrayBuffer>;
}

function checkSize({ width, height, data }: Pixels): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`mask: width and height must be positive integers, got ${width}×${height}`);
  }
  if (data.length !== width * height * 4) {
    throw new RangeError(`mask: expected ${width * height * 4} bytes of RGBA, got ${data.length}`);
  }
}

/**
 * The OpenAI-style mask of a paint layer: every pixel with any paint on it (alpha > 0, soft brush
 * edges included) becomes transparent black, every other pixel opaque black.
 *
 * @example
 * ```ts
 * const layer = paintCanvas.getContext('2d')!.getImageData(0, 0, w, h);
 * const mask = alphaMaskFromPaint(layer); // put it on a canvas and export it as PNG
 * ```
 */
export function alphaMaskFromPaint(paint: Pixels): Pixels {
  checkSize(paint);
  const out = new Uint8ClampedArray(paint.data.length);
  for (let i = 3; i < out.length; i += 4) out[i] = (paint.data[i] ?? 0) > 0 ? 0 : 255;
  return { width: paint.width, height: paint.height, data: out };
}

/**
 * The share of the image (0 to 1) that the paint layer marks for editing.
 *
 * @example
 * ```ts
 * if (paintedFraction(layer) === 0) alert('Paint the area to edit first');
 * ```
 */
export function paintedFraction(paint: Pixels): number {
  checkSize(paint);
  let painted = 0;
  for (let i = 3; i < paint.data.length; i += 4) if ((paint.data[i] ?? 0) > 0) painted++;
  return painted / (paint.width * paint.height);
}

/**
 * Where a pointer event lands on a canvas shown scaled on screen, in the canvas's own pixels.
 *
 * @example
 * ```ts
 * const p = toCanvasPoint(event.clientX, event.clientY, canvas.getBoundingClientRect(), canvas);
 * ```
 */
export function toCanvasPoint(
  clientX: number,
  clientY: number,
  rect: { left: number; top: number; width: number; height: number },
  canvas: { width: number; height: number },
): { x: number; y: number } {
  const x = ((clientX - rect.left) / Math.max(rect.width, 1)) * canvas.width;
  const y = ((clientY - rect.top) / Math.max(rect.height, 1)) * canvas.height;
  return { x: Math.min(Math.max(x, 0), canvas.width), y: Math.min(Math.max(y, 0), canvas.height) };
}
