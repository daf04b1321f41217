/**
 * `os.environ/NAME` references: LiteLLM's way of keeping secrets out of config.yaml. Every string
 * value that is exactly `os.environ/NAME` is replaced by that environment variable at startup.
 * @module
 */
import type { ConfigIssue } from './config-error.js';
import { formatKeyPath } from './config-error.js';

const REFERENCE = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

/** The result of {@link resolveEnvRefs}. */
export interface ResolvedEnv<T> {
  value: T;
  /** One issue per variable that is referenced but not set. */
  missing: ConfigIssue[];
  /** Names of the variables that were read. */
  used: string[];
}

/**
 * Replaces every `os.environ/NAME` string in a parsed config with the variable's value. A variable
 * that is not set (or empty) is reported with the key path that referenced it.
 *
 * @example
 * ```ts
 * import { resolveEnvRefs } from '@retouch/proxy';
 *
 * const { value, missing } = resolveEnvRefs(
 *   { model_list: [{ litellm_params: { api_key: 'os.environ/OPENAI_API_KEY' } }] },
 *   { OPENAI_API_KEY: 'sk-1' },
 * );
 * value.model_list[0].litellm_params.api_key; // 'sk-1'
 * missing; // []
 * ```
 */
export function resolveEnvRefs<T>(
  config: T,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedEnv<T> {
  const missing: ConfigIssue[] = [];
  const used = new Set<string>();
  const walk = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === 'string') {
      const match = REFERENCE.exec(value.trim());
      if (!match?.[1]) return value;
      const name = match[1];
      used.add(name);
      const resolved = env[name];
      if (resolved === undefined || resolved === '') {
        missing.push({
          path: formatKeyPath(path),
          message: `environment variable ${name} is not set (referenced as os.environ/${name})`,
        });
        return value;
      }
      return resolved;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key]);
      return out;
    }
    return value;
  };
  return { value: walk(config, []) as T, missing, used: [...used] };
}
