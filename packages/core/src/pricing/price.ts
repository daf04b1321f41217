/**
 * Price entries and the cost function. Field names are LiteLLM's (`input_cost_per_token`,
 * `output_cost_per_image`, …) so that a deployment's overrides in config.yaml read the same.
 * @module
 */
import type { ImageUsage } from '../provider.js';

/** What one model costs, in USD. Every field is optional; the cost function uses what is there. */
export interface ModelPrice {
  /** Per text input token. */
  input_cost_per_token?: number;
  /** Per image input token (falls back to `input_cost_per_token`). */
  input_cost_per_image_token?: number;
  /** Per text output token. */
  output_cost_per_token?: number;
  /** Per image output token. */
  output_cost_per_image_token?: number;
  /** Per input image. */
  input_cost_per_image?: number;
  /** Per output image. */
  output_cost_per_image?: number;
  /**
   * Per output image by quality, then size: `{ high: { '1024x1024': 0.167 } }`. The size `*`
   * prices every size of that quality (Gemini prices by resolution tier, which `quality` picks).
   */
  output_cost_per_image_by_quality?: Record<string, Record<string, number>>;
  /** Per output pixel. */
  output_cost_per_pixel?: number;
  /** Flat per call. */
  cost_per_request?: number;
}

/** The field names of {@link ModelPrice}, for picking overrides out of `litellm_params`/`model_info`. */
export const PRICE_FIELDS: readonly (keyof ModelPrice)[] = [
  'input_cost_per_token',
  'input_cost_per_image_token',
  'output_cost_per_token',
  'output_cost_per_image_token',
  'input_cost_per_image',
  'output_cost_per_image',
  'output_cost_per_image_by_quality',
  'output_cost_per_pixel',
  'cost_per_request',
];

/** What the cost function knows about a call. */
export interface CostInput {
  /** The price entry (table entry, or the deployment's override). */
  price: ModelPrice | undefined;
  /** Token usage the provider reported. */
  usage?: ImageUsage;
  /** Cost the provider itself reported, used when there is no override. */
  providerCostUsd?: number;
  /** Whether `price` came from the deployment's override (an override wins over the provider's figure). */
  priceIsOverride?: boolean;
  imagesIn: number;
  imagesOut: number;
  /** Size of each output image (`WxH`), when known. */
  size?: string;
  quality?: string;
}

/**
 * Picks the price fields out of a settings record (`litellm_params` or `model_info`).
 *
 * @example
 * ```ts
 * pickPriceOverrides({ model: 'gpt-image-1', output_cost_per_image: 0.05 }); // { output_cost_per_image: 0.05 }
 * ```
 */
export function pickPriceOverrides(settings: Record<string, unknown> | undefined): ModelPrice | undefined {
  if (!settings) return undefined;
  const picked: Record<string, unknown> = {};
  for (const field of PRICE_FIELDS) if (settings[field] !== undefined) picked[field] = settings[field];
  return Object.keys(picked).length > 0 ? (picked as ModelPrice) : undefined;
}

function tokenCost(price: ModelPrice, usage: ImageUsage): number | undefined {
  const imageOutRate = price.output_cost_per_image_token;
  if (price.input_cost_per_token === undefined && imageOutRate === undefined) return undefined;
  const inputImage = usage.input_tokens_details?.image_tokens ?? 0;
  const inputText = usage.input_tokens_details?.text_tokens ?? usage.input_tokens - inputImage;
  // The Images API reports no output split for most models: its output is image tokens.
  const outputText = usage.output_tokens_details?.text_tokens ?? 0;
  const outputImage = usage.output_tokens_details?.image_tokens ?? usage.output_tokens - outputText;
  const textIn = price.input_cost_per_token ?? 0;
  return (
    inputText * textIn +
    inputImage * (price.input_cost_per_image_token ?? textIn) +
    outputText * (price.output_cost_per_token ?? 0) +
    outputImage * (imageOutRate ?? price.output_cost_per_token ?? 0)
  );
}

function perImageCost(price: ModelPrice, input: CostInput): number | undefined {
  const byQuality = price.output_cost_per_image_by_quality;
  let perOutput: number | undefined;
  // A model with a single quality (dall-e-2: `standard`) is priced by size even when the caller,
  // as usual for it, names no quality.
  const qualities = byQuality ? Object.keys(byQuality) : [];
  const quality = input.quality ?? (qualities.length === 1 ? qualities[0] : undefined);
  if (byQuality && quality) {
    const bySize = byQuality[quality];
    perOutput = (input.size === undefined ? undefined : bySize?.[input.size]) ?? bySize?.['*'];
  }
  perOutput ??= price.output_cost_per_image;
  if (perOutput === undefined && price.output_cost_per_pixel !== undefined && input.size) {
    const [w, h] = input.size.split('x').map(Number);
    if (w && h) perOutput = w * h * price.output_cost_per_pixel;
  }
  const perInput = price.input_cost_per_image;
  if (perOutput === undefined && perInput === undefined) return undefined;
  return (perOutput ?? 0) * input.imagesOut + (perInput ?? 0) * input.imagesIn;
}

/**
 * The cost of a call in USD, or `null` when it cannot be known (never a made-up 0).
 *
 * Order: a deployment override wins; else the provider's own reported cost; else the price table
 * from reported token usage; else per image (by quality × size, per image, per pixel); plus any
 * flat per-call price.
 *
 * @example
 * ```ts
 * computeCost({
 *   price: { input_cost_per_token: 5e-6, input_cost_per_image_token: 1e-5, output_cost_per_image_token: 4e-5 },
 *   usage: { input_tokens: 100, output_tokens: 1000, total_tokens: 1100, input_tokens_details: { text_tokens: 50, image_tokens: 50 } },
 *   imagesIn: 1, imagesOut: 1,
 * }); // 0.04075
 * ```
 */
export function computeCost(input: CostInput): number | null {
  const { price } = input;
  // A reported cost is what the vendor billed; rounding only removes float noise from sums
  // (0.07 × 3 = 0.21000000000000002) — every vendor bills in coarser steps than 1e-9 USD.
  if (input.providerCostUsd !== undefined && !(input.priceIsOverride && price))
    return roundUsd(input.providerCostUsd);
  if (!price) return null;
  const usageCost = input.usage && input.usage.total_tokens > 0 ? tokenCost(price, input.usage) : undefined;
  const variable = usageCost ?? perImageCost(price, input);
  if (variable === undefined && price.cost_per_request === undefined) return null;
  return roundUsd((variable ?? 0) + (price.cost_per_request ?? 0));
}

/**
 * Rounds to 1e-9 USD so that sums of many calls stay exact enough and floats print cleanly.
 *
 * @example
 * ```ts
 * roundUsd(0.1 + 0.2); // 0.3
 * ```
 */
export function roundUsd(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
