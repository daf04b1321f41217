import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { toFile } from 'openai';
import { createPng, OPENAI_MODERATION_FAULT } from '@retouch/testing';
import {
  type Harness,
  IMAGE,
  IMAGE_B,
  IMAGE_C,
  MASK,
  MASTER_KEY,
  startHarness,
} from './test-support/harness.js';

let h: Harness;
let client: OpenAI;

beforeAll(async () => {
  h = await startHarness();
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${h.url}/v1`, maxRetries: 0 });
});
afterAll(() => h.close());

const png = (bytes: Uint8Array, name: string) => toFile(bytes, name, { type: 'image/png' });

describe('the official openai npm client against the proxy', () => {
  it('edits a single image', async () => {
    const response = await client.images.edit({
      model: 'gpt-image-2',
      image: await png(IMAGE, 'a.png'),
      prompt: 'Add a hat',
    });
    expect(response.data?.[0]?.b64_json).toEqual(expect.any(String));
    const upstream = h.sim.lastRequest();
    expect(upstream.files?.map((f) => f.field)).toEqual(['image']);
    expect(upstream.fields?.prompt).toEqual(['Add a hat']);
  });

  it('edits three images (sent as image[])', async () => {
    const images = await Promise.all([png(IMAGE, 'a.png'), png(IMAGE_B, 'b.png'), png(IMAGE_C, 'c.png')]);
    const response = await client.images.edit({
      model: 'gpt-image-2',
      image: images,
      prompt: 'Merge them',
      n: 2,
    });
    expect(response.data).toHaveLength(2);
    const upstream = h.sim.lastRequest();
    expect(upstream.files?.filter((f) => f.field === 'image[]')).toHaveLength(3);
    expect(upstream.fields?.n).toEqual(['2']);
  });

  it('edits with a mask', async () => {
    const response = await client.images.edit({
      model: 'gpt-image-2',
      image: await png(IMAGE, 'a.png'),
      mask: await png(MASK, 'mask.png'),
      prompt: 'Fill the corner',
    });
    expect(response.data).toHaveLength(1);
    expect(h.sim.lastRequest().files?.map((f) => f.field)).toEqual(['image', 'mask']);
  });

  it('honours response_format b64_json and url', async () => {
    const b64 = await client.images.edit({
      model: 'gpt-image-2',
      image: await png(IMAGE, 'a.png'),
      prompt: 'x',
      response_format: 'b64_json',
    });
    expect(b64.data?.[0]?.b64_json).toEqual(expect.any(String));
    const url = await client.images.edit({
      model: 'dall-e-2',
      image: await png(createPng(256, 256), 'a.png'),
      prompt: 'x',
      response_format: 'url',
      size: '256x256',
    });
    expect(url.data?.[0]?.url).toMatch(/^(https?:|data:)/);
    expect(url.data?.[0]?.b64_json).toBeUndefined();
  });

  it('exposes the retouch headers through withResponse()', async () => {
    const { response } = await client.images
      .edit({ model: 'gpt-image-2', image: await png(IMAGE, 'a.png'), prompt: 'x', quality: 'low' })
      .withResponse();
    expect(response.headers.get('x-retouch-model-group')).toBe('gpt-image-2');
    expect(response.headers.get('x-retouch-model-id')).toBe('openai-sim');
    expect(response.headers.get('x-retouch-attempts')).toBe('1');
    expect(Number(response.headers.get('x-retouch-response-cost'))).toBeGreaterThan(0);
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
  });

  it('surfaces errors as the client’s own error classes', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${h.url}/v1`, maxRetries: 0 });
    await expect(
      bad.images.edit({ model: 'gpt-image-2', image: await png(IMAGE, 'a.png'), prompt: 'x' }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const missingPrompt = client.images.edit({
      model: 'gpt-image-2',
      image: await png(IMAGE, 'a.png'),
    } as never);
    await expect(missingPrompt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(missingPrompt).rejects.toMatchObject({ status: 400, param: 'prompt' });
    await expect(
      client.images.edit({ model: 'no-such-group', image: await png(IMAGE, 'a.png'), prompt: 'x' }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    h.sim.injectFault({ type: 'rate-limit', retryAfterSeconds: 1 });
    await expect(
      client.images.edit({ model: 'gpt-image-2', image: await png(IMAGE, 'a.png'), prompt: 'x' }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    h.sim.clearFaults();
  });

  it("keeps OpenAI's moderation_blocked code on a refusal, which clients branch on", async () => {
    h.sim.injectFault(OPENAI_MODERATION_FAULT);
    const refused = client.images.edit({
      model: 'gpt-image-2',
      image: await png(IMAGE, 'a.png'),
      prompt: 'x',
    });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'moderation_blocked' });
    h.sim.clearFaults();
  });
});
