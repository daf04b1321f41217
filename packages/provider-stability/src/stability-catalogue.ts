/**
 * Stability AI's edit services (v2beta): one row per endpoint, with capabilities, prices,
 * lifecycle and where each fact was read (as of 2026-12-02). Each service is its own path, so an
 * unlisted id has no family to follow and is refused.
 * @module
 */
import type { CatalogueRow, ProviderCatalogue } from '@retouch/core';
import { STABILITY_MODELS } from './stability-capabilities.js';

const LIFECYCLE =
  'platform.stability.ai API reference (v2beta edit, control, upscale services) as read for provider-wire-formats.md (2026-11); no deprecation notice found';
const CAPABILITIES =
  'provider-wire-formats.md (Stability v2beta endpoint table: fields, limits, output formats)';
const PRICE =
  "platform.stability.ai pricing (1 credit = $0.01; the credit counts in Stability's API descriptions) as carried in retouch's earlier table (2026)";

/** Dollars per output image of each service. */
const PER_IMAGE: Readonly<Record<string, number>> = {
  inpaint: 0.05,
  outpaint: 0.04,
  erase: 0.05,
  'search-and-replace': 0.05,
  'search-and-recolor': 0.05,
  'remove-background': 0.05,
  'replace-background-and-relight': 0.08,
  sketch: 0.05,
  structure: 0.05,
  style: 0.05,
  'style-transfer': 0.08,
  fast: 0.02,
  conservative: 0.4,
  creative: 0.6,
};

const rows: CatalogueRow[] = Object.entries(STABILITY_MODELS).map(([model, capabilities]) => {
  const usd = PER_IMAGE[model];
  return {
    model,
    status: 'active',
    capabilities,
    price: usd === undefined ? null : { output_cost_per_image: usd },
    sources: { lifecycle: LIFECYCLE, capabilities: CAPABILITIES, price: PRICE },
    ...(usd === undefined ? { notes: 'No price in the sources read.' } : {}),
  };
});

/** The Stability catalogue (no families: every service is a path of its own). */
export const STABILITY_CATALOGUE: ProviderCatalogue = { provider: 'stability', rows, families: [] };
