/**
 * Bounds on every request body, counted on the bytes actually read from the socket (so
 * `Transfer-Encoding: chunked`, a lying `Content-Length` or an endless multipart part cannot get
 * past them): a size limit (413), a deadline for the whole body and an idle limit between its bytes
 * (408). A breach is raised on the request stream, where the JSON and multipart readers see it, and
 * answered in OpenAI's shape; after that answer a little more of the unread body is read and
 * dropped, then reading stops, and the connection is closed a second later (so that the client sees
 * the answer instead of a reset).
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { BadRequestError, type RetouchError, TimeoutError } from '@retouch/core';

/** The bounds, in bytes and milliseconds. */
export interface BodyGuardOptions {
  maxBytes: number;
  /** The whole body must have arrived this long after the request's headers. */
  bodyTimeoutMs: number;
  /** No more than this between two chunks of the body. */
  idleTimeoutMs: number;
}

/**
 * After an answer to an unfinished body: read and drop at most this much more, then stop reading;
 * close the connection this long after the answer. Reading stops rather than the socket being
 * destroyed at the byte limit: a client still sending gets its writes held by TCP, not reset, and
 * has the whole time to read the answer. A destroy with unread bytes sends a reset, which can
 * discard the answer before the client has read it; one event-loop turn can read 2 MiB on a loaded
 * machine, so a byte limit alone could reset the connection before the client ran at all.
 */
const LINGER_BYTES = 1024 * 1024;
const LINGER_MS = 1000;
/** A breached request whose answer never ends is closed this long after reading stopped. */
const UNANSWERED_MS = 10_000;

const BODY_ERROR = Symbol('retouch.bodyError');

type GuardedRequest = IncomingMessage & { [BODY_ERROR]?: RetouchError };

/**
 * The breach of a request body's bounds, if one happened (for readers that start after it).
 *
 * @example
 * ```ts
 * const breach = bodyBreach(request.raw);
 * if (breach) throw breach;
 * ```
 */
export function bodyBreach(request: IncomingMessage): RetouchError | undefined {
  return (request as GuardedRequest)[BODY_ERROR];
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

function hasBody(request: IncomingMessage): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = request.headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * Guards every request `server` receives. Call before the app registers its own `request` handler
 * or anywhere after (it puts itself first).
 *
 * @example
 * ```ts
 * guardBodies(app.server, { maxBytes: 64 * 2 ** 20, bodyTimeoutMs: 120_000, idleTimeoutMs: 30_000 });
 * ```
 */
export function guardBodies(server: Server, options: BodyGuardOptions): void {
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!hasBody(request)) return;
    guard(request as GuardedRequest, response, options);
  });
}

function guard(request: GuardedRequest, response: ServerResponse, options: BodyGuardOptions): void {
  let received = 0;
  let dropped = 0;
  let idle: NodeJS.Timeout | undefined;
  let whole: NodeJS.Timeout | undefined;
  let closing: NodeJS.Timeout | undefined;
  let closingAt = Number.POSITIVE_INFINITY;
  const stop = () => {
    clearTimeout(idle);
    clearTimeout(whole);
  };
  /** Closes the connection in `ms` at the latest (an earlier close already set stays). */
  const closeWithin = (ms: number) => {
    const at = Date.now() + ms;
    if (at >= closingAt) return;
    clearTimeout(closing);
    closingAt = at;
    closing = setTimeout(() => request.socket.destroy(), ms);
    closing.unref();
  };
  const breach = (error: RetouchError) => {
    if (request[BODY_ERROR] || request.complete) return;
    stop();
    request[BODY_ERROR] = error;
    // The readers (fastify's JSON parser, the multipart reader) listen for this; the request stays
    // open so that the answer can still be written.
    request.emit('error', error);
  };
  // One idle timer per body, not one per chunk: a chunk only notes when it came, and the timer,
  // when it fires, waits out the rest of the idle time since the last chunk (a body arrives in
  // tens of chunks, and a timer armed and cleared per chunk was a measurable share of a request).
  let lastChunkAt = Date.now();
  const armIdle = (ms: number) => {
    idle = setTimeout(() => {
      const quietMs = Date.now() - lastChunkAt;
      if (quietMs < options.idleTimeoutMs) return armIdle(options.idleTimeoutMs - quietMs);
      // Bytes already read but not yet consumed are our slowness, not the client's.
      if (request.readableLength > 0) return armIdle(options.idleTimeoutMs);
      breach(
        new TimeoutError({
          message: `request: no byte of the body arrived for ${seconds(options.idleTimeoutMs)} s; the proxy closed the request (request_idle_timeout_seconds)`,
          code: 'request_idle_timeout',
          isRetryable: false,
        }),
      );
    }, ms);
    idle.unref();
  };
  // Never crash on a breach no reader listens for yet; readers that start later check bodyBreach().
  request.on('error', () => {});
  const push = request.push.bind(request);
  request.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk === null) {
      stop();
      return request[BODY_ERROR] ? false : push(chunk, encoding);
    }
    const size = (chunk as { length?: number }).length ?? 0;
    if (request[BODY_ERROR]) {
      // Dropped: the request has been answered (or is about to be).
      dropped += size;
      if (dropped > LINGER_BYTES) {
        // Enough dropped: read no more (TCP holds the client's writes) until the close.
        request.socket.pause();
        closeWithin(UNANSWERED_MS);
      }
      return true;
    }
    received += size;
    if (received > options.maxBytes) {
      breach(
        new BadRequestError({
          message: `request: the body is larger than ${options.maxBytes} bytes, the most this proxy accepts (general_settings.max_request_size_mb)`,
          param: null,
          code: 'request_too_large',
          status: 413,
        }),
      );
      return true;
    }
    lastChunkAt = Date.now();
    return push(chunk, encoding);
  };
  armIdle(options.idleTimeoutMs);
  whole = setTimeout(() => {
    breach(
      new TimeoutError({
        message: `request: the body did not arrive within ${seconds(options.bodyTimeoutMs)} s; the proxy closed the request (request_body_timeout_seconds)`,
        code: 'request_body_timeout',
        isRetryable: false,
      }),
    );
  }, options.bodyTimeoutMs);
  whole.unref();
  response.once('close', () => {
    stop();
    if (request.complete) return;
    // Answered before the body ended: drop what still comes (up to LINGER_BYTES), close soon.
    request.resume();
    closeWithin(LINGER_MS);
  });
}
