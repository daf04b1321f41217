/**
 * What the proxy answers when Node's HTTP parser gives up on a connection before any route sees a
 * request: broken framing (a bad chunk size, a bad header line), headers that are too large, or
 * headers that do not arrive in time (slow-loris). The answer is OpenAI's error shape with the
 * right status, then the connection is closed; each one is logged once at info and counted.
 * @module
 */
import type { Socket } from 'node:net';
import { BadRequestError, type RetouchError, TimeoutError } from '@retouch/core';

/** What {@link clientErrorHandler} reports for each client error. */
export type ClientErrorReport = (report: { status: number; code: string; parserCode?: string }) => void;

/** The error to answer for a parser error code. */
export function clientErrorFor(code: string | undefined, headerTimeoutMs: number): RetouchError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new TimeoutError({
      message: `request: the request headers did not arrive within ${Math.round(headerTimeoutMs / 100) / 10} s; the proxy closed the connection (request_header_timeout_seconds)`,
      code: 'request_header_timeout',
      isRetryable: false,
    });
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new BadRequestError({
      message: 'request: the request headers are larger than this proxy accepts (16 KiB)',
      param: null,
      code: 'headers_too_large',
      status: 431,
    });
  }
  return new BadRequestError({
    message: `request: malformed HTTP request${code ? ` (${code})` : ''}; the proxy closed the connection`,
    param: null,
    code: 'invalid_http_request',
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Builds Fastify's `clientErrorHandler`.
 *
 * @example
 * ```ts
 * Fastify({ clientErrorHandler: clientErrorHandler(30_000, (r) => log.info(r, 'client error')) });
 * ```
 */
export function clientErrorHandler(
  headerTimeoutMs: number,
  report: ClientErrorReport,
): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    // A reset or an already closed socket: there is nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = clientErrorFor(error.code, headerTimeoutMs);
    const status = answer.status ?? 400;
    report({ status, code: answer.code ?? 'invalid_http_request', parserCode: error.code });
    // As Node does: answer only if no response has started on this socket.
    const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
      ?.headersSent;
    if (socket.writable && !started) {
      const body = JSON.stringify(answer.toJSON());
      socket.end(
        `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-should-retry: false\r\nConnection: close\r\n\r\n${body}`,
      );
      // Flushed and half-closed; whatever the client still sends is not waited for long.
      setTimeout(() => socket.destroy(), 1000).unref();
    } else socket.destroy();
  };
}
