/**
 * OpenAI's image-edit models: one row each, with capabilities, prices, lifecycle and where each
 * fact was read (as of 2026-12-02). Unlisted `gpt-image-*` / `chatgpt-image-*` ids pass through
 * with GPT Image 2.6's rules.
 * @module
 */
import type { CatalogueRow, ModelCapabilities, ModelPrice, ProviderCatalogue } from '@retouch/core';
import {
  DALL_E_2_CAPABILITIES,
  GPT_IMAGE_1_CAPABILITIES,
  GPT_IMAGE_1_MINI_CAPABILITIES,
  GPT_IMAGE_2_CAPABILITIES,
  GPT_IMAGE_25_CAPABILITIES,
} from './openai-capabilities.js';

const M = 1e-6;

const SDK =
  'openai@7.59.0 (npm, 2026-11-17) resources/images.d.ts: ImageModel union and ImageEditParams docs';
const SPEC = 'OpenAI OpenAPI spec (openai-openapi, 2026-08-21) CreateImageEditRequest';
const DEPRECATIONS =
  'developers.openai.com/api/docs/deprecations (read 2026-12-02): shutdown Dec 1, 2026, notice Jun 2, 2026, replacement gpt-image-2.6-sunburst or gpt-image-2.6-flare; a fixed date, now passed';
const SIZE_FLOOR =
  "OpenAI image generation guide's size rules (655,360–8,294,400 pixels, sides divisible by 16, 1:3–3:1, longest side 3840) as quoted by docs.anyfast.ai and yingtu.ai (2026-04-25)";
const EARLIER_TABLE = "OpenAI pricing page as carried in retouch's earlier price table (2026); not re-read";

/** Text in $5, image in $8, image out $30 per 1M tokens (GPT Image 2, 2.5, 2.6). */
const GPT_IMAGE_2_PRICE: ModelPrice = {
  input_cost_per_token: 5 * M,
  input_cost_per_image_token: 8 * M,
  output_cost_per_image_token: 30 * M,
};

const gptImage2x = (
  model: string,
  released: string,
  sources: Pick<CatalogueRow['sources'], 'lifecycle' | 'price'>,
  capabilities = GPT_IMAGE_25_CAPABILITIES,
  notes?: string,
): CatalogueRow => ({
  model,
  status: 'active',
  released,
  capabilities,
  price: GPT_IMAGE_2_PRICE,
  sources: {
    ...sources,
    capabilities: `${SDK} (quality xhigh/max, background opaque/transparent, custom sizes); ${SIZE_FLOOR}`,
  },
  notes,
});

const shutDec1 = (model: string, capabilities = GPT_IMAGE_1_CAPABILITIES): CatalogueRow => ({
  model,
  status: 'retired',
  deprecated: '2026-06-02',
  shutdown: '2026-12-01',
  successor: 'gpt-image-2.6-sunburst',
  capabilities,
  price: {
    input_cost_per_token: 5 * M,
    input_cost_per_image_token: 8 * M,
    output_cost_per_token: 10 * M,
    output_cost_per_image_token: 32 * M,
    output_cost_per_image_by_quality: {
      low: { '1024x1024': 0.009, '1024x1536': 0.013, '1536x1024': 0.013 },
      medium: { '1024x1024': 0.034, '1024x1536': 0.05, '1536x1024': 0.05 },
      high: { '1024x1024': 0.133, '1024x1536': 0.2, '1536x1024': 0.2 },
    },
  },
  sources: { lifecycle: DEPRECATIONS, capabilities: SPEC, price: EARLIER_TABLE },
});

