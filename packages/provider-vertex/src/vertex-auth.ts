/**
 * Google credentials for Vertex AI, through `google-auth-library` (scope `cloud-platform`; the
 * library caches each access token and refreshes it before it expires). Sources, first found wins:
 * an injected `accessToken` (string or function), `vertex_credentials` (a path or the JSON text,
 * LiteLLM's setting) or `VERTEXAI_CREDENTIALS`, `GOOGLE_APPLICATION_CREDENTIALS`, then Application
 * Default Credentials (gcloud's file, the metadata server).
 *
 * A service account's `token_uri` is honoured (as Google's Python library does): the Node library
 * always posts to `https://oauth2.googleapis.com/token`, so token requests are redirected to the
 * `token_uri` of the key file when it names another endpoint (private endpoints, emulators, tests).
 * @module
 */
import { readFile } from 'node:fs/promises';
import {
  abortError,
  APIConnectionError,
  AuthenticationError,
  BadRequestError,
  RetouchError,
} from '@retouch/core';
import { GoogleAuth } from 'google-auth-library';

/** Scope of every Vertex AI call. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Where `google-auth-library` exchanges service-account JWTs for access tokens. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** An access token, or a function that returns one (called per request). */
export type AccessTokenSource = string | (() => string | Promise<string>);

/** Settings of {@link createVertexAuth}. */
export interface VertexAuthSettings {
  /** Service-account (or other) credentials: a path, the JSON text, or the parsed object. */
  credentials?: string | Record<string, unknown>;
  accessToken?: AccessTokenSource;
  /** Fetch used for token requests as well. */
  fetch?: typeof globalThis.fetch;
}

/** Credentials for one call. */
export interface VertexAuth {
  /** The request headers (`authorization`, and `x-goog-user-project` when the credentials name one). */
  headers(signal: AbortSignal, ref: { provider: string; model: string }): Promise<Record<string, string>>;
  /**
   * The project the credentials belong to, when they say (service-account files do). A lookup
   * through Application Default Credentials (gcloud, the metadata server) ends with `signal`.
   */
  projectId(signal: AbortSignal, ref: { provider: string; model: string }): Promise<string | undefined>;
  /** Secret values to scrub from errors: the last access token. */
  secrets(): string[];
  /** Whether an access token is injected (no Google credentials are read). */
  readonly injected: boolean;
}

const PROVIDER = 'vertex_ai';
const AUTH_HINT =
  'Set GOOGLE_APPLICATION_CREDENTIALS or vertex_credentials (a service-account key file or its JSON), run `gcloud auth application-default login`, or pass accessToken.';

interface AuthEntry {
  auth: GoogleAuth;
  /** The service account's `token_uri`, when it is not Google's default. */
  tokenUri?: string;
  /** `project_id` of the credentials file, when it has one. */
  projectId?: string;
  redirected?: boolean;
}

function failure(message: string, code = 'google_auth_failed'): AuthenticationError {
  return new AuthenticationError({
    message: `${PROVIDER}: ${message} ${AUTH_HINT}`,
    code,
    provider: PROVIDER,
  });
}

