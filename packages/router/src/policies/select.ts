/**
 * The select link: capable filter → cooldown filter → prefer deployments not yet failed in this call
 * → lowest `order` tier → strategy. It sets `op.deployment` for the attempt link.
 * @module
 */
import { assertNotRetired } from '@retouch/core';
import { guarded, type RouterLink, type RouterOperation, type RouterRuntime } from '../chain.js';
import {
  DeploymentMisconfiguredError,
  type MisconfiguredDeployment,
  NoCapableDeploymentError,
  NoDeploymentAvailableError,
} from '../errors.js';
import { type Deployment, isSelectable } from '../deployments.js';
import { type DeploymentStats, emptyStats, minuteOf } from '../state/state.js';
import { filterCapable } from './capable.js';
import { type Candidate, lowestOrderTier, STRATEGIES } from './strategies.js';

/**
 * The capable deployments of the operation's group that are not cooling down, with their stats.
 *
 * @example
 * ```ts
 * const { healthy, nextRecovery }: HealthyCandidates = await healthyCandidates(runtime, op);
 * ```
 */
export interface HealthyCandidates {
  healthy: Candidate[];
  /** Epoch ms the first cooling deployment comes back, when all capable ones are cooling. */
  nextRecovery?: number;
}

/**
 * Reads the state once for the operation's capable deployments and drops those cooling down.
 * Throws `NoCapableDeploymentError` when none can take the request.
 *
 * @example
 * ```ts
 * const { healthy } = await healthyCandidates(runtime, op);
 * ```
 */
export async function healthyCandidates(rt: RouterRuntime, op: RouterOperation): Promise<HealthyCandidates> {
  const selectable = op.deployments.filter(isSelectable);
  const retired = op.deployments[0];
  // A group of retired models only: refused locally, naming the shutdown date and the successor.
  if (selectable.length === 0 && retired) {
    assertNotRetired({ ...retired.resolved.row, provider: retired.provider, model: retired.resolved.model });
  }
  const filtered = filterCapable(op, selectable);
  if (filtered.capable.length === 0) throw new NoCapableDeploymentError([op.group], filtered.reasons);
  const { configured: capable, misconfigured } = splitConfigured(filtered.capable);
  if (capable.length === 0) throw new DeploymentMisconfiguredError(misconfigured);
  const strategy = rt.settings.strategy;
  const now = rt.now();
  const stats = await guarded(
    op,
    rt.state.getStats(
      capable.map((d) => d.id),
      {
        now,
        inFlight: strategy === 'least-busy',
        latency: strategy === 'latency-based-routing',
        usage: strategy.startsWith('usage-based'),
      },
    ),
    new Map<string, DeploymentStats>(),
  );
  const healthy: Candidate[] = [];
  let nextRecovery = Number.POSITIVE_INFINITY;
  for (const deployment of capable) {
    const s = stats.get(deployment.id) ?? emptyStats();
    if (s.coolingDownUntil !== undefined && s.coolingDownUntil > now) {
      nextRecovery = Math.min(nextRecovery, s.coolingDownUntil);
    } else healthy.push({ deployment, stats: s });
  }
  return { healthy, nextRecovery: healthy.length === 0 ? nextRecovery : undefined };
}

/**
 * Splits deployments into those that can call their upstream and, for the rest, what they lack
 * (the provider's own `configurationProblem()`, read from settings and environment each time).
 *
 * @example
 * ```ts
 * const { configured, misconfigured } = splitConfigured(capable);
 * ```
 */
export function splitConfigured(deployments: readonly Deployment[]): {
  configured: Deployment[];
  misconfigured: MisconfiguredDeployment[];
} {
  const configured: Deployment[] = [];
  const misconfigured: MisconfiguredDeployment[] = [];
  for (const deployment of deployments) {
    const problem = deployment.client.configurationProblem?.();
    if (problem === undefined) configured.push(deployment);
    else misconfigured.push({ deploymentId: deployment.id, modelGroup: deployment.modelGroup, problem });
  }
  return { configured, misconfigured };
}

/**
 * Whether a retry could go to a healthy deployment that has not failed in this call (then it need
 * not wait).
 *
 * @example
 * ```ts
 * const delay = (await hasFreshCandidate(runtime, op)) ? 0 : backoff;
 * ```
 */
export async function hasFreshCandidate(rt: RouterRuntime, op: RouterOperation): Promise<boolean> {
  try {
    const { healthy } = await healthyCandidates(rt, op);
    return healthy.some((c) => !op.trace.tried.has(c.deployment.id));
  } catch {
    return false;
  }
}

/**
 * Picks one deployment for the next attempt.
 *
 * @example
 * ```ts
 * const run = createChain([selectLink(runtime)], attempt);
 * ```
 */
export function selectLink<R>(rt: RouterRuntime): RouterLink<R> {
  const strategy = STRATEGIES[rt.settings.strategy];
  return async (op, next) => {
    const { healthy, nextRecovery } = await healthyCandidates(rt, op);
    if (healthy.length === 0) {
      throw new NoDeploymentAvailableError(op.group, Math.max(0, (nextRecovery as number) - rt.now()));
    }
    const fresh = healthy.filter((c) => !op.trace.tried.has(c.deployment.id));
    let pool = fresh.length > 0 ? fresh : healthy;
    const context = { random: rt.random, latencyBuffer: rt.settings.latencyBuffer, prepared: op.prepared };
    while (pool.length > 0) {
      const tier = lowestOrderTier(pool);
      const picked = strategy(tier, context);
      if (picked) return next({ ...op, deployment: picked.deployment });
      // Every deployment of this tier is at its rpm/tpm limit: the next tier may serve.
      pool = pool.filter((c) => !tier.includes(c));
    }
    const now = rt.now();
    const nextMinute = (minuteOf(now) + 1) * 60_000;
    throw new NoDeploymentAvailableError(op.group, nextMinute - now, 'are at their rpm/tpm limits');
  };
}
