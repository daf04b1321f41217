/**
 * Finding the provider for a model id. `gemini/gemini-2.5-flash-image` → prefix `gemini`, model
 * `gemini-2.5-flash-image`; bare OpenAI names → `openai`. Providers come from `registerProvider`,
 * or from the `@retouch/provider-*` package for the prefix that the app installed (imported on first
 * use, resolved from the app: core itself depends on no provider).
 * @module
 */
import { BadRequestError, NotFoundError } from './errors.js';
import type { ImageEditProvider, ProviderConfig, ProviderPackage } from './provider.js';
import { importInstalledPackage, isMissingPackage } from './provider-import.js';

/** The package that serves each built-in prefix. */
export const PROVIDER_PACKAGES: Readonly<Record<string, string>> = {
  openai: '@retouch/provider-openai',
  gemini: '@retouch/provider-gemini',
  vertex_ai: '@retouch/provider-vertex',
  openrouter: '@retouch/provider-openrouter',
  stability: '@retouch/provider-stability',
  bedrock: '@retouch/provider-bedrock',
  black_forest_labs: '@retouch/provider-bfl',
};

const BARE_OPENAI = /^(gpt-image-[\w.-]+|chatgpt-image-[\w.-]+|dall-e-[23])$/;

/** A model id split into provider prefix and provider model. */
export interface ModelId {
  prefix: string;
  model: string;
}

const registered = new Map<string, ProviderPackage>();
const packageNames = new Map<string, string>();
const defaultProviders = new Map<string, Promise<ImageEditProvider>>();

/**
 * Splits a model id into provider prefix and model. Throws a `BadRequestError` naming `model`
 * when there is no prefix and the name is not an OpenAI model.
 *
 * @example
 * ```ts
 * parseModelId('black_forest_labs/flux-kontext-pro'); // { prefix: 'black_forest_labs', model: 'flux-kontext-pro' }
 * parseModelId('gpt-image-1'); // { prefix: 'openai', model: 'gpt-image-1' }
 * ```
 */
export function parseModelId(id: string): ModelId {
  if (typeof id !== 'string' || id === '') {
    throw new BadRequestError({
      message:
        'model: required (a model id such as gpt-image-2, or provider/model such as gemini/<model id>)',
      param: 'model',
      code: 'invalid_value',
    });
  }
  const slash = id.indexOf('/');
  if (slash > 0) {
    const prefix = id.slice(0, slash);
    if (PROVIDER_PACKAGES[prefix] || registered.has(prefix) || packageNames.has(prefix))
      return { prefix, model: id.slice(slash + 1) };
  }
  if (BARE_OPENAI.test(id)) return { prefix: 'openai', model: id };
  const known = [
    ...new Set([...Object.keys(PROVIDER_PACKAGES), ...registered.keys(), ...packageNames.keys()]),
  ].join(', ');
  throw new BadRequestError({
    message: `model: cannot tell which provider serves "${id}". Prefix it with one of ${known} (e.g. gemini/gemini-3.1-flash-image).`,
    param: 'model',
    code: 'model_not_found',
  });
}

/**
 * Registers a provider for a prefix, ahead of any built-in package: a provider package object, a
 * ready provider, or the name of an installed package that exports `providerPackage` (third-party
 * providers). This is how custom providers join `imageEdit()` and the router.
 *
 * @example
 * ```ts
 * registerProvider({ prefix: 'acme', create: (config) => createAcme(config) });
 * registerProvider('acme', '@acme/retouch-provider');
 * await imageEdit({ model: 'acme/retouch-1', image, prompt });
 * ```
 */
export function registerProvider(entry: ProviderPackage | ImageEditProvider): void;
export function registerProvider(prefix: string, packageName: string): void;
export function registerProvider(
  entry: ProviderPackage | ImageEditProvider | string,
  packageName?: string,
): void {
  if (typeof entry === 'string') {
    packageNames.set(entry, packageName as string);
    registered.delete(entry);
    defaultProviders.delete(entry);
    return;
  }
  const pkg: ProviderPackage = 'create' in entry ? entry : { prefix: entry.id, create: () => entry };
  registered.set(pkg.prefix, pkg);
  defaultProviders.delete(pkg.prefix);
}

