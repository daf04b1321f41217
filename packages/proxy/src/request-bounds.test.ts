import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  dataUrl,
  errorOf,
  type Harness,
  IMAGE,
  MASTER_KEY,
  postJson,
  startHarness,
} from './test-support/harness.js';
import { flood, pause, type RawExchange, rawExchange } from './test-support/raw-http.js';

const MIB = 1024 * 1024;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    generalSettings: `  master_key: ${MASTER_KEY}
  max_request_size_mb: 1
  max_image_size_mb: 0.5
  request_header_timeout_seconds: 1
  request_body_timeout_seconds: 4
  request_idle_timeout_seconds: 1.5
`,
  });
});
afterAll(() => h.close());

const head = (contentType: string, framing: string) =>
  `POST /v1/images/edits HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${MASTER_KEY}\r\nContent-Type: ${contentType}\r\n${framing}\r\n`;
const CHUNKED = 'Transfer-Encoding: chunked\r\n';
const BOUNDARY = 'retouchtestboundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function openAIError(exchange: RawExchange): { code: string; type: string; message: string } {
  const body = JSON.parse(exchange.body) as { error?: { code: string; type: string; message: string } };
  if (!body.error) throw new Error(`not an OpenAI error: ${exchange.body}`);
  return body.error;
}

describe('the body limit is enforced on the bytes actually read', () => {
  it('a chunked JSON body past max_request_size_mb is a 413 and the connection is closed', async () => {
    const exchange = await rawExchange(h.url, async (io) => {
      io.write(head('application/json', CHUNKED));
      io.write('7\r\n{"a":"x\r\n');
      await flood(io, 200 * MIB, { chunked: true });
    });
    expect(exchange.status).toBe(413);
    expect(exchange.headers.connection).toBe('close');
    expect(openAIError(exchange)).toMatchObject({ code: 'request_too_large' });
    // Read up to the limit and a bounded lingering drain, never the 200 MiB sent.
    expect(exchange.written).toBeLessThan(40 * MIB);
  });

  it('an endless chunked multipart file part is a 413 and the connection is closed', async () => {
    const exchange = await rawExchange(h.url, async (io) => {
      io.write(head(MULTIPART, CHUNKED));
      const start = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
      io.write(`${Buffer.byteLength(start).toString(16)}\r\n${start}\r\n`);
      await flood(io, 200 * MIB, { chunked: true });
    });
    expect(exchange.status).toBe(413);
    expect(openAIError(exchange).code).toMatch(/request_too_large|image_file_too_large/);
    expect(exchange.written).toBeLessThan(40 * MIB);
  });

  it('a refused request (no key) does not read its endless body either', async () => {
    const exchange = await rawExchange(h.url, async (io) => {
      io.write(head(MULTIPART, CHUNKED).replace(/Authorization: [^\r]*\r\n/, ''));
      await flood(io, 200 * MIB, { chunked: true });
    });
    expect(exchange.status).toBe(401);
    expect(exchange.written).toBeLessThan(40 * MIB);
  });

  it('an endless multipart preamble (never a part) is a 413', async () => {
    const exchange = await rawExchange(h.url, async (io) => {
      io.write(head(MULTIPART, CHUNKED));
      await flood(io, 200 * MIB, { chunked: true, byte: 0x2d });
    });
    expect(exchange.status).toBe(413);
    expect(openAIError(exchange).code).toBe('request_too_large');
    expect(exchange.written).toBeLessThan(40 * MIB);
  });
});

