import { describe, expect, it } from '@jest/globals';
import busboy from 'busboy';
import {
  type MultipartLimits,
  MultipartError,
  MultipartParser,
  multipartBoundary,
  type PartHead,
} from './multipart-parser.js';

const LIMITS: MultipartLimits = {
  maxFileBytes: 1 << 20,
  maxFieldBytes: 1 << 16,
  maxParts: 100,
  maxFields: 50,
  maxNameLength: 200,
};

interface Parsed {
  name: string;
  file: boolean;
  filename?: string;
  contentType?: string;
  value: string;
}

/** Parses `body` cut into `chunks` (byte lengths, cycled) with our parser. */
function parse(boundary: string, body: Buffer, chunks: readonly number[] = [body.length], limits = LIMITS) {
  const parts: Parsed[] = [];
  const parser = new MultipartParser(boundary, limits, {
    field: (head, value) => parts.push({ name: head.name, file: false, value }),
    file: (head: PartHead, pieces, length) => {
      const bytes = Buffer.concat(pieces);
      expect(bytes.length).toBe(length);
      parts.push({
        name: head.name,
        file: true,
        filename: head.filename,
        contentType: head.contentType,
        value: bytes.toString('latin1'),
      });
    },
  });
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = Math.max(1, chunks[i % chunks.length] as number);
    parser.write(body.subarray(at, at + size));
    at += size;
  }
  parser.end();
  return parts;
}

/** What busboy (the parser the proxy used before) reads from the same body. */
function parseWithBusboy(boundary: string, body: Buffer): Promise<Parsed[]> {
  return new Promise((resolve, reject) => {
    const parts: Parsed[] = [];
    const reader = busboy({
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      defParamCharset: 'utf8',
      limits: { fieldSize: Number.MAX_SAFE_INTEGER },
    });
    reader.on('field', (name, value) => parts.push({ name, file: false, value }));
    reader.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      const part: Parsed = {
        name,
        file: true,
        filename: info.filename,
        contentType: info.mimeType,
        value: '',
      };
      parts.push(part);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        part.value = Buffer.concat(chunks).toString('latin1');
      });
    });
    reader.on('close', () => resolve(parts));
    reader.on('error', reject);
    reader.end(body);
  });
}

interface FormPart {
  name: string;
  filename?: string;
  type?: string;
  value: Buffer;
}

