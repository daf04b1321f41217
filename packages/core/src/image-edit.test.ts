import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { PNG } from 'pngjs';
import type { ModelCapabilities } from './capabilities.js';
import {
  APIUserAbortError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  RetouchError,
  TimeoutError,
  UnsupportedParamsError,
} from './errors.js';
import { DEFAULT_TIMEOUT_MS } from './deadline.js';
import { imageEdit, prepareEditRequest, requireCapabilities, runImageEdit } from './image-edit.js';
import { getMeta } from './normalize.js';
import type { ImageEditParams } from './params.js';
import type {
  ImageEditProvider,
  ProviderCallOptions,
  ProviderImageEditRequest,
  ProviderImageEditResult,
} from './provider.js';
import { registerProvider, unregisterProvider } from './registry.js';

const png = (w: number, h: number) => PNG.sync.write(new PNG({ width: w, height: h }));
const IMAGE = png(16, 16);
const OUT_B64 = png(4, 4).toString('base64');

const CAPS: ModelCapabilities = {
  maxImages: 2,
  mask: 'optional',
  maxN: 2,
  sizes: ['1024x1024'],
  inputMediaTypes: ['image/png'],
  params: ['mask', 'n', 'size', 'user'],
  nativeResponseFormat: 'b64_json',
};

type Handler = (
  request: ProviderImageEditRequest,
  options: ProviderCallOptions,
) => Promise<ProviderImageEditResult>;

function fake(handler?: Handler, id = 'acme') {
  const edit = jest.fn<Handler>(
    handler ?? (async () => ({ images: [{ b64: OUT_B64 }], warnings: [], upstreamRequestId: 'up_1' })),
  );
  const provider: ImageEditProvider = {
    id,
    capabilities: (model) => (model === 'edit-1' || model === 'gpt-image-1' ? CAPS : undefined),
    models: () => ['edit-1'],
    imageEdit: edit,
  };
  return { provider, edit };
}

/** Waits on the call signal, as a well-behaved provider does. */
const waitForAbort: Handler = (_request, { signal }) =>
  new Promise((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(new Error('socket reset'))),
  );

const params = (patch: Partial<ImageEditParams> = {}): ImageEditParams => ({
  model: 'acme/edit-1',
  image: IMAGE,
  prompt: 'make it blue',
  ...patch,
});

