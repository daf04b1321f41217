import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import type { ModelCapabilities } from './capabilities.js';
import { BadRequestError, UnsupportedParamsError } from './errors.js';
import type { PreparedImage } from './image/prepare.js';
import type { ParsedImageEditParams } from './params.js';
import { bindRequest, isSizeSupported, type PreparedEditRequest, parseProviderExtras } from './validate.js';

const ref = { provider: 'acme', model: 'edit-1' };

function caps(patch: Partial<ModelCapabilities> = {}): ModelCapabilities {
  return {
    maxImages: 1,
    mask: 'none',
    maxN: 1,
    inputMediaTypes: ['image/png', 'image/jpeg'],
    params: [],
    nativeResponseFormat: 'b64_json',
    ...patch,
  };
}

function img(width = 64, height = 64, patch: Partial<PreparedImage> = {}): PreparedImage {
  return {
    bytes: new Uint8Array(100),
    mediaType: 'image/png',
    width,
    height,
    hasAlpha: true,
    filename: 'image.png',
    ...patch,
  };
}

function req(
  fields: Partial<ParsedImageEditParams['fields']> = {},
  more: Partial<PreparedEditRequest> = {},
): PreparedEditRequest {
  return {
    fields: { model: 'acme/edit-1', image: new Uint8Array(), prompt: 'make it blue', ...fields },
    images: [img()],
    extras: {},
    ...more,
  };
}

function fails(run: () => unknown): BadRequestError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return error as BadRequestError;
  }
  throw new Error('expected a BadRequestError');
}

