/**
 * Several proxy instances behind one address: with `image_urls.store: disk` on a shared directory or
 * `store: s3` on one bucket (a local S3-compatible server whose front checks SigV4 as S3 does), a URL
 * made by one instance is served by another. The S3 wire: a signed PutObject of the image with its
 * type under the prefix, a signed GetObject.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { sniffImage } from '@retouch/core';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';
import { pino } from 'pino';
import { parseConfig } from './config/load-config.js';
import { createProxyServer, type ProxyServer } from './server.js';
import { IMAGE, MASTER_KEY, type Part, postForm, UPSTREAM_KEY } from './test-support/harness.js';
import {
  S3_ACCESS_KEY_ID,
  S3_REGION,
  S3_SECRET_ACCESS_KEY,
  type S3TestServer,
  startS3TestServer,
} from './test-support/s3-server.js';

let sim: Simulator;
let s3: S3TestServer;
let dir: string;
beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: UPSTREAM_KEY });
  s3 = await startS3TestServer();
  dir = mkdtempSync(join(tmpdir(), 'retouch-shared-images-'));
});
afterAll(async () => {
  await Promise.all([sim.close(), s3.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const running: ProxyServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.close()));
});

async function start(
  imageUrls: string,
  env: Record<string, string> = {},
  general = `  master_key: ${MASTER_KEY}\n`,
): Promise<{ url: string; logs: string[] }> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const text = `model_list:
  - model_name: gpt-image-2
    litellm_params: { model: gpt-image-2, api_key: os.environ/KEY, api_base: ${sim.url}/v1 }
general_settings:
${general}  image_urls:
${imageUrls}`;
  const config = parseConfig(text, { env: { KEY: UPSTREAM_KEY, ...env }, file: join(dir, 'config.yaml') });
  const proxy = await createProxyServer({ config, logger: pino({ level: 'info' }, stream), console: false });
  running.push(proxy);
  return { url: await proxy.listen({ port: 0, host: '127.0.0.1' }), logs };
}

const edit: Part[] = [
  { name: 'model', value: 'gpt-image-2' },
  { name: 'prompt', value: 'Make it blue' },
  { name: 'image', file: IMAGE },
  { name: 'response_format', value: 'url' },
];

async function hostedUrl(proxyUrl: string): Promise<string> {
  const response = await postForm(proxyUrl, edit);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: { url: string }[] };
  return body.data[0]?.url as string;
}

/** The same path and query on another instance. */
const on = (instance: string, hosted: string) =>
  `${instance}${new URL(hosted).pathname}${new URL(hosted).search}`;

async function pngFrom(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/png');
  return new Uint8Array(await response.arrayBuffer());
}

describe('store: disk', () => {
  it('a URL made by one instance is served by another on the same directory (dir relative to the config file)', async () => {
    const a = await start('    store: disk\n    dir: images\n');
    const b = await start('    store: disk\n    dir: images\n');
    const hosted = await hostedUrl(a.url);
    expect(readdirSync(join(dir, 'images'))).toEqual([new URL(hosted).pathname.split('/').at(-1)]);
    expect(sniffImage(await pngFrom(on(b.url, hosted)))?.width).toBe(64);
  });

  it('warns at start-up when nothing but a random key would sign (another instance could not verify)', async () => {
    const { logs } = await start('    store: disk\n    dir: images\n', {}, '');
    expect(logs.join('')).toContain(
      'general_settings.image_urls: store disk but no signing_key and no master_key: image URLs are signed with a random key of this process',
    );
  });
});

describe('store: s3', () => {
  const s3Config = (secret = 'os.environ/S3_SECRET') => `    store: s3
    ttl_seconds: 600
    signing_key: os.environ/SIGNING_KEY
    s3:
      bucket: ${s3.bucket}
      prefix: edits/
      endpoint: ${s3.url}
      region: ${S3_REGION}
      force_path_style: true
      access_key_id: ${S3_ACCESS_KEY_ID}
      secret_access_key: ${secret}
`;
  const env = { S3_SECRET: S3_SECRET_ACCESS_KEY, SIGNING_KEY: 'a-shared-signing-key-0123456789' };

  it('a URL made by one instance is served by another from the bucket; every S3 request is SigV4-signed', async () => {
    const a = await start(s3Config(), env, '');
    const b = await start(s3Config(), env, '');
    s3.exchanges.length = 0;
    const hosted = await hostedUrl(a.url);
    const file = new URL(hosted).pathname.split('/').at(-1) as string;
    expect(Number(new URL(hosted).searchParams.get('expires'))).toBeLessThanOrEqual(
      Math.ceil(Date.now() / 1000) + 600,
    );
    expect(await s3.objectKeys('edits/')).toContain(`edits/${file}`);

    const put = s3.exchanges.find((x) => x.method === 'PUT');
    expect(put?.path).toBe(`/${s3.bucket}/edits/${file}`);
    expect(put?.refused).toBeUndefined();
    expect(put?.headers['content-type']).toBe('image/png');
    expect(put?.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${S3_ACCESS_KEY_ID}/\\d{8}/${S3_REGION}/s3/aws4_request, SignedHeaders=`,
      ),
    );
    expect(put?.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(put?.headers['x-amz-meta-retouch-expires-at']).toMatch(/^\d{13}$/);
    expect(Date.parse(put?.headers.expires ?? '')).toBeGreaterThan(Date.now());
    // WHEN_REQUIRED: no checksum S3-compatible servers may not know.
    expect(Object.keys(put?.headers ?? {}).filter((h) => h.startsWith('x-amz-checksum-'))).toEqual([]);

    const bytes = await pngFrom(on(b.url, hosted));
    expect(sniffImage(bytes)?.width).toBe(64);
    const get = s3.exchanges.find((x) => x.method === 'GET');
    expect(get?.path).toBe(`/${s3.bucket}/edits/${file}`);
    expect(get?.refused).toBeUndefined();
  });

  it('a store that refuses (the front rejects a wrong secret) costs the caller nothing: a data: URL, a warning, an error log without bytes', async () => {
    const { url, logs } = await start(
      s3Config('wrong-secret-0123456789'),
      { SIGNING_KEY: env.SIGNING_KEY },
      '',
    );
    s3.exchanges.length = 0;
    const response = await postForm(url, edit);
    expect(response.status).toBe(200);
    expect(s3.exchanges[0]?.refused?.type).toBe('InvalidSignatureException');
    expect(response.headers.get('x-retouch-warnings')).toContain(
      'image returned as a data: URL because the s3 store failed',
    );
    const body = (await response.json()) as { data: { url: string }[] };
    expect(body.data[0]?.url).toMatch(/^data:image\/png;base64,/);
    const text = logs.join('');
    expect(text).toContain('image_urls: storing a result image failed');
    expect(text).not.toContain((body.data[0]?.url ?? 'missing').slice(22, 100));
    expect(text).not.toContain('wrong-secret-0123456789');
  });
});
