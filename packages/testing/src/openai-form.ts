/**
 * Builds an `/images/edits` multipart body the way the official `openai` client encodes it, for
 * tests that talk to the simulator (or a proxy) without a provider in between.
 * @module
 */
import { sniffImage } from '@retouch/core';

/** A file for the form: raw bytes (type and name from the magic bytes) or a `Blob`/`File` sent as is. */
export type OpenAIFormFile = Uint8Array | Blob;

/** Fields of {@link createOpenAIEditForm}. Other keys become text parts; `undefined` is omitted. */
export interface OpenAIEditFormFields {
  /** One file → an `image` part; an array → one `image[]` part per file (openai-node's encoding). */
  image?: OpenAIFormFile | readonly OpenAIFormFile[];
  mask?: OpenAIFormFile;
  [field: string]: unknown;
}

function toPart(file: OpenAIFormFile, baseName: string): [Blob, string] {
  if (file instanceof Blob) return [file, (file as Partial<File>).name || baseName];
  const mediaType = sniffImage(file)?.mediaType;
  const extension = mediaType ? (mediaType === 'image/jpeg' ? 'jpg' : mediaType.slice(6)) : 'bin';
  const blob = new Blob([file as Uint8Array<ArrayBuffer>], { type: mediaType ?? 'application/octet-stream' });
  return [blob, `${baseName}.${extension}`];
}

/**
 * The multipart body of an image edit, encoded like the official client: a single image as
 * `image`, several as repeated `image[]`, numbers and booleans stringified.
 *
 * @example
 * ```ts
 * const form = createOpenAIEditForm({ model: 'gpt-image-1', image: [a, b], prompt: 'Merge them', n: 2 });
 * await fetch(`${sim.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
 * ```
 */
export function createOpenAIEditForm(fields: OpenAIEditFormFields): FormData {
  const form = new FormData();
  const { image, mask, ...text } = fields;
  if (Array.isArray(image)) {
    for (const [index, file] of (image as readonly OpenAIFormFile[]).entries()) {
      form.append('image[]', ...toPart(file, `image-${index + 1}`));
    }
  } else if (image !== undefined) {
    form.append('image', ...toPart(image as OpenAIFormFile, 'image'));
  }
  if (mask !== undefined) form.append('mask', ...toPart(mask, 'mask'));
  for (const [name, value] of Object.entries(text)) {
    if (value !== undefined) form.append(name, String(value));
  }
  return form;
}
