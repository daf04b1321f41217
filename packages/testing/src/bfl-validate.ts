/**
 * Validation of BFL submit bodies the way the API (FastAPI + pydantic) does it: 422 with
 * `{"detail": [{type, loc, msg, …}]}` for schema violations, field by field from bfl-spec.ts, then
 * the checks the schema cannot state (decodable images, Kontext's aspect-ratio range, Fill's mask
 * size). Stricter than the real API in one way, on purpose: unknown fields are refused
 * (`extra_forbidden`) instead of being ignored, so a client that misnames a field fails loudly.
 * @module
 */
import { type ImageInfo, sniffImage } from '@retouch/core';
import {
  BFL_EDIT_ENDPOINTS,
  BFL_KONTEXT_MAX_ASPECT_RATIO,
  BFL_URL_IMAGE_ENDPOINTS,
  type BFLFieldRule,
} from './bfl-spec.js';

/** One pydantic validation error. */
export interface BFLValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

/** An error answer of the simulated API: `{"detail": …}` with a status. */
export class BFLApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | BFLValidationIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : detail.map((issue) => issue.msg).join('; '));
  }
}

/** An input image the simulator could read. */
export interface BFLInputImage {
  field: string;
  /** Decoded bytes; undefined for URL inputs (the simulator does not fetch them). */
  bytes?: Buffer;
  info?: ImageInfo;
  url?: string;
}

/** A validated submit. */
export interface BFLSubmit {
  endpoint: string;
  body: Record<string, unknown>;
  /** `input_image`, `input_image_2`, … or Fill/Expand's `image`, in order. */
  images: BFLInputImage[];
  mask?: BFLInputImage;
}

const SMALL_INPUT = 200;

function shown(value: unknown): unknown {
  // Never echo images back: pydantic would, but a base64 blob makes a useless error.
  return typeof value === 'string' && value.length > SMALL_INPUT ? `${value.slice(0, 20)}…` : value;
}

function issue(type: string, field: string, msg: string, input: unknown, ctx?: Record<string, unknown>) {
  return { type, loc: ['body', field], msg, input: shown(input), ...(ctx ? { ctx } : {}) };
}

function checkField(field: string, rule: BFLFieldRule, value: unknown): BFLValidationIssue | undefined {
  if (value === null) {
    return rule.nullable ? undefined : issue(`${rule.type}_type`, field, typeInput(rule), value);
  }
  switch (rule.type) {
    case 'string':
      if (typeof value !== 'string') return issue('string_type', field, typeInput(rule), value);
      if (rule.minLength !== undefined && value.length < rule.minLength)
        return issue(
          'string_too_short',
          field,
          `String should have at least ${rule.minLength} character`,
          value,
        );
      if (rule.maxLength !== undefined && value.length > rule.maxLength)
        return issue(
          'string_too_long',
          field,
          `String should have at most ${rule.maxLength} characters`,
          value,
        );
      if (rule.format === 'uri' && !/^https?:\/\/[^\s/]+/.test(value))
        return issue('url_parsing', field, 'Input should be a valid URL, relative URL without a base', value);
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : issue('bool_type', field, typeInput(rule), value);
    case 'enum':
      return typeof value === 'string' && rule.values.includes(value)
        ? undefined
        : issue('enum', field, `Input should be ${listOf(rule.values)}`, value, {
            expected: listOf(rule.values),
          });
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return issue(rule.type === 'integer' ? 'int_type' : 'float_type', field, typeInput(rule), value);
      if (rule.type === 'integer' && !Number.isInteger(value))
        return issue(
          'int_from_float',
          field,
          'Input should be a valid integer, got a number with a fractional part',
          value,
        );
      if (rule.minimum !== undefined && value < rule.minimum)
        return issue(
          'greater_than_equal',
          field,
          `Input should be greater than or equal to ${rule.minimum}`,
          value,
          { ge: rule.minimum },
        );
      if (rule.maximum !== undefined && value > rule.maximum)
        return issue(
          'less_than_equal',
          field,
          `Input should be less than or equal to ${rule.maximum}`,
          value,
          {
            le: rule.maximum,
          },
        );
      return undefined;
    }
  }
}

