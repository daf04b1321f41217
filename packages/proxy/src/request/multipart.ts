/**
 * Reading a multipart edit exactly as the official `openai` clients and curl send it: `image`,
 * repeated `image`, `image[]` (and `image[0]`…), `mask` (or `mask[]`), every other field as text,
 * nested values as `name[key]`. The parser's limits bound every part as it arrives; each breach is a
 * 413 naming the field.
 * @module
 */
import { BadRequestError, formatBytes, type ImageInput, ImageParts } from '@retouch/core';
import type { FastifyRequest } from 'fastify';
import { bodyBreach } from '../body-guard.js';
import type { ProxyLimits } from '../config/proxy-config.js';
import { MultipartError, MultipartParser, multipartBoundary } from './multipart-parser.js';
import { imagesText, type RawEditRequest, setField } from './raw-edit.js';

/** Which image slot a field name fills: `image`, `image[]`, `image[3]` → image; `mask`, `mask[]` → mask. */
function imageSlot(name: string): 'image' | 'mask' | undefined {
  if (/^image(\[\d*\])?$/.test(name)) return 'image';
  if (/^mask(\[\d*\])?$/.test(name)) return 'mask';
  return undefined;
}

function tooLarge(param: string, message: string, code: string): BadRequestError {
  return new BadRequestError({ message: `${param}: ${message}`, param, code, status: 413 });
}

/** RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
const MAX_BOUNDARY = 70;

/** A text value given where a file is expected: a `data:` or `http(s)` URL is accepted, nothing else. */
function urlInput(name: string, value: unknown): string {
  if (typeof value === 'string' && /^(data:|https?:\/\/)/i.test(value.trim())) return value.trim();
  throw new BadRequestError({
    message: `${name}: must be a file upload (multipart part with a filename, e.g. curl -F "${name}=@photo.png"), or a data: or http(s) URL`,
    param: name.replace(/\[.*$/, ''),
    code: 'invalid_image',
  });
}

/**
 * Whether a request's body is `multipart/form-data` (left unread by the content-type parser).
 *
 * @example
 * ```ts
 * const raw = isMultipart(request) ? await readMultipartEdit(request, limits) : readJsonEdit(request.body, limits);
 * ```
 */
export function isMultipart(request: FastifyRequest): boolean {
  return /^\s*multipart\/form-data\s*(;|$)/i.test(request.headers['content-type'] ?? '');
}

/** A file part's pieces as an image input, never joined: core checks and sends them as they are. */
function fileInput(pieces: Buffer[]): ImageInput {
  return pieces.length === 1 ? (pieces[0] as Buffer) : new ImageParts(pieces);
}

/**
 * Reads a multipart body into a {@link RawEditRequest}, enforcing `limits` as the bytes arrive: a
 * part that cannot be accepted (an unexpected file, one image too many) is refused from its headers,
 * before its bytes are read.
 *
 * @example
 * ```ts
 * app.post('/v1/images/edits', async (request) => {
 *   const raw = isMultipart(request) ? await readMultipartEdit(request, limits) : readJsonEdit(request.body, limits);
 * });
 * ```
 */
export function readMultipartEdit(request: FastifyRequest, limits: ProxyLimits): Promise<RawEditRequest> {
  const breach = bodyBreach(request.raw);
  if (breach) return Promise.reject(breach);
  const boundary = multipartBoundary(request.headers['content-type']);
  if (boundary === undefined) {
    return Promise.reject(
      new BadRequestError({
        message: `request: the multipart boundary must be 1 to ${MAX_BOUNDARY} characters of RFC 2046's set (letters, digits, '()+_,-./:=? ), not ending in a space`,
        param: null,
        code: 'invalid_multipart',
      }),
    );
  }
  const fields: Record<string, unknown> = {};
  const images: ImageInput[] = [];
  let mask: ImageInput | undefined;
  const imageParam = () => (images.length === 0 ? 'image' : `image[${images.length}]`);
  const tooManyImages = () =>
    new BadRequestError({
      message: `image: at most ${imagesText(limits.maxImages)} per request`,
      param: 'image',
      code: 'too_many_images',
    });
  const setMask = (value: ImageInput, name: string) => {
    if (mask !== undefined) {
      throw new BadRequestError({
        message: `${name}: only one mask may be sent`,
        param: 'mask',
        code: 'invalid_mask',
      });
    }
    mask = value;
  };
  const parser = new MultipartParser(
    boundary,
    {
      maxFileBytes: limits.maxImageBytes,
      maxFieldBytes: limits.maxFieldBytes,
      maxFields: limits.maxFields,
      maxNameLength: 200,
      maxParts: limits.maxImages + 2 + limits.maxFields,
    },
    {
      partStart: ({ name, isFile }) => {
        const slot = imageSlot(name);
        if (isFile && !slot) {
          throw new BadRequestError({
            message: `${name}: unexpected file; files go in image, image[] or mask`,
            param: name,
            code: 'unexpected_file',
          });
        }
        if (slot === 'image' && images.length >= limits.maxImages) throw tooManyImages();
      },
      file: ({ name }, pieces) => {
        if (imageSlot(name) === 'image') images.push(fileInput(pieces));
        else setMask(fileInput(pieces), name);
      },
      field: ({ name }, value) => {
        const slot = imageSlot(name);
        if (slot === 'image') images.push(urlInput(name, value));
        else if (slot === 'mask') setMask(urlInput(name, value), name);
        else setField(fields, name, value);
      },
    },
  );
  return new Promise<RawEditRequest>((resolve, reject) => {
    const body = request.raw;
    const settle = (error?: unknown) => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      if (error === undefined) {
        resolve({ fields, images, mask, source: 'multipart' });
        return;
      }
      // The rest of a refused body is read and dropped (the body guard bounds it), so that the
      // client, still sending, gets to read the answer.
      body.resume();
      reject(multipartError(error, limits, imageParam));
    };
    const onData = (chunk: Buffer) => {
      try {
        parser.write(chunk);
      } catch (error) {
        settle(error);
      }
    };
    const onEnd = () => {
      try {
        parser.end();
        settle();
      } catch (error) {
        settle(error);
      }
    };
    // A breach of the body's bounds (the body guard raises it here) or a broken connection.
    const onError = (error: Error) => settle(error);
    const onClose = () => {
      if (!body.complete)
        settle(new MultipartError('malformed', 'the client closed the connection before the body ended'));
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('close', onClose);
  });
}

/** Turns the parser's refusals into OpenAI-shaped 400/413s. */
function multipartError(error: unknown, limits: ProxyLimits, imageParam: () => string): unknown {
  if (!(error instanceof MultipartError)) return error;
  switch (error.problem) {
    case 'file_too_large': {
      const slot = imageSlot(error.part ?? '');
      return tooLarge(
        slot === 'image' ? imageParam() : slot === 'mask' ? 'mask' : (error.part ?? 'image'),
        `the file is larger than ${formatBytes(limits.maxImageBytes)}`,
        'image_file_too_large',
      );
    }
    case 'field_too_large':
      return tooLarge(
        error.part ?? 'request',
        `the value is longer than ${formatBytes(limits.maxFieldBytes)}`,
        'field_too_large',
      );
    case 'too_many_fields':
      return tooLarge('request', `more than ${limits.maxFields} text fields`, 'too_many_fields');
    case 'too_many_parts':
      return tooLarge('request', 'too many parts', 'too_many_parts');
    case 'name_too_long':
      return new BadRequestError({
        message: 'a field name is too long',
        param: null,
        code: 'invalid_field_name',
      });
    case 'malformed':
      return new BadRequestError({
        message: `malformed multipart body: ${error.message}`,
        param: null,
        code: 'invalid_multipart',
      });
  }
}
