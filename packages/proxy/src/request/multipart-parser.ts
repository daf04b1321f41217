/**
 * An incremental `multipart/form-data` parser (RFC 7578, RFC 2046 §5.1) fed with the chunks the
 * socket delivered. A file part's bytes are handed over as views of those chunks, never copied or
 * joined; the boundary is found with `Buffer#indexOf` (native), and a delimiter split across two
 * chunks is found by holding back at most its length. Every part is bounded as it is read: header
 * bytes, field and file sizes, counts of parts, and field-name length.
 *
 * What counts as a file follows busboy (which the proxy used before): a part with a `filename`
 * parameter, or of type `application/octet-stream`. Unlike busboy it refuses, instead of skipping,
 * a part that is not `form-data` or has no name: nothing a client sent is silently dropped.
 * @module
 */

/** Bounds of one body. */
export interface MultipartLimits {
  /** Bytes of one file part. */
  maxFileBytes: number;
  /** Bytes of one text field's value. */
  maxFieldBytes: number;
  /** Parts of any kind. */
  maxParts: number;
  /** Text fields. */
  maxFields: number;
  /** Characters of a part's name. */
  maxNameLength: number;
}

/** Why a body was refused. */
export type MultipartProblem =
  | 'malformed'
  | 'file_too_large'
  | 'field_too_large'
  | 'too_many_parts'
  | 'too_many_fields'
  | 'name_too_long';

/** A refused body: `problem` says which rule, `part` names the part where there is one. */
export class MultipartError extends Error {
  constructor(
    readonly problem: MultipartProblem,
    message: string,
    readonly part?: string,
  ) {
    super(message);
    this.name = 'MultipartError';
  }
}

/** A part's headers, as far as form data uses them. */
export interface PartHead {
  name: string;
  /** The `filename` parameter, when given (`filename*` decoded). */
  filename?: string;
  /** The part's `Content-Type`, lower-cased, without parameters; `text/plain` when absent. */
  contentType: string;
  isFile: boolean;
}

/** What the parser reports. Each may throw to refuse the body; the error is rethrown by `write`. */
export interface MultipartHandlers {
  /** A part's headers were read; its body follows. */
  partStart?(head: PartHead): void;
  field(head: PartHead, value: string): void;
  /** A file part: its bytes as views of the chunks that carried them, in order. */
  file(head: PartHead, pieces: Buffer[], byteLength: number): void;
}

/** RFC 2046 §5.1.1 `bchars`, 1 to 70 of them, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/**
 * The boundary of a `multipart/form-data` content type, or `undefined` when it has none or it is
 * not a valid RFC 2046 boundary.
 *
 * @example
 * ```ts
 * multipartBoundary('multipart/form-data; boundary=----abc'); // '----abc'
 * ```
 */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  const match = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  return boundary !== undefined && BOUNDARY.test(boundary) ? boundary : undefined;
}

/** A header block may hold this many bytes (busboy allowed 80 KiB; real clients send ~150). */
const MAX_HEADER_BYTES = 16 * 1024;
const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const SPACE = 0x20;
const TAB = 0x09;
const HEADER_END = Buffer.from('\r\n\r\n');
/** The line end after a delimiter, kept so that an empty header block is one `\r\n\r\n` search too. */
const LINE_END = Buffer.from('\r\n');

enum State {
  Preamble,
  AfterDelimiter,
  AfterDash,
  AfterCr,
  Headers,
  Body,
  Done,
}

/**
 * Parses one body. Feed it with {@link MultipartParser.write} and finish with
 * {@link MultipartParser.end}; each throws a {@link MultipartError} (or what a handler threw).
 *
 * @example
 * ```ts
 * const parser = new MultipartParser('----abc', limits, {
 *   field: (head, value) => console.log(head.name, value),
 *   file: (head, pieces) => console.log(head.name, Buffer.concat(pieces).length),
 * });
 * request.on('data', (chunk) => parser.write(chunk));
 * request.on('end', () => parser.end());
 * ```
 */
export class MultipartParser {
  readonly #delimiter: Buffer;
  readonly #limits: MultipartLimits;
  readonly #handlers: MultipartHandlers;
  #state = State.Preamble;
  /** The chunk's tail that may begin a delimiter the next chunk completes (a view, or a small copy). */
  #held: Buffer | undefined;
  #header: Buffer = LINE_END;
  #head: PartHead | undefined;
  #pieces: Buffer[] = [];
  #size = 0;
  #parts = 0;
  #fields = 0;

  constructor(boundary: string, limits: MultipartLimits, handlers: MultipartHandlers) {
    // The body is read as if it began with a line end, so the first delimiter is found like the others.
    this.#delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.#held = this.#delimiter.subarray(0, 2);
    this.#limits = limits;
    this.#handlers = handlers;
  }

