/**
 * `createVertex(settings)` and the default `vertex_ai` provider: Gemini image models
 * (`:generateContent`) and Imagen 3 editing (`:predict`) on Vertex AI, with Google OAuth credentials.
 * @module
 */
import {
  BadRequestError,
  createProviderHttp,
  currentModels,
  type ImageEditProvider,
  loadSetting,
  lookupModel,
  type ProviderConfig,
  type ProviderPackage,
  unservedModelError,
  withCustomModels,
  withProviderTimeout,
} from '@retouch/core';
import {
  capabilitiesOf,
  createGoogleErrorClassifier,
  type GeminiModelSpec,
  parseGoogleError,
  VERTEX_GEMINI_MODEL_SPECS,
} from '@retouch/provider-gemini/internal';
import { type AccessTokenSource, createVertexAuth, missingProject } from './vertex-auth.js';
import { vertexModelFamily } from './vertex-capabilities.js';
import { VERTEX_CATALOGUE } from './vertex-catalogue.js';
import { checkVertexLocation, vertexHost, vertexModelPath, vertexVersionedBase } from './vertex-endpoint.js';
import { vertexGeminiImageEdit } from './vertex-gemini-image-edit.js';
import { classifyVertexSafetyError, imagenImageEdit } from './vertex-imagen-image-edit.js';

/** Settings of {@link createVertex}. */
export interface VertexProviderSettings {
  /** Google Cloud project. Defaults to `VERTEXAI_PROJECT`, then `GOOGLE_CLOUD_PROJECT`, then the credentials' own project. */
  project?: string;
  /**
   * Location: a region, `global` (Gemini only) or the multi-regions `us` / `eu`. Defaults to
   * `VERTEXAI_LOCATION`, then `VERTEX_LOCATION`, then `GOOGLE_CLOUD_LOCATION`, then `global` for
   * preview models (Vertex serves them there) and `us-central1` for the others.
   */
  location?: string;
  /**
   * Credentials: a service-account key file path, its JSON text, or the parsed object (LiteLLM's
   * `vertex_credentials`). Defaults to `VERTEXAI_CREDENTIALS`, then `GOOGLE_APPLICATION_CREDENTIALS`,
   * then Application Default Credentials. Tokens are cached and refreshed by google-auth-library.
   */
  credentials?: string | Record<string, unknown>;
  /** An access token, or a function returning one per call, used instead of Google credentials. No default. */
  accessToken?: AccessTokenSource;
  /** API host override (a proxy, a private endpoint, a simulator). Defaults to `VERTEXAI_API_BASE`, then the location's host. */
  baseURL?: string;
  /** API version. Defaults to `v1`. */
  apiVersion?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Custom fetch (tests, corporate proxies), for API and token requests. Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Deadline of each call in milliseconds, unless the request sets `timeout`. No default. */
  timeout?: number;
  /** Most `generateContent` calls in flight for one Gemini request with `n` > 1. Defaults to 4. */
  maxConcurrency?: number;
  /** Extra Gemini image models (new snapshots) or overrides: input-image limit, aspect ratios, image sizes. Defaults to none. */
  geminiModels?: Record<string, GeminiModelSpec>;
}

const PROVIDER = 'vertex_ai';
const DEFAULT_LOCATION = 'us-central1';
const AUTH_HINT =
  'Check the Google credentials (GOOGLE_APPLICATION_CREDENTIALS, vertex_credentials or accessToken) and that they may use Vertex AI in this project.';

/**
 * Creates a Vertex AI image-edit provider.
 *
 * @example
 * ```ts
 * import { imageEdit } from '@retouch/core';
 * import { createVertex } from '@retouch/provider-vertex';
 *
 * const vertex = createVertex({ project: 'my-project', location: 'us-central1' });
 * const response = await imageEdit(
 *   { model: 'gemini-3.1-flash-image', image: [room, vase], prompt: 'Put the vase on the table', n: 2 },
 *   { provider: vertex },
 * );
 * ```
 */
