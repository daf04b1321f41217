/**
 * The public shapes of `@retouch/router`: LiteLLM's `model_list` and `router_settings` names, the
 * one log payload every callback receives, and the health and spend reports.
 * @module
 */
import type { CatalogueOverrides, ModelCapabilities, ModelLifecycle, ModelPrice } from '@retouch/core';
import type { BudgetLimit, RouterState } from './state/state.js';

/**
 * One entry of LiteLLM's `model_list`.
 *
 * @example
 * ```ts
 * const deployment: DeploymentConfig = {
 *   model_name: 'gpt-image-1',
 *   litellm_params: { model: 'openai/gpt-image-1', api_key: process.env.OPENAI_API_KEY, weight: 3 },
 *   model_info: { id: 'openai-east' },
 * };
 * ```
 */
export interface DeploymentConfig {
  /** The group alias clients call (`model` in the request). */
  model_name: string;
  litellm_params: LitellmParams;
  model_info?: ModelInfo;
}

/**
 * A deployment's settings, LiteLLM names. Unknown keys go to the provider package's `create(config)`.
 *
 * @example
 * ```ts
 * const params: LitellmParams = { model: 'gemini/gemini-2.5-flash-image', api_key: 'g', weight: 2, output_cost_per_image: 0.039 };
 * ```
 */
export type LitellmParams = ModelPrice & {
  /** With provider prefix: `gemini/gemini-2.5-flash-image`, `gpt-image-1`, … */
  model: string;
  api_key?: string;
  api_base?: string;
  /**
   * Deadline of one attempt on this deployment, in seconds, cut to what is left of the call's
   * `timeout`. Defaults to 240 (core's `DEFAULT_TIMEOUT_MS`).
   */
  timeout?: number;
  stream_timeout?: number;
  /** Share of traffic under `simple-shuffle`. */
  weight?: number;
  /** Requests per minute: a weight under `simple-shuffle`, a hard limit under `usage-based-routing`. */
  rpm?: number;
  /** Tokens per minute: like `rpm`. */
  tpm?: number;
  /** Priority tier: lower first; higher tiers serve only when no lower one can. */
  order?: number;
  vertex_project?: string;
  vertex_location?: string;
  vertex_credentials?: string;
  aws_region_name?: string;
  aws_access_key_id?: string;
  aws_secret_access_key?: string;
  aws_session_token?: string;
  extra_headers?: Record<string, string>;
  /** Drop what this deployment's model cannot honour, with a warning, when the request does not say. Defaults to the router's `drop_params`. */
  drop_params?: boolean;
  /** The `response_format` of requests that name none. Defaults to `b64_json`. */
  response_format?: 'url' | 'b64_json';
  [providerSetting: string]: unknown;
};

/**
 * A deployment's `model_info`: its id, mode, cooldown overrides and prices (LiteLLM names).
 *
 * @example
 * ```ts
 * const info: ModelInfo = { id: 'gemini-eu', mode: 'image_edit', cooldown_time: 30 };
 * ```
 */
export type ModelInfo = ModelPrice & {
  /** Stable deployment id; defaults to a hash of the deployment's config. */
  id?: string;
  /** `image_edit`, `image_generation` (or absent) for deployments this router serves; another mode skips the deployment with a warning. */
  mode?: string;
  /** For a model retouch does not list and no family rule serves: the listed model (same provider) whose rules and price it starts from. */
  base_model?: string;
  /** Most input images (declares or overrides the catalogue's). */
  max_input_images?: number;
  /** Whether the model takes a mask. */
  supports_mask?: boolean;
  /** The `size` values the model takes (`WxH` or `auto`). */
  sizes?: string[];
  /** Lifecycle override: `active`, `preview`, `deprecated` or `retired`. */
  status?: 'active' | 'preview' | 'deprecated' | 'retired';
  /** Shutdown date override (`YYYY-MM-DD`); LiteLLM's `deprecation_date` works too. */
  shutdown?: string;
  /** The model to use instead (same provider). */
  successor?: string;
  /** Send this deployment's model even when the catalogue says it is retired. Defaults to false. */
  allow_retired?: boolean;
  /** Cooldown of this deployment, in seconds (wins over the router's and the provider's `Retry-After`). */
  cooldown_time?: number;
  /** Failures per minute this deployment may have before it cools down. */
  allowed_fails?: number;
  [key: string]: unknown;
};

/**
 * The selection strategies (LiteLLM names).
 *
 * @example
 * ```ts
 * const strategy: RoutingStrategy = 'latency-based-routing';
 * ```
 */
export type RoutingStrategy =
  | 'simple-shuffle'
  | 'least-busy'
  | 'latency-based-routing'
  | 'usage-based-routing'
  | 'usage-based-routing-v2'
  | 'cost-based-routing';