  /** Parses the next chunk of the body. */
  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.#state) {
        case State.Preamble:
        case State.Body:
          at = this.#scan(chunk, at);
          break;
        case State.AfterDelimiter:
        case State.AfterDash:
        case State.AfterCr:
          at = this.#afterDelimiter(chunk, at);
          break;
        case State.Headers:
          at = this.#headers(chunk, at);
          break;
        case State.Done:
          // The epilogue: ignored, as RFC 2046 says.
          return;
      }
    }
  }

  /** The body ended: throws unless its closing delimiter was read. */
  end(): void {
    if (this.#state !== State.Done) {
      throw new MultipartError(
        'malformed',
        this.#state === State.Preamble
          ? 'no part found: the body does not contain the boundary of its Content-Type'
          : 'the body ended before its closing boundary',
      );
    }
  }

  /** Looks for the next delimiter from `at`; the bytes before it are the part's (or the preamble's). */
  #scan(chunk: Buffer, at: number): number {
    const delimiter = this.#delimiter;
    const held = this.#held;
    if (held) {
      this.#held = undefined;
      const need = delimiter.length - held.length;
      const available = Math.min(need, chunk.length - at);
      if (chunk.compare(delimiter, held.length, held.length + available, at, at + available) === 0) {
        if (available === need) {
          this.#delimiterFound();
          return at + need;
        }
        // Still a prefix of the delimiter, and the chunk is used up: hold on to all of it.
        this.#held = Buffer.concat([held, chunk.subarray(at)]);
        return chunk.length;
      }
      // The held bytes begin with the delimiter's only CR: no delimiter starts later in them.
      this.#data(held);
    }
    const found = chunk.indexOf(delimiter, at);
    if (found !== -1) {
      if (found > at) this.#data(chunk.subarray(at, found));
      this.#delimiterFound();
      return found + delimiter.length;
    }
    // A delimiter may begin in the last bytes and end in the next chunk; it starts with a CR.
    let tail = chunk.indexOf(CR, Math.max(at, chunk.length - delimiter.length + 1));
    while (tail !== -1 && chunk.compare(delimiter, 0, chunk.length - tail, tail) !== 0) {
      tail = chunk.indexOf(CR, tail + 1);
    }
    const end = tail === -1 ? chunk.length : tail;
    if (end > at) this.#data(chunk.subarray(at, end));
    if (tail !== -1) this.#held = chunk.subarray(tail);
    return chunk.length;
  }

  #data(piece: Buffer): void {
    if (this.#state !== State.Body) return;
    const head = this.#head as PartHead;
    this.#size += piece.length;
    const limit = head.isFile ? this.#limits.maxFileBytes : this.#limits.maxFieldBytes;
    if (this.#size > limit) {
      throw new MultipartError(
        head.isFile ? 'file_too_large' : 'field_too_large',
        `${head.name}: larger than ${limit} bytes`,
        head.name,
      );
    }
    this.#pieces.push(piece);
  }

  #delimiterFound(): void {
    if (this.#state === State.Body) {
      const head = this.#head as PartHead;
      const pieces = this.#pieces;
      this.#pieces = [];
      this.#head = undefined;
      if (head.isFile) this.#handlers.file(head, pieces, this.#size);
      else this.#handlers.field(head, Buffer.concat(pieces, this.#size).toString('utf8'));
    }
    this.#state = State.AfterDelimiter;
  }

  /** After a delimiter: `--` (the last one), or transport padding and a line end (a part follows). */
  #afterDelimiter(chunk: Buffer, at: number): number {
    for (let i = at; i < chunk.length; i++) {
      const byte = chunk[i];
      const state = this.#state;
      if (state === State.AfterDash && byte === DASH) {
        this.#state = State.Done;
        return chunk.length;
      }
      if (state === State.AfterCr && byte === LF) {
        this.#state = State.Headers;
        this.#header = LINE_END;
        return i + 1;
      }
      if (state === State.AfterDelimiter && byte === DASH) this.#state = State.AfterDash;
      else if (state === State.AfterDelimiter && byte === CR) this.#state = State.AfterCr;
      else if (state !== State.AfterDelimiter || (byte !== SPACE && byte !== TAB)) {
        throw new MultipartError('malformed', 'a boundary is not followed by a line end or "--"');
      }
    }
    return chunk.length;
  }

  #headers(chunk: Buffer, at: number): number {
    if (this.#header === LINE_END) {
      // Usually the whole block is in this chunk: read it there, without copying.
      if (chunk[at] === CR && chunk[at + 1] === LF) {
        this.#startPart('');
        return at + 2;
      }
      const end = chunk.indexOf(HEADER_END, at);
      if (end !== -1 && end - at <= MAX_HEADER_BYTES) {
        this.#startPart(chunk.toString('utf8', at, end));
        return end + HEADER_END.length;
      }
    }
    return this.#headersAcrossChunks(chunk, at);
  }

  #headersAcrossChunks(chunk: Buffer, at: number): number {
    const room = MAX_HEADER_BYTES + HEADER_END.length - this.#header.length;
    const take = chunk.subarray(at, Math.min(chunk.length, at + Math.max(room, 0)));
    const joined = Buffer.concat([this.#header, take]);
    // The end can only be where the new bytes make it: look from just before them.
    const end = joined.indexOf(HEADER_END, Math.max(0, this.#header.length - 3));
    if (end === -1) {
      if (joined.length >= MAX_HEADER_BYTES + HEADER_END.length) {
        throw new MultipartError('malformed', `a part's headers are longer than ${MAX_HEADER_BYTES} bytes`);
      }
      this.#header = joined;
      return at + take.length;
    }
    const consumed = end + HEADER_END.length - this.#header.length;
    this.#startPart(joined.toString('utf8', LINE_END.length, end));
    return at + consumed;
  }

  #startPart(block: string): void {
    const head = parseHead(block);
    if (head.name.length > this.#limits.maxNameLength) {
      throw new MultipartError('name_too_long', 'a field name is too long');
    }
    if (++this.#parts > this.#limits.maxParts) {
      throw new MultipartError('too_many_parts', `more than ${this.#limits.maxParts} parts`);
    }
    if (!head.isFile && ++this.#fields > this.#limits.maxFields) {
      throw new MultipartError(
        'too_many_fields',
        `more than ${this.#limits.maxFields} text fields`,
        head.name,
      );
    }
    this.#handlers.partStart?.(head);
    this.#head = head;
    this.#size = 0;
    this.#state = State.Body;
  }
}

/** Reads a part's header block: `Content-Disposition: form-data; name=…` and `Content-Type`. */
function parseHead(block: string): PartHead {
  let disposition: string | undefined;
  let contentType: string | undefined;
  let last: 'disposition' | 'type' | undefined;
  for (const line of block === '' ? [] : block.split('\r\n')) {
    // An obsolete folded line continues the header before it (RFC 5322 §3.2.2).
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === 'disposition') disposition += ` ${line.trim()}`;
      else if (last === 'type') contentType += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new MultipartError(
        'malformed',
        `a part has a header line without a name: ${JSON.stringify(line.slice(0, 40))}`,
      );
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    last = undefined;
    if (name === 'content-disposition' && disposition === undefined) {
      disposition = value;
      last = 'disposition';
    } else if (name === 'content-type' && contentType === undefined) {
      contentType = value;
      last = 'type';
    }
  }
  if (disposition === undefined) {
    throw new MultipartError('malformed', 'a part has no Content-Disposition header');
  }
  const [kind, params] = parseParameters(disposition);
  if (kind !== 'form-data') {
    throw new MultipartError(
      'malformed',
      `a part's Content-Disposition is ${JSON.stringify(kind)}, not form-data`,
    );
  }
  const name = params.get('name');
  if (name === undefined || /[\r\n]/.test(name)) {
    throw new MultipartError('malformed', 'a part has no name (Content-Disposition: form-data; name="…")');
  }
  const filename = params.get('filename*') ?? params.get('filename');
  const type = contentType ? parseParameters(contentType)[0] || 'text/plain' : 'text/plain';
  return {
    name,
    filename: filename === undefined ? undefined : baseName(filename),
    contentType: type,
    isFile: filename !== undefined || type === 'application/octet-stream',
  };
}

