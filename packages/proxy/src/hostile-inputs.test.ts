import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createNoisePng, createOpenAIMask, createPng, NOT_AN_IMAGE, truncatedPng } from '@retouch/testing';
import OpenAI, { toFile } from 'openai';
import {
  dataUrl,
  errorOf,
  type Harness,
  IMAGE,
  MASTER_KEY,
  type Part,
  postForm,
  postJson,
  startHarness,
} from './test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    generalSettings: `  master_key: ${MASTER_KEY}\n  max_image_size_mb: 0.25\n  max_field_size_kb: 16\n  max_request_size_mb: 4\n  max_fields: 20\n`,
  });
});
afterAll(() => h.close());
beforeEach(() => h.sim.reset());

const base: Part[] = [
  { name: 'model', value: 'gpt-image-2' },
  { name: 'prompt', value: 'x' },
];

async function expectRejected(response: Response, status: number, param?: string | null) {
  expect(response.status).toBe(status);
  const error = await errorOf(response);
  if (param !== undefined) expect(error.param).toBe(param);
  expect(h.sim.requests).toHaveLength(0);
  return error;
}

describe('hostile inputs: each a 4xx in OpenAI’s error shape, none reaching the upstream', () => {
  it('non-image bytes named .png', async () => {
    const error = await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: NOT_AN_IMAGE, filename: 'evil.png' }]),
      400,
      'image',
    );
    expect(error.message).toMatch(/not a complete PNG, JPEG, WebP or GIF/);
  });

  it('a truncated PNG', async () => {
    await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: truncatedPng() }]),
      400,
      'image',
    );
  });

  it('a PNG header that lies (60000x60000 in under 200 bytes), as the image and as the mask', async () => {
    const liar = createPng(8, 8);
    liar.writeUInt32BE(60_000, 16); // IHDR width
    liar.writeUInt32BE(60_000, 20); // IHDR height
    expect(liar.length).toBeLessThan(200);
    const asImage = await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: liar }]),
      400,
      'image',
    );
    expect(asImage.message).toMatch(/declares 60000x60000 pixels/);
    const asMask = await expectRejected(
      await postForm(h.url, [
        ...base,
        { name: 'image', file: IMAGE },
        { name: 'mask', file: liar, filename: 'mask.png' },
      ]),
      400,
      'mask',
    );
    expect(asMask.message).toMatch(/declares 60000x60000 pixels/);
  });

  it('an empty file', async () => {
    await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: new Uint8Array() }]),
      400,
      'image',
    );
  });

  it('17 images', async () => {
    const images: Part[] = Array.from({ length: 17 }, () => ({ name: 'image[]', file: IMAGE }));
    const error = await expectRejected(await postForm(h.url, [...base, ...images]), 400, 'image');
    expect(error.code).toBe('too_many_images');
    expect(error.message).toBe('image: at most 16 images per request');
    const json = await postJson(h.url, {
      model: 'gpt-image-2',
      prompt: 'x',
      images: Array.from({ length: 17 }, () => ({ image_url: dataUrl(IMAGE) })),
    });
    await expectRejected(json, 400, 'image');
  });

  it('an oversize file, also through the official client', async () => {
    const big = createNoisePng(400, 400);
    expect(big.length).toBeGreaterThan(0.25 * 1024 * 1024);
    const error = await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: big }]),
      413,
      'image',
    );
    expect(error.code).toBe('image_file_too_large');
    // max_image_size_mb: 0.25 as it is, not rounded to "0.3 MiB".
    expect(error.message).toBe('image: the file is larger than 256 KiB');
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const call = client.images.edit({
      model: 'gpt-image-2',
      prompt: 'x',
      image: await toFile(big, 'big.png', { type: 'image/png' }),
    });
    await expect(call).rejects.toMatchObject({ status: 413 });
    // Far over the limit: the answer still arrives while the client is uploading.
    const huge = Buffer.alloc(3 * 1024 * 1024, 7);
    await expectRejected(await postForm(h.url, [{ name: 'image', file: huge }, ...base]), 413, 'image');
    const hugeCall = client.images.edit({
      model: 'gpt-image-2',
      prompt: 'x',
      image: await toFile(huge, 'huge.png', { type: 'image/png' }),
    });
    await expect(hugeCall).rejects.toMatchObject({ status: 413 });
    expect(h.sim.requests).toHaveLength(0);
  });

  it('a body over max_request_size_mb by Content-Length', async () => {
    const response = await fetch(`${h.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-2', prompt: 'x', padding: 'y'.repeat(5 * 1024 * 1024) }),
    });
    await expectRejected(response, 413);
    // The same without Content-Length (chunked), as JSON and as multipart.
    for (const type of ['application/json', 'multipart/form-data; boundary=xyz']) {
      const chunk = new TextEncoder().encode('y'.repeat(1024 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 6) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const chunked = await fetch(`${h.url}/v1/images/edits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': type },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBeGreaterThanOrEqual(400);
      expect(chunked.status).toBeLessThan(500);
      await errorOf(chunked);
    }
    expect(h.sim.requests).toHaveLength(0);
  });

  it('a mask of the wrong size, and a mask that is not a PNG', async () => {
    const wrong = createOpenAIMask(32, 32, { x: 0, y: 0, width: 8, height: 8 });
    const error = await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: IMAGE }, { name: 'mask', file: wrong }]),
      400,
      'mask',
    );
    expect(error.message).toMatch(/same size/);
    await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: IMAGE }, { name: 'mask', file: NOT_AN_IMAGE }]),
      400,
      'mask',
    );
  });

  it('two masks', async () => {
    const mask = createOpenAIMask(64, 64, { x: 0, y: 0, width: 8, height: 8 });
    await expectRejected(
      await postForm(h.url, [
        ...base,
        { name: 'image', file: IMAGE },
        { name: 'mask', file: mask },
        { name: 'mask', file: mask },
      ]),
      400,
      'mask',
    );
  });

  it('missing image, prompt or model: a 400 naming the field', async () => {
    await expectRejected(await postForm(h.url, base), 400, 'image');
    await expectRejected(
      await postForm(h.url, [
        { name: 'model', value: 'gpt-image-2' },
        { name: 'image', file: IMAGE },
      ]),
      400,
      'prompt',
    );
    await expectRejected(
      await postForm(h.url, [
        { name: 'prompt', value: 'x' },
        { name: 'image', file: IMAGE },
      ]),
      400,
      'model',
    );
    await expectRejected(await postJson(h.url, { model: 'gpt-image-2', prompt: 'x' }), 400, 'image');
  });

  it('huge field values and too many fields', async () => {
    const error = await expectRejected(
      await postForm(h.url, [
        { name: 'model', value: 'gpt-image-2' },
        { name: 'prompt', value: 'p'.repeat(20 * 1024) },
        { name: 'image', file: IMAGE },
      ]),
      413,
      'prompt',
    );
    expect(error.code).toBe('field_too_large');
    const many: Part[] = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, value: 'v' }));
    await expectRejected(await postForm(h.url, [...base, ...many, { name: 'image', file: IMAGE }]), 413);
    await expectRejected(
      await postJson(h.url, {
        model: 'gpt-image-2',
        prompt: 'p'.repeat(20 * 1024),
        images: [{ image_url: dataUrl(IMAGE) }],
      }),
      413,
      'prompt',
    );
  });

  it.each([
    'http://127.0.0.1:1/cat.png',
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://[::1]/x.png',
    'http://localhost/x.png',
    'file:///etc/passwd',
  ])('a remote URL to %s', async (url) => {
    await expectRejected(
      await postJson(h.url, { model: 'gpt-image-2', prompt: 'x', images: [{ image_url: url }] }),
      400,
      'image',
    );
  });

  it('a metadata URL given as a multipart text field and as a mask', async () => {
    await expectRejected(
      await postForm(h.url, [...base, { name: 'image', value: 'http://169.254.169.254/latest/meta-data/' }]),
      400,
      'image',
    );
    await expectRejected(
      await postForm(h.url, [
        ...base,
        { name: 'image', file: IMAGE },
        { name: 'mask', value: 'http://127.0.0.1/m.png' },
      ]),
      400,
      'mask',
    );
  });

  it('a plain string where a file is expected', async () => {
    await expectRejected(
      await postForm(h.url, [...base, { name: 'image', value: '<_io.BytesIO object at 0x7f>' }]),
      400,
      'image',
    );
  });

  it('malformed bodies: bad JSON, a JSON array, a form-urlencoded body, a broken multipart', async () => {
    await expectRejected(await postJson(h.url, '{"model": "gpt-image-2",'), 400);
    await expectRejected(await postJson(h.url, '[1,2]'), 400);
    const urlencoded = await fetch(`${h.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'model=gpt-image-2&prompt=x',
    });
    await expectRejected(urlencoded, 400);
    const broken = await fetch(`${h.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-image-2\r\n--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG',
    });
    for (const [type, body] of [
      ['multipart/form-data', 'no boundary'],
      ['multipart/form-data; boundary=xyz', ''],
      ['image/png', 'raw bytes'],
      ['text/plain', 'model=gpt-image-2'],
    ] as const) {
      const odd = await fetch(`${h.url}/v1/images/edits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': type },
        body,
      });
      expect([type, odd.status]).toEqual([type, 400]);
      await errorOf(odd);
    }
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
    await errorOf(broken);
    // A part nothing could read is refused, never skipped.
    for (const [head, problem] of [
      ['Content-Disposition: form-data; filename="a.png"', /has no name/],
      ['Content-Disposition: attachment; name="prompt"', /not form-data/],
      ['Content-Type: text/plain', /no Content-Disposition/],
    ] as const) {
      const part = `--xyz\r\n${head}\r\n\r\nx\r\n`;
      const response = await fetch(`${h.url}/v1/images/edits`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${MASTER_KEY}`,
          'content-type': 'multipart/form-data; boundary=xyz',
        },
        body: `--xyz\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-image-2\r\n${part}--xyz--\r\n`,
      });
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe('invalid_multipart');
      expect(error.message).toMatch(problem);
    }
    expect(h.sim.requests).toHaveLength(0);
  });

  it('an unexpected file field, a duplicated field, prototype-polluting names, per-request api_base', async () => {
    await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: IMAGE }, { name: 'avatar', file: IMAGE }]),
      400,
      'avatar',
    );
    await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: IMAGE }, { name: 'prompt', value: 'again' }]),
      400,
      'prompt',
    );
    await expectRejected(
      await postForm(h.url, [
        ...base,
        { name: 'image', file: IMAGE },
        { name: 'x[__proto__][polluted]', value: '1' },
      ]),
      400,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectRejected(
      await postForm(h.url, [
        ...base,
        { name: 'image', file: IMAGE },
        { name: 'api_base', value: 'http://169.254.169.254' },
      ]),
      400,
      'api_base',
    );
  });

  it('stream that is not a boolean, and partial_images without a stream, are 400s naming the field', async () => {
    await expectRejected(
      await postForm(h.url, [...base, { name: 'image', file: IMAGE }, { name: 'stream', value: 'yes' }]),
      400,
      'stream',
    );
    await expectRejected(
      await postForm(h.url, [
        ...base,
        { name: 'image', file: IMAGE },
        { name: 'partial_images', value: '2' },
      ]),
      400,
      'partial_images',
    );
  });

  it('a model this proxy does not serve is a 404 model_not_found; dall-e-2 with two images is a 400', async () => {
    const unknown = await expectRejected(
      await postForm(h.url, [
        { name: 'model', value: 'gpt-5' },
        { name: 'prompt', value: 'x' },
        { name: 'image', file: IMAGE },
      ]),
      404,
      'model',
    );
    expect(unknown.code).toBe('model_not_found');
    const square = createPng(64, 64);
    await expectRejected(
      await postForm(h.url, [
        { name: 'model', value: 'dall-e-2' },
        { name: 'prompt', value: 'x' },
        { name: 'image', file: square },
        { name: 'image', file: square },
      ]),
      400,
    );
  });
});
