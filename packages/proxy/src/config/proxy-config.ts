/**
 * The shape of a loaded config: what the server needs, derived from LiteLLM's config.yaml.
 * @module
 */
import type { RouterOptions } from '@retouch/router';
import type { ImageUrlSettings } from '../image-urls/settings.js';

/** One virtual key (LiteLLM names). */
export interface VirtualKeyConfig {
  /** The secret the client sends as `Authorization: Bearer <key>`. */
  key: string;
  /** A readable name for logs and metrics (never the key itself). */
  key_alias?: string;
  /** Model groups the key may use; absent or containing `*` means every group. */
  models?: string[];
  /** Most the key may spend, in USD; further calls are refused with a 429 `budget_exceeded`. */
  max_budget?: number;
  /** Requests per minute; further calls are refused with a 429 `rate_limit_exceeded`. */
  rpm_limit?: number;
  /** Default end-user of the key's calls, when the request names none. */
  user_id?: string;
  /** May sign in to the web console at `/ui` (as the master key can). Defaults to false. */
  admin?: boolean;
  metadata?: Record<string, unknown>;
}

/** Request limits; each breach is a 400, 408 or 413 in OpenAI's error shape. */
export interface ProxyLimits {
  /** Largest request body in bytes (`general_settings.max_request_size_mb`, default 64 MiB). */
  maxRequestBytes: number;
  /** Largest single image or mask in bytes (`max_image_size_mb`, default 50 MiB, OpenAI's limit). */
  maxImageBytes: number;
  /** Most input images per request (`max_images`, default 16, OpenAI's limit). */
  maxImages: number;
  /** Most text fields in a multipart body (`max_fields`, default 64). */
  maxFields: number;
  /** Largest text field in bytes (`max_field_size_kb`, default 128 KiB). */
  maxFieldBytes: number;
  /** Time for a request's headers to arrive, in ms (`request_header_timeout_seconds`, default 30 s); then 408. */
  headerTimeoutMs: number;
  /** Time for a request's whole body to arrive after its headers, in ms (`request_body_timeout_seconds`, default 120 s); then 408. */
  bodyTimeoutMs: number;
  /** Longest pause between two chunks of a body, in ms (`request_idle_timeout_seconds`, default 30 s); then 408. */
  idleTimeoutMs: number;
}

/**
 * Default of `shutdown_grace_seconds`, in ms: below Kubernetes' default 30 s termination grace.
 *
 * @example
 * ```ts
 * import { DEFAULT_SHUTDOWN_GRACE_MS } from '@retouch/proxy';
 * DEFAULT_SHUTDOWN_GRACE_MS; // 20000
 * ```
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 20_000;

/**
 * Default of `general_settings.idle_memory_release_ms`: long enough that a steady trickle of
 * requests does not wait behind collections, short enough that memory is back soon after a burst.
 *
 * @example
 * ```ts
 * import { DEFAULT_IDLE_MEMORY_RELEASE_MS } from '@retouch/proxy';
 * DEFAULT_IDLE_MEMORY_RELEASE_MS; // 2000
 * ```
 */
export const DEFAULT_IDLE_MEMORY_RELEASE_MS = 2000;

/**
 * The default {@link ProxyLimits}.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS } from '@retouch/proxy';
 * DEFAULT_LIMITS.maxImages; // 16
 * ```
 */
export const DEFAULT_LIMITS: Readonly<ProxyLimits> = Object.freeze({
  maxRequestBytes: 64 * 1024 * 1024,
  maxImageBytes: 50 * 1024 * 1024,
  maxImages: 16,
  maxFields: 64,
  maxFieldBytes: 128 * 1024,
  headerTimeoutMs: 30_000,
  bodyTimeoutMs: 120_000,
  idleTimeoutMs: 30_000,
});

/**
 * A loaded, validated config.
 *
 * @example
 * ```ts
 * import { loadConfig, type ProxyConfig } from '@retouch/proxy';
 * const config: ProxyConfig = await loadConfig('config.yaml');
 * for (const warning of config.warnings) console.warn(warning);
 * ```
 */
export interface ProxyConfig {
  /** Router options (`model_list` plus `router_settings` and the router-related `litellm_settings`). */
  router: RouterOptions;
  /** Built-in callbacks named in `litellm_settings.callbacks` / `success_callback` / `failure_callback`. */
  callbacks: string[];
  /** `general_settings.master_key`: may use every group; without it (and without virtual keys) the proxy is open. */
  masterKey?: string;
  /** Virtual keys from `general_settings.keys` and `general_settings.keys_file`. */
  keys: VirtualKeyConfig[];
  limits: ProxyLimits;
  /** `general_settings.disable_admin_ui`: no web console at `/ui`. */
  disableAdminUi?: boolean;
  /**
   * Whether `GET /metrics` needs the master key (`require_auth_for_metrics_endpoint`, in
   * `general_settings` or, as LiteLLM has it, `litellm_settings`). Default true when the proxy has
   * keys: metrics name every model group and deployment, and their spend.
   */
  metricsRequireAuth: boolean;
  /** How long shutdown lets calls in flight finish before aborting them, in ms (`shutdown_grace_seconds`, default 20 s). */
  shutdownGraceMs: number;
  /** `general_settings.image_generation_model`: used only when a request names no `model`. */
  defaultModel?: string;
  /**
   * The PostgreSQL server holding keys, budgets and spend (`general_settings.database_url`, else the
   * `DATABASE_URL` environment variable). Without it the `retouch` command keeps them in an embedded
   * PostgreSQL.
   */
  databaseUrl?: string;
  /** `general_settings.store_prompts_in_spend_logs`: keep each edit's prompt in its spend log row. Default false. */
  storePrompts: boolean;
  /** `general_settings.spend_log_queue_max`: most spend rows held in memory while the database is down. Default 100000. */
  spendLogQueueMax: number;
  /**
   * `general_settings.idle_memory_release_ms`: once no request has been in flight this long after a
   * burst that grew memory by 32 MiB or more, the proxy runs one full garbage collection, so that
   * the burst's buffers are freed instead of waiting for the next request. `0` turns it off.
   * Default 2000 (absent here: the default).
   */
  idleMemoryReleaseMs?: number;
  /** `general_settings.image_urls`: how `response_format: "url"` answers are hosted. Absent: the memory store, 3600 s. */
  imageUrls?: ImageUrlSettings;
  /** `environment_variables`: set at startup for variables not already set. */
  environment: Record<string, string>;
  /** Unknown or ignored keys, one message each, with its line: `guardrails: unknown or unsupported key, ignored (line 12)`. */
  warnings: string[];
  /** Whether every warning is an error (`general_settings.strict_config`, `retouch --strict`). */
  strict?: boolean;
  /** The line of a key path (`model_list[0].litellm_params.api_bse`) in the file, when known. */
  lineOf?: (path: string) => number | undefined;
  /** The file it was read from. */
  file?: string;
  /** The model catalogue file `model_catalogue:` named (absolute path), when one is set; its rows are in `router.model_catalogue`. */
  modelCatalogueFile?: string;
}
