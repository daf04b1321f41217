import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  ContentPolicyViolationError,
  getMeta,
  imageEdit,
  RateLimitError,
  toDataUrl,
  UnsupportedParamsError,
} from '@retouch/core';
import {
  createOpenAIMask,
  createPng,
  isOpenRouterImageRequest,
  OPENROUTER_CHAT_PATH,
  OPENROUTER_IMAGES_PATH,
  type OpenRouterSimulator,
  rejectionOf,
  startOpenRouterSimulator,
} from '@retouch/testing';
import { createOpenRouter } from './openrouter-provider.js';

const API_KEY = 'sk-or-v1-test-0123456789abcdef';
let sim: OpenRouterSimulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startOpenRouterSimulator({
    apiKey: API_KEY,
    models: { 'acme/brand-new-image': { endpoints: ['images'], output: ['image'], costPerImage: 0.02 } },
  });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.reset();
  process.env = { ...savedEnv };
});

const a = createPng(64, 64, { color: [200, 30, 30] });
const b = createPng(64, 64, { color: [30, 30, 200] });
const url = (png: Buffer) => toDataUrl({ bytes: png, mediaType: 'image/png' });
const provider = (extra: Parameters<typeof createOpenRouter>[0] = {}) =>
  createOpenRouter({ apiKey: API_KEY, baseURL: `${sim.url}/api/v1`, ...extra });
const edit = (
  params: Record<string, unknown> & { model: string },
  extra: Parameters<typeof createOpenRouter>[0] = {},
) => imageEdit({ image: a, prompt: 'Merge them', ...params }, { provider: provider(extra) });
const calls = () => sim.requests.filter(isOpenRouterImageRequest);

describe('the issue: the seed call, through imageEdit() and the environment', () => {
  it('gemini-2.5-flash-image with two images, 1536x1024, high → chat with aspect_ratio 3:2 and its only size, 1K, with a warning', async () => {
    process.env.OPENROUTER_API_KEY = API_KEY;
    process.env.OPENROUTER_API_BASE = `${sim.url}/api/v1`;
    process.env.OR_SITE_URL = 'https://retouch.example';
    process.env.OR_APP_NAME = 'retouch tests';
    // No provider given: core loads @retouch/provider-openrouter from the prefix.
    const response = await imageEdit({
      model: 'openrouter/google/gemini-2.5-flash-image',
      image: [a, b],
      prompt: 'Merge them',
      size: '1536x1024',
      quality: 'high',
    });

    expect(calls()).toHaveLength(1);
    const request = sim.lastRequest();
    expect(request.path).toBe(OPENROUTER_CHAT_PATH);
    expect(request.headers).toMatchObject({
      authorization: `Bearer ${API_KEY}`,
      'content-type': 'application/json',
      'http-referer': 'https://retouch.example',
      'x-openrouter-title': 'retouch tests',
    });
    expect(request.json).toEqual({
      model: 'google/gemini-2.5-flash-image',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Merge them' },
            { type: 'image_url', image_url: { url: url(a) } },
            { type: 'image_url', image_url: { url: url(b) } },
          ],
        },
      ],
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: '3:2', image_size: '1K' },
    });
    expect(getMeta(response).warnings).toContain(
      'quality high: google/gemini-2.5-flash-image makes 1K images only; sent 1K instead of 4K',
    );
    expect(response.data).toHaveLength(1);
    expect(typeof response.data[0]?.b64_json).toBe('string');
    const meta = getMeta(response);
    expect(meta).toMatchObject({
      provider: 'openrouter',
      model: 'google/gemini-2.5-flash-image',
      costUsd: 0.039,
    });
    expect(meta.upstreamRequestId).toMatch(/^gen-/);
    expect(response.usage).toEqual({
      input_tokens: 3 + 2 * 258, // ceil(10 prompt characters / 4) + 258 per input image
      output_tokens: 1302,
      total_tokens: 3 + 2 * 258 + 1302,
      output_tokens_details: { image_tokens: 1290, text_tokens: 12 },
    });
  });

  it('sends the same call to /images with openrouter_endpoint: images (the explicit size, as is)', async () => {
    await edit({
      model: 'google/gemini-2.5-flash-image',
      image: [a, b],
      size: '1536x1024',
      quality: 'high',
      openrouter_endpoint: 'images',
    });
    const request = sim.lastRequest();
    expect(request.path).toBe(OPENROUTER_IMAGES_PATH);
    expect(request.json).toEqual({
      model: 'google/gemini-2.5-flash-image',
      prompt: 'Merge them',
      input_references: [
        { type: 'image_url', image_url: { url: url(a) } },
        { type: 'image_url', image_url: { url: url(b) } },
      ],
      // The spec: "An explicit pixel size is authoritative"; quality rides as OpenRouter's own field.
      size: '1536x1024',
      quality: 'high',
    });
    // No attribution headers unless configured.
    expect(request.headers['http-referer']).toBeUndefined();
    expect(request.headers['x-openrouter-title']).toBeUndefined();
  });
});

