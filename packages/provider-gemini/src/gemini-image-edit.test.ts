import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  ContentPolicyViolationError,
  createProviderHttp,
  getMeta,
  type ImageEditParams,
  imageEdit,
  catalogueRow,
  RateLimitError,
  type RetouchError,
  UnsupportedParamsError,
} from '@retouch/core';
import {
  createGif,
  createJpeg,
  createOpenAIMask,
  createPng,
  type GeminiSimulator,
  geminiImageConfig,
  geminiUserParts,
  googleQuotaErrorBody,
  rejectionOf,
  startGeminiSimulator,
} from '@retouch/testing';
import { GEMINI_MODEL_SPECS, type GeminiModelSpec } from './gemini-capabilities.js';
import { GEMINI_CATALOGUE } from './gemini-catalogue.js';
import { generateContentImageEdit } from './gemini-generate-content.js';
import { createGemini, providerPackage } from './gemini-provider.js';

const API_KEY = 'AIzaSyTest-gemini-provider-0123456789ab';
let sim: GeminiSimulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startGeminiSimulator({ apiKey: API_KEY });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.reset();
  process.env = { ...savedEnv };
});

const a = createPng(64, 48, { color: [200, 30, 30] });
const b = createPng(64, 48, { color: [30, 30, 200] });
const provider = () => createGemini({ apiKey: API_KEY, baseURL: sim.url });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const body = () => sim.lastRequest().json as Record<string, unknown>;

async function anyRejection(promise: Promise<unknown>): Promise<RetouchError> {
  return rejectionOf(promise, Error as never);
}

describe('the issue: two images, size 1792x1024, through imageEdit() and the environment', () => {
  it('sends aspectRatio 16:9 with two inlineData parts and prices the answer from usageMetadata', async () => {
    process.env.GEMINI_API_KEY = API_KEY;
    process.env.GEMINI_API_BASE = sim.url;
    const prompt = 'Put the red square next to the blue one';
    const response = await imageEdit({
      model: 'gemini/gemini-2.5-flash-image',
      image: [a, b],
      prompt,
      size: '1792x1024',
    });

    const request = sim.lastRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent');
    expect([...request.query.keys()]).toEqual([]);
    expect(request.headers['x-goog-api-key']).toBe(API_KEY);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            { text: prompt },
            { inlineData: { mimeType: 'image/png', data: b64(a) } },
            { inlineData: { mimeType: 'image/png', data: b64(b) } },
          ],
        },
      ],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9' } },
    });

    expect(response.data).toHaveLength(1);
    const image = Buffer.from(response.data[0]?.b64_json ?? '', 'base64');
    expect(image.subarray(1, 4).toString()).toBe('PNG');
    expect(response.size).toMatch(/^\d+x\d+$/);
    const usage = response.usage;
    expect(usage).toBeDefined();
    const price = catalogueRow(GEMINI_CATALOGUE, 'gemini-2.5-flash-image')?.price;
    const expected =
      (usage?.input_tokens ?? 0) * (price?.input_cost_per_token ?? 0) +
      (usage?.output_tokens_details?.text_tokens ?? 0) * (price?.output_cost_per_token ?? 0) +
      (usage?.output_tokens_details?.image_tokens ?? 0) * (price?.output_cost_per_image_token ?? 0);
    expect(usage?.output_tokens_details?.image_tokens).toBe(1290);
    expect(usage?.input_tokens_details?.image_tokens).toBe(2 * 258);
    expect(getMeta(response).costUsd).toBeCloseTo(expected, 9);
    // 526 input tokens × $0.30/M + 7 text tokens × $2.50/M + 1290 image tokens × $30/M (not the $0.039 fallback).
    expect(getMeta(response).costUsd).toBe(0.0388753);
    expect(getMeta(response)).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash-image' });
  });

  it('takes a GEMINI_API_BASE that already ends in /v1beta (LiteLLM style)', async () => {
    process.env.GEMINI_API_KEY = API_KEY;
    process.env.GEMINI_API_BASE = `${sim.url}/v1beta/`;
    await imageEdit({ model: 'gemini/gemini-2.5-flash-image', image: a, prompt: 'x' });
    expect(sim.lastRequest().path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent');
  });

  it('builds from LiteLLM deployment settings (api_key, api_base)', async () => {
    const built = providerPackage.create({ api_key: API_KEY, api_base: sim.url });
    await imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x' }, { provider: built });
    expect(sim.lastRequest().headers['x-goog-api-key']).toBe(API_KEY);
  });
});