async function failure(promise: Promise<unknown>): Promise<RetouchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(RetouchError.isInstance(error)).toBe(true);
  return error as RetouchError;
}

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer(() => {
    // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('imageEdit: before the provider is called', () => {
  it('names model when it is missing, even with an explicit provider', async () => {
    const { provider, edit } = fake();
    const error = await failure(imageEdit(params({ model: undefined as unknown as string }), { provider }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ param: 'model', status: 400 });
    expect(edit).not.toHaveBeenCalled();
  });

  it('fails on an unknown model with NotFoundError before reading any image', async () => {
    const { provider, edit } = fake();
    let read = false;
    const image = new Readable({
      read() {
        read = true;
        this.push(null);
      },
    });
    const error = await failure(imageEdit(params({ model: 'acme/nope', image }), { provider }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ param: 'model', provider: 'acme', model: 'nope' });
    expect(error.message).toContain('Current: edit-1');
    expect(read).toBe(false);
    expect(edit).not.toHaveBeenCalled();
  });

  it('resolves registered providers by prefix, with the same NotFoundError for their unknown models', async () => {
    const { provider, edit } = fake(undefined, 'regtest');
    registerProvider(provider);
    try {
      const response = await imageEdit(params({ model: 'regtest/edit-1' }));
      expect(getMeta(response).provider).toBe('regtest');
      expect(edit).toHaveBeenCalledTimes(1);
      expect(await failure(imageEdit(params({ model: 'regtest/other' })))).toBeInstanceOf(NotFoundError);
    } finally {
      unregisterProvider('regtest');
    }
  });

  it.each([
    ['an unsupported param', { quality: 'high' } as const, UnsupportedParamsError, 'quality'],
    ['too large an n', { n: 3 }, BadRequestError, 'n'],
    ['an unsupported size', { size: '512x512' }, BadRequestError, 'size'],
    ['bytes that are not an image', { image: Buffer.from('text') }, BadRequestError, 'image'],
    ['a mask of the wrong size', { mask: png(8, 8) }, BadRequestError, 'mask'],
    ['a missing prompt', { prompt: undefined }, BadRequestError, 'prompt'],
    ['a bad field shape', { n: 0 }, BadRequestError, 'n'],
  ])('rejects %s without calling the provider', async (_name, patch, Class, param) => {
    const { provider, edit } = fake();
    const error = await failure(imageEdit(params(patch as Partial<ImageEditParams>), { provider }));
    expect(error).toBeInstanceOf(Class);
    expect(error.param).toBe(param);
    expect(edit).not.toHaveBeenCalled();
  });

  it('rejects a caller signal that is already aborted without calling the provider', async () => {
    const { provider, edit } = fake();
    const error = await failure(imageEdit(params({ signal: AbortSignal.abort() }), { provider }));
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(edit).not.toHaveBeenCalled();
  });

  it('lets the caller abort a remote image download', async () => {
    const { provider, edit } = fake();
    const controller = new AbortController();
    const pending = imageEdit(params({ image: `${base}/slow.png`, signal: controller.signal }), {
      provider,
      remoteImages: { allowPrivateNetwork: true },
    });
    setTimeout(() => controller.abort(), 20);
    expect(await failure(pending)).toBeInstanceOf(APIUserAbortError);
    expect(edit).not.toHaveBeenCalled();
  });

  it('bounds a remote image download by the call timeout', async () => {
    const { provider, edit } = fake();
    const error = await failure(
      imageEdit(params({ image: `${base}/slow.png`, timeout: 30 }), {
        provider,
        remoteImages: { allowPrivateNetwork: true },
      }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(edit).not.toHaveBeenCalled();
  });
});

describe('imageEdit: the call', () => {
  it('hands the provider prepared images, mask and fields, and answers in OpenAI shape with _meta', async () => {
    const { provider, edit } = fake(async () => ({
      images: [{ b64: OUT_B64 }, { b64: OUT_B64, revisedPrompt: 'bluer' }],
      warnings: ['provider warning'],
      upstreamRequestId: 'up_9',
      providerCostUsd: 0.02,
    }));
    const response = await imageEdit(
      params({
        image: [IMAGE, new Blob([png(16, 8)])],
        mask: png(16, 16),
        n: 2,
        user: 'end-user-1',
        seed: 5,
        background: 'transparent',
        drop_params: true,
      }),
      { provider },
    );
    const [request, options] = edit.mock.calls[0] ?? [];
    expect(request).toMatchObject({ model: 'edit-1', n: 2, prompt: 'make it blue', user: 'end-user-1' });
    expect(request?.images.map((i) => [i.filename, i.width, i.height])).toEqual([
      ['image.png', 16, 16],
      ['image-2.png', 16, 8],
    ]);
    expect(request?.mask?.filename).toBe('mask.png');
    expect(request?.extras).toEqual({ seed: 5 });
    expect(request?.background).toBeUndefined();
    expect(options?.signal).toBeInstanceOf(AbortSignal);

    expect(JSON.parse(JSON.stringify(response))).toEqual({
      created: response.created,
      data: [{ b64_json: OUT_B64 }, { b64_json: OUT_B64, revised_prompt: 'bluer' }],
    });
    const meta = getMeta(response);
    expect(meta).toMatchObject({
      provider: 'acme',
      model: 'edit-1',
      costUsd: 0.02,
      attempts: 1,
      user: 'end-user-1',
      upstreamRequestId: 'up_9',
      warnings: ['dropped background: acme/edit-1 does not support it', 'provider warning'],
    });
    expect(meta.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('honours response_format url for a bytes-only provider with a data: URL', async () => {
    const { provider } = fake(async () => ({ images: [{ bytes: png(2, 2) }], warnings: [] }));
    const response = await imageEdit(params({ response_format: 'url' }), { provider });
    expect(response.data[0]?.url).toMatch(/^data:image\/png;base64,iVBOR/);
  });

  it("prices from the provider's catalogue, and lets a price override win over everything", async () => {
    const usage = { input_tokens: 100, output_tokens: 1000, total_tokens: 1100 };
    const { provider: plain } = fake(
      async () => ({ images: [{ b64: OUT_B64 }], warnings: [], usage }),
      'openai',
    );
    const sources = { lifecycle: 'test catalogue', capabilities: 'test catalogue', price: 'test catalogue' };
    const provider: ImageEditProvider = {
      ...plain,
      catalogue: {
        provider: 'openai',
        families: [],
        rows: [
          {
            model: 'gpt-image-1',
            status: 'active',
            capabilities: CAPS,
            price: { input_cost_per_token: 5e-6, output_cost_per_image_token: 40e-6 },
            sources,
          },
        ],
      },
    };
    const tabled = await imageEdit(params({ model: 'gpt-image-1' }), { provider });
    expect(getMeta(tabled).costUsd).toBe(0.0405);
    expect(tabled.usage).toEqual(usage);

    const reported = fake(async () => ({ images: [{ b64: OUT_B64 }], warnings: [], providerCostUsd: 0.5 }));
    const overridden = await imageEdit(params(), {
      provider: reported.provider,
      price: { output_cost_per_image: 0.03 },
    });
    expect(getMeta(overridden).costUsd).toBe(0.03);
  });

  it('reports an unknown cost as null with a warning, never 0', async () => {
    const { provider } = fake();
    const meta = getMeta(await imageEdit(params(), { provider }));
    expect(meta.costUsd).toBeNull();
    expect(meta.warnings.some((w) => w.startsWith('cost unknown: no price for acme/edit-1'))).toBe(true);
  });

  it('turns the timeout into TimeoutError when the provider waits on the signal', async () => {
    const { provider } = fake(waitForAbort);
    const error = await failure(imageEdit(params({ timeout: 30 }), { provider }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ status: 408, provider: 'acme', model: 'edit-1' });
    // The deadline and its unit, so a `timeout: 30` meant as seconds shows at once.
    expect(error.message).toContain(
      'deadline of 30 ms passed (timeouts are milliseconds in the SDK, seconds in config.yaml',
    );
  });

  it('passes a deadline matching the timeout, and the default deadline without one', async () => {
    const { provider, edit } = fake();
    await imageEdit(params({ timeout: 60_000 }), { provider });
    const first = edit.mock.calls[0]?.[1].deadline as number;
    expect(first).toBeGreaterThan(Date.now() + 30_000);
    expect(first).toBeLessThanOrEqual(Date.now() + 60_000);
    const before = Date.now();
    await imageEdit(params(), { provider });
    const second = edit.mock.calls[1]?.[1].deadline as number;
    expect(second).toBeGreaterThanOrEqual(before + DEFAULT_TIMEOUT_MS);
    expect(second).toBeLessThanOrEqual(Date.now() + DEFAULT_TIMEOUT_MS);
  });

  it('a call cut off by its deadline after the provider was called is not retryable', async () => {
    const { provider } = fake(waitForAbort);
    const error = await failure(imageEdit(params({ timeout: 30 }), { provider }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ reachedUpstream: true, isRetryable: false });
    expect(error.message).toContain('not repeated automatically');
  });

  it('turns a caller abort into APIUserAbortError', async () => {
    const { provider } = fake(waitForAbort);
    const controller = new AbortController();
    const pending = imageEdit(params({ signal: controller.signal }), { provider });
    setTimeout(() => controller.abort(), 10);
    expect(await failure(pending)).toBeInstanceOf(APIUserAbortError);
  });

  it('wraps a plain Error from the provider as InternalServerError, keeping RetouchErrors as they are', async () => {
    const plain = await failure(
      imageEdit(params(), { provider: fake(async () => Promise.reject(new Error('boom'))).provider }),
    );
    expect(plain).toBeInstanceOf(InternalServerError);
    expect(plain).toMatchObject({ message: 'boom', provider: 'acme', model: 'edit-1' });

    const limited = new RateLimitError({ message: 'slow down', retryAfterMs: 1000 });
    const kept = await failure(
      imageEdit(params(), { provider: fake(async () => Promise.reject(limited)).provider }),
    );
    expect(kept).toBe(limited);
  });
});

describe('building blocks', () => {
  it('prepareEditRequest reads images once, names fields by index, and keeps extras', async () => {
    const prepared = await prepareEditRequest(params({ image: [IMAGE, IMAGE], seed: 1 }));
    expect(prepared.images).toHaveLength(2);
    expect(prepared.extras).toEqual({ seed: 1 });
    const error = await failure(prepareEditRequest(params({ image: [IMAGE, Buffer.from('x')] })));
    expect(error.param).toBe('image[1]');
  });

  it('runImageEdit reuses a prepared request across providers and takes its own signal', async () => {
    const prepared = await prepareEditRequest(params());
    const a = fake();
    const b = fake(waitForAbort, 'other');
    expect(getMeta(await runImageEdit(a.provider, 'edit-1', prepared)).provider).toBe('acme');
    const error = await failure(runImageEdit(b.provider, 'edit-1', prepared, { timeoutMs: 20 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(a.edit.mock.calls[0]?.[0].images[0]).toBe(prepared.images[0]);
  });

  it('requireCapabilities returns capabilities or throws NotFoundError', () => {
    const { provider } = fake();
    expect(requireCapabilities(provider, 'edit-1')).toBe(CAPS);
    expect(() => requireCapabilities(provider, 'x')).toThrow(NotFoundError);
  });
});
