/**
 * Capability-aware selection: a deployment whose model cannot take this request (mask, number of
 * images, size, n, image type, …) is skipped before any strategy runs, and nothing is sent to it.
 * The check is core's own `bindRequest`, memoised per model for the call.
 * @module
 */
import { bindRequest, RetouchError, toRetouchError } from '@retouch/core';
import { preparedFor, type RouterOperation } from '../chain.js';
import type { Deployment } from '../deployments.js';
import type { IncapableReason } from '../errors.js';

/**
 * Why `deployment` cannot serve the operation's request, or `null` when it can.
 *
 * @example
 * ```ts
 * capabilityError(op, deployment)?.message; // 'mask: openai/dall-e-2 …'
 * ```
 */
export function capabilityError(op: RouterOperation, deployment: Deployment): RetouchError | null {
  let byModel = op.trace.capability.get(deployment.capabilities);
  if (!byModel) {
    byModel = new Map();
    op.trace.capability.set(deployment.capabilities, byModel);
  }
  // drop_params decides whether an unsupported parameter is an error, so it is part of the answer's key.
  const key = `${deployment.modelKey}|${deployment.dropParams === true}`;
  const known = byModel.get(key);
  if (known !== undefined) return known;
  let result: RetouchError | null = null;
  try {
    bindRequest(
      preparedFor(op, deployment),
      deployment.capabilities,
      { provider: deployment.provider, model: deployment.providerModel },
      { streaming: op.stream !== undefined },
    );
  } catch (error) {
    result = RetouchError.isInstance(error) ? error : toRetouchError(error, deployment);
  }
  byModel.set(key, result);
  return result;
}

/**
 * Splits deployments into those that can serve the request and, for the rest, why not.
 *
 * @example
 * ```ts
 * const { capable, reasons } = filterCapable(op, op.deployments);
 * if (capable.length === 0) throw new NoCapableDeploymentError([op.group], reasons);
 * ```
 */
export function filterCapable(
  op: RouterOperation,
  deployments: readonly Deployment[],
): { capable: Deployment[]; reasons: IncapableReason[] } {
  const capable: Deployment[] = [];
  const reasons: IncapableReason[] = [];
  // Groups are usually many deployments of one model: reuse the last answer while it applies.
  let last: { caps: Deployment['capabilities']; key: string; error: RetouchError | null } | undefined;
  for (const deployment of deployments) {
    let error: RetouchError | null;
    const key = `${deployment.modelKey}|${deployment.dropParams === true}`;
    if (last && last.caps === deployment.capabilities && last.key === key) error = last.error;
    else {
      error = capabilityError(op, deployment);
      last = { caps: deployment.capabilities, key, error };
    }
    if (error === null) capable.push(deployment);
    else {
      reasons.push({
        deploymentId: deployment.id,
        modelGroup: deployment.modelGroup,
        model: deployment.modelKey,
        error,
      });
    }
  }
  return { capable, reasons };
}
