/**
 * Finding a model in a provider's catalogue: its own row, else the first family rule whose glob
 * matches (served with the reference row's capabilities and no price).
 * @module
 */
import type { ModelCapabilities } from '../capabilities.js';
import type { CatalogueRow, FamilyRule, ProviderCatalogue } from './types.js';

const globs = new Map<string, RegExp>();

/**
 * Whether `model` matches a family glob (`*` is any run of characters, everything else literal).
 *
 * @example
 * ```ts
 * matchesGlob('gpt-image-9', 'gpt-image-*'); // true
 * matchesGlob('gemini-4-flash-image', 'gemini-*image*'); // true
 * ```
 */
export function matchesGlob(model: string, pattern: string): boolean {
  let regex = globs.get(pattern);
  if (!regex) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${body}$`);
    globs.set(pattern, regex);
  }
  return regex.test(model);
}

/**
 * The catalogue's own row for `model`, or `undefined`.
 *
 * @example
 * ```ts
 * catalogueRow(OPENAI_CATALOGUE, 'gpt-image-2')?.status; // 'active'
 * ```
 */
export function catalogueRow(catalogue: ProviderCatalogue, model: string): CatalogueRow | undefined {
  return catalogue.rows.find((row) => row.model === model);
}

/**
 * The first family rule that matches `model`, or `undefined`.
 *
 * @example
 * ```ts
 * matchFamily(OPENAI_CATALOGUE, 'gpt-image-9')?.like; // 'gpt-image-2.6-sunburst'
 * ```
 */
export function matchFamily(catalogue: ProviderCatalogue, model: string): FamilyRule | undefined {
  return catalogue.families.find((rule) => matchesGlob(model, rule.pattern));
}

/**
 * The row an unlisted id of a family is served with: the reference row's capabilities, status
 * `active` (assumed), no price, and sources saying so.
 *
 * @example
 * ```ts
 * familyRow(OPENAI_CATALOGUE, rule, 'gpt-image-9').price; // null
 * ```
 */
export function familyRow(catalogue: ProviderCatalogue, rule: FamilyRule, model: string): CatalogueRow {
  const like = rule.like === undefined ? undefined : catalogueRow(catalogue, rule.like);
  const capabilities = like?.capabilities ?? rule.capabilities;
  if (!capabilities) {
    throw new Error(`${catalogue.provider} family rule ${rule.pattern} names no usable row or capabilities`);
  }
  const assumed = like ? `those of ${like.model}` : (rule.assumes ?? `the ${rule.pattern} family's`);
  const why = `not in retouch's catalogue; served by the family rule ${rule.pattern}`;
  return {
    model,
    status: 'active',
    capabilities,
    price: null,
    sources: {
      lifecycle: `${why} (status unknown, assumed active)`,
      capabilities: `assumed: ${assumed} (${rule.pattern})`,
      price: `${why}: unknown until model_info or a model catalogue file gives one`,
    },
    notes: `Unlisted ${rule.pattern} model, served with ${assumed}.`,
  };
}

/**
 * What serves `model` in a catalogue: its own row, or a family rule's row.
 *
 * @example
 * ```ts
 * lookupModel(OPENAI_CATALOGUE, 'gpt-image-9')?.family?.pattern; // 'gpt-image-*'
 * ```
 */
export function lookupModel(
  catalogue: ProviderCatalogue,
  model: string,
): { row: CatalogueRow; family?: FamilyRule } | undefined {
  const row = catalogueRow(catalogue, model);
  if (row) return { row };
  const family = matchFamily(catalogue, model);
  return family ? { row: familyRow(catalogue, family, model), family } : undefined;
}

/**
 * The ids of the rows that are not retired, in catalogue order (for errors and listings).
 *
 * @example
 * ```ts
 * currentModels(OPENAI_CATALOGUE); // ['gpt-image-2.6-sunburst', …]
 * ```
 */
export function currentModels(catalogue: ProviderCatalogue): string[] {
  return catalogue.rows.filter((row) => row.status !== 'retired').map((row) => row.model);
}

/**
 * A catalogue with a provider's `models` setting folded in: each entry replaces the capabilities
 * of its row, or adds a row (status `active`, no price) for a model the catalogue does not list.
 *
 * @example
 * ```ts
 * const catalogue = withCustomModels(OPENAI_CATALOGUE, { 'ft:gpt-image-2:acme': caps });
 * ```
 */
export function withCustomModels(
  catalogue: ProviderCatalogue,
  models: Readonly<Record<string, ModelCapabilities>> | undefined,
): ProviderCatalogue {
  if (!models || Object.keys(models).length === 0) return catalogue;
  const source = `the provider's models setting (create${catalogue.provider}({ models }))`;
  const rows = catalogue.rows.map((row) => {
    const caps = models[row.model];
    return caps ? { ...row, capabilities: caps, sources: { ...row.sources, capabilities: source } } : row;
  });
  for (const [model, capabilities] of Object.entries(models)) {
    if (rows.some((row) => row.model === model)) continue;
    rows.push({
      model,
      status: 'active',
      capabilities,
      price: null,
      sources: {
        lifecycle: `${source}; status assumed active`,
        capabilities: source,
        price: `${source}; no price`,
      },
      notes:
        'Declared by the models setting; its price is unknown unless a deployment or model_info sets one.',
    });
  }
  return { ...catalogue, rows };
}