/** Reads credentials given as an object, JSON text or a path. Never quotes the text (it holds a private key). */
async function readCredentials(
  value: string | Record<string, unknown>,
  name: string,
): Promise<Record<string, unknown>> {
  if (typeof value === 'object') return value;
  let text = value;
  if (!value.trim().startsWith('{')) {
    try {
      text = await readFile(value, 'utf8');
    } catch (error) {
      throw failure(
        `${name}: cannot read the credentials file ${value} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      );
    }
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Fall through: the parser's message would quote the text.
  }
  throw failure(`${name} is not a credentials JSON object (nor a path to one).`);
}

function raceSignal<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  ref: { provider: string; model: string },
): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal, ref));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, ref));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A token-endpoint or credential failure as a `RetouchError` (connection trouble stays retryable). */
function toAuthError(error: unknown, ref: { provider: string; model: string }): RetouchError {
  if (RetouchError.isInstance(error)) return error;
  const e = error as { message?: string; code?: string | number; response?: { status?: number } };
  const reason = (e.message ?? String(error)).slice(0, 300);
  if (!e.response && typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) {
    return new APIConnectionError({
      message: `${PROVIDER}: could not reach the Google token endpoint (${e.code})`,
      ...ref,
    });
  }
  return new AuthenticationError({
    message: `${PROVIDER}: could not get a Google access token (${reason}). ${AUTH_HINT}`,
    code: 'google_auth_failed',
    ...ref,
  });
}

/**
 * Creates the credential source of a Vertex provider. Settings and environment are read per call;
 * one `GoogleAuth` (and so one cached token) is kept per credential source.
 *
 * @example
 * ```ts
 * const auth = createVertexAuth({ credentials: '/secrets/sa.json' });
 * const headers = await auth.headers(signal, { provider: 'vertex_ai', model });
 * ```
 */
export function createVertexAuth(settings: VertexAuthSettings): VertexAuth {
  const entries = new Map<unknown, AuthEntry>();
  let lastToken: string | undefined;
  const fetchImplementation: typeof globalThis.fetch =
    settings.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function entry(): Promise<AuthEntry> {
    const explicit = settings.credentials ?? (process.env.VERTEXAI_CREDENTIALS || undefined);
    const file = process.env.GOOGLE_APPLICATION_CREDENTIALS || undefined;
    const given = explicit ?? file;
    const key = given ?? 'application-default';
    const cached = entries.get(key);
    if (cached) return cached;
    const json =
      given === undefined
        ? undefined
        : await readCredentials(given, explicit ? 'vertex_credentials' : 'GOOGLE_APPLICATION_CREDENTIALS');
    const tokenUri =
      typeof json?.token_uri === 'string' && json.type === 'service_account' ? json.token_uri : undefined;
    const auth = new GoogleAuth({
      scopes: [CLOUD_PLATFORM_SCOPE],
      ...(json ? { credentials: json } : {}),
      clientOptions: { transporterOptions: { fetchImplementation } },
    });
    const created: AuthEntry = {
      auth,
      tokenUri: tokenUri && tokenUri !== GOOGLE_TOKEN_URL ? tokenUri : undefined,
      projectId: typeof json?.project_id === 'string' && json.project_id !== '' ? json.project_id : undefined,
    };
    entries.set(key, created);
    return created;
  }

  async function googleHeaders(): Promise<Record<string, string>> {
    const current = await entry();
    const client = await current.auth.getClient();
    if (current.tokenUri && !current.redirected) {
      const target = new URL(current.tokenUri);
      client.transporter.interceptors.request.add({
        resolved: async (config) => {
          if (config.url.href === GOOGLE_TOKEN_URL) config.url = target;
          return config;
        },
      });
      current.redirected = true;
    }
    const headers = await client.getRequestHeaders();
    return Object.fromEntries(headers.entries());
  }

  async function injectedHeaders(source: AccessTokenSource): Promise<Record<string, string>> {
    const token = typeof source === 'function' ? await source() : source;
    if (typeof token !== 'string' || token.trim() === '')
      throw failure('accessToken gave no token.', 'missing_access_token');
    return { authorization: `Bearer ${token}` };
  }

  return {
    injected: settings.accessToken !== undefined,
    async headers(signal, ref) {
      try {
        const source = settings.accessToken;
        const headers = await raceSignal(
          source === undefined ? googleHeaders() : injectedHeaders(source),
          signal,
          ref,
        );
        lastToken = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
        return headers;
      } catch (error) {
        throw toAuthError(error, ref);
      }
    },
    async projectId(signal, ref) {
      if (settings.accessToken !== undefined) return undefined;
      const current = await entry();
      if (current.projectId) return current.projectId;
      try {
        // Application Default Credentials: gcloud's configuration or the metadata server.
        // Bounded by the call: the library's own lookup may wait on a metadata server that never answers.
        return (await raceSignal(current.auth.getProjectId(), signal, ref)) ?? undefined;
      } catch (error) {
        if (RetouchError.isInstance(error)) throw error;
        return undefined;
      }
    },
    secrets: () => (lastToken ? [lastToken] : []),
  };
}

/**
 * A missing project as a `BadRequestError` naming the settings to set.
 *
 * @example
 * ```ts
 * throw missingProject('imagen-3.0-capability-001');
 * ```
 */
export function missingProject(model: string): BadRequestError {
  return new BadRequestError({
    message: `vertex_project: no Google Cloud project. Set VERTEXAI_PROJECT (or GOOGLE_CLOUD_PROJECT), pass project (vertex_project in config.yaml), or use credentials that name one.`,
    param: 'vertex_project',
    code: 'missing_project',
    provider: PROVIDER,
    model,
  });
}
