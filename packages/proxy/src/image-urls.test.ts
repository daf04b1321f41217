/**
 * `response_format: "url"` through the proxy: a short-lived, signed URL of the proxy itself, for
 * bytes-only upstreams (OpenAI gpt-image), URL-native ones (dall-e-2, BFL: their URL never reaches the
 * caller) and a deployment's own default; 403 / 404 in OpenAI's shape for bad, expired and unknown
 * URLs; no image bytes and no signature in the logs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { sniffImage } from '@retouch/core';
import { type BFLSimulator, type Simulator, startBFLSimulator, startOpenAISimulator } from '@retouch/testing';
import OpenAI, { toFile } from 'openai';
import { pino } from 'pino';
import { parseConfig } from './config/load-config.js';
import { signedImagePath, signingKey } from './image-urls/signing.js';
import { createProxyServer, type ProxyServer } from './server.js';
import { errorOf, IMAGE, MASTER_KEY, type Part, postForm, UPSTREAM_KEY } from './test-support/harness.js';

const BFL_KEY = 'bfl-test-key-0123456789';
const HOSTED =
  /^http:\/\/127\.0\.0\.1:\d+\/v1\/images\/files\/[A-Za-z0-9_-]{22}\.(png|jpeg)\?expires=(\d+)&sig=[A-Za-z0-9_-]{43}$/;

let openai: Simulator;
let bfl: BFLSimulator;
beforeAll(async () => {
  openai = await startOpenAISimulator({ apiKey: UPSTREAM_KEY });
  bfl = await startBFLSimulator({ apiKey: BFL_KEY, pendingPolls: 0 });
});
afterAll(async () => {
  await Promise.all([openai.close(), bfl.close()]);
});

const running: ProxyServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.close()));
  openai.reset();
});

function configText(imageUrls = ''): string {
  return `model_list:
  - model_name: gpt-image-2
    litellm_params: { model: gpt-image-2, api_key: os.environ/KEY, api_base: ${openai.url}/v1 }
  - model_name: dall-e-2
    litellm_params: { model: dall-e-2, api_key: os.environ/KEY, api_base: ${openai.url}/v1 }
    # Retired upstream on 2026-05-12, kept as the one URL-native OpenAI model the simulator answers.
    model_info: { allow_retired: true }
  - model_name: url-by-default
    litellm_params: { model: gpt-image-2, api_key: os.environ/KEY, api_base: ${openai.url}/v1, response_format: url }
    model_info: { id: url-default }
  - model_name: kontext
    litellm_params: { model: black_forest_labs/flux-kontext-pro, api_key: os.environ/BFL, api_base: ${bfl.url} }
router_settings: { num_retries: 0 }
general_settings:
  master_key: ${MASTER_KEY}
${imageUrls}`;
}

async function start(imageUrls = ''): Promise<{ url: string; logs: string[] }> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const config = parseConfig(configText(imageUrls), { env: { KEY: UPSTREAM_KEY, BFL: BFL_KEY } });
  const proxy = await createProxyServer({ config, logger: pino({ level: 'info' }, stream), console: false });
  running.push(proxy);
  return { url: await proxy.listen({ port: 0, host: '127.0.0.1' }), logs };
}

const edit = (model: string, extra: Part[] = []): Part[] => [
  { name: 'model', value: model },
  { name: 'prompt', value: 'Make it blue' },
  { name: 'image', file: IMAGE },
  ...extra,
];
const asUrl: Part = { name: 'response_format', value: 'url' };

async function urlsOf(response: Response): Promise<string[]> {
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: { url?: string; b64_json?: string }[] };
  for (const image of body.data) expect(image.b64_json).toBeUndefined();
  return body.data.map((image) => image.url as string);
}

describe('response_format url', () => {
  it('answers a signed URL of the proxy that serves the image without a key, for an hour by default', async () => {
    const { url } = await start();
    const before = Math.floor(Date.now() / 1000);
    const [hosted] = await urlsOf(await postForm(url, edit('gpt-image-2', [asUrl])));
    expect(hosted).toMatch(HOSTED);
    expect(hosted?.startsWith(`${url}/v1/images/files/`)).toBe(true);
    const expires = Number(HOSTED.exec(hosted as string)?.[2]);
    expect(expires).toBeGreaterThanOrEqual(before + 3600);
    expect(expires).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);

    const image = await fetch(hosted as string);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    // The time left on the URL, in whole seconds: a loaded machine may take a few between the two calls.
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(image.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(3540);
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    const bytes = new Uint8Array(await image.arrayBuffer());
    expect(sniffImage(bytes)).toMatchObject({ mediaType: 'image/png', width: 64, height: 64 });
    expect(Number(image.headers.get('content-length'))).toBe(bytes.byteLength);
  });

  it('works through the official openai client, and n > 1 gives one URL per image', async () => {
    const { url } = await start();
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
    const result = await client.images.edit({
      model: 'gpt-image-2',
      image: await toFile(IMAGE, 'in.png', { type: 'image/png' }),
      prompt: 'Make it blue',
      n: 2,
      response_format: 'url',
    });
    const urls = (result.data ?? []).map((d) => d.url as string);
    expect(urls).toHaveLength(2);
    expect(new Set(urls).size).toBe(2);
    for (const hosted of urls) {
      expect(hosted).toMatch(HOSTED);
      expect((await fetch(hosted)).status).toBe(200);
    }
  });

  it('asks a URL-native upstream for b64_json and never hands out its URL (dall-e-2, BFL)', async () => {
    const { url } = await start();
    const [dalle] = await urlsOf(await postForm(url, edit('dall-e-2', [asUrl])));
    expect(dalle).toMatch(HOSTED);
    expect(openai.lastRequest().fields?.response_format).toEqual(['b64_json']);
    const response = await postForm(url, edit('kontext', [asUrl]));
    const text = await response.clone().text();
    expect(text).not.toContain(bfl.url);
    const [kontext] = await urlsOf(response);
    expect(kontext).toMatch(HOSTED);
    const image = await fetch(kontext as string);
    expect(sniffImage(new Uint8Array(await image.arrayBuffer()))?.mediaType).toBe(
      image.headers.get('content-type'),
    );
  });

  it("follows a deployment's response_format: url for requests that name none; b64_json stays b64_json", async () => {
    const { url } = await start();
    const [byDeployment] = await urlsOf(await postForm(url, edit('url-by-default')));
    expect(byDeployment).toMatch(HOSTED);
    const plain = await postForm(url, edit('gpt-image-2'));
    const body = (await plain.json()) as { data: { b64_json?: string; url?: string }[] };
    expect(body.data[0]?.b64_json).toEqual(expect.any(String));
    expect(body.data[0]?.url).toBeUndefined();
    const asked = await postForm(
      url,
      edit('url-by-default', [{ name: 'response_format', value: 'b64_json' }]),
    );
    expect(((await asked.json()) as { data: { b64_json?: string }[] }).data[0]?.b64_json).toEqual(
      expect.any(String),
    );
  });

  it('still refuses a response_format that is neither, before any upstream call', async () => {
    const { url } = await start();
    const response = await postForm(url, edit('gpt-image-2', [{ name: 'response_format', value: 'png' }]));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).param).toBe('response_format');
    expect(openai.requests).toHaveLength(0);
  });

  it('names base_url (a public origin behind a reverse proxy) when configured', async () => {
    const { url } = await start('  image_urls: { base_url: "https://edit.example.com/retouch/" }\n');
    const [hosted] = await urlsOf(await postForm(url, edit('gpt-image-2', [asUrl])));
    expect(hosted).toMatch(
      /^https:\/\/edit\.example\.com\/retouch\/v1\/images\/files\/[A-Za-z0-9_-]{22}\.png\?expires=\d+&sig=/,
    );
    // The same path on this proxy serves it.
    expect(
      (
        await fetch(
          `${url}${new URL(hosted as string).pathname.replace('/retouch', '')}${new URL(hosted as string).search}`,
        )
      ).status,
    ).toBe(200);
  });

  it('returns a data: URL with a warning when the memory store cannot hold the image (the edit is paid for)', async () => {
    const { url } = await start('  image_urls: { max_memory_mb: 0.0001 }\n');
    const response = await postForm(url, edit('gpt-image-2', [asUrl]));
    expect(response.headers.get('x-retouch-warnings')).toContain(
      'image returned as a data: URL because it is larger than the memory store',
    );
    const [inline] = await urlsOf(response);
    expect(inline).toMatch(/^data:image\/png;base64,/);
  });
});

describe('GET /v1/images/files', () => {
  const key = signingKey({ masterKey: MASTER_KEY }).key;

  it('refuses a changed signature, expiry or name with 403 invalid_signature, in OpenAI’s shape', async () => {
    const { url } = await start();
    const [hosted] = await urlsOf(await postForm(url, edit('gpt-image-2', [asUrl])));
    const good = new URL(hosted as string);
    const variants = [
      good.href.replace(/sig=./, (s) => `sig=${s.endsWith('A') ? 'B' : 'A'}`),
      good.href.replace(/expires=(\d+)/, (_, e) => `expires=${Number(e) + 60}`),
      `${good.origin}${good.pathname}`,
      good.href.replace(/files\/./, (s) => `files/${s.endsWith('A') ? 'B' : 'A'}`),
    ];
    for (const variant of variants) {
      const response = await fetch(variant);
      expect({ variant, status: response.status }).toEqual({ variant, status: 403 });
      expect(await errorOf(response)).toMatchObject({ type: 'permission_error', code: 'invalid_signature' });
    }
  });

  it('refuses an expired URL with 403 url_expired, and a valid one for an image it does not hold with 404', async () => {
    const { url } = await start();
    const file = 'AAAAAAAAAAAAAAAAAAAAAA.png';
    const expired = await fetch(`${url}${signedImagePath(key, file, Math.floor(Date.now() / 1000) - 1)}`);
    expect(expired.status).toBe(403);
    expect(await errorOf(expired)).toMatchObject({ code: 'url_expired' });
    expect(
      (await errorOf(await fetch(`${url}${signedImagePath(key, file, Math.floor(Date.now() / 1000) - 1)}`)))
        .message,
    ).toMatch(/expired \(image URLs work for 3600 s\)/);
    const missing = await fetch(`${url}${signedImagePath(key, file, Math.floor(Date.now() / 1000) + 60)}`);
    expect(missing.status).toBe(404);
    expect(await errorOf(missing)).toMatchObject({ type: 'not_found_error', code: 'image_not_found' });
  });

  it('logs each request by route, never the signature or any image bytes', async () => {
    const { url, logs } = await start();
    const response = await postForm(url, edit('gpt-image-2', [asUrl]));
    const [hosted] = await urlsOf(response);
    const served = await fetch(hosted as string);
    const b64 = Buffer.from(await served.arrayBuffer()).toString('base64');
    const sig = new URL(hosted as string).searchParams.get('sig') as string;
    await fetch((hosted as string).replace(/sig=./, 'sig=Z'));
    const text = logs.join('');
    expect(text).toContain('"route":"/v1/images/files/:file"');
    expect(text).not.toContain(sig);
    expect(text).not.toContain(b64.slice(0, 64));
    expect(text).not.toContain(Buffer.from(IMAGE).toString('base64').slice(0, 64));
  });
});
