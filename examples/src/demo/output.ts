/**
 * What both demo tables share: a result's bytes, the file extension its bytes (not the request)
 * call for, and a table that fits a terminal — long cells are cut with `…` and the full texts (the
 * reasons a case was rejected) follow the table as numbered notes.
 */
import { sniffImage } from '@retouch/core';

/** Widest line a demo table prints. */
export const MAX_TABLE_WIDTH = 120;

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/**
 * The bytes of one `data[]` item: base64, a `data:` URL, or a URL on a local simulator.
 *
 * @example
 * ```ts
 * const bytes = await bytesOf(response.data[0]);
 * ```
 */
export async function bytesOf(item: { b64_json?: string; url?: string }): Promise<Buffer> {
  if (item.b64_json) return Buffer.from(item.b64_json, 'base64');
  const url = item.url ?? '';
  if (url.startsWith('data:')) return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

/**
 * The file extension for an image, from its magic bytes (a JPEG answer is `.jpg` whatever was asked).
 *
 * @example
 * ```ts
 * extensionOf(jpegBytes); // 'jpg'
 * ```
 */
export function extensionOf(bytes: Uint8Array): string {
  return EXTENSIONS[sniffImage(bytes)?.mediaType ?? ''] ?? 'bin';
}

/**
 * `text` cut to `width` characters, ending in `…` when cut.
 *
 * @example
 * ```ts
 * fit('a long sentence', 6); // 'a lon…'
 * ```
 */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** One column: its header and the widest its cells may be. */
export interface Column {
  header: string;
  maxWidth: number;
}

/** Columns of the SDK table: one row per case. */
export const CASE_COLUMNS: readonly Column[] = [
  { header: 'case', maxWidth: 36 },
  { header: 'provider/model', maxWidth: 28 },
  { header: 'n', maxWidth: 2 },
  { header: 'latency', maxWidth: 7 },
  { header: 'cost', maxWidth: 7 },
  { header: 'output', maxWidth: 30 },
];

/** Columns of the proxy table: one row per call through the proxy. */
export const PROXY_COLUMNS: readonly Column[] = [
  { header: 'model group → provider', maxWidth: 38 },
  { header: 'request', maxWidth: 27 },
  { header: 'latency', maxWidth: 7 },
  { header: 'cost', maxWidth: 7 },
  { header: 'output', maxWidth: 30 },
];

/**
 * The table's lines (header, rule, rows), every cell cut to its column's `maxWidth`.
 *
 * @example
 * ```ts
 * for (const line of formatTable([{ header: 'case', maxWidth: 30 }], [['openai: mask']])) console.log(line);
 * ```
 */
export function formatTable(columns: readonly Column[], rows: readonly string[][]): string[] {
  const cells = rows.map((row) => columns.map((column, i) => fit(row[i] ?? '', column.maxWidth)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map(line),
  ];
}

/**
 * Files of one case as a short cell: the first name, and how many more.
 *
 * @example
 * ```ts
 * filesCell(['a-1.png', 'a-2.png']); // 'a-1.png +1'
 * ```
 */
export function filesCell(files: readonly string[]): string {
  const [first, ...more] = files;
  return first === undefined ? '' : more.length > 0 ? `${first} +${more.length}` : first;
}
