/**
 * An edit request as it arrived, before coercion: text fields, images and mask, from a multipart or
 * a JSON body.
 * @module
 */
import { BadRequestError, type ImageInput } from '@retouch/core';

/** An edit request as it arrived. */
export interface RawEditRequest {
  /** Every non-file field. Multipart values are strings (objects for `a[b]` names); JSON values as sent. */
  fields: Record<string, unknown>;
  /** Input images in order: bytes from multipart, or `data:` / `http(s)` URL strings. */
  images: ImageInput[];
  mask?: ImageInput;
  /** Where it came from: multipart values are text and get coerced by schema. */
  source: 'multipart' | 'json';
}

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Splits a form field name into its path: `image_config[aspect_ratio]` → `['image_config', 'aspect_ratio']`,
 * `tags[]` → `['tags', '']` (an array push), as the official clients write nested values.
 *
 * @example
 * ```ts
 * import { fieldPath } from '@retouch/proxy';
 * fieldPath('extra_body[seed]'); // ['extra_body', 'seed']
 * ```
 */
export function fieldPath(name: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  const path = match?.[1]
    ? [match[1], ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? '')]
    : [name];
  if (path.some((segment) => FORBIDDEN_SEGMENTS.has(segment))) {
    throw new BadRequestError({
      message: `${name}: this field name is not allowed`,
      param: name,
      code: 'invalid_field_name',
    });
  }
  return path;
}

/**
 * Sets a text field into `fields`, building objects and arrays from bracketed names. A plain field
 * given twice is a 400 naming it.
 *
 * @example
 * ```ts
 * import { setField } from '@retouch/proxy';
 * const fields = {};
 * setField(fields, 'image_config[aspect_ratio]', '16:9'); // fields = { image_config: { aspect_ratio: '16:9' } }
 * ```
 */
export function setField(fields: Record<string, unknown>, name: string, value: string): void {
  const path = fieldPath(name);
  let target: Record<string, unknown> | unknown[] = fields;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as string;
    const last = i === path.length - 1;
    const nextIsArray = path[i + 1] === '';
    if (Array.isArray(target)) {
      if (last) target.push(value);
      else {
        const child: Record<string, unknown> | unknown[] = nextIsArray ? [] : {};
        target.push(child);
        target = child;
      }
      continue;
    }
    const existing = target[segment];
    if (last) {
      if (existing !== undefined) {
        throw new BadRequestError({
          message: `${name}: given more than once; send it once`,
          param: name,
          code: 'duplicate_field',
        });
      }
      target[segment] = value;
      continue;
    }
    if (existing === undefined) {
      const child: Record<string, unknown> | unknown[] = nextIsArray ? [] : {};
      target[segment] = child;
      target = child;
    } else if (typeof existing === 'object' && existing !== null && Array.isArray(existing) === nextIsArray) {
      target = existing as Record<string, unknown> | unknown[];
    } else {
      throw new BadRequestError({
        message: `${name}: conflicts with another field named ${segment}`,
        param: name,
        code: 'duplicate_field',
      });
    }
  }
}

/**
 * "1 image", "16 images": the count of a limit as a message says it.
 *
 * @example
 * ```ts
 * `image: at most ${imagesText(limits.maxImages)} per request`; // 'image: at most 1 image per request'
 * ```
 */
export function imagesText(count: number): string {
  return `${count} ${count === 1 ? 'image' : 'images'}`;
}
