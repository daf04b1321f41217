/**
 * The OpenRouter mapping: picks the path (`openrouter_endpoint`, else the model's default), maps
 * `size` → `aspect_ratio` (nearest supported) and `quality` → resolution tier (low→1K, medium→2K,
 * high→4K; the `aspect_ratio` / `image_size` extras win), and reads OpenRouter's usage, cost and
 * errors. The two paths' wire formats live in openrouter-images-api.ts and openrouter-chat-api.ts.
 * @module
 */
import {
  BadGatewayError,
  BadRequestError,
  ContentPolicyViolationError,
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  type ProviderImageEditResult,
  parseCommonErrorBody,
  parseProviderExtras,
  type RetouchError,
  type UpstreamErrorDetails,
  type UpstreamFailure,
} from '@retouch/core';
import { openRouterModelInfo } from './openrouter-capabilities.js';
import { chatEdit } from './openrouter-chat-api.js';
import { imagesEdit } from './openrouter-images-api.js';
import { badParam, type OpenRouterCall, PROVIDER } from './openrouter-mapping.js';
import { openRouterOptionsSchema } from './openrouter-options.js';

/**
 * Runs one OpenRouter image edit on the model's path.
 *
 * @example
 * ```ts
 * const result = await openRouterImageEdit(http, request, { signal });
 * ```
 */
export async function openRouterImageEdit(
  http: ProviderHttp,
  request: ProviderImageEditRequest,
  options: ProviderCallOptions,
): Promise<ProviderImageEditResult> {
  const info = openRouterModelInfo(request.servedLike ?? request.model);
  if (!info)
    throw badParam(request.model, 'model', `${request.model} is not an OpenRouter model slug (author/slug).`);
  const warnings: string[] = [];
  const extras = parseProviderExtras({
    request,
    schema: openRouterOptionsSchema,
    provider: PROVIDER,
    warnings,
  });
  const endpoint = extras.openrouter_endpoint ?? info.defaultEndpoint;
  if (!info.endpoints.includes(endpoint)) {
    throw badParam(
      request.model,
      'openrouter_endpoint',
      `${request.model} is served on OpenRouter's ${info.endpoints.join(' and ')} path only.`,
    );
  }
  const call: OpenRouterCall = { http, request, options, info, extras, warnings };
  const result = endpoint === 'images' ? await imagesEdit(call) : await chatEdit(call);
  return { ...result, warnings: [...warnings, ...result.warnings] };
}

/**
 * Reads `{"error": {"code", "message", "metadata"}}`, naming the upstream provider when OpenRouter does.
 *
 * @example
 * ```ts
 * parseOpenRouterError({ error: { code: 502, message: 'Provider returned error', metadata: { provider_name: 'Google' } } }, '');
 * // { message: 'Provider returned error (provider Google)' }
 * ```
 */
export function parseOpenRouterError(body: unknown, text: string): UpstreamErrorDetails {
  const details = parseCommonErrorBody(body, text);
  const metadata = (body as { error?: { metadata?: Record<string, unknown> } } | null)?.error?.metadata;
  const provider = typeof metadata?.provider_name === 'string' ? metadata.provider_name : undefined;
  const raw = typeof metadata?.raw === 'string' ? metadata.raw.slice(0, 300) : undefined;
  const extra = [provider && `provider ${provider}`, raw].filter(Boolean).join(': ');
  return { ...details, message: extra ? `${details.message ?? 'error'} (${extra})` : details.message };
}

/**
 * OpenRouter's meanings of 402 (credits), 403 with moderation metadata, and 502 (failed
 * generation); `undefined` for the default mapping.
 *
 * @example
 * ```ts
 * createProviderHttp({ provider: 'openrouter', baseURL, classifyError: classifyOpenRouterError });
 * ```
 */
export function classifyOpenRouterError(
  failure: UpstreamFailure,
  ref: { provider: string; model?: string },
): RetouchError | undefined {
  const common = { ...ref, upstreamBody: failure.text, upstreamRequestId: failure.requestId };
  const said = failure.details.message ?? `HTTP ${failure.status}`;
  const metadata = (failure.body as { error?: { metadata?: Record<string, unknown> } } | null)?.error
    ?.metadata;
  if (failure.status === 402) {
    return new BadRequestError({
      message: `${PROVIDER}: not enough credits (402: ${said}). Add credits at https://openrouter.ai/credits, or lower the request's cost.`,
      code: 'insufficient_credits',
      status: 402,
      ...common,
    });
  }
  if (failure.status === 403 && (metadata?.reasons !== undefined || metadata?.flagged_input !== undefined)) {
    const reasons = Array.isArray(metadata.reasons) ? ` (${metadata.reasons.join(', ')})` : '';
    return new ContentPolicyViolationError({
      message: `${PROVIDER}: the moderation of ${ref.model ?? 'the model'} flagged the input${reasons}: ${said}`,
      ...common,
    });
  }
  if (failure.status === 502) {
    return new BadGatewayError({
      message: `${PROVIDER}: the upstream provider failed the generation (502: ${said}); OpenRouter does not bill failed generations.`,
      code: 'upstream_generation_failed',
      ...common,
    });
  }
  return undefined;
}
