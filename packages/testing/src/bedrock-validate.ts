/**
 * Validation of `InvokeModel` requests for the Stability image services the way Bedrock answers
 * them: `ValidationException`s for the URI label (percent-encoding, `InvokeModelIdentifier`'s
 * pattern, unknown models), the body size and content type, and the model's JSON schema
 * (`Malformed input request: #/grow_mask: expected maximum: 20, found: 30, …`), then the images:
 * bare base64 (no `data:` prefix) of JPEG/PNG/WebP within the service's limits.
 * @module
 */
import { type ImageInfo, sniffImage } from '@retouch/core';
import {
  BEDROCK_INVOKE_PATH,
  BEDROCK_MAX_BODY_BYTES,
  BEDROCK_MODEL_ID_PATTERN_SOURCE,
  type BedrockException,
  type BedrockModelSpec,
  BEDROCK_STABILITY_MODELS,
  bedrockBaseModel,
  isValidBedrockModelId,
} from './bedrock-spec.js';
import type { RecordedRequest } from './recorded-request.js';
import { checkFieldValue, checkImageLimits } from './stability-fields.js';

/** An error answer of the simulated service: an exception name (in `x-amzn-ErrorType`) and a message. */
export class BedrockApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: BedrockException | string,
    message: string,
    /** Namespace of the type in `x-amzn-ErrorType` (auth failures come from the AWS front end). */
    readonly namespace = 'http://internal.amazon.com/coral/com.amazon.bedrock/',
  ) {
    super(message);
  }
}

/** A decoded input image. */
export interface BedrockInputImage {
  field: string;
  bytes: Buffer;
  info: ImageInfo;
}

/** A validated invocation. */
export interface BedrockInvocation {
  /** The model id as sent (decoded from the URI). */
  modelId: string;
  spec: BedrockModelSpec;
  body: Record<string, unknown>;
  images: Record<string, BedrockInputImage>;
}

const validation = (message: string) => new BedrockApiError(400, 'ValidationException', message);
const malformed = (detail: string) =>
  validation(`Malformed input request: ${detail}, please reformat your input and try again.`);
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/**
 * Reads the model id out of an `InvokeModel` path. With `strictEncoding`, a `:` that is not
 * percent-encoded is refused: AWS's SDKs always send `%3A`, and signing one form while sending the
 * other is the classic `SignatureDoesNotMatch`.
 *
 * @example
 * ```ts
 * bedrockModelIdFromPath('/model/us.stability.stable-image-inpaint-v1%3A0/invoke', true); // 'us.stability.stable-image-inpaint-v1:0'
 * ```
 */
export function bedrockModelIdFromPath(path: string, strictEncoding: boolean): string | undefined {
  const label = BEDROCK_INVOKE_PATH.exec(path)?.[1];
  if (label === undefined) return undefined;
  if (strictEncoding && label.includes(':')) {
    throw validation(
      `The model id in the URI must be percent-encoded (':' as '%3A'), as AWS SDKs send it; got '${label}'.`,
    );
  }
  try {
    return decodeURIComponent(label);
  } catch {
    throw validation(`The model id in the URI is not validly percent-encoded: '${label}'.`);
  }
}

function checkModel(modelId: string, region: string): BedrockModelSpec {
  if (!isValidBedrockModelId(modelId)) {
    throw validation(
      `1 validation error detected: Value '${modelId}' at 'modelId' failed to satisfy constraint: Member must satisfy regular expression pattern: ${BEDROCK_MODEL_ID_PATTERN_SOURCE}`,
    );
  }
  const resolved = bedrockBaseModel(modelId);
  // A `us.` cross-region profile exists only in US regions.
  if (!resolved || (resolved.profileGeo === 'us' && !region.startsWith('us-'))) {
    throw validation('The provided model identifier is invalid.');
  }
  return BEDROCK_STABILITY_MODELS[resolved.base] as BedrockModelSpec;
}

function readBody(request: RecordedRequest): Record<string, unknown> {
  if (request.rawBody.length > BEDROCK_MAX_BODY_BYTES) {
    throw validation(
      `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${BEDROCK_MAX_BODY_BYTES}`,
    );
  }
  if (request.contentType !== 'application/json') {
    throw validation(
      `The provided content type ${request.contentType || '(none)'} is not supported. Use application/json.`,
    );
  }
  const accept = request.headers.accept;
  if (accept !== undefined && !/^(application\/json|\*\/\*)/.test(accept)) {
    throw validation(`The provided Accept type ${accept} is not supported. Use application/json.`);
  }
  if (request.parseError || request.json === undefined) {
    throw validation('Malformed input request, please reformat your input and try again.');
  }
  if (typeof request.json !== 'object' || request.json === null || Array.isArray(request.json)) {
    throw malformed('#: expected type: JSONObject, found: JSONArray');
  }
  return request.json as Record<string, unknown>;
}

function readImage(field: string, value: unknown, spec: BedrockModelSpec): BedrockInputImage {
  if (typeof value !== 'string') throw malformed(`#/${field}: expected type: String, found: ${typeof value}`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw validation(`${field}: must be a base64-encoded image without a data: URL prefix`);
  }
  const bytes = Buffer.from(value, 'base64');
  const info = sniffImage(bytes);
  if (!info || !IMAGE_TYPES.has(info.mediaType)) {
    throw validation(`${field}: must be a base64-encoded jpeg, png or webp image`);
  }
  const problem = field === 'mask' ? undefined : checkImageLimits(info.width, info.height, spec.imageLimits);
  if (problem) throw validation(`${field}: ${problem}`);
  return { field, bytes, info };
}

/**
 * Validates one invocation of a Stability image service; throws a `BedrockApiError`.
 *
 * @example
 * ```ts
 * const invocation = validateBedrockInvocation(request, 'us-east-1', true);
 * invocation.spec.modelId; // 'stability.stable-image-inpaint-v1:0'
 * ```
 */
export function validateBedrockInvocation(
  request: RecordedRequest,
  region: string,
  strictEncoding: boolean,
): BedrockInvocation {
  const modelId = bedrockModelIdFromPath(request.path, strictEncoding) as string;
  const spec = checkModel(modelId, region);
  const body = readBody(request);
  for (const key of Object.keys(body)) {
    if (!(key in spec.images) && !(key in spec.fields)) malformedKey(key);
  }
  for (const key of [
    ...Object.entries(spec.images)
      .filter(([, need]) => need === 'required')
      .map(([k]) => k),
    ...spec.required,
  ]) {
    if (body[key] === undefined) throw malformed(`#: required key [${key}] not found`);
  }
  for (const [key, rule] of Object.entries(spec.fields)) {
    if (body[key] === undefined) continue;
    const problem = checkFieldValue(rule, body[key], false);
    if (problem) throw malformed(`#/${key}: ${problem}`);
  }
  const images: Record<string, BedrockInputImage> = {};
  for (const field of Object.keys(spec.images)) {
    if (body[field] !== undefined) images[field] = readImage(field, body[field], spec);
  }
  if (spec.modelId === 'stability.stable-outpaint-v1:0') {
    const sides = ['left', 'right', 'up', 'down'].map((side) => Number(body[side] ?? 0));
    if (sides.every((value) => value === 0)) {
      throw validation('left, right, up, down: at least one of them must be greater than 0');
    }
  }
  return { modelId, spec, body, images };
}

function malformedKey(key: string): never {
  throw malformed(`#: extraneous key [${key}] is not permitted`);
}
