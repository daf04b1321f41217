/**
 * Where a failed call stopped: never reached the upstream (safe to retry), or reached it and was cut
 * off (the upstream may have billed it: not retryable by default). And redirects are not followed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APIConnectionError, BadGatewayError, RetouchError, TimeoutError } from './errors.js';
import { createProviderHttp } from './http.js';

const SECRET = 'sk-outcome-secret-0123456789';
let server: Server;
let base: string;
let elsewhere: Server;
let elsewhereHits = 0;
let elsewhereBase: string;

async function listen(s: Server): Promise<string> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    elsewhereHits++;
    req.resume();
    res.end('{}');
  });
  elsewhereBase = await listen(elsewhere);
  server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      switch (req.url) {
        case '/reset':
          // The whole request arrived; the connection dies before any answer.
          req.socket.destroy();
          return;
        case '/cut':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"data":[{"b64_json":"iVBO');
          setTimeout(() => req.socket.destroy(), 10);
          return;
        case '/garbage':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"data":[{"b64_json":"iVBO\u0000\u0001');
          return;
        case '/redirect':
          res.writeHead(307, { location: `${elsewhereBase}/v1/images/edits` });
          res.end();
          return;
        case '/error-cut':
          res.writeHead(503, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"error":');
          setTimeout(() => req.socket.destroy(), 10);
          return;
        default:
        // hangs
      }
    });
  });
  base = await listen(server);
});

afterAll(async () => {
  for (const s of [server, elsewhere]) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

const http = (baseURL = base) =>
  createProviderHttp({
    provider: 'acme',
    baseURL,
    headers: () => ({ 'x-key': SECRET }),
    secrets: () => [SECRET],
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

describe('a call that never reached the upstream', () => {
  it('is an APIConnectionError with reachedUpstream false, safe to retry', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(http(url).postJson('/images/edits', { prompt: 'x' }, call()));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ reachedUpstream: false, isRetryable: true });
  });
});

describe('a call cut off after the request reached the upstream', () => {
  it('a reset before any answer: reachedUpstream, not retryable', async () => {
    const error = await failure(http().postJson('/reset', { prompt: 'x' }, call()));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ reachedUpstream: true, isRetryable: false });
    expect(error.message).toContain('not repeated automatically');
  });

  it('a 200 whose body is cut short: reachedUpstream, not retryable', async () => {
    const error = await failure(http().postJson('/cut', { prompt: 'x' }, call()));
    expect(error).toMatchObject({ reachedUpstream: true, isRetryable: false });
    expect(error.message).toMatch(/cut off while it was read/);
  });

  it('a 200 whose body is garbled: reachedUpstream, not retryable', async () => {
    const error = await failure(http().postJson('/garbage', { prompt: 'x' }, call()));
    expect(error).toBeInstanceOf(BadGatewayError);
    expect(error).toMatchObject({ reachedUpstream: true, isRetryable: false });
  });

  it('a deadline while waiting for the answer: TimeoutError, reachedUpstream, not retryable', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException('deadline', 'TimeoutError')), 30);
    const error = await failure(http().postJson('/hang', {}, { signal: controller.signal }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ status: 408, reachedUpstream: true, isRetryable: false });
  });

  it('an error answer whose body is cut keeps the status class of the answer', async () => {
    const error = await failure(http().postJson('/error-cut', {}, call()));
    expect(error).toMatchObject({ status: 503, isRetryable: true, reachedUpstream: undefined });
  });
});

describe('redirects', () => {
  it('are not followed: the credentials and the POST never go to the other host', async () => {
    const error = await failure(http().postJson('/redirect', { prompt: 'x' }, call()));
    expect(error).toBeInstanceOf(BadGatewayError);
    expect(error).toMatchObject({ code: 'upstream_redirect', isRetryable: false });
    expect(error.message).toContain('307');
    expect(error.message).toContain('api_base');
    expect(elsewhereHits).toBe(0);
    const get = await failure(http().getJson('/redirect', call()));
    expect(get.code).toBe('upstream_redirect');
    expect(elsewhereHits).toBe(0);
  });
});
