import { describe, expect, it } from '@jest/globals';
import { DEFAULT_LIMITS } from '../config/proxy-config.js';
import { readJsonEdit } from './json-body.js';

const image = { image_url: 'data:image/png;base64,AAAA' };
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
};

describe('readJsonEdit limits in messages', () => {
  it('names max_field_size_kb as set (0.5 is 512 bytes, not "1 KiB")', () => {
    const limits = { ...DEFAULT_LIMITS, maxFieldBytes: 512 };
    const error = refusal(() =>
      readJsonEdit({ model: 'x', prompt: 'p'.repeat(600), images: [image] }, limits),
    );
    expect(error.message).toBe('prompt: the value is longer than 512 bytes');
  });

  it('says "1 image" for max_images: 1', () => {
    const limits = { ...DEFAULT_LIMITS, maxImages: 1 };
    const error = refusal(() => readJsonEdit({ model: 'x', prompt: 'p', images: [image, image] }, limits));
    expect(error.message).toBe('image: at most 1 image per request, got 2');
  });
});