function form(
  boundary: string,
  parts: readonly FormPart[],
  options: { preamble?: string; epilogue?: string } = {},
) {
  const pieces: Buffer[] = [];
  if (options.preamble !== undefined) pieces.push(Buffer.from(`${options.preamble}\r\n`));
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.type) head += `Content-Type: ${part.type}\r\n`;
    pieces.push(Buffer.from(`${head}\r\n`), part.value, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--`));
  if (options.epilogue !== undefined) pieces.push(Buffer.from(`\r\n${options.epilogue}`));
  return Buffer.concat(pieces);
}

/** A deterministic generator, so that a failure can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

const BOUNDARY = '----retouchBoundary7MA4YWxkTrZu0gW';

describe('multipart parser', () => {
  it('reads fields and files, with their names, filenames and types', () => {
    const body = form(BOUNDARY, [
      { name: 'model', value: Buffer.from('gpt-image-2') },
      { name: 'prompt', value: Buffer.from('a hat, “quoted” and ünïcode\r\nsecond line') },
      {
        name: 'image[]',
        filename: 'a.png',
        type: 'image/png',
        value: Buffer.from([0x89, 0x50, 13, 10, 45, 45]),
      },
      { name: 'mask', filename: 'dir/m.png', type: 'image/png', value: Buffer.alloc(0) },
      { name: 'upload', type: 'application/octet-stream', value: Buffer.from('raw') },
    ]);
    expect(parse(BOUNDARY, body)).toEqual([
      { name: 'model', file: false, value: 'gpt-image-2' },
      { name: 'prompt', file: false, value: 'a hat, “quoted” and ünïcode\r\nsecond line' },
      { name: 'image[]', file: true, filename: 'a.png', contentType: 'image/png', value: '\x89P\r\n--' },
      { name: 'mask', file: true, filename: 'm.png', contentType: 'image/png', value: '' },
      {
        name: 'upload',
        file: true,
        filename: undefined,
        contentType: 'application/octet-stream',
        value: 'raw',
      },
    ]);
  });

  it('finds every delimiter whatever the chunks are cut at', async () => {
    // Bytes that begin a delimiter without being one, at part ends and inside parts.
    const tricky = Buffer.from(
      `x\r\n--${BOUNDARY.slice(0, 10)}\r\r\n-\r\n--${BOUNDARY.slice(0, -1)}X--${BOUNDARY}`,
    );
    const body = form(
      BOUNDARY,
      [
        { name: 'a', value: tricky },
        { name: 'b', filename: 'b.bin', value: Buffer.concat([tricky, Buffer.from('\r')]) },
        { name: 'c', value: Buffer.from('') },
      ],
      { preamble: 'preamble with --- dashes', epilogue: 'ignored' },
    );
    const expected = await parseWithBusboy(BOUNDARY, body);
    expect(expected.map((p) => p.name)).toEqual(['a', 'b', 'c']);
    for (let cut = 1; cut < body.length; cut++) {
      expect(parse(BOUNDARY, body, [cut, body.length])).toEqual(expected);
    }
    for (const size of [1, 2, 3, 7, 13, 64]) expect(parse(BOUNDARY, body, [size])).toEqual(expected);
  });

  it('reads what busboy reads from the valid ones of 500 random forms cut into random chunks', async () => {
    let compared = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const rng = random(seed);
      const boundary = `b${'-'.repeat(rng.int(4))}${rng
        .next()
        .toString(36)
        .slice(2, 2 + 1 + rng.int(30))}`;
      const alphabet = [
        '\r',
        '\n',
        '-',
        'a',
        'é',
        ' ',
        `--${boundary}`,
        `\r\n--${boundary.slice(0, rng.int(boundary.length))}`,
      ];
      const parts: FormPart[] = [];
      for (let i = 0, count = 1 + rng.int(6); i < count; i++) {
        let text = '';
        for (let j = 0, n = rng.int(40); j < n; j++) text += alphabet[rng.int(alphabet.length)];
        const isFile = rng.int(2) === 0;
        parts.push({
          name: `f${i}${rng.int(2) ? '[]' : ''}`,
          filename: isFile ? `file${i}.png` : undefined,
          type: isFile ? 'image/png' : undefined,
          value: isFile
            ? Buffer.concat([
                Buffer.from(text),
                Buffer.from(Array.from({ length: rng.int(300) }, () => rng.int(256))),
              ])
            : Buffer.from(text),
        });
      }
      // A part cannot hold its delimiter (RFC 2046 §5.1.1), nor begin with the rest of it after the
      // line end that closes its headers (busboy then reads a malformed header): not a valid form.
      const delimiter = `\r\n--${boundary}`;
      if (parts.some((part) => `\r\n${part.value.toString('latin1')}`.includes(delimiter))) continue;
      const body = form(boundary, parts, rng.int(2) ? { preamble: 'p', epilogue: 'e' } : {});
      const chunks = Array.from({ length: 5 }, () => 1 + rng.int(97));
      compared++;
      expect({ seed, parts: parse(boundary, body, chunks) }).toEqual({
        seed,
        parts: await parseWithBusboy(boundary, body),
      });
    }
    expect(compared).toBeGreaterThan(250);
  });

  it('hands a file over as views of the chunks it arrived in, not a copy', () => {
    const bytes = Buffer.alloc(200_000, 7);
    const body = form(BOUNDARY, [{ name: 'image', filename: 'a.png', value: bytes }]);
    const chunks = [body.subarray(0, 65_536), body.subarray(65_536, 131_072), body.subarray(131_072)];
    let pieces: Buffer[] = [];
    const parser = new MultipartParser(BOUNDARY, LIMITS, {
      field: () => {},
      file: (_head, given) => {
        pieces = given;
      },
    });
    for (const chunk of chunks) parser.write(chunk);
    parser.end();
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
    expect(pieces.every((piece) => chunks.some((chunk) => piece.buffer === chunk.buffer))).toBe(true);
  });

  it('reads transport padding, folded and unknown headers, quoted-pairs and filename*', () => {
    const body = Buffer.from(
      [
        `--${BOUNDARY}  \t`,
        'content-disposition: form-data;',
        ' name="a\\"b"; filename*=UTF-8\'\'caf%C3%A9.png',
        'X-Other: 1',
        'Content-Type: IMAGE/PNG; charset=x',
        '',
        'bytes',
        `--${BOUNDARY}`,
        'Content-Disposition: FORM-DATA; name=plain',
        '',
        'v',
        `--${BOUNDARY}--`,
      ].join('\r\n'),
    );
    expect(parse(BOUNDARY, body)).toEqual([
      { name: 'a"b', file: true, filename: 'café.png', contentType: 'image/png', value: 'bytes' },
      { name: 'plain', file: false, value: 'v' },
    ]);
  });

  it('refuses malformed bodies instead of dropping what it cannot read', () => {
    const problem = (body: string | Buffer, chunks?: number[]) => {
      try {
        parse(BOUNDARY, Buffer.from(body), chunks);
      } catch (error) {
        expect(error).toBeInstanceOf(MultipartError);
        return (error as MultipartError).message;
      }
      throw new Error('parsed');
    };
    const head = (disposition: string) =>
      `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\nv\r\n--${BOUNDARY}--`;
    expect(problem('no boundary at all')).toMatch(/no part found/);
    expect(problem(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nv`)).toMatch(
      /ended before its closing boundary/,
    );
    expect(problem(head('attachment; name="a"'))).toMatch(/not form-data/);
    expect(problem(head('form-data; filename="a.png"'))).toMatch(/has no name/);
    expect(problem(`--${BOUNDARY}\r\n\r\nv\r\n--${BOUNDARY}--`)).toMatch(/no Content-Disposition/);
    expect(problem(`--${BOUNDARY}\r\nnot a header\r\n\r\nv\r\n--${BOUNDARY}--`)).toMatch(/without a name/);
    expect(problem(`--${BOUNDARY}x\r\n`)).toMatch(/not followed by a line end/);
    expect(problem(`--${BOUNDARY}-x`)).toMatch(/not followed by a line end/);
    const longHeader = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${'a'.repeat(20_000)}"\r\n\r\nv\r\n--${BOUNDARY}--`;
    expect(problem(longHeader)).toMatch(/longer than 16384 bytes/);
    expect(problem(longHeader, [100])).toMatch(/longer than 16384 bytes/);
  });

  it('enforces each limit while the bytes arrive, naming the part', () => {
    const limits = {
      ...LIMITS,
      maxFileBytes: 10,
      maxFieldBytes: 5,
      maxParts: 3,
      maxFields: 2,
      maxNameLength: 8,
    };
    const refused = (parts: FormPart[]) => {
      const body = form(BOUNDARY, parts);
      // Refused before the closing delimiter: the limit is checked as the part's bytes arrive.
      const parser = new MultipartParser(BOUNDARY, limits, { field: () => {}, file: () => {} });
      try {
        for (let at = 0; at < body.length - BOUNDARY.length - 4; at += 4)
          parser.write(body.subarray(at, at + 4));
      } catch (error) {
        return { problem: (error as MultipartError).problem, part: (error as MultipartError).part };
      }
      throw new Error('accepted');
    };
    const file = (name: string, bytes: number): FormPart => ({
      name,
      filename: 'x',
      value: Buffer.alloc(bytes, 1),
    });
    const field = (name: string, value: string): FormPart => ({ name, value: Buffer.from(value) });
    expect(refused([file('image', 11)])).toEqual({ problem: 'file_too_large', part: 'image' });
    expect(refused([field('prompt', 'abcdef')])).toEqual({ problem: 'field_too_large', part: 'prompt' });
    expect(refused([field('a', '1'), field('b', '2'), field('c', '3')])).toEqual({
      problem: 'too_many_fields',
      part: 'c',
    });
    expect(refused([file('a', 1), file('b', 1), file('c', 1), file('d', 1)])).toEqual({
      problem: 'too_many_parts',
      part: undefined,
    });
    expect(refused([field('long_name', '1')])).toEqual({ problem: 'name_too_long', part: undefined });
    expect(
      parse(BOUNDARY, form(BOUNDARY, [file('image', 10), field('prompt', 'abcde')]), undefined, limits),
    ).toHaveLength(2);
  });

  it('lets a handler refuse a part from its headers, before its bytes are read', () => {
    const body = form(BOUNDARY, [{ name: 'image', filename: 'a.png', value: Buffer.alloc(1000) }]);
    const files: string[] = [];
    const parser = new MultipartParser(BOUNDARY, LIMITS, {
      partStart: (head) => {
        if (head.isFile) throw new Error(`no files: ${head.name}`);
      },
      field: () => {},
      file: (head) => files.push(head.name),
    });
    expect(() => parser.write(body.subarray(0, 200))).toThrow('no files: image');
    expect(files).toEqual([]);
  });

  it('takes only RFC 2046 boundaries from the Content-Type', () => {
    expect(multipartBoundary('multipart/form-data; boundary=----abc')).toBe('----abc');
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe('a b:c');
    expect(multipartBoundary('multipart/form-data; BOUNDARY = x1 ; other=2')).toBe('x1');
    expect(multipartBoundary('multipart/form-data')).toBeUndefined();
    expect(multipartBoundary('multipart/form-data; boundary=')).toBeUndefined();
    expect(multipartBoundary(`multipart/form-data; boundary=${'a'.repeat(71)}`)).toBeUndefined();
    expect(multipartBoundary('multipart/form-data; boundary="ends in a space "')).toBeUndefined();
    expect(multipartBoundary('multipart/form-data; boundary="a\rb"')).toBeUndefined();
  });
});
