import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  BadRequestError,
  ContentPolicyViolationError,
  getMeta,
  imageEdit,
  NotFoundError,
  RetouchError,
  UnsupportedParamsError,
} from '@retouch/core';
import {
  createOpenAIMask,
  createPng,
  createWhiteMask,
  NOT_AN_IMAGE,
  OPENAI_MODERATION_FAULT,
  openAIField,
  type Simulator,
  startOpenAISimulator,
} from '@retouch/testing';
import { createOpenAI, providerPackage } from './openai-provider.js';

const API_KEY = 'sk-test-openai-provider-0123456789';
let sim: Simulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: API_KEY, echoKeyInErrors: true });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.reset();
  process.env = { ...savedEnv };
});

const a = createPng(64, 64, { color: [200, 30, 30] });
const b = createPng(64, 64, { color: [30, 30, 200] });
const mask = createOpenAIMask(64, 64, { x: 16, y: 16, width: 32, height: 32 });
const provider = () => createOpenAI({ apiKey: API_KEY, baseURL: `${sim.url}/v1` });

async function rejection(promise: Promise<unknown>): Promise<RetouchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!RetouchError.isInstance(error)) throw new Error(`expected a RetouchError, got ${String(error)}`);
  return error;
}

describe('the issue: gpt-image-2 with two images, a mask, n: 2', () => {
  it('sends the multipart the official client sends and prices the call from usage', async () => {
    process.env.OPENAI_API_KEY = API_KEY;
    process.env.OPENAI_BASE_URL = `${sim.url}/v1`;
    // No provider given: core resolves @retouch/provider-openai from the bare model name.
    const response = await imageEdit({
      model: 'gpt-image-2',
      image: [a, b],
      mask,
      prompt: 'Merge the two squares',
      n: 2,
      size: '1024x1024',
    });

    const request = sim.lastRequest();
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const files = request.files ?? [];
    expect(files.map((f) => [f.field, f.filename, f.contentType])).toEqual([
      ['image[]', 'image.png', 'image/png'],
      ['image[]', 'image-2.png', 'image/png'],
      ['mask', 'mask.png', 'image/png'],
    ]);
    expect(Buffer.compare(files[0]!.bytes, a)).toBe(0);
    expect(Buffer.compare(files[1]!.bytes, b)).toBe(0);
    expect(Buffer.compare(files[2]!.bytes, mask)).toBe(0);
    expect(request.fields).toEqual({
      model: ['gpt-image-2'],
      prompt: ['Merge the two squares'],
      n: ['2'],
      size: ['1024x1024'],
    });

    expect(response.data).toHaveLength(2);
    const usage = response.usage!;
    const imageIn = usage.input_tokens_details?.image_tokens ?? 0;
    const textIn = usage.input_tokens_details?.text_tokens ?? 0;
    // gpt-image-2: $5 text in, $8 image in, $30 image out per 1M tokens.
    const expected = textIn * 5e-6 + imageIn * 8e-6 + usage.output_tokens * 30e-6;
    expect(getMeta(response).costUsd).toBeCloseTo(expected, 9);
    expect(getMeta(response)).toMatchObject({ provider: 'openai', model: 'gpt-image-2', attempts: 1 });
    expect(JSON.stringify(response)).not.toContain('_meta');
  });

  it('sends one image as `image`, not `image[]`', async () => {
    await imageEdit({ model: 'gpt-image-2', image: a, prompt: 'x' }, { provider: provider() });
    expect(sim.lastRequest().files?.map((f) => f.field)).toEqual(['image']);
  });
});

