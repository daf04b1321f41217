import { describe, expect, it } from '@jest/globals';
import { convertMask, decodePngPixels, prepareImage, sniffImage } from '@retouch/core';
import {
  createGif,
  createJpeg,
  createNoisePng,
  createOpenAIMask,
  createPng,
  createWebp,
  createWhiteMask,
  NOT_AN_IMAGE,
  truncatedPng,
} from './fixtures.js';

const rect = { x: 2, y: 2, width: 4, height: 4 };

describe('fixtures', () => {
  it.each([
    ['createPng', createPng(40, 30), 'image/png', true],
    ['createPng without alpha', createPng(40, 30, { alphaChannel: false }), 'image/png', false],
    ['createJpeg', createJpeg(40, 30), 'image/jpeg', false],
    ['createWebp', createWebp(40, 30), 'image/webp', false],
    ['createGif', createGif(40, 30), 'image/gif', true],
  ])('%s is sniffed with its type and size', (_name, bytes, mediaType, hasAlpha) => {
    expect(sniffImage(bytes)).toEqual({ mediaType, width: 40, height: 30, hasAlpha });
  });

  it('fills a PNG with the colour and alpha asked for', async () => {
    const { data } = await decodePngPixels(createPng(2, 2, { color: [1, 2, 3], alpha: 4 }));
    expect([...data.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
  });

  it('marks the edit area with transparency in an OpenAI mask', async () => {
    const { data } = await decodePngPixels(createOpenAIMask(8, 8, rect));
    expect(data[(3 * 8 + 3) * 4 + 3]).toBe(0);
    expect(data[3]).toBe(255);
  });

  it('marks the edit area with white in a white mask, which core converts to the OpenAI one', async () => {
    const white = createWhiteMask(8, 8, rect);
    expect(sniffImage(white)?.hasAlpha).toBe(false);
    const prepared = await prepareImage(white, { param: 'mask' });
    const converted = await convertMask(prepared, 'alpha-transparent');
    const expected = await decodePngPixels(createOpenAIMask(8, 8, rect));
    const actual = await decodePngPixels(converted.bytes);
    const alphas = (data: Buffer) => [...data].filter((_, index) => index % 4 === 3);
    expect(alphas(actual.data)).toEqual(alphas(expected.data));
  });

  it('makes incompressible noise PNGs of the expected size', () => {
    const bytes = createNoisePng(100, 100);
    expect(bytes.length).toBeGreaterThan(100 * 100 * 4);
    expect(createNoisePng(10, 10, 7).equals(createNoisePng(10, 10, 7))).toBe(true);
  });

  it('has bad inputs that no sniffer accepts', () => {
    expect(sniffImage(NOT_AN_IMAGE)).toBeUndefined();
    expect(sniffImage(truncatedPng())).toBeUndefined();
  });
});
