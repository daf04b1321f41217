import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { ModelCapabilities } from '../capabilities.js';
import { NotFoundError } from '../errors.js';
import type { ImageEditProvider } from '../provider.js';
import { loadModelCatalogue, ModelCatalogueError, parseModelCatalogue } from './catalogue-file.js';
import {
  assertNotRetired,
  deprecationWarningOnce,
  lifecycleNotice,
  resetDeprecationWarnings,
} from './lifecycle.js';
import { matchesGlob } from './lookup.js';
import { requireModel, resolveModel } from './resolve.js';
import type { CatalogueRow, ProviderCatalogue } from './types.js';

const CAPS: ModelCapabilities = {
  maxImages: 16,
  mask: 'optional',
  maxN: 10,
  sizes: ['1024x1024', 'auto'],
  inputMediaTypes: ['image/png'],
  params: ['mask', 'n', 'size'],
  nativeResponseFormat: 'b64_json',
};
const sources = { lifecycle: 'acme lifecycle page', capabilities: 'acme spec', price: 'acme pricing page' };
const row = (model: string, patch: Partial<CatalogueRow> = {}): CatalogueRow => ({
  model,
  status: 'active',
  capabilities: CAPS,
  price: { output_cost_per_image: 0.04 },
  sources,
  ...patch,
});

const CATALOGUE: ProviderCatalogue = {
  provider: 'acme',
  rows: [
    row('acme-image-3'),
    row('acme-image-2', { status: 'deprecated', shutdown: '2099-01-01', successor: 'acme-image-3' }),
    row('acme-image-1', { status: 'retired', shutdown: '2026-10-23', successor: 'acme-image-3' }),
  ],
  families: [{ pattern: 'acme-image-*', like: 'acme-image-3' }],
};

const provider = (catalogue: ProviderCatalogue | undefined = CATALOGUE): ImageEditProvider => ({
  id: 'acme',
  catalogue,
  capabilities: (model) => (model === 'legacy' ? CAPS : undefined),
  models: () => ['legacy'],
  imageEdit: async () => ({ images: [], warnings: [] }),
});

afterEach(() => resetDeprecationWarnings());

describe('family globs', () => {
  it.each([
    ['gpt-image-9', 'gpt-image-*', true],
    ['gemini-4-flash-image', 'gemini-*image*', true],
    ['gemini-4-flash', 'gemini-*image*', false],
    ['flux-2-ultra', 'flux-2-*', true],
    ['google/gemini-9-image', 'google/gemini-*image*', true],
    ['a.b', 'a.*', true],
    ['axb', 'a.b', false],
  ])('%s against %s: %s', (model, pattern, expected) => {
    expect(matchesGlob(model, pattern)).toBe(expected);
  });
});

describe('resolveModel', () => {
  it("uses a listed model's own row, with no warning", () => {
    const resolved = resolveModel(provider(), 'acme-image-3', { overrides: new Map() });
    expect(resolved).toMatchObject({ origin: 'catalogue', warnings: [], declared: false });
    expect(resolved?.row.price).toEqual({ output_cost_per_image: 0.04 });
  });

  it('serves an unlisted id of a family with its rules, no price, and a warning naming what was assumed', () => {
    const resolved = resolveModel(provider(), 'acme-image-9', { overrides: new Map() });
    expect(resolved).toMatchObject({ origin: 'family', servedLike: 'acme-image-3' });
    expect(resolved?.row).toMatchObject({ model: 'acme-image-9', capabilities: CAPS, price: null });
    expect(resolved?.warnings).toHaveLength(1);
    expect(resolved?.warnings[0]).toContain("acme/acme-image-9 is not in retouch's catalogue");
    expect(resolved?.warnings[0]).toContain('acme-image-* family rules (those of acme-image-3');
    expect(resolved?.warnings[0]).toContain('up to 16 images, mask optional');
  });

  it('lets model_info declare an unlisted model: no assumption warning, its own price and limits', () => {
    const resolved = resolveModel(provider(), 'acme-image-9', {
      overrides: new Map(),
      modelInfo: { max_input_images: 4, supports_mask: false, output_cost_per_image: 0.02, id: 'ignored' },
    });
    expect(resolved?.warnings).toEqual([]);
    expect(resolved?.row.capabilities).toMatchObject({ maxImages: 4, mask: 'none', params: ['n', 'size'] });
    expect(resolved?.row.price).toEqual({ output_cost_per_image: 0.02 });
    expect(resolved?.row.sources.price).toBe('model_info');
  });

  it('serves an id of no family through base_model, taking that row’s rules and price', () => {
    const resolved = resolveModel(provider(), 'brand-new', {
      overrides: new Map(),
      modelInfo: { base_model: 'acme/acme-image-3', sizes: ['2048x2048'] },
    });
    expect(resolved).toMatchObject({ origin: 'base_model', servedLike: 'acme-image-3' });
    expect(resolved?.row.capabilities.sizes).toEqual(['2048x2048']);
    expect(resolved?.row.price).toEqual({ output_cost_per_image: 0.04 });
  });

  it('applies catalogue file rows, then model_info over them', () => {
    const overrides = new Map([
      ['acme/acme-image-3', { status: 'deprecated' as const, output_cost_per_image: 0.05 }],
    ]);
    const resolved = resolveModel(provider(), 'acme-image-3', {
      overrides,
      modelInfo: { output_cost_per_image: 0.06 },
    });
    expect(resolved?.row).toMatchObject({ status: 'deprecated', price: { output_cost_per_image: 0.06 } });
    expect(resolved?.row.sources.lifecycle).toBe('model catalogue file');
  });

  it("falls back to a provider's capabilities() when it has no catalogue", () => {
    const resolved = resolveModel(provider(undefined), 'legacy', { overrides: new Map() });
    expect(resolved).toMatchObject({ origin: 'provider', row: { status: 'active', price: null } });
  });

  it('refuses an id that nothing serves, listing the current models and the families', () => {
    expect(() => requireModel(provider(), 'other', { overrides: new Map() })).toThrow(
      'model: acme has no model "other". Current: acme-image-3, acme-image-2 (or any acme-image-* id).',
    );
  });
});

