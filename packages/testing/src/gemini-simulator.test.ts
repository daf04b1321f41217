import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createGif, createPng } from './fixtures.js';
import { type GeminiSimulator, startGeminiSimulator } from './gemini-simulator.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary upstream JSON.
type Json = any;

const KEY = 'gemini-sim-test-key';
let sim: GeminiSimulator;

beforeAll(async () => {
  sim = await startGeminiSimulator({ apiKey: KEY });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

const png = createPng(32, 16).toString('base64');
const imagePart = (data = png, mimeType = 'image/png') => ({ inlineData: { mimeType, data } });

async function call(
  body: unknown,
  options: { model?: string; headers?: Record<string, string>; path?: string } = {},
): Promise<{ status: number; json: Json }> {
  const path = options.path ?? `/v1beta/models/${options.model ?? 'gemini-2.5-flash-image'}:generateContent`;
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': KEY, ...options.headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

const edit = (generationConfig?: unknown, parts: unknown[] = [{ text: 'Invert it' }, imagePart()]) => ({
  contents: [{ parts }],
  ...(generationConfig ? { generationConfig } : {}),
});

describe('the Gemini simulator', () => {
  it('answers an edit with an image part, a text part and usageMetadata', async () => {
    const { status, json } = await call(
      edit({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '1:1' } }),
    );
    expect(status).toBe(200);
    const parts = json.candidates[0].content.parts;
    expect(parts.map((part: Record<string, unknown>) => Object.keys(part)[0])).toEqual([
      'text',
      'inlineData',
    ]);
    expect(json.candidates[0].finishReason).toBe('STOP');
    const out = Buffer.from(parts[1].inlineData.data, 'base64');
    // 32x16 keeps its area at 1:1.
    expect([out.readUInt32BE(16), out.readUInt32BE(20)]).toEqual([23, 23]);
    expect(json.usageMetadata).toMatchObject({
      promptTokenCount: 3 + 258,
      candidatesTokenCount: 7 + 1290,
      totalTokenCount: 3 + 258 + 7 + 1290,
      candidatesTokensDetails: [
        { modality: 'IMAGE', tokenCount: 1290 },
        { modality: 'TEXT', tokenCount: 7 },
      ],
    });
  });

  it.each([
    [{ 'x-goog-api-key': '' }, 403, 'PERMISSION_DENIED'],
    [{ 'x-goog-api-key': 'wrong' }, 400, 'INVALID_ARGUMENT'],
  ])('auth %j → %i %s', async (headers, status, name) => {
    const { status: got, json } = await call(edit(), { headers });
    expect(got).toBe(status);
    expect(json.error.status).toBe(name);
  });

  it('takes the key as ?key= too, as Google does', async () => {
    const { status } = await call(edit(), {
      headers: { 'x-goog-api-key': '' },
      path: `/v1beta/models/gemini-2.5-flash-image:generateContent?key=${KEY}`,
    });
    expect(status).toBe(200);
  });

  it.each([
    [
      'an unknown field in generationConfig',
      edit({ aspectRatio: '16:9' }),
      'Unknown name "aspectRatio" at \'generation_config\'',
    ],
    [
      'personGeneration (Vertex only)',
      edit({ imageConfig: { personGeneration: 'ALLOW_ALL' } }),
      'Unknown name "personGeneration"',
    ],
    [
      'a data: URL',
      edit(undefined, [{ text: 'x' }, imagePart(`data:image/png;base64,${png}`)]),
      'Base64 decoding failed',
    ],
    [
      'a GIF',
      edit(undefined, [{ text: 'x' }, imagePart(createGif(4, 4).toString('base64'), 'image/gif')]),
      'Unsupported MIME type: image/gif',
    ],
    [
      'a mime type that lies',
      edit(undefined, [{ text: 'x' }, imagePart(png, 'image/jpeg')]),
      'Unable to process input image',
    ],
    [
      'a bad modality',
      edit({ responseModalities: ['PICTURE'] }),
      "Invalid value at 'generation_config.response_modalities[0]'",
    ],
    ['candidateCount 2', edit({ candidateCount: 2 }), 'Multiple candidates is not enabled'],
    [
      'imageSize on a one-size model',
      edit({ imageConfig: { imageSize: '2K' } }),
      'Image size is not supported',
    ],
    [
      'an aspect ratio the model lacks',
      edit({ imageConfig: { aspectRatio: '4:1' } }),
      'Unsupported aspect ratio: 4:1',
    ],
    ['an empty part', edit(undefined, [{}]), "required oneof field 'data'"],
  ])('refuses %s with 400 INVALID_ARGUMENT', async (_name, body, message) => {
    const { status, json } = await call(body);
    expect(status).toBe(400);
    expect(json.error.status).toBe('INVALID_ARGUMENT');
    expect(json.error.message).toContain(message);
  });

  it('refuses a lowercase imageSize and takes 4K on Gemini 3 Pro', async () => {
    expect(
      (await call(edit({ imageConfig: { imageSize: '4k' } }), { model: 'gemini-3-pro-image-preview' }))
        .status,
    ).toBe(400);
    expect(
      (await call(edit({ image_config: { image_size: '4K' } }), { model: 'gemini-3-pro-image-preview' }))
        .status,
    ).toBe(200);
  });

  it('refuses more than 14 images on Gemini 3 Pro', async () => {
    const parts = [{ text: 'x' }, ...Array.from({ length: 15 }, () => imagePart())];
    const { status, json } = await call(edit(undefined, parts), { model: 'gemini-3-pro-image-preview' });
    expect(status).toBe(400);
    expect(json.error.message).toContain('at most 14');
  });

  it("answers a rate limit with 429 RESOURCE_EXHAUSTED in Google's envelope", async () => {
    sim.injectFault({ type: 'rate-limit', retryAfterSeconds: 3 });
    const { status, json } = await call(edit());
    expect(status).toBe(429);
    expect(json.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
  });

  it('answers an unknown model with 404 NOT_FOUND', async () => {
    const { status, json } = await call(edit(), { model: 'gemini-9-image' });
    expect(status).toBe(404);
    expect(json.error.message).toContain('models/gemini-9-image is not found for API version v1beta');
  });

  it('answers queued outcomes in Gemini shapes', async () => {
    sim.queueOutcome('blocked-prompt');
    sim.queueOutcome('image-safety');
    sim.queueOutcome('text-only');
    const blocked = (await call(edit())).json;
    expect(blocked.promptFeedback).toEqual({ blockReason: 'SAFETY' });
    expect(blocked.candidates).toBeUndefined();
    const safety = (await call(edit())).json;
    expect(safety.candidates).toEqual([{ finishReason: 'IMAGE_SAFETY', index: 0 }]);
    const text = (await call(edit())).json;
    expect(text.candidates[0].content.parts).toEqual([{ text: expect.any(String) }]);
  });

  it('adds thought parts and thoughtsTokenCount on Gemini 3', async () => {
    const { json } = await call(edit(), { model: 'gemini-3-pro-image-preview' });
    const parts = json.candidates[0].content.parts as Record<string, unknown>[];
    expect(parts.filter((part) => part.thought)).toHaveLength(2);
    expect(json.usageMetadata.thoughtsTokenCount).toBe(96);
  });
});
