/**
 * The base every upstream simulator is built on: a `node:http` server on 127.0.0.1 (free port) that
 * records every request, can host result files, and injects faults (error statuses, rate limits,
 * delays, hangs, connection resets, cut or stalled bodies, malformed JSON, garbage), chosen
 * programmatically (queued, or by a policy per request) or per request through the
 * `x-simulator-fault` header. A simulator only supplies `handle` (the API itself) and `errorBody`
 * (the API's own error shape).
 * @module
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type RecordedRequest, recordRequest } from './recorded-request.js';

/** A failure a simulator can be told to produce instead of (or before) its normal answer. */
export type Fault =
  /** Answer with this status; `body` defaults to the API's own error body. */
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** 429 with `Retry-After` (seconds, default 1) and the API's rate-limit error body. */
  | { type: 'rate-limit'; retryAfterSeconds?: number }
  /** Wait `ms`, then answer normally. */
  | { type: 'delay'; ms: number }
  /** Never answer: the request stays open until the client gives up (or `close()`). */
  | { type: 'hang' }
  /** Destroy the connection without answering. */
  | { type: 'reset' }
  /** 200 with a JSON content type and a truncated JSON body. */
  | { type: 'malformed-json' }
  /** The normal answer's status, headers (its full `content-length`) and half its body, then the connection is destroyed. */
  | { type: 'truncated-body' }
  /** The normal answer's status, headers and half its body, then nothing more until the client gives up. */
  | { type: 'stalled-body' }
  /** 200 with a JSON content type and a body of bytes that are not JSON (not even text). */
  | { type: 'garbage' }
  /** A streamed answer whose connection is destroyed after `afterEvents` events (no error event). */
  | { type: 'stream-cut'; afterEvents: number }
  /** A streamed answer that sends an `error` event (the API's error body) after `afterEvents` events, then ends. */
  | { type: 'stream-error'; afterEvents: number; message?: string; code?: string };

/** One server-sent event of a streamed answer. */
export interface SimulatorEvent {
  event: string;
  data: unknown;
}

/**
 * When a streamed answer sends its events. Without any setting, all at once. `beforeEvent` lets a
 * test hold an event until it says so (no timing assumptions): it is awaited before each event.
 */
export interface StreamTiming {
  /** Wait before the first event, in ms. Defaults to 0. */
  firstEventDelayMs?: number;
  /** Wait between events, in ms. Defaults to 0. */
  intervalMs?: number;
  /** Awaited before event `index` (0-based) is sent. */
  beforeEvent?: (index: number, request: RecordedRequest) => void | Promise<void>;
}

/** How one streamed answer went. */
export interface StreamRecord {
  request: RecordedRequest;
  /** Events written so far. */
  eventsSent: number;
  /** `open` while it runs; `client-closed` when the client went away before the end. */
  outcome: 'open' | 'completed' | 'client-closed' | 'cut' | 'error-event';
  /** Settles when the stream is over (any outcome). */
  ended: Promise<StreamRecord>;
}

/** Which requests a queued fault applies to. */
export interface FaultOptions {
  /** How many matching requests get the fault. Defaults to 1; `Infinity` for all. */
  times?: number;
  /** Only requests this returns true for (e.g. the submit call, not the polls). */
  match?: (request: RecordedRequest) => boolean;
}

/**
 * A simulator's answer. Set `json` for a JSON body, `body` for text or bytes, or `events` for a
 * `text/event-stream` answer sent event by event (see {@link StreamTiming}).
 */
export interface SimulatorReply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string | Uint8Array;
  events?: readonly SimulatorEvent[];
}

/** What a handler may use besides the request. */
export interface SimulatorContext {
  /** Base URL of the simulator, e.g. `http://127.0.0.1:53211`. */
  url: string;
  /** Serves `bytes` from this simulator and returns the absolute URL (result downloads). */
  hostFile(bytes: Uint8Array, contentType: string, extension?: string): string;
}

/** Builds the API's own error body. */
export type ErrorBodyBuilder = (status: number, message: string, code: string | null) => unknown;

/** Settings of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Shown in errors (`openai`, `gemini`, …). */
  name: string;
  /** The API: answers one recorded request. A throw becomes a 500 in the API's error shape. */
  handle: (request: RecordedRequest, context: SimulatorContext) => SimulatorReply | Promise<SimulatorReply>;
  /** The API's error body, used by faults and by unexpected failures. */
  errorBody: ErrorBodyBuilder;
  /** Headers added to every answer, faults included (request ids and the like). */
  responseHeaders?: (request: RecordedRequest) => Record<string, string>;
  /** Path under which hosted files are served. Defaults to `/sim-files`. */
  filesPath?: string;
}

