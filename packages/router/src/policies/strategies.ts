/**
 * Selection strategies: pure functions from healthy, capable candidates (with their stats) to one
 * deployment. Ties are broken at random, never by list position (LiteLLM #37622).
 * @module
 */
import { computeCost, type PreparedEditRequest } from '@retouch/core';
import type { Deployment } from '../deployments.js';
import type { DeploymentStats } from '../state/state.js';
import type { RoutingStrategy } from '../types.js';

/**
 * A deployment that may be picked, with what the state knows of it.
 *
 * @example
 * ```ts
 * const candidate: Candidate = { deployment, stats: emptyStats() };
 * ```
 */
export interface Candidate {
  deployment: Deployment;
  stats: DeploymentStats;
}

/**
 * What a strategy may use besides the candidates.
 *
 * @example
 * ```ts
 * const context: StrategyContext = { random: Math.random, latencyBuffer: 0.1 };
 * ```
 */
export interface StrategyContext {
  /** Uniform in [0, 1). */
  random: () => number;
  /** Latency-based: pick among those within this fraction of the fastest. */
  latencyBuffer: number;
  prepared?: PreparedEditRequest;
}

/**
 * Picks one candidate, or `undefined` when none may be used (usage limits).
 *
 * @example
 * ```ts
 * const firstListed: Strategy = (candidates) => candidates[0];
 * ```
 */
export type Strategy = (candidates: readonly Candidate[], context: StrategyContext) => Candidate | undefined;

function uniform<T>(items: readonly T[], random: () => number): T | undefined {
  return items[Math.floor(random() * items.length)];
}

/** Candidates with the lowest `score`, then one of them at random. */
function lowest(candidates: readonly Candidate[], score: (c: Candidate) => number, random: () => number) {
  let best = Number.POSITIVE_INFINITY;
  let ties: Candidate[] = [];
  for (const candidate of candidates) {
    const value = score(candidate);
    if (value < best) {
      best = value;
      ties = [candidate];
    } else if (value === best) ties.push(candidate);
  }
  return uniform(ties.length > 0 ? ties : candidates, random);
}

/**
 * Weighted random pick by `weight`, else `rpm`, else `tpm` (the first field any candidate sets; a
 * candidate without it counts as the average of those with it); uniform when none is set.
 *
 * @example
 * ```ts
 * simpleShuffle(candidates, { random: Math.random, latencyBuffer: 0 }); // 3:1 for weights 3 and 1
 * ```
 */
export const simpleShuffle: Strategy = (candidates, { random }) => {
  const field = (['weight', 'rpm', 'tpm'] as const).find((f) =>
    candidates.some((c) => c.deployment[f] !== undefined),
  );
  if (!field) return uniform(candidates, random);
  const given = candidates.map((c) => c.deployment[field]).filter((v): v is number => v !== undefined);
  const fill = given.reduce((a, b) => a + b, 0) / given.length;
  const weights = candidates.map((c) => c.deployment[field] ?? fill);
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return uniform(candidates, random);
  let point = random() * total;
  for (const [i, weight] of weights.entries()) {
    point -= weight;
    if (point < 0 && weight > 0) return candidates[i];
  }
  return candidates.findLast((_, i) => (weights[i] as number) > 0);
};

/**
 * The candidate with the fewest calls in flight.
 *
 * @example
 * ```ts
 * leastBusy(candidates, context)?.deployment.id;
 * ```
 */
export const leastBusy: Strategy = (candidates, { random }) =>
  lowest(candidates, (c) => c.stats.inFlight, random);

/**
 * The fastest by moving-average latency, at random among those within `latencyBuffer` of it, so
 * traffic does not stampede onto one deployment. Deployments without a measurement are tried first.
 *
 * @example
 * ```ts
 * lowestLatency(candidates, { random: Math.random, latencyBuffer: 0.1 });
 * ```
 */
export const lowestLatency: Strategy = (candidates, { random, latencyBuffer }) => {
  const unmeasured = candidates.filter((c) => c.stats.latencyMs === undefined);
  if (unmeasured.length > 0) return uniform(unmeasured, random);
  const fastest = Math.min(...candidates.map((c) => c.stats.latencyMs as number));
  const limit = fastest * (1 + latencyBuffer);
  return uniform(
    candidates.filter((c) => (c.stats.latencyMs as number) <= limit),
    random,
  );
};

/**
 * The candidate with the most rpm/tpm headroom this minute; candidates at their `rpm` or `tpm` limit
 * are never picked (`undefined` when all are).
 *
 * @example
 * ```ts
 * usageBased(candidates, context) ?? raise429();
 * ```
 */
export const usageBased: Strategy = (candidates, { random }) => {
  const open = candidates.filter(({ deployment: d, stats: s }) => {
    if (d.rpm !== undefined && s.requestsThisMinute >= d.rpm) return false;
    if (d.tpm !== undefined && s.tokensThisMinute >= d.tpm) return false;
    return true;
  });
  if (open.length === 0) return undefined;
  return lowest(
    open,
    ({ deployment: d, stats: s }) =>
      Math.max(d.rpm ? s.requestsThisMinute / d.rpm : 0, d.tpm ? s.tokensThisMinute / d.tpm : 0),
    random,
  );
};

/**
 * What a deployment is expected to charge for a request (its price override, else its catalogue row's),
 * or `null` when unknown. Unstated size and quality are assumed 1024x1024 and medium for all alike.
 *
 * @example
 * ```ts
 * estimateCost(deployment, prepared); // 0.042
 * ```
 */
export function estimateCost(deployment: Deployment, prepared?: PreparedEditRequest): number | null {
  const price = deployment.price ?? deployment.resolved.row.price ?? undefined;
  const fields = prepared?.fields;
  const size = fields?.size && fields.size !== 'auto' ? fields.size : '1024x1024';
  const quality = fields?.quality && fields.quality !== 'auto' ? fields.quality : 'medium';
  return computeCost({
    price,
    priceIsOverride: deployment.price !== undefined,
    imagesIn: prepared?.images.length ?? 1,
    imagesOut: fields?.n ?? 1,
    size,
    quality,
  });
}

/**
 * The cheapest by {@link estimateCost}; deployments of unknown cost come last (never counted as free).
 *
 * @example
 * ```ts
 * costBased(candidates, { random: Math.random, latencyBuffer: 0, prepared });
 * ```
 */
export const costBased: Strategy = (candidates, { random, prepared }) =>
  lowest(candidates, (c) => estimateCost(c.deployment, prepared) ?? Number.POSITIVE_INFINITY, random);

/**
 * The strategy of each `routing_strategy`.
 *
 * @example
 * ```ts
 * STRATEGIES['least-busy'](candidates, { random: Math.random, latencyBuffer: 0 });
 * ```
 */
export const STRATEGIES: Readonly<Record<RoutingStrategy, Strategy>> = {
  'simple-shuffle': simpleShuffle,
  'least-busy': leastBusy,
  'latency-based-routing': lowestLatency,
  'usage-based-routing': usageBased,
  'usage-based-routing-v2': usageBased,
  'cost-based-routing': costBased,
};

/**
 * The lowest `order` tier among candidates (no `order` = after every numbered tier).
 *
 * @example
 * ```ts
 * lowestOrderTier(candidates); // only the order: 1 deployments, while any of them is healthy
 * ```
 */
export function lowestOrderTier<T extends { deployment: Deployment }>(candidates: readonly T[]): T[] {
  const orderOf = (c: T) => c.deployment.order ?? Number.POSITIVE_INFINITY;
  const min = Math.min(...candidates.map(orderOf));
  return candidates.filter((c) => orderOf(c) === min);
}
