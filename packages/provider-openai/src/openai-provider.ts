/**
 * `createOpenAI(settings)` and the default `openai` provider.
 * @module
 */
import {
  apiKeyProblem,
  createProviderHttp,
  currentModels,
  type ImageEditProvider,
  loadApiKey,
  loadSetting,
  lookupModel,
  type ModelCapabilities,
  type ProviderConfig,
  type ProviderPackage,
  withCustomModels,
  withProviderStreamTimeout,
  withProviderTimeout,
} from '@retouch/core';
import { OPENAI_CATALOGUE } from './openai-catalogue.js';
import { classifyOpenAIError, openAIImageEdit } from './openai-image-edit.js';
import { openAIStreamImageEdit } from './openai-stream-edit.js';

/** Settings of {@link createOpenAI}. */
export interface OpenAIProviderSettings {
  /** API key. Defaults to `OPENAI_API_KEY` (read per call, so a missing key fails the call, not the import). */
  apiKey?: string;
  /** API base URL, including `/v1`. Defaults to `OPENAI_BASE_URL`, then `OPENAI_API_BASE`, then `https://api.openai.com/v1`. */
  baseURL?: string;
  /** Sent as `OpenAI-Organization`. Defaults to `OPENAI_ORG_ID`. */
  organization?: string;
  /** Sent as `OpenAI-Project`. Defaults to `OPENAI_PROJECT_ID`. */
  project?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Custom fetch (tests, corporate proxies). Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Deadline of each call in milliseconds, unless the request sets `timeout`. No default. */
  timeout?: number;
  /** Capabilities of extra models (fine-tunes, new snapshots), or overrides of the built-in ones. Defaults to none. */
  models?: Record<string, ModelCapabilities>;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Creates an OpenAI image-edit provider.
 *
 * @example
 * ```ts
 * import { imageEdit } from '@retouch/core';
 * import { createOpenAI } from '@retouch/provider-openai';
 *
 * const openai = createOpenAI({ apiKey: process.env.OPENAI_API_KEY });
 * const response = await imageEdit({ model: 'gpt-image-2.6-sunburst', image: png, prompt: 'Add a hat' }, { provider: openai });
 * ```
 */
export function createOpenAI(settings: OpenAIProviderSettings = {}): ImageEditProvider {
  const catalogue = withCustomModels(OPENAI_CATALOGUE, settings.models);
  const baseURL = () =>
    loadSetting(settings.baseURL, ['OPENAI_BASE_URL', 'OPENAI_API_BASE']) ?? DEFAULT_BASE_URL;
  const keySource = { apiKey: settings.apiKey, envVars: ['OPENAI_API_KEY'], provider: 'openai' };
  const apiKey = () => loadApiKey(keySource);
  const http = createProviderHttp({
    provider: 'openai',
    baseURL,
    fetch: settings.fetch,
    headers: () => ({
      authorization: `Bearer ${apiKey()}`,
      'openai-organization': loadSetting(settings.organization, ['OPENAI_ORG_ID']),
      'openai-project': loadSetting(settings.project, ['OPENAI_PROJECT_ID']),
      ...settings.headers,
    }),
    secrets: () => [settings.apiKey ?? process.env.OPENAI_API_KEY],
    classifyError: classifyOpenAIError,
    authHint: 'Check OPENAI_API_KEY (or the apiKey setting).',
  });

  return {
    id: 'openai',
    configurationProblem: () => apiKeyProblem(keySource),
    catalogue,
    capabilities: (model) => lookupModel(catalogue, model)?.row.capabilities,
    models: () => currentModels(catalogue),
    secrets: () => [settings.apiKey ?? process.env.OPENAI_API_KEY],
    async imageEdit(request, options) {
      return withProviderTimeout(options, settings.timeout, (options) =>
        openAIImageEdit(http, request, options),
      );
    },
    async streamImageEdit(request, options) {
      return withProviderStreamTimeout(options, settings.timeout, (options) =>
        openAIStreamImageEdit(http, request, options),
      );
    },
  };
}

/**
 * The default OpenAI provider, configured from the environment.
 *
 * @example
 * ```ts
 * await imageEdit({ model: 'gpt-image-2.6-sunburst', image: png, prompt: 'Add a hat' }, { provider: openai });
 * ```
 */
export const openai: ImageEditProvider = createOpenAI();

/**
 * Lets `@retouch/core` and the router build this provider from LiteLLM-style deployment settings
 * (`api_key`, `api_base`, `organization`, `extra_headers`). Deployment timeouts are the router's.
 */
export const providerPackage: ProviderPackage = {
  prefix: 'openai',
  catalogue: OPENAI_CATALOGUE,
  settings: ['api_key', 'api_base', 'organization', 'extra_headers'],
  create: (config: ProviderConfig = {}) =>
    createOpenAI({
      apiKey: config.api_key,
      baseURL: config.api_base,
      organization: typeof config.organization === 'string' ? config.organization : undefined,
      headers: config.extra_headers,
    }),
};
