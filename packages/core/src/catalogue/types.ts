/**
 * The model catalogue's shapes: one row per model (capabilities, price, lifecycle and the source
 * of each fact), the family rules that let unlisted ids of a known family through, and a
 * provider's catalogue. Each provider package owns its rows; core holds only these types and the
 * logic that reads them.
 * @module
 */
import type { ModelCapabilities } from '../capabilities.js';
import type { ModelPrice } from '../pricing/price.js';

/**
 * Where a model is in its life upstream:
 * - `active`: generally available, no shutdown announced;
 * - `preview`: served under a preview label (may go with short notice);
 * - `deprecated`: a shutdown is announced (or its date has passed without a confirmed shutdown); it still works;
 * - `retired`: confirmed shut down upstream; retouch refuses it locally unless told to send it anyway.
 */
export type ModelStatus = 'active' | 'preview' | 'deprecated' | 'retired';

/** Every {@link ModelStatus}, in lifecycle order. */
export const MODEL_STATUSES: readonly ModelStatus[] = ['active', 'preview', 'deprecated', 'retired'];

/**
 * Where the facts of a row were read: a URL, a package file (`openai@7.59.0 resources/images.d.ts`)
 * or a named document, with the date it was read when that matters. One entry per kind of fact.
 */
export interface RowSources {
  /** Source of `status`, `released`, `deprecated`, `shutdown` and `successor`. */
  lifecycle: string;
  /** Source of `capabilities`. */
  capabilities: string;
  /** Source of `price` (or of why it is unknown). */
  price: string;
}

/** The lifecycle facts of a model. Dates are `YYYY-MM-DD` (or `YYYY-MM` when only the month is known). */
export interface ModelLifecycle {
  status: ModelStatus;
  /** When the model (or this id) became available. */
  released?: string;
  /** When the vendor announced its deprecation. */
  deprecated?: string;
  /** When it shuts down (or shut down) upstream. */
  shutdown?: string;
  /** The vendor calls `shutdown` the earliest possible date, not a fixed one (Google does). */
  shutdownEarliest?: boolean;
  /** The model the vendor recommends instead, as an id of the same provider. */
  successor?: string;
}

/**
 * One model of one provider.
 *
 * @example
 * ```ts
 * const row: CatalogueRow = {
 *   model: 'gpt-image-2',
 *   status: 'active',
 *   released: '2026-04-21',
 *   capabilities,
 *   price: { input_cost_per_token: 5e-6, output_cost_per_image_token: 3e-5 },
 *   sources: { lifecycle: '…', capabilities: '…', price: '…' },
 * };
 * ```
 */
export interface CatalogueRow extends ModelLifecycle {
  /** The model id without the provider prefix. */
  model: string;
  capabilities: ModelCapabilities;
  /** What a call costs; `null` when not known (the cost is then `null` unless a deployment sets one). */
  price: ModelPrice | null;
  sources: RowSources;
  /** What is uncertain or assumed about the row, in a sentence or two. */
  notes?: string;
}

/**
 * How an id the catalogue does not list, but that belongs to a known family (`gpt-image-*`,
 * `gemini-*image*`, `flux-2-*`), is served: with the capabilities of the family's reference row
 * (`like`), no price (unknown until `model_info` or a catalogue file gives one), and a warning
 * naming what was assumed.
 */
export interface FamilyRule {
  /** A glob over the model id: `*` matches any run of characters (`gpt-image-*`, `gemini-*image*`). */
  pattern: string;
  /** The row whose capabilities (and provider wire facts) members of the family get. */
  like?: string;
  /** The family's own capabilities, for families without a reference row (OpenRouter's generic slugs). Used when `like` is not set. */
  capabilities?: ModelCapabilities;
  /** What members of a family without `like` are assumed to take, for the warning. */
  assumes?: string;
}

/**
 * A provider's catalogue: its rows and its family rules.
 *
 * @example
 * ```ts
 * export const OPENAI_CATALOGUE: ProviderCatalogue = { provider: 'openai', rows, families: [{ pattern: 'gpt-image-*', like: 'gpt-image-2.6-sunburst' }] };
 * ```
 */
export interface ProviderCatalogue {
  /** The provider prefix (`openai`, `gemini`, …). */
  provider: string;
  rows: readonly CatalogueRow[];
  /** Tried in order after the rows; the first that matches serves the id. */
  families: readonly FamilyRule[];
  /**
   * The row id another id of the same model resolves to (a Bedrock `us.` profile or ARN, a
   * configured alias), so one row serves them all. Optional.
   */
  aliasOf?: (model: string) => string | undefined;
}