/**
 * Router settings: LiteLLM's `router_settings` names, so a `config.yaml` maps onto them 1:1.
 * Durations are in seconds, as in LiteLLM.
 *
 * @example
 * ```ts
 * const options: RouterOptions = {
 *   model_list: [{ model_name: 'edit', litellm_params: { model: 'gpt-image-1' } }],
 *   num_retries: 2,
 *   fallbacks: [{ edit: ['gemini-edit'] }],
 * };
 * ```
 */
export interface RouterOptions {
  model_list: DeploymentConfig[];
  /** Defaults to `simple-shuffle`. */
  routing_strategy?: RoutingStrategy;
  /** `routing_strategy_args.lowest_latency_buffer` (latency-based, default 0.1). */
  routing_strategy_args?: { lowest_latency_buffer?: number };
  /** Per group: `[{ 'gpt-image-1': ['gemini-edit'] }]`; the key `'*'` applies to every group. */
  fallbacks?: Array<Record<string, string[]>>;
  /** Fallbacks of every group without its own entry. */
  default_fallbacks?: string[];
  /** Used only for content-policy refusals (ordinary fallbacks never route around a refusal). */
  content_policy_fallbacks?: Array<Record<string, string[]>>;
  /** Retries within a model group. Defaults to 2. */
  num_retries?: number;
  /** Least wait before a retry, in seconds. Defaults to 0. */
  retry_after?: number;
  /**
   * Retry (and fall back) after a call that reached the upstream and was cut off before a complete
   * answer (a timeout, a reset, a cut or unreadable 200 body; `RetouchError.reachedUpstream`), which
   * the upstream may have billed. Defaults to false: such a call goes back to the caller.
   */
  retry_on_timeout?: boolean;
  /** Failures per minute a deployment may have; the next one cools it down. Defaults to 3. */
  allowed_fails?: number;
  /** Cooldown length in seconds; 0 disables cooldowns. Defaults to 5. */
  cooldown_time?: number;
  /** Turns cooldowns off. */
  disable_cooldowns?: boolean;
  /** Deadline of a whole call (retries and fallbacks included), in seconds. */
  timeout?: number;
  /** Most fallback hops per call. Defaults to 5. */
  max_fallbacks?: number;
  /** Budget per end-user (`user`), in USD; calls beyond it fail with a 429 `budget_exceeded`. */
  max_end_user_budget?: number;
  /**
   * Other names of model groups (LiteLLM's `model_group_alias`): `{ alias: 'group' }` or
   * `{ alias: { model: 'group', hidden: true } }` (served, not listed). A group's own name wins
   * over an alias of the same name.
   */
  model_group_alias?: Record<string, string | { model: string; hidden?: boolean }>;
  /** LiteLLM's `litellm_settings.model_alias_map` (`{ alias: 'group' }`); `model_group_alias` wins on the same alias. */
  model_alias_map?: Record<string, string>;
  /** Default `drop_params` for requests that do not set it. */
  drop_params?: boolean;
  /** Shared state through Redis (used when `state` is not given). */
  redis_host?: string;
  redis_port?: number;
  redis_password?: string;
  /** `redis://…` URL (wins over host/port). */
  redis_url?: string;
  callbacks?: RouterCallback[];
  /** LiteLLM settings accepted and ignored: capability checks always run; image edits have no context window. */
  enable_pre_call_checks?: boolean;
  context_window_fallbacks?: unknown;
  set_verbose?: boolean;
  debug_level?: string;
  /** In memory by default; `createRedisState({ host, port, password })` to share between instances. */
  state?: RouterState;
  /**
   * Where `router.spend()` reads, when spend lives somewhere more lasting than the state (the
   * proxy's store: its spend logs). Defaults to the state's own totals.
   */
  spendReport?: () => Promise<SpendReport>;
  /**
   * A model catalogue file that adds or overrides catalogue rows (a path to JSON, or
   * `parseModelCatalogue()` rows). Defaults to the file `RETOUCH_MODEL_CATALOGUE` names, if any.
   */
  model_catalogue?: string | CatalogueOverrides;
  /**
   * Serve a deployment whose model is retired with the catalogue's successor instead of leaving it
   * out of selection. Defaults to false.
   */
  auto_upgrade_retired?: boolean;
}

/**
 * The one standard log payload every callback receives: never image bytes or secrets.
 *
 * @example
 * ```ts
 * const callback: RouterCallback = { onFailure: (p: RouterLogPayload) => console.log(p.requestId, p.errorClass, p.errorStatus) };
 * ```
 */
