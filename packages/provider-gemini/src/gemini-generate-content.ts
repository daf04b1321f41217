/**
 * The `generateContent` mapping shared by the Gemini API and Vertex AI: the request body (prompt
 * text part, one `inlineData` part per input image, `generationConfig.responseModalities` and
 * `imageConfig`), `n` as that many concurrent calls, and the answer read into images, token usage
 * and the errors Gemini reports inside a 200 (blocked prompts, safety finishes, text-only answers).
 * @module
 */
import {
  BadGatewayError,
  BadRequestError,
  ContentPolicyViolationError,
  fanOut,
  type GeneratedImage,
  type ImageUsage,
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  type ProviderImageEditResult,
  parseUpstream,
  seedForCall,
  sniffImage,
  toBase64,
} from '@retouch/core';
import { z } from 'zod';
import type { GeminiModelSpec } from './gemini-capabilities.js';
import { resolveImageConfig } from './gemini-image-config.js';
import type { GeminiOptions } from './gemini-options.js';

/** The extras the shared mapping reads; Vertex's `safety_settings` take more categories and `method`. */
export type GenerateContentOptions = Omit<GeminiOptions, 'safety_settings'> & {
  safety_settings?: readonly Readonly<Record<string, string>>[];
};

/** How one API runs the shared mapping. */
export interface GenerateContentConfig {
  /** Provider id, named in errors (`gemini`, `vertex_ai`). */
  provider: string;
  /** Path or absolute URL of the model's `:generateContent`. */
  url: string;
  spec: GeminiModelSpec;
  /** Most calls in flight when `n` > 1. */
  maxConcurrency: number;
  /** Largest request body the API takes (the Gemini API's 20 MB); checked before sending. */
  maxRequestBytes?: number;
  /** More `imageConfig` fields (Vertex: `personGeneration`, `imageOutputOptions`). */
  extraImageConfig?: Record<string, unknown>;
}

const modalityCount = z
  .object({ modality: z.string().optional(), tokenCount: z.number().optional() })
  .loose();

const usageSchema = z
  .object({
    promptTokenCount: z.number().optional(),
    candidatesTokenCount: z.number().optional(),
    thoughtsTokenCount: z.number().optional(),
    totalTokenCount: z.number().optional(),
    promptTokensDetails: z.array(modalityCount).optional(),
    candidatesTokensDetails: z.array(modalityCount).optional(),
  })
  .loose();

const partSchema = z
  .object({
    text: z.string().optional(),
    inlineData: z.object({ mimeType: z.string().optional(), data: z.string() }).loose().optional(),
    thought: z.boolean().optional(),
  })
  .loose();

const responseSchema = z
  .object({
    candidates: z
      .array(
        z
          .object({
            content: z
              .object({ parts: z.array(partSchema).optional() })
              .loose()
              .optional(),
            finishReason: z.string().optional(),
            finishMessage: z.string().optional(),
          })
          .loose(),
      )
      .optional(),
    promptFeedback: z
      .object({ blockReason: z.string().optional(), blockReasonMessage: z.string().optional() })
      .loose()
      .optional(),
    usageMetadata: usageSchema.optional(),
    modelVersion: z.string().optional(),
    responseId: z.string().optional(),
  })
  .loose();

type GenerateContentResponse = z.infer<typeof responseSchema>;

/** `generationConfig.seed` is an int32. */
const SEED_RANGE = { min: -2147483648, max: 2147483647 };

