/**
 * The Gemini API's image models: one row each, with capabilities, prices, lifecycle and where each
 * fact was read (as of 2026-12-02). The prices are shared with Vertex AI, which lists the same
 * models at the same rates. Unlisted `gemini-*image*` and `nano-banana-*` ids pass through with
 * Gemini 3.1 Flash Image's rules.
 * @module
 */
import type { CatalogueRow, ModelPrice, ProviderCatalogue } from '@retouch/core';
import { capabilitiesOf, GEMINI_MODEL_SPECS, type GeminiModelSpec } from './gemini-capabilities.js';

const M = 1e-6;

/** Where the Gemini API's lifecycle facts were read. */
export const GEMINI_DEPRECATIONS =
  'ai.google.dev/gemini-api/docs/deprecations (read via search 2026-12-02; shutdown dates there are "the earliest possible dates")';
const SDK_MODELS = '@google/genai@3.3.0 (npm, 2026-11-12) dist/genai.d.ts model union';
const CAPABILITY_SOURCE =
  "provider-wire-formats.md §2.2 (js-genai AspectRatio/ImageSize enums; the Gemini cookbook's input-image counts); @google/genai@3.3.0 ImageSize enum (IMAGE_SIZE_FIVE_TWELVE = 512)";

/**
 * Gemini 3.1 Flash Image: $0.50 in, $3 text and thinking out, $60 image out per 1M tokens; per
 * image (when a response has no usage) $0.067 at 1K, $0.101 at 2K, $0.151 at 4K — `quality` picks
 * the tier (low/standard 1K, medium 2K, high 4K); $0.045 is the 512 tier's, not 1K's.
 */
export const GEMINI_31_FLASH_IMAGE_PRICE: ModelPrice = {
  input_cost_per_token: 0.5 * M,
  output_cost_per_token: 3 * M,
  output_cost_per_image_token: 60 * M,
  output_cost_per_image: 0.067,
  output_cost_per_image_by_quality: {
    standard: { '*': 0.067 },
    low: { '*': 0.067 },
    medium: { '*': 0.101 },
    high: { '*': 0.151 },
  },
};
/** Where {@link GEMINI_31_FLASH_IMAGE_PRICE} was read. */
export const GEMINI_31_FLASH_IMAGE_PRICE_SOURCE =
  "per image: blog.laozhang.ai (checked Google's pricing page 2026-04-04: 512 $0.045, 1K $0.067, 2K $0.101, 4K $0.151); tokens: OpenRouter's listing ($0.50 in, $3 out per 1M) and $60 per 1M image tokens (aifreeapi.com, therouter docs); aifreeapi.com reports AI Studio showing 2x the API docs' input/text-output rates";

/** Gemini 3 Pro Image: $2 in, $12 text and thinking out, $120 image out per 1M tokens; $0.134 per 1K/2K image, $0.24 per 4K. */
export const GEMINI_3_PRO_IMAGE_PRICE: ModelPrice = {
  input_cost_per_token: 2 * M,
  output_cost_per_token: 12 * M,
  output_cost_per_image_token: 120 * M,
  output_cost_per_image: 0.134,
  output_cost_per_image_by_quality: {
    standard: { '*': 0.134 },
    low: { '*': 0.134 },
    medium: { '*': 0.134 },
    high: { '*': 0.24 },
  },
};
/** Where {@link GEMINI_3_PRO_IMAGE_PRICE} was read. */
export const GEMINI_3_PRO_IMAGE_PRICE_SOURCE =
  "ai.google.dev/gemini-api/docs/pricing as transcribed by api-evangelist/gemini plans/gemini-plans-pricing.yml (2026-09-20): $120 per 1M image tokens, $0.134 per 1K/2K image, $0.24 per 4K; $2 in / $12 out per 1M from retouch's earlier table (LiteLLM's)";

/** Gemini 2.5 Flash Image: $0.30 in, $2.50 text out, $30 image out per 1M tokens; $0.039 per image. */
export const GEMINI_25_FLASH_IMAGE_PRICE: ModelPrice = {
  input_cost_per_token: 0.3 * M,
  output_cost_per_token: 2.5 * M,
  output_cost_per_image_token: 30 * M,
  output_cost_per_image: 0.039,
};
/** Where {@link GEMINI_25_FLASH_IMAGE_PRICE} was read. */
export const GEMINI_25_FLASH_IMAGE_PRICE_SOURCE =
  "Gemini API pricing page as carried in retouch's earlier table (LiteLLM's, litellm-image-edit.md §5.4); not re-read";

function row(
  model: string,
  spec: GeminiModelSpec | undefined,
  fields: Omit<CatalogueRow, 'model' | 'capabilities'>,
): CatalogueRow {
  const capabilities = capabilitiesOf({ [model]: spec as GeminiModelSpec }, 'gemini')[model];
  if (!spec || !capabilities) throw new Error(`no Gemini spec for ${model}`);
  return { model, capabilities, ...fields };
}

const spec = (model: string) => GEMINI_MODEL_SPECS[model];

