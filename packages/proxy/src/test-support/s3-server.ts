/**
 * Test support (not built, not exported): a local S3-compatible server that checks SigV4 as S3
 * does. s3rver stores and serves the objects but does not verify V4 signatures, so a loopback front
 * verifies each request with `@retouch/testing`'s `verifySigV4` (the credential scope, the clock,
 * the signature over method, path, query, signed headers and the body's SHA-256) and refuses a bad
 * one with S3's `SignatureDoesNotMatch`, before forwarding it.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, type SigV4Failure, verifySigV4 } from '@retouch/testing';
import S3rver from 's3rver';

/** s3rver's built-in account: the only access key it knows. */
export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';
export const S3_REGION = 'us-east-1';

/** One request the front saw, and whether its signature held. */
export interface S3Exchange {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  bodyBytes: number;
  refused?: SigV4Failure;
}

export interface S3TestServer {
  /** The endpoint clients use (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly bucket: string;
  readonly exchanges: S3Exchange[];
  /** Objects stored under `prefix`, by key. */
  objectKeys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const xmlEscape = (text: string) =>
  text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] ?? c);

/**
 * Starts s3rver with one bucket and the verifying front.
 *
 * @example
 * ```ts
 * const s3 = await startS3TestServer();
 * // endpoint: s3.url, forcePathStyle: true, credentials S3RVER / S3RVER, region us-east-1
 * await s3.close();
 * ```
 */
export async function startS3TestServer(bucket = 'retouch-test'): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'retouch-s3rver-'));
  const backend = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const { port: backendPort } = await backend.run();
  const exchanges: S3Exchange[] = [];

  const front = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://front');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      contentType: (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
      rawBody: body,
    };
    const outcome = await verifySigV4(recorded, {
      credentials: [{ accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY }],
      region: S3_REGION,
      service: 's3',
    });
    const exchange: S3Exchange = {
      method: recorded.method,
      path: recorded.path,
      query: recorded.query,
      headers,
      bodyBytes: body.length,
    };
    exchanges.push(exchange);
    if ('type' in outcome) {
      exchange.refused = outcome;
      // S3 names every signature failure SignatureDoesNotMatch (or InvalidAccessKeyId), in XML.
      const code =
        outcome.type === 'UnrecognizedClientException' ? 'InvalidAccessKeyId' : 'SignatureDoesNotMatch';
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(outcome.message.split('\n')[0] ?? '')}</Message></Error>`,
      );
      return;
    }
    const forwarded = httpRequest(
      { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    forwarded.end(body);
  });
  const port = await listen(front);
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    bucket,
    exchanges,
    async objectKeys(prefix) {
      // Listing goes straight to s3rver: the test reads what was stored, not what the front saw.
      const text = await new Promise<string>((resolve, reject) => {
        const listing = httpRequest(
          { host: '127.0.0.1', port: backendPort, path: `/${bucket}?prefix=${encodeURIComponent(prefix)}` },
          async (answer) => resolve(String(await readBody(answer))),
        );
        listing.on('error', reject);
        listing.end();
      });
      return [...text.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1] as string);
    },
    async close() {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await backend.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
