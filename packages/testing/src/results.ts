/**
 * Reading results in tests: the bytes of a result image in whatever form it came, and the rejection
 * of a call that must fail with a given `RetouchError` class. Jest-free, so tests and scripts outside
 * the conformance suite use them too.
 * @module
 */
import type { ImageData, RetouchError } from '@retouch/core';

/** A `RetouchError` subclass (abstract ones included). */
export type ErrorClass<T extends RetouchError = RetouchError> = abstract new (...args: never[]) => T;

/**
 * The bytes of one result image, whatever form it came in: `b64_json`, a `data:` URL, or an
 * http(s) URL (downloaded).
 *
 * @example
 * ```ts
 * const bytes = await resultBytes(response.data[0]);
 * ```
 */
export async function resultBytes(image: ImageData | undefined): Promise<Uint8Array> {
  if (image?.b64_json !== undefined) return Buffer.from(image.b64_json, 'base64');
  const url = image?.url;
  if (!url) throw new Error('the result image has neither b64_json nor url');
  if (url.startsWith('data:')) return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`downloading the result URL failed: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Awaits `promise` and returns its rejection, which must be an `ErrorClass`.
 *
 * @example
 * ```ts
 * const error = await rejectionOf(imageEdit(params), RateLimitError);
 * error.retryAfterMs; // 2000
 * ```
 */
export async function rejectionOf<T extends RetouchError>(
  promise: Promise<unknown>,
  errorClass: ErrorClass<T>,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof errorClass) return error;
    throw new Error(`expected a ${errorClass.name}, got ${describeError(error)}`, { cause: error });
  }
  throw new Error(`expected a ${errorClass.name}, but the call succeeded`);
}
