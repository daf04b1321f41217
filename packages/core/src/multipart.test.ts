import { describe, expect, it } from '@jest/globals';
import { encodeMultipart, encodeMultipartForm, imageFile, MultipartForm } from './multipart.js';

const boundaryOf = (contentType: string) => /boundary=(\S+)/.exec(contentType)?.[1] ?? '';

describe('MultipartForm', () => {
  it('encodes byte for byte as fetch encodes the same FormData', async () => {
    const png = Buffer.from([137, 80, 78, 71, 0, 255]);
    const form = new MultipartForm();
    const data = new FormData();
    const both = (
      name: string,
      value: string | { bytes: Uint8Array; filename?: string; contentType?: string },
    ) => {
      form.append(name, value);
      if (typeof value === 'string') data.append(name, value);
      else {
        const blob = new Blob([value.bytes as Uint8Array<ArrayBuffer>], { type: value.contentType ?? '' });
        if (value.filename === undefined) data.append(name, blob);
        else data.append(name, blob, value.filename);
      }
    };
    both('prompt', 'line one\nline two\r\nline "three"\rend é');
    both('image[]', { bytes: png, filename: 'a "b".png', contentType: 'image/png' });
    both('image[]', { bytes: Buffer.from('second'), filename: 'two.webp', contentType: 'image/webp' });
    both('mask', { bytes: Buffer.from('no type'), filename: 'blob' });
    both('empty-file', { bytes: new Uint8Array(0), filename: 'e.png', contentType: 'image/png' });
    both('we"ird\nname', 'x');
    both('empty', '');
    const ours = encodeMultipartForm(form);
    const reference = new Response(data);
    const theirs = boundaryOf(reference.headers.get('content-type') ?? '');
    const expected = Buffer.from(await reference.arrayBuffer())
      .toString('latin1')
      .replaceAll(theirs, boundaryOf(ours.contentType));
    expect(boundaryOf(ours.contentType)).toMatch(/^----formdata-undici-0\d{11}$/);
    expect(Buffer.concat(ours.chunks).toString('latin1')).toBe(expected);
    expect(ours.length).toBe(Buffer.byteLength(expected, 'latin1'));
  });

  it('sends file bytes as they are: the same objects, never copied', () => {
    const image = { bytes: new Uint8Array(1000).fill(7), filename: 'a.png', mediaType: 'image/png' as const };
    const mask = { bytes: new Uint8Array(500).fill(9), filename: 'm.png', mediaType: 'image/png' as const };
    const form = new MultipartForm();
    form.append('image', imageFile(image));
    form.append('mask', imageFile(mask));
    form.append('prompt', 'x');
    const { chunks } = encodeMultipartForm(form);
    expect(chunks.filter((c) => c === image.bytes || c === mask.bytes)).toHaveLength(2);
    // Headers between the files are one chunk each: few writes, no joining.
    expect(chunks).toHaveLength(5);
  });

  it('reads a FormData out once, to the same bytes', async () => {
    const data = new FormData();
    data.append('image', new Blob([Buffer.from('PNG')], { type: 'image/png' }), 'x.png');
    data.append('prompt', 'p');
    const form = new MultipartForm();
    form.append('image', { bytes: Buffer.from('PNG'), filename: 'x.png', contentType: 'image/png' });
    form.append('prompt', 'p');
    const a = await encodeMultipart(data);
    const b = await encodeMultipart(form);
    const text = (e: { chunks: Uint8Array[]; contentType: string }) =>
      Buffer.concat(e.chunks).toString('latin1').replaceAll(boundaryOf(e.contentType), 'B');
    expect(text(a)).toBe(text(b));
  });

  it('leaves out the filename when a file part has none', () => {
    const form = new MultipartForm();
    form.append('mask', { bytes: Buffer.from('m') });
    const text = Buffer.concat(encodeMultipartForm(form).chunks).toString();
    expect(text).toContain(
      'Content-Disposition: form-data; name="mask"\r\nContent-Type: application/octet-stream\r\n\r\nm\r\n',
    );
  });

  it('deletes, finds and iterates entries in order', () => {
    const form = new MultipartForm();
    form.append('a', '1');
    form.append('b', '2');
    form.append('a', '3');
    expect(form.has('a')).toBe(true);
    expect(form.get('a')).toBe('1');
    form.delete('a');
    expect(form.has('a')).toBe(false);
    expect([...form]).toEqual([['b', '2']]);
  });
});