describe('the /images path', () => {
  it('sends gpt-image its own quality, native n, output fields, and lets the extras win', async () => {
    const response = await edit(
      {
        model: 'openai/gpt-image-2',
        quality: 'high',
        n: 2,
        output_format: 'webp',
        output_compression: 80,
        background: 'opaque',
        seed: 5,
        provider: { only: ['openai'] },
        aspect_ratio: '9:16',
      },
      { siteUrl: 'https://app.example', appName: 'App' },
    );
    const request = sim.lastRequest();
    expect(request.json).toEqual({
      model: 'openai/gpt-image-2',
      prompt: 'Merge them',
      input_references: [{ type: 'image_url', image_url: { url: url(a) } }],
      n: 2,
      aspect_ratio: '9:16',
      quality: 'high',
      output_format: 'webp',
      output_compression: 80,
      background: 'opaque',
      seed: 5,
      provider: { only: ['openai'] },
    });
    expect(request.headers).toMatchObject({
      'http-referer': 'https://app.example',
      'x-openrouter-title': 'App',
    });
    expect(response.data).toHaveLength(2);
    expect(getMeta(response).costUsd).toBe(0.106);
    // image_size picks the resolution tier even for gpt-image.
    await edit({ model: 'openai/gpt-image-2', quality: 'low', image_size: '0.5K' });
    expect(sim.lastRequest().json).toMatchObject({ resolution: '512' });
    expect(sim.lastRequest().json).not.toHaveProperty('quality');
  });

  it('serves any author/slug model on /images', async () => {
    const response = await edit({ model: 'acme/brand-new-image', quality: 'medium' });
    expect(sim.lastRequest().json).toMatchObject({ model: 'acme/brand-new-image', resolution: '2K' });
    expect(getMeta(response).costUsd).toBe(0.02);
  });

  it('sends an explicit pixel size as size, never reduced to an aspect ratio', async () => {
    await edit({ model: 'black-forest-labs/flux.2-pro', size: '2048x1152' });
    expect(sim.lastRequest().json).toMatchObject({ size: '2048x1152' });
    expect(sim.lastRequest().json).not.toHaveProperty('aspect_ratio');
    expect(sim.lastRequest().json).not.toHaveProperty('resolution');
    // A matching aspect_ratio may ride along; a mismatched one or an image_size is refused before any call.
    await edit({ model: 'black-forest-labs/flux.2-pro', size: '2048x1152', aspect_ratio: '16:9' });
    expect(sim.lastRequest().json).toMatchObject({ size: '2048x1152', aspect_ratio: '16:9' });
    sim.reset();
    const mismatch = await rejectionOf(
      edit({ model: 'black-forest-labs/flux.2-pro', size: '2048x1152', aspect_ratio: '1:1' }),
      BadRequestError,
    );
    expect(mismatch.param).toBe('aspect_ratio');
    const both = await rejectionOf(
      edit({ model: 'black-forest-labs/flux.2-pro', size: '2048x1152', image_size: '2K' }),
      BadRequestError,
    );
    expect(both.param).toBe('image_size');
    expect(sim.requests).toHaveLength(0);
  });

  it('fans n out over single-image models (FLUX.2, any unlisted model), seed + i per call', async () => {
    const response = await edit({ model: 'black-forest-labs/flux.2-pro', n: 3, seed: 10 });
    expect(calls()).toHaveLength(3);
    for (const request of calls()) expect(request.json).not.toHaveProperty('n');
    expect(
      calls()
        .map((request) => (request.json as { seed: number }).seed)
        .sort(),
    ).toEqual([10, 11, 12]);
    expect(response.data).toHaveLength(3);
    expect(getMeta(response).costUsd).toBeCloseTo(0.09, 9);
    sim.reset();
    await edit({ model: 'acme/brand-new-image', n: 2 });
    expect(calls()).toHaveLength(2);
    // gpt-image makes n in one call, also when retouch does not list the model.
    sim.reset();
    await edit({ model: 'openai/gpt-image-2', n: 2 });
    expect(calls()).toHaveLength(1);
    expect(sim.lastRequest().json).toMatchObject({ n: 2 });
  });

  it('passes quality as quality for any OpenAI model, and lowers a tier a model lacks with a warning', async () => {
    const unlisted = await startOpenRouterSimulator({
      apiKey: API_KEY,
      models: {
        'openai/gpt-image-9': { endpoints: ['images'], output: ['image'], costPerImage: 0.05, maxN: 10 },
      },
    });
    try {
      await imageEdit(
        { model: 'openai/gpt-image-9', image: a, prompt: 'x', quality: 'high' },
        { provider: createOpenRouter({ apiKey: API_KEY, baseURL: `${unlisted.url}/api/v1` }) },
      );
      expect(unlisted.lastRequest().json).toMatchObject({ quality: 'high' });
      expect(unlisted.lastRequest().json).not.toHaveProperty('resolution');
    } finally {
      await unlisted.close();
    }
    const response = await edit({
      model: 'google/gemini-2.5-flash-image',
      openrouter_endpoint: 'images',
      quality: 'high',
    });
    expect(sim.lastRequest().json).toMatchObject({ resolution: '1K' });
    expect(getMeta(response).warnings).toContain(
      'quality high: google/gemini-2.5-flash-image makes 1K images only; sent 1K instead of 4K',
    );
  });

  it('warns when fewer images come back than n asked for', async () => {
    sim.queueOutcome('fewer-images');
    const response = await edit({ model: 'openai/gpt-image-2', n: 3 });
    expect(response.data).toHaveLength(1);
    expect(getMeta(response).warnings).toContain('n: asked for 3 images, openai/gpt-image-2 returned 1');
  });

  it('refuses chat-only extras on /images, and chat for image-only models', async () => {
    const chatOnly = await rejectionOf(
      edit({ model: 'openai/gpt-image-2', image_config: { strength: 0.5 } }),
      UnsupportedParamsError,
    );
    expect(chatOnly.param).toBe('image_config');
    const wrongPath = await rejectionOf(
      edit({ model: 'openai/gpt-image-2', openrouter_endpoint: 'chat' }),
      BadRequestError,
    );
    expect(wrongPath.param).toBe('openrouter_endpoint');
    expect(wrongPath.message).toContain("served on OpenRouter's images path only");
    expect(sim.requests).toHaveLength(0);
  });
});

