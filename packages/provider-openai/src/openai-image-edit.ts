/**
 * The OpenAI mapping: one multipart `POST {baseURL}/images/edits`, encoded as the official `openai`
 * client encodes it (one image as `image`, several as repeated `image[]`, `mask`, then text fields).
 * @module
 */
import {
  BadRequestError,
  ContentPolicyViolationError,
  convertMask,
  type GeneratedImage,
  type ImageUsage,
  imageFile,
  MultipartForm,
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  type ProviderImageEditResult,
  parseProviderExtras,
  parseUpstream,
  safeFetchBytes,
  type UpstreamFailure,
} from '@retouch/core';
import { z } from 'zod';
import { isPlainImagesResponse } from './openai-answer-check.js';

const PROVIDER = 'openai';
export const NO_EXTRAS = z.object({});

export const usageSchema = z
  .object({
    input_tokens: z.number(),
    output_tokens: z.number(),
    total_tokens: z.number(),
    // Loose at every level: fields OpenAI adds (`cached_tokens`, …) reach the caller as they came.
    input_tokens_details: z
      .object({ text_tokens: z.number().optional(), image_tokens: z.number().optional() })
      .loose()
      .optional(),
    output_tokens_details: z
      .object({ text_tokens: z.number().optional(), image_tokens: z.number().optional() })
      .loose()
      .optional(),
  })
  .loose();

/** OpenAI's `ImagesResponse`, loose at every level (fields OpenAI adds ride along). */
export const imagesResponseSchema = z
  .object({
    created: z.number().optional(),
    data: z.array(
      z
        .object({
          b64_json: z.string().nullish(),
          url: z.string().nullish(),
          revised_prompt: z.string().nullish(),
        })
        .loose(),
    ),
    usage: usageSchema.nullish(),
    size: z.string().nullish(),
    quality: z.string().nullish(),
    background: z.string().nullish(),
    output_format: z.string().nullish(),
  })
  .loose();

/** Error codes OpenAI uses when its safety system refuses an image request. */
const CONTENT_POLICY_CODES = new Set([
  'moderation_blocked',
  'content_policy_violation',
  'image_content_policy_violation',
]);

/**
 * Maps OpenAI's moderation refusals to `ContentPolicyViolationError` (the rest use the default mapping).
 *
 * @example
 * ```ts
 * createProviderHttp({ provider: 'openai', baseURL, classifyError: classifyOpenAIError });
 * ```
 */
export function classifyOpenAIError(
  failure: UpstreamFailure,
  ref: { provider: string; model?: string },
): ContentPolicyViolationError | undefined {
  const { code, message } = failure.details;
  const type = (failure.body as { error?: { type?: string } } | undefined)?.error?.type;
  const refused =
    (code !== undefined && CONTENT_POLICY_CODES.has(code)) ||
    type === 'image_generation_user_error' ||
    /safety system|content policy/i.test(message ?? '');
  if (failure.status !== 400 || !refused) return undefined;
  return new ContentPolicyViolationError({
    message: `${PROVIDER} refused the request: ${message ?? 'content policy violation'}`,
    // OpenAI's own code (`moderation_blocked`, …): clients branch on it.
    code: code ?? undefined,
    ...ref,
    upstreamBody: failure.text,
    upstreamRequestId: failure.requestId,
  });
}

