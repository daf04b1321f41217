/**
 * Every failure as OpenAI's error body `{ error: { message, type, param, code } }` with the right
 * status: `RetouchError`s as they are, Fastify's and the parsers' client errors as 400/413, and
 * anything unexpected as a 500 whose details stay in the log.
 * @module
 */
import {
  BadRequestError,
  InternalServerError,
  NotFoundError,
  type OpenAIErrorBody,
  RateLimitError,
  RetouchError,
} from '@retouch/core';

/** What the server answers for an error. */
export interface ErrorReply {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
  /** The error as a `RetouchError` (for logs and metrics). */
  error: RetouchError;
  /** True when this was not a known client or upstream error (log it with its stack). */
  unexpected: boolean;
}

/** Longest path parameter (the Azure-style deployment name) Fastify's router takes; longer is a 414. */
export const MAX_PATH_PARAM_LENGTH = 100;

const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'request_too_large',
    message: 'request: the body is larger than the proxy accepts',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 400,
    code: 'unsupported_content_type',
    message: 'request: send multipart/form-data or application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'request: the JSON body is empty',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'request: the body is not valid JSON',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_request',
    message: 'request: bad Content-Length',
  },
  // A path Fastify's router cannot read (bad percent-encoding) or a path parameter over its length.
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'invalid_url',
    message: 'request: the URL path is not valid (bad percent-encoding)',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'url_too_long',
    message: `request: a part of the URL path is longer than this proxy accepts (${MAX_PATH_PARAM_LENGTH} characters)`,
  },
};

/**
 * Converts anything thrown while serving a request into the reply to send.
 *
 * @example
 * ```ts
 * import { toErrorReply } from '@retouch/proxy';
 * app.setErrorHandler((error, request, reply) => {
 *   const { status, body, headers } = toErrorReply(error);
 *   reply.code(status).headers(headers).send(body);
 * });
 * ```
 */
export function toErrorReply(thrown: unknown): ErrorReply {
  let error: RetouchError;
  let unexpected = false;
  if (RetouchError.isInstance(thrown)) error = thrown;
  else {
    const e = thrown as { code?: string; statusCode?: number; message?: string; validation?: unknown };
    const known = e?.code ? FASTIFY_CLIENT_ERRORS[e.code] : undefined;
    if (known) {
      error = new BadRequestError({
        message: known.message,
        param: null,
        code: known.code,
        status: known.status,
      });
    } else if (e?.statusCode === 404) {
      error = new NotFoundError({ message: e.message ?? 'not found', code: 'not_found' });
    } else if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      // Another client error from Fastify or a plugin (malformed JSON, bad headers, …).
      error = new BadRequestError({
        message: `request: ${e.message ?? 'bad request'}`,
        param: null,
        code: 'invalid_request',
        status: e.statusCode === 413 ? 413 : 400,
      });
    } else {
      unexpected = true;
      error = new InternalServerError({
        message: 'The proxy failed unexpectedly while serving this request; the details are in its log.',
        code: 'internal_error',
        cause: thrown,
      });
    }
  }
  const status =
    error.status !== undefined && error.status >= 400 && error.status <= 599 ? error.status : 500;
  const headers: Record<string, string> = {};
  if (error instanceof RateLimitError && error.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  }
  // The official clients retry 408/409/429/5xx unless told not to: a budget, a bad request or a
  // refusal will not change by retrying.
  headers['x-should-retry'] = String(error.isRetryable && status !== 400 && status !== 413);
  return { status, body: error.toJSON(), headers, error, unexpected };
}
