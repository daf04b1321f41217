/**
 * Settings from explicit values or the environment.
 * @module
 */
import { AuthenticationError } from './errors.js';

/**
 * The first non-empty value of `explicit` or the named environment variables.
 *
 * @example
 * ```ts
 * const base = loadSetting(settings.baseURL, ['OPENAI_BASE_URL', 'OPENAI_API_BASE']) ?? 'https://api.openai.com/v1';
 * ```
 */
export function loadSetting(explicit: string | undefined, envVars: readonly string[]): string | undefined {
  if (explicit) return explicit;
  for (const name of envVars) {
    const value = process.env[name];
    if (value) return value;
  }
  return undefined;
}

/** Where an API key may come from, for {@link loadApiKey} and {@link apiKeyProblem}. */
export interface ApiKeySource {
  apiKey: string | undefined;
  envVars: readonly string[];
  provider: string;
}

/**
 * What is wrong when no API key is found, or `undefined` when there is one. Names every place a
 * key may be given, with the name each place uses: `api_key` in config.yaml's `litellm_params`
 * and in `imageEdit()`'s `providerConfig` (which takes `apiKey` too), `apiKey` in the provider's
 * own settings.
 *
 * @example
 * ```ts
 * apiKeyProblem({ apiKey: undefined, envVars: ['OPENAI_API_KEY'], provider: 'openai' });
 * // 'openai: no API key. Set OPENAI_API_KEY, or give the key as api_key (config.yaml litellm_params, imageEdit providerConfig) or apiKey (the provider settings).'
 * ```
 */
export function apiKeyProblem(source: ApiKeySource): string | undefined {
  if (loadSetting(source.apiKey, source.envVars)) return undefined;
  return `${source.provider}: no API key. Set ${source.envVars.join(' or ')}, or give the key as api_key (config.yaml litellm_params, imageEdit providerConfig) or apiKey (the provider settings).`;
}

/**
 * An API key from `explicit` or the environment; a missing key is an `AuthenticationError`
 * (`missing_api_key`) that says where to set one. Called per request, so creating a provider never
 * fails for a key.
 *
 * @example
 * ```ts
 * const key = loadApiKey({ apiKey: settings.apiKey, envVars: ['OPENAI_API_KEY'], provider: 'openai' });
 * ```
 */
export function loadApiKey(source: ApiKeySource): string {
  const key = loadSetting(source.apiKey, source.envVars);
  if (key) return key;
  throw new AuthenticationError({
    message: apiKeyProblem(source) as string,
    provider: source.provider,
    code: 'missing_api_key',
  });
}
