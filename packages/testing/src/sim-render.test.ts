import { describe, expect, it } from '@jest/globals';
import { decodePngPixels } from '@retouch/core';
import { PNG } from 'pngjs';
import { createNoisePng, createPng } from './fixtures.js';
import { startGeminiSimulator } from './gemini-simulator.js';
import { drawInputThumbnails, resizeNearest, solidPng } from './sim-render.js';

const pixel = (png: { width: number; data: Uint8Array }, x: number, y: number) => {
  const at = (y * png.width + x) * 4;
  return [png.data[at], png.data[at + 1], png.data[at + 2]];
};

describe('resizeNearest', () => {
  it.each([
    [16, 16, 256, 256],
    [37, 53, 100, 41],
    [300, 200, 17, 290],
    [5, 5, 5, 9],
    [1, 1, 3, 3],
  ])('takes each pixel of %ix%i → %ix%i from its nearest source pixel, alpha included', (sw, sh, w, h) => {
    const source = PNG.sync.read(createNoisePng(sw, sh, sw * 7 + sh));
    const out = resizeNearest(source, w, h);
    expect([out.width, out.height]).toEqual([w, h]);
    const expected = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const from = (Math.floor((y * sh) / h) * sw + Math.floor((x * sw) / w)) * 4;
        for (let byte = 0; byte < 4; byte++)
          expected[(y * w + x) * 4 + byte] = source.data[from + byte] as number;
      }
    }
    expect(out.data.equals(expected)).toBe(true);
  });
});

describe('drawInputThumbnails', () => {
  it('shows each further input as a thumbnail along the bottom, from the right', () => {
    const out = solidPng(40, 40, [0, 0, 0]);
    const red = createPng(8, 8, { color: [255, 0, 0] });
    const blue = createPng(8, 8, { color: [0, 0, 255] });
    drawInputThumbnails(out, [
      { bytes: red, mediaType: 'image/png' },
      { bytes: blue, mediaType: 'image/png' },
    ]);
    // Tiles of 10 px: the second input at x 29–38, the third at x 18–27, rows 29–38.
    expect(pixel(out, 34, 34)).toEqual([255, 0, 0]);
    expect(pixel(out, 22, 34)).toEqual([0, 0, 255]);
    expect(pixel(out, 5, 5)).toEqual([0, 0, 0]);
  });
});

describe('a simulated multi-image edit uses every input', () => {
  it('Gemini: the first input inverted, the second visible in the corner', async () => {
    const sim = await startGeminiSimulator({ apiKey: 'k-sim-render' });
    try {
      const part = (png: Buffer) => ({ inlineData: { mimeType: 'image/png', data: png.toString('base64') } });
      const response = await fetch(`${sim.url}/v1beta/models/gemini-2.5-flash-image:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k-sim-render' },
        body: JSON.stringify({
          contents: [
            {
              role: 'user',
              parts: [
                { text: 'Merge' },
                part(createPng(64, 64, { color: [0, 0, 0] })),
                part(createPng(64, 64, { color: [0, 200, 0] })),
              ],
            },
          ],
        }),
      });
      const body = (await response.json()) as {
        candidates: { content: { parts: { inlineData?: { data: string } }[] } }[];
      };
      const data = body.candidates[0]?.content.parts.find((p) => p.inlineData)?.inlineData?.data ?? '';
      const image = await decodePngPixels(Buffer.from(data, 'base64'));
      expect(pixel(image, 10, 10)).toEqual([255, 255, 255]);
      expect(pixel(image, 56, 56)).toEqual([0, 200, 0]);
    } finally {
      await sim.close();
    }
  });
});
