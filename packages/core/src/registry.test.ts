import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { BadRequestError, NotFoundError } from './errors.js';
import type { ImageEditProvider, ProviderConfig, ProviderPackage } from './provider.js';
import {
  loadProviderPackage,
  PROVIDER_PACKAGES,
  parseModelId,
  registerProvider,
  resolveProvider,
  unregisterProvider,
} from './registry.js';

function fakeProvider(id: string): ImageEditProvider {
  return {
    id,
    capabilities: () => undefined,
    models: () => [],
    imageEdit: async () => ({ images: [], warnings: [] }),
  };
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

afterEach(() => {
  for (const prefix of ['acme', 'ready', 'thirdparty', 'notanexport', 'gemini']) unregisterProvider(prefix);
});

describe('parseModelId', () => {
  it.each([
    ['gemini/gemini-2.5-flash-image', 'gemini', 'gemini-2.5-flash-image'],
    ['vertex_ai/imagen-3.0-capability-001', 'vertex_ai', 'imagen-3.0-capability-001'],
    ['openrouter/google/gemini-2.5-flash-image', 'openrouter', 'google/gemini-2.5-flash-image'],
    ['stability/sd3.5-large', 'stability', 'sd3.5-large'],
    ['bedrock/stability.sd3-5-large-v1:0', 'bedrock', 'stability.sd3-5-large-v1:0'],
    ['black_forest_labs/flux-kontext-pro', 'black_forest_labs', 'flux-kontext-pro'],
    ['openai/gpt-image-1', 'openai', 'gpt-image-1'],
  ])('splits %s', (id, prefix, model) => {
    expect(parseModelId(id)).toEqual({ prefix, model });
  });

  it.each([
    'gpt-image-1',
    'gpt-image-1-mini',
    'gpt-image-1.5',
    'chatgpt-image-latest',
    'dall-e-2',
    'dall-e-3',
  ])('takes the bare OpenAI name %s as openai', (id) => {
    expect(parseModelId(id)).toEqual({ prefix: 'openai', model: id });
  });

  it.each(['flux-kontext-pro', 'unknown/model', 'gpt-4o', '/gpt-image-1', 'dall-e-4'])(
    'refuses %s with a BadRequestError naming model and the prefixes',
    (id) => {
      const error = thrown(() => parseModelId(id)) as BadRequestError;
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.param).toBe('model');
      expect(error.code).toBe('model_not_found');
      expect(error.message).toContain(`"${id}"`);
      expect(error.message).toContain('black_forest_labs');
    },
  );

  it('refuses a missing or empty model with a BadRequestError, not a TypeError', () => {
    for (const id of [undefined, '', 42]) {
      const error = thrown(() => parseModelId(id as unknown as string));
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).param).toBe('model');
    }
  });

  it('knows prefixes registered at run time', () => {
    expect(() => parseModelId('acme/retouch-1')).toThrow(BadRequestError);
    registerProvider(fakeProvider('acme'));
    expect(parseModelId('acme/retouch-1')).toEqual({ prefix: 'acme', model: 'retouch-1' });
    expect((thrown(() => parseModelId('zzz')) as Error).message).toContain('acme');
    unregisterProvider('acme');
    expect(() => parseModelId('acme/retouch-1')).toThrow(BadRequestError);
  });
});

describe('registerProvider / loadProviderPackage / resolveProvider', () => {
  it('lists a package for every built-in prefix', () => {
    expect(Object.keys(PROVIDER_PACKAGES).sort()).toEqual(
      ['bedrock', 'black_forest_labs', 'gemini', 'openai', 'openrouter', 'stability', 'vertex_ai'].sort(),
    );
    expect(PROVIDER_PACKAGES.black_forest_labs).toBe('@retouch/provider-bfl');
  });

  it('registers a provider package object and builds providers from config', async () => {
    const create = jest.fn((config?: ProviderConfig) => ({ ...fakeProvider('acme'), config }));
    const pkg: ProviderPackage = { prefix: 'acme', create };
    registerProvider(pkg);
    expect(await loadProviderPackage('acme')).toBe(pkg);
    const configured = await resolveProvider('acme', { api_key: 'k' });
    expect(create).toHaveBeenLastCalledWith({ api_key: 'k' });
    expect((configured as unknown as { config: unknown }).config).toEqual({ api_key: 'k' });
  });

  it("takes the provider settings' own names in a config too (apiKey, baseURL), LiteLLM's winning", async () => {
    const create = jest.fn((config?: ProviderConfig) => ({ ...fakeProvider('acme'), config }));
    registerProvider({ prefix: 'acme', create });
    await resolveProvider('acme', { apiKey: 'k1', baseURL: 'http://127.0.0.1:9/v1', organization: 'o' });
    expect(create).toHaveBeenLastCalledWith({
      api_key: 'k1',
      api_base: 'http://127.0.0.1:9/v1',
      organization: 'o',
    });
    await resolveProvider('acme', { apiKey: 'camel', api_key: 'snake' });
    expect(create).toHaveBeenLastCalledWith({ api_key: 'snake' });
  });

  it('shares one environment-configured instance per prefix, until re-registered', async () => {
    let made = 0;
    registerProvider({ prefix: 'acme', create: () => ({ ...fakeProvider('acme'), serial: ++made }) });
    const first = await resolveProvider('acme');
    expect(await resolveProvider('acme')).toBe(first);
    expect(made).toBe(1);
    registerProvider({ prefix: 'acme', create: () => fakeProvider('acme') });
    expect(await resolveProvider('acme')).not.toBe(first);
  });

  it('registers a ready provider under its id', async () => {
    const provider = fakeProvider('ready');
    registerProvider(provider);
    expect(await resolveProvider('ready')).toBe(provider);
    expect(await resolveProvider('ready', { api_key: 'ignored' })).toBe(provider);
  });

  it('lets a registration take a built-in prefix', async () => {
    const provider = fakeProvider('gemini');
    registerProvider(provider);
    expect(await resolveProvider('gemini')).toBe(provider);
  });

  it('loads a registered package name, and says what to install when it is missing', async () => {
    registerProvider('thirdparty', '@acme/retouch-provider-does-not-exist');
    expect(parseModelId('thirdparty/m')).toEqual({ prefix: 'thirdparty', model: 'm' });
    const error = await loadProviderPackage('thirdparty').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, param: 'model', code: 'provider_not_installed' });
    expect((error as Error).message).toContain('npm install @acme/retouch-provider-does-not-exist');
  });

  it('refuses a package that does not export providerPackage', async () => {
    registerProvider('notanexport', 'zod');
    const error = await loadProviderPackage('notanexport').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message).toBe('zod does not export a providerPackage');
  });

  it('refuses an unknown prefix', async () => {
    const error = await loadProviderPackage('nobody').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe('model');
  });

  it('a package name replaces an object registration for the same prefix, and unregister removes both', async () => {
    registerProvider(fakeProvider('acme'));
    registerProvider('acme', '@acme/missing-package');
    await expect(loadProviderPackage('acme')).rejects.toBeInstanceOf(NotFoundError);
    unregisterProvider('acme');
    await expect(loadProviderPackage('acme')).rejects.toThrow(/no provider is registered for prefix "acme"/);
  });
});