/** Finish reasons that mean a safety or policy system stopped the image. */
const POLICY_FINISH_REASONS = new Set([
  'SAFETY',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_RECITATION',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `extra_body` merged deeply: objects merge key by key at every level, so `{ generationConfig:
 * { imageConfig: { personGeneration } } }` adds to the mapped `aspectRatio` instead of replacing
 * it; any other value (arrays included) replaces ours.
 */
function mergeExtraBody(body: Record<string, unknown>, extra: Record<string, unknown> | undefined): void {
  for (const [key, value] of Object.entries(extra ?? {})) {
    const ours = body[key];
    if (isPlainObject(ours) && isPlainObject(value)) {
      const merged = { ...ours };
      mergeExtraBody(merged, value);
      body[key] = merged;
    } else body[key] = value;
  }
}

/**
 * Builds the `generateContent` body for one image.
 *
 * @example
 * ```ts
 * const body = buildGenerateContentBody({ request, options, config, warnings });
 * body.generationConfig.imageConfig; // { aspectRatio: '16:9' }
 * ```
 */
export function buildGenerateContentBody(args: {
  request: ProviderImageEditRequest;
  options: GenerateContentOptions;
  config: GenerateContentConfig;
  warnings: string[];
}): Record<string, unknown> {
  const { request, options, config, warnings } = args;
  const imageConfig = {
    ...resolveImageConfig({ request, options, spec: config.spec, provider: config.provider, warnings }),
    ...config.extraImageConfig,
  };
  const definedImageConfig = Object.fromEntries(
    Object.entries(imageConfig).filter(([, value]) => value !== undefined),
  );
  const parts: Record<string, unknown>[] = [];
  if (request.prompt) parts.push({ text: request.prompt });
  for (const image of request.images) {
    parts.push({ inlineData: { mimeType: image.mediaType, data: toBase64(image) } });
  }
  const generationConfig: Record<string, unknown> = {
    responseModalities: options.response_modalities ?? ['TEXT', 'IMAGE'],
  };
  if (options.seed !== undefined) generationConfig.seed = options.seed;
  if (Object.keys(definedImageConfig).length > 0) generationConfig.imageConfig = definedImageConfig;
  const body: Record<string, unknown> = {
    // Vertex rejects contents without a role; the Gemini API takes it too.
    contents: [{ role: 'user', parts }],
    generationConfig,
  };
  if (options.safety_settings) body.safetySettings = options.safety_settings;
  mergeExtraBody(body, request.extraBody);
  return body;
}

function checkRequestSize(request: ProviderImageEditRequest, config: GenerateContentConfig): void {
  if (config.maxRequestBytes === undefined) return;
  const base64Bytes = request.images.reduce((sum, image) => sum + Math.ceil(image.bytes.length / 3) * 4, 0);
  const total = base64Bytes + (request.prompt?.length ?? 0);
  if (total <= config.maxRequestBytes) return;
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  throw new BadRequestError({
    message: `image: ${config.provider}/${request.model} takes requests up to ${mb(config.maxRequestBytes)} MB; these images make ${mb(total)} MB as base64. Send fewer or smaller images.`,
    param: 'image',
    code: 'request_too_large',
    status: 413,
    provider: config.provider,
    model: request.model,
  });
}

function sumModality(details: z.infer<typeof modalityCount>[] | undefined, modality: string): number {
  return (details ?? []).reduce(
    (sum, detail) => (detail.modality === modality ? sum + (detail.tokenCount ?? 0) : sum),
    0,
  );
}

/**
 * `usageMetadata` in OpenAI's terms. Thinking tokens are billed as output at the text rate, so they
 * count as output text tokens; image output tokens come from `candidatesTokensDetails` (when that
 * split is missing, the candidates are the image and the thoughts are text).
 *
 * @example
 * ```ts
 * toImageUsage({ promptTokenCount: 270, candidatesTokenCount: 1290, totalTokenCount: 1560 })?.output_tokens; // 1290
 * ```
 */
export function toImageUsage(metadata: z.infer<typeof usageSchema> | undefined): ImageUsage | undefined {
  if (!metadata || metadata.promptTokenCount === undefined) return undefined;
  const input = metadata.promptTokenCount;
  const candidates = metadata.candidatesTokenCount ?? 0;
  const output = candidates + (metadata.thoughtsTokenCount ?? 0);
  const usage: ImageUsage = {
    input_tokens: input,
    output_tokens: output,
    total_tokens: metadata.totalTokenCount ?? input + output,
  };
  if (metadata.promptTokensDetails) {
    usage.input_tokens_details = {
      text_tokens: sumModality(metadata.promptTokensDetails, 'TEXT'),
      image_tokens: sumModality(metadata.promptTokensDetails, 'IMAGE'),
    };
  }
  if (metadata.candidatesTokensDetails) {
    const image = sumModality(metadata.candidatesTokensDetails, 'IMAGE');
    usage.output_tokens_details = { text_tokens: output - image, image_tokens: image };
  } else if (metadata.thoughtsTokenCount) {
    usage.output_tokens_details = { text_tokens: metadata.thoughtsTokenCount, image_tokens: candidates };
  }
  return usage;
}

/** What the model said besides images (non-thought text parts). */
function textOf(response: GenerateContentResponse): string {
  return (response.candidates ?? [])
    .flatMap((candidate) => candidate.content?.parts ?? [])
    .filter((part) => !part.thought && part.text)
    .map((part) => part.text)
    .join(' ')
    .trim();
}

/** Echo fields from the first image's header (the size Gemini chose, its format). */
function echoOf(image: GeneratedImage | undefined): ProviderImageEditResult['echo'] {
  if (!image?.b64) return undefined;
  // The header is enough: decode only the first bytes (PNG IHDR, JPEG SOF within 48 KB).
  const info = sniffImage(Buffer.from(image.b64.slice(0, 65536), 'base64'));
  if (!info) return undefined;
  return { size: `${info.width}x${info.height}`, output_format: info.mediaType.slice('image/'.length) };
}

/**
 * Reads a `generateContent` answer: every non-thought `inlineData` part is an image. A blocked
 * prompt or a safety finish is a `ContentPolicyViolationError`; an answer without an image for any
 * other reason (text only, `NO_IMAGE`, `MAX_TOKENS`) is a `BadGatewayError` with code `no_image`.
 *
 * @example
 * ```ts
 * const result = readGenerateContent(body, { provider: 'gemini', model: 'gemini-2.5-flash-image' });
 * ```
 */
export function readGenerateContent(
  body: unknown,
  ref: { provider: string; model: string },
): ProviderImageEditResult {
  const response = parseUpstream(responseSchema, body, ref);
  const requestId = response.responseId;
  const said = textOf(response);
  // What the answer said, never the whole body: a body may carry image data.
  const upstream = (finishReason?: string) => ({
    ...ref,
    upstreamRequestId: requestId,
    upstreamBody: JSON.stringify({
      promptFeedback: response.promptFeedback,
      finishReason,
      text: said || undefined,
      responseId: requestId,
    }),
  });
  const block = response.promptFeedback?.blockReason;
  if (block && block !== 'BLOCK_REASON_UNSPECIFIED' && block !== 'BLOCKED_REASON_UNSPECIFIED') {
    const why = response.promptFeedback?.blockReasonMessage;
    throw new ContentPolicyViolationError({
      message: `${ref.provider}/${ref.model} blocked the prompt (blockReason ${block})${why ? `: ${why}` : ''}. Rephrase the prompt or use other images.`,
      ...upstream(),
    });
  }
  const images: GeneratedImage[] = (response.candidates ?? [])
    .flatMap((candidate) => candidate.content?.parts ?? [])
    .filter((part) => part.inlineData && !part.thought)
    .map((part) => ({ b64: part.inlineData?.data, mediaType: part.inlineData?.mimeType ?? 'image/png' }));
  if (images.length === 0) {
    const candidate = response.candidates?.[0];
    const finish = candidate?.finishReason;
    const detail = [candidate?.finishMessage, said && `it answered: "${said.slice(0, 300)}"`]
      .filter(Boolean)
      .join('; ');
    if (finish && POLICY_FINISH_REASONS.has(finish)) {
      throw new ContentPolicyViolationError({
        message: `${ref.provider}/${ref.model} made no image: stopped by its safety filters (finishReason ${finish})${detail ? `; ${detail}` : ''}.`,
        ...upstream(finish),
      });
    }
    throw new BadGatewayError({
      message: `${ref.provider}/${ref.model} returned no image (finishReason ${finish ?? 'none'})${detail ? `; ${detail}` : ''}. Ask for the edited image explicitly in the prompt.`,
      code: 'no_image',
      ...upstream(finish),
    });
  }
  return {
    images,
    usage: toImageUsage(response.usageMetadata),
    warnings: [],
    upstreamRequestId: requestId,
    echo: echoOf(images[0]),
  };
}

/**
 * The body of the `index`-th of `n` calls: a fixed `generationConfig.seed` goes up by one per call,
 * so `n` calls make `n` different images (the same seed would make the same image `n` times).
 */
function withSeed(body: Record<string, unknown>, index: number): Record<string, unknown> {
  const generationConfig = body.generationConfig as Record<string, unknown>;
  if (index === 0 || typeof generationConfig?.seed !== 'number') return body;
  return {
    ...body,
    generationConfig: { ...generationConfig, seed: seedForCall(generationConfig.seed, index, SEED_RANGE) },
  };
}

/**
 * Edits with a Gemini image model: `n` calls of `generateContent` (at most `maxConcurrency` in
 * flight; Gemini image models make one image per call, `seed` + i for call i), merged with their
 * usage summed.
 *
 * @example
 * ```ts
 * const result = await generateContentImageEdit(http, request, { signal }, { config, options, warnings });
 * ```
 */
export async function generateContentImageEdit(
  http: ProviderHttp,
  request: ProviderImageEditRequest,
  callOptions: ProviderCallOptions,
  args: { config: GenerateContentConfig; options: GenerateContentOptions; warnings: string[] },
): Promise<ProviderImageEditResult> {
  const { config, options, warnings } = args;
  const ref = { provider: config.provider, model: request.model };
  checkRequestSize(request, config);
  const body = buildGenerateContentBody({ request, options, config, warnings });
  const result = await fanOut(request.n, config.maxConcurrency, callOptions.signal, async (signal, index) => {
    const response = await http.postJson(config.url, withSeed(body, index), {
      signal,
      model: request.model,
      headers: request.extraHeaders,
    });
    return readGenerateContent(response.body, ref);
  });
  return { ...result, warnings: [...warnings, ...result.warnings] };
}
