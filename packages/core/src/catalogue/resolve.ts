/**
 * Resolving a provider model to the row a call uses: the provider's own row, else the row named
 * by `base_model`, else its family rule's (with a warning naming what was assumed), else what a
 * provider without a catalogue says it takes; then the catalogue file's overrides and the
 * deployment's `model_info` on top.
 * @module
 */
import type { ModelCapabilities } from '../capabilities.js';
import { NotFoundError } from '../errors.js';
import type { ModelPrice } from '../pricing/price.js';
import type { ImageEditProvider } from '../provider.js';
import { type CatalogueOverrides, environmentCatalogue } from './catalogue-file.js';
import { catalogueRow, currentModels, lookupModel } from './lookup.js';
import { applyOverride, pickModelOverride } from './overrides.js';
import type { CatalogueRow, FamilyRule } from './types.js';

/** How a model's row was found. */
export type ModelOrigin = 'catalogue' | 'base_model' | 'family' | 'provider';

/**
 * The row a call uses, and what it took to find it.
 *
 * @example
 * ```ts
 * const resolved: ResolvedModel = requireModel(openai, 'gpt-image-9');
 * resolved.origin; // 'family'
 * ```
 */
export interface ResolvedModel {
  provider: string;
  model: string;
  row: CatalogueRow;
  origin: ModelOrigin;
  /** The family rule that serves an unlisted id. */
  family?: FamilyRule;
  /** Whether a catalogue file or `model_info` declared facts for this model. */
  declared: boolean;
  /** The listed row an unlisted id follows on the wire (its family's `like`, or `base_model`). */
  servedLike?: string;
  /** What was assumed (an unlisted id served by its family's rules), for `_meta.warnings`. */
  warnings: string[];
}

/** Options of {@link resolveModel}. */
export interface ResolveModelOptions {
  /** Catalogue file rows. Defaults to the file `RETOUCH_MODEL_CATALOGUE` names, if any. */
  overrides?: CatalogueOverrides;
  /** The deployment's `model_info` (LiteLLM keys), applied last. */
  modelInfo?: Record<string, unknown>;
}

/**
 * A short description of what a model takes (for warnings and `retouch models`).
 *
 * @example
 * ```ts
 * describeCapabilities(caps); // 'up to 16 images, mask optional, sizes 1024x1024, 1536x1024, 1024x1536, auto or WxH'
 * ```
 */
export function describeCapabilities(caps: ModelCapabilities): string {
  const parts = [`up to ${caps.maxImages} image${caps.maxImages === 1 ? '' : 's'}`];
  parts.push(caps.mask === 'none' ? 'no mask' : `mask ${caps.mask}`);
  const sizes = [...(caps.sizes ?? []), ...(caps.customSizes ? ['WxH'] : [])];
  if (sizes.length > 0 && caps.params.includes('size')) parts.push(`sizes ${sizes.join(', ')}`);
  return parts.join(', ');
}

function providerRow(model: string, caps: ModelCapabilities): CatalogueRow {
  const source = "the provider's capabilities() (it has no catalogue)";
  return {
    model,
    status: 'active',
    capabilities: caps,
    price: null,
    sources: {
      lifecycle: `${source}; status assumed active`,
      capabilities: source,
      price: `${source}; no price`,
    },
  };
}

function stripPrefix(model: string, prefix: string): string {
  return model.startsWith(`${prefix}/`) ? model.slice(prefix.length + 1) : model;
}

/**
 * The row a call to `model` on `provider` uses, or `undefined` when nothing can serve it.
 *
 * @example
 * ```ts
 * resolveModel(openai, 'gpt-image-2')?.row.status; // 'active'
 * resolveModel(openai, 'gpt-image-9', { modelInfo: { output_cost_per_image: 0.05 } })?.row.price; // { output_cost_per_image: 0.05 }
 * ```
 */
