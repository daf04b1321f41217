/**
 * The one HTTP layer every provider uses: no retries (the router owns retries), the caller's
 * AbortSignal and deadline on every call, JSON and multipart posting, redirects refused, and
 * upstream failures mapped to `RetouchError`s with `Retry-After` parsed, secrets redacted and
 * {@link RetouchError.reachedUpstream} set for calls cut off after the request was sent.
 *
 * Requests go through `node:http` keep-alive agents (`transport.ts`): multipart bodies are written
 * from the image bytes themselves. A custom `fetch` (tests, proxies) gets the signal in
 * `fetch(url, init)` itself, never through `new Request(…)`: undici links a Request's signal
 * through a weak reference that GC may clear mid-call (nodejs/undici#4068).
 * @module
 */
import type { z } from 'zod';
import { isTimeoutReason } from './deadline.js';
import { encodeMultipart, type MultipartForm } from './multipart.js';
import { sendUpstream, type UpstreamBody, type UpstreamResponse } from './transport.js';
import { readServerSentEvents, type ServerSentEvent } from './sse.js';
import {
  APIConnectionError,
  APIUserAbortError,
  BadGatewayError,
  BadRequestError,
  errorClassForStatus,
  InternalServerError,
  RateLimitError,
  type RetouchError,
  TimeoutError,
} from './errors.js';

/** What a provider's error body says, in OpenAI's terms. */
export interface UpstreamErrorDetails {
  message?: string;
  code?: string;
  param?: string;
}

/** An upstream failure, before it becomes a `RetouchError`. */
export interface UpstreamFailure {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
  details: UpstreamErrorDetails;
  retryAfterMs?: number;
  requestId?: string;
}

/** Settings of {@link createProviderHttp}. */
export interface ProviderHttpConfig {
  /** Provider id, named in errors. */
  provider: string;
  /** Base URL that relative paths are joined to; a function is read per call (env-configured defaults). */
  baseURL: string | (() => string);
  /** Headers sent on every call (credentials included); called per call so keys load lazily. */
  headers?: () => Record<string, string | undefined> | Promise<Record<string, string | undefined>>;
  /** Custom fetch (tests, proxies). Defaults to retouch's `node:http` client (keep-alive, no body copies). */
  fetch?: typeof globalThis.fetch;
  /** Secret values to scrub from errors besides the known patterns (the API key). */
  secrets?: () => readonly (string | undefined)[];
  /** Reads the provider's error body. Defaults to OpenAI's `{ error: { message, code, param } }` and the common variants. */
  parseError?: (body: unknown, text: string) => UpstreamErrorDetails | undefined;
  /** Returns a specific error for a failure (content policy and the like), or `undefined` for the default mapping. */
  classifyError?: (
    failure: UpstreamFailure,
    ref: { provider: string; model?: string },
  ) => RetouchError | undefined;
  /** What to say after a 401, e.g. `Check OPENAI_API_KEY.` */
  authHint?: string;
  /** Response header carrying the upstream request id. Defaults to `x-request-id`. */
  requestIdHeader?: string;
}

/** Per-call options. */
export interface HttpCallOptions {
  signal: AbortSignal;
  /** Model named in errors. */
  model?: string;
  /** Extra headers for this call (the caller's `extra_headers`). */
  headers?: Record<string, string | undefined>;
}

/** A successful upstream answer. */
export interface HttpResponse<T> {
  body: T;
  status: number;
  headers: Headers;
  requestId?: string;
}

/**
 * What a streamed POST answered: server-sent events as they arrive, or (from a server that does not
 * stream) one JSON body.
 */
export type HttpEventBody =
  | { kind: 'events'; events: AsyncIterable<ServerSentEvent> }
  | { kind: 'json'; json: unknown };