export interface RouterLogPayload {
  requestId: string;
  /** The group being served (for `fallback`, the one that failed). */
  modelGroup: string;
  /** The deployment of the attempt this event is about, when there was one. */
  deploymentId?: string;
  provider?: string;
  model?: string;
  user?: string;
  apiKeyHash?: string;
  /** Since the call started (attempt latency for `retry`). */
  latencyMs?: number;
  /** Upstream attempts so far. */
  attempts: number;
  costUsd?: number | null;
  errorClass?: string;
  errorStatus?: number;
  errorMessage?: string;
  warnings: string[];
  event: 'start' | 'success' | 'failure' | 'retry' | 'fallback';
  /** For `fallback`: the group tried next. */
  fallbackTo?: string;
  /** Set on every event of a streamed call (`router.streamImageEdit`). */
  stream?: true;
  /** Streamed calls that delivered their first event: ms from the call's start to it (`success`, `failure`). */
  timeToFirstEventMs?: number;
}

/**
 * What {@link CallContext.onSettled} receives.
 *
 * @example
 * ```ts
 * const onSettled = ({ payload, usage }: CallOutcomeReport) => console.log(payload.event, payload.costUsd, usage?.total_tokens);
 * ```
 */
export interface CallOutcomeReport {
  payload: RouterLogPayload;
  /** The response's `usage`, when the provider reported one. */
  usage?: Record<string, unknown>;
}

/**
 * Observes calls. Callbacks run after the fact and never change or fail a call: errors they throw
 * (or reject with) are swallowed.
 *
 * @example
 * ```ts
 * const counter: RouterCallback = { onSuccess: (p) => console.log(p.deploymentId, p.costUsd) };
 * ```
 */
export interface RouterCallback {
  onStart?(p: RouterLogPayload): void | Promise<void>;
  onSuccess?(p: RouterLogPayload): void | Promise<void>;
  onFailure?(p: RouterLogPayload): void | Promise<void>;
  onRetry?(p: RouterLogPayload): void | Promise<void>;
  onFallback?(p: RouterLogPayload): void | Promise<void>;
}

/**
 * Per-call context: who is calling and how to cancel.
 *
 * @example
 * ```ts
 * await router.imageEdit(params, { requestId: 'req-1', apiKeyHash: sha256(key), signal: AbortSignal.timeout(60_000) } satisfies CallContext);
 * ```
 */
export interface CallContext {
  /** Generated when absent. */
  requestId?: string;
  /** The caller's key, hashed (spend per key). */
  apiKeyHash?: string;
  metadata?: Record<string, unknown>;
  /**
   * Budgets this call is subject to, e.g. the caller's key's `max_budget`. The router adds the
   * end-user's `max_end_user_budget` unless one of these has `scope: 'user'` (then the caller has
   * decided the end-user's budget, e.g. from a database). Checked and held atomically before any upstream call.
   */
  budgets?: readonly BudgetLimit[];
  /** Model groups the caller may use: fallbacks never leave them. Defaults to every group. */
  allowedGroups?: Iterable<string>;
  /** Cancels everything in flight for this call. */
  signal?: AbortSignal;
  onProgress?: (p: { status: string; elapsedMs: number }) => void;
  /**
   * Called once when the call ends, with the `success` or `failure` payload the callbacks got and
   * the response's usage (for a spend log row written per call). Errors it throws are swallowed.
   */
  onSettled?: (outcome: CallOutcomeReport) => void;
}

/**
 * What `router.deployments()` reports per deployment.
 *
 * @example
 * ```ts
 * const unhealthy = (await router.deployments()).filter((d: DeploymentHealth) => !d.healthy);
 * ```
 */
export interface DeploymentHealth {
  id: string;
  modelGroup: string;
  /** `litellm_params.model`, as configured. */
  model: string;
  provider: string;
  /** Position in `model_list`. */
  index: number;
  /** False while cooling down, and while misconfigured. */
  healthy: boolean;
  /** What stops it from calling its upstream (no API key, …), when something does. */
  misconfigured?: string;
  /** Epoch ms at which the cooldown ends. */
  coolingDownUntil?: number;
  inFlight: number;
  latencyMsAvg?: number;
  failuresLastMinute: number;
  capabilities: ModelCapabilities;
  /** The model served, without prefix (the successor when `auto_upgrade_retired` moved a retired one). */
  servedModel: string;
  /** The served model's lifecycle, from the catalogue (with the catalogue file and `model_info`). */
  lifecycle: ModelLifecycle;
  /** Its prices: the deployment's overrides, else the catalogue row's (`null`: unknown). */
  price: ModelPrice | null;
  /** Whether `price` comes from the deployment's own settings. */
  priceIsOverride: boolean;
  /** Whether the deployment can be selected (false for a retired model not allowed by `model_info.allow_retired`). */
  selectable: boolean;
}

/**
 * Spend since the state was created, in USD.
 *
 * @example
 * ```ts
 * const { byUser, unpricedCalls }: SpendReport = await router.spend();
 * ```
 */
export interface SpendReport {
  totalUsd: number;
  byDeployment: Record<string, number>;
  byModelGroup: Record<string, number>;
  byUser: Record<string, number>;
  byKey: Record<string, number>;
  /** Calls whose cost was `null` (never counted as 0 silently). */
  unpricedCalls: number;
}
