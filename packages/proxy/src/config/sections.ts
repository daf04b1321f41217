/**
 * What each section of config.yaml may hold: the keys retouch reads, the LiteLLM keys it accepts
 * and ignores, and the numeric keys whose `os.environ/…` values are turned into numbers.
 * @module
 */
import { PRICE_FIELDS } from '@retouch/core';
import type { RouterOptions } from '@retouch/router';

/** Top-level keys of config.yaml that retouch reads. */
export const TOP_LEVEL_KEYS = [
  'model_list',
  'router_settings',
  'litellm_settings',
  'general_settings',
  'environment_variables',
  // retouch's own: a JSON file of model catalogue rows (path relative to config.yaml).
  'model_catalogue',
] as const;

/** Keys of one `model_list` entry. */
export const DEPLOYMENT_KEYS = ['model_name', 'litellm_params', 'model_info'] as const;

/** `router_settings` keys passed to the router as they are (LiteLLM names). */
export const ROUTER_SETTINGS_KEYS = [
  'routing_strategy',
  'routing_strategy_args',
  'fallbacks',
  'default_fallbacks',
  'content_policy_fallbacks',
  'context_window_fallbacks',
  'num_retries',
  'retry_after',
  'retry_on_timeout',
  'allowed_fails',
  'cooldown_time',
  'disable_cooldowns',
  'timeout',
  'max_fallbacks',
  'max_end_user_budget',
  'model_group_alias',
  'drop_params',
  'redis_host',
  'redis_port',
  'redis_password',
  'redis_url',
  'enable_pre_call_checks',
  'set_verbose',
  'debug_level',
  // retouch's own: serve a retired model's group with its successor.
  'auto_upgrade_retired',
] as const satisfies readonly (keyof RouterOptions)[];

/** `litellm_settings` keys that feed router options, and the option each one sets. */
export const LITELLM_TO_ROUTER: Readonly<Record<string, keyof RouterOptions>> = {
  drop_params: 'drop_params',
  num_retries: 'num_retries',
  request_timeout: 'timeout',
  fallbacks: 'fallbacks',
  default_fallbacks: 'default_fallbacks',
  content_policy_fallbacks: 'content_policy_fallbacks',
  context_window_fallbacks: 'context_window_fallbacks',
  allowed_fails: 'allowed_fails',
  cooldown_time: 'cooldown_time',
  retry_after: 'retry_after',
  max_end_user_budget: 'max_end_user_budget',
  model_alias_map: 'model_alias_map',
  set_verbose: 'set_verbose',
};

/** `litellm_settings` keys naming callbacks (mapped to the built-in loggers). */
export const CALLBACK_KEYS = ['callbacks', 'success_callback', 'failure_callback'] as const;

/** `litellm_settings` keys the proxy itself reads (LiteLLM keeps them there). */
export const LITELLM_PROXY_KEYS = ['require_auth_for_metrics_endpoint'] as const;

/** `litellm_settings` keys accepted without a warning because they change nothing here. */
export const LITELLM_QUIET_KEYS = ['json_logs'] as const;

/** `general_settings` keys retouch reads. */
export const GENERAL_SETTINGS_KEYS = [
  'master_key',
  'keys',
  'keys_file',
  'image_generation_model',
  'max_request_size_mb',
  'max_image_size_mb',
  'max_images',
  'max_fields',
  'max_field_size_kb',
  'strict_config',
  'request_header_timeout_seconds',
  'request_body_timeout_seconds',
  'request_idle_timeout_seconds',
  'disable_admin_ui',
  'shutdown_grace_seconds',
  'require_auth_for_metrics_endpoint',
  'database_url',
  'store_prompts_in_spend_logs',
  'spend_log_queue_max',
  'idle_memory_release_ms',
  'image_urls',
] as const;

/** Keys of one virtual key (`general_settings.keys[i]` or an entry of `keys_file`), LiteLLM names. */
export const VIRTUAL_KEY_KEYS = [
  'key',
  'key_alias',
  'models',
  'max_budget',
  'rpm_limit',
  'user_id',
  'admin',
  'metadata',
] as const;

/**
 * Keys whose values must be numbers. `os.environ/…` references always resolve to strings, so a
 * numeric string under one of these keys is read as a number.
 */
export const NUMERIC_KEYS: ReadonlySet<string> = new Set<string>([
  'timeout',
  'stream_timeout',
  'weight',
  'rpm',
  'tpm',
  'order',
  'cooldown_time',
  'allowed_fails',
  'num_retries',
  'retry_after',
  'max_fallbacks',
  'max_end_user_budget',
  'redis_port',
  'request_timeout',
  'lowest_latency_buffer',
  'max_request_size_mb',
  'max_image_size_mb',
  'max_images',
  'max_fields',
  'max_field_size_kb',
  'request_header_timeout_seconds',
  'request_body_timeout_seconds',
  'request_idle_timeout_seconds',
  'shutdown_grace_seconds',
  'max_budget',
  'rpm_limit',
  'spend_log_queue_max',
  'idle_memory_release_ms',
  ...PRICE_FIELDS.filter((f) => f !== 'output_cost_per_image_by_quality'),
]);

/** Keys whose values must be booleans (`"true"` / `"false"` from the environment are read as such). */
export const BOOLEAN_KEYS: ReadonlySet<string> = new Set<string>([
  'drop_params',
  'retry_on_timeout',
  'disable_cooldowns',
  'enable_pre_call_checks',
  'set_verbose',
  'json_logs',
  'strict_config',
  'store_prompts_in_spend_logs',
]);

/**
 * Reads numeric and boolean strings as numbers and booleans under the keys that take them,
 * everywhere in a parsed config (environment references resolve to strings).
 *
 * @example
 * ```ts
 * import { coerceScalars } from '@retouch/proxy';
 * coerceScalars({ router_settings: { num_retries: '3', redis_host: 'localhost' } });
 * // { router_settings: { num_retries: 3, redis_host: 'localhost' } }
 * ```
 */
export function coerceScalars<T>(value: T): T {
  const walk = (item: unknown, key: string | undefined): unknown => {
    if (Array.isArray(item)) return item.map((entry) => walk(entry, undefined));
    if (item !== null && typeof item === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(item)) out[k] = walk(v, k);
      return out;
    }
    if (typeof item === 'string' && key !== undefined) {
      const text = item.trim();
      if (NUMERIC_KEYS.has(key) && /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return Number(text);
      if (BOOLEAN_KEYS.has(key) && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
    }
    return item;
  };
  return walk(value, undefined) as T;
}
