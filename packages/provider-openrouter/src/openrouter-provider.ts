/**
 * `createOpenRouter(settings)`, the default `openrouter` provider and `providerPackage`.
 * @module
 */
import {
  apiKeyProblem,
  createProviderHttp,
  currentModels,
  type ImageEditProvider,
  loadApiKey,
  loadSetting,
  type ProviderConfig,
  type ProviderPackage,
  withProviderTimeout,
} from '@retouch/core';
import { openRouterCapabilities } from './openrouter-capabilities.js';
import { OPENROUTER_CATALOGUE } from './openrouter-catalogue.js';
import {
  classifyOpenRouterError,
  openRouterImageEdit,
  parseOpenRouterError,
} from './openrouter-image-edit.js';

const PROVIDER = 'openrouter';
const DEFAULT_BASE_URL = 'https://openrouter.ai/api/v1';

/** Settings of {@link createOpenRouter}. */
export interface OpenRouterProviderSettings {
  /** API key, sent as `Authorization: Bearer`. Defaults to `OPENROUTER_API_KEY`, read per call. */
  apiKey?: string;
  /** API base URL, including `/api/v1`. Defaults to `OPENROUTER_API_BASE`, then `https://openrouter.ai/api/v1`. */
  baseURL?: string;
  /** Your app's URL, sent as `HTTP-Referer` (app attribution). Defaults to `OR_SITE_URL`; none when unset. */
  siteUrl?: string;
  /** Your app's name, sent as `X-OpenRouter-Title` (app attribution). Defaults to `OR_APP_NAME`; none when unset. */
  appName?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Custom fetch (tests, corporate proxies). Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Deadline of each call in milliseconds, unless the request sets `timeout`. No default. */
  timeout?: number;
}

/** A base given as a full endpoint URL (as some LiteLLM configs do) is cut back to the API root. */
function apiRoot(base: string): string {
  return base.replace(/\/+$/, '').replace(/\/(chat\/completions|images)$/, '');
}

/**
 * Creates an OpenRouter image-edit provider (the `/images` and chat-completions paths).
 *
 * @example
 * ```ts
 * import { imageEdit } from '@retouch/core';
 * import { createOpenRouter } from '@retouch/provider-openrouter';
 *
 * const openrouter = createOpenRouter({ apiKey: process.env.OPENROUTER_API_KEY, appName: 'My app' });
 * const response = await imageEdit(
 *   { model: 'google/gemini-2.5-flash-image', image: [a, b], prompt: 'Merge them', size: '1536x1024' },
 *   { provider: openrouter },
 * );
 * ```
 */
export function createOpenRouter(settings: OpenRouterProviderSettings = {}): ImageEditProvider {
  const baseURL = () => apiRoot(loadSetting(settings.baseURL, ['OPENROUTER_API_BASE']) ?? DEFAULT_BASE_URL);
  const keySource = { apiKey: settings.apiKey, envVars: ['OPENROUTER_API_KEY'], provider: PROVIDER };
  const apiKey = () => loadApiKey(keySource);
  const http = createProviderHttp({
    provider: PROVIDER,
    baseURL,
    fetch: settings.fetch,
    headers: () => ({
      authorization: `Bearer ${apiKey()}`,
      'http-referer': loadSetting(settings.siteUrl, ['OR_SITE_URL']),
      'x-openrouter-title': loadSetting(settings.appName, ['OR_APP_NAME']),
      ...settings.headers,
    }),
    secrets: () => [settings.apiKey ?? process.env.OPENROUTER_API_KEY],
    parseError: parseOpenRouterError,
    classifyError: classifyOpenRouterError,
    authHint: 'Check OPENROUTER_API_KEY (or the apiKey setting).',
  });

  return {
    id: PROVIDER,
    configurationProblem: () => apiKeyProblem(keySource),
    catalogue: OPENROUTER_CATALOGUE,
    capabilities: openRouterCapabilities,
    models: () => currentModels(OPENROUTER_CATALOGUE),
    secrets: () => [settings.apiKey ?? process.env.OPENROUTER_API_KEY],
    async imageEdit(request, options) {
      return withProviderTimeout(options, settings.timeout, (options) =>
        openRouterImageEdit(http, request, options),
      );
    },
  };
}

/**
 * The default OpenRouter provider, configured from the environment (`OPENROUTER_API_KEY`, …).
 *
 * @example
 * ```ts
 * await imageEdit({ model: 'openai/gpt-image-1', image: png, prompt: 'Add a hat' }, { provider: openrouter });
 * ```
 */
export const openrouter: ImageEditProvider = createOpenRouter();

/**
 * Lets `@retouch/core` and the router build this provider from LiteLLM-style deployment settings
 * (`api_key`, `api_base`, `extra_headers`, and `site_url` / `app_name` for attribution).
 */
export const providerPackage: ProviderPackage = {
  prefix: PROVIDER,
  catalogue: OPENROUTER_CATALOGUE,
  settings: ['api_key', 'api_base', 'site_url', 'app_name', 'extra_headers'],
  create: (config: ProviderConfig = {}) =>
    createOpenRouter({
      apiKey: config.api_key,
      baseURL: config.api_base,
      siteUrl: typeof config.site_url === 'string' ? config.site_url : undefined,
      appName: typeof config.app_name === 'string' ? config.app_name : undefined,
      headers: config.extra_headers,
    }),
};
