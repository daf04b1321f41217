/**
 * What both OpenRouter paths share: the call context, `size` → `aspect_ratio` and `quality` →
 * resolution tier, fields a path cannot take, and usage / cost reading.
 * @module
 */
import {
  BadRequestError,
  type ImageUsage,
  nearestAspectRatio,
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  parseSize,
  seedForCall,
  UnsupportedParamsError,
} from '@retouch/core';
import { z } from 'zod';
import type { OpenRouterModelInfo } from './openrouter-capabilities.js';
import type { OpenRouterOptions } from './openrouter-options.js';

export const PROVIDER = 'openrouter';

/** What one path needs to build its call. */
export interface OpenRouterCall {
  http: ProviderHttp;
  request: ProviderImageEditRequest;
  options: ProviderCallOptions;
  info: OpenRouterModelInfo;
  extras: OpenRouterOptions;
  warnings: string[];
}

const QUALITY_TIERS: Readonly<Record<string, string>> = { low: '1K', medium: '2K', high: '4K' };

/** `usage` as both paths report it (`ChatUsage`, `ImageGenerationUsage`). */
export const usageSchema = z
  .object({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    total_tokens: z.number().nullish(),
    cost: z.number().nullish(),
    is_byok: z.boolean().nullish(),
    cost_details: z.object({ upstream_inference_cost: z.number().nullish() }).loose().nullish(),
    completion_tokens_details: z.object({ image_tokens: z.number().nullish() }).loose().nullish(),
  })
  .loose();

/**
 * OpenRouter usage in OpenAI's shape, and its cost in USD (with BYOK, OpenRouter's fee plus the
 * upstream's own charge, which `cost` alone leaves out).
 *
 * @example
 * ```ts
 * readUsage({ prompt_tokens: 10, completion_tokens: 1290, total_tokens: 1300, cost: 0.039 }).costUsd; // 0.039
 * ```
 */
export function readUsage(usage: z.infer<typeof usageSchema> | null | undefined): {
  usage?: ImageUsage;
  costUsd?: number;
} {
  if (!usage) return {};
  const input = usage.prompt_tokens ?? 0;
  const output = usage.completion_tokens ?? 0;
  const imageTokens = usage.completion_tokens_details?.image_tokens ?? undefined;
  const upstream = usage.is_byok ? (usage.cost_details?.upstream_inference_cost ?? 0) : 0;
  return {
    usage: {
      input_tokens: input,
      output_tokens: output,
      total_tokens: usage.total_tokens ?? input + output,
      ...(imageTokens === undefined
        ? {}
        : {
            output_tokens_details: {
              image_tokens: imageTokens,
              text_tokens: Math.max(0, output - imageTokens),
            },
          }),
    },
    costUsd: usage.cost === null || usage.cost === undefined ? undefined : usage.cost + upstream,
  };
}

/**
 * A 400 naming `param`.
 *
 * @example
 * ```ts
 * throw badParam('openai/gpt-image-1', 'aspect_ratio', 'takes 1:1, 3:2, …');
 * ```
 */
export function badParam(model: string, param: string, message: string): BadRequestError {
  return new BadRequestError({ message: `${param}: ${message}`, param, provider: PROVIDER, model });
}

/**
 * Refuses (or, under `drop_params`, drops with a warning) fields the chosen path cannot take.
 *
 * @example
 * ```ts
 * refuseOnPath(call, ['output_format'], 'chat', 'The images path takes it.');
 * ```
 */
export function refuseOnPath(
  call: OpenRouterCall,
  names: readonly string[],
  path: string,
  hint: string,
): void {
  const { request, warnings } = call;
  for (const name of names) {
    if (request.dropParams) {
      warnings.push(`dropped ${name}: ${PROVIDER}/${request.model} on the ${path} path does not support it`);
      continue;
    }
    throw new UnsupportedParamsError({
      message: `${name}: ${PROVIDER}/${request.model} on the ${path} path does not take ${name}. ${hint} Or set drop_params: true.`,
      param: name,
      provider: PROVIDER,
      model: request.model,
    });
  }
}