const rows: CatalogueRow[] = [
  row('gemini-3.1-flash-image', spec('gemini-3.1-flash-image'), {
    status: 'active',
    released: '2026-05-28',
    price: GEMINI_31_FLASH_IMAGE_PRICE,
    sources: {
      lifecycle: `${GEMINI_DEPRECATIONS}: released May 28, 2026, no shutdown announced; ${SDK_MODELS}`,
      capabilities: CAPABILITY_SOURCE,
      price: GEMINI_31_FLASH_IMAGE_PRICE_SOURCE,
    },
  }),
  row('gemini-3-pro-image', spec('gemini-3-pro-image'), {
    status: 'active',
    released: '2026-05-28',
    price: GEMINI_3_PRO_IMAGE_PRICE,
    sources: {
      lifecycle: `${GEMINI_DEPRECATIONS}: released May 28, 2026, no shutdown announced; ${SDK_MODELS}`,
      capabilities: CAPABILITY_SOURCE,
      price: GEMINI_3_PRO_IMAGE_PRICE_SOURCE,
    },
  }),
  row('gemini-3.1-flash-lite-image', spec('gemini-3.1-flash-lite-image'), {
    status: 'active',
    price: null,
    sources: {
      lifecycle: `${SDK_MODELS} (listed); not in the deprecations table read`,
      capabilities:
        'vercel.com/ai-gateway/models/gemini-3.1-flash-lite-image ("Nano Banana 2 Lite": generates and edits 1K images); input-image limit assumed from Gemini 3.1 Flash Image',
      price: 'not found in the sources read',
    },
    notes: 'Price and release date unknown: set them in model_info or a model catalogue file to get a cost.',
  }),
  row('nano-banana-pro-preview', spec('nano-banana-pro-preview'), {
    status: 'preview',
    price: GEMINI_3_PRO_IMAGE_PRICE,
    sources: {
      lifecycle: `${SDK_MODELS} (still listed); not in the deprecations table read`,
      capabilities: `${CAPABILITY_SOURCE}; served as Gemini 3 Pro Image (models.list names it an alias of it)`,
      price: `assumed Gemini 3 Pro Image's: ${GEMINI_3_PRO_IMAGE_PRICE_SOURCE}`,
    },
    notes:
      "The Gemini API's alias of Gemini 3 Pro Image; which model it points at after the preview's shutdown is not documented in the sources read.",
  }),
  row('gemini-2.5-flash-image', spec('gemini-2.5-flash-image'), {
    status: 'deprecated',
    released: '2025-10-02',
    shutdown: '2026-10-02',
    shutdownEarliest: true,
    successor: 'gemini-3.1-flash-image',
    price: GEMINI_25_FLASH_IMAGE_PRICE,
    sources: {
      lifecycle: `${GEMINI_DEPRECATIONS}: released October 2, 2025, shutdown October 2, 2026; replacement from dev.to "Gemini API Shutdowns 30 Sept" migration guide (named gemini-3.1-flash-image-preview, itself shut down; its GA id here)`,
      capabilities: CAPABILITY_SOURCE,
      price: GEMINI_25_FLASH_IMAGE_PRICE_SOURCE,
    },
    notes: 'Its earliest shutdown date has passed; no source read confirms that it was turned off.',
  }),
  row('gemini-3.1-flash-image-preview', spec('gemini-3.1-flash-image-preview'), {
    status: 'retired',
    released: '2026-02-26',
    shutdown: '2026-06-25',
    successor: 'gemini-3.1-flash-image',
    price: GEMINI_31_FLASH_IMAGE_PRICE,
    sources: {
      lifecycle: `${GEMINI_DEPRECATIONS}: shutdown June 25, 2026, replacement gemini-3.1-flash-image; shown as done in dev.to "Gemini API Shutdowns 30 Sept"; gone from ${SDK_MODELS}`,
      capabilities: CAPABILITY_SOURCE,
      price: GEMINI_31_FLASH_IMAGE_PRICE_SOURCE,
    },
  }),
  row('gemini-3-pro-image-preview', spec('gemini-3-pro-image-preview'), {
    status: 'retired',
    released: '2025-11-20',
    shutdown: '2026-06-25',
    successor: 'gemini-3-pro-image',
    price: GEMINI_3_PRO_IMAGE_PRICE,
    sources: {
      lifecycle: `${GEMINI_DEPRECATIONS}: shutdown June 25, 2026, replacement gemini-3-pro-image; shown as done in dev.to "Gemini API Shutdowns 30 Sept"; gone from ${SDK_MODELS}`,
      capabilities: CAPABILITY_SOURCE,
      price: GEMINI_3_PRO_IMAGE_PRICE_SOURCE,
    },
  }),
];

/** Family rules shared by the Gemini API and Vertex AI. */
export const GEMINI_FAMILIES: ProviderCatalogue['families'] = [
  { pattern: 'gemini-*image*', like: 'gemini-3.1-flash-image' },
];

/** The Gemini API catalogue. */
export const GEMINI_CATALOGUE: ProviderCatalogue = {
  provider: 'gemini',
  rows,
  families: [
    ...GEMINI_FAMILIES,
    { pattern: 'nano-banana-*', like: 'gemini-3.1-flash-image' },
    { pattern: 'gemini-nano-banana-*', like: 'gemini-3.1-flash-image' },
  ],
};