describe('imageConfig: size, quality and the extras', () => {
  it.each([
    [{ quality: 'high' }, { imageSize: '4K' }],
    [{ quality: 'medium' }, { imageSize: '2K' }],
    [
      { quality: 'low', size: '1536x1024' },
      { aspectRatio: '3:2', imageSize: '1K' },
    ],
    [{ quality: 'auto' }, undefined],
    // quality auto says nothing about the size: the tier the size implies stays.
    [
      { quality: 'auto', size: '2048x2048' },
      { aspectRatio: '1:1', imageSize: '2K' },
    ],
    // A small size asks for 512, but this model has no 512: its default (1K) stays.
    [{ size: '512x512' }, { aspectRatio: '1:1' }],
    [{ size: 'auto' }, undefined],
    [{ size: '4096x4096' }, { aspectRatio: '1:1', imageSize: '4K' }],
    [{ size: '2048x2048' }, { aspectRatio: '1:1', imageSize: '2K' }],
    [{ image_size: '2K', quality: 'high' }, { imageSize: '2K' }],
    [{ aspect_ratio: '4:5' }, { aspectRatio: '4:5' }],
  ])('gemini-3-pro-image %j → imageConfig %j', async (params, imageConfig) => {
    await imageEdit({ model: 'gemini-3-pro-image', image: a, prompt: 'x', ...params } as ImageEditParams, {
      provider: provider(),
    });
    expect(geminiImageConfig(sim.lastRequest())).toEqual(imageConfig);
  });

  it('aspect_ratio wins over size, with a warning', async () => {
    const response = await imageEdit(
      { model: 'gemini-2.5-flash-image', image: a, prompt: 'x', size: '1792x1024', aspect_ratio: '1:1' },
      { provider: provider() },
    );
    expect(geminiImageConfig(sim.lastRequest())).toEqual({ aspectRatio: '1:1' });
    expect(getMeta(response).warnings.join(' ')).toContain('aspect_ratio 1:1 wins');
  });

  it('maps an odd size to the nearest ratio and says so', async () => {
    const response = await imageEdit(
      { model: 'gemini-2.5-flash-image', image: a, prompt: 'x', size: '1000x900' },
      { provider: provider() },
    );
    expect(geminiImageConfig(sim.lastRequest())).toEqual({ aspectRatio: '1:1' });
    expect(getMeta(response).warnings.join(' ')).toContain('sent the nearest, 1:1');
  });

  it('sends the extended ratios and 512 on gemini-3.1-flash-image', async () => {
    await imageEdit(
      {
        model: 'gemini-3.1-flash-image',
        image: a,
        prompt: 'x',
        size: '4096x1024',
        image_size: '512',
      },
      { provider: provider() },
    );
    expect(geminiImageConfig(sim.lastRequest())).toEqual({ aspectRatio: '4:1', imageSize: '512' });
  });

  it('picks imageSize 512 for a small size on models that have it (read from the model table)', async () => {
    await imageEdit(
      { model: 'gemini-3.1-flash-image', image: a, prompt: 'x', size: '512x512' },
      { provider: provider() },
    );
    expect(geminiImageConfig(sim.lastRequest())).toEqual({ aspectRatio: '1:1', imageSize: '512' });
    await imageEdit(
      { model: 'gemini-3.1-flash-image', image: a, prompt: 'x', size: '768x512', quality: 'auto' },
      { provider: provider() },
    );
    expect(geminiImageConfig(sim.lastRequest())).toEqual({ aspectRatio: '3:2', imageSize: '512' });
  });

  it('passes seed, safety_settings and response_modalities', async () => {
    const safety = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }];
    await imageEdit(
      {
        model: 'gemini-2.5-flash-image',
        image: a,
        prompt: 'x',
        seed: 7,
        safety_settings: safety,
        response_modalities: ['IMAGE'],
      },
      { provider: provider() },
    );
    expect(body().generationConfig).toEqual({ responseModalities: ['IMAGE'], seed: 7 });
    expect(body().safetySettings).toEqual(safety);
  });

  it('merges extra_body deeply, so imageConfig adds to the mapped aspect ratio', async () => {
    await imageEdit(
      {
        model: 'gemini-2.5-flash-image',
        image: a,
        prompt: 'x',
        extra_body: { generationConfig: { temperature: 0.2 } },
      },
      { provider: provider() },
    );
    expect(body().generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], temperature: 0.2 });
    await imageEdit(
      {
        model: 'gemini-3-pro-image',
        image: a,
        prompt: 'x',
        size: '1792x1024',
        extra_body: { generationConfig: { imageConfig: { imageSize: '2K' } } },
      },
      { provider: provider() },
    );
    expect(geminiImageConfig(sim.lastRequest())).toEqual({ aspectRatio: '16:9', imageSize: '2K' });
  });

  it('sends the real media type of each image', async () => {
    await imageEdit(
      { model: 'gemini-3-pro-image', image: [a, createJpeg(40, 30)], prompt: 'x' },
      { provider: provider() },
    );
    const types = geminiUserParts(sim.lastRequest()).map((part) => part.inlineData?.mimeType);
    expect(types).toEqual([undefined, 'image/png', 'image/jpeg']);
  });
});

