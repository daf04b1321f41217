import { describe, expect, it } from '@jest/globals';
import { PNG } from 'pngjs';
import { byteSource } from './byte-source.js';
import { pngHeaderProblem, sniffImage } from './sniff.js';

function png(width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 7919) % 251;
  return PNG.sync.write(image, { colorType: 6 });
}

/** `bytes` cut into pieces of `size` bytes, as a socket might deliver them. */
const cut = (bytes: Uint8Array, size: number): Uint8Array[] => {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
};

describe('byteSource', () => {
  it('reads the same numbers from pieces as from the whole, wherever they are cut', () => {
    const whole = Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 11) % 256);
    const one = byteSource(whole);
    for (const size of [1, 2, 3, 5, 7, 39]) {
      const pieces = byteSource([new Uint8Array(0), ...cut(whole, size)]);
      expect(pieces.length).toBe(40);
      for (let at = 0; at < 40; at++) {
        expect(pieces.at(at)).toBe(one.at(at));
        expect(pieces.u16(at)).toBe(one.u16(at));
        expect(pieces.u16(at, true)).toBe(one.u16(at, true));
        expect(pieces.u32(at)).toBe(one.u32(at));
        expect(pieces.ascii(at, 3)).toBe(one.ascii(at, 3));
      }
      // Backwards too: a header walk may look back.
      for (let at = 39; at >= 0; at--) expect(pieces.at(at)).toBe(whole[at]);
    }
    expect(one.u32(38)).toBe(0);
    expect(one.at(40)).toBe(0);
  });

  it('lets a PNG be checked in the pieces it arrived in', () => {
    const file = png(40, 30);
    for (const size of [1, 13, 64, 1000]) {
      expect(sniffImage(cut(file, size))).toEqual(sniffImage(file));
      expect(pngHeaderProblem(cut(file, size))).toBeUndefined();
    }
    expect(sniffImage(cut(file, 9))).toMatchObject({ mediaType: 'image/png', width: 40, height: 30 });
    // Cut short (no IEND) in pieces as whole: not a complete PNG.
    expect(sniffImage(cut(file.subarray(0, file.length - 6), 10))).toBeUndefined();
    const liar = Buffer.from(file);
    liar.writeUInt32BE(60_000, 16);
    liar.writeUInt32BE(60_000, 20);
    expect(pngHeaderProblem(cut(liar, 7))).toBe(pngHeaderProblem(liar));
    expect(pngHeaderProblem(liar)).toMatch(/declares 60000x60000 pixels/);
  });
});
