/**
 * What the official `openai` client sends for the same edit, next to what retouch sends, both
 * captured by the OpenAI simulator: path, auth, every multipart part (name, file name, type,
 * bytes) in order, and the text fields.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { imageEdit } from '@retouch/core';
import {
  createOpenAIMask,
  createPng,
  type Simulator,
  type RecordedRequest,
  startOpenAISimulator,
} from '@retouch/testing';
import OpenAI, { toFile } from 'openai';
import { createOpenAI } from './openai-provider.js';

const API_KEY = 'sk-test-openai-sdk-wire-0123456789';
let sim: Simulator;

beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: API_KEY });
});
afterAll(() => sim.close());

const a = createPng(64, 64, { color: [200, 30, 30] });
const b = createPng(64, 64, { color: [30, 30, 200] });
const mask = createOpenAIMask(64, 64, { x: 16, y: 16, width: 32, height: 32 });

function wire(request: RecordedRequest | undefined) {
  return {
    method: request?.method,
    path: request?.path,
    authorization: request?.headers.authorization,
    files: request?.files?.map((file) => [
      file.field,
      file.filename,
      file.contentType,
      file.bytes.toString('base64'),
    ]),
    fields: request?.fields,
  };
}

async function capture(send: () => Promise<unknown>) {
  sim.reset();
  await send();
  return wire(sim.requests[0]);
}

describe('retouch and the openai client send the same /images/edits', () => {
  const sdk = () => new OpenAI({ apiKey: API_KEY, baseURL: `${sim.url}/v1`, maxRetries: 0 });
  const ours = (params: Record<string, unknown>) =>
    capture(() =>
      imageEdit(params as never, { provider: createOpenAI({ apiKey: API_KEY, baseURL: `${sim.url}/v1` }) }),
    );

  it('two images, a mask and every text field', async () => {
    const fields = {
      n: 2,
      size: '1024x1536',
      quality: 'high',
      output_format: 'webp',
      output_compression: 80,
      background: 'opaque',
      user: 'user-42',
    } as const;
    const retouch = await ours({
      model: 'gpt-image-2',
      image: [a, b],
      mask,
      prompt: 'Merge them',
      ...fields,
    });
    const official = await capture(async () =>
      sdk().images.edit({
        model: 'gpt-image-2',
        image: [
          await toFile(a, 'image.png', { type: 'image/png' }),
          await toFile(b, 'image-2.png', { type: 'image/png' }),
        ],
        mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
        prompt: 'Merge them',
        ...fields,
      }),
    );
    expect(retouch).toEqual(official);
  });

  it('one image is `image`, not `image[]`, in both', async () => {
    const retouch = await ours({ model: 'gpt-image-2', image: a, prompt: 'Make it blue' });
    const official = await capture(async () =>
      sdk().images.edit({
        model: 'gpt-image-2',
        image: await toFile(a, 'image.png', { type: 'image/png' }),
        prompt: 'Make it blue',
      }),
    );
    expect(retouch).toEqual(official);
    expect(retouch.files?.[0]?.[0]).toBe('image');
  });
});
