/**
 * Conformance cases for successful edits: what the caller gets back and what went upstream.
 * @module
 */
import {
  decodePngPixels,
  getMeta,
  type ImageData,
  type ImageEditStreamEvent,
  type MaskConvention,
  sniffImage,
  streamImageEdit,
} from '@retouch/core';
import { createOpenAIMask, createPng, createWhiteMask, type Rect } from '../fixtures.js';
import { resultBytes } from '../results.js';
import type { ConformanceRun } from './run.js';

const PROMPT = 'Replace the sky with a sunset';

/** Counts mask pixels whose meaning (edit or keep) disagrees with `rect` under `convention`. */
async function maskMismatches(bytes: Uint8Array, rect: Rect, convention: MaskConvention): Promise<number> {
  const { width, height, data } = await decodePngPixels(bytes);
  let mismatches = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 4;
      const alpha = data[offset + 3] as number;
      const luma =
        ((data[offset] as number) + (data[offset + 1] as number) + (data[offset + 2] as number)) / 3;
      const shouldEdit = x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
      const edits = convention === 'alpha-transparent' ? alpha === 0 : alpha === 255 && luma >= 128;
      const keeps = convention === 'alpha-transparent' ? alpha === 255 : alpha === 255 && luma < 128;
      if (shouldEdit ? !edits : !keeps) mismatches++;
    }
  }
  return mismatches;
}

/**
 * Registers the success cases. Internal to the suite: called by `describeProviderConformance`.
 *
 * @example
 * ```ts
 * describeBehaviourCases(run);
 * ```
 */