export function createVertex(settings: VertexProviderSettings = {}): ImageEditProvider {
  const geminiSpecs: Record<string, GeminiModelSpec> = {
    ...VERTEX_GEMINI_MODEL_SPECS,
    ...settings.geminiModels,
  };
  const catalogue = withCustomModels(
    VERTEX_CATALOGUE,
    settings.geminiModels && capabilitiesOf(settings.geminiModels, 'vertex'),
  );
  const auth = createVertexAuth(settings);

  async function resolveProject(model: string, signal: AbortSignal): Promise<string> {
    const project =
      loadSetting(settings.project, ['VERTEXAI_PROJECT', 'GOOGLE_CLOUD_PROJECT']) ??
      (await auth.projectId(signal, { provider: PROVIDER, model }));
    if (!project) throw missingProject(model);
    return project;
  }

  return {
    id: PROVIDER,
    catalogue,
    capabilities: (model) => lookupModel(catalogue, model)?.row.capabilities,
    models: () => currentModels(catalogue),
    imageEdit(request, callerOptions) {
      return withProviderTimeout(callerOptions, settings.timeout, async (options) => {
        const ref = { provider: PROVIDER, model: request.model };
        const wireModel = request.servedLike ?? request.model;
        const family = vertexModelFamily(wireModel);
        const preview = lookupModel(catalogue, wireModel)?.row.status === 'preview';
        const location =
          loadSetting(settings.location, ['VERTEXAI_LOCATION', 'VERTEX_LOCATION', 'GOOGLE_CLOUD_LOCATION']) ??
          (preview ? 'global' : DEFAULT_LOCATION);
        checkVertexLocation(location, ref);
        if (family === 'imagen' && location === 'global') {
          throw new BadRequestError({
            message: `vertex_location: Imagen models are not served from the global location; use a region such as us-central1.`,
            param: 'vertex_location',
            code: 'unsupported_location',
            ...ref,
          });
        }
        const project = await resolveProject(request.model, options.signal);
        const authHeaders = await auth.headers(options.signal, ref);
        const base = loadSetting(settings.baseURL, ['VERTEXAI_API_BASE']) ?? vertexHost(location);
        const http = createProviderHttp({
          provider: PROVIDER,
          baseURL: vertexVersionedBase(base, settings.apiVersion ?? 'v1'),
          fetch: settings.fetch,
          headers: () => ({ ...authHeaders, ...settings.headers }),
          secrets: auth.secrets,
          parseError: parseGoogleError,
          classifyError: createGoogleErrorClassifier({
            authHint: AUTH_HINT,
            secrets: auth.secrets,
            classify: classifyVertexSafetyError,
          }),
          authHint: AUTH_HINT,
        });
        if (family === 'imagen') {
          const path = vertexModelPath({ project, location, model: request.model, method: 'predict' });
          return imagenImageEdit(http, path, request, options);
        }
        const spec = geminiSpecs[request.model] ?? geminiSpecs[wireModel];
        if (!spec) throw unservedModelError(PROVIDER, request.model);
        const path = vertexModelPath({ project, location, model: request.model, method: 'generateContent' });
        return vertexGeminiImageEdit(http, path, request, options, {
          spec,
          maxConcurrency: settings.maxConcurrency ?? 4,
        });
      });
    },
  };
}

/**
 * The default Vertex AI provider, configured from the environment (`VERTEXAI_PROJECT`,
 * `VERTEXAI_LOCATION`, `GOOGLE_APPLICATION_CREDENTIALS`, `VERTEXAI_API_BASE`).
 *
 * @example
 * ```ts
 * await imageEdit({ model: 'gemini-3.1-flash-image', image: png, prompt: 'Add a hat' }, { provider: vertex });
 * ```
 */
export const vertex: ImageEditProvider = createVertex();

function stringSetting(config: ProviderConfig, name: string): string | undefined {
  const value = config[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Lets `@retouch/core` and the router build this provider from LiteLLM-style deployment settings
 * (`vertex_project`, `vertex_location`, `vertex_credentials`, `api_base`, `extra_headers`).
 *
 * @example
 * ```ts
 * const provider = providerPackage.create({ vertex_project: 'my-project', vertex_location: 'europe-west4' });
 * ```
 */
export const providerPackage: ProviderPackage = {
  prefix: PROVIDER,
  catalogue: VERTEX_CATALOGUE,
  settings: ['vertex_project', 'vertex_location', 'vertex_credentials', 'api_base', 'extra_headers'],
  create: (config: ProviderConfig = {}) => {
    const credentials = config.vertex_credentials;
    return createVertex({
      project: stringSetting(config, 'vertex_project'),
      location: stringSetting(config, 'vertex_location'),
      credentials:
        typeof credentials === 'string' || (typeof credentials === 'object' && credentials !== null)
          ? (credentials as string | Record<string, unknown>)
          : undefined,
      baseURL: config.api_base,
      headers: config.extra_headers,
    });
  },
};
