/**
 * `@retouch/router`: many deployments of many providers as one reliable `imageEdit`, with LiteLLM's
 * router semantics (load balancing, retries, cooldowns, fallbacks, cost and spend) built as small
 * composable policies.
 * @module
 */
export { openTelemetryCallback } from './callbacks/otel.js';
export { pinoCallback } from './callbacks/pino.js';
export type { ConfigIssue } from './config.js';
export { parseRouterOptions, RouterConfigError } from './config.js';
export type { LifecycleNotice } from './deployment-model.js';
export { deploymentHash } from './deployments.js';
export type { IncapableReason, MisconfiguredDeployment } from './errors.js';
export {
  BudgetExceededError,
  DeploymentMisconfiguredError,
  NoCapableDeploymentError,
  NoDeploymentAvailableError,
  RouterClosedError,
} from './errors.js';
export type { FailureEffect } from './policies/cooldown.js';
export { failureEffect } from './policies/cooldown.js';
export type { FallbackKind } from './policies/fallback.js';
export { fallbackKind } from './policies/fallback.js';
export { estimateCallCost } from './policies/budget.js';
export { BACKOFF, backoffMs, isRetryableError } from './policies/retry.js';
export type { Candidate, Strategy, StrategyContext } from './policies/strategies.js';
export {
  costBased,
  estimateCost,
  leastBusy,
  lowestLatency,
  lowestOrderTier,
  simpleShuffle,
  usageBased,
} from './policies/strategies.js';
export type { RouteDecision } from './router.js';
export { Router } from './router.js';
export type { LocalFallbackOptions, ResilientState, StateHealth } from './state/fallback-state.js';
export { withLocalFallback } from './state/fallback-state.js';
export { createMemoryState } from './state/memory-state.js';
export type { RedisStateOptions } from './state/redis-state.js';
export { createRedisState } from './state/redis-state.js';
export type {
  BudgetLimit,
  BudgetReservation,
  DeploymentStats,
  ReserveResult,
  WindowCount,
  RouterState,
  SpendEntry,
  StatsQuery,
} from './state/state.js';
export type {
  CallContext,
  CallOutcomeReport,
  DeploymentConfig,
  DeploymentHealth,
  LitellmParams,
  ModelInfo,
  RouterCallback,
  RouterLogPayload,
  RouterOptions,
  RoutingStrategy,
  SpendReport,
} from './types.js';
