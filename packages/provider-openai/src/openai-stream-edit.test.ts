/**
 * Streamed edits on OpenAI: the wire (the official client's, field for field), real partial images
 * read one event at a time, errors and cuts mid-stream, and a `break` that cancels the upstream.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  APIConnectionError,
  BadGatewayError,
  getMeta,
  type ImageEditStreamEvent,
  RetouchError,
  streamImageEdit,
} from '@retouch/core';
import { createPng, type RecordedRequest, type Simulator, startOpenAISimulator } from '@retouch/testing';
import OpenAI, { toFile } from 'openai';
import { createOpenAI } from './openai-provider.js';
import { combineUsage } from './openai-stream-edit.js';

const API_KEY = 'sk-test-openai-stream-0123456789';
let sim: Simulator;

beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: API_KEY });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

const png = createPng(64, 64, { color: [200, 30, 30] });
const provider = () => createOpenAI({ apiKey: API_KEY, baseURL: `${sim.url}/v1` });
const edit = (extra: Record<string, unknown> = {}) =>
  streamImageEdit({ model: 'gpt-image-2', image: png, prompt: 'Add a hat', ...extra } as never, {
    provider: provider(),
  });

function wire(request: RecordedRequest | undefined) {
  return {
    path: request?.path,
    files: request?.files?.map((file) => [file.field, file.filename, file.contentType]),
    fields: request?.fields,
  };
}

async function types(stream: AsyncIterable<ImageEditStreamEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of stream) seen.push(event.type);
  return seen;
}

describe('streamed OpenAI edits', () => {
  it('send what the official client sends for stream: true, partial_images: 2', async () => {
    const stream = await edit({ partial_images: 2, size: '1024x1024' });
    expect(await types(stream)).toEqual([
      'image_edit.partial_image',
      'image_edit.partial_image',
      'image_edit.completed',
    ]);
    const ours = wire(sim.requests[0]);
    expect(ours.fields).toMatchObject({ stream: ['true'], partial_images: ['2'] });

    sim.reset();
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${sim.url}/v1`, maxRetries: 0 });
    const official = await client.images.edit({
      model: 'gpt-image-2',
      image: await toFile(png, 'image.png', { type: 'image/png' }),
      prompt: 'Add a hat',
      partial_images: 2,
      size: '1024x1024',
      stream: true,
    });
    const officialTypes: string[] = [];
    for await (const event of official) officialTypes.push(event.type);
    expect(wire(sim.requests[0])).toEqual(ours);
    expect(officialTypes).toEqual([
      'image_edit.partial_image',
      'image_edit.partial_image',
      'image_edit.completed',
    ]);
  });

  it('hands out each event as it arrives, and prices the call from the completed usage', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The simulator holds everything after the first partial until the test has seen it.
    sim.setStreamTiming({ beforeEvent: (index) => (index >= 1 ? held : undefined) });
    const stream = await edit({ partial_images: 1 });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ type: 'image_edit.partial_image', partial_image_index: 0 });
    expect(sim.streams[0]?.eventsSent).toBe(1);
    release();
    expect((await iterator.next()).value).toMatchObject({ type: 'image_edit.completed' });
    expect((await iterator.next()).done).toBe(true);
    const response = await stream.response();
    const meta = getMeta(response);
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
    expect(meta.costUsd).toBeGreaterThan(0);
    expect(meta.upstreamRequestId).toMatch(/^req_sim/);
    expect(stream.meta.upstreamRequestId).toBe(meta.upstreamRequestId);
  });

  it('an error event after the first partial ends the iteration with a RetouchError', async () => {
    sim.injectFault({ type: 'stream-error', afterEvents: 1, message: 'The server had an error.' });
    const stream = await edit({ partial_images: 2 });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['image_edit.partial_image']);
    expect(error).toBeInstanceOf(BadGatewayError);
    expect((error as RetouchError).message).toContain('The server had an error.');
    expect((error as RetouchError).reachedUpstream).toBe(true);
  });

  it('a connection cut mid-stream is an APIConnectionError, not a silent end', async () => {
    sim.injectFault({ type: 'stream-cut', afterEvents: 1 });
    const stream = await edit({ partial_images: 2 });
    const error = await stream.response().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as RetouchError).reachedUpstream).toBe(true);
  });

  it('break cancels the upstream request', async () => {
    sim.setStreamTiming({ beforeEvent: (index) => (index >= 1 ? new Promise(() => {}) : undefined) });
    const stream = await edit({ partial_images: 3 });
    for await (const event of stream) {
      expect(event.type).toBe('image_edit.partial_image');
      break;
    }
    const record = await sim.streams[0]?.ended;
    expect(record?.outcome).toBe('client-closed');
    expect(record?.eventsSent).toBe(1);
  });

  it('dall-e-2 (sent anyway: shut down 2026-05-12) does not stream upstream: its image comes as one completed event', async () => {
    const stream = await streamImageEdit(
      { model: 'dall-e-2', image: createPng(64, 64), prompt: 'Add a hat' },
      { provider: provider(), allowRetired: true },
    );
    expect(await types(stream)).toEqual(['image_edit.completed']);
    expect(sim.requests[0]?.fields?.stream).toBeUndefined();
    expect(sim.requests[0]?.fields?.response_format).toEqual(['b64_json']);
  });

  it('skips event types it has no mapping for, comments and [DONE], keeping the stream going', async () => {
    const b64 = png.toString('base64');
    const echo = { size: '1024x1024', quality: 'high', background: 'opaque', output_format: 'png' };
    const usage = {
      input_tokens: 10,
      output_tokens: 20,
      total_tokens: 30,
      input_tokens_details: { text_tokens: 4, image_tokens: 6 },
    };
    const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          [
            ': keep-alive\n\n',
            frame('image_edit.progress', { type: 'image_edit.progress', percent: 10 }),
            frame('image_edit.partial_image', {
              type: 'image_edit.partial_image',
              b64_json: b64,
              created_at: 1,
              partial_image_index: 0,
              ...echo,
            }),
            frame('image_edit.completed', {
              type: 'image_edit.completed',
              b64_json: b64,
              created_at: 2,
              ...echo,
              usage,
            }),
            'data: [DONE]\n\n',
          ].join(''),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const stream = await streamImageEdit(
        { model: 'gpt-image-2', image: png, prompt: 'Add a hat', partial_images: 1 },
        { provider: createOpenAI({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/v1` }) },
      );
      expect(await types(stream)).toEqual(['image_edit.partial_image', 'image_edit.completed']);
      expect((await stream.response()).usage).toEqual(usage);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an error status before any event is thrown by streamImageEdit', async () => {
    sim.injectFault({ type: 'rate-limit', retryAfterSeconds: 2 });
    const error = await edit({ partial_images: 1 }).catch((e: unknown) => e);
    expect(RetouchError.isInstance(error) && error.status).toBe(429);
  });
});

describe('combineUsage', () => {
  const u = { input_tokens: 10, output_tokens: 20, total_tokens: 30 };
  it('counts repeated per-call figures once and sums per-image ones', () => {
    expect(combineUsage([u, u])).toBe(u);
    expect(combineUsage([u, { ...u, output_tokens: 40, total_tokens: 50 }])).toMatchObject({
      input_tokens: 20,
      output_tokens: 60,
      total_tokens: 80,
    });
    expect(combineUsage([])).toBeUndefined();
  });
});