describe('bad input never reaches the upstream', () => {
  it.each([
    ['a non-image file', { model: 'gpt-image-2', image: NOT_AN_IMAGE }, BadRequestError, 'image'],
    [
      'a mask of the wrong size',
      { model: 'gpt-image-2', image: a, mask: createOpenAIMask(32, 32, { x: 0, y: 0, width: 8, height: 8 }) },
      BadRequestError,
      'mask',
    ],
    ['two images for dall-e-2 (sent anyway)', { model: 'dall-e-2', image: [a, b] }, BadRequestError, 'image'],
    ['n: 11', { model: 'gpt-image-2', image: a, n: 11 }, BadRequestError, 'n'],
    ['an unknown param', { model: 'gpt-image-2', image: a, seed: 42 }, UnsupportedParamsError, 'seed'],
    [
      'input_fidelity on gpt-image-1-mini (sent anyway)',
      { model: 'gpt-image-1-mini', image: a, input_fidelity: 'high' },
      UnsupportedParamsError,
      'input_fidelity',
    ],
    [
      'a non-square dall-e-2 image (sent anyway)',
      { model: 'dall-e-2', image: createPng(64, 32) },
      BadRequestError,
      'image',
    ],
    [
      'a gpt-image-2 size under its pixel floor',
      { model: 'gpt-image-2', image: a, size: '512x512' },
      BadRequestError,
      'size',
    ],
    [
      'output_compression with png',
      { model: 'gpt-image-2', image: a, output_compression: 50 },
      BadRequestError,
      'output_compression',
    ],
    [
      'input_fidelity on gpt-image-2 (OpenAI: omit it)',
      { model: 'gpt-image-2', image: a, input_fidelity: 'low' },
      UnsupportedParamsError,
      'input_fidelity',
    ],
    ['a model of no OpenAI family', { model: 'openai/dall-e-9', image: a }, NotFoundError, 'model'],
  ])('%s', async (_name, params, ErrorClass, param) => {
    // Retired models are sent anyway here: these cases test their own rules.
    const error = await rejection(
      imageEdit({ prompt: 'x', ...params } as never, { provider: provider(), allowRetired: true }),
    );
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.param).toBe(param);
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
    expect(sim.requests).toHaveLength(0);
  });

  it('a missing API key names the variable to set', async () => {
    delete process.env.OPENAI_API_KEY;
    const keyless = createOpenAI({ baseURL: `${sim.url}/v1` });
    const error = await rejection(
      imageEdit({ model: 'gpt-image-2', image: a, prompt: 'x' }, { provider: keyless }),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(sim.requests).toHaveLength(0);
  });

  it('providerConfig takes apiKey as well as api_key, and the missing-key hint names the right setting for each place', async () => {
    delete process.env.OPENAI_API_KEY;
    for (const providerConfig of [
      { api_key: API_KEY, api_base: `${sim.url}/v1` },
      { apiKey: API_KEY, baseURL: `${sim.url}/v1` },
    ]) {
      const response = await imageEdit({ model: 'gpt-image-2', image: a, prompt: 'x' }, { providerConfig });
      expect(response.data).toHaveLength(1);
    }
    expect(sim.requests.map((r) => r.headers.authorization)).toEqual(Array(2).fill(`Bearer ${API_KEY}`));
    const error = await rejection(
      imageEdit(
        { model: 'gpt-image-2', image: a, prompt: 'x' },
        { providerConfig: { api_base: `${sim.url}/v1` } },
      ),
    );
    expect(error.message).toBe(
      'openai: no API key. Set OPENAI_API_KEY, or give the key as api_key (config.yaml litellm_params, imageEdit providerConfig) or apiKey (the provider settings).',
    );
    expect(createOpenAI({}).configurationProblem?.()).toBe(error.message);
    expect(createOpenAI({ apiKey: API_KEY }).configurationProblem?.()).toBeUndefined();
  });

  it('drop_params drops an unknown param with a warning', async () => {
    const response = await imageEdit(
      { model: 'gpt-image-2', image: a, prompt: 'x', seed: 42, drop_params: true },
      { provider: provider() },
    );
    expect(getMeta(response).warnings).toContain('dropped seed: openai/gpt-image-2 does not support it');
    expect(sim.lastRequest().fields?.seed).toBeUndefined();
  });
});