export function resolveModel(
  provider: ImageEditProvider,
  model: string,
  options: ResolveModelOptions = {},
): ResolvedModel | undefined {
  const file = (options.overrides ?? environmentCatalogue()).get(`${provider.id}/${model}`);
  const info = pickModelOverride(options.modelInfo);
  const baseModel = info?.base_model ?? file?.base_model;
  const catalogue = provider.catalogue;
  let row: CatalogueRow | undefined;
  let origin: ModelOrigin = 'catalogue';
  let family: FamilyRule | undefined;
  let servedLike: string | undefined;
  if (catalogue) {
    const canonical = catalogue.aliasOf?.(model) ?? model;
    const own = catalogueRow(catalogue, canonical);
    const base = !own && baseModel ? lookupModel(catalogue, stripPrefix(baseModel, provider.id)) : undefined;
    if (own) row = canonical === model ? own : { ...own, model };
    else if (base) {
      origin = 'base_model';
      servedLike = base.family?.like ?? base.row.model;
      const from = `base_model ${base.row.model}`;
      row = {
        ...base.row,
        model,
        sources: {
          lifecycle: `${from} (status of the base model)`,
          capabilities: `${from}: ${base.row.sources.capabilities}`,
          price: `${from}: ${base.row.sources.price}`,
        },
      };
    } else {
      const found = lookupModel(catalogue, canonical);
      if (found) {
        origin = 'family';
        family = found.family;
        servedLike = family?.like;
        row = { ...found.row, model };
      }
    }
  }
  if (!row) {
    const caps = provider.capabilities(model);
    if (caps) {
      origin = 'provider';
      row = providerRow(model, caps);
    }
  }
  if (!row) return undefined;
  if (file) row = applyOverride(row, file, 'model catalogue file');
  if (info) row = applyOverride(row, info, 'model_info');
  const declared = file !== undefined || info !== undefined;
  const warnings: string[] = [];
  if (origin === 'family' && !declared) {
    warnings.push(
      `${provider.id}/${model} is not in retouch's catalogue: served with the ${family?.pattern} family rules (${row.sources.capabilities.replace(/^assumed: /, '')}: ${describeCapabilities(row.capabilities)}), status unknown and no price; declare it in model_info or a model catalogue file to set them`,
    );
  }
  return { provider: provider.id, model, row, origin, family, declared, servedLike, warnings };
}

/**
 * Like {@link resolveModel}, but an id nothing serves is a `NotFoundError` listing the provider's
 * current (not retired) models and the families it lets through.
 *
 * @example
 * ```ts
 * requireModel(openai, 'dall-e-9'); // throws: model: openai has no model "dall-e-9". Current: gpt-image-2.6-sunburst, … (or any gpt-image-* id).
 * ```
 */
export function requireModel(
  provider: ImageEditProvider,
  model: string,
  options: ResolveModelOptions = {},
): ResolvedModel {
  const resolved = resolveModel(provider, model, options);
  if (resolved) return resolved;
  const catalogue = provider.catalogue;
  const current = catalogue ? currentModels(catalogue) : [...provider.models()];
  const families = catalogue?.families.map((f) => f.pattern) ?? [];
  const also = families.length > 0 ? ` (or any ${families.join(', ')} id)` : '';
  throw new NotFoundError({
    message: `model: ${provider.id} has no model "${model}". Current: ${current.join(', ') || 'none'}${also}.`,
    param: 'model',
    code: 'model_not_found',
    provider: provider.id,
    model,
  });
}

/**
 * The error a provider throws when it is asked for a model it has no wire rules for (an unlisted
 * id that came without `servedLike`): name a listed model as `model_info.base_model`.
 *
 * @example
 * ```ts
 * if (!spec) throw unservedModelError('gemini', request.model);
 * ```
 */
export function unservedModelError(provider: string, model: string): NotFoundError {
  return new NotFoundError({
    message: `model: ${provider} has no wire rules for "${model}"; set model_info.base_model to a listed ${provider} model it works like.`,
    param: 'model',
    code: 'model_not_found',
    provider,
    model,
  });
}

const perMillion = (usd: number) => `$${+(usd * 1e6).toFixed(4)}/M`;
const dollars = (usd: number) => `$${+usd.toFixed(4)}`;

/**
 * A one-line summary of a price (for `retouch models` and `/v1/models`), or `unknown`.
 *
 * @example
 * ```ts
 * describePrice({ input_cost_per_token: 5e-6, output_cost_per_image_token: 3e-5 }); // '$5/M text in, $30/M image out'
 * describePrice({ output_cost_per_image: 0.04 }); // '$0.04/image'
 * ```
 */
export function describePrice(price: ModelPrice | null | undefined): string {
  if (!price) return 'unknown';
  const parts: string[] = [];
  if (price.input_cost_per_token !== undefined)
    parts.push(`${perMillion(price.input_cost_per_token)} text in`);
  if (price.input_cost_per_image_token !== undefined)
    parts.push(`${perMillion(price.input_cost_per_image_token)} image in`);
  if (price.output_cost_per_token !== undefined)
    parts.push(`${perMillion(price.output_cost_per_token)} text out`);
  if (price.output_cost_per_image_token !== undefined)
    parts.push(`${perMillion(price.output_cost_per_image_token)} image out`);
  if (price.output_cost_per_image !== undefined) parts.push(`${dollars(price.output_cost_per_image)}/image`);
  else if (price.output_cost_per_image_by_quality) parts.push('per image by quality and size');
  if (price.input_cost_per_image !== undefined)
    parts.push(`${dollars(price.input_cost_per_image)}/input image`);
  if (price.output_cost_per_pixel !== undefined)
    parts.push(`${perMillion(price.output_cost_per_pixel)} pixels`);
  if (price.cost_per_request !== undefined) parts.push(`${dollars(price.cost_per_request)}/call`);
  return parts.length > 0 ? parts.join(', ') : 'unknown';
}
