import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  dataUrl,
  errorOf,
  type Harness,
  IMAGE,
  IMAGE_B,
  MASK,
  MASTER_KEY,
  postForm,
  postJson,
  startHarness,
} from './test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.sim.reset());

describe('multipart exactly as curl sends it', () => {
  it('single image: -F model -F image=@a.png -F prompt', async () => {
    const response = await postForm(h.url, [
      { name: 'model', value: 'gpt-image-2' },
      { name: 'image', file: IMAGE, filename: 'original_image.png' },
      { name: 'prompt', value: 'Create a studio ghibli style image' },
    ]);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { b64_json: string }[]; _meta?: unknown };
    expect(body.data[0]?.b64_json).toEqual(expect.any(String));
    expect(body._meta).toBeUndefined();
    expect(h.sim.requests).toHaveLength(1);
  });

  it('multiple images as repeated image=@… (LiteLLM docs) and as image[]=@… (OpenAI docs)', async () => {
    for (const name of ['image', 'image[]']) {
      const response = await postForm(h.url, [
        { name: 'model', value: 'gpt-image-2' },
        { name, file: IMAGE, filename: 'soap.png' },
        { name, file: IMAGE_B, filename: 'lotion.png' },
        { name: 'prompt', value: 'Create a gift basket' },
      ]);
      expect(response.status).toBe(200);
      expect(h.sim.lastRequest().files?.filter((f) => f.field === 'image[]')).toHaveLength(2);
    }
  });

  it('mask, numbers, booleans and provider extras as text fields', async () => {
    const response = await postForm(h.url, [
      { name: 'image', file: IMAGE },
      { name: 'mask', file: MASK, filename: 'mask.png' },
      { name: 'model', value: 'gpt-image-2' },
      { name: 'prompt', value: 'Fill it' },
      { name: 'n', value: '2' },
      { name: 'output_format', value: 'jpeg' },
      { name: 'output_compression', value: '80' },
      { name: 'stream', value: 'false' },
    ]);
    expect(response.status).toBe(200);
    const upstream = h.sim.lastRequest();
    expect(upstream.files?.map((f) => f.field)).toEqual(['image', 'mask']);
    expect(upstream.fields?.n).toEqual(['2']);
    expect(upstream.fields?.output_compression).toEqual(['80']);
    const body = (await response.json()) as { data: unknown[]; output_format: string };
    expect(body.data).toHaveLength(2);
    expect(body.output_format).toBe('jpeg');
  });

  it('as the Python client sends it: image[] parts named upload, application/octet-stream', async () => {
    const response = await postForm(h.url, [
      { name: 'image[]', file: IMAGE, filename: 'upload', contentType: 'application/octet-stream' },
      { name: 'image[]', file: IMAGE_B, filename: 'upload', contentType: 'application/octet-stream' },
      { name: 'model', value: 'gpt-image-2' },
      { name: 'prompt', value: 'Merge' },
      { name: 'n', value: '1' },
    ]);
    expect(response.status).toBe(200);
    const upstream = h.sim.lastRequest();
    expect(upstream.files?.map((f) => [f.field, f.contentType])).toEqual([
      ['image[]', 'image/png'],
      ['image[]', 'image/png'],
    ]);
  });

  it('a number that is not one is a 400 naming the field', async () => {
    const response = await postForm(h.url, [
      { name: 'model', value: 'gpt-image-2' },
      { name: 'image', file: IMAGE },
      { name: 'prompt', value: 'x' },
      { name: 'n', value: 'two' },
    ]);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ param: 'n', type: 'invalid_request_error' });
    expect(h.sim.requests).toHaveLength(0);
  });

  it('answers on /images/edits and on the Azure-style path (the path model wins)', async () => {
    const plain = await postForm(
      h.url,
      [
        { name: 'model', value: 'gpt-image-2' },
        { name: 'image', file: IMAGE },
        { name: 'prompt', value: 'x' },
      ],
      { authorization: `Bearer ${MASTER_KEY}` },
      '/images/edits',
    );
    expect(plain.status).toBe(200);
    const azure = await postForm(
      h.url,
      [
        { name: 'image', file: IMAGE },
        { name: 'prompt', value: 'x' },
      ],
      { 'api-key': MASTER_KEY },
      '/openai/deployments/gpt-image-2/images/edits',
    );
    expect(azure.status).toBe(200);
    expect(azure.headers.get('x-retouch-model-group')).toBe('gpt-image-2');
  });

  it('sets the retouch headers and echoes a valid x-request-id', async () => {
    const response = await postForm(
      h.url,
      [
        { name: 'model', value: 'gpt-image-2' },
        { name: 'image', file: IMAGE },
        { name: 'prompt', value: 'x' },
      ],
      { authorization: `Bearer ${MASTER_KEY}`, 'x-request-id': 'req-abc.123' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-abc.123');
    expect(response.headers.get('x-retouch-model-id')).toBe('openai-sim');
    expect(response.headers.get('x-retouch-model-group')).toBe('gpt-image-2');
    expect(response.headers.get('x-retouch-attempts')).toBe('1');
    expect(Number(response.headers.get('x-retouch-response-cost'))).toBeGreaterThan(0);
  });

  it('takes the end-user from user, else from x-retouch-end-user, forwards it and counts its spend', async () => {
    const parts = [
      { name: 'model', value: 'gpt-image-2' },
      { name: 'image', file: IMAGE },
      { name: 'prompt', value: 'x' },
    ];
    await postForm(h.url, [...parts, { name: 'user', value: 'alice' }], {
      authorization: `Bearer ${MASTER_KEY}`,
      'x-retouch-end-user': 'mallory',
    });
    expect(h.sim.lastRequest().fields?.user).toEqual(['alice']);
    await postForm(h.url, parts, { authorization: `Bearer ${MASTER_KEY}`, 'x-retouch-end-user': 'bob' });
    expect(h.sim.lastRequest().fields?.user).toEqual(['bob']);
    const spend = await h.proxy.router.spend();
    expect(spend.byUser.alice).toBeGreaterThan(0);
    expect(spend.byUser.bob).toBeGreaterThan(0);
    expect(spend.byUser.mallory).toBeUndefined();
    expect(h.logs.join('')).toContain('"user":"bob"');
  });
});

