import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  APIConnectionError,
  APIUserAbortError,
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  ContentPolicyViolationError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RetouchError,
  ServiceUnavailableError,
  TimeoutError,
} from './errors.js';
import { createProviderHttp, parseCommonErrorBody, parseRetryAfter, parseUpstream } from './http.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const SECRET = 'topsecret-key-123';
let server: Server;
let base: string;
let last: Seen;
let served = 0;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    served++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    last = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    const url = new URL((req.url ?? '/').replace(/^\/v1/, ''), 'http://x');
    const status = /^\/status\/(\d+)$/.exec(url.pathname);
    if (status) {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-request-id': 'req_err',
      };
      for (const [k, v] of url.searchParams) headers[k] = v;
      res.writeHead(Number(status[1]), headers);
      res.end(
        JSON.stringify({
          error: { message: `upstream says no (key ${SECRET})`, code: 'some_code', param: 'size' },
        }),
      );
      return;
    }
    switch (url.pathname) {
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_ok' });
        res.end(JSON.stringify({ ok: true, method: req.method }));
        return;
      case '/bytes':
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(Buffer.from([1, 2, 3, 250]));
        return;
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>maintenance</html>');
        return;
      case '/text-error':
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('plain failure');
        return;
      case '/hang':
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const call = () => ({ signal: new AbortController().signal, model: 'm-1' });

async function failure(promise: Promise<unknown>): Promise<RetouchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(RetouchError.isInstance(error)).toBe(true);
  return error as RetouchError;
}

function http(patch: Partial<Parameters<typeof createProviderHttp>[0]> = {}) {
  return createProviderHttp({
    provider: 'acme',
    baseURL: `${base}/`,
    headers: () => ({ authorization: `Bearer ${SECRET}` }),
    secrets: () => [SECRET],
    ...patch,
  });
}

