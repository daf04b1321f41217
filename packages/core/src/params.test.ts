import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { BadRequestError } from './errors.js';
import { type ImageEditParams, KNOWN_PARAM_NAMES, parseImageEditParams } from './params.js';

const image = new Uint8Array([1, 2, 3]);

function parseError(params: Record<string, unknown>): BadRequestError {
  try {
    parseImageEditParams(params as ImageEditParams);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return error as BadRequestError;
  }
  throw new Error('expected parseImageEditParams to throw');
}

describe('parseImageEditParams', () => {
  it('splits provider extras from OpenAI and control fields', () => {
    const signal = new AbortController().signal;
    const { fields, images, extras } = parseImageEditParams({
      model: 'stability/sd3',
      image,
      prompt: 'a cat',
      n: 2,
      size: '1024x1024',
      timeout: 5000,
      drop_params: true,
      signal,
      extra_headers: { 'x-trace': '1' },
      seed: 42,
      negative_prompt: 'dogs',
      top: undefined,
    });
    expect(extras).toEqual({ seed: 42, negative_prompt: 'dogs' });
    expect('top' in extras).toBe(false);
    expect(fields).toMatchObject({
      model: 'stability/sd3',
      prompt: 'a cat',
      n: 2,
      size: '1024x1024',
      timeout: 5000,
      drop_params: true,
      extra_headers: { 'x-trace': '1' },
    });
    expect(fields.signal).toBe(signal);
    expect(images).toEqual([image]);
    expect(images[0]).toBe(image);
  });

  it('keeps an array of images in order, as the same objects', () => {
    const stream = Readable.from([Buffer.from('x')]);
    const { images } = parseImageEditParams({
      model: 'm',
      image: [image, 'data:image/png;base64,AA==', stream],
    });
    expect(images).toHaveLength(3);
    expect(images[0]).toBe(image);
    expect(images[2]).toBe(stream);
  });

  it('lists the known field names (so nothing known is taken for an extra)', () => {
    for (const name of [
      'model',
      'image',
      'mask',
      'n',
      'size',
      'quality',
      'timeout',
      'signal',
      'drop_params',
    ]) {
      expect(KNOWN_PARAM_NAMES.has(name)).toBe(true);
    }
    expect(KNOWN_PARAM_NAMES.has('seed')).toBe(false);
  });

  it.each([
    ['n', { n: 11 }, /^n: must be an integer from 1 to 10$/],
    ['n', { n: 0 }, /^n: must be an integer from 1 to 10$/],
    ['n', { n: 1.5 }, /^n: /],
    ['size', { size: 'big' }, /size must be WIDTHxHEIGHT/],
    ['quality', { quality: 'ultra' }, /^quality: /],
    ['response_format', { response_format: 'png' }, /^response_format: /],
    ['output_compression', { output_compression: 101 }, /^output_compression: /],
    ['background', { background: 'green' }, /^background: /],
    ['timeout', { timeout: -1 }, /^timeout: /],
    ['prompt', { prompt: 42 }, /^prompt: /],
    ['user', { user: 'u'.repeat(300) }, /^user: /],
    ['extra_headers', { extra_headers: { a: 1 } }, /^extra_headers\.a: /],
    [
      'extra_headers',
      { extra_headers: { 'x-a': 'b\r\nx-b: c' } },
      /^extra_headers\.x-a: must not contain line breaks/,
    ],
    ['extra_headers', { extra_headers: { 'x a': 'b' } }, /^extra_headers.x a: is not an HTTP header name/],
  ])('names %s when it is invalid', (param, patch, message) => {
    const error = parseError({ model: 'm', image, ...patch });
    expect(error.param).toBe(param);
    expect(error.code).toBe('invalid_value');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  it('names model when it is missing or empty', () => {
    expect(parseError({ image }).param).toBe('model');
    expect(parseError({ model: '', image }).message).toBe(
      'model: required (a model id such as gpt-image-1, or provider/model such as gemini/<model id>)',
    );
  });

  it('names image when it is missing or of a wrong type, saying what is accepted', () => {
    for (const bad of [{}, { image: 42 }, { image: { path: 'a.png' } }]) {
      const error = parseError({ model: 'm', ...bad });
      expect(error.param).toBe('image');
      expect(error.code).toBe('invalid_image');
      expect(error.message).toBe(
        'image: expected bytes, a Blob/File, a readable stream, a data: URL or an http(s) URL',
      );
    }
  });

  it('says that an empty list of images is not enough', () => {
    const error = parseError({ model: 'm', image: [] });
    expect(error.param).toBe('image');
    expect(error.message).toBe('image: at least one image is required');
  });

  it('names the index of a bad image in a list', () => {
    const error = parseError({ model: 'm', image: [image, 7] });
    expect(error.param).toBe('image');
    expect(error.message).toMatch(/^image\[1\]: expected bytes/);
  });

  it('names mask when it is of a wrong type', () => {
    const error = parseError({ model: 'm', image, mask: 12 });
    expect(error.param).toBe('mask');
    expect(error.code).toBe('invalid_image');
  });

  it('rejects a request that is not an object', () => {
    expect(() => parseImageEditParams(null as unknown as ImageEditParams)).toThrow(BadRequestError);
  });
});
