import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APIConnectionError, APIUserAbortError, RateLimitError, type RetouchError } from './errors.js';
import { createProviderHttp } from './http.js';
import { formatServerSentEvent, readServerSentEvents, type ServerSentEvent } from './sse.js';

function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function all(events: AsyncIterable<ServerSentEvent>): Promise<ServerSentEvent[]> {
  const out: ServerSentEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('readServerSentEvents', () => {
  it('reads events split anywhere across chunks, multi-byte characters included', async () => {
    const text = `${formatServerSentEvent('a', { x: 'é✓' })}: keep-alive\n\n${formatServerSentEvent('b', { y: 2 })}`;
    const bytes = new TextEncoder().encode(text);
    // One byte per chunk: every boundary, inside a UTF-8 sequence too.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    });
    expect(await all(readServerSentEvents(body))).toEqual([
      { event: 'a', data: '{"x":"é✓"}' },
      { event: 'b', data: '{"y":2}' },
    ]);
  });

  it('drops an event cut off before its blank line, and data-only events have no name', async () => {
    expect(await all(readServerSentEvents(bodyOf(['data: 1\n\n', 'event: cut\ndata: {"partial"'])))).toEqual([
      { data: '1' },
    ]);
  });

  it('refuses an event larger than maxEventChars', async () => {
    const events = readServerSentEvents(bodyOf([`data: ${'x'.repeat(100)}`]), { maxEventChars: 50 });
    await expect(all(events)).rejects.toMatchObject({ type: 'max-buffer-size-exceeded' });
  });

  it('cancels the body when the reader leaves early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: tick\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readServerSentEvents(body)) {
      expect(event.data).toBe('tick');
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('ProviderHttp.postFormForEvents', () => {
  let server: Server;
  let base: string;
  /** The response of the request being served, so a test can write its events one at a time. */
  let pending: ((res: ServerResponse) => void) | undefined;
  let closedEarly = 0;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      for await (const _chunk of req) {
        // Drain the upload.
      }
      res.once('close', () => {
        if (!res.writableFinished) closedEarly += 1;
      });
      if (req.url === '/limited') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
        res.end(JSON.stringify({ error: { message: 'slow down', code: 'rate_limit_exceeded' } }));
        return;
      }
      if (req.url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_json' });
        res.end(JSON.stringify({ data: [] }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_sse' });
      res.flushHeaders();
      pending?.(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const http = () => createProviderHttp({ provider: 'test', baseURL: base, headers: () => ({}) });
  const form = () => {
    const f = new FormData();
    f.append('stream', 'true');
    return f;
  };

  it('resolves at the headers and yields each event as the server writes it', async () => {
    let res!: ServerResponse;
    pending = (r) => {
      res = r;
      r.write(formatServerSentEvent('one', { n: 1 }));
    };
    const answer = await http().postFormForEvents('/stream', form(), {
      signal: new AbortController().signal,
    });
    expect(answer.requestId).toBe('req_sse');
    if (answer.body.kind !== 'events') throw new Error('expected events');
    const iterator = answer.body.events[Symbol.asyncIterator]();
    // The second event is not written yet: the first must arrive on its own.
    expect((await iterator.next()).value).toEqual({ event: 'one', data: '{"n":1}' });
    res.end(formatServerSentEvent('two', { n: 2 }));
    expect((await iterator.next()).value).toEqual({ event: 'two', data: '{"n":2}' });
    expect((await iterator.next()).done).toBe(true);
  });

  it('an error status throws as for postForm; a JSON answer comes back as json', async () => {
    const signal = new AbortController().signal;
    const error = await http()
      .postFormForEvents('/limited', form(), { signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(3000);
    const answer = await http().postFormForEvents('/json', form(), { signal });
    expect(answer.body).toEqual({ kind: 'json', json: { data: [] } });
  });

  it('a connection cut mid-stream is an APIConnectionError that reached the upstream', async () => {
    pending = (r) => {
      r.write(formatServerSentEvent('one', {}));
      setImmediate(() => r.socket?.destroy());
    };
    const answer = await http().postFormForEvents('/stream', form(), {
      signal: new AbortController().signal,
    });
    if (answer.body.kind !== 'events') throw new Error('expected events');
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of answer.body.kind === 'events' ? answer.body.events : [])
        seen.push(event.event ?? '');
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['one']);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as RetouchError).reachedUpstream).toBe(true);
  });

  it('an abort mid-stream ends the read with APIUserAbortError and closes the connection', async () => {
    pending = (r) => r.write(formatServerSentEvent('one', {}));
    const before = closedEarly;
    const controller = new AbortController();
    const answer = await http().postFormForEvents('/stream', form(), { signal: controller.signal });
    if (answer.body.kind !== 'events') throw new Error('expected events');
    const iterator = answer.body.events[Symbol.asyncIterator]();
    await iterator.next();
    const read = iterator.next();
    controller.abort();
    await expect(read).rejects.toBeInstanceOf(APIUserAbortError);
    await new Promise<void>((resolve) => {
      const check = () => (closedEarly > before ? resolve() : setImmediate(check));
      check();
    });
    expect(closedEarly).toBe(before + 1);
  });
});
