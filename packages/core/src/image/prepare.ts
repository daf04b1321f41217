/**
 * Turns whatever the caller passed as an image into a `PreparedImage`: the bytes read exactly once,
 * the real type sniffed from magic bytes, width and height from the header. Retries and fallbacks
 * reuse the prepared image; base64 and Blob forms are computed once per image and cached.
 * @module
 */
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { BadRequestError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { type SafeFetchOptions, safeFetchBytes } from '../safe-fetch.js';
import { extensionFor, type ImageMediaType, pngHeaderProblem, sniffImage } from './sniff.js';

/**
 * An image as the caller may give it: bytes (`Uint8Array`/`Buffer`, `ArrayBuffer`), bytes in pieces
 * ({@link ImageParts}), a `Blob`/`File`, a Node readable stream (`fs.createReadStream`), a string
 * holding a `data:` URL or an `http(s)` URL, or an image {@link prepareImage} already read and
 * checked (taken as it is).
 */
export type ImageInput = Uint8Array | ArrayBuffer | ImageParts | Blob | Readable | string | PreparedImage;

/**
 * An image's bytes in the pieces they arrived in (what a multipart parser or a socket delivered):
 * checked from its header on the pieces and, for multipart uploads, sent upstream as they are,
 * never joined or copied.
 *
 * @example
 * ```ts
 * import { ImageParts, prepareImage } from '@retouch/core';
 * const image = await prepareImage(new ImageParts([head, rest]), { param: 'image' });
 * image.parts?.length; // 2
 * ```
 */
export class ImageParts {
  constructor(
    /** The pieces, in order. They are kept, not copied: do not reuse their memory. */
    readonly parts: readonly Uint8Array[],
  ) {}
}

/** An image read once and checked, as every provider receives it. */
export interface PreparedImage {
  /** The image's bytes (joined from `parts` on first use when it arrived in pieces). */
  readonly bytes: Uint8Array;
  /**
   * The bytes in the pieces they arrived in, when the image was read from a stream (an upload):
   * headers are checked on the pieces, and multipart uploads send them as they are, never joined.
   */
  readonly parts?: readonly Uint8Array[];
  readonly mediaType: ImageMediaType;
  readonly width: number;
  readonly height: number;
  readonly hasAlpha: boolean;
  /** File name for multipart uploads: the caller's own, else `image.png`, `image-2.jpg`, … */
  readonly filename: string;
}

/** Limits applied while reading inputs. */
export interface PrepareImageOptions {
  /** Request field named in errors (`image[1]`, `mask`). */
  param: string;
  /** Largest accepted input in bytes. Defaults to 50 MiB. */
  maxBytes?: number;
  /** How remote `http(s)` inputs are fetched. */
  remote?: SafeFetchOptions;
  /** Name used when the input carries none. */
  defaultName?: string;
}

const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

/** The images {@link prepareImage} made: only these are taken back as they are. */
const preparedImages = new WeakSet<object>();

/**
 * An image's size in bytes, without joining its pieces.
 *
 * @example
 * ```ts
 * if (imageByteLength(image) > caps.maxImageBytes) throw tooLarge();
 * ```
 */
export function imageByteLength(image: Pick<PreparedImage, 'bytes' | 'parts'>): number {
  if (!image.parts) return image.bytes.byteLength;
  let total = 0;
  for (const part of image.parts) total += part.byteLength;
  return total;
}

/** Whether `value` is a Node readable stream (what {@link ImageInput} takes as one). */
export function isReadable(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Readable).pipe === 'function' &&
    typeof (value as Readable)[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Whether `value` is one of the accepted {@link ImageInput} forms.
 *
 * @example
 * ```ts
 * isImageInput('data:image/png;base64,iVBO…'); // true
 * isImageInput(42); // false
 * ```
 */
export function isImageInput(value: unknown): value is ImageInput {
  return (
    (typeof value === 'object' && value !== null && preparedImages.has(value)) ||
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer ||
    value instanceof ImageParts ||
    value instanceof Blob ||
    typeof value === 'string' ||
    isReadable(value)
  );
}

const heldErrors = new WeakMap<Readable, { error?: Error }>();

/**
 * Listens for `'error'` on every stream input of a request (`image`, each of `image[]`, `mask`, and
 * a provider's own image parameters such as Stability's `light_reference`), at once and synchronously. A stream that fails while the call is still awaiting something else (the
 * provider's first import, another image's download) would otherwise emit an unhandled `'error'`
 * and crash the process; held here, the failure becomes the `BadRequestError` its read reports.
 * `imageEdit()` and the router call it before their first `await`; call it yourself only when you
 * hand streams to `prepareImage` after awaiting something else.
 *
 * @example
 * ```ts
 * const params = { model: 'gpt-image-1', image: createReadStream('missing.png'), prompt: 'x' };
 * holdStreamErrors(params);
 * await somethingElse(); // the ENOENT is held, not thrown at the process
 * await prepareEditRequest(params); // BadRequestError: image: could not read the stream: ENOENT …
 * ```
 */
export function holdStreamErrors(params: object): void {
  if (typeof params !== 'object' || params === null) return;
  // Every top-level value and each item of a list: an extra image parameter is a stream input too.
  // Plain loops: this runs on every call, twice through the router, over what is mostly not streams.
  for (const value of Object.values(params)) {
    if (Array.isArray(value)) for (const item of value) holdErrors(item);
    else holdErrors(value);
  }
}

function holdErrors(input: unknown): void {
  if (!isReadable(input) || heldErrors.has(input)) return;
  const held: { error?: Error } = {};
  heldErrors.set(input, held);
  input.on('error', (error: Error) => {
    held.error ??= error;
  });
}

function invalid(param: string, message: string, code = 'invalid_image'): BadRequestError {
  return new BadRequestError({ message: `${param}: ${message}`, param, code });
}

/** A stream's bytes in the pieces it gave them (never joined here). */
async function readStream(stream: Readable, param: string, maxBytes: number): Promise<Uint8Array[]> {
  const early = heldErrors.get(stream)?.error ?? stream.errored;
  if (early) throw invalid(param, `could not read the stream: ${early.message}`);
  if (stream.readableEnded || stream.destroyed) {
    throw invalid(
      param,
      'the stream was already read or closed; pass a fresh fs.createReadStream(path) (or the bytes) for each call',
    );
  }
  // Read with 'data' events, not `for await`: the async iterator costs a promise and a trip
  // through the stream's machinery per piece (an upload of 20 MB arrives in some 320).
  return new Promise<Uint8Array[]>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (error?: Error) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve(chunks);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      total += buffer.length;
      if (total > maxBytes) {
        done(tooLarge(param, maxBytes));
        // Whatever the stream reports while it is torn down is no longer anyone's to hear.
        stream.on('error', () => {});
        stream.destroy();
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => done();
    const onError = (error: Error) => done(invalid(param, `could not read the stream: ${error.message}`));
    // Destroyed without an error or an end (as `for await` reports it: a premature close).
    const onClose = () => done(invalid(param, 'could not read the stream: Premature close'));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

const BASE64_PAYLOAD = /^[A-Za-z0-9+/_\-\s]*(?:=\s*){0,2}$/;

function decodeDataUrl(url: string, param: string): Uint8Array {
  const match = /^data:([^;,]*)(;[^,]*)?,(.*)$/s.exec(url);
  if (!match || !(match[2] ?? '').includes('base64')) {
    throw invalid(
      param,
      'a data: URL must be base64-encoded (data:image/png;base64,…)',
      'invalid_base64_image',
    );
  }
  const payload = match[3] ?? '';
  // One pass over what may be megabytes, without a whitespace-free copy: base64 (or base64url)
  // with line breaks anywhere, and at most two '=' at its end.
  if (!BASE64_PAYLOAD.test(payload)) {
    throw invalid(param, 'the data: URL payload is not valid base64', 'invalid_base64_image');
  }
  return Buffer.from(payload, 'base64');
}

function tooLarge(param: string, maxBytes: number): BadRequestError {
  return new BadRequestError({
    message: `${param}: the file is larger than ${formatBytes(maxBytes)}`,
    param,
    code: 'image_file_too_large',
    status: 413,
  });
}

async function readBytes(
  input: Exclude<ImageInput, PreparedImage>,
  options: PrepareImageOptions,
): Promise<{ bytes: Uint8Array; parts?: Uint8Array[]; name?: string }> {
  const { param } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (input instanceof Uint8Array) return { bytes: input };
  if (input instanceof ArrayBuffer) return { bytes: new Uint8Array(input) };
  if (input instanceof ImageParts) {
    const { parts } = input;
    // Kept as given (the caller hands them over): no copy of the list either.
    return parts.length <= 1 ? { bytes: parts[0] ?? EMPTY } : { bytes: EMPTY, parts: parts as Uint8Array[] };
  }
  if (input instanceof Blob) {
    if (input.size > maxBytes) throw tooLarge(param, maxBytes);
    const name = (input as Partial<File>).name;
    return { bytes: new Uint8Array(await input.arrayBuffer()), name: name || undefined };
  }
  if (isReadable(input)) {
    const path = (input as Readable & { path?: unknown }).path;
    const name = typeof path === 'string' ? basename(path) : undefined;
    const parts = await readStream(input, param, maxBytes);
    if (parts.length <= 1) return { bytes: parts[0] ?? new Uint8Array(0), name };
    return { bytes: EMPTY, parts, name };
  }
  if (typeof input === 'string') {
    if (input.startsWith('data:')) return { bytes: decodeDataUrl(input, param) };
    if (/^https?:\/\//i.test(input)) {
      const fetched = await safeFetchBytes(input, { maxBytes, ...options.remote, param });
      const name = basename(new URL(fetched.finalUrl).pathname) || undefined;
      return { bytes: fetched.bytes, name };
    }
    throw invalid(
      param,
      'a string must be a data: URL or an http(s) URL; to send a file, pass fs.createReadStream(path) or its bytes',
    );
  }
  throw invalid(param, 'expected bytes, a Blob/File, a readable stream, a data: URL or an http(s) URL');
}

/**
 * Reads one image input into a {@link PreparedImage}. Rejects with a `BadRequestError` naming
 * `options.param` when the bytes are not a complete PNG, JPEG, WebP or GIF.
 *
 * @example
 * ```ts
 * const image = await prepareImage(createReadStream('cat.png'), { param: 'image' });
 * image.mediaType; // 'image/png'
 * ```
 */
export async function prepareImage(input: ImageInput, options: PrepareImageOptions): Promise<PreparedImage> {
  const { param } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof input === 'object' && preparedImages.has(input)) {
    // Read and checked already (the proxy prepares before routing): the same object, the same bytes.
    const image = input as PreparedImage;
    if (imageByteLength(image) > maxBytes) throw tooLarge(param, maxBytes);
    return image;
  }
  const { bytes, parts, name } = await readBytes(input as Exclude<ImageInput, PreparedImage>, options);
  const length = parts ? imageByteLength({ bytes, parts }) : bytes.length;
  if (length === 0) throw invalid(param, 'the file is empty', 'empty_image_file');
  if (length > maxBytes) throw tooLarge(param, maxBytes);
  const source = parts ?? bytes;
  const info = sniffImage(source);
  if (!info) {
    throw invalid(
      param,
      'the file is not a complete PNG, JPEG, WebP or GIF image (checked from its bytes, not its name)',
      'invalid_image_format',
    );
  }
  // A PNG whose header lies about its size is refused here, before anything decodes or forwards it.
  const problem = info.mediaType === 'image/png' ? pngHeaderProblem(source) : undefined;
  if (problem) throw invalid(param, `the PNG ${problem}`, 'invalid_image');
  const filename = name ?? `${options.defaultName ?? 'image'}.${extensionFor(info.mediaType)}`;
  const image: PreparedImage = parts
    ? new ImageInPieces(parts, length, filename, info)
    : { bytes, filename, ...info };
  preparedImages.add(image);
  return image;
}

const EMPTY = new Uint8Array(0);

/**
 * A prepared image kept in its pieces; `bytes` joins them once, when something needs them whole.
 * A class, not an object literal with a getter: V8 makes such a literal through its runtime, in the
 * old generation, where the dead image then held its young pieces (and the upload's socket buffers)
 * through every scavenge until a mark-compact (`tools/bench/README.md`, "GC").
 */
class ImageInPieces implements PreparedImage {
  readonly mediaType: ImageMediaType;
  readonly width: number;
  readonly height: number;
  readonly hasAlpha: boolean;
  #joined: Uint8Array | undefined;

  readonly #length: number;

  constructor(
    readonly parts: readonly Uint8Array[],
    length: number,
    readonly filename: string,
    info: Omit<PreparedImage, 'bytes' | 'parts' | 'filename'>,
  ) {
    this.#length = length;
    this.mediaType = info.mediaType;
    this.width = info.width;
    this.height = info.height;
    this.hasAlpha = info.hasAlpha;
  }

  get bytes(): Uint8Array {
    this.#joined ??= Buffer.concat(this.parts, this.#length);
    return this.#joined;
  }
}

const base64Cache = new WeakMap<Uint8Array, string>();
const blobCache = new WeakMap<Uint8Array, Blob>();

/**
 * The image's bytes as bare base64, computed once per image.
 *
 * @example
 * ```ts
 * const payload = { inlineData: { mimeType: image.mediaType, data: toBase64(image) } };
 * ```
 */
export function toBase64(image: Pick<PreparedImage, 'bytes'>): string {
  let cached = base64Cache.get(image.bytes);
  if (cached === undefined) {
    cached = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength).toString(
      'base64',
    );
    base64Cache.set(image.bytes, cached);
  }
  return cached;
}

/**
 * The image as a `data:` URL (`data:image/png;base64,…`).
 *
 * @example
 * ```ts
 * const part = { type: 'image_url', image_url: { url: toDataUrl(image) } };
 * ```
 */
export function toDataUrl(image: Pick<PreparedImage, 'bytes' | 'mediaType'>): string {
  return `data:${image.mediaType};base64,${toBase64(image)}`;
}

/**
 * The image as a `Blob` for multipart uploads, created once per image.
 *
 * @example
 * ```ts
 * form.append('image', toBlob(image), image.filename);
 * ```
 */
export function toBlob(image: Pick<PreparedImage, 'bytes' | 'mediaType'>): Blob {
  let cached = blobCache.get(image.bytes);
  if (cached === undefined) {
    cached = new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.mediaType });
    blobCache.set(image.bytes, cached);
  }
  return cached;
}
