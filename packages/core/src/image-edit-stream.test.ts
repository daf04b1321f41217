import { describe, expect, it } from '@jest/globals';
import type { ModelCapabilities } from './capabilities.js';
import {
  APIConnectionError,
  APIUserAbortError,
  BadRequestError,
  RateLimitError,
  RetouchError,
} from './errors.js';
import { imageEdit } from './image-edit.js';
import { eventUsage, streamImageEdit } from './image-edit-stream.js';
import { getMeta } from './normalize.js';
import type {
  ImageEditProvider,
  ProviderCallOptions,
  ProviderImageEditRequest,
  ProviderStreamEvent,
} from './provider.js';
import type { ImageEditStreamEvent } from './stream-events.js';

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const B64 = PNG.toString('base64');
const USAGE = { input_tokens: 50, output_tokens: 100, total_tokens: 150 };

const streamingCaps: ModelCapabilities = {
  maxImages: 4,
  mask: 'optional',
  maxN: 4,
  sizes: ['1024x1024', 'auto'],
  qualities: ['low', 'high', 'auto'],
  inputMediaTypes: ['image/png'],
  params: ['n', 'size', 'quality', 'partial_images', 'stream'],
  nativeResponseFormat: 'b64_json',
};
const plainCaps: ModelCapabilities = { ...streamingCaps, params: ['n', 'size'] };

interface Control {
  requests: ProviderImageEditRequest[];
  signals: AbortSignal[];
  /** Events after the first wait for this to resolve. */
  gate?: Promise<void>;
  failAfterFirst?: Error;
  failBeforeFirst?: Error;
}

/** A provider with a native stream for `streamer` and a plain imageEdit for `plain` (priced per image). */
function fakeProvider(control: Control): ImageEditProvider {
  return {
    id: 'fake',
    capabilities: (model) =>
      model === 'streamer' ? streamingCaps : model === 'plain' ? plainCaps : undefined,
    models: () => ['streamer', 'plain'],
    async imageEdit(request: ProviderImageEditRequest, options: ProviderCallOptions) {
      control.requests.push(request);
      control.signals.push(options.signal);
      if (control.failBeforeFirst) throw control.failBeforeFirst;
      return {
        images: Array.from({ length: request.n }, () => ({ bytes: PNG })),
        usage: USAGE,
        warnings: ['plain warning'],
        upstreamRequestId: 'req_plain',
      };
    },
    async streamImageEdit(request: ProviderImageEditRequest, options: ProviderCallOptions) {
      control.requests.push(request);
      control.signals.push(options.signal);
      if (control.failBeforeFirst) throw control.failBeforeFirst;
      const echo = { size: '1024x1024', quality: 'high', background: 'opaque', output_format: 'png' };
      async function* events(): AsyncGenerator<ProviderStreamEvent, void, undefined> {
        for (let index = 0; index < (request.partial_images ?? 0); index++) {
          yield { type: 'partial_image', b64: B64, partialImageIndex: index, echo };
          await control.gate;
          if (control.failAfterFirst) throw control.failAfterFirst;
        }
        yield { type: 'completed', image: { b64: B64, mediaType: 'image/png' }, usage: USAGE, echo };
      }
      return {
        events: events(),
        warnings: [],
        upstreamRequestId: 'req_stream',
        summary: () => ({ usage: USAGE, echo }),
      };
    },
  };
}

const control = (extra: Partial<Control> = {}): Control => ({ requests: [], signals: [], ...extra });
const params = { image: PNG, prompt: 'Add a hat' };

