/**
 * Loading LiteLLM's config.yaml verbatim: YAML → `environment_variables` → `os.environ/NAME`
 * references → unknown keys (warned once, dropped) → router options (validated by the router, with
 * the config's own key paths) → general settings and virtual keys. Every problem is reported at
 * once, each with its key path and line.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadModelCatalogue, ModelCatalogueError } from '@retouch/core';
import { parseRouterOptions, RouterConfigError } from '@retouch/router';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue, formatIssue, formatKeyPath, parseKeyPath } from './config-error.js';
import {
  buildRouterOptions,
  configPath,
  type Dict,
  expectDict,
  isDict,
  pickKnown,
  readKeysFile,
  Warnings,
  withLines,
} from './config-parts.js';
import { resolveEnvRefs } from './env-refs.js';
import { parseImageUrlSettings } from '../image-urls/settings.js';
import { limitsFrom, parseGeneralSettings, parseVirtualKeys } from './general-settings.js';
import {
  DEFAULT_IDLE_MEMORY_RELEASE_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  type ProxyConfig,
  type VirtualKeyConfig,
} from './proxy-config.js';
import { coerceScalars, GENERAL_SETTINGS_KEYS, TOP_LEVEL_KEYS, VIRTUAL_KEY_KEYS } from './sections.js';

/** Options of {@link parseConfig} and {@link loadConfig}. */
export interface ParseConfigOptions {
  /** Environment for `os.environ/NAME`. Defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** File name shown in errors; its directory resolves a relative `keys_file`. */
  file?: string;
  /**
   * Every warning is an error: unknown keys, ignored settings, deployment keys nothing reads,
   * deployments without their upstream key. Also `general_settings.strict_config: true` or
   * `retouch --strict`. Defaults to false (warn and go on).
   */
  strict?: boolean;
}

/**
 * A warning as a strict-mode error.
 *
 * @example
 * ```ts
 * strictIssue({ path: 'guardrails', message: 'unknown or unsupported key, ignored' }).message;
 * // 'unknown or unsupported key (strict config: every warning is an error)'
 * ```
 */
export function strictIssue(issue: ConfigIssue): ConfigIssue {
  return {
    ...issue,
    message: `${issue.message.replace(/, ignored\b/, '')} (strict config: every warning is an error)`,
  };
}

/**
 * Parses and validates config.yaml text. Throws a `ConfigError` listing every bad key path and its line;
 * unknown keys become `warnings` (with their lines) instead, or errors too in strict mode.
 *
 * @example
 * ```ts
 * import { parseConfig } from '@retouch/proxy';
 *
 * const config = parseConfig(
 *   `model_list:
 *     - model_name: gpt-image-2
 *       litellm_params:
 *         model: gpt-image-2
 *         api_key: os.environ/OPENAI_API_KEY
 *   general_settings:
 *     master_key: sk-1234
 *   `,
 *   { env: { OPENAI_API_KEY: 'sk-upstream' } },
 * );
 * config.router.model_list[0]?.litellm_params.api_key; // 'sk-upstream'
 * ```
 */
