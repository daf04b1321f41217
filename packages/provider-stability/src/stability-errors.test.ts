import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  BadRequestError,
  ContentPolicyViolationError,
  getMeta,
  imageEdit,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnsupportedParamsError,
} from '@retouch/core';
import {
  createPng,
  rejectionOf,
  type StabilitySimulator,
  stabilityErrorBody,
  startStabilitySimulator,
} from '@retouch/testing';
import { createStability } from './stability-provider.js';

const API_KEY = 'sk-test-stability-errors-0123456789';
let sim: StabilitySimulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startStabilitySimulator({ apiKey: API_KEY, echoKeyInErrors: true });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.reset();
  process.env = { ...savedEnv };
});

const photo = createPng(64, 64);
const provider = () => createStability({ apiKey: API_KEY, baseURL: sim.url });
const edit = (params: Record<string, unknown>) =>
  imageEdit(
    { model: 'stability/inpaint', image: photo, prompt: 'a chair', ...params } as Parameters<
      typeof imageEdit
    >[0],
    { provider: provider() },
  );

describe("Stability's error body and statuses", () => {
  it('reads {id, name, errors[]} into the message and code', async () => {
    const body = stabilityErrorBody('bad_request', [
      'grow_mask: must be between 0 and 20',
      'seed: must be an integer',
    ]);
    sim.injectFault({ type: 'status', status: 400, body });
    const error = await rejectionOf(edit({ model: 'stability/inpaint' }), BadRequestError);
    expect(error.message).toBe(
      'stability returned 400: grow_mask: must be between 0 and 20; seed: must be an integer',
    );
    expect(error.code).toBe('bad_request');
    expect(error.param).toBe('grow_mask');
    expect(error.upstreamBody).toContain(body.id);
  });

  it('maps a 403 content_moderation to ContentPolicyViolationError, another 403 to PermissionDeniedError', async () => {
    sim.injectFault({
      type: 'status',
      status: 403,
      body: stabilityErrorBody('content_moderation', [
        'Your request was flagged by our content moderation system.',
      ]),
    });
    await rejectionOf(edit({ model: 'stability/inpaint' }), ContentPolicyViolationError);
    sim.injectFault({ type: 'status', status: 403, body: stabilityErrorBody('forbidden', ['not allowed']) });
    await rejectionOf(edit({ model: 'stability/inpaint' }), PermissionDeniedError);
  });

  it('maps a 422 public_figure refusal to ContentPolicyViolationError and keeps other 422s', async () => {
    sim.injectFault({
      type: 'status',
      status: 422,
      body: stabilityErrorBody('public_figure', ['Our system detected the likeness of a public figure.']),
    });
    await rejectionOf(edit({ model: 'stability/inpaint' }), ContentPolicyViolationError);
    sim.injectFault({
      type: 'status',
      status: 422,
      body: stabilityErrorBody('invalid_language', [
        'English is the only supported language for this service.',
      ]),
    });
    const error = await rejectionOf(edit({ model: 'stability/inpaint' }), BadRequestError);
    expect(error.status).toBe(422);
  });

  it('keeps 402 (no credits) with a hint', async () => {
    sim.injectFault({
      type: 'status',
      status: 402,
      body: stabilityErrorBody('payment_required', ['lacking sufficient credits']),
    });
    const error = await rejectionOf(edit({ model: 'stability/inpaint' }), BadRequestError);
    expect(error.status).toBe(402);
    expect(error.message).toMatch(/Add credits/);
  });

  it('turns the 150 requests / 10 s limit into RateLimitError, 60 s when no Retry-After is sent', async () => {
    sim.injectFault({
      type: 'status',
      status: 429,
      body: stabilityErrorBody('rate_limit_exceeded', ['You have exceeded the rate limit']),
    });
    const error = await rejectionOf(edit({ model: 'stability/inpaint' }), RateLimitError);
    expect(error.retryAfterMs).toBe(60_000);
    expect(error.isRetryable).toBe(true);
  });

  it("hits the simulator's own rate limit after the allowed requests", async () => {
    const limited = await startStabilitySimulator({
      apiKey: API_KEY,
      rateLimit: { requests: 2, windowMs: 10_000, timeoutMs: 60_000 },
    });
    try {
      const stability = createStability({ apiKey: API_KEY, baseURL: limited.url });
      const call = () =>
        imageEdit({ model: 'stability/inpaint', image: photo, prompt: 'x' }, { provider: stability });
      await call();
      await call();
      const error = await rejectionOf(call(), RateLimitError);
      expect(error.retryAfterMs).toBe(60_000);
    } finally {
      await limited.close();
    }
  });

  it('keeps a key the API echoes out of the error', async () => {
    const error = await rejectionOf(
      imageEdit(
        { model: 'stability/inpaint', image: photo, prompt: 'x' },
        { provider: createStability({ apiKey: 'sk-wrong-key-0123456789', baseURL: sim.url }) },
      ),
      AuthenticationError,
    );
    expect(JSON.stringify({ message: error.message, body: error.upstreamBody })).not.toContain(
      'sk-wrong-key-0123456789',
    );
    expect(error.message).toMatch(/STABILITY_API_KEY/);
  });

  it('fails the call, not the import, when STABILITY_API_KEY is missing', async () => {
    delete process.env.STABILITY_API_KEY;
    const error = await rejectionOf(
      imageEdit(
        { model: 'stability/inpaint', image: photo, prompt: 'x' },
        { provider: createStability({ baseURL: sim.url }) },
      ),
      AuthenticationError,
    );
    expect(error.message).toMatch(/STABILITY_API_KEY/);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('bad input never reaches the upstream', () => {
  const cases: [string, Record<string, unknown>, typeof BadRequestError | typeof NotFoundError, string][] = [
    [
      'a second image on inpaint',
      { model: 'stability/inpaint', image: [photo, photo] },
      BadRequestError,
      'image',
    ],
    ['one image on style-transfer', { model: 'stability/style-transfer' }, BadRequestError, 'image'],
    [
      'a mask on outpaint',
      { model: 'stability/outpaint', left: 10, mask: photo },
      UnsupportedParamsError,
      'mask',
    ],
    [
      'grow_mask on outpaint',
      { model: 'stability/outpaint', left: 10, grow_mask: 5 },
      UnsupportedParamsError,
      'grow_mask',
    ],
    [
      'grow_mask 50 on erase (0–20)',
      { model: 'stability/erase', prompt: '', grow_mask: 50 },
      BadRequestError,
      'grow_mask',
    ],
    ['top on outpaint (it is `up`)', { model: 'stability/outpaint', top: 10 }, UnsupportedParamsError, 'top'],
    ['no direction on outpaint', { model: 'stability/outpaint' }, BadRequestError, 'left'],
    ['a prompt on erase', { model: 'stability/erase' }, UnsupportedParamsError, 'prompt'],
    ['size on inpaint', { model: 'stability/inpaint', size: '1024x1024' }, UnsupportedParamsError, 'size'],
    [
      'jpeg from remove-background',
      { model: 'stability/remove-background', prompt: '', output_format: 'jpeg' },
      BadRequestError,
      'output_format',
    ],
    [
      'a bad style_preset',
      { model: 'stability/inpaint', style_preset: 'watercolor' },
      BadRequestError,
      'style_preset',
    ],
    ['a 32 px image', { model: 'stability/inpaint', image: createPng(32, 32) }, BadRequestError, 'image'],
    [
      'a 3:1 image on outpaint',
      { model: 'stability/outpaint', left: 5, image: createPng(192, 64) },
      BadRequestError,
      'image',
    ],
    [
      'a 2000 px image on fast upscale',
      { model: 'stability/fast', prompt: '', image: createPng(2000, 64) },
      BadRequestError,
      'image',
    ],
    [
      'relight with neither prompt nor reference',
      { model: 'stability/replace-background-and-relight', prompt: '' },
      BadRequestError,
      'prompt',
    ],
    [
      'light strength without direction',
      { model: 'stability/replace-background-and-relight', light_source_strength: 0.5 },
      BadRequestError,
      'light_source_strength',
    ],
    ['a model named by substring only', { model: 'stability/upscale' }, NotFoundError, 'model'],
  ];
  it.each(cases)('%s', async (_title, params, errorClass, param) => {
    const error = await rejectionOf(edit(params), errorClass);
    expect(error.param).toBe(param);
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(sim.requests).toHaveLength(0);
  });

  it('drops what the endpoint cannot take with a warning under drop_params', async () => {
    const response = await edit({
      model: 'stability/erase',
      grow_mask: 3,
      negative_prompt: 'blur',
      drop_params: true,
    });
    expect(sim.lastRequest().fields).toEqual({ grow_mask: ['3'] });
    expect(getMeta(response).warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/dropped negative_prompt/),
        expect.stringMatching(/dropped prompt/),
      ]),
    );
  });
});