describe('bindRequest: unsupported OpenAI params', () => {
  it.each([
    ['size', { size: '1024x1024' }],
    ['quality', { quality: 'high' }],
    ['n', { n: 2 }],
    ['background', { background: 'transparent' }],
    ['output_format', { output_format: 'webp' }],
  ] as const)('%s raises UnsupportedParamsError naming param and model', (param, fields) => {
    const error = fails(() => bindRequest(req(fields), caps(), ref));
    expect(error).toBeInstanceOf(UnsupportedParamsError);
    expect(error).toMatchObject({ param, code: 'unsupported_parameter', provider: 'acme', model: 'edit-1' });
    expect(error.message).toContain('acme/edit-1');
    expect(error.message).toContain('drop_params');
  });

  it('drops unsupported params with a warning under drop_params', () => {
    const { request, warnings } = bindRequest(
      req({ size: '1024x1024', quality: 'high', drop_params: true }, { mask: img() }),
      caps(),
      ref,
    );
    expect(request.size).toBeUndefined();
    expect(request.quality).toBeUndefined();
    expect(request.mask).toBeUndefined();
    expect(request.dropParams).toBe(true);
    expect(warnings).toEqual([
      'dropped mask: acme/edit-1 does not support it',
      'dropped size: acme/edit-1 does not support it',
      'dropped quality: acme/edit-1 does not support it',
    ]);
  });

  it("stream: true is the streamed call's (a 400 naming streamImageEdit), on every model", () => {
    const error = fails(() => bindRequest(req({ stream: true }), caps(), ref));
    expect(error).not.toBeInstanceOf(UnsupportedParamsError);
    expect(error).toMatchObject({ param: 'stream', provider: 'acme', model: 'edit-1' });
    expect(error.message).toContain('streamImageEdit()');
    // Streamed, the same model takes it: core streams its final image.
    const { request, warnings } = bindRequest(req({ stream: true, partial_images: 0 }), caps(), ref, {
      streaming: true,
    });
    expect(request.stream).toBeUndefined();
    expect(request.partial_images).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('never fails on n: 1 or stream: false, and warns about nothing', () => {
    const { request, warnings } = bindRequest(req({ n: 1, stream: false }), caps(), ref);
    expect(request.n).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('keeps supported params', () => {
    const { request } = bindRequest(
      req({
        n: 3,
        size: '512x512',
        quality: 'low',
        background: 'opaque',
        output_compression: 80,
        user: 'u1',
      }),
      caps({
        maxN: 4,
        sizes: ['512x512'],
        params: ['n', 'size', 'quality', 'background', 'output_compression', 'user'],
      }),
      ref,
    );
    expect(request).toMatchObject({
      model: 'edit-1',
      n: 3,
      size: '512x512',
      quality: 'low',
      background: 'opaque',
      output_compression: 80,
      user: 'u1',
    });
  });

  it('passes user only where the model takes it', () => {
    expect(bindRequest(req({ user: 'u1' }), caps(), ref).request.user).toBeUndefined();
  });
});

describe('bindRequest: images', () => {
  it('rejects too many images', () => {
    const error = fails(() => bindRequest(req({}, { images: [img(), img()] }), caps(), ref));
    expect(error).toMatchObject({ param: 'image', code: 'too_many_images' });
    expect(error.message).toContain('at most 1 input image;');
  });

  it('rejects too few images', () => {
    const error = fails(() =>
      bindRequest(req({}, { images: [img()] }), caps({ maxImages: 3, minImages: 2 }), ref),
    );
    expect(error.code).toBe('missing_required_parameter');
  });

  it('rejects a media type the model does not take', () => {
    const error = fails(() =>
      bindRequest(req({}, { images: [img(64, 64, { mediaType: 'image/gif' })] }), caps(), ref),
    );
    expect(error).toMatchObject({ param: 'image', code: 'unsupported_image_media_type' });
  });

  it('names the index of a bad image among several', () => {
    const error = fails(() =>
      bindRequest(req({}, { images: [img(), img(64, 32)] }), caps({ maxImages: 4, squareImages: true }), ref),
    );
    expect(error.param).toBe('image[1]');
    expect(error.message).toContain('square');
  });

  it('applies the byte limit with 413', () => {
    const error = fails(() => bindRequest(req(), caps({ maxImageBytes: 50 }), ref));
    expect(error.status).toBe(413);
  });

  it('applies min side, max pixels and aspect ratio', () => {
    expect(
      fails(() => bindRequest(req({}, { images: [img(64, 200)] }), caps({ minSide: 100 }), ref)).code,
    ).toBe('image_too_small');
    expect(
      fails(() => bindRequest(req({}, { images: [img(100, 100)] }), caps({ maxPixels: 9999 }), ref)).code,
    ).toBe('image_too_large');
    expect(() =>
      bindRequest(req({}, { images: [img(100, 100)] }), caps({ maxPixels: 10000 }), ref),
    ).not.toThrow();
    const wide = fails(() =>
      bindRequest(req({}, { images: [img(300, 100)] }), caps({ maxAspectRatio: 2.5 }), ref),
    );
    expect(wide.message).toContain('300x100');
    expect(() =>
      bindRequest(req({}, { images: [img(250, 100)] }), caps({ maxAspectRatio: 2.5 }), ref),
    ).not.toThrow();
  });
});

describe('bindRequest: mask', () => {
  it('requires a mask where the model needs one', () => {
    const error = fails(() => bindRequest(req(), caps({ mask: 'required' }), ref));
    expect(error).toMatchObject({ param: 'mask', code: 'missing_required_parameter' });
  });

  it('raises UnsupportedParamsError for a mask the model cannot take', () => {
    const error = fails(() => bindRequest(req({}, { mask: img() }), caps({ mask: 'none' }), ref));
    expect(error).toBeInstanceOf(UnsupportedParamsError);
    expect(error.param).toBe('mask');
  });

  it('rejects a mask of another size than the first image', () => {
    const error = fails(() => bindRequest(req({}, { mask: img(32, 32) }), caps({ mask: 'optional' }), ref));
    expect(error).toMatchObject({ param: 'mask', code: 'invalid_mask_size' });
  });

  it('applies the mask byte limit and passes a good mask on', () => {
    const mask = img();
    expect(
      fails(() => bindRequest(req({}, { mask }), caps({ mask: 'optional', maxMaskBytes: 10 }), ref)).status,
    ).toBe(413);
    expect(bindRequest(req({}, { mask }), caps({ mask: 'optional' }), ref).request.mask).toBe(mask);
  });
});

describe('bindRequest: values', () => {
  it('rejects n above the model maximum', () => {
    const error = fails(() => bindRequest(req({ n: 5 }), caps({ params: ['n'], maxN: 4 }), ref));
    expect(error.param).toBe('n');
    expect(error.message).toContain('at most 4 images');
  });

  it('checks size against the list and the custom-size rule', () => {
    const c = caps({
      params: ['size'],
      sizes: ['auto', '1024x1024'],
      customSizes: { multipleOf: 16, maxSide: 2048, maxPixels: 2048 * 1024, maxAspectRatio: 3 },
    });
    expect(bindRequest(req({ size: 'auto' }), c, ref).request.size).toBe('auto');
    expect(bindRequest(req({ size: '1536x1024' }), c, ref).request.size).toBe('1536x1024');
    const error = fails(() => bindRequest(req({ size: '1000x1000' }), c, ref));
    expect(error.param).toBe('size');
    expect(error.message).toContain('auto, 1024x1024 or WxH with sides divisible by 16');
    expect(
      fails(() =>
        bindRequest(req({ size: '512x512' }), caps({ params: ['size'], sizes: ['1024x1024'] }), ref),
      ).message,
    ).toContain('accepts 1024x1024; got 512x512');
    // Any side length: no "divisible by 1".
    const anySide = caps({
      params: ['size'],
      sizes: ['auto'],
      customSizes: { multipleOf: 1, maxSide: 4096, maxPixels: 4096 * 4096, maxAspectRatio: 3 },
    });
    const tooLong = fails(() => bindRequest(req({ size: '8000x8000' }), anySide, ref));
    expect(tooLong.message).toContain('accepts auto or WxH, longest side ≤ 4096; got 8000x8000');
    expect(tooLong.message).not.toContain('divisible');
  });

  it('checks quality and output_format against their lists', () => {
    const c = caps({
      params: ['quality', 'output_format'],
      qualities: ['low', 'high'],
      outputFormats: ['png'],
    });
    expect(fails(() => bindRequest(req({ quality: 'medium' }), c, ref)).param).toBe('quality');
    expect(fails(() => bindRequest(req({ output_format: 'jpeg' }), c, ref)).param).toBe('output_format');
    expect(bindRequest(req({ quality: 'high', output_format: 'png' }), c, ref).request).toMatchObject({
      quality: 'high',
      output_format: 'png',
    });
  });

  it('requires a prompt unless the model says otherwise', () => {
    expect(fails(() => bindRequest(req({ prompt: undefined }), caps(), ref)).code).toBe(
      'missing_required_parameter',
    );
    expect(fails(() => bindRequest(req({ prompt: '   ' }), caps(), ref)).param).toBe('prompt');
    expect(
      bindRequest(req({ prompt: undefined }), caps({ promptRequired: false }), ref).request.prompt,
    ).toBeUndefined();
  });

  it('applies the prompt length limit', () => {
    expect(
      fails(() => bindRequest(req({ prompt: 'x'.repeat(11) }), caps({ maxPromptLength: 10 }), ref)).param,
    ).toBe('prompt');
    expect(() =>
      bindRequest(req({ prompt: 'x'.repeat(10) }), caps({ maxPromptLength: 10 }), ref),
    ).not.toThrow();
  });

  it('defaults response_format to b64_json on every model, URL-native ones too, and honours an explicit one', () => {
    expect(bindRequest(req(), caps({ nativeResponseFormat: 'url' }), ref).request.response_format).toBe(
      'b64_json',
    );
    expect(
      bindRequest(req({ response_format: 'url' }), caps({ nativeResponseFormat: 'b64_json' }), ref).request
        .response_format,
    ).toBe('url');
    expect(bindRequest(req(), caps({ nativeResponseFormat: 'b64_json' }), ref).request.response_format).toBe(
      'b64_json',
    );
    expect(bindRequest(req(), caps({ nativeResponseFormat: 'either' }), ref).request.response_format).toBe(
      'b64_json',
    );
    expect(
      bindRequest(req({ response_format: 'b64_json' }), caps({ nativeResponseFormat: 'url' }), ref).request
        .response_format,
    ).toBe('b64_json');
  });

  it('passes extras, extra_body and extra_headers through', () => {
    const { request } = bindRequest(
      req({ extra_body: { a: 1 }, extra_headers: { 'x-b': '2' } }, { extras: { seed: 7 } }),
      caps(),
      ref,
    );
    expect(request.extras).toEqual({ seed: 7 });
    expect(request.extraBody).toEqual({ a: 1 });
    expect(request.extraHeaders).toEqual({ 'x-b': '2' });
  });
});

describe('isSizeSupported', () => {
  const rule = { multipleOf: 16, maxSide: 3840, maxPixels: 8_294_400, maxAspectRatio: 3 };
  it.each([
    ['1024x1024', true],
    ['3840x2160', true],
    ['1000x1000', false],
    ['4096x1024', false],
    ['3840x3840', false],
    ['3072x1008', false],
    ['auto', false],
  ])('%s → %p', (size, ok) => {
    expect(isSizeSupported(size, caps({ customSizes: rule }))).toBe(ok);
  });

  it('accepts listed sizes and nothing else without a rule', () => {
    expect(isSizeSupported('auto', caps({ sizes: ['auto'] }))).toBe(true);
    expect(isSizeSupported('1024x1024', caps({ sizes: ['auto'] }))).toBe(false);
    expect(isSizeSupported('1024x1024', caps())).toBe(false);
  });
});

describe('parseProviderExtras', () => {
  const schema = z.object({ seed: z.number().int().optional(), style: z.enum(['a', 'b']).optional() });
  const parse = (extras: Record<string, unknown>, dropParams = false, warnings: string[] = []) =>
    parseProviderExtras({
      request: { extras, dropParams, model: 'edit-1' },
      schema,
      provider: 'acme',
      warnings,
    });

  it('returns the parsed extras', () => {
    expect(parse({ seed: 3, style: 'a' })).toEqual({ seed: 3, style: 'a' });
  });

  it('rejects an unknown key with UnsupportedParamsError listing the known ones', () => {
    const error = fails(() => parse({ seed: 3, cfg: 7 }));
    expect(error).toBeInstanceOf(UnsupportedParamsError);
    expect(error).toMatchObject({ param: 'cfg', provider: 'acme', model: 'edit-1' });
    expect(error.message).toContain('seed, style');
  });

  it('drops an unknown key with a warning under drop_params', () => {
    const warnings: string[] = [];
    expect(parse({ seed: 3, cfg: 7 }, true, warnings)).toEqual({ seed: 3 });
    expect(warnings).toEqual(['dropped cfg: acme/edit-1 does not support it']);
  });

  it('rejects an invalid value naming the key', () => {
    const error = fails(() => parse({ seed: 1.5 }));
    expect(error).not.toBeInstanceOf(UnsupportedParamsError);
    expect(error.param).toBe('seed');
    expect(error.message).toMatch(/^seed: /);
  });
});
