/**
 * The upstream client: `node:http`/`node:https` with one keep-alive agent per scheme. It is the
 * cheapest well-kept path measured for image uploads (`pnpm bench`, "upstream client"): a body
 * given as a list of chunks (multipart headers and the image bytes as they are) goes to the socket
 * as one `writev`, never copied into a Blob or read out through web streams as `fetch` does.
 *
 * Nothing here is held weakly: the request listens on the caller's signal until it settles, so an
 * abort or a deadline always reaches the socket (see `deadline.ts`). Redirects are never followed.
 * @module
 */
import {
  Agent as HttpAgent,
  type ClientRequest,
  type IncomingMessage,
  request as httpRequest,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** A request body: text, bytes, or bytes in pieces that are sent in order without being joined. */
export type UpstreamBody = string | Uint8Array | readonly Uint8Array[];

/** What {@link sendUpstream} sends. */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Lower-case names. */
  headers: Readonly<Record<string, string>>;
  body?: UpstreamBody;
  signal: AbortSignal;
}

/** The part of a fetch `Response` the HTTP layer reads; {@link sendUpstream} answers with one too. */
export interface UpstreamResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: Headers;
  /** One header (lower-case name), read without building `headers`; where the client offers it. */
  header?(name: string): string | undefined;
  /** The body as a web stream (created when first read this way). */
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Idle sockets are closed after 4 s (or a second before the server's `Keep-Alive: timeout=` hint,
 * when that is sooner), as undici does: most servers close idle connections after 5 s, and a request
 * sent on a connection the server is closing fails after it may have been received.
 */
const IDLE_SOCKET_MS = 4_000;
/** A connection not established by then fails as never sent (undici's default too). */
const CONNECT_TIMEOUT_MS = 10_000;

const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
const httpAgent = new HttpAgent(agentOptions);
const httpsAgent = new HttpsAgent(agentOptions);

/** Error codes of failures this module raises itself (checked by the HTTP layer). */
export const CONNECT_TIMEOUT_CODE = 'UND_ERR_CONNECT_TIMEOUT';

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function byteLength(body: UpstreamBody | undefined): number {
  if (body === undefined) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  let total = 0;
  for (const chunk of body) total += chunk.byteLength;
  return total;
}

/** An `IncomingMessage` read the way `Response` reads: once, as text, bytes or a web stream. */
class NodeResponse implements UpstreamResponse {
  readonly status: number;
  readonly ok: boolean;
  #headers: Headers | undefined;
  #stream: ReadableStream<Uint8Array> | null = null;

  constructor(
    private readonly message: IncomingMessage,
    finish: () => void,
  ) {
    this.status = message.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    // However it ends (read, cancelled, cut), the request stops listening on the signal then.
    message.once('close', finish);
  }

  header(name: string): string | undefined {
    const value = this.message.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** Built when first read: most successful calls read one header or none. */
  get headers(): Headers {
    if (this.#headers === undefined) {
      const headers = new Headers();
      const raw = this.message.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
      this.#headers = headers;
    }
    return this.#headers;
  }

  get body(): ReadableStream<Uint8Array> {
    this.#stream ??= Readable.toWeb(this.message) as ReadableStream<Uint8Array>;
    return this.#stream;
  }

  /** The whole body as one Buffer; a connection closed before its end rejects. */
  private read(): Promise<Buffer> {
    const message = this.message;
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      message.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        length += chunk.length;
      });
      message.once('end', () =>
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length)),
      );
      message.once('error', reject);
      message.once('close', () => {
        if (!message.complete)
          reject(codedError('the connection closed before the body ended', 'ECONNRESET'));
      });
    });
  }

  async text(): Promise<string> {
    return (await this.read()).toString('utf8');
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.read();
    // A Buffer of its own spans its whole ArrayBuffer; a pooled (small) one is copied out.
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }
}

/**
 * Sends one request and resolves with its response once the status and headers arrived. Rejects
 * with Node's error (its `code`: `ECONNREFUSED`, `ECONNRESET`, …, or {@link CONNECT_TIMEOUT_CODE})
 * or, after `signal` aborted, with its reason; either way the socket is destroyed.
 *
 * @example
 * ```ts
 * const response = await sendUpstream('https://api.openai.com/v1/images/edits', {
 *   method: 'POST', headers, body: [head, imageBytes, tail], signal,
 * });
 * const json = JSON.parse(await response.text());
 * ```
 */
export function sendUpstream(url: string, init: UpstreamRequest): Promise<UpstreamResponse> {
  const { signal, body } = init;
  return new Promise<UpstreamResponse>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      reject(Object.assign(error as Error, { code: 'ERR_INVALID_URL' }));
      return;
    }
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') {
      reject(codedError(`unsupported protocol ${target.protocol}`, 'ERR_INVALID_URL'));
      return;
    }
    const headers =
      body === undefined ? init.headers : { ...init.headers, 'content-length': String(byteLength(body)) };
    let request: ClientRequest;
    let connectTimer: NodeJS.Timeout | undefined;
    const onAbort = () =>
      request.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    // The signal stays linked until the body was read (or the request failed): an abort always ends it.
    const finish = () => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(connectTimer);
    };
    request = (secure ? httpsRequest : httpRequest)(
      {
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method: init.method,
        headers,
        agent: secure ? httpsAgent : httpAgent,
      },
      (message) => {
        clearTimeout(connectTimer);
        resolve(new NodeResponse(message, finish));
      },
    );
    request.once('error', (error) => {
      finish();
      reject(error);
    });
    request.once('socket', (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(
        () =>
          request.destroy(
            codedError(`could not connect within ${CONNECT_TIMEOUT_MS} ms`, CONNECT_TIMEOUT_CODE),
          ),
        CONNECT_TIMEOUT_MS,
      );
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    signal.addEventListener('abort', onAbort, { once: true });
    if (body === undefined) request.end();
    else if (typeof body === 'string' || body instanceof Uint8Array) request.end(body);
    else {
      for (const chunk of body) request.write(chunk);
      request.end();
    }
  });
}