/**
 * Removes a registration (tests).
 *
 * @example
 * ```ts
 * unregisterProvider('acme');
 * ```
 */
export function unregisterProvider(prefix: string): void {
  registered.delete(prefix);
  packageNames.delete(prefix);
  defaultProviders.delete(prefix);
}

function isProviderPackage(value: unknown): value is ProviderPackage {
  return (
    typeof value === 'object' && value !== null && typeof (value as ProviderPackage).create === 'function'
  );
}

/**
 * The provider package for a prefix: a registered one, else the installed `@retouch/provider-*`.
 * A missing package is a `NotFoundError` naming the package to install.
 *
 * @example
 * ```ts
 * const pkg = await loadProviderPackage('gemini');
 * const gemini = pkg.create({ api_key: process.env.GEMINI_API_KEY });
 * ```
 */
export async function loadProviderPackage(prefix: string): Promise<ProviderPackage> {
  const own = registered.get(prefix);
  if (own) return own;
  const name = packageNames.get(prefix) ?? PROVIDER_PACKAGES[prefix];
  if (!name) {
    throw new BadRequestError({
      message: `model: no provider is registered for prefix "${prefix}"`,
      param: 'model',
    });
  }
  let mod: { providerPackage?: unknown };
  try {
    mod = (await importInstalledPackage(name)) as { providerPackage?: unknown };
  } catch (error) {
    if (isMissingPackage(error, name)) {
      throw new NotFoundError({
        message: `model: the ${prefix} provider is not installed. Run \`npm install ${name}\` (or pnpm add / yarn add).`,
        param: 'model',
        code: 'provider_not_installed',
        cause: error,
      });
    }
    throw error;
  }
  if (!isProviderPackage(mod.providerPackage)) {
    throw new BadRequestError({ message: `${name} does not export a providerPackage`, param: 'model' });
  }
  return mod.providerPackage;
}

/** The provider settings' own names that `providerConfig` also takes, and their LiteLLM name. */
const CAMEL_CASE_SETTINGS: Readonly<Record<string, string>> = {
  apiKey: 'api_key',
  baseURL: 'api_base',
  apiBase: 'api_base',
  extraHeaders: 'extra_headers',
};

/**
 * `providerConfig` with the provider settings' names (`apiKey`, `baseURL`) read as LiteLLM's
 * (`api_key`, `api_base`), so either spelling works; a LiteLLM name given too wins.
 *
 * @example
 * ```ts
 * withLitellmNames({ apiKey: 'sk-1' }); // { api_key: 'sk-1' }
 * ```
 */
export function withLitellmNames(config: ProviderConfig): ProviderConfig {
  const out: ProviderConfig = {};
  for (const [key, value] of Object.entries(config)) {
    const litellm = CAMEL_CASE_SETTINGS[key];
    if (litellm === undefined) out[key] = value;
    else if (config[litellm] === undefined) out[litellm] = value;
  }
  return out;
}

/**
 * The provider for a prefix, configured from `config` or, when none is given, from the environment
 * (one shared instance per prefix).
 *
 * @example
 * ```ts
 * const gemini = await resolveProvider('gemini', { api_key: process.env.GEMINI_API_KEY });
 * ```
 */
export async function resolveProvider(prefix: string, config?: ProviderConfig): Promise<ImageEditProvider> {
  if (config) return (await loadProviderPackage(prefix)).create(withLitellmNames(config));
  let provider = defaultProviders.get(prefix);
  if (!provider) {
    provider = loadProviderPackage(prefix).then((pkg) => pkg.create());
    defaultProviders.set(prefix, provider);
    provider.catch(() => defaultProviders.delete(prefix));
  }
  return provider;
}
