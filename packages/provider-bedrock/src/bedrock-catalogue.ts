/**
 * The Stability AI Image Services on Amazon Bedrock: one row per base model id (its `us.`
 * cross-region profile, ARNs and configured aliases resolve to it), with capabilities, prices,
 * lifecycle and where each fact was read (as of 2026-12-02). No families: Bedrock model ids are
 * exact, and an unknown one is refused.
 * @module
 */
import type { CatalogueRow, ProviderCatalogue } from '@retouch/core';
import { bedrockCapabilities } from './bedrock-capabilities.js';
import { BEDROCK_STABILITY_MODELS, resolveBedrockModel } from './bedrock-models.js';

const LIFECYCLE =
  'AWS Bedrock user guide, Stability AI Image Services model parameters (as read for provider-wire-formats.md, 2026-11); no end-of-life date found';
const CAPABILITIES =
  'AWS Bedrock Stability Image Services request bodies and limits (provider-wire-formats.md)';
const PRICE = "AWS Bedrock pricing page, on-demand per image (retouch's earlier table; LiteLLM's agrees)";

/** Dollars per output image of each service. */
const PER_IMAGE: Readonly<Record<string, number>> = {
  'stability.stable-image-inpaint-v1:0': 0.07,
  'stability.stable-outpaint-v1:0': 0.06,
  'stability.stable-image-erase-object-v1:0': 0.07,
  'stability.stable-image-search-replace-v1:0': 0.07,
  'stability.stable-image-search-recolor-v1:0': 0.07,
  'stability.stable-image-remove-background-v1:0': 0.07,
  'stability.stable-image-control-sketch-v1:0': 0.07,
  'stability.stable-image-control-structure-v1:0': 0.07,
  'stability.stable-image-style-guide-v1:0': 0.07,
  'stability.stable-style-transfer-v1:0': 0.08,
  'stability.stable-fast-upscale-v1:0': 0.03,
  'stability.stable-conservative-upscale-v1:0': 0.4,
  'stability.stable-creative-upscale-v1:0': 0.6,
};

const rows: CatalogueRow[] = Object.entries(BEDROCK_STABILITY_MODELS).map(([model, spec]) => {
  const usd = PER_IMAGE[model];
  return {
    model,
    status: 'active',
    capabilities: bedrockCapabilities(spec),
    price: usd === undefined ? null : { output_cost_per_image: usd },
    sources: { lifecycle: LIFECYCLE, capabilities: CAPABILITIES, price: PRICE },
    ...(usd === undefined ? { notes: 'No price in the sources read.' } : {}),
  };
});

/**
 * The Bedrock catalogue for a set of configured aliases (application inference profiles,
 * provisioned throughput ARNs mapped to base ids).
 *
 * @example
 * ```ts
 * bedrockCatalogue().aliasOf?.('us.stability.stable-image-inpaint-v1:0'); // 'stability.stable-image-inpaint-v1:0'
 * ```
 */
export function bedrockCatalogue(aliases: Readonly<Record<string, string>> = {}): ProviderCatalogue {
  return {
    provider: 'bedrock',
    rows,
    families: [],
    aliasOf: (model) => resolveBedrockModel(model, aliases)?.baseModelId,
  };
}

/** The built-in Bedrock catalogue (no aliases). */
export const BEDROCK_CATALOGUE: ProviderCatalogue = bedrockCatalogue();
