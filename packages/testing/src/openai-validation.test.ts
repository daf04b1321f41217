import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createGif,
  createJpeg,
  createNoisePng,
  createOpenAIMask,
  createPng,
  createWebp,
  NOT_AN_IMAGE,
} from './fixtures.js';
import { createOpenAIEditForm, type OpenAIEditFormFields } from './openai-form.js';
import { startOpenAISimulator } from './openai-simulator.js';
import type { Simulator } from './simulator.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await startOpenAISimulator();
});
afterAll(async () => {
  await sim.close();
});

async function send(form: FormData): Promise<{ status: number; error?: Record<string, unknown> }> {
  const response = await fetch(`${sim.url}/v1/images/edits`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-test-simulator' },
    body: form,
  });
  const body = (await response.json()) as { error?: Record<string, unknown> };
  return { status: response.status, error: body.error };
}

const square = createPng(16, 16);
const edit = (fields: OpenAIEditFormFields) =>
  send(createOpenAIEditForm({ model: 'gpt-image-1', image: square, prompt: 'Make it blue', ...fields }));

function rawForm(parts: [string, string | Blob, string?][]): FormData {
  const form = new FormData();
  for (const [name, value, filename] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, filename);
  }
  return form;
}

const png = (bytes: Buffer, type = 'image/png') => new Blob([bytes], { type });

describe('fields', () => {
  it.each<[string, OpenAIEditFormFields, string, string]>([
    ['an unknown field', { colour: 'red' }, 'colour', 'unknown_parameter'],
    ['the JSON field name images', { images: 'x' }, 'images', 'unknown_parameter'],
    [
      'response_format on a GPT image model',
      { response_format: 'b64_json' },
      'response_format',
      'unknown_parameter',
    ],
    [
      'input_fidelity on gpt-image-1-mini',
      { model: 'gpt-image-1-mini', input_fidelity: 'high' },
      'input_fidelity',
      'unsupported_parameter',
    ],
    ['output_compression with png', { output_compression: 80 }, 'output_compression', 'invalid_value'],
    [
      'a transparent jpeg',
      { background: 'transparent', output_format: 'jpeg' },
      'background',
      'invalid_value',
    ],
    ['quality standard on a GPT image model', { quality: 'standard' }, 'quality', 'invalid_value'],
    ['a quality outside the enum', { quality: 'ultra' }, 'quality', 'invalid_value'],
    ['n = 0', { n: 0 }, 'n', 'integer_below_min_value'],
    ['n = 11', { n: 11 }, 'n', 'integer_above_max_value'],
    ['n that is not a number', { n: 'two' }, 'n', 'invalid_type'],
    ['partial_images = 4', { partial_images: 4 }, 'partial_images', 'integer_above_max_value'],
    ['stream that is not a boolean', { stream: 'yes' }, 'stream', 'invalid_type'],
    ['a dall-e-2 size on a GPT image model', { size: '256x256' }, 'size', 'invalid_value'],
    ['a free-form size on gpt-image-1', { size: '1536x864' }, 'size', 'invalid_value'],
    [
      'a gpt-image-2 size not divisible by 16',
      { model: 'gpt-image-2', size: '1000x1000' },
      'size',
      'invalid_value',
    ],
    ['a gpt-image-2 side over 3840', { model: 'gpt-image-2', size: '4096x1024' }, 'size', 'invalid_value'],
    ['a gpt-image-2 aspect over 3:1', { model: 'gpt-image-2', size: '3072x768' }, 'size', 'invalid_value'],
    [
      'a gpt-image-2 size under 655,360 pixels',
      { model: 'gpt-image-2', size: '768x256' },
      'size',
      'invalid_value',
    ],
    ['the max quality on gpt-image-2', { model: 'gpt-image-2', quality: 'max' }, 'quality', 'invalid_value'],
    ['a missing prompt', { prompt: undefined }, 'prompt', 'missing_required_parameter'],
    [
      'a GPT prompt over 32000 characters',
      { prompt: 'x'.repeat(32001) },
      'prompt',
      'string_above_max_length',
    ],
    [
      'a dall-e-2 prompt over 1000 characters',
      { model: 'dall-e-2', prompt: 'x'.repeat(1001) },
      'prompt',
      'string_above_max_length',
    ],
    [
      'output_format on dall-e-2',
      { model: 'dall-e-2', output_format: 'png' },
      'output_format',
      'unknown_parameter',
    ],
    ['quality high on dall-e-2', { model: 'dall-e-2', quality: 'high' }, 'quality', 'invalid_value'],
    ['a GPT size on dall-e-2', { model: 'dall-e-2', size: '1536x1024' }, 'size', 'invalid_value'],
    ['a missing image', { image: undefined }, 'image', 'missing_required_parameter'],
  ])('refuses %s', async (_title, fields, param, code) => {
    const { status, error } = await edit(fields);
    expect(status).toBe(400);
    expect(error).toMatchObject({ param, code, type: 'invalid_request_error' });
  });

  it('answers an unknown model with 404 model_not_found', async () => {
    const { status, error } = await edit({ model: 'gpt-image-9' });
    expect(status).toBe(404);
    expect(error).toMatchObject({ param: 'model', code: 'model_not_found' });
  });

  it.each<[string, OpenAIEditFormFields]>([
    ['input_fidelity on gpt-image-1', { input_fidelity: 'high' }],
    ['output_compression with webp', { output_format: 'webp', output_compression: 80 }],
    ['a transparent webp', { background: 'transparent', output_format: 'webp' }],
    ['quality standard on dall-e-2', { model: 'dall-e-2', quality: 'standard' }],
    ['a 32000-character prompt', { prompt: 'x'.repeat(32000) }],
    ['a gpt-image-2 size at 3:1', { model: 'gpt-image-2', size: '2304x768' }],
    ['a GPT Image 2.6 model with the max quality', { model: 'gpt-image-2.6-sunburst', quality: 'max' }],
  ])('accepts %s', async (_title, fields) => {
    expect((await edit(fields)).status).toBe(200);
  });
});

