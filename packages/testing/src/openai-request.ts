/**
 * Reads an `/images/edits` request off the wire, multipart (`CreateImageEditRequest`) or JSON
 * (`EditImageBodyJsonParam`), into one transport-neutral shape, rejecting what the real API rejects
 * at this stage: unknown fields, text where a file belongs, duplicated parts, mixed `image` and
 * `image[]`, malformed image references.
 * @module
 */
import { badRequest, invalidType, OpenAIApiError, unknownParameter } from './openai-errors.js';
import { OPENAI_EDIT_LIMITS, OPENAI_JSON_FIELDS, OPENAI_MULTIPART_FIELDS } from './openai-spec.js';
import type { RecordedFile, RecordedRequest } from './recorded-request.js';

/** One input image (or the mask) as the request carried it. */
export interface OpenAIInputImage {
  /** Field named in errors: `image`, `image[1]`, `images[0]`, `mask`. */
  param: string;
  /** The file's bytes; absent for `http(s)` URL and `file_id` references, which are not fetched. */
  bytes?: Buffer;
  /** Declared media type: the part's `Content-Type` (or the file name's extension), or the data URL's type. */
  declaredType?: string;
  /** The URL or `file-…` id of a reference. */
  reference?: string;
}

/** A request read off the wire, not yet validated. */
export interface RawOpenAIEdit {
  transport: 'multipart' | 'json';
  /** Scalar fields: strings for multipart, JSON values for JSON. */
  values: Record<string, unknown>;
  images: OpenAIInputImage[];
  mask?: OpenAIInputImage;
}

const FILE_FIELDS = new Set(['image', 'image[]', 'mask']);
const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** A part without a usable `Content-Type` is judged by its file name, as the real API does. */
function declaredTypeOf(file: RecordedFile): string {
  const type = file.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type && type !== 'application/octet-stream') return type;
  const extension = file.filename?.split('.').pop()?.toLowerCase() ?? '';
  return EXTENSION_TYPES[extension] ?? 'application/octet-stream';
}

