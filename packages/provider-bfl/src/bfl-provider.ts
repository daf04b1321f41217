/**
 * `createBlackForestLabs(settings)`, the default `blackForestLabs` provider and `providerPackage`.
 * @module
 */
import {
  apiKeyProblem,
  BadRequestError,
  createProviderHttp,
  currentModels,
  type ImageEditProvider,
  loadApiKey,
  loadSetting,
  lookupModel,
  type ProviderConfig,
  type ProviderPackage,
  withProviderTimeout,
} from '@retouch/core';
import { BFL_REGION_HOSTS, type BFLRegion } from './bfl-capabilities.js';
import { BFL_CATALOGUE } from './bfl-catalogue.js';
import { bflImageEdit, classifyBFLError, parseBFLError } from './bfl-image-edit.js';

const PROVIDER = 'black_forest_labs';
const KEY_VARS = ['BFL_API_KEY', 'BLACK_FOREST_LABS_API_KEY'] as const;
const KEY_HINT = 'Check BFL_API_KEY (or the apiKey setting).';

/** Settings of {@link createBlackForestLabs}. */
export interface BlackForestLabsProviderSettings {
  /** API key, sent as `x-key`. Defaults to `BFL_API_KEY` (then `BLACK_FOREST_LABS_API_KEY`), read per call. */
  apiKey?: string;
  /**
   * API base URL, without `/v1`. Defaults to `BFL_API_BASE` (which wins over `region`), else the
   * `region`'s host (`https://api.bfl.ai` for `global`).
   */
  baseURL?: string;
  /**
   * Which BFL host to use when neither `baseURL` nor `BFL_API_BASE` is set: `global` (`api.bfl.ai`, nearest region with
   * failover), `eu` (`api.eu.bfl.ai`) or `us` (`api.us.bfl.ai`). Defaults to `global`.
   */
  region?: BFLRegion;
  /** Headers sent with every API request (not with result downloads). */
  headers?: Record<string, string>;
  /** Custom fetch (tests, corporate proxies). Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Deadline of each call (submit, polls, download) in ms, unless the request sets `timeout`. Default: 5 minutes of polling. */
  timeout?: number;
  /** First wait between polls in ms; it grows 1.5× per poll. Defaults to 500. */
  pollIntervalMs?: number;
  /** Longest wait between polls in ms. Defaults to 5000. */
  maxPollIntervalMs?: number;
  /** Most tasks one call runs at once for `n` > 1. Defaults to BFL's limit: 24 (6 for flux-kontext-max). */
  maxActiveTasks?: number;
}

function regionHost(region: string | undefined): string | undefined {
  if (region === undefined) return undefined;
  const host = BFL_REGION_HOSTS[region as BFLRegion];
  if (!host) {
    throw new BadRequestError({
      message: `region: ${PROVIDER} has regions ${Object.keys(BFL_REGION_HOSTS).join(', ')}; got ${region}`,
      param: 'region',
      provider: PROVIDER,
    });
  }
  return host;
}

/**
 * Creates a Black Forest Labs (FLUX) image-edit provider: Kontext, FLUX.2, Fill (inpainting with a
 * mask) and Expand (outpainting), submit-then-poll with a deadline.
 *
 * @example
 * ```ts
 * import { imageEdit } from '@retouch/core';
 * import { createBlackForestLabs } from '@retouch/provider-bfl';
 *
 * const bfl = createBlackForestLabs({ apiKey: process.env.BFL_API_KEY, region: 'eu' });
 * const response = await imageEdit(
 *   { model: 'flux-kontext-pro', image: png, prompt: 'Make the jacket red', response_format: 'b64_json' },
 *   { provider: bfl },
 * );
 * ```
 */
export function createBlackForestLabs(settings: BlackForestLabsProviderSettings = {}): ImageEditProvider {
  regionHost(settings.region);
  const baseURL = () =>
    settings.baseURL ??
    loadSetting(undefined, ['BFL_API_BASE']) ??
    regionHost(settings.region) ??
    BFL_REGION_HOSTS.global;
  const keySource = { apiKey: settings.apiKey, envVars: KEY_VARS, provider: PROVIDER };
  const apiKey = () => loadApiKey(keySource);
  const secrets = () => [settings.apiKey, ...KEY_VARS.map((name) => process.env[name])];
  const http = createProviderHttp({
    provider: PROVIDER,
    baseURL,
    fetch: settings.fetch,
    headers: () => ({ 'x-key': apiKey(), ...settings.headers }),
    secrets,
    parseError: parseBFLError,
    classifyError: classifyBFLError,
    authHint: KEY_HINT,
  });
  // Result URLs are signed: downloads carry no key, whatever host they are on.
  const downloadHttp = createProviderHttp({ provider: PROVIDER, baseURL, fetch: settings.fetch, secrets });
  const context = {
    http,
    downloadHttp,
    pollIntervalMs: settings.pollIntervalMs ?? 500,
    maxPollIntervalMs: settings.maxPollIntervalMs ?? 5000,
    maxActiveTasks: settings.maxActiveTasks,
  };

  return {
    id: PROVIDER,
    configurationProblem: () => apiKeyProblem(keySource),
    catalogue: BFL_CATALOGUE,
    capabilities: (model) => lookupModel(BFL_CATALOGUE, model)?.row.capabilities,
    models: () => currentModels(BFL_CATALOGUE),
    secrets,
    async imageEdit(request, options) {
      return withProviderTimeout(options, settings.timeout, (options) =>
        bflImageEdit(context, request, options),
      );
    },
  };
}

/**
 * The default BFL provider, configured from the environment (`BFL_API_KEY`, `BFL_API_BASE`).
 *
 * @example
 * ```ts
 * await imageEdit({ model: 'flux-kontext-pro', image: png, prompt: 'Add a hat' }, { provider: blackForestLabs });
 * ```
 */
export const blackForestLabs: ImageEditProvider = createBlackForestLabs();

/**
 * Lets `@retouch/core` and the router build this provider from LiteLLM-style deployment settings
 * (`api_key`, `api_base`, `region`, `extra_headers`).
 */
export const providerPackage: ProviderPackage = {
  prefix: PROVIDER,
  catalogue: BFL_CATALOGUE,
  settings: ['api_key', 'api_base', 'region', 'extra_headers'],
  create: (config: ProviderConfig = {}) =>
    createBlackForestLabs({
      apiKey: config.api_key,
      baseURL: config.api_base,
      region: typeof config.region === 'string' ? (config.region as BFLRegion) : undefined,
      headers: config.extra_headers,
    }),
};
