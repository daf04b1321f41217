/**
 * OpenRouter's image models: one row per model retouch lists, with capabilities, prices (used only
 * when a response carries no `usage.cost`), lifecycle and where each fact was read (as of
 * 2026-12-02). Unlisted `author/slug` ids pass through: `google/gemini-*image*` with Gemini 3.1
 * Flash Image's rules, any other slug with OpenRouter's generic image rules.
 * @module
 */
import type { CatalogueRow, ModelPrice, ProviderCatalogue } from '@retouch/core';
import {
  GENERIC_MODEL_CAPABILITIES,
  GENERIC_OPENAI_CAPABILITIES,
  openRouterCapabilities,
} from './openrouter-capabilities.js';

const M = 1e-6;
const PATHS =
  "OpenRouter OpenAPI spec (2026-08-22; /images and chat image_config) and OpenRouter's image generation guide";
const COST =
  "OpenRouter reports each call's cost (usage.cost), which wins; this price is the upstream's list price";
const GOOGLE_DEPRECATIONS = 'ai.google.dev/gemini-api/docs/deprecations (read via search 2026-12-02)';

/** Gemini 3.1 Flash Image at Google's rates (OpenRouter's listing: $0.50 in, $3 out per 1M; $60 per 1M image tokens). */
const FLASH_31: ModelPrice = {
  input_cost_per_token: 0.5 * M,
  output_cost_per_token: 3 * M,
  output_cost_per_image_token: 60 * M,
};

function row(model: string, fields: Omit<CatalogueRow, 'model' | 'capabilities'>): CatalogueRow {
  const capabilities = openRouterCapabilities(model);
  if (!capabilities) throw new Error(`no OpenRouter capabilities for ${model}`);
  return { model, capabilities, ...fields };
}

