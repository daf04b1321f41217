/**
 * OpenAI's error body (`ErrorResponse`: `{ error: { message, type, param, code } }`, all four keys
 * always present) and the wording the real API uses for its common validation failures.
 * @module
 */

import type { Fault } from './simulator.js';

/** OpenAI's `ErrorResponse`. */
export interface OpenAIErrorResponse {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A request the simulated OpenAI API refuses; becomes an `ErrorResponse`. */
export class OpenAIApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'OpenAIApiError';
  }
}

/** The `type` OpenAI puts in an error of this status. */
function errorType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * Builds OpenAI's error body.
 *
 * @example
 * ```ts
 * openAIErrorBody(404, "The model 'x' does not exist.", 'model_not_found', 'model');
 * // { error: { message: "The model 'x' does not exist.", type: 'invalid_request_error', param: 'model', code: 'model_not_found' } }
 * ```
 */
export function openAIErrorBody(
  status: number,
  message: string,
  code: string | null,
  param: string | null = null,
): OpenAIErrorResponse {
  return { error: { message, type: errorType(status), param, code } };
}

/**
 * A 400 naming the field at fault.
 *
 * @example
 * ```ts
 * throw badRequest("Unknown parameter: 'foo'.", 'foo', 'unknown_parameter');
 * ```
 */
export function badRequest(message: string, param: string | null, code: string | null): OpenAIApiError {
  return new OpenAIApiError(400, message, param, code);
}

/**
 * Lists values the way OpenAI's messages do: `'a', 'b', and 'c'`.
 *
 * @example
 * ```ts
 * quoteList(['low', 'high']); // "'low' and 'high'"
 * ```
 */
export function quoteList(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 2) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
}

/**
 * `Unknown parameter: 'x'.`
 *
 * @example
 * ```ts
 * throw unknownParameter('response_format');
 * ```
 */
export function unknownParameter(name: string): OpenAIApiError {
  return badRequest(`Unknown parameter: '${name}'.`, name, 'unknown_parameter');
}

/**
 * `Invalid value: 'x'. Supported values are: …`
 *
 * @example
 * ```ts
 * throw invalidValue('quality', 'ultra', ['low', 'medium', 'high', 'auto']);
 * ```
 */
export function invalidValue(name: string, value: string, supported: readonly string[]): OpenAIApiError {
  return badRequest(
    `Invalid value: '${value}'. Supported values are: ${quoteList(supported)}.`,
    name,
    'invalid_value',
  );
}

/**
 * `Invalid type for 'x': expected …, but got … instead.`
 *
 * @example
 * ```ts
 * throw invalidType('n', 'an integer', 'a string');
 * ```
 */
export function invalidType(name: string, expected: string, got: string): OpenAIApiError {
  return badRequest(
    `Invalid type for '${name}': expected ${expected}, but got ${got} instead.`,
    name,
    'invalid_type',
  );
}

/**
 * OpenAI's moderation refusal of an image edit, as a simulator fault: a 400 whose `code` is
 * `moderation_blocked` (the code clients branch on).
 *
 * @example
 * ```ts
 * sim.injectFault(OPENAI_MODERATION_FAULT);
 * await imageEdit(params, { provider }); // ContentPolicyViolationError, code 'moderation_blocked'
 * ```
 */
export const OPENAI_MODERATION_FAULT = {
  type: 'status',
  status: 400,
  body: {
    error: {
      message: 'Your request was rejected as a result of our safety system.',
      type: 'image_generation_user_error',
      param: null,
      code: 'moderation_blocked',
    },
  },
} as const satisfies Fault;