describe('parts', () => {
  it.each<[string, [string, string | Blob, string?][], string, string]>([
    [
      'an image sent as text',
      [
        ['image', 'abc'],
        ['prompt', 'x'],
      ],
      'image',
      'invalid_type',
    ],
    [
      'a prompt sent as a file',
      [
        ['image', png(square), 'a.png'],
        ['prompt', png(square), 'p.png'],
      ],
      'prompt',
      'invalid_type',
    ],
    [
      'image mixed with image[]',
      [
        ['image', png(square), 'a.png'],
        ['image[]', png(square), 'b.png'],
        ['prompt', 'x'],
      ],
      'image',
      'invalid_value',
    ],
    [
      'two image parts',
      [
        ['image', png(square), 'a.png'],
        ['image', png(square), 'b.png'],
        ['prompt', 'x'],
      ],
      'image',
      'duplicate_parameter',
    ],
    [
      'an indexed image[0] part',
      [
        ['image[0]', png(square), 'a.png'],
        ['prompt', 'x'],
      ],
      'image[0]',
      'unknown_parameter',
    ],
    [
      'a duplicated text field',
      [
        ['image', png(square), 'a.png'],
        ['prompt', 'x'],
        ['prompt', 'y'],
      ],
      'prompt',
      'duplicate_parameter',
    ],
    [
      'an octet-stream part with no file name',
      [
        ['image', png(square, 'application/octet-stream'), ''],
        ['prompt', 'x'],
      ],
      'image',
      'unsupported_file_mimetype',
    ],
  ])('refuses %s', async (_title, parts, param, code) => {
    const { status, error } = await send(rawForm(parts));
    expect(status).toBe(400);
    expect(error).toMatchObject({ param, code });
  });

  it('judges an octet-stream part by its .png file name', async () => {
    const form = rawForm([
      ['image', png(square, 'application/octet-stream'), 'photo.png'],
      ['prompt', 'x'],
    ]);
    expect((await send(form)).status).toBe(200);
  });
});

describe('images', () => {
  it.each<[string, OpenAIEditFormFields, string, string]>([
    [
      'bytes that are no image',
      { image: new Blob([NOT_AN_IMAGE], { type: 'image/png' }) },
      'image',
      'invalid_image_format',
    ],
    ['a GIF', { image: createGif(16, 16) }, 'image', 'unsupported_file_mimetype'],
    [
      'a GIF labelled PNG',
      { image: new Blob([createGif(16, 16)], { type: 'image/png' }) },
      'image',
      'invalid_image_format',
    ],
    ['17 images', { image: Array.from({ length: 17 }, () => square) }, 'image', 'array_above_max_length'],
    ['two images on dall-e-2', { model: 'dall-e-2', image: [square, square] }, 'image', 'invalid_value'],
    [
      'a JPEG on dall-e-2',
      { model: 'dall-e-2', image: createJpeg(16, 16) },
      'image',
      'unsupported_file_mimetype',
    ],
    [
      'a non-square PNG on dall-e-2',
      { model: 'dall-e-2', image: createPng(16, 8) },
      'image',
      'invalid_image',
    ],
    [
      'a mask without alpha',
      { mask: createPng(16, 16, { alphaChannel: false }) },
      'mask',
      'invalid_mask_image_format',
    ],
    [
      'a mask of another size',
      { mask: createOpenAIMask(8, 8, { x: 0, y: 0, width: 4, height: 4 }) },
      'mask',
      'invalid_mask_image_format',
    ],
    ['a JPEG mask', { mask: createJpeg(16, 16) }, 'mask', 'unsupported_file_mimetype'],
  ])('refuses %s', async (_title, fields, param, code) => {
    const { status, error } = await edit(fields);
    expect(status).toBe(400);
    expect(error).toMatchObject({ param, code });
  });

  it('refuses a dall-e-2 PNG of 4 MB or more', async () => {
    const { status, error } = await edit({ model: 'dall-e-2', image: createNoisePng(1050, 1050) });
    expect(status).toBe(400);
    expect(error).toMatchObject({ param: 'image', code: 'image_file_too_large' });
  });

  it.each([
    ['a JPEG', createJpeg(16, 16)],
    ['a WebP', createWebp(16, 16)],
    ['16 images', Array.from({ length: 16 }, () => square)],
  ])('accepts %s on GPT image models', async (_title, image) => {
    expect((await edit({ image })).status).toBe(200);
  });
});
