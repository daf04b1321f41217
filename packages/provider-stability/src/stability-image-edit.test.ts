import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BadRequestError,
  ContentPolicyViolationError,
  decodePngPixels,
  getMeta,
  imageEdit,
  sniffImage,
} from '@retouch/core';
import {
  createOpenAIMask,
  createPng,
  createWebp,
  rejectionOf,
  type StabilitySimulator,
  stabilityField,
  startStabilitySimulator,
} from '@retouch/testing';
import { createStability } from './stability-provider.js';

const API_KEY = 'sk-test-stability-provider-0123456789';
let sim: StabilitySimulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startStabilitySimulator({ apiKey: API_KEY, pendingPolls: 1 });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.reset();
  process.env = { ...savedEnv };
});

const photo = createPng(64, 64, { color: [200, 40, 40] });
const style = createPng(64, 64, { color: [20, 20, 220] });
const rect = { x: 16, y: 16, width: 32, height: 32 };
const provider = () => createStability({ apiKey: API_KEY, baseURL: sim.url, pollIntervalMs: 5 });
const edit = (params: Record<string, unknown>) =>
  imageEdit(
    { model: 'stability/inpaint', image: photo, prompt: 'a red armchair', ...params } as Parameters<
      typeof imageEdit
    >[0],
    {
      provider: provider(),
    },
  );

function fileParts(): [string, string | undefined, string][] {
  return (sim.lastRequest().files ?? []).map((file) => [file.field, file.filename, file.contentType]);
}

describe('the issue: stability/inpaint with an OpenAI-style mask', () => {
  it('sends multipart with the inverted mask and returns the edited image, priced per image', async () => {
    process.env.STABILITY_API_KEY = API_KEY;
    process.env.STABILITY_API_BASE = sim.url;
    // No provider given: core resolves @retouch/provider-stability from the prefix.
    const response = await imageEdit({
      model: 'stability/inpaint',
      image: photo,
      mask: createOpenAIMask(64, 64, rect),
      prompt: 'a red armchair',
      grow_mask: 8,
    });

    const request = sim.lastRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v2beta/stable-image/edit/inpaint');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(fileParts()).toEqual([
      ['image', 'image.png', 'image/png'],
      ['mask', 'mask.png', 'image/png'],
    ]);
    expect(Buffer.compare(request.files?.[0]?.bytes as Buffer, photo)).toBe(0);
    expect(request.fields).toEqual({ prompt: ['a red armchair'], grow_mask: ['8'] });

    // OpenAI's transparent = edit became Stability's white = edit, opaque grayscale.
    const mask = await decodePngPixels(request.files?.[1]?.bytes as Buffer);
    const at = (x: number, y: number) => mask.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 4);
    expect([...at(32, 32)]).toEqual([255, 255, 255, 255]);
    expect([...at(2, 2)]).toEqual([0, 0, 0, 255]);

    // The simulator inverts the masked area of the real input.
    const result = await decodePngPixels(Buffer.from(response.data[0]?.b64_json as string, 'base64'));
    expect([...result.data.subarray((32 * 64 + 32) * 4, (32 * 64 + 32) * 4 + 3)]).toEqual([55, 215, 215]);
    expect([...result.data.subarray(0, 3)]).toEqual([200, 40, 40]);
    expect(getMeta(response)).toMatchObject({ provider: 'stability', model: 'inpaint', costUsd: 0.05 });
  });
});

