/**
 * Signed image paths: `/v1/images/files/<id>.<ext>?expires=<epoch s>&sig=<HMAC>`. The signature
 * covers the file name and the expiry, so neither can be changed; it is checked in constant time
 * before the store is asked anything, so a guessed name learns nothing.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The route hosted images are served from. */
export const IMAGE_FILES_PATH = '/v1/images/files';

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};
const MEDIA_TYPES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(EXTENSIONS).map(([type, ext]) => [ext, type]),
);

/** A file name: 128 random bits (base64url) and the image's extension. */
const FILE_NAME = /^[A-Za-z0-9_-]{22}\.(png|jpeg|webp|gif)$/;

/**
 * A new, unguessable file name for an image of `mediaType`.
 *
 * @example
 * ```ts
 * newImageFileName('image/png'); // 'q8Xr0…Zg.png'
 * ```
 */
export function newImageFileName(mediaType: string): string {
  return `${randomBytes(16).toString('base64url')}.${EXTENSIONS[mediaType] ?? 'png'}`;
}

/**
 * The media type a file name stands for, or `undefined` when it is not one of ours.
 *
 * @example
 * ```ts
 * mediaTypeOfFileName('q8Xr0aaaaaaaaaaaaaaaZg.jpeg'); // 'image/jpeg'
 * ```
 */
export function mediaTypeOfFileName(file: string): string | undefined {
  const match = FILE_NAME.exec(file);
  return match ? MEDIA_TYPES[match[1] as string] : undefined;
}

function signature(key: Buffer, file: string, expires: number): string {
  return createHmac('sha256', key).update(`retouch-image-url:v1:${file}:${expires}`).digest('base64url');
}

/**
 * The signed path and query of `file`, valid until `expires` (epoch seconds).
 *
 * @example
 * ```ts
 * signedImagePath(key, 'q8Xr0aaaaaaaaaaaaaaaZg.png', 1767225600); // '/v1/images/files/q8Xr0…png?expires=1767225600&sig=…'
 * ```
 */
export function signedImagePath(key: Buffer, file: string, expires: number): string {
  return `${IMAGE_FILES_PATH}/${file}?expires=${expires}&sig=${signature(key, file, expires)}`;
}

/** Why a signed URL is refused. */
export type SignatureProblem = 'invalid' | 'expired';

/**
 * Checks a request for `file` with its `expires` and `sig` query values; `undefined` when it may be
 * served.
 *
 * @example
 * ```ts
 * checkImageSignature(key, file, { expires: '1767225600', sig }, Date.now()); // undefined, or 'invalid' / 'expired'
 * ```
 */
export function checkImageSignature(
  key: Buffer,
  file: string,
  query: { expires?: unknown; sig?: unknown },
  now: number,
): SignatureProblem | undefined {
  const { expires, sig } = query;
  if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof sig !== 'string') return 'invalid';
  const expected = Buffer.from(signature(key, file, Number(expires)));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return Number(expires) * 1000 <= now ? 'expired' : undefined;
}

/**
 * The HMAC key: `signing_key` when set, else one derived from the master key (so that every
 * instance with the same config signs alike), else random (valid only in this process).
 *
 * @example
 * ```ts
 * signingKey({ signingKey: undefined, masterKey: 'sk-1234' }).length; // 32
 * ```
 */
export function signingKey(options: { signingKey?: string; masterKey?: string }): {
  key: Buffer;
  source: 'signing_key' | 'master_key' | 'random';
} {
  if (options.signingKey) return { key: Buffer.from(options.signingKey, 'utf8'), source: 'signing_key' };
  if (options.masterKey) {
    // A one-way derivation: URLs never reveal anything about the master key.
    const key = createHmac('sha256', options.masterKey).update('retouch image URL signing key').digest();
    return { key, source: 'master_key' };
  }
  return { key: randomBytes(32), source: 'random' };
}