/** The HTTP helpers a provider gets. Paths are joined to `baseURL`; absolute URLs are used as is. */
export interface ProviderHttp {
  postJson(path: string, body: unknown, options: HttpCallOptions): Promise<HttpResponse<unknown>>;
  /** POST multipart; a {@link MultipartForm}'s file bytes are sent as they are, a `FormData`'s are read out once. */
  postForm(
    path: string,
    form: MultipartForm | FormData,
    options: HttpCallOptions,
  ): Promise<HttpResponse<unknown>>;
  /** POST multipart and take the answer as bytes (Stability's `accept: image/*`). */
  postFormForBytes(
    path: string,
    form: MultipartForm | FormData,
    options: HttpCallOptions,
  ): Promise<HttpResponse<Uint8Array>>;
  /**
   * POST multipart and read a `text/event-stream` answer event by event. It resolves once the
   * headers arrived (an error status throws as for `postForm`); a body cut off or aborted while
   * read throws from the iterator with `reachedUpstream: true`. Leaving the loop early cancels the body.
   */
  postFormForEvents(
    path: string,
    form: MultipartForm | FormData,
    options: HttpCallOptions,
  ): Promise<HttpResponse<HttpEventBody>>;
  getJson(path: string, options: HttpCallOptions): Promise<HttpResponse<unknown>>;
  getBytes(path: string, options: HttpCallOptions): Promise<HttpResponse<Uint8Array>>;
  /** The absolute URL a path resolves to. */
  url(path: string): string;
}

/**
 * Parses `Retry-After` (seconds or an HTTP date) and `retry-after-ms` into milliseconds.
 *
 * @example
 * ```ts
 * parseRetryAfter(new Headers({ 'retry-after': '2' })); // 2000
 * ```
 */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Reads the usual error body shapes: `{error:{message,code,param}}`, `{error:"…"}`, `{message}`,
 * `{detail}`, `{errors:["…"]}`, `{name, errors}`.
 *
 * @example
 * ```ts
 * parseCommonErrorBody({ name: 'bad_request', errors: ['mask: too large'] }, ''); // { message: 'mask: too large', code: 'bad_request' }
 * ```
 */
export function parseCommonErrorBody(body: unknown, text: string): UpstreamErrorDetails {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const error = record.error;
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      return {
        message: typeof e.message === 'string' ? e.message : undefined,
        code: typeof e.code === 'string' ? e.code : typeof e.status === 'string' ? e.status : undefined,
        param: typeof e.param === 'string' ? e.param : undefined,
      };
    }
    if (typeof error === 'string') return { message: error };
    if (typeof record.message === 'string') return { message: record.message };
    if (typeof record.detail === 'string') return { message: record.detail };
    if (Array.isArray(record.detail)) return { message: JSON.stringify(record.detail) };
    if (Array.isArray(record.errors)) {
      return {
        message: record.errors.map(String).join('; '),
        code: typeof record.name === 'string' ? record.name : undefined,
      };
    }
  }
  return { message: text.trim().slice(0, 500) || undefined };
}

const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'x-key',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'x-amz-security-token',
  'x-amz-date',
  'x-amz-content-sha256',
]);

/**
 * Transport failures that happen before a request can reach the upstream: name resolution, a
 * refused or unreachable connection, a connect timeout, a failed TLS handshake. Anything else
 * (a reset, a closed socket, a headers or body timeout) may come after the upstream got the request.
 */
const NOT_REACHED_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EAI_NODATA',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  // A base URL that does not parse, a header name or value Node refuses: nothing was sent.
  'ERR_INVALID_URL',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_HTTP_INVALID_HEADER_VALUE',
]);
const READ_TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The first error `code` along an error's `cause` chain (fetch wraps undici's errors). */
function errorCode(error: unknown): string | undefined {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === 'string') return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

function neverReached(code: string | undefined): boolean {
  return !!code && (NOT_REACHED_CODES.has(code) || /^ERR_(SSL|TLS)_/.test(code));
}

/**
 * An {@link HttpResponse} whose `headers` are built on first read. A class, not an object literal
 * with a getter: V8 makes such a literal in the old generation, where a dead one keeps the young
 * objects it points to alive through every scavenge (`tools/bench/README.md`, "GC").
 */
class Answered<T> implements HttpResponse<T> {
  readonly status: number;
  readonly #response: UpstreamResponse;

  constructor(
    response: UpstreamResponse,
    readonly body: T,
    readonly requestId: string | undefined,
  ) {
    this.#response = response;
    this.status = response.status;
  }

  get headers(): Headers {
    return this.#response.headers;
  }
}

/** One response header, read without building a `Headers` where the client can (ours can). */
function headerOf(response: UpstreamResponse, name: string): string | undefined {
  return (response.header ? response.header(name) : response.headers.get(name)) ?? undefined;
}