async function collect(stream: AsyncIterable<ImageEditStreamEvent>): Promise<ImageEditStreamEvent[]> {
  const events: ImageEditStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('streamImageEdit on a model whose upstream streams', () => {
  it('yields OpenAI events field for field, then the response with _meta', async () => {
    const c = control();
    const provider = fakeProvider(c);
    const stream = await streamImageEdit(
      { ...params, model: 'streamer', partial_images: 2, size: '1024x1024', user: 'alice' },
      { provider, price: { input_cost_per_token: 0.00001, output_cost_per_token: 0.00004 } },
    );
    expect(c.requests[0]).toMatchObject({ stream: true, partial_images: 2, response_format: 'b64_json' });
    expect(stream.meta).toMatchObject({
      provider: 'fake',
      model: 'streamer',
      upstreamRequestId: 'req_stream',
    });
    expect(stream.meta.timeToFirstEventMs).toBeGreaterThanOrEqual(0);
    const events = await collect(stream);
    expect(events.map((e) => e.type)).toEqual([
      'image_edit.partial_image',
      'image_edit.partial_image',
      'image_edit.completed',
    ]);
    const [partial, , completed] = events;
    expect(Object.keys(partial ?? {}).sort()).toEqual(
      [
        'type',
        'b64_json',
        'created_at',
        'size',
        'quality',
        'background',
        'output_format',
        'partial_image_index',
      ].sort(),
    );
    expect(partial).toMatchObject({
      b64_json: B64,
      partial_image_index: 0,
      size: '1024x1024',
      quality: 'high',
    });
    expect(completed).toMatchObject({ type: 'image_edit.completed', b64_json: B64, usage: USAGE });
    expect(Number.isInteger(completed?.created_at)).toBe(true);

    const response = await stream.response();
    expect(JSON.parse(JSON.stringify(response))).toEqual({
      created: response.created,
      data: [{ b64_json: B64 }],
      usage: USAGE,
      size: '1024x1024',
      quality: 'high',
      background: 'opaque',
      output_format: 'png',
    });
    const meta = getMeta(response);
    // 50 × 0.00001 + 100 × 0.00004, from the completed event's usage.
    expect(meta.costUsd).toBeCloseTo(0.0045, 10);
    expect(meta).toMatchObject({ provider: 'fake', user: 'alice', attempts: 1 });
    expect(meta.timeToFirstEventMs).toBe(stream.meta.timeToFirstEventMs);
  });

  it('breaking out of the loop aborts the upstream call; response() then rejects', async () => {
    let open!: () => void;
    const c = control({ gate: new Promise((resolve) => (open = resolve)) });
    const stream = await streamImageEdit(
      { ...params, model: 'streamer', partial_images: 3 },
      { provider: fakeProvider(c) },
    );
    for await (const event of stream) {
      expect(event.type).toBe('image_edit.partial_image');
      break;
    }
    expect(c.signals[0]?.aborted).toBe(true);
    open();
    await expect(stream.response()).rejects.toBeInstanceOf(APIUserAbortError);
  });

  it('abort() ends a pending read and the response; the caller signal does too', async () => {
    const c = control({ gate: new Promise(() => {}) });
    const stream = await streamImageEdit(
      { ...params, model: 'streamer', partial_images: 2 },
      { provider: fakeProvider(c) },
    );
    stream.abort();
    await expect(stream.response()).rejects.toBeInstanceOf(APIUserAbortError);
    expect(c.signals[0]?.aborted).toBe(true);

    const caller = new AbortController();
    const c2 = control({ gate: new Promise(() => {}) });
    const second = await streamImageEdit(
      { ...params, model: 'streamer', partial_images: 2, signal: caller.signal },
      { provider: fakeProvider(c2) },
    );
    const iterator = second[Symbol.asyncIterator]();
    await iterator.next();
    const read = iterator.next();
    caller.abort();
    expect(c2.signals[0]?.aborted).toBe(true);
    // The gate never opens: the read ends only because the abort reaches the consumer.
    await expect(read).rejects.toBeInstanceOf(APIUserAbortError);
    await expect(second.response()).rejects.toBeInstanceOf(APIUserAbortError);
  });

  it('a failure before the first event is thrown by streamImageEdit itself', async () => {
    const failure = new RateLimitError({ message: 'slow down', retryAfterMs: 1000 });
    const error = await streamImageEdit(
      { ...params, model: 'streamer', partial_images: 1 },
      { provider: fakeProvider(control({ failBeforeFirst: failure })) },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
  });

  it('a failure after the first event ends the iteration with a RetouchError', async () => {
    const c = control({ failAfterFirst: new Error('socket hang up') });
    const stream = await streamImageEdit(
      { ...params, model: 'streamer', partial_images: 2 },
      { provider: fakeProvider(c) },
    );
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['image_edit.partial_image']);
    expect(RetouchError.isInstance(error)).toBe(true);
    await expect(stream.response()).rejects.toBe(error);
  });
});

describe('streamImageEdit on a model whose upstream does not stream', () => {
  it('sends each final image as a completed event, the usage on the last, and warns about partial_images', async () => {
    const c = control();
    const stream = await streamImageEdit(
      { ...params, model: 'plain', n: 2, partial_images: 2 },
      { provider: fakeProvider(c), price: { output_cost_per_image: 0.01 } },
    );
    // Neither `stream` nor `partial_images` reaches a provider that takes neither.
    expect(c.requests[0]?.stream).toBeUndefined();
    expect(c.requests[0]?.partial_images).toBeUndefined();
    expect(stream.meta.warnings).toEqual([
      'partial_images: fake/plain makes no partial images; the stream carries the final images as image_edit.completed only',
      'plain warning',
    ]);
    const events = await collect(stream);
    expect(events.map((e) => e.type)).toEqual(['image_edit.completed', 'image_edit.completed']);
    // In the spec's ImagesUsage shape, input_tokens_details required: zeros on the first, the
    // call's usage (its input unsplit upstream, so counted as text) on the last.
    const zero = {
      input_tokens: 0,
      output_tokens: 0,
      total_tokens: 0,
      input_tokens_details: { text_tokens: 0, image_tokens: 0 },
    };
    expect(events.map((e) => (e.type === 'image_edit.completed' ? e.usage : undefined))).toEqual([
      zero,
      { ...USAGE, input_tokens_details: { text_tokens: 50, image_tokens: 0 } },
    ]);
    expect(Object.keys(events[0] ?? {}).sort()).toEqual(
      ['type', 'b64_json', 'created_at', 'size', 'quality', 'background', 'output_format', 'usage'].sort(),
    );
    expect(events[0]).toMatchObject({
      size: 'auto',
      quality: 'auto',
      background: 'auto',
      output_format: 'png',
    });
    const response = await stream.response();
    expect(response.data).toHaveLength(2);
    expect(getMeta(response).costUsd).toBeCloseTo(0.02, 10);
  });

  it('response() alone reads the stream to its end', async () => {
    const stream = await streamImageEdit(
      { ...params, model: 'plain' },
      { provider: fakeProvider(control()) },
    );
    expect((await stream.response()).data).toEqual([{ b64_json: B64 }]);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/iterated once/);
  });
});