describe('many images', () => {
  it('sends 14 images to gemini-3-pro-image as 14 inlineData parts', async () => {
    const images = Array.from({ length: 14 }, (_, index) => createPng(16, 16, { color: [index * 15, 0, 0] }));
    await imageEdit(
      { model: 'gemini-3-pro-image', image: images, prompt: 'collage' },
      { provider: provider() },
    );
    const sent = geminiUserParts(sim.lastRequest()).filter((part) => part.inlineData);
    expect(sent.map((part) => part.inlineData?.data)).toEqual(images.map(b64));
  });

  it.each([
    ['gemini-2.5-flash-image', 4],
    ['gemini-3-pro-image', 15],
  ])('refuses more than the documented limit on %s before calling', async (model, count) => {
    const images = Array.from({ length: count }, () => createPng(8, 8));
    const error = await rejectionOf(
      imageEdit({ model, image: images, prompt: 'x' }, { provider: provider() }),
      BadRequestError,
    );
    expect(error.param).toBe('image');
    expect(sim.requests).toHaveLength(0);
  });
});

describe('n > 1: one generateContent call per image', () => {
  it('makes n identical calls, merges the images and sums usage and cost', async () => {
    const response = await imageEdit(
      { model: 'gemini-2.5-flash-image', image: a, prompt: 'three variants', n: 3 },
      { provider: provider() },
    );
    expect(sim.requests).toHaveLength(3);
    const bodies = sim.requests.map((request) => JSON.stringify(request.json));
    expect(new Set(bodies).size).toBe(1);
    expect(body().generationConfig).not.toHaveProperty('candidateCount');
    expect(response.data).toHaveLength(3);
    const single = await imageEdit(
      { model: 'gemini-2.5-flash-image', image: a, prompt: 'three variants' },
      { provider: provider() },
    );
    expect(response.usage?.total_tokens).toBe(3 * (single.usage?.total_tokens ?? 0));
    expect(getMeta(response).costUsd).toBeCloseTo(3 * (getMeta(single).costUsd ?? 0), 9);
  });
});

