/**
 * Gemini image models on Vertex AI: `…/publishers/google/models/{model}:generateContent`, through
 * the `generateContent` mapping of `@retouch/provider-gemini` (shared, not forked), plus the
 * Vertex-only `imageConfig` fields: `imageOutputOptions` (from `output_format` /
 * `output_compression`) and `personGeneration`.
 * @module
 */
import {
  BadRequestError,
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  type ProviderImageEditResult,
  parseProviderExtras,
} from '@retouch/core';
import { type GeminiModelSpec, generateContentImageEdit } from '@retouch/provider-gemini/internal';
import { vertexGeminiOptionsSchema } from './vertex-options.js';

const PROVIDER = 'vertex_ai';

/** `imageConfig.imageOutputOptions` from OpenAI's `output_format` / `output_compression`. */
function imageOutputOptions(request: ProviderImageEditRequest): Record<string, unknown> | undefined {
  if (request.output_format === undefined && request.output_compression === undefined) return undefined;
  const format = request.output_format ?? 'png';
  if (request.output_compression !== undefined && format !== 'jpeg') {
    throw new BadRequestError({
      message: 'output_compression: applies to jpeg output only; set output_format: jpeg, or remove it.',
      param: 'output_compression',
      code: 'invalid_value',
      provider: PROVIDER,
      model: request.model,
    });
  }
  return {
    mimeType: `image/${format}`,
    ...(request.output_compression !== undefined ? { compressionQuality: request.output_compression } : {}),
  };
}

/**
 * Runs one Gemini image edit on Vertex AI (`n` calls when `n` > 1).
 *
 * @example
 * ```ts
 * const result = await vertexGeminiImageEdit(http, path, request, { signal }, { spec, maxConcurrency: 4 });
 * ```
 */
export async function vertexGeminiImageEdit(
  http: ProviderHttp,
  path: string,
  request: ProviderImageEditRequest,
  options: ProviderCallOptions,
  context: { spec: GeminiModelSpec; maxConcurrency: number },
): Promise<ProviderImageEditResult> {
  const warnings: string[] = [];
  const { person_generation, ...extras } = parseProviderExtras({
    request,
    schema: vertexGeminiOptionsSchema,
    provider: PROVIDER,
    warnings,
  });
  const extraImageConfig: Record<string, unknown> = {};
  if (person_generation) extraImageConfig.personGeneration = person_generation;
  const output = imageOutputOptions(request);
  if (output) extraImageConfig.imageOutputOptions = output;
  return generateContentImageEdit(http, request, options, {
    config: {
      provider: PROVIDER,
      url: path,
      spec: context.spec,
      maxConcurrency: context.maxConcurrency,
      extraImageConfig,
    },
    options: extras,
    warnings,
  });
}
