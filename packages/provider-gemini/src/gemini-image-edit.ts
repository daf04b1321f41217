/**
 * The Gemini API mapping: `POST {base}/v1beta/models/{model}:generateContent` with the key in the
 * `x-goog-api-key` header (never `?key=`), through the `generateContent` mapping shared with Vertex.
 * @module
 */
import {
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  type ProviderImageEditResult,
  parseProviderExtras,
} from '@retouch/core';
import { GEMINI_API_MAX_REQUEST_BYTES, type GeminiModelSpec } from './gemini-capabilities.js';
import { generateContentImageEdit } from './gemini-generate-content.js';
import { geminiOptionsSchema } from './gemini-options.js';

/** Provider id and model prefix. */
export const GEMINI_PROVIDER = 'gemini';

/** API version used unless the base URL names one. */
export const GEMINI_DEFAULT_API_VERSION = 'v1beta';

/**
 * The versioned base: `base` itself when it already ends in an API version (LiteLLM's
 * `GEMINI_API_BASE` usually includes `/v1beta`), else `base/{apiVersion}`.
 *
 * @example
 * ```ts
 * geminiVersionedBase('https://generativelanguage.googleapis.com', 'v1beta'); // '…googleapis.com/v1beta'
 * geminiVersionedBase('https://proxy.example/v1beta/', 'v1beta'); // 'https://proxy.example/v1beta'
 * ```
 */
export function geminiVersionedBase(base: string, apiVersion: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return /\/v\d+(?:alpha|beta)?\d*$/.test(trimmed) ? trimmed : `${trimmed}/${apiVersion}`;
}

/**
 * The path of a model's `generateContent`, relative to the versioned base.
 *
 * @example
 * ```ts
 * geminiGenerateContentPath('gemini-2.5-flash-image'); // '/models/gemini-2.5-flash-image:generateContent'
 * ```
 */
export function geminiGenerateContentPath(model: string): string {
  return `/models/${encodeURIComponent(model)}:generateContent`;
}

/**
 * Runs one Gemini API image edit (`n` calls when `n` > 1).
 *
 * @example
 * ```ts
 * const result = await geminiImageEdit(http, request, { signal }, { spec, maxConcurrency: 4 });
 * ```
 */
export async function geminiImageEdit(
  http: ProviderHttp,
  request: ProviderImageEditRequest,
  options: ProviderCallOptions,
  context: { spec: GeminiModelSpec; maxConcurrency: number },
): Promise<ProviderImageEditResult> {
  const warnings: string[] = [];
  const extras = parseProviderExtras({
    request,
    schema: geminiOptionsSchema,
    provider: GEMINI_PROVIDER,
    warnings,
  });
  return generateContentImageEdit(http, request, options, {
    config: {
      provider: GEMINI_PROVIDER,
      url: geminiGenerateContentPath(request.model),
      spec: context.spec,
      maxConcurrency: context.maxConcurrency,
      maxRequestBytes: GEMINI_API_MAX_REQUEST_BYTES,
    },
    options: extras,
    warnings,
  });
}
