/**
 * `createStability(settings)` and the default `stability` provider.
 * @module
 */
import {
  apiKeyProblem,
  catalogueRow,
  createProviderHttp,
  currentModels,
  type ImageEditProvider,
  loadApiKey,
  loadSetting,
  type ProviderConfig,
  type ProviderPackage,
  withProviderTimeout,
} from '@retouch/core';
import { STABILITY_CATALOGUE } from './stability-catalogue.js';
import { classifyStabilityError, parseStabilityError } from './stability-errors.js';
import { stabilityImageEdit } from './stability-image-edit.js';

/** Settings of {@link createStability}. */
export interface StabilityProviderSettings {
  /** API key (`sk-…`). Defaults to `STABILITY_API_KEY` (read per call, so a missing key fails the call, not the import). */
  apiKey?: string;
  /** API base URL, without `/v2beta`. Defaults to `STABILITY_API_BASE`, then `https://api.stability.ai`. */
  baseURL?: string;
  /** Sent as `stability-client-id` (your application's name, ≤ 256 characters). No default. */
  clientId?: string;
  /** Sent as `stability-client-version` (≤ 256 characters). No default. */
  clientVersion?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Custom fetch (tests, corporate proxies). Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Deadline of each call in milliseconds, unless the request sets `timeout`. No default. */
  timeout?: number;
  /**
   * Wait between polls of an async result (relight, creative upscale), in ms. Defaults to 10 000:
   * Stability asks for at most one poll per 10 s. Lower it only against a simulator.
   */
  pollIntervalMs?: number;
  /** How long an async result is awaited when the call has no timeout, in ms. Defaults to 300 000. */
  pollTimeoutMs?: number;
  /** Calls in flight at once for `n` > 1 (one image per call). Defaults to 4. */
  maxConcurrency?: number;
}

const DEFAULT_BASE_URL = 'https://api.stability.ai';

/**
 * Creates a Stability AI image-edit provider (v2beta edit, control and upscale services).
 *
 * @example
 * ```ts
 * import { imageEdit } from '@retouch/core';
 * import { createStability } from '@retouch/provider-stability';
 *
 * const stability = createStability({ apiKey: process.env.STABILITY_API_KEY });
 * const response = await imageEdit(
 *   { model: 'stability/search-and-replace', image: png, prompt: 'a golden retriever', search_prompt: 'cat' },
 *   { provider: stability },
 * );
 * ```
 */
export function createStability(settings: StabilityProviderSettings = {}): ImageEditProvider {
  const keySource = { apiKey: settings.apiKey, envVars: ['STABILITY_API_KEY'], provider: 'stability' };
  const apiKey = () => loadApiKey(keySource);
  const secrets = () => [settings.apiKey ?? process.env.STABILITY_API_KEY];
  const http = createProviderHttp({
    provider: 'stability',
    baseURL: () => loadSetting(settings.baseURL, ['STABILITY_API_BASE']) ?? DEFAULT_BASE_URL,
    fetch: settings.fetch,
    headers: () => ({
      authorization: `Bearer ${apiKey()}`,
      'stability-client-id': settings.clientId,
      'stability-client-version': settings.clientVersion,
      ...settings.headers,
    }),
    secrets,
    parseError: parseStabilityError,
    classifyError: (failure, ref) => classifyStabilityError(failure, ref, secrets()),
    authHint: 'Check STABILITY_API_KEY (or the apiKey setting).',
  });
  const config = {
    pollIntervalMs: settings.pollIntervalMs ?? 10_000,
    pollTimeoutMs: settings.pollTimeoutMs ?? 300_000,
    maxConcurrency: settings.maxConcurrency ?? 4,
  };

  return {
    id: 'stability',
    configurationProblem: () => apiKeyProblem(keySource),
    catalogue: STABILITY_CATALOGUE,
    capabilities: (model) => catalogueRow(STABILITY_CATALOGUE, model)?.capabilities,
    models: () => currentModels(STABILITY_CATALOGUE),
    secrets,
    async imageEdit(request, options) {
      return withProviderTimeout(options, settings.timeout, (options) =>
        stabilityImageEdit(http, request, options, config),
      );
    },
  };
}

/**
 * The default Stability provider, configured from the environment.
 *
 * @example
 * ```ts
 * await imageEdit({ model: 'stability/erase', image: png, mask }, { provider: stability });
 * ```
 */
export const stability: ImageEditProvider = createStability();

/**
 * Lets `@retouch/core` and the router build this provider from LiteLLM-style deployment settings
 * (`api_key`, `api_base`, `extra_headers`). Deployment timeouts are the router's.
 */
export const providerPackage: ProviderPackage = {
  prefix: 'stability',
  catalogue: STABILITY_CATALOGUE,
  settings: ['api_key', 'api_base', 'extra_headers'],
  create: (config: ProviderConfig = {}) =>
    createStability({ apiKey: config.api_key, baseURL: config.api_base, headers: config.extra_headers }),
};