describe('upstream failures', () => {
  it('a 401 echoing the key gives an AuthenticationError without the key anywhere', async () => {
    const wrongKey = 'sk-wrong-key-that-must-not-leak-987654';
    const bad = createOpenAI({ apiKey: wrongKey, baseURL: `${sim.url}/v1` });
    const error = await rejection(
      imageEdit({ model: 'gpt-image-2', image: a, prompt: 'x' }, { provider: bad }),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(sim.lastRequest().headers.authorization).toBe(`Bearer ${wrongKey}`);
    for (const text of [
      error.message,
      JSON.stringify(error),
      error.upstreamBody ?? '',
      String(error.stack),
    ]) {
      expect(text).not.toContain(wrongKey);
    }
    expect(error.message).toContain('Check OPENAI_API_KEY');
  });

  it("a moderation refusal is a ContentPolicyViolationError that keeps OpenAI's code", async () => {
    sim.injectFault(OPENAI_MODERATION_FAULT);
    const error = await rejection(
      imageEdit({ model: 'gpt-image-2', image: a, prompt: 'x' }, { provider: provider() }),
    );
    expect(error).toBeInstanceOf(ContentPolicyViolationError);
    // Clients branch on OpenAI's own code.
    expect(error.toJSON().error.code).toBe('moderation_blocked');
    expect(error.code).toBe('moderation_blocked');
  });

  it('passes unknown usage fields and top-level fields through as they came', async () => {
    sim.injectFault({
      type: 'status',
      status: 200,
      body: {
        created: 1767225600,
        data: [{ b64_json: a.toString('base64') }],
        usage: {
          input_tokens: 50,
          output_tokens: 1056,
          total_tokens: 1106,
          input_tokens_details: { text_tokens: 10, image_tokens: 40, cached_tokens: 32 },
          output_tokens_details: { image_tokens: 1056, text_tokens: 0, reasoning_tokens: 0 },
        },
        output_format: 'png',
        quality: 'medium',
        size: '1024x1024',
        background: 'opaque',
        moderation: { flagged: false },
      },
    });
    const response = await imageEdit(
      { model: 'gpt-image-2', image: a, prompt: 'x', response_format: 'b64_json' },
      { provider: provider() },
    );
    const json = JSON.parse(JSON.stringify(response));
    expect(json.usage.input_tokens_details).toEqual({ text_tokens: 10, image_tokens: 40, cached_tokens: 32 });
    expect(json.usage.output_tokens_details).toMatchObject({ reasoning_tokens: 0 });
    expect(json.moderation).toEqual({ flagged: false });
    expect(json).toMatchObject({
      output_format: 'png',
      quality: 'medium',
      size: '1024x1024',
      background: 'opaque',
    });
  });
});

// dall-e-2 was shut down on 2026-05-12; its mapping stays for callers who send it anyway.
describe('dall-e-2 (sent anyway)', () => {
  it('sends `image`, response_format and is priced per image by size', async () => {
    const response = await imageEdit(
      { model: 'dall-e-2', image: a, mask, prompt: 'x', n: 2, size: '256x256', response_format: 'url' },
      { provider: provider(), allowRetired: true },
    );
    const request = sim.lastRequest();
    expect(request.files?.map((f) => f.field)).toEqual(['image', 'mask']);
    expect(openAIField(request, 'response_format')).toBe('url');
    expect(response.data.every((d) => d.url?.startsWith(sim.url))).toBe(true);
    expect(getMeta(response).costUsd).toBeCloseTo(0.032, 9);
  });

  it('downloads nothing for b64_json, the default: it asks the API for base64', async () => {
    const response = await imageEdit(
      { model: 'dall-e-2', image: a, prompt: 'x' },
      { provider: provider(), allowRetired: true },
    );
    expect(openAIField(sim.lastRequest(), 'response_format')).toBe('b64_json');
    expect(response.data[0]?.b64_json).toMatch(/^iVBORw0KGgo/);
    expect(sim.requests).toHaveLength(1);
  });
});

describe('fields and settings', () => {
  it('sends every supported field, extra_body and extra_headers, but never lets them replace the key', async () => {
    await imageEdit(
      {
        model: 'gpt-image-1.5',
        image: a,
        prompt: 'x',
        quality: 'high',
        output_format: 'webp',
        output_compression: 80,
        background: 'opaque',
        input_fidelity: 'high',
        user: 'end-user-7',
        extra_body: { moderation: 'low' },
        extra_headers: { 'x-trace': 't-1', authorization: 'Bearer stolen' },
      },
      {
        provider: createOpenAI({
          apiKey: API_KEY,
          baseURL: `${sim.url}/v1`,
          organization: 'org-1',
          project: 'proj-1',
        }),
        // gpt-image-1.5 (shut down 2026-12-01) is the last model that takes input_fidelity: high.
        allowRetired: true,
      },
    ).catch(() => undefined);
    const request = sim.lastRequest();
    expect(request.fields).toMatchObject({
      quality: ['high'],
      output_format: ['webp'],
      output_compression: ['80'],
      background: ['opaque'],
      input_fidelity: ['high'],
      user: ['end-user-7'],
      moderation: ['low'],
    });
    expect(request.headers).toMatchObject({
      authorization: `Bearer ${API_KEY}`,
      'x-trace': 't-1',
      'openai-organization': 'org-1',
      'openai-project': 'proj-1',
    });
  });

  it('takes free-form sizes on gpt-image-2', async () => {
    const response = await imageEdit(
      { model: 'gpt-image-2', image: a, prompt: 'x', size: '2048x1152' },
      { provider: provider() },
    );
    expect(openAIField(sim.lastRequest(), 'size')).toBe('2048x1152');
    expect(response.data).toHaveLength(1);
  });

  it('converts an opaque black/white mask to transparency and says so', async () => {
    const white = createWhiteMask(64, 64, { x: 16, y: 16, width: 32, height: 32 });
    const response = await imageEdit(
      { model: 'gpt-image-2', image: a, mask: white, prompt: 'x' },
      { provider: provider() },
    );
    const sent = sim.lastRequest().files?.find((f) => f.field === 'mask');
    expect(sent?.bytes[25]).toBe(6); // PNG colour type 6: RGBA
    expect(getMeta(response).warnings.join(' ')).toContain('converted an opaque black/white mask');
  });

  it('is built from LiteLLM-style deployment settings', async () => {
    const fromConfig = providerPackage.create({
      api_key: API_KEY,
      api_base: `${sim.url}/v1`,
      extra_headers: { 'x-team': 'a' },
    });
    await imageEdit({ model: 'openai/gpt-image-2', image: a, prompt: 'x' }, { provider: fromConfig });
    expect(sim.lastRequest().headers['x-team']).toBe('a');
  });

  it('reads the base URL from OPENAI_API_BASE too', async () => {
    process.env.OPENAI_API_BASE = `${sim.url}/v1`;
    delete process.env.OPENAI_BASE_URL;
    await imageEdit(
      { model: 'gpt-image-2', image: a, prompt: 'x' },
      { provider: createOpenAI({ apiKey: API_KEY }) },
    );
    expect(sim.requests).toHaveLength(1);
  });
});
