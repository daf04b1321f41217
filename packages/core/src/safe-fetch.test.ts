import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APIUserAbortError, BadRequestError, RetouchError, TimeoutError } from './errors.js';
import { isPrivateAddress, type SafeFetchOptions, safeFetchBytes } from './safe-fetch.js';

const BODY = Buffer.from('pretend-image-bytes');

let server: Server;
let base: string;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/ok.png':
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(BODY);
        return;
      case '/hop':
        res.writeHead(302, { location: '/ok.png' });
        res.end();
        return;
      case '/loop':
        res.writeHead(301, { location: '/loop' });
        res.end();
        return;
      case '/to-file':
        res.writeHead(302, { location: 'file:///etc/passwd' });
        res.end();
        return;
      case '/redirect':
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
        res.end();
        return;
      case '/to-metadata':
        res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
        return;
      case '/big-declared':
        res.writeHead(200, { 'content-length': '5000' });
        res.end(Buffer.alloc(5000));
        return;
      case '/big-chunked':
        res.writeHead(200, { 'content-type': 'image/png' });
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(500));
        res.end();
        return;
      case '/slow':
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write('partial'); // and never end
        return;
      case '/hang':
        return; // never answer
      default:
        res.writeHead(404);
        res.end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const local = { allowPrivateNetwork: true };

async function failure(promise: Promise<unknown>): Promise<RetouchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(RetouchError.isInstance(error)).toBe(true);
  return error as RetouchError;
}

