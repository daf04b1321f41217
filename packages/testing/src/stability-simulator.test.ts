import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { sniffImage } from '@retouch/core';
import { createJpeg, createPng, NOT_AN_IMAGE } from './fixtures.js';
import { type StabilitySimulator, startStabilitySimulator } from './stability-simulator.js';

const KEY = 'sk-stability-simulator-test-0123456789';
let sim: StabilitySimulator;

beforeAll(async () => {
  sim = await startStabilitySimulator({ apiKey: KEY, pendingPolls: 2 });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

type Parts = Record<string, string | Buffer>;

function form(parts: Parts): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === 'string') body.append(name, value);
    else
      body.append(
        name,
        new Blob([value], { type: sniffImage(value)?.mediaType ?? 'application/octet-stream' }),
        `${name}.bin`,
      );
  }
  return body;
}

async function post(path: string, parts: Parts, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/v2beta/stable-image/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, accept: 'application/json', ...headers },
    body: form(parts),
  });
}

async function errorOf(response: Response): Promise<{ status: number; name: string; errors: string[] }> {
  const body = (await response.json()) as { id: string; name: string; errors: string[] };
  expect(body.id).toMatch(/^[0-9a-f]{32}$/);
  return { status: response.status, name: body.name, errors: body.errors };
}

const image = createPng(64, 64, { color: [10, 200, 30] });

describe('auth and routing', () => {
  it('refuses a missing or wrong key with 401 unauthorized', async () => {
    const missing = await fetch(`${sim.url}/v2beta/stable-image/edit/inpaint`, {
      method: 'POST',
      body: form({ image, prompt: 'x' }),
    });
    expect(await errorOf(missing)).toMatchObject({ status: 401, name: 'unauthorized' });
    const wrong = await post('edit/inpaint', { image, prompt: 'x' }, { authorization: 'Bearer sk-wrong' });
    expect((await errorOf(wrong)).errors[0]).not.toContain('sk-wrong');
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    expect(await errorOf(await post('edit/upscale', { image }))).toMatchObject({
      status: 404,
      name: 'not_found',
    });
  });
});