describe('timeouts', () => {
  it('a body sent at one byte per 200 ms is cut at request_body_timeout_seconds with a 408', async () => {
    const exchange = await rawExchange(h.url, async (io) => {
      io.write(head('application/json', CHUNKED));
      while (!io.closed()) {
        io.write('1\r\n \r\n');
        await pause(200);
      }
    });
    expect(exchange.status).toBe(408);
    expect(openAIError(exchange)).toMatchObject({ code: 'request_body_timeout', type: 'timeout_error' });
    expect(exchange.headers['x-should-retry']).toBe('false');
    expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(3500);
  });

  it('a body that stops arriving is cut at request_idle_timeout_seconds with a 408', async () => {
    const exchange = await rawExchange(h.url, (io) => {
      io.write(head('application/json', 'Content-Length: 100\r\n'));
      io.write('{"model":');
    });
    expect(exchange.status).toBe(408);
    expect(openAIError(exchange).code).toBe('request_idle_timeout');
    expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(1400);
  });

  it('the idle limit counts from the last chunk: a body trickling in faster than it is never cut', async () => {
    // A byte every 200 ms for 1.6 s (past the 1.5 s idle limit in all), then silence: cut 1.5 s
    // after the last byte, not after the first, and before the 4 s body deadline.
    const exchange = await rawExchange(h.url, async (io) => {
      io.write(head('application/json', 'Content-Length: 100\r\n'));
      for (const byte of '{"model":') {
        if (!io.write(byte) || io.closed()) break;
        await pause(200);
      }
    });
    expect(exchange.status).toBe(408);
    expect(openAIError(exchange).code).toBe('request_idle_timeout');
    expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(1600 + 1400);
  });

  it('headers sent one byte at a time (slow-loris) are cut at request_header_timeout_seconds with a 408', async () => {
    const exchange = await rawExchange(h.url, async (io) => {
      for (const byte of head('application/json', 'Content-Length: 2\r\n')) {
        if (!io.write(byte) || io.closed()) break;
        await pause(100);
      }
    });
    expect(exchange.status).toBe(408);
    expect(openAIError(exchange).code).toBe('request_header_timeout');
  });

  it('fifty slow-loris connections are all closed', async () => {
    const exchanges = await Promise.all(
      Array.from({ length: 50 }, () =>
        rawExchange(h.url, async (io) => {
          io.write(head('application/json', CHUNKED));
          while (!io.closed()) {
            io.write('1\r\n \r\n');
            await pause(500);
          }
        }),
      ),
    );
    expect(exchanges.map((e) => e.status)).toEqual(Array(50).fill(408));
  });
});

describe('broken HTTP framing is answered in OpenAI’s shape', () => {
  it('a bad chunk size is a 400 invalid_http_request', async () => {
    const exchange = await rawExchange(h.url, (io) => {
      io.write(`${head('application/json', CHUNKED)}zz\r\n{}\r\n0\r\n\r\n`);
    });
    expect(exchange.status).toBe(400);
    expect(openAIError(exchange)).toMatchObject({
      code: 'invalid_http_request',
      type: 'invalid_request_error',
    });
  });

  it('a bad request line is a 400, and headers that are too large are a 431', async () => {
    const bad = await rawExchange(h.url, (io) => {
      io.write('NOT A REQUEST\r\n\r\n');
    });
    expect(bad.status).toBe(400);
    expect(openAIError(bad).code).toBe('invalid_http_request');
    const large = await rawExchange(h.url, (io) => {
      io.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    });
    expect(large.status).toBe(431);
    expect(openAIError(large).code).toBe('headers_too_large');
  });
});

describe('URLs the router cannot read are answered in OpenAI’s shape', () => {
  it('a path that is not valid percent-encoding is a 400, a path parameter over 100 characters a 414', async () => {
    const cases: [string, number, string][] = [
      ['/v1/images/edits%zz', 400, 'invalid_url'],
      [`/v1/models/${'m'.repeat(101)}`, 414, 'url_too_long'],
      [`/openai/deployments/${'d'.repeat(101)}/images/edits`, 414, 'url_too_long'],
    ];
    for (const [path, status, code] of cases) {
      const response = await fetch(`${h.url}${path}`, {
        method: path.includes('edits') ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('x-should-retry')).toBe('false');
      expect(response.headers.get('x-request-id')).toBeTruthy();
      expect(await errorOf(response)).toMatchObject({ code, type: 'invalid_request_error', param: null });
    }
    expect(h.logs.join('')).toMatch(/"status":414,"error_code":"url_too_long","msg":"client error"/);
    const metrics = await (
      await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })
    ).text();
    expect(metrics).toMatch(/retouch_requests_total\{route="client_error",status="414"[^}]*method="GET"\} 1/);
  });
});

describe('client mistakes are 4xx in OpenAI’s shape', () => {
  it('a multipart boundary longer than 256 characters is a 400', async () => {
    const boundary = 'b'.repeat(300);
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-image-2\r\n--${boundary}--\r\n`;
    const response = await fetch(`${h.url}/v1/images/edits`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body,
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({
      code: 'invalid_multipart',
      type: 'invalid_request_error',
    });
  });

  it('"timeout": 1e12 is a 400 naming timeout', async () => {
    for (const timeout of [1e12, -1, 0]) {
      const response = await postJson(h.url, {
        model: 'gpt-image-2',
        prompt: 'x',
        images: [{ image_url: dataUrl(IMAGE) }],
        timeout,
      });
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ param: 'timeout', code: 'invalid_value' });
    }
  });
});
