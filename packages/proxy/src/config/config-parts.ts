/**
 * The pieces of config loading: known-key filtering with warnings, router options and where each
 * came from, line numbers, and the keys file.
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RouterOptions } from '@retouch/router';
import { parseDocument } from 'yaml';
import { type ConfigIssue, formatKeyPath, parseKeyPath } from './config-error.js';
import { resolveEnvRefs } from './env-refs.js';
import {
  CALLBACK_KEYS,
  coerceScalars,
  DEPLOYMENT_KEYS,
  LITELLM_PROXY_KEYS,
  LITELLM_QUIET_KEYS,
  LITELLM_TO_ROUTER,
  ROUTER_SETTINGS_KEYS,
} from './sections.js';

/** A parsed YAML mapping. */
export type Dict = Record<string, unknown>;

/**
 * Whether a parsed YAML value is a mapping.
 *
 * @example
 * ```ts
 * isDict({ a: 1 }); // true
 * isDict([1]); // false
 * ```
 */
export const isDict = (value: unknown): value is Dict =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Unknown-key warnings, one per key and place (`model_list[0].foo (and 3 more)`), each with the
 * line of its first occurrence.
 *
 * @example
 * ```ts
 * const warnings = new Warnings();
 * warnings.add('model_list[].foo', 'model_list[0].foo', 'unknown key, ignored');
 * warnings.issues(() => 4); // [{ path: 'model_list[0].foo', message: 'unknown key, ignored', line: 4 }]
 * ```
 */
export class Warnings {
  readonly #seen = new Map<string, { first: string; count: number; why: string }>();
  add(pattern: string, path: string, why: string): void {
    const entry = this.#seen.get(pattern);
    if (entry) entry.count++;
    else this.#seen.set(pattern, { first: path, count: 1, why });
  }
  issues(lineOf: (path: string) => number | undefined = () => undefined): ConfigIssue[] {
    return [...this.#seen.values()].map((w) => {
      const line = lineOf(w.first);
      const issue: ConfigIssue = {
        path: `${w.first}${w.count > 1 ? ` (and ${w.count - 1} more)` : ''}`,
        message: w.why,
      };
      return line === undefined ? issue : { ...issue, line };
    });
  }
}

/**
 * Keeps the known keys of `object`; warns about the others (once per key and place).
 *
 * @example
 * ```ts
 * pickKnown({ num_retries: 2, typo: 1 }, ['num_retries'], ['router_settings'], warnings, 'router_settings'); // { num_retries: 2 }
 * ```
 */
export function pickKnown(
  object: Dict,
  known: readonly string[],
  path: PropertyKey[],
  warnings: Warnings,
  pattern: string,
): Dict {
  const kept: Dict = {};
  for (const [key, value] of Object.entries(object)) {
    if (known.includes(key)) kept[key] = value;
    else
      warnings.add(`${pattern}.${key}`, formatKeyPath([...path, key]), 'unknown or unsupported key, ignored');
  }
  return kept;
}

/**
 * A section that must be a mapping (absent means empty); anything else is an issue at `path`.
 *
 * @example
 * ```ts
 * expectDict(root.router_settings, 'router_settings', issues);
 * ```
 */
export function expectDict(value: unknown, path: string, issues: ConfigIssue[]): Dict {
  if (value === undefined || value === null) return {};
  if (isDict(value)) return value;
  issues.push({ path, message: 'expected a mapping (key: value pairs)' });
  return {};
}

/**
 * Router options from `model_list`, `router_settings` and the router-related `litellm_settings`
 * (router_settings wins), with where each option came from, and the callback names.
 *
 * @example
 * ```ts
 * const { options, sources, callbacks } = buildRouterOptions(root, warnings, issues);
 * sources.get('timeout'); // 'litellm_settings.request_timeout'
 * ```
 */