describe('eventUsage', () => {
  it("keeps a usage that has the spec's input split, and fills the split in where it is missing", () => {
    const split = { ...USAGE, input_tokens_details: { text_tokens: 20, image_tokens: 30, cached_tokens: 5 } };
    expect(eventUsage(split)).toBe(split);
    expect(eventUsage(USAGE).input_tokens_details).toEqual({ text_tokens: 50, image_tokens: 0 });
    expect(eventUsage({ ...USAGE, input_tokens_details: { image_tokens: 40 } }).input_tokens_details).toEqual(
      {
        text_tokens: 10,
        image_tokens: 40,
      },
    );
    expect(eventUsage({ ...USAGE, input_tokens_details: { text_tokens: 15 } }).input_tokens_details).toEqual({
      text_tokens: 15,
      image_tokens: 35,
    });
    expect(eventUsage(undefined)).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      total_tokens: 0,
      input_tokens_details: { text_tokens: 0, image_tokens: 0 },
    });
  });
});

describe('asking the wrong function', () => {
  it('imageEdit({ stream: true }) and partial_images without a stream name streamImageEdit', async () => {
    const provider = fakeProvider(control());
    const streamed = await imageEdit({ ...params, model: 'streamer', stream: true }, { provider }).catch(
      (e) => e,
    );
    expect(streamed).toBeInstanceOf(BadRequestError);
    expect((streamed as BadRequestError).param).toBe('stream');
    expect((streamed as Error).message).toMatch(/streamImageEdit\(\)/);
    const partials = await imageEdit({ ...params, model: 'streamer', partial_images: 2 }, { provider }).catch(
      (e) => e,
    );
    expect((partials as BadRequestError).param).toBe('partial_images');
    // drop_params drops it with a warning instead.
    const dropped = await imageEdit(
      { ...params, model: 'plain', partial_images: 2, drop_params: true },
      { provider },
    );
    expect(getMeta(dropped).warnings).toContain(
      'dropped partial_images: only a streamed edit has partial images',
    );
  });

  it('streamImageEdit refuses response_format url and stream: false before any call', async () => {
    const c = control();
    for (const extra of [{ response_format: 'url' as const }, { stream: false }]) {
      const error = await streamImageEdit(
        { ...params, model: 'streamer', ...extra },
        { provider: fakeProvider(c) },
      ).catch((e) => e);
      expect(error).toBeInstanceOf(BadRequestError);
    }
    expect(c.requests).toHaveLength(0);
  });

  it('a provider error without a status keeps its class (a connection error stays one)', async () => {
    const failure = new APIConnectionError({ message: 'refused', reachedUpstream: false });
    const error = await streamImageEdit(
      { ...params, model: 'plain' },
      { provider: fakeProvider(control({ failBeforeFirst: failure })) },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as APIConnectionError).reachedUpstream).toBe(false);
  });
});
