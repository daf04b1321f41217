/**
 * The request bodies the proxy benchmark sends, built once and byte for byte as a client sends
 * them: multipart as `curl -F` writes it, JSON as the official clients write it.
 * @module
 */
import { createNoisePng, createOpenAIMask, createPng } from '@retouch/testing';

/** A prepared request body and its content type. */
export interface BenchBody {
  /** What it is, for the tables (`615 KB multipart: 2 images + mask`). */
  label: string;
  body: Buffer;
  type: string;
}

/** One multipart part: a text field, or a file. */
export interface FormPart {
  name: string;
  value?: string;
  file?: Uint8Array;
}

/**
 * A multipart body byte for byte as `curl -F` writes it.
 *
 * @example
 * ```ts
 * const { body, type } = curlForm('one image', [{ name: 'model', value: 'gpt-image-2' }, { name: 'image', file: png }]);
 * ```
 */
export function curlForm(label: string, parts: readonly FormPart[]): BenchBody {
  const boundary = '------------------------bench0123456789abcdef';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if (part.file) {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${part.name}"; filename="${part.name.replace(/\W/g, '')}.png"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        Buffer.from(part.file),
        Buffer.from('\r\n'),
      );
    } else
      chunks.push(
        Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`),
      );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { label, body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

const PROMPT = 'Put the object from the second image into the masked area of the first';
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/**
 * The issue-16 request: two incompressible (noise) PNGs and an OpenAI mask, about `targetBytes`.
 *
 * @example
 * ```ts
 * const edit = twoImagesAndMask(); // ≈ 615 KB
 * ```
 */
export function twoImagesAndMask(targetBytes = 615 * 1024): BenchBody {
  const build = (side: number) =>
    curlForm('', [
      { name: 'model', value: 'gpt-image-2' },
      { name: 'prompt', value: PROMPT },
      { name: 'image', file: createNoisePng(side, side, 1) },
      { name: 'image', file: createNoisePng(side, side, 2) },
      { name: 'mask', file: createOpenAIMask(side, side, { x: 0, y: 0, width: side / 2, height: side / 2 }) },
    ]);
  let side = 64;
  while (build(side + 2).body.length <= targetBytes) side += 2;
  const request = build(side);
  return { ...request, label: `${kb(request.body.length)} multipart: 2 noise PNGs ${side}x${side} + mask` };
}

/**
 * One incompressible PNG of about `targetBytes` (20 MB by default), nothing else.
 *
 * @example
 * ```ts
 * const big = oneLargeImage(); // ≈ 20 MB
 * ```
 */
export function oneLargeImage(targetBytes = 20 * 1024 * 1024): BenchBody {
  // A noise RGBA PNG is 4 bytes a pixel and a little more.
  const side = Math.floor(Math.sqrt(targetBytes / 4));
  const request = curlForm('', [
    { name: 'model', value: 'gpt-image-2' },
    { name: 'prompt', value: 'Make it look like an oil painting' },
    { name: 'image', file: createNoisePng(side, side, 3) },
  ]);
  return { ...request, label: `${mb(request.body.length)} multipart: 1 noise PNG ${side}x${side}` };
}

/**
 * `count` incompressible PNGs of about `imageBytes` each (4 × 4 MB by default): the memory load.
 *
 * @example
 * ```ts
 * const heavy = manyLargeImages(4, 4 * 1024 * 1024);
 * ```
 */
export function manyLargeImages(count = 4, imageBytes = 4 * 1024 * 1024): BenchBody {
  const side = Math.floor(Math.sqrt(imageBytes / 4));
  const request = curlForm('', [
    { name: 'model', value: 'gpt-image-2' },
    { name: 'prompt', value: PROMPT },
    ...Array.from({ length: count }, (_, i) => ({
      name: 'image[]',
      file: createNoisePng(side, side, 10 + i),
    })),
  ]);
  return {
    ...request,
    label: `${mb(request.body.length)} multipart: ${count} noise PNGs ${side}x${side}`,
  };
}

/**
 * A JSON edit of about `targetBytes` (10 KB by default): one noise PNG as a `data:` URL in
 * `images: [{ image_url }]`, as the official clients send a JSON edit.
 *
 * @example
 * ```ts
 * const json = smallJsonEdit();
 * ```
 */
export function smallJsonEdit(targetBytes = 10 * 1024): BenchBody {
  const build = (side: number) =>
    Buffer.from(
      JSON.stringify({
        model: 'gpt-image-2',
        prompt: PROMPT,
        images: [{ image_url: `data:image/png;base64,${createNoisePng(side, side, 4).toString('base64')}` }],
      }),
    );
  let side = 8;
  while (build(side + 1).length <= targetBytes) side += 1;
  const body = build(side);
  return {
    label: `${kb(body.length)} JSON: 1 noise PNG ${side}x${side} as a data: URL`,
    body,
    type: 'application/json',
  };
}

/**
 * A streamed edit (`stream=true`, `partial_images=2`) of one small image.
 *
 * @example
 * ```ts
 * const streamed = streamedEdit();
 * ```
 */
export function streamedEdit(): BenchBody {
  const request = curlForm('', [
    { name: 'model', value: 'gpt-image-1-stream' },
    { name: 'prompt', value: 'Add a hat' },
    { name: 'stream', value: 'true' },
    { name: 'partial_images', value: '2' },
    { name: 'image', file: createPng(256, 256, { color: [200, 40, 40] }) },
  ]);
  return { ...request, label: `${kb(request.body.length)} multipart, stream=true, partial_images=2` };
}
