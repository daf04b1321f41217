/**
 * Stability's error body `{id, name, errors[]}` and the failures that need more than the status:
 * moderation refusals (403 `content_moderation`, 422 `public_figure`), missing credits (402), and
 * the rate limit (429, a 60 s timeout when no `Retry-After` is sent).
 * @module
 */
import {
  BadRequestError,
  ContentPolicyViolationError,
  parseCommonErrorBody,
  RateLimitError,
  type RetouchError,
  type UpstreamErrorDetails,
  type UpstreamFailure,
} from '@retouch/core';

/** Stability times a client out for 60 s after 150 requests in 10 s. */
const RATE_LIMIT_TIMEOUT_MS = 60_000;

/**
 * Reads `{id, name, errors[]}`: the messages joined, `name` as the code.
 *
 * @example
 * ```ts
 * parseStabilityError({ id: 'a1b2', name: 'bad_request', errors: ['prompt: is required'] }, '');
 * // { message: 'prompt: is required', code: 'bad_request' }
 * ```
 */
export function parseStabilityError(body: unknown, text: string): UpstreamErrorDetails {
  if (body && typeof body === 'object' && Array.isArray((body as { errors?: unknown }).errors)) {
    const { name, errors } = body as { name?: unknown; errors: unknown[] };
    const message = errors.map(String).join('; ');
    const param = /^([a-z_]+):/.exec(message)?.[1];
    return { message, code: typeof name === 'string' ? name : undefined, param };
  }
  return parseCommonErrorBody(body, text);
}

/**
 * The specific error for a Stability failure, or `undefined` for the default status mapping.
 *
 * @example
 * ```ts
 * const http = createProviderHttp({ provider: 'stability', classifyError: classifyStabilityError, … });
 * ```
 */
export function classifyStabilityError(
  failure: UpstreamFailure,
  ref: { provider: string; model?: string },
  secrets: readonly (string | undefined)[] = [],
): RetouchError | undefined {
  const { code, message } = failure.details;
  const common = {
    ...ref,
    secrets,
    code,
    upstreamBody: failure.text,
    upstreamRequestId: failure.requestId,
  };
  const said = message ?? `HTTP ${failure.status}`;
  const moderated =
    (failure.status === 403 && (code === 'content_moderation' || /moderation/i.test(said))) ||
    (failure.status === 422 && code === 'public_figure');
  if (moderated) {
    return new ContentPolicyViolationError({
      ...common,
      code: 'content_policy_violation',
      message: `stability refused the request (${code ?? failure.status}): ${said}`,
    });
  }
  if (failure.status === 402) {
    return new BadRequestError({
      ...common,
      status: 402,
      message: `stability returned 402 (${said}). Add credits to the Stability account, or use another key.`,
    });
  }
  if (failure.status === 429 && failure.retryAfterMs === undefined) {
    return new RateLimitError({
      ...common,
      message: `stability returned 429: ${said}`,
      retryAfterMs: RATE_LIMIT_TIMEOUT_MS,
    });
  }
  return undefined;
}
