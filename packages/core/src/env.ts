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

/**
 * An API key from `explicit` or the environment; a missing key is an `AuthenticationError` that
 * names the variable to set. Called per request, so creating a provider never fails for a key.
 *
 * @example
 * ```ts
 * const key = loadApiKey({ apiKey: settings.apiKey, envVars: ['OPENAI_API_KEY'], provider: 'openai' });
 * ```
 */
export function loadApiKey(args: {
  apiKey: string | undefined;
  envVars: readonly string[];
  provider: string;
  /** Setting name in the SDK, for the error message. Defaults to `apiKey`. */
  settingName?: string;
}): string {
  const key = loadSetting(args.apiKey, args.envVars);
  if (key) return key;
  const vars = args.envVars.join(' or ');
  throw new AuthenticationError({
    message: `${args.provider}: no API key. Set ${vars}, or pass ${args.settingName ?? 'apiKey'} (api_key in config.yaml).`,
    provider: args.provider,
    code: 'missing_api_key',
  });
}