function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function validHeader(name: string, value: string): boolean {
  try {
    new Headers([[name, value]]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds a provider's HTTP helpers.
 *
 * @example
 * ```ts
 * const http = createProviderHttp({
 *   provider: 'openai',
 *   baseURL: 'https://api.openai.com/v1',
 *   headers: () => ({ authorization: `Bearer ${loadApiKey(...)}` }),
 * });
 * const { body } = await http.postForm('/images/edits', form, { signal });
 * ```
 */
export function createProviderHttp(config: ProviderHttpConfig): ProviderHttp {
  const requestIdHeader = config.requestIdHeader ?? 'x-request-id';
  const baseURL = typeof config.baseURL === 'function' ? config.baseURL : () => config.baseURL as string;
  const refOf = (options: HttpCallOptions) => ({ provider: config.provider, model: options.model });

  async function send(
    method: 'get' | 'post',
    path: string,
    body: { json?: unknown; form?: MultipartForm | FormData },
    options: HttpCallOptions,
  ): Promise<UpstreamResponse> {
    const url = joinUrl(baseURL(), path);
    const base = (await config.headers?.()) ?? {};
    // Header names are case-insensitive: a per-call `x-mode` replaces the provider's `X-Mode`
    // instead of being sent alongside it as `base, call`. A plain record, lower-cased, not a web
    // `Headers`: Node's client takes it as it is (and checks each name and value before sending).
    const headers: Record<string, string> = Object.create(null);
    for (const [name, value] of Object.entries(base))
      if (value !== undefined) headers[name.toLowerCase()] = value;
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      const key = name.toLowerCase();
      // A caller's extra headers never replace the provider's own credentials.
      if (value === undefined || (CREDENTIAL_HEADERS.has(key) && headers[key] !== undefined)) continue;
      headers[key] = value;
    }
    if (body.json !== undefined && headers['content-type'] === undefined)
      headers['content-type'] = 'application/json';
    let payload: UpstreamBody | undefined;
    if (body.form) {
      const encoded = await encodeMultipart(body.form);
      headers['content-type'] = encoded.contentType;
      payload = encoded.chunks;
    } else if (body.json !== undefined) payload = JSON.stringify(body.json);
    let fetchHeaders: Headers | undefined;
    try {
      // Built before the call: a header `Headers` refuses was never sent (as Node's own client's
      // refusal below), so it must not read as a request that may have reached the upstream.
      if (config.fetch) fetchHeaders = new Headers(headers);
    } catch (error) {
      // Named, never quoted: the refusal's own text echoes the value, which may be a credential.
      const bad = Object.keys(headers).find((name) => !validHeader(name, headers[name] as string));
      throw new APIConnectionError({
        message: `could not send the request to ${config.provider}: a header is not valid HTTP${bad ? ` (${bad})` : ''}`,
        cause: error,
        reachedUpstream: false,
        secrets: config.secrets?.(),
        ...refOf(options),
      });
    }
    let response: UpstreamResponse;
    try {
      // Redirects are not followed (by either client): the credential headers would go along to
      // another host, and a 307/308 would send a billable POST a second time.
      response = config.fetch
        ? await config.fetch(url, {
            method: method.toUpperCase(),
            headers: fetchHeaders,
            body: Array.isArray(payload)
              ? new Blob(payload as Uint8Array<ArrayBuffer>[])
              : (payload as string | undefined),
            signal: options.signal,
            redirect: 'manual',
          })
        : await sendUpstream(url, {
            method: method === 'get' ? 'GET' : 'POST',
            headers,
            body: payload,
            signal: options.signal,
          });
    } catch (error) {
      throw transportError(error, options, 'connect');
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      let where = '';
      try {
        where = location ? ` to ${new URL(location, url).host}` : '';
      } catch {
        // An unparsable Location: say nothing about where.
      }
      throw new BadGatewayError({
        message: `${config.provider} answered ${response.status} (a redirect${where}); API calls do not follow redirects, so the credentials stay with the configured host. Set the base URL (api_base) to the final URL.`,
        code: 'upstream_redirect',
        isRetryable: false,
        secrets: config.secrets?.(),
        ...refOf(options),
      });
    }
    return response;
  }

  /**
   * A failed fetch or body read as a `RetouchError`. `phase` says whether the request may already
   * be with the upstream: during `connect` only the connect-phase codes prove it is not.
   */
  function transportError(error: unknown, options: HttpCallOptions, phase: 'connect' | 'read'): RetouchError {
    const ref = refOf(options);
    if (options.signal.aborted) return abortError(options.signal, { ...ref, reachedUpstream: true });
    const code = errorCode(error);
    const reason =
      code ?? (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    const secrets = config.secrets?.();
    if (code && READ_TIMEOUT_CODES.has(code)) {
      return new TimeoutError({
        message: `${config.provider} did not answer in time (${reason}); the request was sent, so it is not repeated automatically`,
        cause: error,
        reachedUpstream: true,
        secrets,
        ...ref,
      });
    }
    if (phase === 'connect' && neverReached(code)) {
      return new APIConnectionError({
        message: `could not reach ${config.provider} (${reason})`,
        cause: error,
        reachedUpstream: false,
        secrets,
        ...ref,
      });
    }
    return new APIConnectionError({
      message:
        phase === 'read'
          ? `the answer of ${config.provider} was cut off while it was read (${reason}); the request was sent, so it is not repeated automatically`
          : `the connection to ${config.provider} failed after the request was sent (${reason}); it is not repeated automatically`,
      cause: error,
      reachedUpstream: true,
      secrets,
      ...ref,
    });
  }

  async function readText(response: UpstreamResponse, options: HttpCallOptions): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw transportError(error, options, 'read');
    }
  }

  async function fail(response: UpstreamResponse, options: HttpCallOptions): Promise<never> {
    let text = '';
    try {
      text = await response.text();
    } catch (error) {
      // The status already says what happened; an error body cut short only loses the details.
      if (options.signal.aborted) throw transportError(error, options, 'read');
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    const details = config.parseError?.(body, text) ?? parseCommonErrorBody(body, text);
    const failure: UpstreamFailure = {
      status: response.status,
      body,
      text,
      headers: response.headers,
      details,
      retryAfterMs: parseRetryAfter(response.headers),
      requestId: response.headers.get(requestIdHeader) ?? undefined,
    };
    const specific = config.classifyError?.(failure, { provider: config.provider, model: options.model });
    if (specific) throw specific;
    throw errorFromFailure(failure, { provider: config.provider, model: options.model }, config);
  }

  /** A success's body with its status and request id; its headers are built only when read. */
  function answered<T>(response: UpstreamResponse, body: T): HttpResponse<T> {
    return new Answered(response, body, headerOf(response, requestIdHeader));
  }

  async function json(response: UpstreamResponse, options: HttpCallOptions): Promise<HttpResponse<unknown>> {
    if (!response.ok) return fail(response, options);
    const text = await readText(response, options);
    try {
      return answered(response, JSON.parse(text));
    } catch {
      // The upstream answered success, so it may have done and billed the work: not repeated.
      throw new BadGatewayError({
        message: `${config.provider} answered ${response.status} with a body that is not JSON (cut short or garbled); the request was served, so it is not repeated automatically`,
        upstreamBody: text,
        provider: config.provider,
        model: options.model,
        reachedUpstream: true,
        secrets: config.secrets?.(),
      });
    }
  }

  async function bytes(
    response: UpstreamResponse,
    options: HttpCallOptions,
  ): Promise<HttpResponse<Uint8Array>> {
    if (!response.ok) return fail(response, options);
    let buffer: ArrayBuffer;
    try {
      buffer = await response.arrayBuffer();
    } catch (error) {
      throw transportError(error, options, 'read');
    }
    return answered(response, new Uint8Array(buffer));
  }

  async function events(
    response: UpstreamResponse,
    options: HttpCallOptions,
  ): Promise<HttpResponse<HttpEventBody>> {
    if (!response.ok) return fail(response, options);
    const meta = {
      status: response.status,
      headers: response.headers,
      requestId: response.headers.get(requestIdHeader) ?? undefined,
    };
    const type = response.headers.get('content-type') ?? '';
    if (!/^text\/event-stream/i.test(type) || !response.body) {
      return { ...meta, body: { kind: 'json', json: (await json(response, options)).body } };
    }
    const body = response.body;
    async function* read(): AsyncGenerator<ServerSentEvent, void, undefined> {
      try {
        yield* readServerSentEvents(body);
      } catch (error) {
        if ((error as { type?: string }).type === 'max-buffer-size-exceeded') {
          throw new BadGatewayError({
            message: `${config.provider} sent a stream event larger than retouch reads; the request was served, so it is not repeated automatically`,
            provider: config.provider,
            model: options.model,
            reachedUpstream: true,
          });
        }
        throw transportError(error, options, 'read');
      }
    }
    return { ...meta, body: { kind: 'events', events: read() } };
  }

  return {
    url: (path) => joinUrl(baseURL(), path),
    postFormForEvents: async (path, form, options) =>
      events(await send('post', path, { form }, options), options),
    postJson: async (path, body, options) => json(await send('post', path, { json: body }, options), options),
    postForm: async (path, form, options) => json(await send('post', path, { form }, options), options),
    postFormForBytes: async (path, form, options) =>
      bytes(await send('post', path, { form }, options), options),
    getJson: async (path, options) => json(await send('get', path, {}, options), options),
    getBytes: async (path, options) => bytes(await send('get', path, {}, options), options),
  };
}

/**
 * The error for an aborted signal: `TimeoutError` when a deadline passed, else `APIUserAbortError`.
 * `reachedUpstream: true` says the request had been sent (see `RetouchError.reachedUpstream`).
 *
 * @example
 * ```ts
 * if (signal.aborted) throw abortError(signal, { provider: 'openai', model });
 * ```
 */
export function abortError(
  signal: AbortSignal,
  ref: { provider?: string; model?: string; reachedUpstream?: boolean } = {},
): RetouchError {
  const reason = signal.reason as { name?: string; message?: string } | undefined;
  if (reason instanceof TimeoutError) return reason;
  if (isTimeoutReason(reason)) {
    const said = reason?.message ? `: ${reason.message}` : '';
    const sent = ref.reachedUpstream ? '; the request was sent, so it is not repeated automatically' : '';
    return new TimeoutError({ message: `the call timed out${said}${sent}`, cause: reason, ...ref });
  }
  return new APIUserAbortError({ message: 'Request was aborted.', cause: reason, ...ref });
}

/**
 * The default mapping of an upstream failure to a `RetouchError` (used after a provider's `classifyError`).
 *
 * @example
 * ```ts
 * classifyError: (failure, ref) => isRefusal(failure) ? refusal(failure) : errorFromFailure(failure, ref),
 * ```
 */
export function errorFromFailure(
  failure: UpstreamFailure,
  ref: { provider: string; model?: string },
  config: Pick<ProviderHttpConfig, 'authHint' | 'secrets'> = {},
): RetouchError {
  const ErrorClass = errorClassForStatus(failure.status);
  const said = failure.details.message ?? `HTTP ${failure.status}`;
  const hint = failure.status === 401 && config.authHint ? ` ${config.authHint}` : '';
  const options = {
    message: `${ref.provider} returned ${failure.status}: ${said}${hint}`,
    code: failure.details.code,
    param: failure.details.param,
    upstreamBody: failure.text,
    upstreamRequestId: failure.requestId,
    secrets: config.secrets?.(),
    ...ref,
  };
  if (ErrorClass === RateLimitError)
    return new RateLimitError({ ...options, retryAfterMs: failure.retryAfterMs });
  // Statuses without a class of their own (402, 409, 422, 504, …) keep the upstream's number.
  if (ErrorClass === BadRequestError) return new BadRequestError({ ...options, status: failure.status });
  if (ErrorClass === InternalServerError)
    return new InternalServerError({ ...options, status: failure.status });
  return new ErrorClass(options);
}

/**
 * Checks an upstream JSON answer against a (lenient) zod schema; a mismatch is a `BadGatewayError`.
 *
 * @example
 * ```ts
 * const data = parseUpstream(responseSchema, body, { provider: 'openai', model });
 * ```
 */
export function parseUpstream<S extends z.ZodType>(
  schema: S,
  body: unknown,
  ref: { provider: string; model?: string },
): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // A success answer we cannot read: the upstream may have done and billed the work.
  throw new BadGatewayError({
    message: `${ref.provider} answered with an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message})`,
    upstreamBody: JSON.stringify(body),
    reachedUpstream: true,
    ...ref,
  });
}
