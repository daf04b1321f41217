/**
 * The terminal step: one attempt on the selected deployment through core's `runImageEdit` (which
 * re-validates and re-encodes the prepared request for that provider), with the bookkeeping around
 * it: in-flight count, usage window, latency, spend, failure and cooldown (for a streamed call, only
 * for failures before its first event).
 * @module
 */
import {
  getMeta,
  type ImageEditResponse,
  type PreparedEditRequest,
  type RetouchError,
  runImageEdit,
  runImageEditStream,
  toRetouchError,
  withMeta,
} from '@retouch/core';
import { guarded, preparedFor, type RouterNext, type RouterOperation, type RouterRuntime } from '../chain.js';
import type { Deployment } from '../deployments.js';
import { DeploymentMisconfiguredError } from '../errors.js';
import type { SpendEntry } from '../state/state.js';
import { recordAttemptFailure } from './cooldown.js';

/**
 * The deadline of an attempt in ms: the deployment's `timeout`, cut to what is left of the call's.
 *
 * @example
 * ```ts
 * attemptTimeoutMs({ timeoutMs: 30_000 } as Deployment, Date.now() + 10_000, Date.now()); // 10000
 * ```
 */
export function attemptTimeoutMs(
  deployment: Pick<Deployment, 'timeoutMs'>,
  deadline: number | undefined,
  now: number,
): number | undefined {
  const left = deadline === undefined ? undefined : Math.max(1, deadline - now);
  if (deployment.timeoutMs === undefined) return left;
  return left === undefined ? deployment.timeoutMs : Math.min(deployment.timeoutMs, left);
}

/** Codes of errors a provider raises before calling out, for settings it lacks (not the caller's). */
const MISSING_SETTING_CODES = new Set(['missing_api_key', 'missing_credentials', 'missing_project']);

/** A provider's "no key" (or project, or credentials) as the server's fault, naming the deployment. */
function asMisconfiguration(error: RetouchError, deployment: Deployment): RetouchError {
  if (!MISSING_SETTING_CODES.has(error.code ?? '') || error.upstreamBody !== undefined) return error;
  return new DeploymentMisconfiguredError(
    [{ deploymentId: deployment.id, modelGroup: deployment.modelGroup, problem: error.message }],
    { cause: error },
  );
}

function describe(error: { status?: number; message: string }): string {
  const text = error.message.length > 200 ? `${error.message.slice(0, 200)}…` : error.message;
  return error.status === undefined ? text : `${error.status} ${text}`;
}

/** Records a served call's cost; a budgeted call settles its hold in the same atomic step. */
function recordSpend(rt: RouterRuntime, op: RouterOperation, entry: SpendEntry): Promise<void> {
  const written = op.reservation ? rt.state.settleBudget(op.reservation, entry) : rt.state.addSpend(entry);
  return guarded(op, written, undefined);
}

/**
 * One streamed attempt: resolves at the first event (failures before it are this attempt's, to
 * retry or fall back from), hands the stream to the reader, and waits until it was read to its end.
 */
async function streamAttempt(
  rt: RouterRuntime,
  op: RouterOperation,
  deployment: Deployment,
  prepared: PreparedEditRequest,
): Promise<ImageEditResponse> {
  const handoff = op.stream;
  if (!handoff) throw new Error('router chain: streamAttempt without a stream');
  const stream = await runImageEditStream(deployment.client, deployment.providerModel, prepared, {
    price: deployment.price,
    resolved: deployment.resolved,
    allowRetired: deployment.allowRetired,
    timeoutMs: attemptTimeoutMs(deployment, op.deadline, rt.now()),
    signal: op.signal,
    onProgress: op.onProgress,
  });
  const { trace } = op;
  trace.firstEventAt = performance.now();
  return handoff.deliver(stream, {
    deploymentId: deployment.id,
    modelGroup: op.group,
    attempts: trace.attempts,
    warnings: [...trace.warnings],
    timeToFirstEventMs: Math.round(trace.firstEventAt - trace.startedAt),
  });
}

/**
 * The attempt step.
 *
 * @example
 * ```ts
 * const run = createChain([selectLink(runtime)], attemptStep(runtime));
 * ```
 */
export function attemptStep(rt: RouterRuntime): RouterNext {
  const usageBased = rt.settings.strategy.startsWith('usage-based');
  return async (op: RouterOperation): Promise<ImageEditResponse> => {
    const deployment = op.deployment;
    if (!deployment) throw new Error('router chain: the select link must run before the attempt step');
    const prepared = preparedFor(op, deployment);
    const { trace } = op;
    trace.attempts += 1;
    const { id } = deployment;
    await guarded(op, rt.state.addInFlight(id, 1), undefined);
    try {
      if (usageBased)
        await guarded(op, rt.state.recordUsage(id, { requests: 1, tokens: 0 }, rt.now()), undefined);
      const started = performance.now();
      let response: ImageEditResponse;
      try {
        response = op.stream
          ? await streamAttempt(rt, op, deployment, prepared)
          : await runImageEdit(deployment.client, deployment.providerModel, prepared, {
              price: deployment.price,
              resolved: deployment.resolved,
              allowRetired: deployment.allowRetired,
              timeoutMs: attemptTimeoutMs(deployment, op.deadline, rt.now()),
              signal: op.signal,
              onProgress: op.onProgress,
            });
      } catch (thrown) {
        const error = asMisconfiguration(
          toRetouchError(thrown, { provider: deployment.provider, model: deployment.providerModel }),
          deployment,
        );
        trace.tried.add(id);
        trace.lastFailure = { deployment, error };
        trace.failures.push({ deployment, group: op.group, error });
        // A stream that broke after its first event is not the deployment's health to judge: like
        // retries and fallbacks, failure counts and cooldowns apply only until the first event.
        const until =
          trace.firstEventAt === undefined
            ? await recordAttemptFailure(rt, op, deployment, error)
            : undefined;
        const cooled = until === undefined ? '' : `; cooling down until ${new Date(until).toISOString()}`;
        trace.warnings.push(
          `attempt ${trace.attempts} on deployment ${id} failed: ${describe(error)}${cooled}`,
        );
        throw error;
      }
      const meta = getMeta(response);
      await Promise.all([
        guarded(op, rt.state.recordLatency(id, performance.now() - started), undefined),
        usageBased && response.usage
          ? guarded(
              op,
              rt.state.recordUsage(id, { requests: 0, tokens: response.usage.total_tokens }, rt.now()),
              undefined,
            )
          : undefined,
        recordSpend(rt, op, {
          deploymentId: id,
          modelGroup: op.group,
          user: op.user,
          key: op.apiKeyHash,
          costUsd: meta.costUsd,
        }),
      ]);
      const health = rt.stateHealth();
      if (health.degraded) {
        const warning = `router state unavailable (${health.reason}); routing on this instance's own state`;
        if (!trace.warnings.includes(warning)) trace.warnings.push(warning);
      }
      return withMeta(response, {
        ...meta,
        latencyMs: Math.round(performance.now() - trace.startedAt),
        attempts: trace.attempts,
        deploymentId: id,
        modelGroup: op.group,
        user: op.user,
        warnings: [...trace.warnings, ...meta.warnings],
        ...(trace.firstEventAt === undefined
          ? {}
          : { timeToFirstEventMs: Math.round(trace.firstEventAt - trace.startedAt) }),
      });
    } finally {
      await guarded(op, rt.state.addInFlight(id, -1), undefined);
    }
  };
}