export function describeBehaviourCases(run: ConformanceRun): void {
  const { options, jest } = run;
  const { expect } = jest;
  const { models, inspect } = options;
  const { width, height } = run.imageSize;
  const resultType = options.resultMediaType ?? 'image/png';

  async function expectResultImage(image: ImageData | undefined): Promise<void> {
    expect(sniffImage(await resultBytes(image))?.mediaType).toBe(resultType);
  }

  run.test('single-image', 'edits one image and sends it unchanged', async () => {
    const image = createPng(width, height, { color: [200, 40, 40] });
    const response = await run.edit({ model: models.basic, image, prompt: PROMPT });
    expect(response.data).toHaveLength(1);
    await expectResultImage(response.data[0]);
    expect(typeof response.created).toBe('number');
    expect(Object.keys(JSON.parse(JSON.stringify(response)))).not.toContain('_meta');
    expect(getMeta(response).provider).toBe(run.provider().id);
    expect(run.editRequests()).toHaveLength(1);
    const request = run.firstEditRequest();
    const sent = inspect.images(request);
    expect(sent).toHaveLength(1);
    expect(Buffer.from(sent[0] as Uint8Array).equals(image)).toBe(true);
    if (inspect.prompt) expect(inspect.prompt(request)).toBe(PROMPT);
  });

  run.test('stream', 'streams the edit as OpenAI events, ending with the completed image', async () => {
    const image = createPng(width, height, { color: [40, 200, 40] });
    const stream = await streamImageEdit(
      { ...options.params, model: models.basic, image, prompt: PROMPT, partial_images: 1 },
      { provider: run.provider() },
    );
    const events: ImageEditStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const caps = run.provider().capabilities(models.basic);
    const partials = caps?.params.includes('partial_images') && caps.params.includes('stream') ? 1 : 0;
    expect(events.map((e) => e.type)).toEqual([
      ...Array(partials).fill('image_edit.partial_image'),
      'image_edit.completed',
    ]);
    for (const event of events) {
      expect(sniffImage(Buffer.from(event.b64_json, 'base64'))?.mediaType).toBe(resultType);
      expect(typeof event.created_at).toBe('number');
      for (const field of ['size', 'quality', 'background', 'output_format'] as const)
        expect(typeof event[field]).toBe('string');
    }
    const completed = events.at(-1);
    expect(completed?.type === 'image_edit.completed' && completed.usage.total_tokens).toBeGreaterThanOrEqual(
      0,
    );
    // The spec's ImagesUsage: input_tokens_details (text and image tokens) is required.
    expect(completed?.type === 'image_edit.completed' && completed.usage.input_tokens_details).toEqual(
      expect.objectContaining({ text_tokens: expect.any(Number), image_tokens: expect.any(Number) }),
    );
    if (partials === 0) expect(stream.meta.warnings.some((w) => w.startsWith('partial_images:'))).toBe(true);
    const response = await stream.response();
    expect(response.data).toHaveLength(1);
    expect(getMeta(response).provider).toBe(run.provider().id);
    expect(run.editRequests()).toHaveLength(1);
  });

  run.test(
    'multi-image',
    'sends several images in order',
    async () => {
      const colours = [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
      ] as const;
      const images = colours.map((color) => createPng(width, height, { color }));
      const response = await run.edit({ model: models.multiImage as string, image: images, prompt: PROMPT });
      await expectResultImage(response.data[0]);
      expect(run.editRequests()).toHaveLength(1);
      const sent = inspect.images(run.firstEditRequest());
      expect(sent.map((bytes) => Buffer.from(bytes).toString('base64'))).toEqual(
        images.map((bytes) => bytes.toString('base64')),
      );
    },
    models.multiImage !== undefined,
  );

  const rect: Rect = {
    x: Math.floor(width / 4),
    y: Math.floor(height / 4),
    width: Math.floor(width / 2),
    height: Math.floor(height / 2),
  };
  const maskCases = [
    {
      name: 'mask',
      title: 'sends an OpenAI-convention mask in the upstream convention',
      make: createOpenAIMask,
    },
    {
      name: 'mask-white-input',
      title: 'sends a white-means-edit mask in the upstream convention',
      make: createWhiteMask,
    },
  ] as const;
  for (const maskCase of maskCases) {
    run.test(
      maskCase.name,
      maskCase.title,
      async () => {
        if (!inspect.mask || !options.maskConvention) {
          throw new Error('models.mask needs inspect.mask and maskConvention');
        }
        const image = createPng(width, height);
        const mask = maskCase.make(width, height, rect);
        const response = await run.edit({ model: models.mask as string, image, mask, prompt: PROMPT });
        await expectResultImage(response.data[0]);
        const sent = inspect.mask(run.firstEditRequest());
        expect(sent).toBeDefined();
        const info = sniffImage(sent as Uint8Array);
        expect(info).toMatchObject({ mediaType: 'image/png', width, height });
        expect(await maskMismatches(sent as Uint8Array, rect, options.maskConvention)).toBe(0);
      },
      models.mask !== undefined,
    );
  }

  run.test(
    'n',
    'returns n images',
    async () => {
      const response = await run.edit({
        model: models.nMultiple as string,
        image: createPng(width, height),
        prompt: PROMPT,
        n: 2,
      });
      expect(response.data).toHaveLength(2);
      for (const image of response.data) await expectResultImage(image);
      const calls = options.nStrategy === 'one-call-per-image' ? 2 : 1;
      expect(run.editRequests()).toHaveLength(calls);
    },
    models.nMultiple !== undefined,
  );

  for (const sizeCase of options.sizeCases ?? []) {
    run.test('size', `maps size ${sizeCase.size}`, async () => {
      const response = await run.edit({
        model: sizeCase.model ?? models.basic,
        image: createPng(width, height),
        prompt: PROMPT,
        size: sizeCase.size,
      });
      await sizeCase.assert(run.firstEditRequest(), response);
    });
  }

  run.test('b64_json', 'answers response_format b64_json with base64 bytes', async () => {
    const response = await run.edit({
      model: models.basic,
      image: createPng(width, height),
      prompt: PROMPT,
      response_format: 'b64_json',
    });
    const [image] = response.data;
    expect(image?.url).toBeUndefined();
    expect(typeof image?.b64_json).toBe('string');
    await expectResultImage(image);
  });

  run.test(
    'url',
    'answers response_format url with a URL (a data: URL for bytes-only providers)',
    async () => {
      const response = await run.edit({
        model: models.basic,
        image: createPng(width, height),
        prompt: PROMPT,
        response_format: 'url',
      });
      const [image] = response.data;
      expect(image?.b64_json).toBeUndefined();
      expect(image?.url).toMatch(/^(data:image\/[a-z]+;base64,|https?:\/\/)/);
      await expectResultImage(image);
    },
  );

  run.test(
    'native-url',
    "passes the upstream's own result URL through",
    async () => {
      const response = await run.edit({
        model: models.nativeUrl as string,
        image: createPng(width, height),
        prompt: PROMPT,
        response_format: 'url',
      });
      expect(response.data[0]?.url).toMatch(/^https?:\/\//);
      await expectResultImage(response.data[0]);
    },
    models.nativeUrl !== undefined,
  );
}