const rows: CatalogueRow[] = [
  gptImage2x(
    'gpt-image-2.6-sunburst',
    '2026-11-04',
    {
      lifecycle: `${SDK} (listed; the Responses image tool's default); release date: APIYI launch notice 2026-11-05 ("OpenAI released Images 2.6 on November 4")`,
      price:
        'developers.openai.com/api/docs/models/gpt-image-2.6-sunburst (read 2026-12-02): text in $5, image in $8, image out $30 per 1M tokens',
    },
    GPT_IMAGE_25_CAPABILITIES,
    "The client's size notes name GPT Image 2 and 2.5 only; 2.6 is assumed to take the same sizes and qualities.",
  ),
  gptImage2x(
    'gpt-image-2.6-flare',
    '2026-11-04',
    {
      lifecycle: `${SDK} (listed); release date: APIYI launch notice 2026-11-05`,
      price:
        'APIYI launch notice 2026-11-05: unchanged $5 / $8 / $30 per 1M tokens (OpenAI page for flare not read)',
    },
    GPT_IMAGE_25_CAPABILITIES,
    "The client's size notes name GPT Image 2 and 2.5 only; 2.6 is assumed to take the same sizes and qualities.",
  ),
  ...[
    'gpt-image-2.5-sunburst',
    'gpt-image-2.5-sunburst-2026-09-08',
    'gpt-image-2.5-flare',
    'gpt-image-2.5-flare-2026-09-08',
  ].map((model) =>
    gptImage2x(model, '2026-09-08', {
      lifecycle: `${SDK} (listed, with the 2026-09-08 snapshots); release date: the snapshot id`,
      price:
        'APIYI GPT-image-2.5 launch note (2026-09-09): $5 text in, $8 image in, $30 image out per 1M tokens, the same as gpt-image-2',
    }),
  ),
  ...['gpt-image-2', 'gpt-image-2-2026-04-21'].map((model) =>
    gptImage2x(
      model,
      '2026-04-21',
      {
        lifecycle: `developers.openai.com/api/docs/models/gpt-image-2 (default snapshot gpt-image-2-2026-04-21); ${SDK}`,
        price: 'APIYI GPT-image-2.5 launch note (2026-09-09): gpt-image-2 is $5 / $8 / $30 per 1M tokens',
      },
      GPT_IMAGE_2_CAPABILITIES,
      'Transparent backgrounds are in preview for gpt-image-2 (openai@7.59.0).',
    ),
  ),
  shutDec1('gpt-image-1.5'),
  shutDec1('gpt-image-1.5-2025-12-16'),
  shutDec1('chatgpt-image-latest'),
  {
    ...shutDec1('gpt-image-1-mini', GPT_IMAGE_1_MINI_CAPABILITIES),
    price: {
      input_cost_per_token: 2 * M,
      input_cost_per_image_token: 2.5 * M,
      output_cost_per_image_token: 8 * M,
      output_cost_per_image_by_quality: {
        low: { '1024x1024': 0.005, '1024x1536': 0.006, '1536x1024': 0.006 },
        medium: { '1024x1024': 0.011, '1024x1536': 0.015, '1536x1024': 0.015 },
        high: { '1024x1024': 0.036, '1024x1536': 0.052, '1536x1024': 0.052 },
      },
    },
    sources: {
      lifecycle: DEPRECATIONS,
      capabilities: `${SPEC}; ${SDK} ("gpt-image-1-mini supports only low" input_fidelity)`,
      price: 'developers.openai.com/de-DE/api/docs/models/gpt-image-1-mini (read 2026-12-02)',
    },
  },
  {
    model: 'gpt-image-1',
    status: 'retired',
    released: '2025-04',
    shutdown: '2026-10-23',
    successor: 'gpt-image-2.5-sunburst',
    capabilities: GPT_IMAGE_1_CAPABILITIES,
    price: {
      input_cost_per_token: 5 * M,
      input_cost_per_image_token: 10 * M,
      output_cost_per_image_token: 40 * M,
      output_cost_per_image_by_quality: {
        low: { '1024x1024': 0.011, '1024x1536': 0.016, '1536x1024': 0.016 },
        medium: { '1024x1024': 0.042, '1024x1536': 0.063, '1536x1024': 0.063 },
        high: { '1024x1024': 0.167, '1024x1536': 0.25, '1536x1024': 0.25 },
      },
    },
    sources: {
      lifecycle: `${SDK}: "gpt-image-1 was shut down on October 23, 2026. Use gpt-image-2.5-sunburst or gpt-image-2.5-flare instead."; released: docs.apiyi.com historical versions page`,
      capabilities: SPEC,
      price: EARLIER_TABLE,
    },
  },
  {
    model: 'dall-e-2',
    status: 'retired',
    shutdown: '2026-05-12',
    successor: 'gpt-image-2.6-sunburst',
    capabilities: DALL_E_2_CAPABILITIES,
    price: {
      output_cost_per_image_by_quality: {
        standard: { '256x256': 0.016, '512x512': 0.018, '1024x1024': 0.02 },
      },
      output_cost_per_image: 0.02,
    },
    sources: {
      lifecycle: `${SDK}: "dall-e-2, dall-e-3: This model was retired on May 12, 2026. Use a GPT image model instead."`,
      capabilities: SPEC,
      price: EARLIER_TABLE,
    },
    notes:
      'OpenAI names no one successor ("a GPT image model"); the successor given is the current default GPT image model.',
  },
];

/**
 * The OpenAI catalogue. Unlisted `gpt-image-*` and `chatgpt-image-*` ids are served with
 * gpt-image-2.6-sunburst's rules.
 */
export const OPENAI_CATALOGUE: ProviderCatalogue = {
  provider: 'openai',
  rows,
  families: [
    { pattern: 'gpt-image-*', like: 'gpt-image-2.6-sunburst' },
    { pattern: 'chatgpt-image-*', like: 'gpt-image-2.6-sunburst' },
  ],
};

/** Capabilities of every listed OpenAI model, by id (retired ones included). */
export const OPENAI_MODELS: Readonly<Record<string, ModelCapabilities>> = Object.fromEntries(
  rows.map((row) => [row.model, row.capabilities]),
);
