/**
 * Multipart bodies built from the image bytes as they are. A `FormData` holds files as Blobs, and a
 * Blob copies the bytes it is made from, then `fetch` copies them again to read them out; a
 * {@link MultipartForm} keeps references to the bytes, and {@link encodeMultipart} turns it into a
 * few header strings between those same bytes, which the upstream client writes to the socket
 * without joining them. The encoding is byte for byte the one `fetch` (undici) sends for the
 * equivalent `FormData`: the same boundary form, escaping, line breaks and content types.
 * @module
 */

import type { PreparedImage } from './image/prepare.js';

/** A file part: the bytes (kept as they are, never copied), its file name and its content type. */
export interface FormFile {
  /** The file's bytes, whole or in pieces sent in order. */
  bytes: Uint8Array | readonly Uint8Array[];
  /** Sent as `filename="…"`; left out when undefined. */
  filename?: string;
  /** Defaults to `application/octet-stream`. */
  contentType?: string;
}

/**
 * The fields and files of a multipart upload, in order, like a `FormData` whose files are bytes.
 *
 * @example
 * ```ts
 * import { imageFile, MultipartForm } from '@retouch/core';
 *
 * const form = new MultipartForm();
 * form.append('image', imageFile(image));
 * form.append('prompt', 'Add a hat');
 * await http.postForm('/images/edits', form, { signal });
 * ```
 */
export class MultipartForm {
  readonly #entries: [string, string | FormFile][] = [];

  /** Adds a text field or a file part at the end. */
  append(name: string, value: string | FormFile): void {
    this.#entries.push([name, value]);
  }

  /** Removes every entry named `name`. */
  delete(name: string): void {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]?.[0] === name) this.#entries.splice(i, 1);
    }
  }

  /** Whether an entry named `name` exists. */
  has(name: string): boolean {
    return this.#entries.some(([entry]) => entry === name);
  }

  /** The first value named `name`. */
  get(name: string): string | FormFile | undefined {
    return this.#entries.find(([entry]) => entry === name)?.[1];
  }

  /** Every entry in order. */
  entries(): IterableIterator<[string, string | FormFile]> {
    return this.#entries[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string | FormFile]> {
    return this.entries();
  }
}

/**
 * A prepared image as a file part: its bytes as they are, its file name and its media type.
 *
 * @example
 * ```ts
 * form.append('image[]', imageFile(image));
 * ```
 */
export function imageFile(
  image: Pick<PreparedImage, 'bytes' | 'parts' | 'filename' | 'mediaType'>,
): FormFile {
  // An upload's pieces go out as they arrived: never joined, never copied.
  return { bytes: image.parts ?? image.bytes, filename: image.filename, contentType: image.mediaType };
}

/** An encoded multipart body: the pieces to send in order, their total length and the content type. */
export interface EncodedMultipart {
  chunks: Uint8Array[];
  length: number;
  contentType: string;
}

// Most names and values have nothing to escape: one test instead of three replaces.
const NEEDS_ESCAPE = /[\n\r"]/;
const HAS_LINEBREAK = /[\n\r]/;
const escapeName = (value: string) =>
  NEEDS_ESCAPE.test(value) ? value.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22') : value;
const normalizeLinefeeds = (value: string) =>
  HAS_LINEBREAK.test(value) ? value.replace(/\r?\n|\r/g, '\r\n') : value;

/**
 * Encodes a form as `fetch` would send it. A {@link MultipartForm}'s file bytes become chunks of
 * the result as they are; a `FormData`'s Blobs are read out once.
 *
 * @example
 * ```ts
 * const { chunks, length, contentType } = await encodeMultipart(form);
 * ```
 */
export async function encodeMultipart(form: MultipartForm | FormData): Promise<EncodedMultipart> {
  const entries: [string, string | FormFile][] = [];
  if (form instanceof MultipartForm) entries.push(...form.entries());
  else {
    for (const [name, value] of form) {
      entries.push([
        name,
        typeof value === 'string'
          ? value
          : {
              bytes: new Uint8Array(await value.arrayBuffer()),
              filename: value.name,
              contentType: value.type,
            },
      ]);
    }
  }
  return encodeEntries(entries);
}

/**
 * {@link encodeMultipart} for a {@link MultipartForm}, synchronously.
 *
 * @example
 * ```ts
 * const { chunks, contentType } = encodeMultipartForm(form);
 * ```
 */
export function encodeMultipartForm(form: MultipartForm): EncodedMultipart {
  return encodeEntries(form.entries());
}

function encodeEntries(entries: Iterable<[string, string | FormFile]>): EncodedMultipart {
  const boundary = `----formdata-undici-0${String(Math.floor(Math.random() * 1e11)).padStart(11, '0')}`;
  const prefix = `--${boundary}\r\nContent-Disposition: form-data`;
  const chunks: Uint8Array[] = [];
  let length = 0;
  // Text between file bytes is gathered into one string, encoded once.
  let text = '';
  const flush = () => {
    if (text.length === 0) return;
    const bytes = Buffer.from(text, 'utf8');
    chunks.push(bytes);
    length += bytes.length;
    text = '';
  };
  for (const [name, value] of entries) {
    text += `${prefix}; name="${escapeName(normalizeLinefeeds(name))}"`;
    if (typeof value === 'string') {
      text += `\r\n\r\n${normalizeLinefeeds(value)}\r\n`;
      continue;
    }
    const filename = value.filename ? `; filename="${escapeName(value.filename)}"` : '';
    text += `${filename}\r\nContent-Type: ${value.contentType || 'application/octet-stream'}\r\n\r\n`;
    flush();
    for (const piece of value.bytes instanceof Uint8Array ? [value.bytes] : value.bytes) {
      if (piece.byteLength === 0) continue;
      chunks.push(piece);
      length += piece.byteLength;
    }
    text = '\r\n';
  }
  text += `--${boundary}--\r\n`;
  flush();
  return { chunks, length, contentType: `multipart/form-data; boundary=${boundary}` };
}
