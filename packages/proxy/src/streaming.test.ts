/**
 * Streamed edits through the proxy (issue 13's "done when"): the official `openai` client with
 * `stream: true` and a raw HTTP reader (as `curl -N`) against an OpenAI deployment (real partials)
 * and a Gemini and a BFL deployment (completed events only); a fallback before the first event;
 * a failure after it as an SSE `error` event; a client that leaves cancels the upstream.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sniffImage } from '@retouch/core';
import { Writable } from 'node:stream';
import {
  type BFLSimulator,
  type GeminiSimulator,
  type Simulator,
  startBFLSimulator,
  startGeminiSimulator,
  startOpenAISimulator,
} from '@retouch/testing';
import OpenAI, { toFile } from 'openai';
import { pino } from 'pino';
import { parseConfig } from './config/load-config.js';
import { createProxyServer, type ProxyServer } from './server.js';
import { curlForm, IMAGE, MASTER_KEY, type Part } from './test-support/harness.js';
import { pause } from './test-support/raw-http.js';

let openaiSim: Simulator;
let geminiSim: GeminiSimulator;
let bflSim: BFLSimulator;
let proxy: ProxyServer;
let url: string;
let client: OpenAI;
const logs: string[] = [];

/** A proxy over the three simulators: OpenAI, Gemini, BFL groups, and `guarded` falling back to Gemini. */
async function startProxy(): Promise<{ proxy: ProxyServer; url: string }> {
  const config = parseConfig(
    `model_list:
  - model_name: gpt-image-2
    litellm_params: { model: gpt-image-2, api_key: sk-test-simulator, api_base: "${openaiSim.url}/v1" }
    model_info: { id: openai-sim }
  - model_name: gemini-edit
    litellm_params: { model: gemini/gemini-3.1-flash-image, api_key: gemini-sim-key, api_base: "${geminiSim.url}" }
    model_info: { id: gemini-sim }
  - model_name: flux
    litellm_params: { model: black_forest_labs/flux-kontext-pro, api_key: bfl-test-simulator, api_base: "${bflSim.url}" }
    model_info: { id: bfl-sim }
  - model_name: guarded
    litellm_params: { model: gpt-image-2, api_key: sk-test-simulator, api_base: "${openaiSim.url}/v1" }
    model_info: { id: openai-guarded }
router_settings:
  num_retries: 0
  cooldown_time: 0
  fallbacks: [{ guarded: [gemini-edit] }]
general_settings:
  master_key: ${MASTER_KEY}
`,
    { env: {} },
  );
  const capture = new Writable({
    write: (chunk, _encoding, callback) => {
      logs.push(String(chunk));
      callback();
    },
  });
  const started = await createProxyServer({ config, logger: pino({ level: 'info' }, capture) });
  return { proxy: started, url: await started.listen({ port: 0, host: '127.0.0.1' }) };
}

beforeAll(async () => {
  [openaiSim, geminiSim, bflSim] = await Promise.all([
    startOpenAISimulator(),
    startGeminiSimulator(),
    startBFLSimulator({ pendingPolls: 1 }),
  ]);
  ({ proxy, url } = await startProxy());
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await Promise.all([openaiSim.close(), geminiSim.close(), bflSim.close()]);
});
beforeEach(() => {
  for (const sim of [openaiSim, geminiSim, bflSim]) sim.reset();
});

const png = () => toFile(IMAGE, 'a.png', { type: 'image/png' });

async function officialEvents(model: string, extra: Record<string, unknown> = {}) {
  const stream = await client.images.edit({
    model,
    image: await png(),
    prompt: 'Add a hat',
    stream: true,
    ...extra,
  } as Parameters<typeof client.images.edit>[0] & { stream: true });
  const events: { type: string; [field: string]: unknown }[] = [];
  for await (const event of stream) events.push(event as never);
  return events;
}

