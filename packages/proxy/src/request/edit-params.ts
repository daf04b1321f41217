/**
 * From an arrived request to core's `ImageEditParams`: the client's `model` (a server default only
 * when it sent none), text values coerced by the schema of each known field, provider extras
 * passed flat, required fields checked with 400s naming them.
 * @module
 */
import { BadRequestError, type ImageEditParams } from '@retouch/core';
import type { RawEditRequest } from './raw-edit.js';

/** The longest per-request `timeout` a client may ask for, in seconds. */
const MAX_TIMEOUT_SECONDS = 86_400;

type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'object';

/** Known fields and their types (core's `ImageEditParams`). */
const KNOWN: Readonly<Record<string, FieldKind>> = {
  model: 'string',
  prompt: 'string',
  n: 'integer',
  size: 'string',
  quality: 'string',
  response_format: 'string',
  output_format: 'string',
  output_compression: 'integer',
  background: 'string',
  input_fidelity: 'string',
  partial_images: 'integer',
  stream: 'boolean',
  user: 'string',
  timeout: 'number',
  drop_params: 'boolean',
  extra_headers: 'object',
  extra_body: 'object',
};

/** Deployment settings a client may not set per request through the proxy. */
const SERVER_ONLY = new Set([
  'api_key',
  'api_base',
  'base_url',
  'api_version',
  'organization',
  'vertex_project',
  'vertex_location',
  'vertex_credentials',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_region_name',
  'signal',
]);

function wrongType(name: string, kind: FieldKind, value: unknown): BadRequestError {
  const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : JSON.stringify(value)?.slice(0, 40);
  const expected = {
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'a boolean (true or false)',
    object: 'a JSON object',
  }[kind];
  return new BadRequestError({
    message: `${name}: expected ${expected}, got ${shown}`,
    param: name,
    code: 'invalid_type',
  });
}

function coerceKnown(name: string, kind: FieldKind, value: unknown): unknown {
  if (kind === 'string') {
    if (typeof value === 'string') return value;
    throw wrongType(name, kind, value);
  }
  if (kind === 'integer' || kind === 'number') {
    if (
      typeof value === 'number' &&
      (kind === 'integer' ? Number.isInteger(value) : Number.isFinite(value))
    ) {
      return value;
    }
    const pattern = kind === 'integer' ? /^-?\d+$/ : /^-?(\d+\.?\d*|\.\d+)$/;
    if (typeof value === 'string' && pattern.test(value.trim())) return Number(value.trim());
    throw wrongType(name, kind, value);
  }
  if (kind === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false)$/i.test(value.trim()))
      return value.trim().toLowerCase() === 'true';
    throw wrongType(name, kind, value);
  }
  let object = value;
  if (typeof value === 'string') {
    try {
      object = JSON.parse(value);
    } catch {
      throw wrongType(name, kind, value);
    }
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object))
    throw wrongType(name, kind, value);
  return object;
}

/**
 * A provider extra sent as multipart text: `true`/`false` become booleans, plain decimal numbers
 * become numbers, JSON objects and arrays are parsed; anything else stays text. (JSON bodies keep
 * their own types.)
 *
 * @example
 * ```ts
 * import { coerceExtra } from '@retouch/proxy';
 * coerceExtra('42'); // 42
 * coerceExtra('a cat'); // 'a cat'
 * ```
 */
export function coerceExtra(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(coerceExtra);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerceExtra(v)]));
  }
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?(0|[1-9]\d{0,15})(\.\d+)?$/.test(text)) return Number(text);
  if (/^[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return value;
    }
  }
  return value;
}

/** What {@link toEditParams} needs besides the request. */
export interface EditParamsContext {
  /** `general_settings.image_generation_model`: used only when the request names no model. */
  defaultModel?: string;
  /** Whether `prompt` may be left out for this model (every deployment of the group says so). */
  promptOptional?: (model: string) => boolean;
  /** End-user from the `x-retouch-end-user` header (the body's `user` wins), else the key's `user_id`. */
  endUser?: string;
}

/** Params, plus what the proxy keeps for itself. */
export interface ParsedEdit {
  params: ImageEditParams;
  /** Request `metadata` (LiteLLM's per-request tags), kept out of the upstream call. */
  metadata?: Record<string, unknown>;
}

/**
 * Turns an arrived request into `ImageEditParams` (images still as they arrived).
 *
 * @example
 * ```ts
 * import { toEditParams } from '@retouch/proxy';
 *
 * const { params } = toEditParams(
 *   { fields: { model: 'gpt-image-2', prompt: 'Add a hat', n: '2', seed: '7' }, images: [png], source: 'multipart' },
 *   {},
 * );
 * params.n; // 2
 * params.seed; // 7 (a provider extra)
 * ```
 */
export function toEditParams(raw: RawEditRequest, context: EditParamsContext): ParsedEdit {
  const params: Record<string, unknown> = {};
  let metadata: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(raw.fields)) {
    if (value === undefined || value === null) continue;
    if (SERVER_ONLY.has(name)) {
      throw new BadRequestError({
        message: `${name}: set on the deployment in the proxy config, not per request`,
        param: name,
        code: 'unsupported_parameter',
      });
    }
    if (name === 'metadata') {
      const parsed = coerceKnown(name, 'object', value);
      metadata = parsed as Record<string, unknown>;
      continue;
    }
    const kind = KNOWN[name];
    if (kind) params[name] = coerceKnown(name, kind, value);
    else params[name] = raw.source === 'multipart' ? coerceExtra(value) : value;
  }
  // LiteLLM's proxy timeout is in seconds; core's is in milliseconds.
  if (typeof params.timeout === 'number') {
    if (!(params.timeout > 0 && params.timeout <= MAX_TIMEOUT_SECONDS)) {
      throw new BadRequestError({
        message: `timeout: must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS} (a day), got ${params.timeout}`,
        param: 'timeout',
        code: 'invalid_value',
      });
    }
    params.timeout = params.timeout * 1000;
  }
  // The client's model always wins; the server default only fills a gap.
  const model = (params.model as string | undefined)?.trim() || context.defaultModel;
  if (!model) {
    throw new BadRequestError({
      message: 'model: required (a model group of this proxy; GET /v1/models lists them)',
      param: 'model',
      code: 'missing_required_parameter',
    });
  }
  params.model = model;
  if (raw.images.length === 0) {
    throw new BadRequestError({
      message:
        'image: required. Send it as a multipart file field named image (several as image[] or repeated image), or as JSON images: [{ "image_url": "data:…" }]',
      param: 'image',
      code: 'missing_required_parameter',
    });
  }
  const prompt = params.prompt;
  if ((prompt === undefined || prompt === '') && !context.promptOptional?.(model)) {
    throw new BadRequestError({
      message: 'prompt: required (what to change in the image)',
      param: 'prompt',
      code: 'missing_required_parameter',
    });
  }
  if (params.user === undefined && context.endUser) params.user = context.endUser;
  params.image = raw.images.length === 1 ? raw.images[0] : raw.images;
  if (raw.mask !== undefined) params.mask = raw.mask;
  return { params: params as ImageEditParams, metadata };
}
