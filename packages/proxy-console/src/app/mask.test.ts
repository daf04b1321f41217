import { describe, expect, it } from '@jest/globals';
import { alphaMaskFromPaint, paintedFraction, toCanvasPoint } from './mask.js';

/** A 4×2 paint layer with the given pixels painted (alpha = the given value). */
function layer(painted: Record<number, number>) {
  const data = new Uint8ClampedArray(4 * 2 * 4);
  for (const [pixel, alpha] of Object.entries(painted)) {
    data.set([255, 0, 80, alpha], Number(pixel) * 4);
  }
  return { width: 4, height: 2, data };
}

describe('alphaMaskFromPaint', () => {
  it('makes painted pixels transparent and the rest opaque, soft edges included', () => {
    const mask = alphaMaskFromPaint(layer({ 0: 255, 5: 1, 7: 128 }));
    const alphas = [...mask.data].filter((_, i) => i % 4 === 3);
    expect(alphas).toEqual([0, 255, 255, 255, 255, 0, 255, 0]);
    // Colour is irrelevant to the convention; keep it black so the PNG compresses well.
    expect([...mask.data].filter((_, i) => i % 4 !== 3).every((v) => v === 0)).toBe(true);
    expect([mask.width, mask.height]).toEqual([4, 2]);
  });

  it('refuses pixel data of the wrong length', () => {
    expect(() => alphaMaskFromPaint({ width: 4, height: 2, data: new Uint8ClampedArray(31) })).toThrow(
      'expected 32 bytes',
    );
    expect(() => alphaMaskFromPaint({ width: 0, height: 2, data: new Uint8ClampedArray(0) })).toThrow(
      'positive integers',
    );
  });
});

describe('paintedFraction', () => {
  it('is the share of pixels with paint', () => {
    expect(paintedFraction(layer({}))).toBe(0);
    expect(paintedFraction(layer({ 1: 255, 2: 3 }))).toBe(0.25);
  });
});

describe('toCanvasPoint', () => {
  it('maps a point on the scaled element to canvas pixels and clamps to the canvas', () => {
    const rect = { left: 100, top: 50, width: 256, height: 128 };
    const canvas = { width: 1024, height: 512 };
    expect(toCanvasPoint(228, 114, rect, canvas)).toEqual({ x: 512, y: 256 });
    expect(toCanvasPoint(0, 1000, rect, canvas)).toEqual({ x: 0, y: 512 });
  });
});
