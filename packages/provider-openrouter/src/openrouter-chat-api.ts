/**
 * OpenRouter's chat-completions path: `POST {base}/chat/completions` with one user message of a
 * text part plus `image_url` parts (data URLs), `modalities`, and `image_config: { aspect_ratio,
 * image_size }`; images come back as data URLs in `choices[].message.images[].image_url.url`. Chat
 * has no `n`: `n` > 1 runs that many calls, merged, a fixed `seed` going up by one per call.
 * @module
 */
import {
  BadGatewayError,
  ContentPolicyViolationError,
  fanOut,
  type GeneratedImage,
  type ProviderImageEditResult,
  parseUpstream,
  toDataUrl,
} from '@retouch/core';
import { z } from 'zod';
import {
  mapAspectRatio,
  type OpenRouterCall,
  PROVIDER,
  readUsage,
  refuseOnPath,
  resolveTier,
  usageSchema,
  withSeed,
} from './openrouter-mapping.js';

const imageSchema = z.object({ image_url: z.object({ url: z.string() }).loose() }).loose();

const responseSchema = z
  .object({
    id: z.string().nullish(),
    choices: z.array(
      z
        .object({
          finish_reason: z.string().nullish(),
          message: z
            .object({
              content: z.unknown().nullish(),
              refusal: z.string().nullish(),
              images: z.array(imageSchema).nullish(),
            })
            .loose(),
        })
        .loose(),
    ),
    usage: usageSchema.nullish(),
  })
  .loose();

/** Concurrent calls for `n` > 1 (each is a full generation; keep the burst small). */
const N_CONCURRENCY = 4;

/** `image_size` tiers under the chat path's names. */
const CHAT_SIZE_NAMES: Readonly<Record<string, string>> = {
  '512': '0.5K',
  '0.5K': '0.5K',
  '1K': '1K',
  '2K': '2K',
  '4K': '4K',
};

function imageConfig(call: OpenRouterCall): Record<string, unknown> | undefined {
  const { extras, info } = call;
  const size = resolveTier(call, info.chatImageSizes, CHAT_SIZE_NAMES);
  const config: Record<string, unknown> = { ...extras.image_config };
  const aspectRatio = mapAspectRatio(call, info.chatAspectRatios);
  if (aspectRatio !== undefined) config.aspect_ratio = aspectRatio;
  if (size !== undefined) config.image_size = size;
  return Object.keys(config).length > 0 ? config : undefined;
}

/**
 * Builds the chat completion body.
 *
 * @example
 * ```ts
 * buildChatBody(call); // { model, messages: [{ role: 'user', content: [text, ...image_url parts] }], modalities, image_config }
 * ```
 */
export function buildChatBody(call: OpenRouterCall): Record<string, unknown> {
  const { request, extras, info } = call;
  const imagesOnly = (['output_format', 'output_compression', 'background'] as const).filter(
    (name) => request[name] !== undefined,
  );
  refuseOnPath(call, imagesOnly, 'chat', 'The images path takes it: set openrouter_endpoint: "images".');
  const body: Record<string, unknown> = {
    model: request.model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: request.prompt ?? '' },
          ...request.images.map((image) => ({ type: 'image_url', image_url: { url: toDataUrl(image) } })),
        ],
      },
    ],
    modalities: extras.modalities ?? info.chatModalities,
    image_config: imageConfig(call),
    seed: extras.seed,
    provider: extras.provider,
    user: request.user,
  };
  for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key];
  return { ...body, ...request.extraBody };
}

function fromDataUrl(url: string): GeneratedImage {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { b64: match[2], mediaType: match[1] } : { url };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (part as { text?: string }).text ?? '').join('');
  return '';
}

async function oneCall(
  call: OpenRouterCall,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<ProviderImageEditResult> {
  const { http, request } = call;
  const ref = { provider: PROVIDER, model: request.model };
  const response = await http.postJson('/chat/completions', body, {
    signal,
    model: request.model,
    headers: request.extraHeaders,
  });
  const parsed = parseUpstream(responseSchema, response.body, ref);
  const choice = parsed.choices[0];
  const images = (choice?.message.images ?? []).map((image) => fromDataUrl(image.image_url.url));
  if (images.length === 0) {
    const said = choice?.message.refusal || textOf(choice?.message.content);
    // What the model said, not the whole body: bodies may carry image data.
    const upstream = {
      ...ref,
      upstreamBody: JSON.stringify({ id: parsed.id, finish_reason: choice?.finish_reason, content: said }),
      upstreamRequestId: parsed.id ?? undefined,
    };
    if (choice?.finish_reason === 'content_filter' || choice?.message.refusal) {
      throw new ContentPolicyViolationError({
        message: `${PROVIDER}/${request.model} refused the edit (finish_reason ${choice?.finish_reason ?? 'refusal'})${said ? `: ${said.slice(0, 300)}` : ''}`,
        ...upstream,
      });
    }
    // A 200 without an image (provider error, or a text-only answer) happens transiently: retryable.
    throw new BadGatewayError({
      message: `${PROVIDER}/${request.model} answered without an image (finish_reason ${choice?.finish_reason ?? 'none'})${said ? `: ${said.slice(0, 300)}` : ''}`,
      code: choice?.finish_reason === 'error' ? 'upstream_generation_failed' : 'no_image',
      ...upstream,
    });
  }
  const { usage, costUsd } = readUsage(parsed.usage);
  return { images, usage, providerCostUsd: costUsd, warnings: [], upstreamRequestId: parsed.id ?? undefined };
}

/**
 * `n` chat calls (one image each), merged.
 *
 * @example
 * ```ts
 * const result = await chatEdit(call);
 * ```
 */
export async function chatEdit(call: OpenRouterCall): Promise<ProviderImageEditResult> {
  const body = buildChatBody(call);
  const { request, options } = call;
  return fanOut(request.n, Math.min(request.n, N_CONCURRENCY), options.signal, (signal, index) =>
    oneCall(call, withSeed(body, index), signal),
  );
}
