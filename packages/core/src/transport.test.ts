/**
 * The upstream client on a real loopback server: keep-alive reuse, idle sockets closed, bodies in
 * pieces, aborts that reach the socket while the upload is still being written, cut answers.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sendUpstream } from './transport.js';

let server: Server;
let base: string;
const sockets = new Set<Socket>();
let connections = 0;
let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  // The keep-alive hint the client honours: it closes idle sockets a second before the server would.
  server.keepAliveTimeout = 2_000;
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const echo = (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': 'application/json', 'x-seen': String(body.length) });
    res.end(
      JSON.stringify({
        length: body.length,
        head: body.subarray(0, 8).toString(),
        type: req.headers['content-type'],
      }),
    );
  });
};

const post = (body: Parameters<typeof sendUpstream>[1]['body'], signal = new AbortController().signal) =>
  sendUpstream(`${base}/x`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body,
    signal,
  });

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

it('sends a body in pieces with its content length, and reuses one keep-alive socket', async () => {
  handler = echo;
  await until(() => sockets.size === 0);
  const before = connections;
  const pieces = [Buffer.from('head:'), new Uint8Array(100_000).fill(65), Buffer.from(':tail')];
  for (let i = 0; i < 3; i++) {
    const response = await post(pieces);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-seen')).toBe('100010');
    expect(JSON.parse(await response.text())).toEqual({
      length: 100_010,
      head: 'head:AAA',
      type: 'text/plain',
    });
  }
  expect(connections - before).toBe(1);
  // Idle, the socket is closed by the client before the server's keep-alive timeout.
  await until(() => sockets.size === 0);
  expect(sockets.size).toBe(0);
});

it('reads bytes and text once, and a web stream body', async () => {
  handler = echo;
  const bytes = new Uint8Array(await (await post('abc')).arrayBuffer());
  expect(JSON.parse(Buffer.from(bytes).toString())).toMatchObject({ length: 3 });
  const streamed = await post(Buffer.from('abcd'));
  const reader = streamed.body?.getReader();
  const first = await reader?.read();
  expect(Buffer.from(first?.value ?? []).toString()).toContain('"length":4');
});

it('an abort while the upload is still being written destroys the socket at once', async () => {
  let received = 0;
  let closed = false;
  let upload: IncomingMessage | undefined;
  handler = (req) => {
    // Not read yet: the client's upload is stuck in the socket buffers.
    req.pause();
    upload = req;
    req.once('close', () => {
      closed = true;
    });
    req.on('data', (c: Buffer) => {
      received += c.length;
    });
  };
  const controller = new AbortController();
  const pending = post([new Uint8Array(32 * 1024 * 1024)], controller.signal).catch((e: unknown) => e);
  await until(() => upload !== undefined);
  controller.abort(new Error('stop'));
  expect(await pending).toHaveProperty('message', 'stop');
  // Reading on, the server finds the connection gone before the upload's end.
  upload?.resume();
  await until(() => closed);
  expect(closed).toBe(true);
  expect(received).toBeLessThan(32 * 1024 * 1024);
  expect(upload?.complete).toBe(false);
});

it('a body cut before its end rejects when read, with ECONNRESET', async () => {
  handler = (_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial', () => res.socket?.destroy());
  };
  const response = await post('x');
  await expect(response.text()).rejects.toMatchObject({ code: 'ECONNRESET' });
});

it('refuses what is not http(s) before sending anything', async () => {
  const signal = new AbortController().signal;
  await expect(
    sendUpstream('ftp://127.0.0.1/x', { method: 'GET', headers: {}, signal }),
  ).rejects.toMatchObject({
    code: 'ERR_INVALID_URL',
  });
  await expect(sendUpstream('not a url', { method: 'GET', headers: {}, signal })).rejects.toMatchObject({
    code: 'ERR_INVALID_URL',
  });
});
