/**
 * OpenRouter's dedicated Image API: `POST {base}/images` with the prompt, `input_references`
 * (data URLs, up to 16), `n` (native for gpt-image; one call per image elsewhere, as single-image
 * providers reject `n` > 1), an explicit pixel `size` or `aspect_ratio` + `resolution` (or
 * `quality` for gpt-image models), `output_format`, `output_compression`, `background`; the
 * answer's `data[].b64_json`.
 * @module
 */
import { fanOut, parseSize, parseUpstream, type ProviderImageEditResult, toDataUrl } from '@retouch/core';
import { z } from 'zod';
import { IMAGES_ASPECT_RATIOS } from './openrouter-capabilities.js';
import {
  badParam,
  mapAspectRatio,
  type OpenRouterCall,
  PROVIDER,
  readUsage,
  refuseOnPath,
  resolveTier,
  usageSchema,
  withSeed,
} from './openrouter-mapping.js';

/** Concurrent calls when `n` > 1 is fanned out (each is a full generation; keep the burst small). */
const N_CONCURRENCY = 4;

const responseSchema = z
  .object({
    created: z.number().nullish(),
    data: z.array(z.object({ b64_json: z.string(), media_type: z.string().nullish() }).loose()),
    usage: usageSchema.nullish(),
  })
  .loose();

/** `image_size` tiers under `/images`' `resolution` names. */
const RESOLUTION_NAMES: Readonly<Record<string, string>> = {
  '0.5K': '512',
  '512': '512',
  '1K': '1K',
  '2K': '2K',
  '4K': '4K',
};

/**
 * The `aspect_ratio` to send next to an explicit pixel `size`: only the `aspect_ratio` extra, and
 * only when it matches the size (OpenRouter refuses a mismatched pair with a 400).
 */
function aspectRatioBesideSize(
  call: OpenRouterCall,
  pixels: { width: number; height: number },
): string | undefined {
  const { request, extras } = call;
  if (extras.aspect_ratio === undefined) return undefined;
  const ratio = mapAspectRatio(call, IMAGES_ASPECT_RATIOS);
  const [w, h] = (ratio ?? '').split(':').map(Number) as [number, number];
  if (ratio !== 'auto' && Math.abs(pixels.width / pixels.height - w / h) > 0.01) {
    throw badParam(
      request.model,
      'aspect_ratio',
      `aspect_ratio ${ratio} does not match size ${request.size}, and OpenRouter refuses the pair; give one of them.`,
    );
  }
  return ratio;
}

/**
 * Builds the `/images` body. An explicit pixel `size` is sent as `size` (the spec calls it
 * authoritative) with no `resolution`; `quality` goes as OpenRouter's `quality` for gpt-image
 * (and next to a pixel size), else as the `resolution` tier.
 *
 * @example
 * ```ts
 * buildImagesBody(call); // { model, prompt, input_references: [{ type: 'image_url', image_url: { url } }], aspect_ratio, resolution }
 * ```
 */
export function buildImagesBody(call: OpenRouterCall): Record<string, unknown> {
  const { request, extras, info } = call;
  const chatOnly = (['image_config', 'modalities'] as const).filter((name) => extras[name] !== undefined);
  refuseOnPath(call, chatOnly, 'images', 'Use openrouter_endpoint: "chat" for it.');
  const pixels = parseSize(request.size);
  if (pixels && extras.image_size !== undefined) {
    throw badParam(
      request.model,
      'image_size',
      `size ${request.size} already sets the pixels, and OpenRouter refuses a resolution next to it; give size or image_size, not both.`,
    );
  }
  // gpt-image's quality is a rendering knob that /images takes as is; elsewhere quality picks the tier.
  const qualityAsIs = (info.qualityOnImages === 'quality' && extras.image_size === undefined) || !!pixels;
  const body: Record<string, unknown> = {
    model: request.model,
    prompt: request.prompt,
    input_references: request.images.map((image) => ({
      type: 'image_url',
      image_url: { url: toDataUrl(image) },
    })),
    n: info.imagesN && request.n > 1 ? request.n : undefined,
    size: pixels ? request.size : undefined,
    aspect_ratio: pixels ? aspectRatioBesideSize(call, pixels) : mapAspectRatio(call, IMAGES_ASPECT_RATIOS),
    resolution: qualityAsIs ? undefined : resolveTier(call, info.imagesResolutions, RESOLUTION_NAMES),
    quality: qualityAsIs ? request.quality : undefined,
    output_format: request.output_format,
    output_compression: request.output_compression,
    background: request.background,
    seed: extras.seed,
    provider: extras.provider,
  };
  for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key];
  return { ...body, ...request.extraBody };
}

/**
 * One `/images` call.
 *
 * @example
 * ```ts
 * const result = await imagesEdit(call);
 * ```
 */
export async function imagesEdit(call: OpenRouterCall): Promise<ProviderImageEditResult> {
  const { request, options, info } = call;
  const body = buildImagesBody(call);
  if (info.imagesN || request.n <= 1) return oneCall(call, body, options.signal, request.n);
  // Single-image models reject n > 1: one call per image, a fixed seed going up by one per call.
  return fanOut(request.n, Math.min(request.n, N_CONCURRENCY), options.signal, (signal, index) =>
    oneCall(call, withSeed(body, index), signal, 1),
  );
}

async function oneCall(
  call: OpenRouterCall,
  body: Record<string, unknown>,
  signal: AbortSignal,
  wanted: number,
): Promise<ProviderImageEditResult> {
  const { http, request } = call;
  const response = await http.postJson('/images', body, {
    signal,
    model: request.model,
    headers: request.extraHeaders,
  });
  const parsed = parseUpstream(responseSchema, response.body, { provider: PROVIDER, model: request.model });
  const warnings: string[] = [];
  if (parsed.data.length > 0 && parsed.data.length < wanted) {
    // "Providers may return fewer images": say so rather than pass it off as the full answer.
    warnings.push(`n: asked for ${wanted} images, ${request.model} returned ${parsed.data.length}`);
  }
  const { usage, costUsd } = readUsage(parsed.usage);
  return {
    images: parsed.data.map((item) => ({
      b64: item.b64_json,
      mediaType: item.media_type ?? `image/${request.output_format ?? 'png'}`,
    })),
    usage,
    providerCostUsd: costUsd,
    warnings,
    upstreamRequestId: response.requestId,
    echo: { output_format: request.output_format, background: request.background },
  };
}
