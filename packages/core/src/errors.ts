/**
 * The `RetouchError` hierarchy: one class per OpenAI error class, with OpenAI's status codes and
 * the `{ error: { message, type, param, code } }` body. Every message and upstream body is redacted
 * at construction.
 * @module
 */
import { redactAndTruncate, redactSecrets } from './redact.js';

const MARKER = Symbol.for('retouch.error');

/** What every `RetouchError` constructor takes. */
export interface RetouchErrorOptions {
  /** What went wrong and what to do about it. */
  message: string;
  /** The request field at fault (`image`, `mask`, `n`, …), when there is one. */
  param?: string | null;
  /** A machine-readable code (`unsupported_parameter`, `content_policy_violation`, …). */
  code?: string | null;
  /** Overrides the class's HTTP status (for example 422 on a `BadRequestError`). */
  status?: number;
  /** Provider id (`openai`, `gemini`, …). */
  provider?: string;
  /** Model the call was for, without the provider prefix. */
  model?: string;
  /** The upstream response body; stored redacted and truncated. */
  upstreamBody?: string;
  /** The upstream request id (`x-request-id` and the like). */
  upstreamRequestId?: string;
  /**
   * Whether the upstream got the request before the call was cut off without a complete answer
   * (deadline, headers or body timeout, reset, cut or unreadable 200 body): see
   * {@link RetouchError.reachedUpstream}.
   */
  reachedUpstream?: boolean;
  /** Whether trying again may succeed. Defaults to the class's own answer (`false` when `reachedUpstream`). */
  isRetryable?: boolean;
  /** Exact secret values to scrub from the message and body, besides the known patterns. */
  secrets?: readonly (string | undefined)[];
  /** The underlying error. */
  cause?: unknown;
}

/** The JSON body an OpenAI-compatible server answers with. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * Base class of every error retouch raises. `status` is the HTTP status a proxy answers with;
 * `isRetryable` tells the router whether another attempt may succeed.
 */
export class RetouchError extends Error {
  /** HTTP status this error maps to (`undefined` for errors that never reached HTTP). */
  readonly status: number | undefined;
  /** OpenAI error `type`. */
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly upstreamBody: string | undefined;
  readonly upstreamRequestId: string | undefined;
  /**
   * Where a call that got no complete answer stopped. `true`: the request reached the upstream
   * (its bytes were sent, or may have been) and then the call was cut off: a deadline, a headers or
   * body timeout, a reset, a cut or unreadable 200 body. The upstream may have done, and billed, the
   * work, so such a call is not repeated by default (`isRetryable` is false; the router retries it
   * only with `retry_on_timeout`). `false`: it certainly never reached the upstream (DNS failure,
   * refused connection, connect timeout, TLS failure), so trying again is safe. `undefined`: not
   * an interrupted call (a validation error, or a complete upstream answer, whose class decides).
   */
  readonly reachedUpstream: boolean | undefined;
  readonly isRetryable: boolean;

  protected static defaultStatus: number | undefined = 500;
  protected static defaultType = 'server_error';
  protected static defaultRetryable = false;