describe('createProviderHttp: requests', () => {
  it('posts JSON with the provider headers and returns body, status and request id', async () => {
    const result = await http().postJson('/echo', { prompt: 'hi', n: 2 }, call());
    expect(result).toMatchObject({ body: { ok: true, method: 'POST' }, status: 200, requestId: 'req_ok' });
    expect(last.url).toBe('/v1/echo');
    expect(last.headers['content-type']).toMatch(/^application\/json/);
    expect(last.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.parse(last.body.toString())).toEqual({ prompt: 'hi', n: 2 });
  });

  it('posts multipart forms with files and fields', async () => {
    const form = new FormData();
    form.append('prompt', 'make it red');
    form.append('image[]', new Blob([Buffer.from('PNGDATA')], { type: 'image/png' }), 'cat.png');
    await http().postForm('echo', form, call());
    expect(last.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const received = await new Response(last.body, {
      headers: { 'content-type': String(last.headers['content-type']) },
    }).formData();
    expect(received.get('prompt')).toBe('make it red');
    const file = received.get('image[]') as File;
    expect(file.name).toBe('cat.png');
    expect(file.type).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).toString()).toBe('PNGDATA');
  });

  it('sends a multipart body byte for byte as fetch encodes the same form', async () => {
    const form = new FormData();
    form.append('prompt', 'line one\nline two\r\nline "three"\rend é');
    form.append(
      'image[]',
      new Blob([Buffer.from([137, 80, 78, 71, 0, 255])], { type: 'image/png' }),
      'a "b".png',
    );
    form.append('image[]', new Blob([Buffer.from('second')], { type: 'image/webp' }), 'two.webp');
    form.append('mask', new Blob([Buffer.from('no type, no name')]));
    form.append('we"ird\nname', 'x');
    form.append('empty', '');
    await http().postForm('echo', form, call());
    const type = String(last.headers['content-type']);
    const boundary = /^multipart\/form-data; boundary=(\S+)$/.exec(type)?.[1];
    expect(boundary).toMatch(/^----formdata-undici-0\d{11}$/);
    const reference = new Response(form);
    const theirs = /boundary=(\S+)/.exec(reference.headers.get('content-type') ?? '')?.[1];
    const expected = Buffer.from(await reference.arrayBuffer());
    expect(last.headers['content-length']).toBe(String(expected.length));
    expect(last.body.toString('latin1')).toBe(
      expected.toString('latin1').replaceAll(String(theirs), String(boundary)),
    );
  });

  it('gets JSON and bytes, and posts a form for bytes', async () => {
    expect((await http().getJson('echo', call())).body).toEqual({ ok: true, method: 'GET' });
    expect(last.method).toBe('GET');
    const got = await http().getBytes('bytes', call());
    expect(got.body).toBeInstanceOf(Uint8Array);
    expect(Array.from(got.body)).toEqual([1, 2, 3, 250]);
    const posted = await http().postFormForBytes('bytes', new FormData(), call());
    expect(Array.from(posted.body)).toEqual([1, 2, 3, 250]);
    expect(last.method).toBe('POST');
  });

  it('calls the headers function on every call (keys load lazily)', async () => {
    let n = 0;
    const headers = jest.fn(() => ({ 'x-key': `k${++n}`, 'x-unset': undefined }));
    const client = http({ headers });
    await client.getJson('echo', call());
    expect(last.headers['x-key']).toBe('k1');
    expect('x-unset' in last.headers).toBe(false);
    await client.getJson('echo', call());
    expect(last.headers['x-key']).toBe('k2');
    expect(headers).toHaveBeenCalledTimes(2);
  });

  it('merges per-call headers over the provider ones, whatever their case', async () => {
    const client = http({
      headers: () => ({ Authorization: 'Bearer base', 'X-Mode': 'base', 'x-keep': '1' }),
    });
    await client.getJson('echo', { ...call(), headers: { 'x-mode': 'call', 'x-extra': 'e' } });
    expect(last.headers['x-mode']).toBe('call');
    expect(last.headers['x-extra']).toBe('e');
    expect(last.headers['x-keep']).toBe('1');
    expect(last.headers.authorization).toBe('Bearer base');
  });

  it("never lets a caller's extra headers replace the provider's credentials", async () => {
    const client = http({
      headers: () => ({ Authorization: 'Bearer provider-key', 'x-goog-api-key': 'g-key' }),
    });
    await client.getJson('echo', {
      ...call(),
      headers: { authorization: 'Bearer caller', 'X-Goog-Api-Key': 'caller', 'x-key': 'caller-bfl' },
    });
    expect(last.headers.authorization).toBe('Bearer provider-key');
    expect(last.headers['x-goog-api-key']).toBe('g-key');
    // A credential header the provider does not use is passed through.
    expect(last.headers['x-key']).toBe('caller-bfl');
  });

  it('uses absolute URLs as they are and joins relative ones to the base URL', async () => {
    const client = http({ baseURL: 'https://unused.invalid/api//' });
    expect(client.url('/images/edits')).toBe('https://unused.invalid/api/images/edits');
    await client.getJson(`${base}/echo`, call());
    expect(last.url).toBe('/v1/echo');
  });

  it('uses a custom fetch when given one', async () => {
    const fetch = jest.fn(async () => Response.json({ via: 'custom' }));
    const result = await http({ fetch: fetch as unknown as typeof globalThis.fetch }).getJson('x', call());
    expect(result.body).toEqual({ via: 'custom' });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('createProviderHttp: errors', () => {
  it.each([
    [400, BadRequestError, 400],
    [401, AuthenticationError, 401],
    [403, PermissionDeniedError, 403],
    [404, NotFoundError, 404],
    [408, TimeoutError, 408],
    [413, BadRequestError, 413],
    [422, BadRequestError, 422],
    [429, RateLimitError, 429],
    [500, InternalServerError, 500],
    [502, BadGatewayError, 502],
    [503, ServiceUnavailableError, 503],
    [504, InternalServerError, 504],
    [402, BadRequestError, 402],
  ])('maps %i to %p', async (code, Class, status) => {
    const error = await failure(http().postJson(`/status/${code}`, {}, call()));
    expect(error).toBeInstanceOf(Class);
    expect(error).toMatchObject({
      status,
      provider: 'acme',
      model: 'm-1',
      code: 'some_code',
      param: 'size',
      upstreamRequestId: 'req_err',
    });
    expect(error.message).toMatch(new RegExp(`^acme returned ${code}: upstream says no`));
  });

  it('redacts the configured secrets from the message and the upstream body', async () => {
    const error = await failure(http().postJson('/status/400', {}, call()));
    expect(error.message).not.toContain(SECRET);
    expect(error.upstreamBody).toContain('upstream says no');
    expect(error.upstreamBody).not.toContain(SECRET);
    expect(JSON.stringify(error.toJSON())).not.toContain(SECRET);
  });

  it('reads Retry-After in seconds, as an HTTP date, and retry-after-ms', async () => {
    const seconds = (await failure(http().getJson('/status/429?retry-after=7', call()))) as RateLimitError;
    expect(seconds.retryAfterMs).toBe(7000);
    const ms = (await failure(
      http().getJson('/status/429?retry-after-ms=250&retry-after=9', call()),
    )) as RateLimitError;
    expect(ms.retryAfterMs).toBe(250);
    const date = new Date(Date.now() + 120_000).toUTCString();
    const dated = (await failure(
      http().getJson(`/status/429?retry-after=${encodeURIComponent(date)}`, call()),
    )) as RateLimitError;
    expect(dated.retryAfterMs).toBeGreaterThan(60_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(120_000);
    const none = (await failure(http().getJson('/status/429', call()))) as RateLimitError;
    expect(none.retryAfterMs).toBeUndefined();
  });

  it('adds the auth hint to a 401 only', async () => {
    const client = http({ authHint: 'Check ACME_API_KEY.' });
    expect((await failure(client.getJson('/status/401', call()))).message).toMatch(/Check ACME_API_KEY\.$/);
    expect((await failure(client.getJson('/status/403', call()))).message).not.toContain('ACME_API_KEY');
  });

  it('lets classifyError pick a specific error, falling back to the default mapping', async () => {
    const classifyError = jest.fn((failure: { status: number; details: { code?: string } }) =>
      failure.status === 400
        ? new ContentPolicyViolationError({ message: 'blocked', provider: 'acme' })
        : undefined,
    );
    const client = http({ classifyError });
    expect(await failure(client.getJson('/status/400', call()))).toBeInstanceOf(ContentPolicyViolationError);
    expect(classifyError.mock.calls[0]?.[0]).toMatchObject({ status: 400, details: { code: 'some_code' } });
    expect(await failure(client.getJson('/status/500', call()))).toBeInstanceOf(InternalServerError);
  });

  it('uses parseError for provider-specific error bodies', async () => {
    const client = http({ parseError: (body) => ({ message: `custom: ${typeof body}`, code: 'mine' }) });
    const error = await failure(client.getJson('/status/400', call()));
    expect(error.message).toBe('acme returned 400: custom: object');
    expect(error.code).toBe('mine');
  });

  it('keeps a non-JSON error body as text', async () => {
    const error = await failure(http().getJson('/text-error', call()));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toBe('acme returned 500: plain failure');
    expect(error.upstreamBody).toBe('plain failure');
  });

  it('turns a 200 that is not JSON into a BadGatewayError', async () => {
    const error = await failure(http().getJson('/html', call()));
    expect(error).toBeInstanceOf(BadGatewayError);
    expect(error.upstreamBody).toBe('<html>maintenance</html>');
  });

  it('turns a refused connection into an APIConnectionError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(http({ baseURL: `http://127.0.0.1:${port}` }).getJson('x', call()));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses a header Node cannot send as never sent, naming no secret', async () => {
    const before = served;
    const error = await failure(
      http({ headers: () => ({ authorization: `Bearer ${SECRET}\nX-Injected: 1` }) }).getJson('x', call()),
    );
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error.reachedUpstream).toBe(false);
    expect(error.message).not.toContain(SECRET);
    expect(served).toBe(before);
  });

  it('refuses a header a custom fetch cannot take as never sent, without calling it', async () => {
    const fetch = jest.fn(async () => Response.json({}));
    const error = await failure(
      http({
        fetch: fetch as unknown as typeof globalThis.fetch,
        headers: () => ({ authorization: `Bearer ${SECRET}\nX-Injected: 1` }),
      }).getJson('x', call()),
    );
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error.reachedUpstream).toBe(false);
    expect(error.message).toContain('a header is not valid HTTP (authorization)');
    expect(error.message).not.toContain(SECRET);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('turns a caller abort into APIUserAbortError', async () => {
    const controller = new AbortController();
    const pending = http().getJson('hang', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await failure(pending);
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(error.provider).toBe('acme');
  });

  it('turns an AbortSignal.timeout deadline into TimeoutError', async () => {
    const error = await failure(http().postJson('hang', {}, { signal: AbortSignal.timeout(30), model: 'm' }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.model).toBe('m');
  });
});

describe('parseRetryAfter', () => {
  it('parses seconds, fractions, dates and milliseconds', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '1.5' }), now)).toBe(1500);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }), now)).toBe(
      30_000,
    );
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '120' }), now)).toBe(120);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
  });
});

