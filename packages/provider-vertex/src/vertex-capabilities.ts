/**
 * What each Vertex AI model takes: the Gemini image models (`:generateContent`, the table shared
 * with `@retouch/provider-gemini`, plus `output_format`/`output_compression` → `imageOutputOptions`)
 * and Imagen 3 editing (`imagen-3.0-capability-001:predict`: one base image, an optional mask, 1–4
 * samples, PNG/JPEG in and out, 10 MB per image — `provider-wire-formats.md` §3.b and the Imagen
 * model card).
 * @module
 */
import type { ModelCapabilities } from '@retouch/core';

const MB = 1024 * 1024;

/** Imagen 3 editing: RAW + optional MASK reference, `sampleCount` 1–4, output at the base image's size. */
export const IMAGEN_EDIT_CAPABILITIES: ModelCapabilities = {
  maxImages: 1,
  mask: 'optional',
  maxN: 4,
  outputFormats: ['png', 'jpeg'],
  inputMediaTypes: ['image/png', 'image/jpeg'],
  maxImageBytes: 10 * MB,
  maxMaskBytes: 10 * MB,
  params: ['mask', 'n', 'output_format', 'output_compression'],
  // Removal and outpainting work without a prompt; the mapping asks for one where it is needed.
  promptRequired: false,
  nativeResponseFormat: 'b64_json',
};

/**
 * Which API method serves a model: Imagen models `:predict`, everything else `:generateContent`.
 *
 * @example
 * ```ts
 * vertexModelFamily('imagen-3.0-capability-001'); // 'imagen'
 * vertexModelFamily('gemini-2.5-flash-image'); // 'gemini'
 * ```
 */
export function vertexModelFamily(model: string): 'imagen' | 'gemini' {
  return model.startsWith('imagen') ? 'imagen' : 'gemini';
}
