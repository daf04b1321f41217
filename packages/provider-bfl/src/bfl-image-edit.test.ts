import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  BadRequestError,
  decodePngPixels,
  getMeta,
  imageEdit,
  PermissionDeniedError,
  sniffImage,
  UnsupportedParamsError,
} from '@retouch/core';
import {
  type BFLSimulator,
  createOpenAIMask,
  createPng,
  isBFLSubmitRequest,
  rejectionOf,
  resultBytes,
  startBFLSimulator,
} from '@retouch/testing';
import { createBlackForestLabs } from './bfl-provider.js';

const API_KEY = 'bfl-test-key-0123456789abcdef';
let sim: BFLSimulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startBFLSimulator({ apiKey: API_KEY, pendingPolls: 2 });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.reset();
  process.env = { ...savedEnv };
});

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const provider = (extra: Parameters<typeof createBlackForestLabs>[0] = {}) =>
  createBlackForestLabs({ apiKey: API_KEY, baseURL: sim.url, pollIntervalMs: 5, ...extra });
const submits = () => sim.requests.filter(isBFLSubmitRequest);
const polls = () => sim.requests.filter((request) => request.path.endsWith('/v1/get_result'));

describe('the issue: the seed calls, through imageEdit() and the environment', () => {
  it('flux-kontext-pro with one image answers b64_json by default (the signed URL downloaded), polled from polling_url, priced from cost', async () => {
    process.env.BFL_API_KEY = API_KEY;
    process.env.BFL_API_BASE = sim.url;
    const image = createPng(64, 64, { color: [200, 30, 30] });
    // No provider given: core loads @retouch/provider-bfl from the prefix.
    const response = await imageEdit({
      model: 'black_forest_labs/flux-kontext-pro',
      image,
      prompt: 'Make the square blue',
    });

    const [submit] = submits();
    expect(submit?.path).toBe('/v1/flux-kontext-pro');
    expect(submit?.headers['x-key']).toBe(API_KEY);
    expect(submit?.headers['content-type']).toBe('application/json');
    expect(submit?.json).toEqual({ prompt: 'Make the square blue', input_image: b64(image) });
    const [task] = sim.tasks();
    // Every poll is the returned polling_url, with the key; Pending twice, then Ready.
    expect(polls().map((poll) => `${poll.path}?${poll.query}`)).toEqual(
      Array(3).fill(`/v1/get_result?id=${task?.id}`),
    );
    expect(polls().every((poll) => poll.headers['x-key'] === API_KEY)).toBe(true);
    expect(task?.status).toBe('Ready');

    // OpenAI's default, as on every provider: the caller never has to fetch BFL's expiring URL.
    expect(response.data).toHaveLength(1);
    expect(response.data[0]?.url).toBeUndefined();
    expect(sim.requests.filter((r) => r.path.startsWith(`/delivery/${task?.id}/`))).toHaveLength(1);
    const meta = getMeta(response);
    expect(meta).toMatchObject({ provider: 'black_forest_labs', model: 'flux-kontext-pro', costUsd: 0.04 });
    expect(meta.upstreamRequestId).toBe(task?.id);
    expect(meta.warnings).toEqual([]);
    expect(sniffImage(await resultBytes(response.data[0]))?.mediaType).toBe('image/png');

    // Asked for, the signed URL itself, with its expiry.
    const byUrl = await imageEdit({
      model: 'black_forest_labs/flux-kontext-pro',
      image,
      prompt: 'Make the square blue',
      response_format: 'url',
    });
    const [, second] = sim.tasks();
    expect(byUrl.data[0]?.url).toMatch(new RegExp(`^${sim.url}/delivery/${second?.id}/sample\\.png\\?se=`));
    expect(byUrl.data[0]?.b64_json).toBeUndefined();
    expect(getMeta(byUrl).warnings).toEqual([
      expect.stringMatching(/^result url: BFL's signed URL expires at \d{4}-/),
    ]);
  });

  it('flux-pro-1.0-fill takes images under 256×256 (only Expand has that minimum)', async () => {
    const small = createPng(64, 64, { color: [0, 0, 0] });
    const mask = createOpenAIMask(64, 64, { x: 16, y: 16, width: 32, height: 32 });
    const response = await imageEdit(
      { model: 'flux-pro-1.0-fill', image: small, mask, prompt: 'A white square' },
      { provider: provider() },
    );
    expect(response.data).toHaveLength(1);
    const expand = await rejectionOf(
      imageEdit({ model: 'flux-pro-1.0-expand', image: small, top: 64 }, { provider: provider() }),
      BadRequestError,
    );
    expect(expand.param).toBe('image');
  });

  it('n > 1 with a seed sends seed + i per task, and sums the reported cost without float noise', async () => {
    const image = createPng(64, 64, { color: [0, 0, 0] });
    const mask = createOpenAIMask(64, 64, { x: 16, y: 16, width: 32, height: 32 });
    const response = await imageEdit(
      { model: 'flux-pro-1.0-fill', image, mask, prompt: 'x', n: 3, seed: 5 },
      { provider: provider() },
    );
    expect(
      submits()
        .map((submit) => (submit.json as { seed: number }).seed)
        .sort(),
    ).toEqual([5, 6, 7]);
    // 3 × 5 credits: 0.15, not 0.15000000000000002.
    expect(getMeta(response).costUsd).toBe(0.15);
  });

  it('BFL_API_BASE wins over the region setting, as documented', async () => {
    process.env.BFL_API_BASE = sim.url;
    const eu = createBlackForestLabs({ apiKey: API_KEY, region: 'eu', pollIntervalMs: 5 });
    await imageEdit({ model: 'flux-kontext-pro', image: createPng(8, 8), prompt: 'x' }, { provider: eu });
    expect(submits()).toHaveLength(1);
  });

  it('a 403 says to check the key', async () => {
    sim.injectFault({ type: 'status', status: 403, body: { detail: 'Not authenticated' } });
    const error = await rejectionOf(
      imageEdit({ model: 'flux-kontext-pro', image: createPng(8, 8), prompt: 'x' }, { provider: provider() }),
      PermissionDeniedError,
    );
    expect(error.message).toContain('BFL_API_KEY');
    expect(error.message).toContain('Not authenticated');
    expect(error.message).not.toContain(API_KEY);
  });

  it('flux-pro-1.0-fill inpaints: image + mask, the mask converted to white-means-edit', async () => {
    const image = createPng(256, 256, { color: [0, 0, 0] });
    const rect = { x: 64, y: 64, width: 128, height: 128 };
    const response = await imageEdit(
      {
        model: 'flux-pro-1.0-fill',
        image,
        mask: createOpenAIMask(256, 256, rect),
        prompt: 'A white square',
        output_format: 'png',
        response_format: 'b64_json',
      },
      { provider: provider() },
    );
    const body = submits()[0]?.json as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['image', 'mask', 'output_format', 'prompt']);
    expect(body).toMatchObject({ image: b64(image), prompt: 'A white square', output_format: 'png' });
    const mask = await decodePngPixels(Buffer.from(body.mask as string, 'base64'));
    const at = (x: number, y: number) => [...mask.data.subarray((y * 256 + x) * 4, (y * 256 + x) * 4 + 4)];
    expect(at(128, 128)).toEqual([255, 255, 255, 255]); // transparent in our mask → white: edit
    expect(at(10, 10)).toEqual([0, 0, 0, 255]); // opaque in our mask → black: keep
    // The simulator inverted exactly the white area.
    const result = await decodePngPixels(Buffer.from(response.data[0]?.b64_json as string, 'base64'));
    expect(result.data[(128 * 256 + 128) * 4]).toBe(255);
    expect(result.data[(10 * 256 + 10) * 4]).toBe(0);
    expect(getMeta(response).costUsd).toBe(0.05);
  });

  it('flux-pro-1.0-expand with top: 256, bottom: 256 outpaints', async () => {
    const image = createPng(256, 256);
    const response = await imageEdit(
      {
        model: 'black_forest_labs/flux-pro-1.0-expand',
        image,
        prompt: 'More sky',
        top: 256,
        bottom: 256,
        output_format: 'png',
      },
      { provider: provider() },
    );
    expect(submits()[0]?.json).toEqual({
      image: b64(image),
      prompt: 'More sky',
      top: 256,
      bottom: 256,
      output_format: 'png',
    });
    expect(sniffImage(await resultBytes(response.data[0]))).toMatchObject({ width: 256, height: 768 });
  });

  it('expand without top/bottom/left/right is a clear 400 before any call', async () => {
    const error = await rejectionOf(
      imageEdit({ model: 'flux-pro-1.0-expand', image: createPng(256, 256) }, { provider: provider() }),
      BadRequestError,
    );
    expect(error.param).toBe('top');
    expect(error.message).toContain('at least one of top, bottom, left, right');
    expect(sim.requests).toHaveLength(0);
  });
});