describe('parseCommonErrorBody', () => {
  it.each([
    [{ error: { message: 'a', code: 'c', param: 'p' } }, { message: 'a', code: 'c', param: 'p' }],
    [{ error: { message: 'g', status: 'INVALID_ARGUMENT' } }, { message: 'g', code: 'INVALID_ARGUMENT' }],
    [{ error: 'plain' }, { message: 'plain' }],
    [{ message: 'm' }, { message: 'm' }],
    [{ detail: 'd' }, { message: 'd' }],
    [
      { name: 'bad_request', errors: ['x', 'y'] },
      { message: 'x; y', code: 'bad_request' },
    ],
  ])('reads %j', (body, expected) => {
    expect(parseCommonErrorBody(body, JSON.stringify(body))).toMatchObject(expected);
  });

  it('falls back to the text', () => {
    expect(parseCommonErrorBody('oops', '  oops  ')).toEqual({ message: 'oops' });
    expect(parseCommonErrorBody('', '')).toEqual({ message: undefined });
  });
});

describe('parseUpstream', () => {
  const schema = z.object({ data: z.array(z.object({ b64_json: z.string() })) });

  it('returns the parsed body', () => {
    expect(parseUpstream(schema, { data: [{ b64_json: 'QQ==' }] }, { provider: 'acme' })).toEqual({
      data: [{ b64_json: 'QQ==' }],
    });
  });

  it('throws a BadGatewayError naming the path of the mismatch', () => {
    let error: unknown;
    try {
      parseUpstream(
        schema,
        { data: [{ b64_json: 5, key: 'sk-abcdef123456' }] },
        { provider: 'acme', model: 'm' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadGatewayError);
    expect((error as BadGatewayError).message).toMatch(
      /^acme answered with an unexpected shape \(data\.0\.b64_json: /,
    );
    expect((error as BadGatewayError).model).toBe('m');
    expect((error as BadGatewayError).upstreamBody).not.toContain('abcdef123456');
  });
});