describe('the chat path', () => {
  it('asks image-only models for modalities ["image"] and merges n calls', async () => {
    const response = await edit({
      model: 'black-forest-labs/flux.2-pro',
      openrouter_endpoint: 'chat',
      n: 2,
      seed: 3,
      user: 'user-42',
    });
    expect(calls()).toHaveLength(2);
    expect(sim.lastRequest().json).toMatchObject({ modalities: ['image'], user: 'user-42' });
    expect(
      calls()
        .map((request) => (request.json as { seed: number }).seed)
        .sort(),
    ).toEqual([3, 4]);
    expect(sim.lastRequest().json).not.toHaveProperty('image_config');
    expect(response.data).toHaveLength(2);
    expect(getMeta(response).costUsd).toBeCloseTo(0.06);
  });

  it('checks aspect ratios and sizes per model', async () => {
    const tooWide = await rejectionOf(
      edit({ model: 'google/gemini-2.5-flash-image', aspect_ratio: '4:1' }),
      BadRequestError,
    );
    expect(tooWide.param).toBe('aspect_ratio');
    expect(sim.requests).toHaveLength(0);
    await edit({ model: 'google/gemini-3.1-flash-image-preview', aspect_ratio: '4:1', image_size: '0.5K' });
    expect(sim.lastRequest().json).toMatchObject({
      image_config: { aspect_ratio: '4:1', image_size: '0.5K' },
    });
    const response = await edit({ model: 'google/gemini-2.5-flash-image', size: '1000x900' });
    expect(sim.lastRequest().json).toMatchObject({ image_config: { aspect_ratio: '1:1' } });
    expect(getMeta(response).warnings).toContain(
      'size 1000x900: sent as aspect_ratio 1:1, the nearest one google/gemini-2.5-flash-image takes',
    );
  });

  it('refuses /images-only fields unless drop_params, and a mask always', async () => {
    const format = await rejectionOf(
      edit({ model: 'google/gemini-2.5-flash-image', output_format: 'jpeg' }),
      UnsupportedParamsError,
    );
    expect(format.message).toContain('openrouter_endpoint: "images"');
    const mask = await rejectionOf(
      edit({
        model: 'google/gemini-2.5-flash-image',
        mask: createOpenAIMask(64, 64, { x: 0, y: 0, width: 8, height: 8 }),
      }),
      UnsupportedParamsError,
    );
    expect(mask.param).toBe('mask');
    expect(sim.requests).toHaveLength(0);
    const dropped = await edit({
      model: 'google/gemini-2.5-flash-image',
      output_format: 'jpeg',
      mask: createOpenAIMask(64, 64, { x: 0, y: 0, width: 8, height: 8 }),
      drop_params: true,
    });
    expect(getMeta(dropped).warnings).toEqual([
      'dropped mask: openrouter/google/gemini-2.5-flash-image does not support it',
      'dropped output_format: openrouter/google/gemini-2.5-flash-image on the chat path does not support it',
    ]);
    expect(sim.lastRequest().json).not.toHaveProperty('output_format');
  });
});

