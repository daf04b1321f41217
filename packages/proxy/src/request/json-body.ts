/**
 * Reading a JSON edit body: OpenAI's `images: [{ image_url }]` and `mask: { image_url }` (data URLs,
 * or http(s) URLs fetched through core's SSRF-guarded fetcher), and LiteLLM-style `image` strings.
 * @module
 */
import { BadRequestError, formatBytes, type ImageInput } from '@retouch/core';
import type { ProxyLimits } from '../config/proxy-config.js';
import { imagesText, type RawEditRequest } from './raw-edit.js';

const isDict = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function invalid(param: string, message: string, code = 'invalid_image'): BadRequestError {
  return new BadRequestError({ message: `${param}: ${message}`, param: param.replace(/[[.].*$/, ''), code });
}

/** `{ image_url: 'data:…' }`, `{ image_url: { url } }` or a bare URL string. */
function imageReference(value: unknown, param: string): ImageInput {
  if (typeof value === 'string') return value;
  if (isDict(value)) {
    if (value.file_id !== undefined) {
      throw invalid(
        param,
        'file_id references are not supported by this proxy; send image_url with a data: URL',
        'unsupported_parameter',
      );
    }
    const url = isDict(value.image_url) ? value.image_url.url : value.image_url;
    if (typeof url === 'string' && url.length > 0) return url;
  }
  throw invalid(param, 'expected { "image_url": "data:image/png;base64,…" }');
}

/**
 * Reads a parsed JSON body into a {@link RawEditRequest}.
 *
 * @example
 * ```ts
 * import { readJsonEdit } from '@retouch/proxy';
 *
 * const raw = readJsonEdit(
 *   { model: 'gpt-image-2', prompt: 'Add a hat', images: [{ image_url: 'data:image/png;base64,iVBO…' }] },
 *   limits,
 * );
 * raw.images.length; // 1
 * ```
 */
export function readJsonEdit(body: unknown, limits: ProxyLimits): RawEditRequest {
  if (!isDict(body)) {
    throw new BadRequestError({
      message: 'the JSON body must be an object',
      param: null,
      code: 'invalid_json',
    });
  }
  const { images: list, image, mask, ...fields } = body;
  const images: ImageInput[] = [];
  if (list !== undefined) {
    if (!Array.isArray(list)) throw invalid('images', 'expected a list of { "image_url": … }');
    list.forEach((entry, i) => {
      images.push(imageReference(entry, `images[${i}]`));
    });
  }
  if (image !== undefined) {
    const entries = Array.isArray(image) ? image : [image];
    entries.forEach((entry, i) => {
      images.push(imageReference(entry, Array.isArray(image) ? `image[${i}]` : 'image'));
    });
  }
  if (images.length > limits.maxImages) {
    throw new BadRequestError({
      message: `image: at most ${imagesText(limits.maxImages)} per request, got ${images.length}`,
      param: 'image',
      code: 'too_many_images',
    });
  }
  if (Object.keys(fields).length > limits.maxFields) {
    throw new BadRequestError({
      message: `request: more than ${limits.maxFields} fields`,
      param: null,
      code: 'too_many_fields',
      status: 413,
    });
  }
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string' && Buffer.byteLength(value) > limits.maxFieldBytes) {
      throw new BadRequestError({
        message: `${name}: the value is longer than ${formatBytes(limits.maxFieldBytes)}`,
        param: name,
        code: 'field_too_large',
        status: 413,
      });
    }
  }
  return {
    fields,
    images,
    mask: mask === undefined || mask === null ? undefined : imageReference(mask, 'mask'),
    source: 'json',
  };
}