describe('answers', () => {
  it('returns {image, seed, finish_reason} as JSON with `type=` in the content type', async () => {
    const response = await post('edit/inpaint', { image, prompt: 'a red chair', seed: '42' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; type=image/png');
    const body = (await response.json()) as { image: string; seed: number; finish_reason: string };
    expect(body).toMatchObject({ seed: 42, finish_reason: 'SUCCESS' });
    expect(sniffImage(Buffer.from(body.image, 'base64'))).toMatchObject({
      mediaType: 'image/png',
      width: 64,
      height: 64,
    });
  });

  it('returns raw bytes with finish-reason and seed headers for accept: image/*', async () => {
    sim.queueFinishReason('CONTENT_FILTERED');
    const response = await post('edit/erase', { image }, { accept: 'image/*' });
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('finish-reason')).toBe('CONTENT_FILTERED');
    expect(Number(response.headers.get('seed'))).toBeGreaterThan(0);
    expect(sniffImage(new Uint8Array(await response.arrayBuffer()))?.mediaType).toBe('image/png');
  });

  it('upscales 4x on fast and extends the canvas on outpaint', async () => {
    const fast = (await (await post('upscale/fast', { image })).json()) as { image: string };
    expect(sniffImage(Buffer.from(fast.image, 'base64'))).toMatchObject({ width: 256, height: 256 });
    const out = (await (await post('edit/outpaint', { image, left: '10', down: '6' })).json()) as {
      image: string;
    };
    expect(sniffImage(Buffer.from(out.image, 'base64'))).toMatchObject({ width: 74, height: 70 });
  });

  it('serves async results: {id}, then 202 in-progress, then the image as `result`', async () => {
    const submit = await post('edit/replace-background-and-relight', {
      subject_image: image,
      background_prompt: 'a beach',
    });
    const { id } = (await submit.json()) as { id: string };
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const poll = () =>
      fetch(`${sim.url}/v2beta/results/${id}`, {
        headers: { authorization: `Bearer ${KEY}`, accept: 'application/json' },
      });
    expect([(await poll()).status, (await poll()).status]).toEqual([202, 202]);
    const done = await poll();
    expect(done.status).toBe(200);
    const body = (await done.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ finish_reason: 'SUCCESS' });
    expect(body).not.toHaveProperty('image');
    expect(sniffImage(Buffer.from(String(body.result), 'base64'))?.mediaType).toBe('image/png');
    const unknown = await fetch(`${sim.url}/v2beta/results/abc`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(await errorOf(unknown)).toMatchObject({ status: 404, name: 'not_found' });
  });
});

describe("each endpoint's fields are validated", () => {
  const cases: [string, string, Parts, string][] = [
    ['a missing prompt', 'edit/inpaint', { image }, 'prompt: is required'],
    ['a missing image', 'edit/inpaint', { prompt: 'x' }, 'image: is required'],
    ['a prompt on erase', 'edit/erase', { image, prompt: 'x' }, 'prompt: unrecognized field'],
    ['top on outpaint', 'edit/outpaint', { image, top: '10' }, 'top: unrecognized field'],
    [
      'no direction on outpaint',
      'edit/outpaint',
      { image },
      'left, right, up, down: at least one of them must be greater than 0',
    ],
    [
      'grow_mask 21 on erase',
      'edit/erase',
      { image, grow_mask: '21' },
      'grow_mask: must be between 0 and 20',
    ],
    [
      'grow_mask 5.5',
      'edit/inpaint',
      { image, prompt: 'x', grow_mask: '5.5' },
      'grow_mask: must be an integer',
    ],
    ['no search_prompt', 'edit/search-and-replace', { image, prompt: 'x' }, 'search_prompt: is required'],
    [
      'jpeg on remove-background',
      'edit/remove-background',
      { image, output_format: 'jpeg' },
      'output_format: must be one of: png, webp',
    ],
    [
      'a bad style_preset',
      'control/sketch',
      { image, prompt: 'x', style_preset: 'watercolor' },
      'style_preset: must be one of',
    ],
    [
      'a text file as image',
      'edit/inpaint',
      { image: NOT_AN_IMAGE, prompt: 'x' },
      'image: must be a jpeg, png or webp image',
    ],
    [
      'a 32 px image',
      'edit/inpaint',
      { image: createPng(32, 32), prompt: 'x' },
      'image: width and height must be at least 64 pixels',
    ],
    [
      'a 3:1 image on outpaint',
      'edit/outpaint',
      { image: createJpeg(192, 64), left: '4' },
      'image: aspect ratio must be between 1:2.5 and 2.5:1',
    ],
    [
      'no style_image on style-transfer',
      'control/style-transfer',
      { init_image: image },
      'style_image: is required',
    ],
    [
      'relight with no background',
      'edit/replace-background-and-relight',
      { subject_image: image },
      'background_prompt: either background_prompt or background_reference is required',
    ],
  ];
  it.each(cases)('%s', async (_title, path, parts, message) => {
    const error = await errorOf(await post(path, parts));
    expect(error).toMatchObject({ status: 400, name: 'bad_request' });
    expect(error.errors[0]).toContain(message);
  });

  it('refuses bodies over 10 MiB with 413', async () => {
    const error = await errorOf(
      await post('edit/inpaint', { image, prompt: 'x'.repeat(10 * 1024 * 1024 + 1) }),
    );
    expect(error).toMatchObject({ status: 413, name: 'payload_too_large' });
  });
});

describe('rate limit', () => {
  it('answers 429 after the allowed requests and keeps the client timed out', async () => {
    const limited = await startStabilitySimulator({
      apiKey: KEY,
      rateLimit: { requests: 1, windowMs: 60_000, timeoutMs: 60_000 },
    });
    try {
      const send = () =>
        fetch(`${limited.url}/v2beta/results/x`, { headers: { authorization: `Bearer ${KEY}` } });
      expect((await send()).status).toBe(404);
      const limitedResponse = await send();
      expect(limitedResponse.status).toBe(429);
      expect(limitedResponse.headers.get('retry-after')).toBe('60');
      expect(((await limitedResponse.json()) as { name: string }).name).toBe('rate_limit_exceeded');
    } finally {
      await limited.close();
    }
  });
});
