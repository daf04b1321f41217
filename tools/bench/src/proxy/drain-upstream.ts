/**
 * The benchmark's upstream, run in its own process: an OpenAI-shaped `POST …/images/edits` that
 * only drains the request body (no multipart parsing) and answers at once with a fixed body, so
 * that the cost measured is the client's and the proxy's, not the upstream's. Paths under
 * `/stream/` answer as an OpenAI image stream instead: two partial images, then the completed
 * image, the first `FIRST_EVENT_MS` after the body arrived and the others `BETWEEN_EVENTS_MS` apart.
 *
 * It reports `{ port }` over IPC once listening, and answers `'stats'` messages with what it
 * received since the last one (requests, body bytes, requests refused for a wrong key).
 * @module
 */
import { createServer } from 'node:http';
import { createPng } from '@retouch/testing';
import { BETWEEN_EVENTS_MS, FIRST_EVENT_MS, UPSTREAM_KEY, type UpstreamStats } from './protocol.js';

const b64 = createPng(8, 8).toString('base64');
const echo = { background: 'opaque', output_format: 'png', quality: 'low', size: '1024x1024' };
const usage = {
  input_tokens: 600,
  output_tokens: 272,
  total_tokens: 872,
  input_tokens_details: { image_tokens: 580, text_tokens: 20 },
};
const answer = (): Buffer =>
  Buffer.from(
    JSON.stringify({ created: Math.floor(Date.now() / 1000), data: [{ b64_json: b64 }], usage, ...echo }),
  );
const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const streamFrames = (): string[] => {
  const common = { b64_json: b64, created_at: Math.floor(Date.now() / 1000), ...echo };
  return [
    frame('image_edit.partial_image', {
      type: 'image_edit.partial_image',
      ...common,
      partial_image_index: 0,
    }),
    frame('image_edit.partial_image', {
      type: 'image_edit.partial_image',
      ...common,
      partial_image_index: 1,
    }),
    frame('image_edit.completed', { type: 'image_edit.completed', ...common, usage }),
  ];
};
const refusal = Buffer.from(
  JSON.stringify({
    error: {
      message: 'Incorrect API key provided.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  }),
);

let stats: UpstreamStats = { requests: 0, bodyBytes: 0, refused: 0 };
let sequence = 0;

const server = createServer((request, response) => {
  let bytes = 0;
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  request.on('end', () => {
    stats.bodyBytes += bytes;
    const requestId = `req_bench_${++sequence}`;
    if (request.headers.authorization !== `Bearer ${UPSTREAM_KEY}`) {
      stats.refused++;
      response.writeHead(401, { 'content-type': 'application/json', 'x-request-id': requestId });
      response.end(refusal);
      return;
    }
    stats.requests++;
    if (!request.url?.startsWith('/stream/')) {
      const body = answer();
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': body.length,
        'x-request-id': requestId,
      });
      response.end(body);
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-request-id': requestId,
    });
    const frames = streamFrames();
    const next = (index: number) => {
      if (response.destroyed) return;
      const last = index === frames.length - 1;
      if (last) response.end(frames[index]);
      else {
        response.write(frames[index]);
        setTimeout(next, BETWEEN_EVENTS_MS, index + 1);
      }
    };
    setTimeout(next, FIRST_EVENT_MS, 0);
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;

process.on('message', (message) => {
  if (message === 'stats') {
    process.send?.({ stats });
    stats = { requests: 0, bodyBytes: 0, refused: 0 };
  }
});
// The benchmark that started it is gone: so is the upstream.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