/**
 * Picks the fault (or none) for each request that neither the `x-simulator-fault` header nor a
 * queued fault already decides; e.g. a seeded mix of faults for a soak test.
 */
export type FaultPolicy = (request: RecordedRequest) => Fault | undefined;

/** A running simulator. */
export interface Simulator {
  readonly name: string;
  /** Base URL, without a trailing slash and without any API version path. */
  readonly url: string;
  /** Every request received, in order, including rejected and faulted ones. */
  readonly requests: RecordedRequest[];
  /** The most recent request; throws when there is none. */
  lastRequest(): RecordedRequest;
  /** Queues a fault for the next matching request(s). */
  injectFault(fault: Fault, options?: FaultOptions): void;
  clearFaults(): void;
  /** Sets (or with `undefined` removes) the policy consulted for requests no other fault decides. */
  setFaultPolicy(policy: FaultPolicy | undefined): void;
  /** Client connections open now, and how many of them carry a request not yet answered. */
  connections(): { open: number; busy: number };
  /** Forgets recorded requests, queued faults and the fault policy (hosted files stay downloadable). */
  reset(): void;
  /** The API's own error body (for custom `status` faults). */
  errorBody: ErrorBodyBuilder;
  /** Every streamed answer, in order, with how it went. */
  readonly streams: StreamRecord[];
  /** Sets when streamed answers send their events (for later requests and streams under way). */
  setStreamTiming(timing: StreamTiming): void;
  /** Stops the server, closing every connection and pending delay. */
  close(): Promise<void>;
}

/**
 * Request header that selects a fault for that one request (`status=503`, `rate-limit=2`,
 * `delay=500`, `hang`, `reset`, `malformed-json`, `truncated-body`, `stalled-body`, `garbage`,
 * `stream-cut=1`, `stream-error=1`).
 */
export const FAULT_HEADER = 'x-simulator-fault';

const DEFAULT_FAULT_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  403: 'permission_denied',
  404: 'not_found',
  409: 'conflict',
  422: 'unprocessable_entity',
  429: 'rate_limit_exceeded',
};

// Cut mid-string, the way a dropped proxy connection or a buggy upstream would cut it.
const MALFORMED_JSON = '{"created":1767225600,"data":[{"b64_json":"iVBORw0KGgoAAAANSUhEUgAA';
// What a broken middlebox or a corrupted buffer might hand over: not JSON, not even UTF-8.
const GARBAGE = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x7b, 0xc3, 0x28, 0x9d, 0x00, 0x22]);
const ARGUMENTLESS_FAULTS = new Set([
  'hang',
  'reset',
  'malformed-json',
  'truncated-body',
  'stalled-body',
  'garbage',
]);

/**
 * Parses an `x-simulator-fault` header value into a fault.
 *
 * @example
 * ```ts
 * parseFaultHeader('rate-limit=2'); // { type: 'rate-limit', retryAfterSeconds: 2 }
 * ```
 */
export function parseFaultHeader(value: string): Fault | undefined {
  const [name = '', argument] = value.trim().split('=', 2);
  const number = argument === undefined ? undefined : Number(argument);
  const valid = number === undefined || (Number.isFinite(number) && number >= 0);
  if (!valid) return undefined;
  if (name === 'status' && number !== undefined && number >= 100 && number <= 599)
    return { type: 'status', status: number };
  if (name === 'rate-limit') return { type: 'rate-limit', retryAfterSeconds: number };
  if (name === 'delay' && number !== undefined) return { type: 'delay', ms: number };
  if (ARGUMENTLESS_FAULTS.has(name) && argument === undefined) return { type: name } as Fault;
  if (name === 'stream-cut' && number !== undefined) return { type: 'stream-cut', afterEvents: number };
  if (name === 'stream-error' && number !== undefined) return { type: 'stream-error', afterEvents: number };
  return undefined;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
  match?: (request: RecordedRequest) => boolean;
}

