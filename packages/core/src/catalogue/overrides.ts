/**
 * Declaring or overriding a model at run time, with LiteLLM's key names where they exist: in a
 * deployment's `model_info`, in `imageEdit`'s `modelInfo`, or as a row of a model catalogue file.
 * Capabilities: `max_input_images`, `supports_mask`, `sizes`, `supported_openai_params`; prices:
 * `input_cost_per_image`, `output_cost_per_image`, `input_cost_per_token`, `output_cost_per_token`,
 * …; lifecycle: `status`, `released`, `deprecated`, `shutdown` (or LiteLLM's `deprecation_date`),
 * `successor`; and `base_model`, the row whose capabilities and price an unlisted id starts from.
 * @module
 */
import { z } from 'zod';
import { type ModelCapabilities, OPENAI_EDIT_PARAMS, type OpenAIEditParam } from '../capabilities.js';
import { type ModelPrice, pickPriceOverrides } from '../pricing/price.js';
import { type CatalogueRow, MODEL_STATUSES, type ModelStatus, type RowSources } from './types.js';

/** A row's overrides, as `model_info` or a catalogue file gives them. */
export interface ModelOverride extends ModelPrice {
  status?: ModelStatus;
  released?: string;
  deprecated?: string;
  shutdown?: string;
  /** LiteLLM's name for the shutdown date. */
  deprecation_date?: string;
  shutdown_earliest?: boolean;
  successor?: string;
  /** The row (same provider, with or without prefix) an unlisted id takes its capabilities and price from. */
  base_model?: string;
  /** Most input images. */
  max_input_images?: number;
  /** Whether a mask is taken (optional). */
  supports_mask?: boolean;
  /** The `size` values taken (`WxH` or `auto`); replaces any free-form size rule. */
  sizes?: string[];
  /** The optional OpenAI fields the model honours (LiteLLM's `supported_openai_params`). */
  supported_openai_params?: OpenAIEditParam[];
  /** LiteLLM's mode (`image_edit`, `image_generation`, `chat`, …). */
  mode?: string;
  sources?: Partial<RowSources>;
  notes?: string;
}

const usd = z.number().nonnegative();
const date = z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'expected a date as YYYY-MM-DD (or YYYY-MM)');

/** LiteLLM's price keys, in USD, as a catalogue file row, `model_info` and `litellm_params` take them. */
export const priceShape = {
  input_cost_per_token: usd.optional(),
  input_cost_per_image_token: usd.optional(),
  output_cost_per_token: usd.optional(),
  output_cost_per_image_token: usd.optional(),
  input_cost_per_image: usd.optional(),
  output_cost_per_image: usd.optional(),
  output_cost_per_image_by_quality: z.record(z.string(), z.record(z.string(), usd)).optional(),
  output_cost_per_pixel: usd.optional(),
  cost_per_request: usd.optional(),
};

/** The keys a catalogue file row may have, with their checks. */
export const overrideShape = {
  status: z.enum(MODEL_STATUSES as [ModelStatus, ...ModelStatus[]]).optional(),
  released: date.optional(),
  deprecated: date.optional(),
  shutdown: date.optional(),
  deprecation_date: date.optional(),
  shutdown_earliest: z.boolean().optional(),
  successor: z.string().min(1).optional(),
  base_model: z.string().min(1).optional(),
  max_input_images: z.number().int().positive().optional(),
  supports_mask: z.boolean().optional(),
  sizes: z
    .array(z.string().regex(/^(auto|\d+x\d+)$/, 'expected WxH (e.g. 1024x1024) or auto'))
    .min(1)
    .optional(),
  supported_openai_params: z
    .array(z.enum(OPENAI_EDIT_PARAMS as [OpenAIEditParam, ...OpenAIEditParam[]]))
    .optional(),
  mode: z.string().optional(),
  ...priceShape,
  sources: z
    .strictObject({
      lifecycle: z.string().optional(),
      capabilities: z.string().optional(),
      price: z.string().optional(),
    })
    .optional(),
  notes: z.string().optional(),
};

/** LiteLLM modes that serve image edits; a deployment in any other mode is not an image model. */
export const IMAGE_MODES: readonly string[] = ['image_edit', 'image_generation'];