describe('lifecycle', () => {
  const subject = {
    provider: 'acme',
    model: 'acme-image-1',
    status: 'retired' as const,
    shutdown: '2026-10-23',
    successor: 'acme-image-3',
  };

  it('refuses a retired model, naming the date and the successor, unless sent anyway', () => {
    let error: unknown;
    try {
      assertNotRetired(subject);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      status: 404,
      code: 'model_retired',
      param: 'model',
      model: 'acme-image-1',
    });
    expect((error as Error).message).toBe(
      "model: acme/acme-image-1 was shut down upstream on 2026-10-23; use acme/acme-image-3 instead. To send it anyway, set allow_retired: true in the deployment's model_info (imageEdit: allowRetired: true).",
    );
    expect(() => assertNotRetired(subject, true)).not.toThrow();
    expect(() => assertNotRetired({ ...subject, status: 'deprecated' })).not.toThrow();
  });

  it('names a deprecated model once per process, with its shutdown date and successor', () => {
    const emit = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const deprecated = {
        ...subject,
        model: 'acme-image-2',
        status: 'deprecated' as const,
        shutdown: '2099-01-01',
      };
      expect(deprecationWarningOnce(deprecated)).toBe(
        'acme/acme-image-2 is deprecated: it shuts down on 2099-01-01; use acme/acme-image-3 instead',
      );
      expect(deprecationWarningOnce(deprecated)).toBeUndefined();
      expect(emit).toHaveBeenCalledTimes(1);
      expect(deprecationWarningOnce({ ...subject, status: 'active' })).toBeUndefined();
    } finally {
      emit.mockRestore();
    }
  });

  it('says when a shutdown date is only the earliest, and when it has passed', () => {
    const base = { provider: 'g', model: 'm', status: 'deprecated' as const, successor: 'n' };
    expect(lifecycleNotice({ ...base, shutdown: '2099-10-02', shutdownEarliest: true })).toBe(
      'g/m is deprecated: it shuts down on 2099-10-02 at the earliest; use g/n instead',
    );
    expect(lifecycleNotice({ ...base, shutdown: '2026-10-02', shutdownEarliest: true })).toContain(
      'its earliest shutdown date (2026-10-02) has passed, so it may stop answering at any time',
    );
    expect(lifecycleNotice({ ...base, status: 'active' })).toBeUndefined();
  });
});

describe('model catalogue files', () => {
  it('reads rows keyed provider/model, bare OpenAI names and LiteLLM litellm_provider keys', () => {
    const overrides = parseModelCatalogue({
      sample_spec: { note: 'LiteLLM documentation entry, skipped' },
      'openai/gpt-image-3': { base_model: 'gpt-image-2', input_cost_per_token: 5e-6 },
      'gpt-image-4': { status: 'preview' },
      'flux-9': { litellm_provider: 'black_forest_labs', output_cost_per_image: 0.03 },
      'gemini/gemini-chat': { mode: 'chat', input_cost_per_token: 1e-6 },
    });
    expect([...overrides.keys()]).toEqual([
      'openai/gpt-image-3',
      'openai/gpt-image-4',
      'black_forest_labs/flux-9',
    ]);
  });

  it('names the row and the field of every mistake', () => {
    let error: unknown;
    try {
      parseModelCatalogue(
        {
          'openai/gpt-image-3': { max_input_images: 'many', input_cost_per_imag: 0.01 },
          'gemini/x': { status: 'gone', shutdown: 'soon' },
          'nobody-knows': { status: 'active' },
        },
        'models.json',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelCatalogueError);
    const issues = (error as ModelCatalogueError).issues.map((i) => i.path);
    expect(issues).toEqual([
      '"openai/gpt-image-3".max_input_images',
      '"openai/gpt-image-3".input_cost_per_imag',
      '"gemini/x".status',
      '"gemini/x".shutdown',
      '"nobody-knows"',
    ]);
    expect((error as Error).message).toMatch(
      /^model catalogue models\.json:\n {2}"openai\/gpt-image-3"\.max_input_images: /,
    );
  });

  it('reads a file and says what is wrong with one that is not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'retouch-catalogue-'));
    const good = join(dir, 'models.json');
    await writeFile(good, JSON.stringify({ 'openai/gpt-image-3': { output_cost_per_image: 0.05 } }));
    expect(loadModelCatalogue(good).get('openai/gpt-image-3')).toEqual({ output_cost_per_image: 0.05 });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ nope');
    expect(() => loadModelCatalogue(bad)).toThrow(/bad\.json:\n {2}\(file\): not JSON/);
  });
});
