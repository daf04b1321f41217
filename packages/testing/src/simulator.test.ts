import { afterEach, describe, expect, it } from '@jest/globals';
import { parseFaultHeader, type Simulator, startSimulator } from './simulator.js';

let sim: Simulator | undefined;

async function start(): Promise<Simulator> {
  sim = await startSimulator({
    name: 'echo',
    handle: (request, context) =>
      request.path === '/host'
        ? { status: 200, json: { url: context.hostFile(Buffer.from('hello'), 'text/plain', 'txt') } }
        : { status: 200, json: { ok: true, path: request.path } },
    errorBody: (status, message, code) => ({ problem: { status, message, code } }),
    responseHeaders: () => ({ 'x-sim': 'yes' }),
  });
  return sim;
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('startSimulator', () => {
  it('listens on 127.0.0.1 and records multipart requests', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const form = new FormData();
    form.append('prompt', 'a');
    form.append('image[]', new Blob([Buffer.from([1, 2])], { type: 'image/png' }), 'a.png');
    form.append('image[]', new Blob([Buffer.from([3])], { type: 'image/webp' }), 'b.webp');
    const response = await fetch(`${server.url}/v1/x?alt=sse`, {
      method: 'POST',
      body: form,
      headers: { 'X-Key': 'k' },
    });
    expect(response.headers.get('x-sim')).toBe('yes');
    const recorded = server.lastRequest();
    expect(recorded).toMatchObject({
      method: 'POST',
      path: '/v1/x',
      contentType: 'multipart/form-data',
      fields: { prompt: ['a'] },
    });
    expect(recorded.query.get('alt')).toBe('sse');
    expect(recorded.headers['x-key']).toBe('k');
    expect(
      recorded.files?.map((file) => [file.field, file.filename, file.contentType, [...file.bytes]]),
    ).toEqual([
      ['image[]', 'a.png', 'image/png', [1, 2]],
      ['image[]', 'b.webp', 'image/webp', [3]],
    ]);
  });

  it('records JSON bodies, and bad JSON with a parse error', async () => {
    const server = await start();
    await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(server.lastRequest().json).toEqual({ a: 1 });
    await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(server.lastRequest().json).toBeUndefined();
    expect(server.lastRequest().parseError).toMatch(/^json:/);
    expect(server.requests).toHaveLength(2);
  });

  it('hosts files', async () => {
    const server = await start();
    const { url } = (await (await fetch(`${server.url}/host`)).json()) as { url: string };
    expect(url).toMatch(/\/sim-files\/.+\.txt$/);
    const download = await fetch(url);
    expect(download.headers.get('content-type')).toBe('text/plain');
    expect(await download.text()).toBe('hello');
    expect((await fetch(`${server.url}/sim-files/nope.txt`)).status).toBe(404);
  });

  it('answers status faults with the API error body, by default once', async () => {
    const server = await start();
    server.injectFault({ type: 'status', status: 403 });
    const first = await fetch(server.url);
    expect(first.status).toBe(403);
    expect(await first.json()).toEqual({
      problem: { status: 403, message: 'Simulated fault: HTTP 403.', code: 'permission_denied' },
    });
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('uses a custom fault body and headers', async () => {
    const server = await start();
    server.injectFault({ type: 'status', status: 418, body: { teapot: true }, headers: { 'x-why': 'tea' } });
    const response = await fetch(server.url);
    expect(response.status).toBe(418);
    expect(response.headers.get('x-why')).toBe('tea');
    expect(await response.json()).toEqual({ teapot: true });
  });

  it('skips requests a fault does not match, and clears faults', async () => {
    const server = await start();
    server.injectFault(
      { type: 'status', status: 500 },
      { match: (request) => request.path === '/b', times: Infinity },
    );
    expect((await fetch(`${server.url}/a`)).status).toBe(200);
    expect((await fetch(`${server.url}/b`)).status).toBe(500);
    expect((await fetch(`${server.url}/b`)).status).toBe(500);
    server.clearFaults();
    expect((await fetch(`${server.url}/b`)).status).toBe(200);
  });

  it('rate-limits with Retry-After', async () => {
    const server = await start();
    server.injectFault({ type: 'rate-limit', retryAfterSeconds: 3 });
    const response = await fetch(server.url);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
  });

  it('closes promptly while a delayed answer is pending', async () => {
    const server = await start();
    server.injectFault({ type: 'delay', ms: 60_000 });
    const pending = fetch(server.url).catch((error: unknown) => error);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toHaveProperty('message', 'fetch failed');
  });

  it('hangs until the client gives up, and counts the connection as busy meanwhile', async () => {
    const server = await start();
    server.injectFault({ type: 'hang' });
    const controller = new AbortController();
    const pending = fetch(server.url, { signal: controller.signal }).catch((error: unknown) => error);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.connections()).toEqual({ open: 1, busy: 1 });
    controller.abort();
    expect(await pending).toHaveProperty('name', 'AbortError');
    while (server.connections().open > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.connections()).toEqual({ open: 0, busy: 0 });
  });

  it('cuts a body short: headers and half the body, then a reset', async () => {
    const server = await start();
    server.injectFault({ type: 'truncated-body' });
    const response = await fetch(`${server.url}/some/long/path/for/a/longer/body`);
    expect(response.status).toBe(200);
    const full = JSON.stringify({ ok: true, path: '/some/long/path/for/a/longer/body' });
    expect(response.headers.get('content-length')).toBe(String(full.length));
    await expect(response.text()).rejects.toThrow();
  });

  it('stalls a body: headers and half the body, then nothing', async () => {
    const server = await start();
    server.injectFault({ type: 'stalled-body' });
    const controller = new AbortController();
    const response = await fetch(server.url, { signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    const full = JSON.stringify({ ok: true, path: '/' });
    expect(Buffer.from(first.value ?? []).toString()).toBe(full.slice(0, Math.floor(full.length / 2)));
    const next = reader.read().catch((error: unknown) => error);
    controller.abort();
    expect(await next).toHaveProperty('name', 'AbortError');
  });

  it('answers garbage: a 200 JSON content type over bytes that are not JSON', async () => {
    const server = await start();
    server.injectFault({ type: 'garbage' });
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    await expect(response.json()).rejects.toThrow();
  });

  it('asks the fault policy about requests no queued fault or header decides', async () => {
    const server = await start();
    const asked: string[] = [];
    server.setFaultPolicy((request) => {
      asked.push(request.path);
      return request.path === '/fail' ? { type: 'status', status: 503 } : undefined;
    });
    server.injectFault({ type: 'status', status: 500 });
    expect((await fetch(`${server.url}/fail`)).status).toBe(500);
    expect((await fetch(`${server.url}/fail`)).status).toBe(503);
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
    expect(
      (await fetch(`${server.url}/fail`, { headers: { 'x-simulator-fault': 'status=502' } })).status,
    ).toBe(502);
    expect(asked).toEqual(['/fail', '/ok']);
    server.setFaultPolicy(undefined);
    expect((await fetch(`${server.url}/fail`)).status).toBe(200);
  });

  it('forgets requests and faults on reset', async () => {
    const server = await start();
    await fetch(server.url);
    server.injectFault({ type: 'reset' });
    server.reset();
    expect(server.requests).toHaveLength(0);
    expect(() => server.lastRequest()).toThrow('no request');
    expect((await fetch(server.url)).status).toBe(200);
  });
});

describe('parseFaultHeader', () => {
  it.each([
    ['status=503', { type: 'status', status: 503 }],
    ['rate-limit', { type: 'rate-limit', retryAfterSeconds: undefined }],
    ['rate-limit=2', { type: 'rate-limit', retryAfterSeconds: 2 }],
    ['delay=500', { type: 'delay', ms: 500 }],
    ['reset', { type: 'reset' }],
    ['malformed-json', { type: 'malformed-json' }],
    ['hang', { type: 'hang' }],
    ['truncated-body', { type: 'truncated-body' }],
    ['stalled-body', { type: 'stalled-body' }],
    ['garbage', { type: 'garbage' }],
    ['hang=1', undefined],
    ['status=abc', undefined],
    ['status=42', undefined],
    ['delay', undefined],
    ['reset=1', undefined],
    ['explode', undefined],
  ])('%s', (value, fault) => {
    expect(parseFaultHeader(value)).toEqual(fault);
  });
});