describe('request mapping', () => {
  it('sends several images as input_image, input_image_2, … and extras by their spec names', async () => {
    const images = [1, 2, 3].map((shade) => createPng(64, 64, { color: [shade, shade, shade] }));
    await imageEdit(
      {
        model: 'flux-2-flex',
        image: images,
        prompt: 'Combine them',
        size: '1024x768',
        seed: 7,
        guidance: 4.5,
        steps: 30,
        prompt_upsampling: false,
        safety_tolerance: 5,
        output_format: 'webp',
      },
      { provider: provider() },
    );
    expect(submits()[0]?.path).toBe('/v1/flux-2-flex');
    expect(submits()[0]?.json).toEqual({
      prompt: 'Combine them',
      input_image: b64(images[0] as Uint8Array),
      input_image_2: b64(images[1] as Uint8Array),
      input_image_3: b64(images[2] as Uint8Array),
      width: 1024,
      height: 768,
      seed: 7,
      guidance: 4.5,
      steps: 30,
      prompt_upsampling: false,
      safety_tolerance: 5,
      output_format: 'webp',
    });
  });

  it('turns size into a Kontext aspect ratio, and lets the aspect_ratio extra win', async () => {
    const kontext = (extra: Record<string, unknown>) =>
      imageEdit(
        { model: 'flux-kontext-max', image: createPng(64, 64), prompt: 'x', ...extra },
        { provider: provider() },
      );
    const response = await kontext({ size: '1792x1024' });
    expect((submits()[0]?.json as Record<string, unknown> | undefined)?.aspect_ratio).toBe('7:4');
    expect(getMeta(response).warnings).toContain(
      'size 1792x1024: sent as aspect_ratio 7:4; BFL picks the pixel size (about 1 megapixel)',
    );
    sim.reset();
    await kontext({ size: '1536x1024', aspect_ratio: '21:9' });
    expect((submits()[0]?.json as Record<string, unknown> | undefined)?.aspect_ratio).toBe('21:9');
  });

  it('validates extras against the spec ranges before any call', async () => {
    const edit = (extra: Record<string, unknown>, model = 'flux-kontext-pro') =>
      imageEdit({ model, image: createPng(64, 64), prompt: 'x', ...extra }, { provider: provider() });
    const range = await rejectionOf(edit({ safety_tolerance: 7 }), BadRequestError);
    expect(range.param).toBe('safety_tolerance');
    // FLUX.2 allows 0–5 only.
    expect((await rejectionOf(edit({ safety_tolerance: 6 }, 'flux-2-pro'), BadRequestError)).param).toBe(
      'safety_tolerance',
    );
    expect((await rejectionOf(edit({ aspect_ratio: '3:1' }), BadRequestError)).param).toBe('aspect_ratio');
    const unknown = await rejectionOf(edit({ steps: 20 }), UnsupportedParamsError);
    expect(unknown.message).toContain('its extra parameters: seed, aspect_ratio');
    expect(
      (await rejectionOf(edit({ width: 4096, height: 2048 }, 'flux-2-pro'), BadRequestError)).param,
    ).toBe('width');
    expect(sim.requests).toHaveLength(0);
    const dropped = await edit({ steps: 20, drop_params: true });
    expect(getMeta(dropped).warnings).toContain(
      'dropped steps: black_forest_labs/flux-kontext-pro does not support it',
    );
    expect(submits()[0]?.json).not.toHaveProperty('steps');
  });

  it('refuses a size for Fill, and a Fill without any mask', async () => {
    const fill = (extra: Record<string, unknown>) =>
      imageEdit(
        { model: 'flux-pro-1.0-fill', image: createPng(256, 256, { alphaChannel: false }), ...extra },
        { provider: provider() },
      );
    expect((await rejectionOf(fill({ size: '1024x1024' }), UnsupportedParamsError)).param).toBe('size');
    expect((await rejectionOf(fill({}), BadRequestError)).param).toBe('mask');
    expect(sim.requests).toHaveLength(0);
  });

  it('fails a call without a key, naming BFL_API_KEY, before any request', async () => {
    delete process.env.BFL_API_KEY;
    delete process.env.BLACK_FOREST_LABS_API_KEY;
    const error = await rejectionOf(
      imageEdit(
        { model: 'flux-kontext-pro', image: createPng(64, 64), prompt: 'x' },
        { provider: createBlackForestLabs({ baseURL: sim.url }) },
      ),
      AuthenticationError,
    );
    expect(error.message).toContain('BFL_API_KEY');
    expect(sim.requests).toHaveLength(0);
  });

  it('runs n tasks concurrently, bounded by maxActiveTasks, and sums their cost', async () => {
    const limited = await startBFLSimulator({
      apiKey: API_KEY,
      activeTaskLimits: { default: 2, 'flux-kontext-max': 2 },
    });
    try {
      const response = await imageEdit(
        { model: 'flux-kontext-pro', image: createPng(64, 64), prompt: 'x', n: 4, response_format: 'url' },
        {
          provider: createBlackForestLabs({
            apiKey: API_KEY,
            baseURL: limited.url,
            pollIntervalMs: 5,
            maxActiveTasks: 2,
          }),
        },
      );
      // More than two tasks at once would have been refused with 429.
      expect(response.data).toHaveLength(4);
      expect(new Set(response.data.map((item) => item.url)).size).toBe(4);
      expect(limited.requests.filter(isBFLSubmitRequest)).toHaveLength(4);
      expect(getMeta(response).costUsd).toBeCloseTo(0.16);
    } finally {
      await limited.close();
    }
  });

  it('falls back to the price table when BFL reports no cost', async () => {
    const quiet = await startBFLSimulator({ apiKey: API_KEY, reportCost: false });
    try {
      const response = await imageEdit(
        { model: 'flux-kontext-max', image: createPng(64, 64), prompt: 'x' },
        { provider: createBlackForestLabs({ apiKey: API_KEY, baseURL: quiet.url, pollIntervalMs: 5 }) },
      );
      expect(getMeta(response).costUsd).toBe(0.08);
    } finally {
      await quiet.close();
    }
  });
});