/**
 * Whether a LiteLLM `mode` is an image mode (no mode counts as one).
 *
 * @example
 * ```ts
 * isImageMode('chat'); // false
 * isImageMode(undefined); // true
 * ```
 */
export function isImageMode(mode: unknown): boolean {
  return mode === undefined || mode === null || (typeof mode === 'string' && IMAGE_MODES.includes(mode));
}

/**
 * Picks the override keys out of a settings record (a deployment's `model_info`), leaving the
 * router's own (`id`, `cooldown_time`, …) aside. Values are used as given: the router and the
 * catalogue file validate them before.
 *
 * @example
 * ```ts
 * pickModelOverride({ id: 'a', max_input_images: 4, output_cost_per_image: 0.02 });
 * // { max_input_images: 4, output_cost_per_image: 0.02 }
 * ```
 */
export function pickModelOverride(settings: Record<string, unknown> | undefined): ModelOverride | undefined {
  if (!settings) return undefined;
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(overrideShape)) {
    if (key === 'mode') continue;
    if (settings[key] !== undefined) picked[key] = settings[key];
  }
  return Object.keys(picked).length > 0 ? (picked as ModelOverride) : undefined;
}

function applyCapabilities(caps: ModelCapabilities, override: ModelOverride): ModelCapabilities {
  const out: ModelCapabilities = { ...caps };
  if (override.max_input_images !== undefined) out.maxImages = override.max_input_images;
  if (override.supported_openai_params) out.params = [...override.supported_openai_params];
  if (override.supports_mask !== undefined) {
    out.mask = override.supports_mask ? (caps.mask === 'none' ? 'optional' : caps.mask) : 'none';
    const params = out.params.filter((p) => p !== 'mask');
    out.params = override.supports_mask ? ['mask', ...params] : params;
  }
  if (override.sizes) {
    out.sizes = [...override.sizes];
    out.customSizes = undefined;
    if (!out.params.includes('size')) out.params = [...out.params, 'size'];
  }
  return out;
}

/**
 * A row with overrides applied: lifecycle fields replaced, capabilities adjusted, price fields
 * merged over the row's (a row without a price gets the override's alone), sources updated.
 *
 * @example
 * ```ts
 * applyOverride(row, { output_cost_per_image: 0.05 }, 'model_info').price?.output_cost_per_image; // 0.05
 * ```
 */
export function applyOverride(row: CatalogueRow, override: ModelOverride, origin: string): CatalogueRow {
  const price = pickPriceOverrides(override as Record<string, unknown>);
  const capabilityKeys = ['max_input_images', 'supports_mask', 'sizes', 'supported_openai_params'] as const;
  const lifecycleKeys = [
    'status',
    'released',
    'deprecated',
    'shutdown',
    'deprecation_date',
    'successor',
  ] as const;
  const touches = (keys: readonly (keyof ModelOverride)[]) => keys.some((k) => override[k] !== undefined);
  const out: CatalogueRow = {
    ...row,
    capabilities: applyCapabilities(row.capabilities, override),
    price: price ? { ...(row.price ?? {}), ...price } : row.price,
    sources: {
      lifecycle: override.sources?.lifecycle ?? (touches(lifecycleKeys) ? origin : row.sources.lifecycle),
      capabilities:
        override.sources?.capabilities ?? (touches(capabilityKeys) ? origin : row.sources.capabilities),
      price: override.sources?.price ?? (price ? origin : row.sources.price),
    },
  };
  if (override.status !== undefined) out.status = override.status;
  if (override.released !== undefined) out.released = override.released;
  if (override.deprecated !== undefined) out.deprecated = override.deprecated;
  const shutdown = override.shutdown ?? override.deprecation_date;
  if (shutdown !== undefined) {
    out.shutdown = shutdown;
    out.shutdownEarliest = override.shutdown_earliest ?? false;
  } else if (override.shutdown_earliest !== undefined) out.shutdownEarliest = override.shutdown_earliest;
  if (override.successor !== undefined) out.successor = override.successor;
  if (override.notes !== undefined) out.notes = override.notes;
  return out;
}
