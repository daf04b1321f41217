/**
 * `general_settings`: the master key, virtual keys, request limits and timeouts.
 * @module
 */
import { z } from 'zod';
import { type ConfigIssue, formatKeyPath } from './config-error.js';
import { DEFAULT_LIMITS, type ProxyLimits, type VirtualKeyConfig } from './proxy-config.js';

const MIB = 1024 * 1024;
const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.ceil(seconds * 1000));
const positive = z.number().positive();
const count = z.number().int().positive();

const virtualKeySchema = z.object({
  key: z.string().min(1, 'required: the secret clients send as Authorization: Bearer <key>'),
  key_alias: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).optional(),
  max_budget: z.number().nonnegative().optional(),
  rpm_limit: z.number().int().positive().optional(),
  user_id: z.string().min(1).optional(),
  admin: z.boolean().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const generalSchema = z.object({
  master_key: z.string().min(1, 'must not be empty (remove it to run the proxy open)').optional(),
  keys: z.array(z.unknown()).optional(),
  keys_file: z.string().min(1).optional(),
  image_generation_model: z.string().min(1).optional(),
  max_request_size_mb: positive.optional(),
  max_image_size_mb: positive.optional(),
  max_images: count.optional(),
  max_fields: count.optional(),
  max_field_size_kb: positive.optional(),
  strict_config: z.boolean().optional(),
  request_header_timeout_seconds: positive.optional(),
  request_body_timeout_seconds: positive.optional(),
  request_idle_timeout_seconds: positive.optional(),
  disable_admin_ui: z.boolean().optional(),
  shutdown_grace_seconds: z.number().nonnegative().optional(),
  require_auth_for_metrics_endpoint: z.boolean().optional(),
  database_url: z.string().min(1).optional(),
  store_prompts_in_spend_logs: z.boolean().optional(),
  spend_log_queue_max: count.optional(),
  idle_memory_release_ms: z
    .number()
    .int('must be a whole number of ms (0 turns the idle release off)')
    .nonnegative('must be 0 (off) or more ms')
    .optional(),
  // Validated by image-urls/settings.ts, which knows its own keys.
  image_urls: z.unknown().optional(),
});

/** `general_settings` after validation. */
export type GeneralSettings = z.infer<typeof generalSchema>;

function issuesOf(error: z.ZodError, prefix: PropertyKey[]): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: formatKeyPath([...prefix, ...issue.path]),
    message: issue.message,
  }));
}

/**
 * Validates `general_settings` (unknown keys already removed).
 *
 * @example
 * ```ts
 * import { parseGeneralSettings } from '@retouch/proxy';
 * parseGeneralSettings({ master_key: 'sk-1234', max_images: 4 }).settings?.max_images; // 4
 * ```
 */
export function parseGeneralSettings(value: unknown): { settings?: GeneralSettings; issues: ConfigIssue[] } {
  const result = generalSchema.safeParse(value ?? {});
  if (result.success) return { settings: result.data, issues: [] };
  return { issues: issuesOf(result.error, ['general_settings']) };
}

/**
 * Validates a list of virtual keys; `path` is where the list came from (for messages), and
 * `groups` the model groups a key's `models` may name.
 *
 * @example
 * ```ts
 * import { parseVirtualKeys } from '@retouch/proxy';
 * const { keys } = parseVirtualKeys([{ key: 'sk-team-a', models: ['edit'] }], ['general_settings', 'keys'], ['edit']);
 * keys[0]?.models; // ['edit']
 * ```
 */
export function parseVirtualKeys(
  list: readonly unknown[],
  path: PropertyKey[],
  groups: readonly string[],
): { keys: VirtualKeyConfig[]; issues: ConfigIssue[] } {
  const keys: VirtualKeyConfig[] = [];
  const issues: ConfigIssue[] = [];
  list.forEach((entry, index) => {
    const result = virtualKeySchema.safeParse(entry);
    if (!result.success) {
      issues.push(...issuesOf(result.error, [...path, index]));
      return;
    }
    result.data.models?.forEach((model, m) => {
      if (model !== '*' && !groups.includes(model)) {
        issues.push({
          path: formatKeyPath([...path, index, 'models', m]),
          message: `unknown model group "${model}" (known: ${groups.join(', ')}, or "*")`,
        });
      }
    });
    keys.push(result.data);
  });
  return { keys, issues };
}

/**
 * The request limits a config asks for, defaults filled in.
 *
 * @example
 * ```ts
 * import { limitsFrom } from '@retouch/proxy';
 * limitsFrom({ max_images: 4 }).maxImages; // 4
 * ```
 */
export function limitsFrom(settings: GeneralSettings | undefined): ProxyLimits {
  return {
    maxRequestBytes:
      settings?.max_request_size_mb === undefined
        ? DEFAULT_LIMITS.maxRequestBytes
        : Math.floor(settings.max_request_size_mb * MIB),
    maxImageBytes:
      settings?.max_image_size_mb === undefined
        ? DEFAULT_LIMITS.maxImageBytes
        : Math.floor(settings.max_image_size_mb * MIB),
    maxImages: settings?.max_images ?? DEFAULT_LIMITS.maxImages,
    maxFields: settings?.max_fields ?? DEFAULT_LIMITS.maxFields,
    maxFieldBytes:
      settings?.max_field_size_kb === undefined
        ? DEFAULT_LIMITS.maxFieldBytes
        : Math.floor(settings.max_field_size_kb * 1024),
    headerTimeoutMs: ms(settings?.request_header_timeout_seconds) ?? DEFAULT_LIMITS.headerTimeoutMs,
    bodyTimeoutMs: ms(settings?.request_body_timeout_seconds) ?? DEFAULT_LIMITS.bodyTimeoutMs,
    idleTimeoutMs: ms(settings?.request_idle_timeout_seconds) ?? DEFAULT_LIMITS.idleTimeoutMs,
  };
}