describe('stability/search-and-replace', () => {
  it('sends search_prompt with the prompt', async () => {
    const response = await edit({
      model: 'stability/search-and-replace',
      prompt: 'a golden retriever',
      search_prompt: 'cat',
      output_format: 'webp',
    });
    expect(sim.lastRequest().path).toBe('/v2beta/stable-image/edit/search-and-replace');
    expect(sim.lastRequest().fields).toEqual({
      prompt: ['a golden retriever'],
      search_prompt: ['cat'],
      output_format: ['webp'],
    });
    expect(sniffImage(Buffer.from(response.data[0]?.b64_json as string, 'base64'))?.mediaType).toBe(
      'image/webp',
    );
    expect(response.output_format).toBe('webp');
  });

  it('refuses to call without search_prompt', async () => {
    const error = await rejectionOf(edit({ model: 'stability/search-and-replace' }), BadRequestError);
    expect(error.param).toBe('search_prompt');
    expect(error.message).toMatch(/search_prompt/);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('content filter', () => {
  it('turns finish_reason CONTENT_FILTERED (HTTP 200, blurred image) into a 400 ContentPolicyViolationError', async () => {
    sim.queueFinishReason('CONTENT_FILTERED');
    const error = await rejectionOf(edit({ model: 'stability/inpaint' }), ContentPolicyViolationError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('content_policy_violation');
    expect(error.message).toMatch(/CONTENT_FILTERED/);
    expect(sim.requests).toHaveLength(1);
  });

  it('fails an n > 1 call when one of its images was filtered', async () => {
    sim.queueFinishReason('SUCCESS');
    sim.queueFinishReason('CONTENT_FILTERED');
    await rejectionOf(edit({ model: 'stability/inpaint', n: 2 }), ContentPolicyViolationError);
  });
});

describe('every model goes to its own endpoint, by table', () => {
  const cases: [string, Record<string, unknown>, string, string[], Record<string, string[]>][] = [
    [
      'outpaint',
      { left: 100, down: 30 },
      '/edit/outpaint',
      ['image'],
      { prompt: ['a red armchair'], left: ['100'], down: ['30'] },
    ],
    ['erase', { prompt: '' }, '/edit/erase', ['image'], {}],
    [
      'search-and-recolor',
      { select_prompt: 'the chair' },
      '/edit/search-and-recolor',
      ['image'],
      { prompt: ['a red armchair'], select_prompt: ['the chair'] },
    ],
    ['remove-background', { prompt: '' }, '/edit/remove-background', ['image'], {}],
    [
      'sketch',
      { control_strength: 0.5 },
      '/control/sketch',
      ['image'],
      { prompt: ['a red armchair'], control_strength: ['0.5'] },
    ],
    ['structure', {}, '/control/structure', ['image'], { prompt: ['a red armchair'] }],
    [
      'style',
      { fidelity: 0.8 },
      '/control/style',
      ['image'],
      { prompt: ['a red armchair'], fidelity: ['0.8'] },
    ],
    [
      'style-transfer',
      { image: [photo, style], style_strength: 0.4 },
      '/control/style-transfer',
      ['init_image', 'style_image'],
      { prompt: ['a red armchair'], style_strength: ['0.4'] },
    ],
    ['fast', { prompt: '' }, '/upscale/fast', ['image'], {}],
    [
      'conservative',
      { creativity: 0.3 },
      '/upscale/conservative',
      ['image'],
      { prompt: ['a red armchair'], creativity: ['0.3'] },
    ],
    [
      'creative',
      { style_preset: 'cinematic' },
      '/upscale/creative',
      ['image'],
      { prompt: ['a red armchair'], style_preset: ['cinematic'] },
    ],
    [
      'replace-background-and-relight',
      { image: [photo, style], light_source_direction: 'left' },
      '/edit/replace-background-and-relight',
      ['subject_image', 'background_reference'],
      { background_prompt: ['a red armchair'], light_source_direction: ['left'] },
    ],
  ];
  it.each(cases)('stability/%s', async (model, params, path, parts, fields) => {
    const response = await edit({ model: `stability/${model}`, ...params });
    const submit = sim.requests.find((request) => request.method === 'POST');
    expect(submit?.path).toBe(`/v2beta/stable-image${path}`);
    expect(submit?.files?.map((file) => file.field)).toEqual(parts);
    expect(submit?.fields).toEqual(fields);
    expect(response.data).toHaveLength(1);
  });

  it('never routes style-transfer to control/style (LiteLLM matches by substring)', async () => {
    await edit({ model: 'stability/style-transfer', image: [photo, style] });
    expect(sim.lastRequest().path).toBe('/v2beta/stable-image/control/style-transfer');
  });

  it('maps size to the nearest aspect_ratio on style, and an explicit aspect_ratio wins', async () => {
    await edit({ model: 'stability/style', size: '1792x1024' });
    expect(stabilityField(sim.lastRequest(), 'aspect_ratio')).toBe('16:9');
    await edit({ model: 'stability/style', size: '1792x1024', aspect_ratio: '21:9' });
    expect(stabilityField(sim.lastRequest(), 'aspect_ratio')).toBe('21:9');
  });

  it('makes one call per image for n, a fixed seed going up by one per call', async () => {
    const response = await edit({ model: 'stability/inpaint', n: 3, seed: 7 });
    expect(response.data).toHaveLength(3);
    expect(sim.requests).toHaveLength(3);
    expect(sim.requests.map((request) => stabilityField(request, 'seed')).sort()).toEqual(['7', '8', '9']);
    expect(getMeta(response).costUsd).toBeCloseTo(0.15, 9);
    // 0 is Stability's "random": every call keeps it; the top seed wraps to 1, not to random 0.
    sim.reset();
    await edit({ model: 'stability/inpaint', n: 2, seed: 0 });
    expect(sim.requests.map((request) => stabilityField(request, 'seed'))).toEqual(['0', '0']);
    sim.reset();
    await edit({ model: 'stability/inpaint', n: 2, seed: 4294967294 });
    expect(sim.requests.map((request) => stabilityField(request, 'seed')).sort()).toEqual([
      '1',
      '4294967294',
    ]);
  });

  it('reads the media type from `application/json; type=…`', async () => {
    const response = await edit({
      model: 'stability/inpaint',
      output_format: 'jpeg',
      response_format: 'url',
    });
    expect(response.data[0]?.url).toMatch(/^data:image\/jpeg;base64,/);
    expect(getMeta(response).warnings).toEqual([]);
  });

  it('accepts WebP input and sends its real type', async () => {
    await edit({ model: 'stability/inpaint', image: createWebp(64, 64) });
    expect(fileParts()).toEqual([['image', 'image.webp', 'image/webp']]);
  });

  it('sends user as stability-client-user-id and the client id setting', async () => {
    const stability = createStability({
      apiKey: API_KEY,
      baseURL: sim.url,
      clientId: 'retouch-tests',
      clientVersion: '1.2.3',
    });
    await imageEdit(
      { model: 'stability/inpaint', image: photo, prompt: 'x', user: 'user-42' },
      { provider: stability },
    );
    expect(sim.lastRequest().headers).toMatchObject({
      'stability-client-user-id': 'user-42',
      'stability-client-id': 'retouch-tests',
      'stability-client-version': '1.2.3',
    });
  });
});