/**
 * Starts a simulator on 127.0.0.1 on a free port.
 *
 * @example
 * ```ts
 * const sim = await startSimulator({
 *   name: 'echo',
 *   handle: (request) => ({ status: 200, json: { path: request.path } }),
 *   errorBody: (status, message, code) => ({ error: { message, code } }),
 * });
 * sim.injectFault({ type: 'status', status: 503 });
 * await fetch(`${sim.url}/anything`); // 503
 * await sim.close();
 * ```
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const requests: RecordedRequest[] = [];
  const faults: QueuedFault[] = [];
  let policy: FaultPolicy | undefined;
  const sockets = new Set<Socket>();
  const busy = new Map<Socket, number>();
  const pendingDelays = new Set<() => void>();
  const files = new Map<string, { bytes: Uint8Array; contentType: string }>();
  const filesPath = (options.filesPath ?? '/sim-files').replace(/\/+$/, '');
  const streams: StreamRecord[] = [];
  const streamFaults = new WeakMap<
    RecordedRequest,
    Extract<Fault, { type: 'stream-cut' | 'stream-error' }>
  >();
  let streamTiming: StreamTiming = {};
  let baseUrl = '';
  let closed: Promise<void> | undefined;

  const context: SimulatorContext = {
    get url() {
      return baseUrl;
    },
    hostFile(bytes, contentType, extension = contentType.split('/')[1] ?? 'bin') {
      const id = `${randomUUID()}.${extension}`;
      files.set(id, { bytes, contentType });
      return `${baseUrl}${filesPath}/${id}`;
    },
  };

  function takeFault(request: RecordedRequest): Fault | 'invalid-header' | undefined {
    const header = request.headers[FAULT_HEADER];
    if (header !== undefined) return parseFaultHeader(header) ?? 'invalid-header';
    const index = faults.findIndex((queued) => queued.match?.(request) ?? true);
    const queued = faults[index];
    if (!queued) return policy?.(request);
    queued.remaining -= 1;
    if (queued.remaining <= 0) faults.splice(index, 1);
    return queued.fault;
  }

  /** Waits `ms` (forever when undefined), or until the client gives up or the simulator closes. */
  function wait(ms: number | undefined, response: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        pendingDelays.delete(finish);
        response.off('close', finish);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(finish, ms);
      pendingDelays.add(finish);
      // A client that gave up (timeout, abort) ends the wait at once.
      response.once('close', finish);
    });
  }

  function errorReply(status: number, message: string, code: string | null): SimulatorReply {
    return { status, json: options.errorBody(status, message, code) };
  }

  type ReplyFault = Extract<Fault, { type: 'status' | 'rate-limit' | 'malformed-json' | 'garbage' }>;
  function faultReply(fault: ReplyFault): SimulatorReply {
    if (fault.type === 'status') {
      const message = `Simulated fault: HTTP ${fault.status}.`;
      const code = DEFAULT_FAULT_CODES[fault.status] ?? null;
      const json = fault.body ?? options.errorBody(fault.status, message, code);
      return { status: fault.status, headers: fault.headers, json };
    }
    if (fault.type === 'rate-limit') {
      const seconds = fault.retryAfterSeconds ?? 1;
      return {
        ...errorReply(429, 'Rate limit reached (simulated). Please try again later.', 'rate_limit_exceeded'),
        headers: { 'retry-after': String(seconds) },
      };
    }
    const body = fault.type === 'garbage' ? GARBAGE : MALFORMED_JSON;
    return { status: 200, headers: { 'content-type': 'application/json' }, body };
  }

  /** The answer, and how to cut it short (the body faults); `null` when nothing is to be sent. */
  async function answer(
    request: RecordedRequest,
    response: ServerResponse,
  ): Promise<{ reply: SimulatorReply; cut?: 'truncated-body' | 'stalled-body' } | null> {
    const fault = takeFault(request);
    const type = typeof fault === 'object' ? fault.type : undefined;
    if (type === 'hang') {
      await wait(undefined, response);
      return null;
    }
    const cut = type === 'truncated-body' || type === 'stalled-body' ? type : undefined;
    const reply = await answerWith(cut ? undefined : fault, request, response);
    return reply && { reply, cut };
  }

  async function answerWith(
    fault: Fault | 'invalid-header' | undefined,
    request: RecordedRequest,
    response: ServerResponse,
  ): Promise<SimulatorReply | null> {
    if (fault === 'invalid-header') {
      return errorReply(400, `${FAULT_HEADER}: unknown fault "${request.headers[FAULT_HEADER]}"`, null);
    }
    if (fault?.type === 'reset') {
      response.socket?.destroy();
      return null;
    }
    if (fault?.type === 'delay') {
      await wait(fault.ms, response);
      if (response.destroyed || closed) return null;
    } else if (fault?.type === 'stream-cut' || fault?.type === 'stream-error') {
      streamFaults.set(request, fault);
    } else if (fault) {
      return faultReply(fault as ReplyFault);
    }
    if (request.method === 'GET' && request.path.startsWith(`${filesPath}/`)) {
      const file = files.get(request.path.slice(filesPath.length + 1));
      if (!file) return errorReply(404, `No such file: ${request.path}`, 'not_found');
      return { status: 200, headers: { 'content-type': file.contentType }, body: file.bytes };
    }
    try {
      return await options.handle(request, context);
    } catch (error) {
      return errorReply(500, `${options.name} simulator failed: ${(error as Error).message}`, null);
    }
  }

  function send(
    request: RecordedRequest,
    response: ServerResponse,
    reply: SimulatorReply,
    cut?: 'truncated-body' | 'stalled-body',
  ): void {
    if (response.destroyed) return;
    if (reply.events) {
      void sendEvents(request, response, reply as SimulatorReply & { events: readonly SimulatorEvent[] });
      return;
    }
    const body =
      reply.json !== undefined ? Buffer.from(JSON.stringify(reply.json)) : Buffer.from(reply.body ?? '');
    const headers: Record<string, string> = {
      ...(reply.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.responseHeaders?.(request),
      ...reply.headers,
      'content-length': String(body.length),
    };
    response.writeHead(reply.status, headers);
    if (!cut) {
      response.end(body);
      return;
    }
    // Headers and half the body go out; then the connection drops, or just stops sending.
    const half = body.subarray(0, Math.floor(body.length / 2));
    response.write(half, () => {
      if (cut === 'truncated-body') response.socket?.destroy();
    });
  }

  async function sendEvents(
    request: RecordedRequest,
    response: ServerResponse,
    reply: SimulatorReply & { events: readonly SimulatorEvent[] },
  ): Promise<void> {
    const fault = streamFaults.get(request);
    streamFaults.delete(request);
    let settle!: (record: StreamRecord) => void;
    const record: StreamRecord = {
      request,
      eventsSent: 0,
      outcome: 'open',
      ended: new Promise((resolve) => {
        settle = resolve;
      }),
    };
    streams.push(record);
    const end = (outcome: StreamRecord['outcome']) => {
      if (record.outcome !== 'open') return;
      record.outcome = outcome;
      settle(record);
    };
    response.once('close', () => end(response.writableFinished ? 'completed' : 'client-closed'));
    response.writeHead(reply.status, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...options.responseHeaders?.(request),
      ...reply.headers,
    });
    // Headers go out at once, as a streaming API sends them before its first event.
    response.flushHeaders();
    const frame = (event: string, data: unknown) => `event: ${event}
data: ${JSON.stringify(data)}

`;
    for (const [index, event] of reply.events.entries()) {
      if (fault?.afterEvents === index) {
        if (fault.type === 'stream-cut') {
          end('cut');
          response.socket?.destroy();
          return;
        }
        const message = fault.message ?? 'Simulated fault: the stream failed.';
        response.end(
          frame('error', {
            type: 'error',
            ...(options.errorBody(500, message, fault.code ?? 'server_error') as object),
          }),
        );
        end('error-event');
        return;
      }
      const delay = index === 0 ? (streamTiming.firstEventDelayMs ?? 0) : (streamTiming.intervalMs ?? 0);
      if (delay > 0) await wait(delay, response);
      await streamTiming.beforeEvent?.(index, request);
      if (response.destroyed || closed) return end('client-closed');
      // Written out before the next step, so a cut after it really comes after it.
      await new Promise<void>((resolve) => response.write(frame(event.event, event.data), () => resolve()));
      record.eventsSent += 1;
    }
    response.end();
  }

  async function onRequest(message: IncomingMessage, response: ServerResponse): Promise<void> {
    let request: RecordedRequest;
    try {
      request = await recordRequest(message);
    } catch {
      response.socket?.destroy();
      return;
    }
    requests.push(request);
    const answered = await answer(request, response);
    if (answered) send(request, response, answered.reply, answered.cut);
  }

  const server = createServer((message, response) => {
    const socket = message.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      if (left > 0) busy.set(socket, left);
      else busy.delete(socket);
    });
    void onRequest(message, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    name: options.name,
    url: baseUrl,
    requests,
    errorBody: options.errorBody,
    lastRequest() {
      const last = requests.at(-1);
      if (!last) throw new Error(`${options.name} simulator: no request received yet`);
      return last;
    },
    injectFault(fault, faultOptions = {}) {
      faults.push({ fault, remaining: faultOptions.times ?? 1, match: faultOptions.match });
    },
    clearFaults() {
      faults.length = 0;
    },
    setFaultPolicy(next) {
      policy = next;
    },
    connections() {
      return { open: sockets.size, busy: busy.size };
    },
    streams,
    setStreamTiming(timing) {
      streamTiming = timing;
    },
    reset() {
      requests.length = 0;
      faults.length = 0;
      policy = undefined;
      streams.length = 0;
      streamTiming = {};
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const finish of [...pendingDelays]) finish();
        // Keep-alive sockets would hold the process (and jest) open.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
