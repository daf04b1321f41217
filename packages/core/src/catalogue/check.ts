/**
 * Checks a provider catalogue for what every row must say: a lifecycle status, a source for each
 * kind of fact (not a scaffold's `TODO`), dated shutdowns for deprecated and retired rows, successors and family references
 * that exist, and a note where the price is unknown. Each provider package's test runs it.
 * @module
 */
import { catalogueRow } from './lookup.js';
import { MODEL_STATUSES, type ProviderCatalogue, type RowSources } from './types.js';

const DATE = /^\d{4}-\d{2}(-\d{2})?$/;
/** What a scaffolded row says until its facts are read (`nx g @retouch/workspace-plugin:provider`). */
const PLACEHOLDER = /\bTODO\b/;
const SOURCE_KINDS: readonly (keyof RowSources)[] = ['lifecycle', 'capabilities', 'price'];

/**
 * Every problem of a catalogue, as `provider/model: problem` lines (empty when it is sound).
 *
 * @example
 * ```ts
 * expect(catalogueProblems(OPENAI_CATALOGUE)).toEqual([]);
 * ```
 */
export function catalogueProblems(catalogue: ProviderCatalogue): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const row of catalogue.rows) {
    const id = `${catalogue.provider}/${row.model}`;
    const say = (problem: string) => problems.push(`${id}: ${problem}`);
    if (seen.has(row.model)) say('listed twice');
    seen.add(row.model);
    if (!MODEL_STATUSES.includes(row.status)) say(`status must be one of ${MODEL_STATUSES.join(', ')}`);
    for (const kind of SOURCE_KINDS) {
      const source = row.sources?.[kind];
      if (typeof source !== 'string' || source.trim().length < 8)
        say(`sources.${kind} must name where it was read`);
      else if (PLACEHOLDER.test(source)) say(`sources.${kind} is still a TODO: name where it was read`);
    }
    for (const field of ['released', 'deprecated', 'shutdown'] as const) {
      const value = row[field];
      if (value !== undefined && !DATE.test(value)) say(`${field} must be YYYY-MM-DD or YYYY-MM`);
    }
    if ((row.status === 'deprecated' || row.status === 'retired') && !row.successor && !row.notes) {
      say(`a ${row.status} row names its successor (or says in notes why there is none)`);
    }
    if (row.status === 'retired' && !row.shutdown) say('a retired row gives its shutdown date');
    if (row.successor !== undefined) {
      const next = catalogueRow(catalogue, row.successor);
      if (!next) say(`successor ${row.successor} is not a row of this catalogue`);
      else if (next.status === 'retired') say(`successor ${row.successor} is retired itself`);
    }
    if (row.price === null && !row.notes) say('price is null: say why in notes');
    if (row.notes !== undefined && PLACEHOLDER.test(row.notes)) say('notes are still a TODO');
  }
  for (const family of catalogue.families) {
    if (family.like !== undefined && !catalogueRow(catalogue, family.like)) {
      problems.push(`${catalogue.provider} family ${family.pattern}: like ${family.like} is not a row`);
    }
    if (family.like === undefined && !family.capabilities) {
      problems.push(`${catalogue.provider} family ${family.pattern}: needs like or capabilities`);
    }
  }
  return problems;
}
