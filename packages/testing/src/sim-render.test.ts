import { describe, expect, it } from '@jest/globals';
import { decodePngPixels } from '@retouch/core';
import { PNG } from 'pngjs';
import { createNoisePng, createOpenAIMask, createPng } from './fixtures.js';
import { startGeminiSimulator } from './gemini-simulator.js';
import { createOpenAIEditForm } from './openai-form.js';
import { startOpenAISimulator } from './openai-simulator.js';
import { OPENROUTER_IMAGES_PATH, startOpenRouterSimulator } from './openrouter-simulator.js';
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

describe('a simulated edit honours the mask and shows every input', () => {
  const black = createPng(64, 64, { color: [0, 0, 0] });
  const green = createPng(64, 64, { color: [0, 200, 0] });
  const decodeB64 = (b64: string) => decodePngPixels(Buffer.from(b64, 'base64'));

  it('OpenAI: inverted inside the mask only, the second image in the corner', async () => {
    const sim = await startOpenAISimulator({ apiKey: 'k-sim-render' });
    try {
      const form = createOpenAIEditForm({
        model: 'gpt-image-2',
        image: [black, green],
        mask: createOpenAIMask(64, 64, { x: 0, y: 0, width: 32, height: 32 }),
        prompt: 'Merge',
      });
      const response = await fetch(`${sim.url}/v1/images/edits`, {
        method: 'POST',
        headers: { authorization: 'Bearer k-sim-render' },
        body: form,
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data: { b64_json: string }[] };
      const image = await decodeB64(body.data[0]?.b64_json ?? '');
      expect(pixel(image, 8, 8)).toEqual([255, 255, 255]); // inside the mask: edited
      expect(pixel(image, 40, 8)).toEqual([0, 0, 0]); // outside: as it was
      expect(pixel(image, 55, 55)).toEqual([0, 200, 0]); // the second input
    } finally {
      await sim.close();
    }
  });

  it('OpenRouter /images: the second reference in the corner', async () => {
    const sim = await startOpenRouterSimulator({ apiKey: 'k-sim-render' });
    try {
      const ref = (png: Buffer) => ({
        type: 'image_url',
        image_url: { url: `data:image/png;base64,${png.toString('base64')}` },
      });
      const response = await fetch(`${sim.url}${OPENROUTER_IMAGES_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k-sim-render' },
        body: JSON.stringify({
          model: 'openai/gpt-image-1',
          prompt: 'Merge',
          input_references: [ref(black), ref(green)],
        }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data: { b64_json: string }[] };
      const image = await decodeB64(body.data[0]?.b64_json ?? '');
      expect(pixel(image, 8, 8)).toEqual([255, 255, 255]);
      const corner = image.width - 1 - Math.floor(Math.min(image.width, image.height) / 8);
      expect(pixel(image, corner, image.height - 1 - Math.floor(image.height / 8))).toEqual([0, 200, 0]);
    } finally {
      await sim.close();
    }
  });
});
