/**
 * Every built-in provider's catalogue says, for each row, its lifecycle status and where each
 * fact came from — and passes the other checks of `catalogueProblems`.
 */
import { describe, expect, it } from '@jest/globals';
import type { ProviderPackage } from '../provider.js';
import { PROVIDER_PACKAGES } from '../registry.js';
import { catalogueProblems } from './check.js';
import { MODEL_STATUSES, type ProviderCatalogue } from './types.js';

async function catalogueOf(name: string): Promise<ProviderCatalogue> {
  const mod = (await import(name)) as { providerPackage: ProviderPackage };
  const catalogue = mod.providerPackage.catalogue;
  if (!catalogue) throw new Error(`${name} exports no catalogue`);
  return catalogue;
}

describe.each(Object.entries(PROVIDER_PACKAGES))('the %s catalogue (%s)', (prefix, name) => {
  it('names its provider and has rows', async () => {
    const catalogue = await catalogueOf(name);
    expect(catalogue.provider).toBe(prefix);
    expect(catalogue.rows.length).toBeGreaterThan(0);
  });

  it('gives every row a lifecycle status and a source for each kind of fact', async () => {
    for (const row of (await catalogueOf(name)).rows) {
      expect({ model: row.model, status: MODEL_STATUSES.includes(row.status) }).toEqual({
        model: row.model,
        status: true,
      });
      for (const kind of ['lifecycle', 'capabilities', 'price'] as const) {
        expect({ model: row.model, kind, source: typeof row.sources?.[kind] }).toEqual({
          model: row.model,
          kind,
          source: 'string',
        });
      }
    }
  });

  it('has no other problem (dates, successors, family references, unexplained unknown prices)', async () => {
    expect(catalogueProblems(await catalogueOf(name))).toEqual([]);
  });
});

describe('catalogueProblems', () => {
  const caps = {
    maxImages: 1,
    mask: 'none' as const,
    maxN: 1,
    inputMediaTypes: ['image/png' as const],
    params: [],
    nativeResponseFormat: 'b64_json' as const,
  };
  const sources = {
    lifecycle: 'vendor page, read 2026-12-02',
    capabilities: 'the spec',
    price: 'pricing page',
  };

  it('fails a row without a source or a status, and a retired row without date or successor', () => {
    const problems = catalogueProblems({
      provider: 'acme',
      families: [{ pattern: 'acme-*', like: 'missing' }],
      rows: [
        { model: 'a', status: 'active', capabilities: caps, price: null, sources: { ...sources, price: '' } },
        { model: 'b', status: 'gone' as never, capabilities: caps, price: {}, sources },
        { model: 'c', status: 'retired', capabilities: caps, price: {}, sources },
        { model: 'd', status: 'deprecated', successor: 'c', capabilities: caps, price: {}, sources },
      ],
    });
    expect(problems).toEqual([
      'acme/a: sources.price must name where it was read',
      'acme/a: price is null: say why in notes',
      'acme/b: status must be one of active, preview, deprecated, retired',
      'acme/c: a retired row names its successor (or says in notes why there is none)',
      'acme/c: a retired row gives its shutdown date',
      'acme/d: successor c is retired itself',
      'acme family acme-*: like missing is not a row',
    ]);
  });

  it("fails a row whose sources or notes are still a scaffold's TODO", () => {
    const todo = 'TODO: replace with where this was read';
    const problems = catalogueProblems({
      provider: 'acme',
      families: [],
      rows: [
        {
          model: 'example-model',
          status: 'active',
          capabilities: caps,
          price: null,
          sources: { ...sources, lifecycle: todo, price: todo },
          notes: 'TODO: why the price is unknown',
        },
      ],
    });
    expect(problems).toEqual([
      'acme/example-model: sources.lifecycle is still a TODO: name where it was read',
      'acme/example-model: sources.price is still a TODO: name where it was read',
      'acme/example-model: notes are still a TODO',
    ]);
  });
});