describe('errors', () => {
  const gemini = { model: 'google/gemini-2.5-flash-image' };

  it('maps a content filter to ContentPolicyViolationError, a provider error and a text-only answer to 502s', async () => {
    sim.queueOutcome('content_filter');
    expect((await rejectionOf(edit(gemini), ContentPolicyViolationError)).status).toBe(400);
    sim.queueOutcome('error');
    const failed = await rejectionOf(edit(gemini), BadGatewayError);
    expect([failed.code, failed.isRetryable]).toEqual(['upstream_generation_failed', true]);
    sim.queueOutcome('text-only');
    const textOnly = await rejectionOf(edit(gemini), BadGatewayError);
    expect(textOnly.code).toBe('no_image');
    expect(textOnly.message).toContain('I can only describe the edit in words.');
  });

  it('maps a moderation 403 to ContentPolicyViolationError', async () => {
    sim.queueOutcome('flagged');
    const error = await rejectionOf(edit({ model: 'openai/gpt-image-2' }), ContentPolicyViolationError);
    expect(error.message).toContain('flagged the input (violence)');
  });

  it('maps 402 (credits), 429 and 502 (failed, not billed)', async () => {
    const body = (status: number, message: string) => ({ error: { code: status, message } });
    sim.injectFault({ type: 'status', status: 402, body: body(402, 'Insufficient credits') });
    const credits = await rejectionOf(edit(gemini), BadRequestError);
    expect([credits.status, credits.code, credits.isRetryable]).toEqual([402, 'insufficient_credits', false]);
    expect(credits.message).toContain('https://openrouter.ai/credits');
    sim.injectFault({ type: 'rate-limit', retryAfterSeconds: 3 });
    expect((await rejectionOf(edit(gemini), RateLimitError)).retryAfterMs).toBe(3000);
    sim.injectFault({
      type: 'status',
      status: 502,
      body: {
        error: {
          code: 502,
          message: 'Provider returned error',
          metadata: { provider_name: 'Google', raw: 'overloaded' },
        },
      },
    });
    const failed = await rejectionOf(edit(gemini), BadGatewayError);
    expect(failed.message).toContain('does not bill failed generations');
    expect(failed.message).toContain('provider Google: overloaded');
    expect(failed.isRetryable).toBe(true);
  });

  it('prices from the token table when OpenRouter reports no cost', async () => {
    const quiet = await startOpenRouterSimulator({ apiKey: API_KEY, reportCost: false });
    try {
      const response = await imageEdit(
        { model: 'google/gemini-2.5-flash-image', image: a, prompt: 'Merge them' },
        { provider: createOpenRouter({ apiKey: API_KEY, baseURL: `${quiet.url}/api/v1` }) },
      );
      // 261 input tokens at $0.30/M, 12 text tokens at $2.50/M, 1290 image tokens at $30/M.
      expect(getMeta(response).costUsd).toBeCloseTo(261 * 0.3e-6 + 12 * 2.5e-6 + 1290 * 30e-6, 9);
    } finally {
      await quiet.close();
    }
  });

  it('fails a call without a key, naming OPENROUTER_API_KEY, before any request', async () => {
    delete process.env.OPENROUTER_API_KEY;
    const error = await rejectionOf(
      imageEdit(
        { model: 'openai/gpt-image-2', image: a, prompt: 'x' },
        { provider: createOpenRouter({ baseURL: `${sim.url}/api/v1` }) },
      ),
      AuthenticationError,
    );
    expect(error.message).toContain('OPENROUTER_API_KEY');
    expect(sim.requests).toHaveLength(0);
  });
});