  constructor(options: RetouchErrorOptions) {
    const ctor = new.target as unknown as typeof RetouchError;
    super(redactSecrets(options.message, options.secrets ?? []), { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status ?? ctor.defaultStatus;
    this.type = ctor.defaultType;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.provider = options.provider;
    this.model = options.model;
    this.upstreamBody =
      options.upstreamBody === undefined
        ? undefined
        : redactAndTruncate(options.upstreamBody, options.secrets);
    this.upstreamRequestId = options.upstreamRequestId;
    this.reachedUpstream = options.reachedUpstream;
    this.isRetryable =
      options.isRetryable ?? (options.reachedUpstream === true ? false : ctor.defaultRetryable);
    Object.defineProperty(this, MARKER, { value: true });
  }

  /**
   * True for any `RetouchError`, even one from another copy of this package.
   *
   * @example
   * ```ts
   * try { await imageEdit(params); } catch (e) { if (RetouchError.isInstance(e)) console.log(e.status); }
   * ```
   */
  static isInstance(error: unknown): error is RetouchError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** OpenAI's error body: `{ error: { message, type, param, code } }`. */
  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400: the request cannot be served as sent. */
export class BadRequestError extends RetouchError {
  protected static override defaultStatus = 400;
  protected static override defaultType = 'invalid_request_error';
}

/** 400: a parameter the model cannot honour (use `drop_params` to drop it with a warning). */
export class UnsupportedParamsError extends BadRequestError {
  constructor(options: RetouchErrorOptions) {
    super({ ...options, code: options.code ?? 'unsupported_parameter' });
  }
}

/** 400: the provider refused the prompt or the images, or filtered the result. */
export class ContentPolicyViolationError extends BadRequestError {
  constructor(options: RetouchErrorOptions) {
    super({ ...options, code: options.code ?? 'content_policy_violation' });
  }
}

/** 401: missing or rejected credentials. */
export class AuthenticationError extends RetouchError {
  protected static override defaultStatus = 401;
  protected static override defaultType = 'authentication_error';
}

/** 403: the credentials may not use this model or resource. */
export class PermissionDeniedError extends RetouchError {
  protected static override defaultStatus = 403;
  protected static override defaultType = 'permission_error';
}

/** 404: unknown model, endpoint or task. */
export class NotFoundError extends RetouchError {
  protected static override defaultStatus = 404;
  protected static override defaultType = 'not_found_error';
}

/** 408: the call ran out of time. */
export class TimeoutError extends RetouchError {
  protected static override defaultStatus = 408;
  protected static override defaultType = 'timeout_error';
  protected static override defaultRetryable = true;
}

/** 429: rate limited or over a budget; `retryAfterMs` when the upstream said when to come back. */
export class RateLimitError extends RetouchError {
  protected static override defaultStatus = 429;
  protected static override defaultType = 'rate_limit_error';
  protected static override defaultRetryable = true;
  readonly retryAfterMs: number | undefined;

  constructor(options: RetouchErrorOptions & { retryAfterMs?: number }) {
    super(options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** 500: the upstream failed. */
export class InternalServerError extends RetouchError {
  protected static override defaultStatus = 500;
  protected static override defaultType = 'server_error';
  protected static override defaultRetryable = true;
}

/** 502: the upstream answered with something that is not a valid answer. */
export class BadGatewayError extends RetouchError {
  protected static override defaultStatus = 502;
  protected static override defaultType = 'server_error';
  protected static override defaultRetryable = true;
}

/** 503: the upstream is overloaded or down. */
export class ServiceUnavailableError extends RetouchError {
  protected static override defaultStatus = 503;
  protected static override defaultType = 'server_error';
  protected static override defaultRetryable = true;
}

/** No HTTP answer at all: DNS, refused or reset connection, TLS. */
export class APIConnectionError extends RetouchError {
  protected static override defaultStatus = 502;
  protected static override defaultType = 'api_connection_error';
  protected static override defaultRetryable = true;
}

/** The caller aborted the call through its `AbortSignal`. */
export class APIUserAbortError extends RetouchError {
  protected static override defaultStatus = 499;
  protected static override defaultType = 'request_aborted';
}

/**
 * The error class for an upstream HTTP status.
 *
 * @example
 * ```ts
 * new (errorClassForStatus(429))({ message: 'slow down' }) instanceof RateLimitError; // true
 * ```
 */
export function errorClassForStatus(status: number): typeof RetouchError {
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionDeniedError;
  if (status === 404) return NotFoundError;
  if (status === 408) return TimeoutError;
  if (status === 429) return RateLimitError;
  if (status === 502) return BadGatewayError;
  if (status === 503 || status === 529) return ServiceUnavailableError;
  if (status >= 500) return InternalServerError;
  return BadRequestError;
}

/**
 * Removes exact secret values from an error already made (its message, stack and upstream body), in
 * place: errors built from upstream text by code that did not know the credentials are scrubbed
 * where they leave the provider.
 *
 * @example
 * ```ts
 * throw redactError(toRetouchError(error), [apiKey]);
 * ```
 */
export function redactError<E extends RetouchError>(error: E, secrets: readonly (string | undefined)[]): E {
  if (!secrets.some((secret) => secret && secret.length >= 4)) return error;
  const clean = (text: string) => redactSecrets(text, secrets);
  error.message = clean(error.message);
  if (error.stack) error.stack = clean(error.stack);
  if (error.upstreamBody !== undefined) {
    Object.defineProperty(error, 'upstreamBody', { value: clean(error.upstreamBody), enumerable: true });
  }
  return error;
}

/**
 * Wraps anything thrown into a `RetouchError`, keeping `RetouchError`s as they are.
 *
 * @example
 * ```ts
 * toRetouchError(new Error('boom')).status; // 500
 * ```
 */
export function toRetouchError(
  error: unknown,
  context: { provider?: string; model?: string } = {},
): RetouchError {
  if (RetouchError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalServerError({ message, cause: error, ...context });
}