describe('isPrivateAddress', () => {
  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:7f00:1', true],
    // IPv4-compatible (deprecated), translated, NAT64 and 6to4 forms that carry a private IPv4.
    ['::7f00:1', true],
    ['::127.0.0.1', true],
    ['::a9fe:a9fe', true],
    ['::ffff:0:7f00:1', true],
    ['::ffff:0:a9fe:a9fe', true],
    ['64:ff9b::7f00:1', true],
    ['64:ff9b::a00:1', true],
    ['64:ff9b:1::a00:1', true],
    ['2002:7f00:1::', true],
    ['2002:a9fe:a9fe::1', true],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true],
    // Site-local, discard, documentation, benchmarking.
    ['fec0::1', true],
    ['feff::1', true],
    ['100::1', true],
    ['2001:db8::1', true],
    ['198.18.0.1', true],
    ['192.0.2.1', true],
    ['255.255.255.255', true],
    ['240.0.0.1', true],
    ['not-an-ip', true],
    ['fe80::1%eth0', true],
    ['172.32.0.1', false],
    ['172.15.255.255', false],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['93.184.216.34', false],
    ['2606:4700:4700::1111', false],
    ['::ffff:8.8.8.8', false],
    // The same embedding forms are judged by their (public) IPv4 address.
    ['64:ff9b::808:808', false],
    ['2002:808:808::1', false],
    ['::ffff:0:808:808', false],
    ['2a00:1450:4001:80b::200e', false],
  ])('%s → %p', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('safeFetchBytes', () => {
  it('downloads a body with its content type and final URL when private networks are allowed', async () => {
    const result = await safeFetchBytes(`${base}/hop`, local);
    expect(Buffer.from(result.bytes).equals(BODY)).toBe(true);
    expect(result.contentType).toBe('image/png');
    expect(result.finalUrl).toBe(`${base}/ok.png`);
  });

  it('refuses 127.0.0.1 by default, before connecting', async () => {
    const error = await failure(safeFetchBytes(`${base}/ok.png`, { param: 'image[1]' }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.param).toBe('image[1]');
    expect(error.code).toBe('invalid_image_url');
    expect(error.message).toMatch(/refusing to fetch 127\.0\.0\.1/);
  });

  it('refuses IPv6 loopback and every IPv4-embedding form of loopback as literals', async () => {
    for (const host of [
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[::7f00:1]',
      '[::ffff:0:7f00:1]',
      '[64:ff9b::7f00:1]',
      '[2002:7f00:1::]',
      '[fec0::1]',
    ]) {
      const error = await failure(safeFetchBytes(`http://${host}:${port}/ok.png`));
      expect(error.message).toMatch(/refusing to fetch/);
    }
  });

  it('refuses a host name that resolves to loopback, at connect time', async () => {
    const error = await failure(safeFetchBytes(`http://localhost:${port}/ok.png`));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toMatch(/resolves to a private, loopback or link-local address/);
  });

  it('checks every address a name resolves to, not only the first', async () => {
    const resolving =
      (...addresses: string[]) =>
      (
        _host: string,
        _options: unknown,
        callback: (e: null, list: { address: string; family: number }[]) => void,
      ) =>
        callback(
          null,
          addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        );
    for (const list of [
      ['93.184.216.34', '10.0.0.1'],
      ['2606:4700:4700::1111', '::ffff:0:7f00:1'],
      ['93.184.216.34', '2002:a9fe:a9fe::'],
    ]) {
      const error = await failure(
        safeFetchBytes('http://images.example/cat.png', {
          lookup: resolving(...list) as unknown as SafeFetchOptions['lookup'],
        }),
      );
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.message).toMatch(/images\.example: it resolves to a private/);
    }
  });

  it('checks every redirect hop: only the trusted range passes, embedding forms do not', async () => {
    // Trust only the test server's own address; each redirect leads somewhere else private.
    const trusted = { allowPrivateNetwork: ['127.0.0.1/32'] };
    expect(Buffer.from((await safeFetchBytes(`${base}/hop`, trusted)).bytes).equals(BODY)).toBe(true);
    for (const target of [
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      `http://[::7f00:1]:${port}/ok.png`,
      `http://[::ffff:0:7f00:1]:${port}/ok.png`,
      `http://[2002:7f00:1::]:${port}/ok.png`,
      `http://[64:ff9b::7f00:1]:${port}/ok.png`,
      `http://[::1]:${port}/ok.png`,
    ]) {
      const error = await failure(
        safeFetchBytes(`${base}/redirect?to=${encodeURIComponent(target)}`, trusted),
      );
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.message).toMatch(/refusing to fetch/);
    }
  });

  it('names a trusted range that is not CIDR', async () => {
    await expect(safeFetchBytes(`${base}/ok.png`, { allowPrivateNetwork: ['10.0.0.0/33'] })).rejects.toThrow(
      /allowPrivateNetwork: "10.0.0.0\/33" is not a CIDR range/,
    );
  });

  it('refuses a redirect from an allowed host to the cloud metadata address', async () => {
    const error = await failure(
      safeFetchBytes(`${base}/to-metadata`, { ...local, allowedHosts: ['127.0.0.1'] }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain('169.254.169.254');
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const error = await failure(safeFetchBytes(`${base}/to-file`, local));
    expect(error.message).toMatch(/only http\(s\) URLs can be fetched, not file:/);
  });

  it('stops after maxRedirects', async () => {
    const error = await failure(safeFetchBytes(`${base}/loop`, { ...local, maxRedirects: 2 }));
    expect(error.message).toMatch(/too many redirects/);
    // One redirect is within a limit of one.
    await expect(safeFetchBytes(`${base}/hop`, { ...local, maxRedirects: 1 })).resolves.toBeDefined();
    await expect(safeFetchBytes(`${base}/hop`, { ...local, maxRedirects: 0 })).rejects.toThrow(/too many/);
  });

  it('only contacts allowedHosts (exact names and *.suffix patterns)', async () => {
    await expect(
      safeFetchBytes(`${base}/ok.png`, { ...local, allowedHosts: ['127.0.0.1'] }),
    ).resolves.toBeDefined();
    const error = await failure(
      safeFetchBytes('http://evil.example.org/x.png', { allowedHosts: ['*.example.com', 'example.org'] }),
    );
    expect(error.message).toMatch(/host evil\.example\.org is not one this download may use/);
    const suffix = await failure(
      safeFetchBytes('http://notexample.com/x.png', { allowedHosts: ['*.example.com'] }),
    );
    expect(suffix.message).toMatch(/not one this download may use/);
  });

  it('rejects a declared body over maxBytes with 413', async () => {
    const error = await failure(safeFetchBytes(`${base}/big-declared`, { ...local, maxBytes: 2048 }));
    expect(error.status).toBe(413);
    expect(error.code).toBe('image_file_too_large');
    expect(error.message).toMatch(/the download is larger than 2 KiB$/);
  });

  it('rejects a streamed body once it passes maxBytes', async () => {
    const error = await failure(safeFetchBytes(`${base}/big-chunked`, { ...local, maxBytes: 1200 }));
    expect(error.status).toBe(413);
    const ok = await safeFetchBytes(`${base}/big-chunked`, { ...local, maxBytes: 5000 });
    expect(ok.bytes.length).toBe(5000);
  });

  it('turns a non-200 answer into a BadRequestError', async () => {
    const error = await failure(safeFetchBytes(`${base}/missing`, { ...local, param: 'result' }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ param: 'result', code: 'failed_to_download_image', status: 400 });
    expect(error.message).toContain('HTTP 404');
  });

  it('times out while waiting for an answer', async () => {
    const error = await failure(safeFetchBytes(`${base}/hang`, { ...local, timeoutMs: 50 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.status).toBe(408);
  });

  it('times out in the middle of a body', async () => {
    const error = await failure(safeFetchBytes(`${base}/slow`, { ...local, timeoutMs: 50 }));
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('gives up with APIUserAbortError when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = safeFetchBytes(`${base}/hang`, { ...local, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await failure(pending)).toBeInstanceOf(APIUserAbortError);
    expect(
      await failure(safeFetchBytes(`${base}/ok.png`, { ...local, signal: AbortSignal.abort() })),
    ).toBeInstanceOf(APIUserAbortError);
  });

  it('rejects a string that is not a URL, and non-http schemes', async () => {
    expect((await failure(safeFetchBytes('not a url'))).message).toMatch(/not a valid URL/);
    expect((await failure(safeFetchBytes('ftp://example.com/a.png'))).message).toMatch(/not ftp:/);
  });
});