describe('n > 1 with a seed', () => {
  it('sends seed, seed + 1, … so the n images differ', async () => {
    await imageEdit(
      { model: 'gemini-2.5-flash-image', image: a, prompt: 'variants', n: 3, seed: 7 },
      { provider: provider() },
    );
    const seeds = sim.requests.map(
      (request) => (request.json as { generationConfig: { seed: number } }).generationConfig.seed,
    );
    expect(seeds.sort()).toEqual([7, 8, 9]);
  });
});

describe('what Gemini says inside a 200', () => {
  it('a blocked prompt is a 400 ContentPolicyViolationError', async () => {
    const error = await rejectionOf(
      imageEdit(
        { model: 'gemini-2.5-flash-image', image: a, prompt: 'something [sim:block]' },
        { provider: provider() },
      ),
      ContentPolicyViolationError,
    );
    expect(error.status).toBe(400);
    expect(error.message).toContain('blockReason SAFETY');
  });

  it.each([
    ['image-safety', 'IMAGE_SAFETY'],
    ['prohibited-content', 'IMAGE_PROHIBITED_CONTENT'],
  ] as const)('%s is a ContentPolicyViolationError', async (outcome, finishReason) => {
    sim.queueOutcome(outcome);
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x' }, { provider: provider() }),
      ContentPolicyViolationError,
    );
    expect(error.message).toContain(finishReason);
  });

  it('a text-only answer is a BadGatewayError "no image" quoting the model, never an empty success', async () => {
    sim.queueOutcome('text-only');
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x' }, { provider: provider() }),
      BadGatewayError,
    );
    expect(error.code).toBe('no_image');
    expect(error.message).toContain("I can't make that change");
  });

  it('NO_IMAGE is a "no image" error too', async () => {
    sim.queueOutcome('no-image');
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x' }, { provider: provider() }),
      BadGatewayError,
    );
    expect(error.message).toContain('NO_IMAGE');
  });

  it('one blocked call of n fails the whole request', async () => {
    sim.queueOutcome('image-safety');
    await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x', n: 2 }, { provider: provider() }),
      ContentPolicyViolationError,
    );
  });

  it('skips thought parts (interim images) of Gemini 3 models and bills thinking as output', async () => {
    const response = await imageEdit(
      { model: 'gemini-3-pro-image', image: a, prompt: 'x' },
      { provider: provider() },
    );
    expect(response.data).toHaveLength(1);
    const image = Buffer.from(response.data[0]?.b64_json ?? '', 'base64');
    // The interim thought image is 8x8; the result keeps the input's area.
    expect(image.readUInt32BE(16)).toBe(64);
    expect(response.usage?.output_tokens).toBe(1120 + 7 + 96);
    expect(response.usage?.output_tokens_details).toEqual({ image_tokens: 1120, text_tokens: 7 + 96 });
  });
});

