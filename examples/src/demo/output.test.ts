import { describe, expect, it } from '@jest/globals';
import { createJpeg, createPng, createWebp } from '@retouch/testing';
import {
  CASE_COLUMNS,
  extensionOf,
  filesCell,
  formatTable,
  MAX_TABLE_WIDTH,
  PROXY_COLUMNS,
} from './output.js';

describe('demo output', () => {
  it('names a file by what its bytes are, not what was asked for', () => {
    expect(extensionOf(createJpeg(8, 8))).toBe('jpg');
    expect(extensionOf(createPng(8, 8))).toBe('png');
    expect(extensionOf(createWebp(8, 8))).toBe('webp');
  });

  it.each([
    ['SDK', CASE_COLUMNS],
    ['proxy', PROXY_COLUMNS],
  ])('keeps the %s table within the terminal width however long the cells are', (_name, columns) => {
    const long = 'x'.repeat(300);
    const lines = formatTable(columns, [columns.map(() => long)]);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(MAX_TABLE_WIDTH);
    expect(lines[2]).toContain('…');
  });

  it("lists a case's files briefly", () => {
    expect(filesCell(['a-1.png', 'a-2.png', 'a-3.png'])).toBe('a-1.png +2');
  });
});
