/**
 * Validation of Stability v2beta multipart requests the way the API does it: `{id, name, errors[]}`
 * answers with `"<field>: <problem>"` messages, per endpoint from stability-spec.ts — file parts that
 * must be JPEG/PNG/WebP within the endpoint's size limits, text fields parsed and range-checked,
 * required fields, outpaint's "at least one direction", relight's background rule, the 10 MiB body
 * limit. Stricter than the real API in one way, on purpose: unknown or repeated parts are refused, so
 * a client that misnames a field (LiteLLM's `top`/`bottom` on outpaint, a `prompt` on erase) fails
 * loudly instead of being ignored.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { type ImageInfo, sniffImage } from '@retouch/core';
import type { RecordedFile, RecordedRequest } from './recorded-request.js';
import { checkFieldValue, checkImageLimits } from './stability-fields.js';
import { STABILITY_MAX_BODY_BYTES, type StabilityEndpointSpec } from './stability-spec.js';

/** An error answer of the simulated API. */
export class StabilityApiError extends Error {
  constructor(
    readonly status: number,
    /** Stability's short error name (`bad_request`, `unauthorized`, …). */
    readonly code: string,
    readonly errors: string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.join('; '));
  }
}

/**
 * Stability's error body: `{id, name, errors}`.
 *
 * @example
 * ```ts
 * stabilityErrorBody('bad_request', ['prompt: is required']);
 * ```
 */
export function stabilityErrorBody(
  name: string,
  errors: string[],
): { id: string; name: string; errors: string[] } {
  return { id: randomBytes(16).toString('hex'), name, errors };
}

/** A file part the simulator read. */
export interface StabilityInputFile extends RecordedFile {
  info: ImageInfo;
}

/** A validated request. */
export interface StabilityEdit {
  spec: StabilityEndpointSpec;
  files: Record<string, StabilityInputFile>;
  fields: Record<string, string>;
  /** What the caller asked for in `accept`. */
  answer: 'json' | 'image';
}

const bad = (...errors: string[]) => new StabilityApiError(400, 'bad_request', errors);
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

function readAccept(request: RecordedRequest, spec: StabilityEndpointSpec): 'json' | 'image' {
  const accept = (request.headers.accept ?? 'image/*').trim().toLowerCase();
  if (accept.startsWith('application/json')) return 'json';
  if (accept === 'image/*' || accept === '*/*' || (spec.async && accept !== '')) return 'image';
  throw bad(`accept: must be either image/* or application/json, got ${accept}`);
}

function readFiles(
  request: RecordedRequest,
  spec: StabilityEndpointSpec,
): Record<string, StabilityInputFile> {
  const files: Record<string, StabilityInputFile> = {};
  for (const file of request.files ?? []) {
    if (!(file.field in spec.files)) {
      throw bad(
        spec.fields[file.field]
          ? `${file.field}: must be a text field, not a file`
          : `${file.field}: unrecognized field`,
      );
    }
    if (files[file.field]) throw bad(`${file.field}: must be provided only once`);
    const info = sniffImage(file.bytes);
    if (!info || !IMAGE_TYPES.has(info.mediaType)) {
      throw bad(`${file.field}: must be a jpeg, png or webp image`);
    }
    files[file.field] = { ...file, info };
  }
  for (const [name, need] of Object.entries(spec.files)) {
    if (need === 'required' && !files[name]) throw bad(`${name}: is required`);
  }
  // The main image(s) carry the endpoint's limits; masks and references are resized upstream.
  const limited = Object.keys(spec.files).filter((name) => name !== 'mask' && !name.endsWith('_reference'));
  for (const name of limited) {
    const file = files[name];
    const problem = file && checkImageLimits(file.info.width, file.info.height, spec.imageLimits);
    if (problem) throw bad(`${name}: ${problem}`);
  }
  return files;
}

function readFields(request: RecordedRequest, spec: StabilityEndpointSpec): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, values] of Object.entries(request.fields ?? {})) {
    const rule = spec.fields[name];
    if (!rule) {
      throw bad(name in spec.files ? `${name}: must be a file` : `${name}: unrecognized field`);
    }
    if (values.length > 1) throw bad(`${name}: must be provided only once`);
    const value = values[0] as string;
    const problem = checkFieldValue(rule, value, true);
    if (problem) throw bad(`${name}: ${problem}`);
    fields[name] = value;
  }
  for (const name of spec.required) if (fields[name] === undefined) throw bad(`${name}: is required`);
  return fields;
}

/** The rules a schema cannot state. */
function checkEndpointRules(spec: StabilityEndpointSpec, edit: Omit<StabilityEdit, 'answer'>): void {
  const { fields, files } = edit;
  if (spec.path.endsWith('/outpaint')) {
    const sides = ['left', 'right', 'up', 'down'].map((side) => Number(fields[side] ?? 0));
    if (sides.every((value) => value === 0)) {
      throw bad('left, right, up, down: at least one of them must be greater than 0');
    }
  }
  if (spec.path.endsWith('/replace-background-and-relight')) {
    if (fields.background_prompt === undefined && !files.background_reference) {
      throw bad('background_prompt: either background_prompt or background_reference is required');
    }
    if (
      fields.light_source_strength !== undefined &&
      !files.light_reference &&
      !fields.light_source_direction
    ) {
      throw bad('light_source_strength: requires light_reference or light_source_direction');
    }
  }
}

/**
 * Validates one request to `spec`'s endpoint; throws a `StabilityApiError` with the API's status and
 * messages.
 *
 * @example
 * ```ts
 * const edit = validateStabilityEdit(request, STABILITY_ENDPOINTS['/v2beta/stable-image/edit/inpaint']!);
 * edit.fields.prompt; // 'a red armchair'
 * ```
 */
export function validateStabilityEdit(request: RecordedRequest, spec: StabilityEndpointSpec): StabilityEdit {
  if (request.rawBody.length > STABILITY_MAX_BODY_BYTES) {
    throw new StabilityApiError(413, 'payload_too_large', [
      'body: payloads cannot be larger than 10MiB in size',
    ]);
  }
  if (request.contentType !== 'multipart/form-data') {
    throw bad(`content-type: must be multipart/form-data, got ${request.contentType || 'none'}`);
  }
  if (request.parseError) throw bad(`body: ${request.parseError}`);
  const answer = readAccept(request, spec);
  const files = readFiles(request, spec);
  const fields = readFields(request, spec);
  checkEndpointRules(spec, { spec, files, fields });
  return { spec, files, fields, answer };
}
