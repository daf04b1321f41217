import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { sniffImage } from '@retouch/core';
import { PNG } from 'pngjs';
import { createJpeg, createOpenAIMask, createPng } from './fixtures.js';
import { createOpenAIEditForm, type OpenAIEditFormFields } from './openai-form.js';
import { startOpenAISimulator } from './openai-simulator.js';
import type { Simulator } from './simulator.js';

const KEY = 'sk-test-simulator-key-123456';
let sim: Simulator;

async function post(body: FormData | object, headers: Record<string, string> = {}) {
  const isForm = body instanceof FormData;
  const response = await fetch(`${sim.url}/v1/images/edits`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${KEY}`,
      ...(isForm ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: isForm ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely.
  return { status: response.status, headers: response.headers, text, body: json as any };
}

const edit = (fields: OpenAIEditFormFields, headers?: Record<string, string>) =>
  post(createOpenAIEditForm({ model: 'gpt-image-1', prompt: 'Invert the colours', ...fields }), headers);

function decode(b64: string): PNG {
  return PNG.sync.read(Buffer.from(b64, 'base64'));
}

beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: KEY, organization: 'org-sim' });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

describe('auth', () => {
  it('refuses a request without a key, in OpenAI error shape, and records it', async () => {
    const { status, body } = await edit({ image: createPng(8, 8) }, { authorization: '' });
    expect(status).toBe(401);
    expect(body).toEqual({
      error: {
        message: expect.stringContaining("didn't provide an API key"),
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(sim.requests).toHaveLength(1);
  });

  it('refuses a wrong key and masks it', async () => {
    const wrong = 'sk-wrong-key-abcdefghijkl';
    const { status, body } = await edit({ image: createPng(8, 8) }, { authorization: `Bearer ${wrong}` });
    expect(status).toBe(401);
    expect(body.error.code).toBe('invalid_api_key');
    expect(body.error.message).not.toContain(wrong);
    expect(body.error.message).toContain('ijkl');
  });

  it('echoes the full key when echoKeyInErrors is set', async () => {
    const echoing = await startOpenAISimulator({ apiKey: KEY, echoKeyInErrors: true });
    const wrong = 'sk-wrong-key-abcdefghijkl';
    const response = await fetch(`${echoing.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${wrong}` },
      body: createOpenAIEditForm({ image: createPng(8, 8), prompt: 'x' }),
    });
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(wrong);
    await echoing.close();
  });

  it('refuses a mismatched organization and reports its own', async () => {
    const other = await edit({ image: createPng(8, 8) }, { 'openai-organization': 'org-other' });
    expect(other.status).toBe(401);
    expect(other.body.error.code).toBe('mismatched_organization');
    const same = await edit({ image: createPng(8, 8) }, { 'openai-organization': 'org-sim' });
    expect(same.status).toBe(200);
    expect(same.headers.get('openai-organization')).toBe('org-sim');
  });
});

describe('routes', () => {
  it('answers unknown paths with 404 and other methods with 405', async () => {
    const unknown = await fetch(`${sim.url}/v1/images/edit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe(
      'Invalid URL (POST /v1/images/edit)',
    );
    const get = await fetch(`${sim.url}/v1/images/edits`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(get.status).toBe(405);
  });

  it('refuses bodies that are neither multipart nor JSON', async () => {
    const response = await fetch(`${sim.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(response.status).toBe(400);
  });
});

describe('GPT image edits', () => {
  it('returns an inverted PNG of the input size, echo fields, usage and a request id', async () => {
    const { status, headers, body } = await edit({ image: createPng(32, 24, { color: [10, 20, 30] }) });
    expect(status).toBe(200);
    expect(headers.get('x-request-id')).toMatch(/^req_/);
    expect(body).toMatchObject({
      size: '1536x1024',
      quality: 'medium',
      background: 'opaque',
      output_format: 'png',
    });
    expect(body.data).toHaveLength(1);
    const png = decode(body.data[0].b64_json);
    expect([png.width, png.height]).toEqual([32, 24]);
    expect([...png.data.subarray(0, 4)]).toEqual([245, 235, 225, 255]);
    expect(body.usage).toEqual({
      input_tokens: 5 + 272,
      output_tokens: 1584,
      total_tokens: 5 + 272 + 1584,
      input_tokens_details: { text_tokens: 5, image_tokens: 272 },
      output_tokens_details: { text_tokens: 0, image_tokens: 1584 },
    });
  });

  it('edits only inside the transparent area of the mask', async () => {
    const mask = createOpenAIMask(16, 16, { x: 4, y: 4, width: 8, height: 8 });
    const { body } = await edit({ image: createPng(16, 16, { color: [0, 0, 0] }), mask });
    const png = decode(body.data[0].b64_json);
    const red = (x: number, y: number) => png.data[(y * 16 + x) * 4];
    expect(red(8, 8)).toBe(255);
    expect(red(0, 0)).toBe(0);
    expect(red(12, 12)).toBe(0);
  });

  it('takes several image[] parts, n, size and quality', async () => {
    const { status, body } = await edit({
      image: [createPng(8, 8), createJpeg(8, 8), createPng(8, 8)],
      n: 3,
      size: '1024x1536',
      quality: 'low',
    });
    expect(status).toBe(200);
    expect(body.data).toHaveLength(3);
    expect(body).toMatchObject({ size: '1024x1536', quality: 'low' });
    expect(body.usage.input_tokens_details.image_tokens).toBe(3 * 272);
    expect(body.usage.output_tokens).toBe(3 * 408);
    const png = decode(body.data[0].b64_json);
    expect([png.width, png.height]).toEqual([1024, 1536]);
  });

  it('defaults to gpt-image-1.5 and answers jpeg output with a JPEG', async () => {
    const { status, body } = await post(
      createOpenAIEditForm({
        image: createPng(8, 8),
        prompt: 'x',
        output_format: 'jpeg',
        output_compression: 50,
      }),
    );
    expect(status).toBe(200);
    expect(body.output_format).toBe('jpeg');
    expect(sniffImage(Buffer.from(body.data[0].b64_json, 'base64'))).toMatchObject({
      mediaType: 'image/jpeg',
      width: 8,
      height: 8,
    });
  });

  it('accepts a free-form size on gpt-image-2', async () => {
    const { status, body } = await edit({ model: 'gpt-image-2', image: createPng(8, 8), size: '1536x864' });
    expect(status).toBe(200);
    expect(body.size).toBe('1536x864');
  });

  it('streams partial images and a completed event with stream=true', async () => {
    const { status, headers, text } = await edit({ image: createPng(8, 8), stream: true, partial_images: 2 });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/event-stream');
    const events = [...text.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
    expect(events).toEqual(['image_edit.partial_image', 'image_edit.partial_image', 'image_edit.completed']);
    const datas = [...text.matchAll(/^data: (.+)$/gm)].map((match) => JSON.parse(match[1] as string));
    // Each partial shows more of the edit: the rows not done yet are mid-grey, the final has none.
    const greyRows = (b64: string) => {
      const png = decode(b64);
      let rows = 0;
      for (let y = 0; y < png.height; y++) if (png.data[y * png.width * 4] === 128) rows++;
      return rows;
    };
    const grey = datas.map((data) => greyRows(data.b64_json));
    expect(grey[0]).toBeGreaterThan(grey[1] ?? 0);
    expect(grey[1]).toBeGreaterThan(0);
    expect(decode(datas[2].b64_json).data.equals(decode(datas[1].b64_json).data)).toBe(false);
    const completed = JSON.parse(text.trim().split('\n').at(-1)?.slice('data: '.length) ?? '{}');
    expect(completed).toMatchObject({
      type: 'image_edit.completed',
      size: '1024x1024',
      usage: { input_tokens: expect.any(Number) },
    });
  });
});

/** A streamed edit of one 8×8 PNG, straight to the simulator. */
function streamedEdit(partialImages: number): Promise<Response> {
  return fetch(`${sim.url}/v1/images/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}` },
    body: createOpenAIEditForm({
      model: 'gpt-image-1',
      prompt: 'x',
      image: createPng(8, 8),
      stream: true,
      partial_images: partialImages,
    }),
  });
}

describe('streaming: timing and faults mid-stream', () => {
  it('sends events one at a time, as the test releases them, and records the outcome', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    sim.setStreamTiming({ beforeEvent: (index) => (index === 1 ? held : undefined) });
    const response = await streamedEdit(1);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.endsWith('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text.startsWith('event: image_edit.partial_image\n')).toBe(true);
    expect(sim.streams[0]).toMatchObject({ eventsSent: 1, outcome: 'open' });
    release();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += new TextDecoder().decode(chunk.value);
    }
    expect([...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1])).toEqual([
      'image_edit.partial_image',
      'image_edit.completed',
    ]);
    expect((await sim.streams[0]?.ended)?.outcome).toBe('completed');
  });

  it('firstEventDelayMs and intervalMs pace the events (the demo shows partials arriving one by one)', async () => {
    sim.setStreamTiming({ firstEventDelayMs: 150, intervalMs: 100 });
    const started = performance.now();
    const response = await streamedEdit(2);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const arrivals: { type: string; atMs: number }[] = [];
    let text = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += decoder.decode(chunk.value, { stream: true });
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const type = /^event: (.+)$/m.exec(text.slice(0, end))?.[1] ?? '';
        arrivals.push({ type, atMs: performance.now() - started });
        text = text.slice(end + 2);
      }
    }
    expect(arrivals.map((a) => a.type)).toEqual([
      'image_edit.partial_image',
      'image_edit.partial_image',
      'image_edit.completed',
    ]);
    // Lower bounds only (a loaded machine may be later, never earlier): 150 ms, then 100 ms apart.
    arrivals.forEach((arrival, index) => {
      expect(arrival.atMs).toBeGreaterThanOrEqual(150 + index * 100 - 2);
    });
    expect((await sim.streams[0]?.ended)?.outcome).toBe('completed');
  });

  it("stream-error=N sends an error event in OpenAI's shape after N events", async () => {
    const { text } = await edit(
      { image: createPng(8, 8), stream: true, partial_images: 2 },
      { 'x-simulator-fault': 'stream-error=1' },
    );
    const frames = text.trim().split('\n\n');
    expect(frames).toHaveLength(2);
    expect(frames[1]?.split('\n')[0]).toBe('event: error');
    expect(JSON.parse(frames[1]?.split('\n')[1]?.slice('data: '.length) ?? '')).toEqual({
      type: 'error',
      error: { message: expect.any(String), type: 'server_error', param: null, code: 'server_error' },
    });
    expect(sim.streams[0]?.outcome).toBe('error-event');
  });

  it('stream-cut=N drops the connection after N events', async () => {
    sim.injectFault({ type: 'stream-cut', afterEvents: 1 });
    const error = await edit({ image: createPng(8, 8), stream: true, partial_images: 2 }).catch(
      (e: unknown) => e,
    );
    // fetch's body read fails ("terminated"): the stream did not end, it was cut.
    expect(String(error)).toMatch(/terminated/);
    expect((await sim.streams[0]?.ended)?.outcome).toBe('cut');
  });
});

describe('dall-e-2', () => {
  it('answers with a URL served by the simulator, without auth', async () => {
    const { status, body } = await edit({ model: 'dall-e-2', image: createPng(16, 16), size: '256x256' });
    expect(status).toBe(200);
    expect(body.usage).toBeUndefined();
    expect(body.data[0].url).toMatch(new RegExp(`^${sim.url}/v1/sim-files/.+\\.png$`));
    const download = await fetch(body.data[0].url);
    expect(download.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await download.arrayBuffer()));
    expect([png.width, png.height]).toEqual([256, 256]);
  });

  it('answers b64_json when asked', async () => {
    const { body } = await edit({ model: 'dall-e-2', image: createPng(16, 16), response_format: 'b64_json' });
    expect(decode(body.data[0].b64_json).width).toBe(16);
  });
});

describe('JSON body', () => {
  const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

  it('takes images as data URLs and references', async () => {
    const { status, body } = await post({
      model: 'gpt-image-1',
      prompt: 'x',
      images: [
        { image_url: dataUrl(createPng(8, 8)) },
        { file_id: 'file-abc' },
        { image_url: 'https://example.com/a.png' },
      ],
      mask: { image_url: dataUrl(createOpenAIMask(8, 8, { x: 0, y: 0, width: 4, height: 4 })) },
      moderation: 'low',
    });
    expect(status).toBe(200);
    expect(body.usage.input_tokens_details.image_tokens).toBe(3 * 272);
    expect(sim.lastRequest().json).toMatchObject({ model: 'gpt-image-1' });
  });

  it.each([
    [{ images: [{ image_url: 'x', file_id: 'y' }] }, 'images[0]', 'invalid_value'],
    [
      { images: [{ image_url: 'data:image/png;base64,AA', detail: 'high' }] },
      'images[0].detail',
      'unknown_parameter',
    ],
    [{ images: [] }, 'images', 'empty_array'],
    [{ image: 'x' }, 'image', 'unknown_parameter'],
    [{ images: [{ file_id: 'f' }], response_format: 'url' }, 'response_format', 'unknown_parameter'],
    [{ images: [{ file_id: 'f' }], n: '2' }, 'n', 'invalid_type'],
    [{ images: [{ file_id: 'f' }], quality: 'standard' }, 'quality', 'invalid_value'],
    [{ images: [{ file_id: 'f' }], model: 'gpt-image-2', size: '1536x864' }, 'size', 'invalid_value'],
    [{ images: [{ file_id: 'f' }], model: 'dall-e-2' }, 'model', 'invalid_value'],
  ])('refuses %j', async (fields, param, code) => {
    const { status, body } = await post({ model: 'gpt-image-1', prompt: 'x', ...fields });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ param, code, type: 'invalid_request_error' });
  });

  it('refuses a body that is not JSON', async () => {
    const response = await fetch(`${sim.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(response.status).toBe(400);
    expect(sim.lastRequest().parseError).toMatch(/^json:/);
  });
});

describe('faults', () => {
  it.each([
    ['status=503', 503],
    ['rate-limit=2', 429],
    ['invalid', 400],
  ])('%s from the x-simulator-fault header', async (fault, status) => {
    const {
      status: got,
      headers,
      body,
    } = await edit({ image: createPng(8, 8) }, { 'x-simulator-fault': fault });
    expect(got).toBe(status);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(headers.get('x-request-id')).toMatch(/^req_/);
    if (status === 429) {
      expect(headers.get('retry-after')).toBe('2');
      expect(body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    }
  });

  it('delays, then answers normally', async () => {
    const started = Date.now();
    const { status } = await edit({ image: createPng(8, 8) }, { 'x-simulator-fault': 'delay=200' });
    expect(status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('resets the connection', async () => {
    await expect(edit({ image: createPng(8, 8) }, { 'x-simulator-fault': 'reset' })).rejects.toThrow();
    expect(sim.requests).toHaveLength(1);
  });

  it('sends truncated JSON', async () => {
    const { status, text, body } = await edit(
      { image: createPng(8, 8) },
      { 'x-simulator-fault': 'malformed-json' },
    );
    expect(status).toBe(200);
    expect(text.length).toBeGreaterThan(0);
    expect(body).toBeUndefined();
  });

  it('applies programmatic faults to matching requests only, times times', async () => {
    sim.injectFault(
      { type: 'status', status: 500 },
      { times: 2, match: (request) => request.method === 'POST' },
    );
    expect((await edit({ image: createPng(8, 8) })).status).toBe(500);
    expect((await edit({ image: createPng(8, 8) })).status).toBe(500);
    expect((await edit({ image: createPng(8, 8) })).status).toBe(200);
  });
});
