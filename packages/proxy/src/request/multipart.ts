/**
 * Reading a multipart edit exactly as the official `openai` clients and curl send it: `image`,
 * repeated `image`, `image[]` (and `image[0]`…), `mask` (or `mask[]`), every other field as text,
 * nested values as `name[key]`. Busboy's limits bound every part; each breach is a 413 naming the
 * field.
 * @module
 */
import { BadRequestError, type ImageInput, RetouchError } from '@retouch/core';
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { bodyBreach } from '../body-guard.js';
import type { ProxyLimits } from '../config/proxy-config.js';
import { type RawEditRequest, setField } from './raw-edit.js';

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

const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

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
 * A file part's bytes in the pieces the parser handed over (views of what the socket read), as a
 * stream core reads without joining them: checked from its header, sent upstream as they are.
 */
function readFilePart(file: Readable & { truncated?: boolean }): Promise<ImageInput> {
  // 'data' events, not `for await`: the async iterator costs a promise and a trip through the
  // stream's machinery per piece.
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = [];
    const done = (error?: Error) => {
      file.off('data', onData);
      file.off('end', onEnd);
      file.off('error', onError);
      file.off('close', onClose);
      if (error) reject(error);
      else if (file.truncated)
        reject(Object.assign(new Error('file too large'), { code: 'FST_REQ_FILE_TOO_LARGE' }));
      else resolve(pieces.length === 1 ? (pieces[0] as Buffer) : Readable.from(pieces));
    };
    const onData = (piece: Buffer) => {
      // Past the size limit busboy marks the part truncated; it is read to its end (as
      // @fastify/multipart's own toBuffer does), so the parser goes on to report the error.
      if (file.truncated) pieces.length = 0;
      else pieces.push(piece);
    };
    const onEnd = () => done();
    const onError = (error: Error) => done(error);
    // Torn down before its end (the request was cut short): what `for await` reports.
    const onClose = () =>
      done(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    file.on('data', onData);
    file.once('end', onEnd);
    file.once('error', onError);
    file.once('close', onClose);
  });
}

/**
 * Reads a multipart body into a {@link RawEditRequest}, enforcing `limits`.
 *
 * @example
 * ```ts
 * app.post('/v1/images/edits', async (request) => {
 *   const raw = request.isMultipart() ? await readMultipartEdit(request, limits) : readJsonEdit(request.body);
 * });
 * ```
 */
export async function readMultipartEdit(
  request: FastifyRequest,
  limits: ProxyLimits,
): Promise<RawEditRequest> {
  const breach = bodyBreach(request.raw);
  if (breach) throw breach;
  const fields: Record<string, unknown> = {};
  const images: ImageInput[] = [];
  let mask: ImageInput | undefined;
  const boundary = /;\s*boundary=(?:"([^"]*)"|([^;\s]*))/i.exec(String(request.headers['content-type']));
  const boundaryLength = (boundary?.[1] ?? boundary?.[2] ?? '').length;
  if (boundaryLength < 1 || boundaryLength > MAX_BOUNDARY) {
    throw new BadRequestError({
      message: `request: the multipart boundary must be 1 to ${MAX_BOUNDARY} characters (RFC 2046), got ${boundaryLength}`,
      param: null,
      code: 'invalid_multipart',
    });
  }
  const parts = request.parts({
    limits: {
      fileSize: limits.maxImageBytes,
      // One more file than images, for the mask; one more again so that too many images is our 400, not busboy's.
      files: limits.maxImages + 2,
      fields: limits.maxFields,
      fieldSize: limits.maxFieldBytes,
      fieldNameSize: 200,
      parts: limits.maxImages + 2 + limits.maxFields,
    },
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
  try {
    for await (const part of parts) {
      const name = part.fieldname;
      const slot = imageSlot(name);
      if (part.type === 'file') {
        if (!slot) {
          // Drain it so the parser can go on to report the error.
          part.file.resume();
          throw new BadRequestError({
            message: `${name}: unexpected file; files go in image, image[] or mask`,
            param: name,
            code: 'unexpected_file',
          });
        }
        const param = slot === 'image' ? (images.length === 0 ? 'image' : `image[${images.length}]`) : 'mask';
        let bytes: ImageInput;
        try {
          bytes = await readFilePart(part.file);
        } catch (error) {
          if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
            throw tooLarge(
              param,
              `the file is larger than ${mib(limits.maxImageBytes)}`,
              'image_file_too_large',
            );
          }
          throw error;
        }
        if (slot === 'image') {
          if (images.length >= limits.maxImages) {
            throw new BadRequestError({
              message: `image: at most ${limits.maxImages} images per request`,
              param: 'image',
              code: 'too_many_images',
            });
          }
          images.push(bytes);
        } else setMask(bytes, name);
        continue;
      }
      if (part.valueTruncated) {
        throw tooLarge(
          name,
          `the value is longer than ${Math.round(limits.maxFieldBytes / 1024)} KiB`,
          'field_too_large',
        );
      }
      if (part.fieldnameTruncated) {
        throw new BadRequestError({
          message: 'a field name is too long',
          param: null,
          code: 'invalid_field_name',
        });
      }
      if (slot === 'image') {
        if (images.length >= limits.maxImages) {
          throw new BadRequestError({
            message: `image: at most ${limits.maxImages} images per request`,
            param: 'image',
            code: 'too_many_images',
          });
        }
        images.push(urlInput(name, part.value));
      } else if (slot === 'mask') setMask(urlInput(name, part.value), name);
      else if (typeof part.value === 'string') setField(fields, name, part.value);
      else if (fields[name] === undefined) fields[name] = part.value;
      else
        throw new BadRequestError({
          message: `${name}: given more than once`,
          param: name,
          code: 'duplicate_field',
        });
    }
  } catch (error) {
    throw multipartError(error, limits);
  }
  return { fields, images, mask, source: 'multipart' };
}

/** Turns @fastify/multipart's and busboy's errors into OpenAI-shaped 400/413s. */
function multipartError(error: unknown, limits: ProxyLimits): unknown {
  if (RetouchError.isInstance(error)) return error;
  const code = (error as { code?: string })?.code;
  switch (code) {
    case 'FST_FILES_LIMIT':
      return new BadRequestError({
        message: `image: at most ${limits.maxImages} images (and one mask) per request`,
        param: 'image',
        code: 'too_many_images',
        status: 413,
      });
    case 'FST_FIELDS_LIMIT':
      return tooLarge('request', `more than ${limits.maxFields} text fields`, 'too_many_fields');
    case 'FST_PARTS_LIMIT':
      return tooLarge('request', 'too many parts', 'too_many_parts');
    case 'FST_PROTO_VIOLATION':
      return new BadRequestError({
        message: 'a field name is not allowed',
        param: null,
        code: 'invalid_field_name',
      });
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return new BadRequestError({
        message: 'a field declared as JSON is not valid JSON',
        param: null,
        code: 'invalid_json',
      });
    default:
      break;
  }
  if (
    error instanceof Error &&
    !(error as { statusCode?: number }).statusCode &&
    /multipart|part|boundary|form/i.test(error.message)
  ) {
    return new BadRequestError({
      message: `malformed multipart body: ${error.message}`,
      param: null,
      code: 'invalid_multipart',
    });
  }
  return error;
}
