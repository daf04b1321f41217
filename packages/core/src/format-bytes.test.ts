import { describe, expect, it } from '@jest/globals';
import { formatBytes, formatBytesBeside } from './format-bytes.js';

describe('formatBytes', () => {
  it('writes whole units as they are and others with two decimals at most, never "0 MiB"', () => {
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
    expect(formatBytes(20_000_000)).toBe('19.07 MiB');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MiB');
    expect(formatBytes(512 * 1024)).toBe('512 KiB');
    expect(formatBytes(64)).toBe('64 bytes');
    expect(formatBytes(1)).toBe('1 byte');
  });

  it('writes a limit and a count over it in bytes when both would read the same', () => {
    expect(formatBytesBeside(4 * 1024 * 1024, 6 * 1024 * 1024)).toEqual(['4 MiB', '6 MiB']);
    expect(formatBytesBeside(50 * 1024 * 1024, 50 * 1024 * 1024 + 10)).toEqual([
      '52428800 bytes',
      '52428810 bytes',
    ]);
  });
});