describe('JSON bodies', () => {
  it('images: [{ image_url }] and mask: { image_url } with data URLs', async () => {
    const response = await postJson(h.url, {
      model: 'gpt-image-2',
      prompt: 'Fill it',
      images: [{ image_url: dataUrl(IMAGE) }, { image_url: dataUrl(IMAGE_B) }],
      n: 1,
    });
    expect(response.status).toBe(200);
    expect(h.sim.lastRequest().files?.filter((f) => f.field === 'image[]')).toHaveLength(2);
    const masked = await postJson(h.url, {
      model: 'gpt-image-2',
      prompt: 'Fill it',
      images: [{ image_url: dataUrl(IMAGE) }],
      mask: { image_url: dataUrl(MASK) },
    });
    expect(masked.status).toBe(200);
    expect(h.sim.lastRequest().files?.map((f) => f.field)).toEqual(['image', 'mask']);
  });

  it('numbers given as strings are coerced by schema; file_id is refused', async () => {
    const ok = await postJson(h.url, {
      model: 'gpt-image-2',
      prompt: 'x',
      images: [{ image_url: dataUrl(IMAGE) }],
      n: '2',
    });
    expect(ok.status).toBe(200);
    const fileId = await postJson(h.url, {
      model: 'gpt-image-2',
      prompt: 'x',
      images: [{ file_id: 'file-123' }],
    });
    expect(fileId.status).toBe(400);
    expect(await errorOf(fileId)).toMatchObject({ param: 'images', code: 'unsupported_parameter' });
  });

  it('the client’s model wins over general_settings.image_generation_model', async () => {
    const other = await startHarness({
      generalSettings: `  master_key: ${MASTER_KEY}\n  image_generation_model: dall-e-2\n`,
    });
    try {
      const chosen = await postJson(other.url, {
        model: 'gpt-image-2',
        prompt: 'x',
        images: [{ image_url: dataUrl(IMAGE) }],
      });
      expect(chosen.headers.get('x-retouch-model-group')).toBe('gpt-image-2');
      const defaulted = await postJson(other.url, { prompt: 'x', images: [{ image_url: dataUrl(IMAGE) }] });
      expect(defaulted.headers.get('x-retouch-model-group')).toBe('dall-e-2');
    } finally {
      await other.close();
    }
  });
});