describe('answers without usage, and request size', () => {
  it('prices thinking tokens at the text rate when the answer has no per-modality split', async () => {
    const png = createPng(16, 16).toString('base64');
    sim.injectFault({
      type: 'status',
      status: 200,
      body: {
        candidates: [
          {
            content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: png } }] },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: {
          promptTokenCount: 300,
          candidatesTokenCount: 1120,
          thoughtsTokenCount: 200,
          totalTokenCount: 1620,
        },
      },
    });
    const response = await imageEdit(
      { model: 'gemini-3-pro-image', image: a, prompt: 'x' },
      { provider: provider() },
    );
    expect(response.usage?.output_tokens_details).toEqual({ text_tokens: 200, image_tokens: 1120 });
    const price = catalogueRow(GEMINI_CATALOGUE, 'gemini-3-pro-image')?.price;
    const expected =
      300 * (price?.input_cost_per_token ?? 0) +
      200 * (price?.output_cost_per_token ?? 0) +
      1120 * (price?.output_cost_per_image_token ?? 0);
    expect(getMeta(response).costUsd).toBeCloseTo(expected, 9);
  });

  it('falls back to the per-image price when a response has no usageMetadata, and keeps the part mimeType', async () => {
    const jpeg = createJpeg(16, 16).toString('base64');
    sim.injectFault({
      type: 'status',
      status: 200,
      body: {
        candidates: [
          {
            content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/jpeg', data: jpeg } }] },
            finishReason: 'STOP',
          },
        ],
      },
    });
    const response = await imageEdit(
      { model: 'gemini-2.5-flash-image', image: a, prompt: 'x' },
      { provider: provider() },
    );
    expect(response.usage).toBeUndefined();
    expect(getMeta(response).costUsd).toBe(0.039);
    expect(response.output_format).toBe('jpeg');
    expect(response.size).toBe('16x16');
  });

  it('refuses a request over the 20 MB body limit before sending it', async () => {
    const big = {
      bytes: new Uint8Array(8 * 1024 * 1024),
      mediaType: 'image/png' as const,
      width: 1,
      height: 1,
      hasAlpha: false,
      filename: 'big.png',
    };
    const http = createProviderHttp({ provider: 'gemini', baseURL: `${sim.url}/v1beta` });
    const request = {
      model: 'gemini-3-pro-image',
      prompt: 'x',
      images: [big, big],
      n: 1,
      response_format: 'b64_json' as const,
      extras: {},
      dropParams: false,
    };
    const error = await rejectionOf(
      generateContentImageEdit(
        http,
        request,
        { signal: new AbortController().signal },
        {
          config: {
            provider: 'gemini',
            url: '/models/x:generateContent',
            spec: GEMINI_MODEL_SPECS['gemini-3-pro-image'] as GeminiModelSpec,
            maxConcurrency: 1,
            maxRequestBytes: 20 * 1024 * 1024,
          },
          options: {},
          warnings: [],
        },
      ),
      BadRequestError,
    );
    expect(error.status).toBe(413);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('bad input never reaches the upstream', () => {
  it.each([
    [
      'a mask',
      { mask: createOpenAIMask(64, 48, { x: 0, y: 0, width: 8, height: 8 }) },
      UnsupportedParamsError,
      'mask',
    ],
    ['quality on a one-size model', { quality: 'high' }, UnsupportedParamsError, 'quality'],
    ['image_size on a one-size model', { image_size: '2K' }, UnsupportedParamsError, 'image_size'],
    ['an aspect ratio the model lacks', { aspect_ratio: '8:1' }, BadRequestError, 'aspect_ratio'],
    ['output_format (Vertex only)', { output_format: 'jpeg' }, UnsupportedParamsError, 'output_format'],
    ['an unknown extra', { guidance_scale: 3 }, UnsupportedParamsError, 'guidance_scale'],
    ['a GIF', { image: createGif(8, 8) }, BadRequestError, 'image'],
    ['a size far off every ratio', { size: '4096x512' }, BadRequestError, 'size'],
  ])('%s', async (_name, params, ErrorClass, param) => {
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x', ...params } as never, {
        provider: provider(),
      }),
      ErrorClass,
    );
    expect(error.param).toBe(param);
    expect(sim.requests).toHaveLength(0);
  });

  it('drop_params drops the mask and image_size with warnings', async () => {
    const response = await imageEdit(
      {
        model: 'gemini-2.5-flash-image',
        image: a,
        prompt: 'x',
        mask: createOpenAIMask(64, 48, { x: 0, y: 0, width: 8, height: 8 }),
        image_size: '2K',
        drop_params: true,
      },
      { provider: provider() },
    );
    const warnings = getMeta(response).warnings.join(' | ');
    expect(warnings).toContain('dropped mask');
    expect(warnings).toContain('dropped image_size');
    expect(geminiImageConfig(sim.lastRequest())).toBeUndefined();
    expect(geminiUserParts(sim.lastRequest())).toHaveLength(2);
  });

  it('a missing key names the variables to set', async () => {
    delete process.env.GEMINI_API_KEY;
    delete process.env.GOOGLE_API_KEY;
    const error = await rejectionOf(
      imageEdit(
        { model: 'gemini-2.5-flash-image', image: a, prompt: 'x' },
        { provider: createGemini({ baseURL: sim.url }) },
      ),
      AuthenticationError,
    );
    expect(error.message).toContain('GEMINI_API_KEY');
    expect(sim.requests).toHaveLength(0);
  });

  it('falls back to GOOGLE_API_KEY', async () => {
    delete process.env.GEMINI_API_KEY;
    process.env.GOOGLE_API_KEY = API_KEY;
    await imageEdit(
      { model: 'gemini-2.5-flash-image', image: a, prompt: 'x' },
      { provider: createGemini({ baseURL: sim.url }) },
    );
    expect(sim.lastRequest().headers['x-goog-api-key']).toBe(API_KEY);
  });
});

