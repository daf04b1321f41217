/**
 * Vertex AI's image-edit models: the Gemini image models (GA ids, and the `-preview` ids Vertex
 * still lists, served from the `global` location) and Imagen 3 editing, discontinued. One row
 * each, with capabilities, prices, lifecycle and sources (as of 2026-12-02).
 * @module
 */
import type { CatalogueRow, ProviderCatalogue } from '@retouch/core';
import {
  capabilitiesOf,
  GEMINI_3_PRO_IMAGE_PRICE,
  GEMINI_3_PRO_IMAGE_PRICE_SOURCE,
  GEMINI_25_FLASH_IMAGE_PRICE,
  GEMINI_25_FLASH_IMAGE_PRICE_SOURCE,
  GEMINI_31_FLASH_IMAGE_PRICE,
  GEMINI_31_FLASH_IMAGE_PRICE_SOURCE,
  GEMINI_FAMILIES,
  type GeminiModelSpec,
  VERTEX_GEMINI_MODEL_SPECS,
} from '@retouch/provider-gemini/internal';
import { IMAGEN_EDIT_CAPABILITIES } from './vertex-capabilities.js';

const FIREBASE_MIGRATION =
  'firebase.google.com/docs/ai-logic/imagen-models-migration (read 2026-12-02): Imagen models shut down "as early as June 30, 2026" on the Gemini Developer API and the Agent Platform (formerly Vertex AI) Gemini API; imagen-3.0-capability-001 → gemini-3.1-flash-image';
const VERTEX_GLOBAL =
  'docs.cloud.google.com/vertex-ai/generative-ai/docs/learn/locations (global endpoint: "Gemini 3.1 Flash Image (preview)", "Gemini 3 Pro Image (preview)")';
const CAPABILITIES =
  'provider-wire-formats.md §2.2 and §3.a (the Gemini table shared with @retouch/provider-gemini; Vertex: 7 MB per inline image, imageOutputOptions)';
const SAME_PRICES =
  "Vertex lists the Gemini image models at the Gemini API's rates (retouch's earlier table); ";

function gemini(model: string, fields: Omit<CatalogueRow, 'model' | 'capabilities'>): CatalogueRow {
  const spec = VERTEX_GEMINI_MODEL_SPECS[model] as GeminiModelSpec | undefined;
  const capabilities = spec && capabilitiesOf({ [model]: spec }, 'vertex')[model];
  if (!capabilities) throw new Error(`no Gemini spec for ${model}`);
  return { model, capabilities, ...fields };
}

const rows: CatalogueRow[] = [
  gemini('gemini-3.1-flash-image', {
    status: 'active',
    released: '2026-05-28',
    price: GEMINI_31_FLASH_IMAGE_PRICE,
    sources: {
      lifecycle: `${FIREBASE_MIGRATION}; release date from the Gemini API deprecations page (the same model)`,
      capabilities: CAPABILITIES,
      price: SAME_PRICES + GEMINI_31_FLASH_IMAGE_PRICE_SOURCE,
    },
    notes:
      'Vertex regions serving the GA id were not confirmed in the sources read; set vertex_location: global if a region answers 404.',
  }),
  gemini('gemini-3-pro-image', {
    status: 'active',
    released: '2026-05-28',
    price: GEMINI_3_PRO_IMAGE_PRICE,
    sources: {
      lifecycle: `${FIREBASE_MIGRATION} (names gemini-3-pro-image for Imagen 4 Ultra); release date from the Gemini API deprecations page`,
      capabilities: CAPABILITIES,
      price: SAME_PRICES + GEMINI_3_PRO_IMAGE_PRICE_SOURCE,
    },
    notes:
      'Vertex regions serving the GA id were not confirmed in the sources read; set vertex_location: global if a region answers 404.',
  }),
  gemini('gemini-3.1-flash-image-preview', {
    status: 'preview',
    released: '2026-02-26',
    price: GEMINI_31_FLASH_IMAGE_PRICE,
    sources: {
      lifecycle: `${VERTEX_GLOBAL}; Vertex's own shutdown date for the preview id was not found (the Gemini API shut it down on 2026-06-25)`,
      capabilities: CAPABILITIES,
      price: SAME_PRICES + GEMINI_31_FLASH_IMAGE_PRICE_SOURCE,
    },
    notes: 'A preview model: served from the global location unless vertex_location says otherwise.',
  }),
  gemini('gemini-3-pro-image-preview', {
    status: 'preview',
    released: '2025-11-20',
    price: GEMINI_3_PRO_IMAGE_PRICE,
    sources: {
      lifecycle: `${VERTEX_GLOBAL}; Vertex's own shutdown date for the preview id was not found (the Gemini API shut it down on 2026-06-25)`,
      capabilities: CAPABILITIES,
      price: SAME_PRICES + GEMINI_3_PRO_IMAGE_PRICE_SOURCE,
    },
    notes: 'A preview model: served from the global location unless vertex_location says otherwise.',
  }),
  gemini('gemini-2.5-flash-image', {
    status: 'active',
    released: '2025-10-02',
    price: GEMINI_25_FLASH_IMAGE_PRICE,
    sources: {
      lifecycle:
        "docs.cloud.google.com/vertex-ai/generative-ai/docs/image/edit-images-overview (Vertex's recommended migration target for discontinued Imagen endpoints, 2026)",
      capabilities: CAPABILITIES,
      price: SAME_PRICES + GEMINI_25_FLASH_IMAGE_PRICE_SOURCE,
    },
    notes:
      "Vertex's own discontinuation date was not found; on the Gemini API it is deprecated (earliest shutdown 2026-10-02).",
  }),
  {
    model: 'imagen-3.0-capability-001',
    status: 'retired',
    shutdown: '2026-06-30',
    successor: 'gemini-3.1-flash-image',
    capabilities: IMAGEN_EDIT_CAPABILITIES,
    price: null,
    sources: {
      lifecycle: `docs.cloud.google.com/vertex-ai/generative-ai/docs/image/edit-images-overview ("Discontinued endpoints", update before June 30, 2026); ${FIREBASE_MIGRATION}; the AI SDK dropped Imagen "following API shutdown" (ts-anchors.md, commit f607a129c0, 2026-08-20)`,
      capabilities: 'provider-wire-formats.md §3.b and the Imagen 3 editing model card',
      price:
        "no verified price: the $0.04 of retouch's earlier table was never checked against Vertex pricing",
    },
    notes:
      'Discontinued; Google names Gemini image models as the replacement, and they take no mask (mask-based editing has no Gemini equivalent).',
  },
];

/** The Vertex AI catalogue: unlisted `gemini-*image*` ids follow Gemini 3.1 Flash Image, `imagen-*` ids Imagen 3 editing. */
export const VERTEX_CATALOGUE: ProviderCatalogue = {
  provider: 'vertex_ai',
  rows,
  families: [...GEMINI_FAMILIES, { pattern: 'imagen-*', like: 'imagen-3.0-capability-001' }],
};