export function parseConfig(text: string, options: ParseConfigOptions = {}): ProxyConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const fail = (issues: ConfigIssue[]): never => {
    throw new ConfigError(issues, options.file);
  };
  if (doc.errors.length > 0) {
    fail(
      doc.errors.map((e) => ({
        path: '(yaml)',
        message: e.message.split('\n')[0] ?? e.message,
        line: e.linePos?.[0]?.line,
      })),
    );
  }
  // The line of the key itself (`litellm_params:`), not of its value, which may start a line later.
  const lineOf = (path: string): number | undefined => {
    const parts = parseKeyPath(path);
    for (let n = parts.length; n > 0; n--) {
      const last = parts[n - 1];
      const parent = n === 1 ? doc.contents : doc.getIn(parts.slice(0, n - 1), true);
      const keyNode = isMap(parent)
        ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key
        : undefined;
      const node = (keyNode ?? doc.getIn(parts.slice(0, n), true)) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  if (!isMap(doc.contents)) fail([{ path: '(root)', message: 'expected a mapping with model_list:' }]);
  const raw = doc.toJS() as Dict;
  const issues: ConfigIssue[] = [];
  const warnings = new Warnings();

  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(
    expectDict(raw.environment_variables, 'environment_variables', issues),
  )) {
    if (value !== null && value !== undefined) environment[name] = String(value);
  }
  const env = { ...environment, ...(options.env ?? process.env) };
  const { value: resolved, missing } = resolveEnvRefs(pickKnown(raw, TOP_LEVEL_KEYS, [], warnings, ''), env);
  issues.push(...missing);
  const root = coerceScalars(resolved);

  const { options: router, sources, callbacks } = buildRouterOptions(root, warnings, issues);
  if (router.model_list) {
    try {
      parseRouterOptions(router);
    } catch (error) {
      if (!(error instanceof RouterConfigError)) throw error;
      issues.push(
        ...error.issues.map((i) => ({
          path: configPath(i.path, sources),
          // zod's wording for an absent key does not say that the key is required.
          message: i.message.replace(
            /^Invalid input: expected (\w+), received undefined$/,
            'required (expected a $1)',
          ),
        })),
      );
    }
  }

  const general = pickKnown(
    expectDict(root.general_settings, 'general_settings', issues),
    GENERAL_SETTINGS_KEYS,
    ['general_settings'],
    warnings,
    'general_settings',
  );
  const { settings, issues: generalIssues } = parseGeneralSettings(general);
  issues.push(...generalIssues);
  const groups = [...new Set((router.model_list ?? []).map((d) => d?.model_name).filter(Boolean))];
  const keys: VirtualKeyConfig[] = [];
  const addKeys = (list: unknown[], path: PropertyKey[]) => {
    const cleaned = list.map((entry, i) =>
      isDict(entry)
        ? pickKnown(entry, VIRTUAL_KEY_KEYS, [...path, i], warnings, `${formatKeyPath(path)}[]`)
        : entry,
    );
    const parsed = parseVirtualKeys(cleaned, path, groups);
    issues.push(...parsed.issues);
    keys.push(...parsed.keys);
  };
  if (settings?.keys) addKeys(settings.keys, ['general_settings', 'keys']);
  if (settings?.keys_file) {
    const baseDir = options.file ? dirname(resolve(options.file)) : process.cwd();
    addKeys(readKeysFile(settings.keys_file, baseDir, env, issues), ['general_settings', 'keys_file']);
  }
  const secrets = new Map<string, string>();
  if (settings?.master_key) secrets.set(settings.master_key, 'general_settings.master_key');
  keys.forEach((k, i) => {
    const first = secrets.get(k.key);
    if (first)
      issues.push({
        path: `virtual key #${i + 1} (${k.key_alias ?? 'no alias'})`,
        message: `same key as ${first}`,
      });
    else secrets.set(k.key, `virtual key #${i + 1}`);
  });

  // LiteLLM keeps this one in litellm_settings; general_settings wins when both set it.
  const litellmMetricsAuth = isDict(root.litellm_settings)
    ? root.litellm_settings.require_auth_for_metrics_endpoint
    : undefined;
  if (litellmMetricsAuth !== undefined && typeof litellmMetricsAuth !== 'boolean') {
    issues.push({
      path: 'litellm_settings.require_auth_for_metrics_endpoint',
      message: 'expected true or false',
    });
  }
  const imageUrls = parseImageUrlSettings(settings?.image_urls, {
    warnings,
    baseDir: options.file ? dirname(resolve(options.file)) : process.cwd(),
    env,
  });
  issues.push(...imageUrls.issues);
  const catalogueFile = readModelCatalogue(root.model_catalogue, options.file, issues);
  if (catalogueFile) router.model_catalogue = catalogueFile.overrides;
  if (issues.length > 0) fail(withLines(issues, lineOf));
  const strict = options.strict === true || settings?.strict_config === true;
  const warningIssues = warnings.issues(lineOf);
  if (strict && warningIssues.length > 0) fail(warningIssues.map(strictIssue));
  return {
    router,
    callbacks,
    masterKey: settings?.master_key,
    keys,
    limits: limitsFrom(settings),
    metricsRequireAuth:
      settings?.require_auth_for_metrics_endpoint ?? (litellmMetricsAuth as boolean | undefined) ?? true,
    shutdownGraceMs:
      settings?.shutdown_grace_seconds === undefined
        ? DEFAULT_SHUTDOWN_GRACE_MS
        : Math.ceil(settings.shutdown_grace_seconds * 1000),
    defaultModel: settings?.image_generation_model,
    databaseUrl: settings?.database_url ?? (env.DATABASE_URL || undefined),
    storePrompts: settings?.store_prompts_in_spend_logs === true,
    spendLogQueueMax: settings?.spend_log_queue_max ?? 100_000,
    idleMemoryReleaseMs: settings?.idle_memory_release_ms ?? DEFAULT_IDLE_MEMORY_RELEASE_MS,
    disableAdminUi: settings?.disable_admin_ui,
    imageUrls: imageUrls.settings,
    environment,
    warnings: warningIssues.map(formatIssue),
    strict,
    lineOf,
    file: options.file,
    modelCatalogueFile: catalogueFile?.file,
  };
}

/** Reads `model_catalogue:` (a JSON file, relative to config.yaml), with its mistakes as issues. */
function readModelCatalogue(
  setting: unknown,
  configFile: string | undefined,
  issues: ConfigIssue[],
): { file: string; overrides: ReturnType<typeof loadModelCatalogue> } | undefined {
  if (setting === undefined || setting === null) return undefined;
  if (typeof setting !== 'string' || setting === '') {
    issues.push({ path: 'model_catalogue', message: 'expected the path of a JSON model catalogue file' });
    return undefined;
  }
  const file = resolve(configFile ? dirname(resolve(configFile)) : process.cwd(), setting);
  try {
    return { file, overrides: loadModelCatalogue(file) };
  } catch (error) {
    if (!(error instanceof ModelCatalogueError)) throw error;
    for (const issue of error.issues)
      issues.push({ path: 'model_catalogue', message: `${file}: ${issue.path}: ${issue.message}` });
    return undefined;
  }
}

/**
 * Reads and validates a config.yaml file (see {@link parseConfig}).
 *
 * @example
 * ```ts
 * import { loadConfig } from '@retouch/proxy';
 * const config = await loadConfig('config.yaml');
 * console.log(config.router.model_list.map((d) => d.model_name));
 * ```
 */
export async function loadConfig(
  file: string,
  options: Omit<ParseConfigOptions, 'file'> = {},
): Promise<ProxyConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      [{ path: '(file)', message: `cannot read ${file}: ${(error as Error).message}` }],
      file,
      {
        cause: error,
      },
    );
  }
  return parseConfig(text, { ...options, file });
}