function readMultipart(request: RecordedRequest): RawOpenAIEdit {
  if (request.parseError)
    throw badRequest(`Could not parse the multipart body: ${request.parseError}`, null, null);
  const fields = request.fields ?? {};
  const files = request.files ?? [];
  const allowed = new Set<string>([...OPENAI_MULTIPART_FIELDS, 'image[]']);
  for (const name of [...Object.keys(fields), ...files.map((file) => file.field)]) {
    if (!allowed.has(name)) throw unknownParameter(name);
  }
  for (const name of Object.keys(fields)) {
    if (FILE_FIELDS.has(name)) throw invalidType(name, 'a file', 'a string');
  }
  for (const file of files) {
    if (!FILE_FIELDS.has(file.field)) throw invalidType(file.field, 'a string', 'a file');
  }
  const values: Record<string, unknown> = {};
  for (const [name, list] of Object.entries(fields)) {
    if (list.length > 1) throw badRequest(`Duplicate parameter: '${name}'.`, name, 'duplicate_parameter');
    values[name] = list[0];
  }
  const singles = files.filter((file) => file.field === 'image');
  const arrays = files.filter((file) => file.field === 'image[]');
  const masks = files.filter((file) => file.field === 'mask');
  if (singles.length > 0 && arrays.length > 0) {
    throw badRequest(
      "Send either one 'image' part or repeated 'image[]' parts, not both.",
      'image',
      'invalid_value',
    );
  }
  if (singles.length > 1) {
    throw badRequest(
      "Duplicate parameter: 'image'. To send several images, name every part 'image[]'.",
      'image',
      'duplicate_parameter',
    );
  }
  if (masks.length > 1) throw badRequest("Duplicate parameter: 'mask'.", 'mask', 'duplicate_parameter');
  const toImage = (file: RecordedFile, param: string): OpenAIInputImage => ({
    param,
    bytes: file.bytes,
    declaredType: declaredTypeOf(file),
  });
  const images =
    singles.length > 0
      ? singles.map((file) => toImage(file, 'image'))
      : arrays.map((file, index) => toImage(file, `image[${index}]`));
  const mask = masks[0] ? toImage(masks[0], 'mask') : undefined;
  return { transport: 'multipart', values, images, mask };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Names a JSON value's type the way OpenAI's messages do.
 *
 * @example
 * ```ts
 * jsonTypeName('2'); // 'a string'
 * ```
 */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function readDataUrl(url: string, param: string): OpenAIInputImage {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  const payload = match?.[3]?.replace(/\s/g, '') ?? '';
  if (!match || !(match[2] ?? '').includes(';base64') || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) {
    throw badRequest(
      `Invalid '${param}.image_url': expected a base64-encoded data URL.`,
      `${param}.image_url`,
      'invalid_base64_image',
    );
  }
  return { param, bytes: Buffer.from(payload, 'base64'), declaredType: match[1]?.toLowerCase() || undefined };
}

function readImageRef(value: unknown, param: string): OpenAIInputImage {
  if (!isPlainObject(value)) throw invalidType(param, 'an object', jsonTypeName(value));
  for (const key of Object.keys(value)) {
    if (key !== 'image_url' && key !== 'file_id') throw unknownParameter(`${param}.${key}`);
  }
  const { image_url: imageUrl, file_id: fileId } = value;
  if ((imageUrl === undefined) === (fileId === undefined)) {
    throw badRequest(
      `Provide exactly one of 'image_url' or 'file_id' in '${param}'.`,
      param,
      'invalid_value',
    );
  }
  if (fileId !== undefined) {
    if (typeof fileId !== 'string' || fileId === '') {
      throw invalidType(`${param}.file_id`, 'a non-empty string', jsonTypeName(fileId));
    }
    return { param, reference: fileId };
  }
  if (typeof imageUrl !== 'string')
    throw invalidType(`${param}.image_url`, 'a string', jsonTypeName(imageUrl));
  if (imageUrl.length > OPENAI_EDIT_LIMITS.maxImageUrlLength) {
    throw badRequest(
      `Invalid '${param}.image_url': string too long. Expected a string with maximum length ${OPENAI_EDIT_LIMITS.maxImageUrlLength}, but got a string with length ${imageUrl.length} instead.`,
      `${param}.image_url`,
      'string_above_max_length',
    );
  }
  if (imageUrl.startsWith('data:')) return readDataUrl(imageUrl, param);
  if (/^https?:\/\/[^\s]+$/i.test(imageUrl)) return { param, reference: imageUrl };
  throw badRequest(
    `Invalid '${param}.image_url': expected a fully qualified URL or a base64 data URL.`,
    `${param}.image_url`,
    'invalid_image_url',
  );
}

function readJson(request: RecordedRequest): RawOpenAIEdit {
  const body = request.json;
  if (request.parseError || !isPlainObject(body)) {
    throw badRequest(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      null,
      null,
    );
  }
  const allowed = new Set<string>(OPENAI_JSON_FIELDS);
  for (const key of Object.keys(body)) if (!allowed.has(key)) throw unknownParameter(key);
  const { images, mask, ...values } = body;
  if (images === undefined || images === null) {
    throw badRequest("Missing required parameter: 'images'.", 'images', 'missing_required_parameter');
  }
  if (!Array.isArray(images)) throw invalidType('images', 'an array', jsonTypeName(images));
  if (images.length === 0) {
    throw badRequest(
      "Invalid 'images': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'images',
      'empty_array',
    );
  }
  return {
    transport: 'json',
    values,
    images: images.map((image, index) => readImageRef(image, `images[${index}]`)),
    mask: mask === undefined || mask === null ? undefined : readImageRef(mask, 'mask'),
  };
}

/**
 * Reads an edit request, multipart or JSON. Throws an `OpenAIApiError` for anything the real API
 * refuses before looking at values.
 *
 * @example
 * ```ts
 * const raw = readOpenAIEdit(recorded);
 * raw.images.length; // 2 for two `image[]` parts
 * ```
 */
export function readOpenAIEdit(request: RecordedRequest): RawOpenAIEdit {
  if (request.contentType === 'multipart/form-data') return readMultipart(request);
  if (request.contentType === 'application/json') return readJson(request);
  throw new OpenAIApiError(
    400,
    `Invalid Content-Type header (${request.contentType || 'none'}), expected multipart/form-data or application/json.`,
    null,
    'invalid_content_type',
  );
}
