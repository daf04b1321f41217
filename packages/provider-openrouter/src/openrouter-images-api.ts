/**
 * OpenRouter's dedicated Image API: `POST {base}/images` with the prompt, `input_references`
 * (data URLs, up to 16), native `n`, `aspect_ratio`, `resolution` (or `quality` for gpt-image
 * models), `output_format`, `output_compression`, `background`; the answer's `data[].b64_json`.
 * @module
 */
import { parseUpstream, type ProviderImageEditResult, toDataUrl } from '@retouch/core';
import { z } from 'zod';
import { IMAGES_ASPECT_RATIOS } from './openrouter-capabilities.js';
import {
  mapAspectRatio,
  mapResolutionTier,
  type OpenRouterCall,
  PROVIDER,
  readUsage,
  refuseOnPath,
  usageSchema,
} from './openrouter-mapping.js';

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
 * Builds the `/images` body.
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
  const tier = mapResolutionTier(call);
  // gpt-image's quality is a rendering knob that /images takes as is; elsewhere quality picks the tier.
  const qualityAsIs = info.qualityOnImages === 'quality' && extras.image_size === undefined;
  const body: Record<string, unknown> = {
    model: request.model,
    prompt: request.prompt,
    input_references: request.images.map((image) => ({
      type: 'image_url',
      image_url: { url: toDataUrl(image) },
    })),
    n: request.n > 1 ? request.n : undefined,
    aspect_ratio: mapAspectRatio(call, IMAGES_ASPECT_RATIOS),
    resolution: qualityAsIs || tier === undefined ? undefined : RESOLUTION_NAMES[tier],
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
  const { http, request, options } = call;
  const body = buildImagesBody(call);
  const response = await http.postJson('/images', body, {
    signal: options.signal,
    model: request.model,
    headers: request.extraHeaders,
  });
  const parsed = parseUpstream(responseSchema, response.body, { provider: PROVIDER, model: request.model });
  const warnings: string[] = [];
  if (parsed.data.length > 0 && parsed.data.length < request.n) {
    // "Providers may return fewer images": say so rather than pass it off as the full answer.
    warnings.push(`n: asked for ${request.n} images, ${request.model} returned ${parsed.data.length}`);
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