function appendExtraBody(form: MultipartForm, extraBody: Record<string, unknown> | undefined): void {
  for (const [key, value] of Object.entries(extraBody ?? {})) {
    if (value === undefined || value === null) continue;
    form.delete(key);
    if (Array.isArray(value)) for (const item of value) form.append(key, String(item));
    else form.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}

export function checkModelRules(request: ProviderImageEditRequest): void {
  const ref = { provider: PROVIDER, model: request.model };
  const format = request.output_format ?? 'png';
  if (request.output_compression !== undefined && format === 'png') {
    throw new BadRequestError({
      message:
        'output_compression: applies to jpeg and webp output only; set output_format to jpeg or webp, or remove it.',
      param: 'output_compression',
      ...ref,
    });
  }
  if (request.background === 'transparent' && format === 'jpeg') {
    throw new BadRequestError({
      message: 'background: transparent needs output_format png or webp.',
      param: 'background',
      ...ref,
    });
  }
}

/** Builds the multipart body exactly as the official client does. */
export async function buildForm(
  request: ProviderImageEditRequest,
  warnings: string[],
): Promise<MultipartForm> {
  const form = new MultipartForm();
  const [first] = request.images;
  if (request.images.length === 1 && first) form.append('image', imageFile(first));
  else for (const image of request.images) form.append('image[]', imageFile(image));
  if (request.mask) {
    let mask = request.mask;
    if (!mask.hasAlpha) {
      // An opaque mask is white-means-edit; OpenAI reads transparency, so convert it.
      mask = await convertMask(mask, 'alpha-transparent');
      warnings.push('mask: converted an opaque black/white mask to OpenAI transparency (white = edit)');
    }
    form.append('mask', imageFile(mask));
  }
  form.append('model', request.model);
  if (request.prompt !== undefined) form.append('prompt', request.prompt);
  const text: Record<string, string | number | undefined> = {
    n: request.n === 1 ? undefined : request.n,
    size: request.size,
    quality: request.quality,
    // GPT image models always answer in base64 and reject the field.
    response_format: request.model === 'dall-e-2' ? request.response_format : undefined,
    output_format: request.output_format,
    output_compression: request.output_compression,
    background: request.background,
    input_fidelity: request.input_fidelity,
    user: request.user,
    // Set in streamed calls only (see `bindRequest`'s `streaming`).
    partial_images: request.partial_images,
    stream: request.stream === true ? 'true' : undefined,
  };
  for (const [key, value] of Object.entries(text)) if (value !== undefined) form.append(key, String(value));
  appendExtraBody(form, request.extraBody);
  return form;
}

/** Where OpenAI serves dall-e-2 result URLs from. */
const RESULT_HOSTS = ['*.blob.core.windows.net', '*.openai.com'];

/**
 * Runs one OpenAI image edit.
 *
 * @example
 * ```ts
 * const result = await openAIImageEdit(http, request, { signal });
 * ```
 */
export async function openAIImageEdit(
  http: ProviderHttp,
  request: ProviderImageEditRequest,
  options: ProviderCallOptions,
): Promise<ProviderImageEditResult> {
  const warnings: string[] = [];
  // OpenAI has no provider-specific extras; upstream-only fields go in `extra_body`.
  parseProviderExtras({ request, schema: NO_EXTRAS, provider: PROVIDER, warnings });
  checkModelRules(request);
  const form = await buildForm(request, warnings);

  const response = await http.postForm('/images/edits', form, {
    signal: options.signal,
    model: request.model,
    headers: request.extraHeaders,
  });
  return resultOf(http, request, response.body, response.requestId, warnings);
}

/** The provider result of one `ImagesResponse` body. */
export function resultOf(
  http: ProviderHttp,
  request: ProviderImageEditRequest,
  answer: unknown,
  requestId: string | undefined,
  warnings: string[],
): ProviderImageEditResult {
  // The everyday answer is checked by hand; the schema reads (and names the fault in) the rest.
  const body = isPlainImagesResponse(answer)
    ? (answer as z.infer<typeof imagesResponseSchema>)
    : parseUpstream(imagesResponseSchema, answer, { provider: PROVIDER, model: request.model });
  // Everything retouch does not map rides along as is (`created` is retouch's own).
  const { created: _created, data, usage, size, quality, background, output_format, ...unmapped } = body;
  const images: GeneratedImage[] = data.map((item) => ({
    b64: item.b64_json ?? undefined,
    url: item.url ?? undefined,
    revisedPrompt: item.revised_prompt ?? undefined,
    mediaType: `image/${output_format ?? request.output_format ?? 'png'}`,
  }));
  return {
    images,
    usage: (usage ?? undefined) as ImageUsage | undefined,
    warnings,
    upstreamRequestId: requestId,
    echo: {
      size: size ?? request.size ?? (request.model === 'dall-e-2' ? '1024x1024' : undefined),
      quality: quality ?? request.quality ?? (request.model === 'dall-e-2' ? 'standard' : undefined),
      background: background ?? undefined,
      output_format: output_format ?? undefined,
    },
    passthrough: unmapped,
    download: resultDownloader(http, request.model),
  };
}

/** Downloads dall-e-2 result URLs from OpenAI's result hosts (or the configured base URL's host). */
export function resultDownloader(
  http: ProviderHttp,
  model: string,
): (url: string, signal: AbortSignal) => Promise<Uint8Array> {
  return async (url, signal) => {
    // The configured base URL's host (a proxy or a simulator) is trusted like the API itself.
    // Worked out here, not per call: most answers carry no URL to download.
    if (new URL(url).host === new URL(http.url('/')).host)
      return (await http.getBytes(url, { signal, model })).body;
    return (await safeFetchBytes(url, { signal, allowedHosts: RESULT_HOSTS, param: 'result' })).bytes;
  };
}