function typeInput(rule: BFLFieldRule): string {
  if (rule.type === 'integer') return 'Input should be a valid integer';
  if (rule.type === 'number') return 'Input should be a valid number';
  if (rule.type === 'boolean') return 'Input should be a valid boolean';
  return 'Input should be a valid string';
}

function listOf(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] ?? '');
}

function valueError(field: string, message: string, input: unknown): BFLApiError {
  return new BFLApiError(422, [issue('value_error', field, `Value error, ${message}`, input)]);
}

function readImage(endpoint: string, field: string, value: string): BFLInputImage {
  if (/^https?:\/\//i.test(value)) {
    if (!BFL_URL_IMAGE_ENDPOINTS.includes(endpoint))
      throw valueError(field, `${field} must be a base64-encoded image, not a URL`, value);
    return { field, url: value };
  }
  // The API takes bare base64; a data: URL prefix is not base64.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value))
    throw valueError(
      field,
      `${field} is not valid base64 (send the bare base64 of the file, no data: prefix)`,
      value,
    );
  const bytes = Buffer.from(value, 'base64');
  const info = sniffImage(bytes);
  if (!info) throw valueError(field, `${field} is not a PNG, JPEG or WebP image`, value);
  return { field, bytes, info };
}

function checkAspectRatio(value: unknown): void {
  if (typeof value !== 'string') return;
  const match = /^(\d+):(\d+)$/.exec(value);
  const ratio = match ? Number(match[1]) / Number(match[2]) : Number.NaN;
  const limit = BFL_KONTEXT_MAX_ASPECT_RATIO + 1e-9;
  if (!match || !(ratio > 0) || ratio > limit || 1 / ratio > limit) {
    throw valueError('aspect_ratio', 'aspect_ratio must be W:H between 21:9 and 9:21', value);
  }
}

/**
 * Validates a submit body for `endpoint`; throws a {@link BFLApiError} (422) like the API.
 *
 * @example
 * ```ts
 * const submit = validateBFLSubmit('flux-kontext-pro', { prompt: 'Make it red', input_image: b64 });
 * submit.images[0]?.info?.width;
 * ```
 */
export function validateBFLSubmit(endpoint: string, body: unknown): BFLSubmit {
  const spec = BFL_EDIT_ENDPOINTS[endpoint];
  if (!spec) throw new BFLApiError(404, 'Not Found');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BFLApiError(422, [
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
      },
    ]);
  }
  const record = body as Record<string, unknown>;
  const issues: BFLValidationIssue[] = [];
  for (const field of spec.required) {
    if (record[field] === undefined)
      issues.push({ type: 'missing', loc: ['body', field], msg: 'Field required' });
  }
  for (const [field, value] of Object.entries(record)) {
    const rule = spec.fields[field];
    if (!rule) issues.push(issue('extra_forbidden', field, 'Extra inputs are not permitted', value));
    else {
      const problem = checkField(field, rule, value);
      if (problem) issues.push(problem);
    }
  }
  if (issues.length > 0) throw new BFLApiError(422, issues);

  if (endpoint.startsWith('flux-kontext')) checkAspectRatio(record.aspect_ratio);
  const imageFields = Object.keys(spec.fields).filter(
    (field) => field === 'image' || /^input_image(_\d+)?$/.test(field),
  );
  const images = imageFields
    .filter((field) => typeof record[field] === 'string')
    .map((field) => readImage(endpoint, field, record[field] as string));
  const mask = typeof record.mask === 'string' ? readImage(endpoint, 'mask', record.mask) : undefined;
  const base = images[0]?.info;
  if (mask?.info && base && (mask.info.width !== base.width || mask.info.height !== base.height)) {
    throw valueError(
      'mask',
      `mask must have the same dimensions as image (${base.width}x${base.height}), got ${mask.info.width}x${mask.info.height}`,
      record.mask,
    );
  }
  return { endpoint, body: record, images, mask };
}
