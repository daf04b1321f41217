/**
 * What `@google/genai` (Google's official client) sends for the same edit, next to what retouch
 * sends, both captured by the Gemini simulator: path, key header and body, field for field.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GoogleGenAI } from '@google/genai';
import { imageEdit } from '@retouch/core';
import { createPng, type GeminiSimulator, startGeminiSimulator } from '@retouch/testing';
import { createGemini } from './gemini-provider.js';

const API_KEY = 'AIzaSyTest-gemini-sdk-wire-0123456789';
let sim: GeminiSimulator;

beforeAll(async () => {
  sim = await startGeminiSimulator({ apiKey: API_KEY });
});
afterAll(() => sim.close());

const a = createPng(64, 48, { color: [200, 30, 30] });
const b = createPng(64, 48, { color: [30, 30, 200] });
const inline = (png: Buffer) => ({ inlineData: { mimeType: 'image/png', data: png.toString('base64') } });

async function capture(send: () => Promise<unknown>) {
  sim.reset();
  await send();
  const [request] = sim.requests;
  return { path: request?.path, key: request?.headers['x-goog-api-key'], json: request?.json };
}

describe('retouch and @google/genai send the same generateContent', () => {
  it('two images, aspect ratio, image size, seed, safety settings', async () => {
    const safety = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }];
    const ours = await capture(() =>
      imageEdit(
        {
          model: 'gemini-3-pro-image',
          image: [a, b],
          prompt: 'Put the red square next to the blue one',
          size: '1792x1024',
          quality: 'medium',
          seed: 7,
          safety_settings: safety,
        } as never,
        { provider: createGemini({ apiKey: API_KEY, baseURL: sim.url }) },
      ),
    );
    // Its own fetch: the SDK's default undici dispatcher is not reachable inside Jest's VM context.
    const sdk = new GoogleGenAI({
      apiKey: API_KEY,
      httpOptions: {
        baseUrl: sim.url,
        fetch: (url: string | URL | Request, init?: RequestInit) => fetch(url, init),
      } as never,
    });
    const theirs = await capture(() =>
      sdk.models.generateContent({
        model: 'gemini-3-pro-image',
        contents: [
          {
            role: 'user',
            parts: [{ text: 'Put the red square next to the blue one' }, inline(a), inline(b)],
          },
        ],
        config: {
          responseModalities: ['TEXT', 'IMAGE'],
          imageConfig: { aspectRatio: '16:9', imageSize: '2K' },
          seed: 7,
          safetySettings: safety as never,
        },
      }),
    );
    expect(ours.path).toBe(theirs.path);
    expect(ours.key).toBe(theirs.key);
    expect(ours.json).toEqual(theirs.json);
  });
});
