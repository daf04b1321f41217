/**
 * Black Forest Labs' edit models: one row each, with capabilities, prices, lifecycle and where each
 * fact was read (as of 2026-12-02). Unlisted `flux-kontext-*`, `flux-2-*`, `flux-*-fill`,
 * `flux-*-expand` ids pass through with their family's endpoint shape, at `POST /v1/{model}`.
 * @module
 */
import type { CatalogueRow, ModelPrice, ProviderCatalogue } from '@retouch/core';
import { BFL_MODELS } from './bfl-capabilities.js';

const SPEC =
  'BFL OpenAPI spec (api.bfl.ai/openapi.json, 2026-04-23; shared/specs/bfl) and BFL’s documented limits';
const LIFECYCLE =
  'listed as an endpoint of the BFL OpenAPI spec (2026-04-23); no deprecation notice found (search of BFL docs, 2026-12-02)';
const PRICE_SOURCE =
  "BFL pricing page (1 credit = $0.01; FLUX.2 per megapixel, priced for 1 MP out plus 1 MP per input image) as carried in retouch's earlier table (2026); BFL's own cost on the submit response wins when present";

function row(model: string, price: ModelPrice): CatalogueRow {
  const capabilities = BFL_MODELS[model];
  if (!capabilities) throw new Error(`no BFL capabilities for ${model}`);
  return {
    model,
    status: 'active',
    capabilities,
    price,
    sources: { lifecycle: LIFECYCLE, capabilities: SPEC, price: PRICE_SOURCE },
  };
}

const rows: CatalogueRow[] = [
  row('flux-2-pro', { output_cost_per_image: 0.03, input_cost_per_image: 0.015 }),
  row('flux-2-max', { output_cost_per_image: 0.07, input_cost_per_image: 0.03 }),
  row('flux-2-flex', { output_cost_per_image: 0.05, input_cost_per_image: 0.05 }),
  row('flux-2-klein-4b', { output_cost_per_image: 0.014, input_cost_per_image: 0.001 }),
  row('flux-2-klein-9b', { output_cost_per_image: 0.015, input_cost_per_image: 0.002 }),
  row('flux-kontext-pro', { output_cost_per_image: 0.04 }),
  row('flux-kontext-max', { output_cost_per_image: 0.08 }),
  row('flux-pro-1.0-fill', { output_cost_per_image: 0.05 }),
  row('flux-pro-1.0-expand', { output_cost_per_image: 0.05 }),
];

/** The BFL catalogue. */
export const BFL_CATALOGUE: ProviderCatalogue = {
  provider: 'black_forest_labs',
  rows,
  families: [
    { pattern: 'flux-kontext-*', like: 'flux-kontext-pro' },
    { pattern: 'flux-2-klein-*', like: 'flux-2-klein-9b' },
    { pattern: 'flux-2-*', like: 'flux-2-pro' },
    { pattern: 'flux-*-fill', like: 'flux-pro-1.0-fill' },
    { pattern: 'flux-*-expand', like: 'flux-pro-1.0-expand' },
  ],
};
