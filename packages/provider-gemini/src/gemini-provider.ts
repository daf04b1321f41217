/**
 * `createGemini(settings)` and the default `gemini` provider (Gemini API, Google AI Studio keys).
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
  type ProviderConfig,
  type ProviderPackage,
  unservedModelError,
  withCustomModels,
  withProviderTimeout,
} from '@retouch/core';
import { capabilitiesOf, GEMINI_MODEL_SPECS, type GeminiModelSpec } from './gemini-capabilities.js';
import { GEMINI_CATALOGUE } from './gemini-catalogue.js';
import {
  GEMINI_DEFAULT_API_VERSION,
  GEMINI_PROVIDER,
  geminiImageEdit,
  geminiVersionedBase,
} from './gemini-image-edit.js';
import { createGoogleErrorClassifier, parseGoogleError } from './google-errors.js';

/** Settings of {@link createGemini}. */
export interface GeminiProviderSettings {
  /**
   * Gemini API key, sent as `x-goog-api-key`. Defaults to `GEMINI_API_KEY`, then `GOOGLE_API_KEY`
   * (read per call, so a missing key fails the call, not the import).
   */
  apiKey?: string;
  /**
   * API base URL. Defaults to `GEMINI_API_BASE`, then `https://generativelanguage.googleapis.com`.
   * A base that ends in an API version (`…/v1beta`, as LiteLLM's `GEMINI_API_BASE`) is used as is.
   */
  baseURL?: string;
  /** API version appended to a base without one. Defaults to `v1beta` (the image models' version). */
  apiVersion?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Custom fetch (tests, corporate proxies). Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Deadline of each call in milliseconds, unless the request sets `timeout`. No default. */
  timeout?: number;
  /** Most `generateContent` calls in flight for one request with `n` > 1. Defaults to 4. */
  maxConcurrency?: number;
  /** Extra models (new snapshots) or overrides of the built-in ones: input-image limit, aspect ratios, image sizes. Defaults to none. */
  models?: Record<string, GeminiModelSpec>;
}

const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';
const KEY_ENV_VARS = ['GEMINI_API_KEY', 'GOOGLE_API_KEY'];

/**
 * Creates a Gemini API image-edit provider.
 *
 * @example
 * ```ts
 * import { imageEdit } from '@retouch/core';
 * import { createGemini } from '@retouch/provider-gemini';
 *
 * const gemini = createGemini({ apiKey: process.env.GEMINI_API_KEY });
 * const response = await imageEdit(
 *   { model: 'gemini-3.1-flash-image', image: [room, sofa], prompt: 'Put the sofa in the room', size: '1792x1024' },
 *   { provider: gemini },
 * );
 * ```
 */
export function createGemini(settings: GeminiProviderSettings = {}): ImageEditProvider {
  const specs: Record<string, GeminiModelSpec> = { ...GEMINI_MODEL_SPECS, ...settings.models };
  const catalogue = withCustomModels(
    GEMINI_CATALOGUE,
    settings.models && capabilitiesOf(settings.models, 'gemini'),
  );
  const baseURL = () =>
    geminiVersionedBase(
      loadSetting(settings.baseURL, ['GEMINI_API_BASE']) ?? DEFAULT_BASE_URL,
      settings.apiVersion ?? GEMINI_DEFAULT_API_VERSION,
    );
  const keySource = { apiKey: settings.apiKey, envVars: KEY_ENV_VARS, provider: GEMINI_PROVIDER };
  const apiKey = () => loadApiKey(keySource);
  const secrets = () => [settings.apiKey, ...KEY_ENV_VARS.map((name) => process.env[name])];
  const authHint = 'Check GEMINI_API_KEY (or GOOGLE_API_KEY, or the apiKey setting).';
  const http = createProviderHttp({
    provider: GEMINI_PROVIDER,
    baseURL,
    fetch: settings.fetch,
    // The key goes in a header only: a `?key=` URL ends up in logs and stack traces.
    headers: () => ({ 'x-goog-api-key': apiKey(), ...settings.headers }),
    secrets,
    parseError: parseGoogleError,
    classifyError: createGoogleErrorClassifier({ authHint, secrets }),
    authHint,
  });

  return {
    id: GEMINI_PROVIDER,
    configurationProblem: () => apiKeyProblem(keySource),
    catalogue,
    capabilities: (model) => lookupModel(catalogue, model)?.row.capabilities,
    models: () => currentModels(catalogue),
    secrets,
    async imageEdit(request, options) {
      const spec = specs[request.model] ?? specs[request.servedLike ?? ''];
      if (!spec) throw unservedModelError(GEMINI_PROVIDER, request.model);
      return withProviderTimeout(options, settings.timeout, (options) =>
        geminiImageEdit(http, request, options, { spec, maxConcurrency: settings.maxConcurrency ?? 4 }),
      );
    },
  };
}

/**
 * The default Gemini provider, configured from the environment (`GEMINI_API_KEY`, `GEMINI_API_BASE`).
 *
 * @example
 * ```ts
 * await imageEdit({ model: 'gemini-3.1-flash-image', image: png, prompt: 'Add a hat' }, { provider: gemini });
 * ```
 */
export const gemini: ImageEditProvider = createGemini();

/**
 * Lets `@retouch/core` and the router build this provider from LiteLLM-style deployment settings
 * (`api_key`, `api_base`, `extra_headers`).
 *
 * @example
 * ```ts
 * const provider = providerPackage.create({ api_key: process.env.GEMINI_API_KEY });
 * ```
 */
export const providerPackage: ProviderPackage = {
  prefix: GEMINI_PROVIDER,
  catalogue: GEMINI_CATALOGUE,
  settings: ['api_key', 'api_base', 'extra_headers'],
  create: (config: ProviderConfig = {}) =>
    createGemini({ apiKey: config.api_key, baseURL: config.api_base, headers: config.extra_headers }),
};