export function buildRouterOptions(root: Dict, warnings: Warnings, issues: ConfigIssue[]) {
  const sources = new Map<string, string>();
  const options: Dict = {};
  const list = root.model_list;
  if (!Array.isArray(list)) {
    issues.push({
      path: 'model_list',
      message: 'required: a list of deployments (model_name, litellm_params)',
    });
  } else {
    options.model_list = list.map((entry, index) =>
      isDict(entry)
        ? pickKnown(entry, DEPLOYMENT_KEYS, ['model_list', index], warnings, 'model_list[]')
        : entry,
    );
  }
  const litellm = expectDict(root.litellm_settings, 'litellm_settings', issues);
  const callbacks: string[] = [];
  for (const [key, value] of Object.entries(litellm)) {
    const target = LITELLM_TO_ROUTER[key];
    if (target) {
      options[target] = value;
      sources.set(target, `litellm_settings.${key}`);
    } else if ((CALLBACK_KEYS as readonly string[]).includes(key)) {
      const names = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
        issues.push({ path: `litellm_settings.${key}`, message: 'expected a list of callback names' });
      } else callbacks.push(...(names as string[]));
    } else if (![...LITELLM_QUIET_KEYS, ...LITELLM_PROXY_KEYS].includes(key as never)) {
      warnings.add(
        `litellm_settings.${key}`,
        `litellm_settings.${key}`,
        'unknown or unsupported key, ignored',
      );
    }
  }
  const router = pickKnown(
    expectDict(root.router_settings, 'router_settings', issues),
    ROUTER_SETTINGS_KEYS,
    ['router_settings'],
    warnings,
    'router_settings',
  );
  for (const [key, value] of Object.entries(router)) {
    options[key] = value;
    sources.set(key, `router_settings.${key}`);
  }
  return { options: options as unknown as RouterOptions, sources, callbacks: [...new Set(callbacks)] };
}

/**
 * Maps a router option path (`timeout`) back to where the config set it (`litellm_settings.request_timeout`).
 *
 * @example
 * ```ts
 * configPath('fallbacks[0].a', new Map([['fallbacks', 'router_settings.fallbacks']])); // 'router_settings.fallbacks[0].a'
 * ```
 */
export function configPath(routerPath: string, sources: ReadonlyMap<string, string>): string {
  const [head] = parseKeyPath(routerPath);
  const source = typeof head === 'string' ? sources.get(head) : undefined;
  return source ? source + routerPath.slice(head === undefined ? 0 : String(head).length) : routerPath;
}

/**
 * Adds the line of each issue's key, when the document has it.
 *
 * @example
 * ```ts
 * withLines(issues, (path) => 3); // every issue gets line: 3
 * ```
 */
export function withLines(
  issues: ConfigIssue[],
  lineOf: (path: string) => number | undefined,
): ConfigIssue[] {
  return issues.map((issue) => {
    const line = issue.line ?? lineOf(issue.path);
    return line === undefined ? issue : { ...issue, line };
  });
}

/**
 * Reads a `keys_file` (YAML or JSON: a list, or `keys: [...]`), resolving `os.environ/…` references.
 *
 * @example
 * ```ts
 * const entries = readKeysFile('keys.yaml', dirname(configFile), process.env, issues);
 * ```
 */
export function readKeysFile(
  file: string,
  baseDir: string,
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): unknown[] {
  const path = resolve(baseDir, file);
  let parsed: unknown;
  try {
    parsed = parseDocument(readFileSync(path, 'utf8')).toJS();
  } catch (error) {
    issues.push({
      path: 'general_settings.keys_file',
      message: `cannot read ${path}: ${(error as Error).message}`,
    });
    return [];
  }
  const list = isDict(parsed) ? parsed.keys : parsed;
  if (!Array.isArray(list)) {
    issues.push({
      path: 'general_settings.keys_file',
      message: `${path}: expected a list of keys (or keys: [...])`,
    });
    return [];
  }
  const { value, missing } = resolveEnvRefs(coerceScalars(list), env);
  issues.push(
    ...missing.map((m) => ({ ...m, path: `general_settings.keys_file${m.path.replace(/^\(root\)/, '')}` })),
  );
  return coerceScalars(value);
}