/**
 * The aspect ratio to send: the `aspect_ratio` extra (checked against `supported`), else the
 * nearest to `size`, with a warning when that is not exact.
 *
 * @example
 * ```ts
 * mapAspectRatio(call, CHAT_ASPECT_RATIOS); // '3:2' for size 1536x1024
 * ```
 */
export function mapAspectRatio(call: OpenRouterCall, supported: readonly string[]): string | undefined {
  const { request, extras, warnings } = call;
  if (extras.aspect_ratio !== undefined) {
    if (!supported.includes(extras.aspect_ratio)) {
      throw badParam(
        request.model,
        'aspect_ratio',
        `${request.model} takes ${supported.join(', ')} here; got ${extras.aspect_ratio}.`,
      );
    }
    return extras.aspect_ratio;
  }
  const ratio = nearestAspectRatio(
    request.size,
    supported.filter((value) => value !== 'auto'),
  );
  const size = parseSize(request.size);
  if (ratio && size) {
    const [w, h] = ratio.split(':').map(Number) as [number, number];
    if (Math.abs(size.width / size.height - w / h) > 0.01) {
      warnings.push(
        `size ${request.size}: sent as aspect_ratio ${ratio}, the nearest one ${request.model} takes`,
      );
    }
  }
  return ratio;
}

/** Resolution tiers from small to large, under `/images`' names (`0.5K` is chat's name of `512`). */
const TIER_ORDER = ['512', '1K', '2K', '4K'];
const rankOf = (tier: string) => TIER_ORDER.indexOf(tier === '0.5K' ? '512' : tier);

/**
 * The resolution tier to send, in the path's names: the `image_size` extra, else from `quality`
 * (low→1K, medium→2K, high→4K). Against the model's `supported` tiers (when known), an
 * `image_size` it lacks is a 400; a tier `quality` implies is lowered to the model's largest one
 * not above it, with a warning.
 *
 * @example
 * ```ts
 * resolveTier(call, ['1K'], { '4K': '4K', '1K': '1K' }); // '1K' for quality high, with a warning
 * ```
 */
export function resolveTier(
  call: OpenRouterCall,
  supported: readonly string[] | undefined,
  names: Readonly<Record<string, string>>,
): string | undefined {
  const { request, extras, warnings } = call;
  const fromQuality = extras.image_size === undefined;
  const asked = extras.image_size ?? (request.quality ? QUALITY_TIERS[request.quality] : undefined);
  const tier = asked === undefined ? undefined : names[asked];
  if (tier === undefined || !supported || supported.includes(tier)) return tier;
  const param = fromQuality ? 'quality' : 'image_size';
  if (!fromQuality || supported.length === 0) {
    throw badParam(
      request.model,
      param,
      `${request.model} takes image_size ${supported.join(', ')}; ${param} asked for ${tier}.`,
    );
  }
  const byRank = [...supported].sort((a, b) => rankOf(a) - rankOf(b));
  const chosen = byRank.filter((value) => rankOf(value) <= rankOf(tier)).at(-1) ?? (byRank[0] as string);
  warnings.push(
    `quality ${request.quality}: ${request.model} makes ${supported.join(', ')} images only; sent ${chosen} instead of ${tier}`,
  );
  return chosen;
}

/**
 * The body of the `index`-th call of a fan-out: a fixed `seed` goes up by one per call, so `n`
 * calls make `n` different images.
 *
 * @example
 * ```ts
 * withSeed({ model, seed: 7 }, 2).seed; // 9
 * ```
 */
export function withSeed(body: Record<string, unknown>, index: number): Record<string, unknown> {
  return typeof body.seed === 'number' ? { ...body, seed: seedForCall(body.seed, index) } : body;
}
