import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PNG } from 'pngjs';
import { BadRequestError } from '../errors.js';
import { imageFile } from '../multipart.js';
import {
  ImageParts,
  imageByteLength,
  isImageInput,
  prepareImage,
  toBase64,
  toBlob,
  toDataUrl,
} from './prepare.js';

function png(width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  image.data.fill(200);
  return PNG.sync.write(image);
}

const PNG_8x6 = png(8, 6);
const GIF_3x2 = Uint8Array.from([...Buffer.from('GIF89a'), 3, 0, 2, 0, 0, 0, 0, 0x3b]);
const opts = { param: 'image' };

async function rejection(promise: Promise<unknown>): Promise<BadRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadRequestError);
  return error as BadRequestError;
}

let dir: string;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'retouch-prepare-'));
  server = createServer((req, res) => {
    if (req.url === '/cat.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(PNG_8x6);
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: '/cat.png' });
      res.end();
    } else {
      res.writeHead(404);
      res.end('nope');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('prepareImage: input forms', () => {
  it('reads a Buffer and keeps the very bytes', async () => {
    const image = await prepareImage(PNG_8x6, opts);
    expect(image).toMatchObject({ mediaType: 'image/png', width: 8, height: 6, hasAlpha: true });
    expect(image.filename).toBe('image.png');
    expect(image.bytes).toBe(PNG_8x6);
  });

  it('reads a plain Uint8Array', async () => {
    const image = await prepareImage(new Uint8Array(PNG_8x6), opts);
    expect(image).toMatchObject({ mediaType: 'image/png', width: 8, height: 6 });
  });

  it('reads an ArrayBuffer', async () => {
    const buffer = new Uint8Array(PNG_8x6).buffer;
    const image = await prepareImage(buffer, opts);
    expect(image).toMatchObject({ mediaType: 'image/png', width: 8, height: 6 });
    expect(image.bytes.byteLength).toBe(PNG_8x6.length);
  });

  it('reads a Blob without a name, naming it after the sniffed type', async () => {
    const image = await prepareImage(new Blob([GIF_3x2], { type: 'image/png' }), {
      param: 'image[1]',
      defaultName: 'image-2',
    });
    expect(image).toMatchObject({ mediaType: 'image/gif', width: 3, height: 2, filename: 'image-2.gif' });
  });

  it('reads a File and keeps its name', async () => {
    const image = await prepareImage(new File([PNG_8x6], 'holiday.png'), opts);
    expect(image.filename).toBe('holiday.png');
    expect(image.width).toBe(8);
  });

  it('reads fs.createReadStream and keeps the file name', async () => {
    const path = join(dir, 'from-disk.png');
    await writeFile(path, PNG_8x6);
    const image = await prepareImage(createReadStream(path), opts);
    expect(image.filename).toBe('from-disk.png');
    expect(Buffer.from(image.bytes).equals(PNG_8x6)).toBe(true);
  });

  it('reads Readable.from chunks', async () => {
    const stream = Readable.from([PNG_8x6.subarray(0, 10), PNG_8x6.subarray(10)]);
    const image = await prepareImage(stream, { param: 'mask', defaultName: 'mask' });
    expect(image).toMatchObject({ mediaType: 'image/png', width: 8, height: 6, filename: 'mask.png' });
  });

  it('reads a base64 data: URL', async () => {
    const image = await prepareImage(`data:image/png;base64,${PNG_8x6.toString('base64')}`, opts);
    expect(image).toMatchObject({ mediaType: 'image/png', width: 8, height: 6 });
  });

  it('sniffs the real type, not the one a data: URL claims', async () => {
    const image = await prepareImage(
      `data:image/jpeg;base64,${Buffer.from(GIF_3x2).toString('base64')}`,
      opts,
    );
    expect(image.mediaType).toBe('image/gif');
  });

  it('fetches an http URL when private networks are allowed, naming the file after the path', async () => {
    const image = await prepareImage(`${base}/moved`, { ...opts, remote: { allowPrivateNetwork: true } });
    expect(image).toMatchObject({ mediaType: 'image/png', width: 8, height: 6, filename: 'cat.png' });
  });

  it('refuses an http URL on 127.0.0.1 by default', async () => {
    const error = await rejection(prepareImage(`${base}/cat.png`, opts));
    expect(error.param).toBe('image');
    expect(error.message).toMatch(/private, loopback/);
  });

  it('reports a failed download as a BadRequestError naming the field', async () => {
    const error = await rejection(
      prepareImage(`${base}/missing.png`, { param: 'image[2]', remote: { allowPrivateNetwork: true } }),
    );
    expect(error.param).toBe('image[2]');
    expect(error.message).toContain('404');
  });
});

describe('prepareImage: bad input', () => {
  it('rejects an empty file', async () => {
    const error = await rejection(prepareImage(new Uint8Array(), opts));
    expect(error.code).toBe('empty_image_file');
    expect(error.param).toBe('image');
  });

  it('rejects bytes that are not an image, naming the field', async () => {
    const error = await rejection(prepareImage(Buffer.from('not an image, just text'), { param: 'mask' }));
    expect(error.status).toBe(400);
    expect(error.param).toBe('mask');
    expect(error.code).toBe('invalid_image_format');
    expect(error.message).toMatch(/^mask: /);
  });

  it.each([
    ['bytes', () => PNG_8x6],
    ['a Blob', () => new Blob([PNG_8x6])],
    ['a stream', () => Readable.from([PNG_8x6])],
    ['a data: URL', () => `data:image/png;base64,${PNG_8x6.toString('base64')}`],
  ])('rejects %s over maxBytes with 413', async (_name, make) => {
    const error = await rejection(prepareImage(make(), { param: 'image', maxBytes: 64 }));
    expect(error.status).toBe(413);
    expect(error.code).toBe('image_file_too_large');
    // The limit as set, not rounded down to "0 MiB".
    expect(error.message).toBe('image: the file is larger than 64 bytes');
  });

  it('names a limit under 1 MiB as it is (max_image_size_mb: 0.5)', async () => {
    const big = Readable.from([Buffer.alloc(600 * 1024)]);
    const error = await rejection(prepareImage(big, { param: 'mask', maxBytes: 512 * 1024 }));
    expect(error.message).toBe('mask: the file is larger than 512 KiB');
  });

  it('rejects a data: URL that is not base64, or whose payload is not base64', async () => {
    const plain = await rejection(prepareImage('data:image/png,hello', opts));
    expect(plain.code).toBe('invalid_base64_image');
    const garbage = await rejection(prepareImage('data:image/png;base64,@@@not*base64', opts));
    expect(garbage.code).toBe('invalid_base64_image');
    expect(garbage.param).toBe('image');
    const b64 = PNG_8x6.toString('base64');
    for (const bad of [`${b64.slice(0, 8)}=${b64.slice(8)}`, `${b64}===`, `${b64}=x`]) {
      expect((await rejection(prepareImage(`data:image/png;base64,${bad}`, opts))).code).toBe(
        'invalid_base64_image',
      );
    }
  });

  it('reads a base64 data: URL wrapped over lines, with its padding', async () => {
    const wrapped = (PNG_8x6.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
    const image = await prepareImage(`data:image/png;base64,${wrapped}\n`, opts);
    expect(Buffer.from(image.bytes).equals(PNG_8x6)).toBe(true);
  });

  it('refuses a plain file path with a message that says what to pass instead', async () => {
    const error = await rejection(prepareImage('./cat.png', opts));
    expect(error.message).toContain('fs.createReadStream');
    expect(error.param).toBe('image');
  });

  it('rejects a stream that fails while reading', async () => {
    const stream = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    const error = await rejection(prepareImage(stream, opts));
    expect(error.message).toContain('disk on fire');
  });

  it('rejects values that are not an image input', async () => {
    const error = await rejection(prepareImage(42 as unknown as Uint8Array, opts));
    expect(error.param).toBe('image');
  });
});

describe('isImageInput', () => {
  it('accepts every input form and nothing else', () => {
    expect(isImageInput(PNG_8x6)).toBe(true);
    expect(isImageInput(new ArrayBuffer(2))).toBe(true);
    expect(isImageInput(new Blob([]))).toBe(true);
    expect(isImageInput(Readable.from([]))).toBe(true);
    expect(isImageInput('data:image/png;base64,AA==')).toBe(true);
    expect(isImageInput(42)).toBe(false);
    expect(isImageInput({ path: 'x.png' })).toBe(false);
    expect(isImageInput(null)).toBe(false);
  });
});

describe('toBase64 / toDataUrl / toBlob', () => {
  it('encodes exactly the bytes of a view into a larger buffer', () => {
    const big = Buffer.concat([Buffer.from('xxxx'), PNG_8x6, Buffer.from('yyyy')]);
    const view = big.subarray(4, 4 + PNG_8x6.length);
    expect(toBase64({ bytes: view })).toBe(PNG_8x6.toString('base64'));
  });

  it('caches base64 per image (same string object on the second call)', async () => {
    const image = await prepareImage(new Uint8Array(PNG_8x6), opts);
    const first = toBase64(image);
    // Computed once: later changes to the bytes are not re-encoded.
    (image.bytes as Uint8Array).fill(0, 40, 60);
    expect(toBase64(image)).toBe(first);
    expect(toDataUrl(image)).toBe(`data:image/png;base64,${first}`);
  });

  it('caches the Blob per image and gives it the media type', async () => {
    const image = await prepareImage(new Uint8Array(PNG_8x6), opts);
    const blob = toBlob(image);
    expect(toBlob(image)).toBe(blob);
    expect(blob.type).toBe('image/png');
    expect(Buffer.from(await blob.arrayBuffer()).equals(PNG_8x6)).toBe(true);
  });
});

describe('images read in pieces (uploads)', () => {
  const pieces = () => {
    const file = png(64, 48);
    return [file.subarray(0, 7), file.subarray(7, 100), file.subarray(100)];
  };

  it('keeps a stream’s pieces as they are, checked from them; bytes joins them on first use', async () => {
    const parts = pieces();
    const image = await prepareImage(Readable.from(parts), opts);
    expect(image).toMatchObject({ mediaType: 'image/png', width: 64, height: 48 });
    expect(image.parts).toHaveLength(3);
    expect(image.parts?.every((part, i) => part === parts[i])).toBe(true);
    expect(imageByteLength(image)).toBe(Buffer.concat(parts).length);
    expect(Buffer.from(image.bytes).equals(Buffer.concat(parts))).toBe(true);
    expect(image.bytes).toBe(image.bytes);
    // A multipart upload sends the same pieces.
    expect(imageFile(image).bytes).toBe(image.parts);
  });

  it('checks the pieces as the whole: a cut or lying PNG is refused', async () => {
    const parts = pieces();
    const cut = [parts[0] as Buffer, parts[1] as Buffer];
    expect((await rejection(prepareImage(Readable.from(cut), opts))).code).toBe('invalid_image_format');
    const liar = Buffer.concat(parts);
    liar.writeUInt32BE(60_000, 16);
    liar.writeUInt32BE(60_000, 20);
    const error = await rejection(
      prepareImage(Readable.from([liar.subarray(0, 20), liar.subarray(20)]), opts),
    );
    expect(error.message).toMatch(/declares 60000x60000 pixels/);
  });

  it('takes pieces given as ImageParts the same way, without a stream, and bounds them', async () => {
    const parts = pieces();
    const given = new ImageParts(parts);
    expect(isImageInput(given)).toBe(true);
    const image = await prepareImage(given, opts);
    expect(image).toMatchObject({ mediaType: 'image/png', width: 64, height: 48 });
    expect(image.parts?.every((part, i) => part === parts[i])).toBe(true);
    expect(imageFile(image).bytes).toBe(image.parts);
    const one = await prepareImage(new ImageParts([Buffer.concat(parts)]), opts);
    expect(one.parts).toBeUndefined();
    expect((await rejection(prepareImage(new ImageParts(parts.slice(0, 2)), opts))).code).toBe(
      'invalid_image_format',
    );
    expect((await rejection(prepareImage(new ImageParts([]), opts))).code).toBe('empty_image_file');
    expect((await rejection(prepareImage(given, { param: 'image', maxBytes: 100 }))).status).toBe(413);
  });

  it('takes back an image it prepared as it is, and no look-alike', async () => {
    const image = await prepareImage(PNG_8x6, opts);
    expect(isImageInput(image)).toBe(true);
    expect(await prepareImage(image, opts)).toBe(image);
    await expect(prepareImage(image, { param: 'image', maxBytes: 10 })).rejects.toMatchObject({
      status: 413,
    });
    const forged = { ...image };
    expect(isImageInput(forged)).toBe(false);
  });
});
