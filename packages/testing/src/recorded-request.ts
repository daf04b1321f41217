/**
 * What a simulator remembers of each request: method, path, headers and the raw body, with
 * multipart forms (busboy) and JSON bodies already parsed so tests can assert on the wire format.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/** One file part of a multipart request. */
export interface RecordedFile {
  /** The part's field name (`image`, `image[]`, `mask`, …). */
  field: string;
  /** The part's `filename=`, when it had one. */
  filename?: string;
  /** The part's declared `Content-Type` (not sniffed). */
  contentType: string;
  bytes: Buffer;
}

/** A request as a simulator received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/images/edits`. */
  path: string;
  query: URLSearchParams;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** `Content-Type` without parameters, lower-cased (`multipart/form-data`, `application/json`, or ``). */
  contentType: string;
  rawBody: Buffer;
  /** The parsed body when the content type is JSON and the body parses. */
  json?: unknown;
  /** Text parts of a multipart body, by field name, in order. */
  fields?: Record<string, string[]>;
  /** File parts of a multipart body, in order. */
  files?: RecordedFile[];
  /** Why the body could not be parsed (bad JSON, broken multipart), when it could not. */
  parseError?: string;
}

/** Largest text part busboy keeps; prompts and JSON-in-a-field stay well under it. */
const MAX_FIELD_BYTES = 64 * 1024 * 1024;

function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

function flattenHeaders(message: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function parseMultipart(
  message: IncomingMessage,
  rawBody: Buffer,
): Promise<Pick<RecordedRequest, 'fields' | 'files' | 'parseError'>> {
  return new Promise((resolve) => {
    const fields: Record<string, string[]> = {};
    const files: RecordedFile[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: message.headers, limits: { fieldSize: MAX_FIELD_BYTES } });
    } catch (error) {
      resolve({ parseError: `multipart: ${(error as Error).message}` });
      return;
    }
    parser.on('field', (name, value) => {
      fields[name] ??= [];
      fields[name].push(value);
    });
    parser.on('file', (field, stream, info) => {
      // Pushed now, filled on 'end', so `files` keeps the order of the parts.
      const file: RecordedFile = {
        field,
        filename: info.filename || undefined,
        contentType: info.mimeType,
        bytes: Buffer.alloc(0),
      };
      files.push(file);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        file.bytes = Buffer.concat(chunks);
      });
    });
    parser.on('close', () => resolve({ fields, files }));
    parser.on('error', (error: Error) =>
      resolve({ fields, files, parseError: `multipart: ${error.message}` }),
    );
    parser.end(rawBody);
  });
}

/**
 * Reads a whole request and records it.
 *
 * @example
 * ```ts
 * const recorded = await recordRequest(incoming);
 * recorded.files?.map((file) => file.field); // ['image[]', 'image[]']
 * ```
 */
export async function recordRequest(message: IncomingMessage): Promise<RecordedRequest> {
  const rawBody = await readBody(message);
  const url = new URL(message.url ?? '/', 'http://127.0.0.1');
  const headers = flattenHeaders(message);
  const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const recorded: RecordedRequest = {
    method: message.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers,
    contentType,
    rawBody,
  };
  if (contentType === 'multipart/form-data') {
    Object.assign(recorded, await parseMultipart(message, rawBody));
  } else if (/^application\/([\w.-]+\+)?json$/.test(contentType) && rawBody.length > 0) {
    try {
      recorded.json = JSON.parse(rawBody.toString('utf8'));
    } catch (error) {
      recorded.parseError = `json: ${(error as Error).message}`;
    }
  }
  return recorded;
}