/** A raw HTTP POST that records each body chunk as it arrives, as `curl -N` prints it. */
function rawStream(
  parts: readonly Part[] | { json: unknown },
  onChunk?: (text: string, chunks: string[]) => void,
): Promise<{ status: number; headers: IncomingHttpHeaders; chunks: string[] }> {
  const { body, contentType } =
    'json' in parts
      ? { body: Buffer.from(JSON.stringify(parts.json)), contentType: 'application/json' }
      : curlForm(parts);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/v1/images/edits`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': contentType, accept: '*/*' },
      },
      (res) => {
        const chunks: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          chunks.push(chunk);
          onChunk?.(chunk, chunks);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The frames of an SSE body: `[event, data]` pairs, checked to be exactly `event:` + one `data:` line. */
function frames(text: string): [string, Record<string, unknown>][] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const match = /^event: ([^\n]+)\ndata: ([^\n]+)$/.exec(frame);
      if (!match) throw new Error(`not an OpenAI SSE frame: ${frame.slice(0, 80)}`);
      return [match[1] as string, JSON.parse(match[2] as string)];
    });
}

const authorized = { headers: { authorization: `Bearer ${MASTER_KEY}` } };

/** What the proxy still holds for edits: its in-flight edit requests and each deployment's in-flight calls. */
async function proxyHolds(): Promise<{ edits: number; deployments: number[] }> {
  const metrics = await (await fetch(`${url}/metrics`, authorized)).text();
  const health = (await (await fetch(`${url}/health`, authorized)).json()) as {
    healthy_endpoints: { in_flight: number }[];
    unhealthy_endpoints: { in_flight: number }[];
  };
  return {
    edits: Number(/^retouch_edits_in_flight (\d+)/m.exec(metrics)?.[1] ?? Number.NaN),
    deployments: [...health.healthy_endpoints, ...health.unhealthy_endpoints].map((e) => e.in_flight),
  };
}

/** Waits (bounded) until the proxy holds nothing for any edit, and says what it still held if not. */
async function expectNothingHeld(): Promise<void> {
  let holds = await proxyHolds();
  for (let i = 0; i < 300 && (holds.edits !== 0 || holds.deployments.some((n) => n !== 0)); i++) {
    await pause(10);
    holds = await proxyHolds();
  }
  expect(holds.edits).toBe(0);
  expect(holds.deployments.every((n) => n === 0)).toBe(true);
}

/** The media type the bytes of a `b64_json` really are. */
const mediaTypeOf = (b64: unknown) => sniffImage(Buffer.from(String(b64), 'base64'))?.mediaType;

describe('the official openai client with stream: true', () => {
  it('gets real partial images from an OpenAI deployment', async () => {
    const events = await officialEvents('gpt-image-2', { partial_images: 2 });
    expect(events.map((e) => e.type)).toEqual([
      'image_edit.partial_image',
      'image_edit.partial_image',
      'image_edit.completed',
    ]);
    expect(events[1]).toMatchObject({ partial_image_index: 1, size: expect.any(String) });
    expect(mediaTypeOf(events[2]?.b64_json)).toBe('image/png');
    expect(events[2]?.usage).toMatchObject({ total_tokens: expect.any(Number) });
    expect(openaiSim.lastRequest().fields).toMatchObject({ stream: ['true'], partial_images: ['2'] });
  });

  it.each([
    ['gemini-edit', () => geminiSim.requests.length],
    ['flux', () => bflSim.requests.length],
  ])('gets the final image as one completed event from %s, field for field', async (model, hits) => {
    const events = await officialEvents(model, { partial_images: 2 });
    expect(events.map((e) => e.type)).toEqual(['image_edit.completed']);
    expect(Object.keys(events[0] ?? {}).sort()).toEqual(
      ['type', 'b64_json', 'created_at', 'size', 'quality', 'background', 'output_format', 'usage'].sort(),
    );
    // The image is what output_format says it is.
    expect(mediaTypeOf(events[0]?.b64_json)).toBe(`image/${String(events[0]?.output_format)}`);
    expect(hits()).toBeGreaterThan(0);
  });

  it('a failure after the first event is an SSE error the client throws as an APIError', async () => {
    openaiSim.injectFault({ type: 'stream-error', afterEvents: 1, message: 'The server had an error.' });
    const seen: string[] = [];
    const error = await (async () => {
      const stream = await client.images.edit({
        model: 'gpt-image-2',
        image: await png(),
        prompt: 'x',
        stream: true,
        partial_images: 2,
      });
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['image_edit.partial_image']);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('The server had an error.');
  });

  it('a failure before the first event is an ordinary error response', async () => {
    openaiSim.injectFault({
      type: 'status',
      status: 400,
      body: { error: { message: 'bad mask', type: 'invalid_request_error', param: 'mask', code: null } },
    });
    const error = await officialEvents('gpt-image-2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('break cancels the upstream stream', async () => {
    openaiSim.setStreamTiming({ beforeEvent: (index) => (index >= 1 ? new Promise(() => {}) : undefined) });
    const stream = await client.images.edit({
      model: 'gpt-image-2',
      image: await png(),
      prompt: 'x',
      stream: true,
      partial_images: 3,
    });
    for await (const event of stream) {
      expect(event.type).toBe('image_edit.partial_image');
      break;
    }
    expect((await openaiSim.streams[0]?.ended)?.outcome).toBe('client-closed');
    // Nothing is left open upstream: the proxy's connection to the simulator is not busy.
    for (let i = 0; i < 200 && openaiSim.connections().busy > 0; i++) await pause(10);
    expect(openaiSim.connections().busy).toBe(0);
    // Nor in the proxy: no edit request and no deployment call is still counted in flight.
    await expectNothingHeld();
  });

  it('passes an event type it has no type for on as plain data (why retouch adds none of its own)', async () => {
    // A loopback server that answers as OpenAI would if it added an event type.
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(
          `event: image_edit.progress\ndata: ${JSON.stringify({ type: 'image_edit.progress', percent: 40 })}\n\n`,
        );
        res.end(
          `event: image_edit.completed\ndata: ${JSON.stringify({ type: 'image_edit.completed', b64_json: 'AA==' })}\n\n`,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const raw = new OpenAI({ apiKey: 'sk-x', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
      const stream = await raw.images.edit({
        model: 'gpt-image-2',
        image: await png(),
        prompt: 'x',
        stream: true,
      });
      const events: unknown[] = [];
      for await (const event of stream) events.push(event);
      // No error, no filtering: typed code switching on event.type meets a type it was never told of.
      expect(events).toEqual([
        { type: 'image_edit.progress', percent: 40 },
        { type: 'image_edit.completed', b64_json: 'AA==' },
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('a raw HTTP client (curl -N)', () => {
  const base: Part[] = [
    { name: 'model', value: 'gpt-image-2' },
    { name: 'prompt', value: 'Add a hat' },
    { name: 'image', file: IMAGE },
    { name: 'stream', value: 'true' },
    { name: 'partial_images', value: '1' },
  ];

  it('reads text/event-stream with the retouch headers, each event flushed before the next is made', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    openaiSim.setStreamTiming({ beforeEvent: (index) => (index >= 1 ? held : undefined) });
    let firstChunkSentBefore: number | undefined;
    const answer = await rawStream(base, (_chunk, chunks) => {
      if (chunks.length === 1) {
        firstChunkSentBefore = openaiSim.streams[0]?.eventsSent;
        release();
      }
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers).toMatchObject({
      'x-retouch-model-group': 'gpt-image-2',
      'x-retouch-model-id': 'openai-sim',
      'x-retouch-provider': 'openai',
      'x-retouch-attempts': '1',
    });
    expect(Number(answer.headers['x-retouch-time-to-first-event-ms'])).toBeGreaterThanOrEqual(0);
    // The first event reached the client while the simulator held the rest.
    expect(firstChunkSentBefore).toBe(1);
    const text = answer.chunks.join('');
    // The request's log line, written once the stream ended (maybe just after the client saw the end), has its cost.
    const requestLine = () =>
      logs
        .flatMap((l) => l.split('\n').filter(Boolean))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'request' && l.deployment === 'openai-sim');
    for (let i = 0; i < 500 && !requestLine(); i++) await pause(10);
    expect(requestLine()).toMatchObject({
      status: 200,
      model_group: 'gpt-image-2',
      cost_usd: expect.any(Number),
    });
    expect(frames(text).map(([event, data]) => [event, data.type])).toEqual([
      ['image_edit.partial_image', 'image_edit.partial_image'],
      ['image_edit.completed', 'image_edit.completed'],
    ]);
  });

  it('reads a Gemini deployment as one completed event, in frames and with headers as for OpenAI', async () => {
    const answer = await rawStream(
      base.map((p) => (p.name === 'model' ? { name: 'model', value: 'gemini-edit' } : p)),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers).toMatchObject({
      'x-retouch-model-id': 'gemini-sim',
      'x-retouch-provider': 'gemini',
    });
    const parsed = frames(answer.chunks.join(''));
    expect(parsed.map(([event, data]) => [event, data.type])).toEqual([
      ['image_edit.completed', 'image_edit.completed'],
    ]);
    expect(mediaTypeOf(parsed[0]?.[1].b64_json)).toBe(`image/${String(parsed[0]?.[1].output_format)}`);
    expect(geminiSim.requests.length).toBeGreaterThan(0);
  });

  it('every completed event has usage in the spec shape (input_tokens_details), on every deployment', async () => {
    for (const model of ['gpt-image-2', 'gemini-edit', 'flux']) {
      const answer = await rawStream(
        base.map((p) => (p.name === 'model' ? { name: 'model', value: model } : p)),
      );
      const completed = frames(answer.chunks.join('')).filter(([event]) => event === 'image_edit.completed');
      expect(completed).toHaveLength(1);
      const usage = completed[0]?.[1].usage as Record<string, unknown>;
      expect([model, usage]).toEqual([
        model,
        expect.objectContaining({
          input_tokens: expect.any(Number),
          output_tokens: expect.any(Number),
          total_tokens: expect.any(Number),
          input_tokens_details: expect.objectContaining({
            text_tokens: expect.any(Number),
            image_tokens: expect.any(Number),
          }),
        }),
      ]);
    }
  });

  it('n: 2 is one completed event per image, on OpenAI (after its partials) and on BFL', async () => {
    const withN = (model: string) => [
      ...base.map((p) => (p.name === 'model' ? { name: 'model', value: model } : p)),
      { name: 'n', value: '2' },
    ];
    const openai = frames((await rawStream(withN('gpt-image-2'))).chunks.join(''));
    expect(openai.map(([event]) => event)).toEqual([
      'image_edit.partial_image',
      'image_edit.completed',
      'image_edit.completed',
    ]);
    const flux = frames((await rawStream(withN('flux'))).chunks.join(''));
    expect(flux.map(([event]) => event)).toEqual(['image_edit.completed', 'image_edit.completed']);
    for (const [, data] of flux)
      expect(mediaTypeOf(data.b64_json)).toBe(`image/${String(data.output_format)}`);
    // BFL reports no tokens: zeros on both, so summing them counts nothing twice.
    expect(flux.map(([, data]) => (data.usage as { total_tokens: number }).total_tokens)).toEqual([0, 0]);
    expect(bflSim.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('partial_images 0 streams the completed event only; 4 is a 400 before any upstream call', async () => {
    const none = await rawStream(
      base.map((p) => (p.name === 'partial_images' ? { name: 'partial_images', value: '0' } : p)),
    );
    expect(frames(none.chunks.join('')).map(([event]) => event)).toEqual(['image_edit.completed']);
    expect(openaiSim.lastRequest().fields).toMatchObject({ stream: ['true'], partial_images: ['0'] });
    openaiSim.reset();
    const tooMany = await rawStream(
      base.map((p) => (p.name === 'partial_images' ? { name: 'partial_images', value: '4' } : p)),
    );
    expect(tooMany.status).toBe(400);
    expect(JSON.parse(tooMany.chunks.join('')).error.param).toBe('partial_images');
    expect(openaiSim.requests).toHaveLength(0);
  });

  it('a client that hangs up mid-stream (curl killed) aborts the upstream and leaves nothing held', async () => {
    openaiSim.setStreamTiming({ beforeEvent: (index) => (index >= 1 ? new Promise(() => {}) : undefined) });
    const { body, contentType } = curlForm(base);
    const firstChunk = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        `${url}/v1/images/edits`,
        { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': contentType } },
        (res) => {
          res.setEncoding('utf8');
          res.once('data', (chunk: string) => {
            req.destroy();
            resolve(chunk);
          });
        },
      );
      req.on('error', () => undefined);
      req.on('close', () => reject(new Error('closed before the first event')));
      req.end(body);
    });
    expect(firstChunk.startsWith('event: image_edit.partial_image\n')).toBe(true);
    expect((await openaiSim.streams[0]?.ended)?.outcome).toBe('client-closed');
    for (let i = 0; i < 200 && openaiSim.connections().busy > 0; i++) await pause(10);
    expect(openaiSim.connections().busy).toBe(0);
    await expectNothingHeld();
  });

  it('a client that hangs up while BFL is still polled (before any byte came back) stops the polling', async () => {
    bflSim.queueOutcome({ status: 'Pending' });
    const { body, contentType } = curlForm(
      base.map((p) => (p.name === 'model' ? { name: 'model', value: 'flux' } : p)),
    );
    let answered = false;
    const req = httpRequest(
      `${url}/v1/images/edits`,
      { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': contentType } },
      () => {
        answered = true;
      },
    );
    req.on('error', () => undefined);
    req.end(body);
    const polled = () => bflSim.tasks()[0]?.polls ?? 0;
    for (let i = 0; i < 500 && polled() < 1; i++) await pause(10);
    expect(polled()).toBeGreaterThanOrEqual(1);
    // The stream has no first event yet: the client has had nothing, not even the status line.
    expect(answered).toBe(false);
    req.destroy();
    await expectNothingHeld();
    const after = polled();
    // The provider polls every 500 ms and more: 1.2 s without a poll means it stopped.
    await pause(1200);
    expect(polled()).toBe(after);
  });

  it('takes stream: true in a JSON body too', async () => {
    const answer = await rawStream({
      json: {
        model: 'flux',
        prompt: 'Add a hat',
        images: [{ image_url: `data:image/png;base64,${Buffer.from(IMAGE).toString('base64')}` }],
        stream: true,
      },
    });
    expect(answer.status).toBe(200);
    expect(frames(answer.chunks.join('')).map(([event]) => event)).toEqual(['image_edit.completed']);
  });

  it('falls back before the first event; the headers name the deployment that streams', async () => {
    openaiSim.injectFault({ type: 'status', status: 503 });
    const answer = await rawStream(
      base.map((p) => (p.name === 'model' ? { name: 'model', value: 'guarded' } : p)),
    );
    expect(answer.headers).toMatchObject({
      'x-retouch-model-group': 'gemini-edit',
      'x-retouch-model-id': 'gemini-sim',
      'x-retouch-attempts': '2',
    });
    expect(frames(answer.chunks.join('')).map(([event]) => event)).toEqual(['image_edit.completed']);
  });

  it("a connection cut upstream after the first event ends with an error event in OpenAI's shape", async () => {
    openaiSim.injectFault({ type: 'stream-cut', afterEvents: 1 });
    const answer = await rawStream(base);
    const parsed = frames(answer.chunks.join(''));
    expect(parsed.map(([event]) => event)).toEqual(['image_edit.partial_image', 'error']);
    expect(parsed[1]?.[1]).toEqual({
      type: 'error',
      error: {
        message: expect.stringContaining('cut off'),
        type: expect.any(String),
        param: null,
        code: null,
      },
    });
  });

  it('stream=true with response_format=url is a 400 before any upstream call', async () => {
    const answer = await rawStream([...base, { name: 'response_format', value: 'url' }]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.chunks.join('')).error.param).toBe('response_format');
    expect(openaiSim.requests).toHaveLength(0);
  });

  it('a shutdown that ends a stream at its grace period says so in the error event', async () => {
    const own = await startProxy();
    openaiSim.setStreamTiming({ beforeEvent: (index) => (index >= 1 ? new Promise(() => {}) : undefined) });
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${own.url}/v1`, maxRetries: 0 });
    const stream = await client.images.edit({
      model: 'gpt-image-2',
      image: await png(),
      prompt: 'x',
      stream: true,
      partial_images: 2,
    });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.type).toBe('image_edit.partial_image');
    const closed = own.proxy.close({ graceMs: 100 });
    const error = await iterator.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('shutting_down');
    await closed;
    expect((await openaiSim.streams[0]?.ended)?.outcome).toBe('client-closed');
  });

  it('/metrics has the time to first event', async () => {
    await rawStream(base);
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(await metrics.text()).toMatch(
      /retouch_time_to_first_event_seconds_count\{model_group="gpt-image-2",deployment="openai-sim",provider="openai"\} [1-9]/,
    );
  });
});
