import { describe, expect, it } from '@jest/globals';
import { nearestAspectRatio, parseSize } from './aspect-ratio.js';

const GEMINI = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];

describe('nearestAspectRatio', () => {
  it.each([
    ['1024x1024', '1:1'],
    ['1536x1024', '3:2'],
    ['1024x1536', '2:3'],
    ['1792x1024', '16:9'],
    ['1024x1792', '9:16'],
    ['2560x1080', '21:9'],
    ['1000x800', '5:4'],
  ])('maps %s to %s', (size, expected) => {
    expect(nearestAspectRatio(size, GEMINI)).toBe(expected);
  });

  it('leaves auto and missing sizes to the provider', () => {
    expect(nearestAspectRatio('auto', GEMINI)).toBeUndefined();
    expect(nearestAspectRatio(undefined, GEMINI)).toBeUndefined();
  });

  it('treats wide and tall symmetrically', () => {
    expect(nearestAspectRatio('2000x1000', ['1:1', '16:9', '9:16'])).toBe('16:9');
    expect(nearestAspectRatio('1000x2000', ['1:1', '16:9', '9:16'])).toBe('9:16');
  });

  it('parses sizes', () => {
    expect(parseSize('640x480')).toEqual({ width: 640, height: 480 });
    expect(parseSize('0x480')).toBeUndefined();
    expect(parseSize('auto')).toBeUndefined();
  });
});
