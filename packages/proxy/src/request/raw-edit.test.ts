import { describe, expect, it } from '@jest/globals';
import { imagesText } from './raw-edit.js';

describe('imagesText', () => {
  it('says "1 image" for max_images: 1, not "1 images"', () => {
    expect(`image: at most ${imagesText(1)} per request`).toBe('image: at most 1 image per request');
    expect(imagesText(16)).toBe('16 images');
  });
});
