/**
 * The floor of a proxy in Node, run in its own process: `node:http` server and a keep-alive
 * `node:http` agent, nothing else. It reads each request body into the pieces the socket
 * delivered, posts them as they are to the upstream (same path and content type, the upstream's
 * key), reads the answer and sends it back. No parsing, no validation, no logging: whatever a
 * gateway does beside this, it costs on top of what this row shows.
 *
 * `process.argv[2]` is the upstream's base URL. It reports `{ port }` over IPC once listening.
 * @module
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import { UPSTREAM_KEY } from './protocol.js';

const upstream = new URL(process.argv[2] ?? 'http://127.0.0.1:1');
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const server = createServer((incoming, outgoing) => {
  const pieces: Buffer[] = [];
  incoming.on('data', (piece: Buffer) => pieces.push(piece));
  incoming.on('end', () => {
    const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
    const call = httpRequest(
      {
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method: 'POST',
        path: incoming.url,
        headers: {
          authorization: `Bearer ${UPSTREAM_KEY}`,
          'content-type': incoming.headers['content-type'] ?? 'application/octet-stream',
          'content-length': length,
        },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          outgoing.writeHead(answer.statusCode ?? 502, {
            'content-type': answer.headers['content-type'] ?? 'application/json',
            'content-length': body.length,
          });
          outgoing.end(body);
        });
      },
    );
    call.on('error', (error) => {
      outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(error.message);
    });
    for (const piece of pieces) call.write(piece);
    call.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
