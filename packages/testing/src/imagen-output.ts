/**
 * What the simulated Imagen 3 edit answers: `sampleCount` predictions of the base image with its
 * colours inverted where the mask is white (everywhere for automatic masks and mask-free edits), at
 * the base image's size, and filtered samples as `raiFilteredReason` entries (only when
 * `includeRaiReason` is set; otherwise they are simply missing, as upstream).
 * @module
 */
import { createJpeg } from './fixtures.js';
import type { GoogleImageOutcome } from './gemini-output.js';
import type { ImagenEditRequest } from './imagen-validate.js';
import { decodePngOrUndefined, encodePng, invertPng, promptColour, solidPng } from './sim-render.js';

/** The reason Imagen gives for a filtered sample. */
export const IMAGEN_RAI_REASON =
  'Your current safety filter threshold filtered out 1 generated images. You will not be charged for blocked images. Try rephrasing the prompt. If you think this was an error, send feedback. Support codes: 56562880';

/** The 400 Imagen answers for a prompt with sensitive words. */
export const IMAGEN_BLOCKED_PROMPT_MESSAGE =
  "Image editing failed with the following error: The prompt could not be submitted. This prompt contains sensitive words that violate Google's Responsible AI practices. Try rephrasing the prompt. If you think this was an error, send feedback. Support codes: 42876398";

function renderSample(edit: ImagenEditRequest): { bytes: Buffer; mimeType: string } {
  const { width, height } = edit.raw.info;
  if (edit.outputMimeType === 'image/jpeg')
    return { bytes: createJpeg(width, height), mimeType: 'image/jpeg' };
  const source = decodePngOrUndefined(edit.raw.bytes, edit.raw.info.mediaType);
  if (!source)
    return { bytes: encodePng(solidPng(width, height, promptColour(edit.prompt))), mimeType: 'image/png' };
  const mask = edit.mask?.bytes ? decodePngOrUndefined(edit.mask.bytes, 'image/png') : undefined;
  // White (non-zero) mask pixels are the area to edit.
  const inverted = invertPng(source, mask ? (offset) => (mask.data[offset] as number) >= 128 : undefined);
  return { bytes: encodePng(inverted), mimeType: 'image/png' };
}

/**
 * The `:predict` answer of a valid edit, or of `outcome`.
 *
 * @example
 * ```ts
 * imagenAnswer(edit).predictions.length; // edit.sampleCount
 * ```
 */
export function imagenAnswer(
  edit: ImagenEditRequest,
  outcome?: GoogleImageOutcome,
): { predictions?: unknown[] } {
  const filteredAll = outcome === 'image-safety' || outcome === 'prohibited-content';
  const filtered = filteredAll ? edit.sampleCount : outcome === 'some-filtered' ? 1 : 0;
  const sample = filtered < edit.sampleCount ? renderSample(edit) : undefined;
  const predictions: unknown[] = [];
  for (let index = 0; index < edit.sampleCount; index++) {
    if (index < filtered) {
      if (edit.includeRaiReason) predictions.push({ raiFilteredReason: IMAGEN_RAI_REASON });
    } else if (sample) {
      predictions.push({ mimeType: sample.mimeType, bytesBase64Encoded: sample.bytes.toString('base64') });
    }
  }
  // With every sample filtered and no reasons asked for, the answer is an empty object.
  return predictions.length > 0 ? { predictions } : {};
}