/** `form-data; name="a"; filename*=UTF-8''b%20c` → `['form-data', { name: 'a', 'filename*': 'b c' }]`. */
function parseParameters(value: string): [string, Map<string, string>] {
  const params = new Map<string, string>();
  const semicolon = value.indexOf(';');
  const kind = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  let i = semicolon === -1 ? value.length : semicolon + 1;
  while (i < value.length) {
    const eq = value.indexOf('=', i);
    if (eq === -1) break;
    const key = value.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    while (value[j] === ' ' || value[j] === '\t') j++;
    let text = '';
    if (value[j] === '"') {
      j++;
      const close = value.indexOf('"', j);
      const slash = value.indexOf('\\', j);
      if (close !== -1 && (slash === -1 || slash > close)) {
        // The usual case: no quoted-pair, the value as it is.
        text = value.slice(j, close);
        j = close;
      } else {
        while (j < value.length && value[j] !== '"') {
          // A quoted-pair: the next character as it is.
          if (value[j] === '\\' && j + 1 < value.length) j++;
          text += value[j];
          j++;
        }
      }
      j = value.indexOf(';', j);
    } else {
      const end = value.indexOf(';', j);
      text = value.slice(j, end === -1 ? value.length : end).trim();
      j = end;
    }
    if (key.endsWith('*')) text = decodeExtended(text);
    if (!params.has(key)) params.set(key, text);
    if (j === -1) break;
    i = j + 1;
  }
  return [kind, params];
}

/** RFC 8187 `charset'language'percent-encoded`; only UTF-8 and ISO-8859-1 are decoded. */
function decodeExtended(text: string): string {
  const match = /^([^']*)'[^']*'(.*)$/.exec(text);
  if (!match) return text;
  const bytes = Buffer.from(
    (match[2] ?? '').replace(/%([0-9A-Fa-f]{2})|[^%]/g, (m, hex: string | undefined) =>
      hex ? String.fromCharCode(Number.parseInt(hex, 16)) : m,
    ),
    'latin1',
  );
  return bytes.toString(/^iso-8859-1$/i.test(match[1] ?? '') ? 'latin1' : 'utf8');
}

/** The file's own name, without a client's path (as busboy keeps it). */
function baseName(filename: string): string {
  const slash = Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\'));
  return slash === -1 ? filename : filename.slice(slash + 1);
}