const rows: CatalogueRow[] = [
  row('google/gemini-3.1-flash-image', {
    status: 'active',
    price: FLASH_31,
    sources: {
      lifecycle:
        "the GA id of Gemini 3.1 Flash Image (Google, released 2026-05-28); OpenRouter id as listed by baoyu-skills' OpenRouter reference (default model)",
      capabilities: PATHS,
      price: `${COST}: openrouter.ai listing of gemini-3.1-flash-image-preview ($0.50 / $3 per 1M) and Google's $60 per 1M image tokens`,
    },
  }),
  row('google/gemini-3.1-flash-image-preview', {
    status: 'preview',
    released: '2026-02-26',
    price: FLASH_31,
    sources: {
      lifecycle:
        'openrouter.ai model page (mirror at openrouter.onee.io): released Feb 26, 2026, in use; Google shut the Gemini API preview id down on 2026-06-25',
      capabilities: PATHS,
      price: `${COST}: openrouter.ai listing ($0.50 in, $3 out per 1M)`,
    },
    notes:
      'Whether OpenRouter still routes the preview id after Google’s 2026-06-25 shutdown is not confirmed.',
  }),
  row('google/gemini-3-pro-image-preview', {
    status: 'deprecated',
    shutdown: '2026-06-25',
    price: {
      input_cost_per_token: 2 * M,
      output_cost_per_token: 12 * M,
      output_cost_per_image_token: 120 * M,
    },
    sources: {
      lifecycle: `${GOOGLE_DEPRECATIONS}: the Gemini API shut gemini-3-pro-image-preview down on 2026-06-25 (replacement gemini-3-pro-image)`,
      capabilities: PATHS,
      price: `${COST} (Google's Gemini 3 Pro Image rates, retouch's earlier table)`,
    },
    notes:
      "Google's replacement gemini-3-pro-image has no verified OpenRouter id; google/gemini-3-pro-image would pass through by family.",
  }),
  row('google/gemini-2.5-flash-image', {
    status: 'deprecated',
    shutdown: '2026-10-02',
    shutdownEarliest: true,
    successor: 'google/gemini-3.1-flash-image',
    price: {
      input_cost_per_token: 0.3 * M,
      output_cost_per_token: 2.5 * M,
      output_cost_per_image_token: 30 * M,
    },
    sources: {
      lifecycle: `${GOOGLE_DEPRECATIONS}: gemini-2.5-flash-image shutdown October 2, 2026 (earliest)`,
      capabilities: PATHS,
      price: `${COST} (Google's rates, retouch's earlier table)`,
    },
  }),
  row('google/gemini-2.5-flash-image-preview', {
    status: 'deprecated',
    successor: 'google/gemini-3.1-flash-image',
    price: null,
    sources: {
      lifecycle:
        "Google's preview id of Gemini 2.5 Flash Image (superseded by gemini-2.5-flash-image, itself deprecated); OpenRouter's current listing not read",
      capabilities: PATHS,
      price: `${COST}; no list price in the sources read`,
    },
    notes: 'No shutdown date found; OpenRouter reports the cost of each call.',
  }),
  row('openai/gpt-5-image', {
    status: 'active',
    price: null,
    sources: {
      lifecycle: "OpenRouter chat image model (retouch's earlier table); no deprecation found",
      capabilities: PATHS,
      price: `${COST}; no list price in the sources read`,
    },
    notes:
      'OpenAI shuts gpt-5 down on 2026-12-11 (its deprecations page); whether OpenRouter’s gpt-5-image follows is not known.',
  }),
  row('openai/gpt-5-image-mini', {
    status: 'active',
    price: null,
    sources: {
      lifecycle: "OpenRouter chat image model (retouch's earlier table); no deprecation found",
      capabilities: PATHS,
      price: `${COST}; no list price in the sources read`,
    },
    notes:
      'OpenAI shuts gpt-5-mini down on 2026-12-11 (its deprecations page); whether OpenRouter’s gpt-5-image-mini follows is not known.',
  }),
  row('openai/gpt-image-1', {
    status: 'retired',
    shutdown: '2026-10-23',
    price: {
      input_cost_per_token: 5 * M,
      input_cost_per_image_token: 10 * M,
      output_cost_per_image_token: 40 * M,
    },
    sources: {
      lifecycle: 'openai@7.59.0 resources/images.d.ts: "gpt-image-1 was shut down on October 23, 2026"',
      capabilities: PATHS,
      price: `${COST} (OpenAI's rates, retouch's earlier table)`,
    },
    notes:
      "OpenAI's successors (gpt-image-2.5-*, gpt-image-2.6-*) have no verified OpenRouter ids; openai/gpt-image-* ids pass through.",
  }),
  row('openai/gpt-image-1-mini', {
    status: 'retired',
    shutdown: '2026-12-01',
    price: {
      input_cost_per_token: 2 * M,
      input_cost_per_image_token: 2.5 * M,
      output_cost_per_image_token: 8 * M,
    },
    sources: {
      lifecycle: 'developers.openai.com/api/docs/deprecations: gpt-image-1-mini shut down Dec 1, 2026',
      capabilities: PATHS,
      price: `${COST} (OpenAI's gpt-image-1-mini page)`,
    },
    notes: "OpenAI's successors have no verified OpenRouter ids; openai/gpt-image-* ids pass through.",
  }),
  ...['black-forest-labs/flux.2-pro', 'black-forest-labs/flux.2-flex', 'black-forest-labs/flux.2-max'].map(
    (model) =>
      row(model, {
        status: 'active',
        price: null,
        sources: {
          lifecycle:
            'OpenRouter image models named in LibreChat discussion #11027 and OpenRouter’s image generation guide',
          capabilities: PATHS,
          price: `${COST}; BFL prices per megapixel, so no flat list price is kept here`,
        },
        notes: 'Priced from OpenRouter’s reported usage.cost only.',
      }),
  ),
  row('bytedance-seed/seedream-4.5', {
    status: 'active',
    price: null,
    sources: {
      lifecycle: "OpenRouter /images model (retouch's earlier table)",
      capabilities: PATHS,
      price: `${COST}; no list price in the sources read`,
    },
    notes: 'Priced from OpenRouter’s reported usage.cost only.',
  }),
];

/** The OpenRouter catalogue. */
export const OPENROUTER_CATALOGUE: ProviderCatalogue = {
  provider: 'openrouter',
  rows,
  families: [
    { pattern: 'google/gemini-*image*', like: 'google/gemini-3.1-flash-image' },
    // OpenAI's GPT image models are on /images only, with their own quality and native n.
    { pattern: 'openai/gpt-image-*', like: 'openai/gpt-image-1' },
    {
      pattern: 'openai/*',
      capabilities: GENERIC_OPENAI_CAPABILITIES,
      assumes: 'OpenRouter’s /images rules with gpt-image’s quality and native n (up to 16 images, no mask)',
    },
    {
      pattern: '*/*',
      capabilities: GENERIC_MODEL_CAPABILITIES,
      assumes: 'OpenRouter’s generic /images rules (up to 16 images, no mask, one call per image for n)',
    },
  ],
};