describe('errors and the API key', () => {
  it('an invalid key (Gemini answers 400 API_KEY_INVALID) is an AuthenticationError', async () => {
    const wrong = 'AIzaSyWrong-key-gemini-provider-000000000';
    const error = await rejectionOf(
      imageEdit(
        { model: 'gemini-2.5-flash-image', image: a, prompt: 'x' },
        { provider: createGemini({ apiKey: wrong, baseURL: sim.url }) },
      ),
      AuthenticationError,
    );
    expect(error.status).toBe(401);
    expect(error.code).toBe('API_KEY_INVALID');
    expect(JSON.stringify(error)).not.toContain(wrong);
  });

  it('a 429 RESOURCE_EXHAUSTED takes its wait from RetryInfo', async () => {
    sim.injectFault({ type: 'status', status: 429, body: googleQuotaErrorBody(37) });
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x' }, { provider: provider() }),
      RateLimitError,
    );
    expect(error.retryAfterMs).toBe(37_000);
    expect(error.code).toBe('RESOURCE_EXHAUSTED');
  });

  it('an unknown field upstream is a 400 naming it', async () => {
    const error = await rejectionOf(
      imageEdit(
        {
          model: 'gemini-2.5-flash-image',
          image: a,
          prompt: 'x',
          extra_body: { generationConfig: { aspectRatio: '1:1' } },
        },
        { provider: provider() },
      ),
      BadRequestError,
    );
    expect(error.message).toContain('Unknown name "aspectRatio"');
    expect(error.code).toBe('INVALID_ARGUMENT');
  });

  it('the key appears in no URL, no error and no warning', async () => {
    const errors: unknown[] = [];
    sim.injectFault({
      type: 'status',
      status: 500,
      body: { error: { code: 500, message: `internal error for key=${API_KEY}`, status: 'INTERNAL' } },
    });
    errors.push(
      await anyRejection(
        imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x' }, { provider: provider() }),
      ),
    );
    sim.queueOutcome('text-only');
    errors.push(
      await anyRejection(
        imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x' }, { provider: provider() }),
      ),
    );
    sim.injectFault({ type: 'reset' });
    errors.push(
      await anyRejection(
        imageEdit({ model: 'gemini-2.5-flash-image', image: a, prompt: 'x' }, { provider: provider() }),
      ),
    );
    const ok = await imageEdit(
      { model: 'gemini-2.5-flash-image', image: a, prompt: 'x', size: '1000x900' },
      { provider: provider() },
    );

    expect(sim.requests.length).toBeGreaterThanOrEqual(4);
    for (const request of sim.requests) {
      expect(`${request.path}?${request.query.toString()}`).not.toContain(API_KEY);
      expect(request.query.has('key')).toBe(false);
    }
    for (const error of errors) {
      const e = error as RetouchError;
      for (const text of [
        e.message,
        JSON.stringify(e),
        e.upstreamBody ?? '',
        e.stack ?? '',
        String(e.cause ?? ''),
      ]) {
        expect(text).not.toContain(API_KEY);
      }
    }
    expect(JSON.stringify(getMeta(ok))).not.toContain(API_KEY);
  });
});
