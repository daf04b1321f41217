/**
 * Router settings after validation: defaults applied, durations in milliseconds.
 * @module
 */
import type { ParsedRouterOptions } from './config.js';
import type { RoutingStrategy } from './types.js';

/**
 * Settings every policy reads.
 *
 * @example
 * ```ts
 * const settings: RouterSettings = toSettings(parseRouterOptions(options));
 * ```
 */
export interface RouterSettings {
  strategy: RoutingStrategy;
  /** Latency-based routing: pick among deployments within this fraction of the fastest. */
  latencyBuffer: number;
  numRetries: number;
  /** Least wait before a backed-off retry. */
  retryAfterMs: number;
  retryOnTimeout: boolean;
  allowedFails: number;
  /** 0 when cooldowns are disabled. */
  cooldownMs: number;
  /** Deadline of a whole call. */
  timeoutMs?: number;
  maxFallbacks: number;
  maxEndUserBudget?: number;
  fallbacks: ReadonlyMap<string, readonly string[]>;
  defaultFallbacks: readonly string[];
  contentPolicyFallbacks: ReadonlyMap<string, readonly string[]>;
}

/**
 * Defaults (LiteLLM's where it has one).
 *
 * @example
 * ```ts
 * DEFAULTS.cooldownSeconds; // 5
 * ```
 */
export const DEFAULTS = {
  numRetries: 2,
  allowedFails: 3,
  cooldownSeconds: 5,
  maxFallbacks: 5,
  latencyBuffer: 0.1,
  /** Failures count towards `allowed_fails` within this window. */
  failureWindowMs: 60_000,
} as const;

function mergeGroupMaps(entries: Array<Record<string, string[]>> | undefined): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const entry of entries ?? []) {
    for (const [group, targets] of Object.entries(entry))
      map.set(group, [...(map.get(group) ?? []), ...targets]);
  }
  return map;
}

/**
 * Applies defaults and converts LiteLLM's seconds to milliseconds.
 *
 * @example
 * ```ts
 * toSettings(parseRouterOptions({ model_list, cooldown_time: 10 })).cooldownMs; // 10000
 * ```
 */
export function toSettings(options: ParsedRouterOptions): RouterSettings {
  const cooldownSeconds = options.disable_cooldowns ? 0 : (options.cooldown_time ?? DEFAULTS.cooldownSeconds);
  return {
    strategy: options.routing_strategy ?? 'simple-shuffle',
    latencyBuffer: options.routing_strategy_args?.lowest_latency_buffer ?? DEFAULTS.latencyBuffer,
    numRetries: options.num_retries ?? DEFAULTS.numRetries,
    retryAfterMs: (options.retry_after ?? 0) * 1000,
    retryOnTimeout: options.retry_on_timeout ?? false,
    allowedFails: options.allowed_fails ?? DEFAULTS.allowedFails,
    cooldownMs: cooldownSeconds * 1000,
    timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000,
    maxFallbacks: options.max_fallbacks ?? DEFAULTS.maxFallbacks,
    maxEndUserBudget: options.max_end_user_budget,
    fallbacks: mergeGroupMaps(options.fallbacks),
    defaultFallbacks: options.default_fallbacks ?? [],
    contentPolicyFallbacks: mergeGroupMaps(options.content_policy_fallbacks),
  };
}
