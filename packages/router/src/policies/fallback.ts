/**
 * Fallbacks across model groups. Ordinary `fallbacks` (per group, `"*"`, `default_fallbacks`) serve
 * when a group is down: rate-limited, failing, cooling down, misconfigured, or unable to take this
 * request at all. `content_policy_fallbacks` serve only after a content-policy refusal, and ordinary
 * fallbacks never route around a refusal (LiteLLM #40406). Validation errors and caller aborts never
 * fall back; calls that reached the upstream and were cut off (timeouts, resets, cut 200 bodies) only
 * with `retry_on_timeout`. Each hop reuses the prepared request, which
 * the attempt re-validates and re-encodes for the new provider; groups are visited at most once.
 * @module
 */
import { parseModelId, type RetouchError, toRetouchError } from '@retouch/core';
import { notRetried, type RouterLink, type RouterOperation, type RouterRuntime } from '../chain.js';
import { basePayload, deploymentFields, errorFields } from '../callbacks/payload.js';
import {
  BudgetExceededError,
  DeploymentMisconfiguredError,
  type IncapableReason,
  NoCapableDeploymentError,
} from '../errors.js';
import type { RouterSettings } from '../settings.js';
import { isContentPolicyError } from './content-policy.js';

/**
 * Which fallback list an error may use.
 *
 * @example
 * ```ts
 * const kind: FallbackKind | undefined = fallbackKind(error, { retryOnTimeout: false });
 * ```
 */
export type FallbackKind = 'general' | 'content_policy';

/**
 * The fallback list an error may use, or `undefined` when it must go back to the caller.
 *
 * @example
 * ```ts
 * fallbackKind(new ServiceUnavailableError({ message: 'down' }), settings); // 'general'
 * fallbackKind(new ContentPolicyViolationError({ message: 'refused' }), settings); // 'content_policy'
 * ```
 */
export function fallbackKind(
  error: RetouchError,
  settings: Pick<RouterSettings, 'retryOnTimeout'>,
): FallbackKind | undefined {
  if (isContentPolicyError(error)) {
    return 'content_policy';
  }
  if (error instanceof NoCapableDeploymentError) return 'general';
  if (error instanceof BudgetExceededError) return undefined;
  if (error.reachedUpstream === true) return settings.retryOnTimeout ? 'general' : undefined;
  const status = error.status;
  if (status === undefined) return 'general';
  if (status === 408) return settings.retryOnTimeout ? 'general' : undefined;
  if (status === 429 || status === 401 || status === 403 || status === 404 || status >= 500) return 'general';
  return undefined;
}

function lookup(map: ReadonlyMap<string, readonly string[]>, group: string): readonly string[] | undefined {
  const own = map.get(group);
  if (own) return own;
  // `openai/gpt-image-1` matches a key `gpt-image-1`, and the other way round.
  try {
    const { prefix, model } = parseModelId(group);
    return map.get(model) ?? map.get(`${prefix}/${model}`);
  } catch {
    return undefined;
  }
}

/**
 * The groups a failed group falls back to, for one kind of failure.
 *
 * @example
 * ```ts
 * fallbackTargets(settings, 'gpt-image-1', 'general'); // ['gemini-edit']
 * ```
 */
export function fallbackTargets(
  settings: RouterSettings,
  group: string,
  kind: FallbackKind,
): readonly string[] {
  if (kind === 'content_policy') {
    return lookup(settings.contentPolicyFallbacks, group) ?? settings.contentPolicyFallbacks.get('*') ?? [];
  }
  return lookup(settings.fallbacks, group) ?? settings.fallbacks.get('*') ?? settings.defaultFallbacks;
}

/**
 * The fallback targets the caller may use: a key restricted to some model groups never reaches
 * another through a fallback.
 *
 * @example
 * ```ts
 * allowedFallbackTargets(settings, 'gpt-image-1', 'general', new Set(['gpt-image-1'])); // []
 * ```
 */
export function allowedFallbackTargets(
  settings: RouterSettings,
  group: string,
  kind: FallbackKind,
  allowed: ReadonlySet<string> | undefined,
): readonly string[] {
  const targets = fallbackTargets(settings, group, kind);
  return allowed ? targets.filter((target) => allowed.has(target)) : targets;
}

/**
 * Whether an operation's group has ordinary fallbacks the caller may use.
 *
 * @example
 * ```ts
 * if (hasFallbacks(runtime, op)) throw error; // let the fallback link take it
 * ```
 */
export function hasFallbacks(rt: RouterRuntime, op: RouterOperation): boolean {
  return allowedFallbackTargets(rt.settings, op.group, 'general', op.allowedGroups).some(
    (target) => target !== op.group,
  );
}

function describe(error: RetouchError): string {
  return `${error.name}${error.status === undefined ? '' : ` ${error.status}`}`;
}

function brief(error: RetouchError): string {
  const text = error.message.length > 160 ? `${error.message.slice(0, 160)}…` : error.message;
  return error.status === undefined ? text : `${error.status} ${text}`;
}

/** `error` with another message, keeping its class, status, code and everything else. */
function withMessage<E extends RetouchError>(error: E, message: string): E {
  const copy = Object.create(Object.getPrototypeOf(error)) as E;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true });
  return copy;
}

/**
 * What each group of the call ended with: its failed attempts (deployment and error), or why none
 * was made (no capable deployment, all cooling down).
 */
function attemptsSummary(op: RouterOperation, errors: readonly RetouchError[]): string {
  const groups = op.trace.groups;
  const parts: string[] = [];
  groups.forEach((group, index) => {
    const attempts = op.trace.failures.filter((f) => f.group === group);
    if (attempts.length > 0) {
      for (const f of attempts) parts.push(`${group} → deployment ${f.deployment.id}: ${brief(f.error)}`);
    } else if (errors[index]) parts.push(`${group}: ${brief(errors[index] as RetouchError)}`);
  });
  return parts.join('; ');
}

/**
 * An upstream's 401 is the server's fault, not the caller's: the deployment's own credentials were
 * refused (the caller's key was checked by whoever called the router). Answered as the 500
 * `deployment_misconfigured` that a missing key gets, naming the deployment, so that a proxy's caller
 * is not told that *their* key is wrong. Only here, once nothing is left to try: until then the 401
 * keeps its effects (cooldown, retry on another deployment, fallbacks).
 */
function asServerFault(error: RetouchError, op: RouterOperation): RetouchError {
  if (error.status !== 401 || error.upstreamBody === undefined) return error;
  const failed = op.trace.failures.find((f) => f.error === error);
  if (!failed) return error;
  const { deployment } = failed;
  // The upstream's own words stay in `cause` for the operator: they talk to the key's owner
  // ("your API key"), and may quote part of the key.
  const problem = `${deployment.provider} refused the deployment's credentials (HTTP 401); check its api_key (or the provider's key variable)`;
  return new DeploymentMisconfiguredError(
    [{ deploymentId: deployment.id, modelGroup: deployment.modelGroup, problem }],
    { cause: error },
  );
}

/** The error for the caller once no fallback is left; after fallbacks, its message names every attempt. */
function finalError(op: RouterOperation, errors: readonly RetouchError[]): RetouchError {
  const chosen = asServerFault(pickFinal(errors, op.trace.groups), op);
  // A NoCapableDeploymentError of every group already says why, per deployment.
  if (errors.length < 2 || errors.every((e) => e instanceof NoCapableDeploymentError)) return chosen;
  return withMessage(
    chosen,
    `${chosen.message} — every fallback failed (${op.trace.groups.join(' → ')}): ${attemptsSummary(op, errors)}`,
  );
}

function pickFinal(errors: readonly RetouchError[], groups: readonly string[]): RetouchError {
  const last = errors.at(-1) as RetouchError;
  if (!(last instanceof NoCapableDeploymentError)) return last;
  // A group that could not take the request says less than the outage that sent us there.
  const outage = errors.findLast((e) => !(e instanceof NoCapableDeploymentError));
  if (outage) return outage;
  const reasons: IncapableReason[] = errors.flatMap((e) => (e as NoCapableDeploymentError).reasons);
  return errors.length === 1 ? last : new NoCapableDeploymentError(groups, reasons);
}

/**
 * Walks the fallback lists breadth-first (the failed group's own list first), at most
 * `max_fallbacks` hops.
 *
 * @example
 * ```ts
 * createChain([fallbackLink(runtime), retryLink(runtime), selectLink(runtime)], attemptStep(runtime));
 * ```
 */
export function fallbackLink(rt: RouterRuntime): RouterLink {
  return async (op, next) => {
    const visited = new Set([op.group]);
    const queue: string[] = [];
    const errors: RetouchError[] = [];
    let current: RouterOperation = op;
    for (let hops = 0; ; hops++) {
      op.trace.groups.push(current.group);
      try {
        return await next(current);
      } catch (thrown) {
        const error = toRetouchError(thrown);
        errors.push(error);
        const kind = fallbackKind(error, rt.settings);
        // A stream that has begun is not replayed elsewhere either.
        if (op.trace.firstEventAt !== undefined) throw error;
        if (!kind || op.signal.aborted) throw finalError(op, errors);
        if (rt.lifecycle.draining) throw notRetried(op, finalError(op, errors));
        for (const target of fallbackTargets(rt.settings, current.group, kind)) {
          if (visited.has(target)) continue;
          visited.add(target);
          if (!op.allowedGroups || op.allowedGroups.has(target)) queue.push(target);
          else
            op.trace.warnings.push(
              `fallback: ${current.group} → ${target} skipped: this key may not use ${target}`,
            );
        }
        let resolved: ReturnType<RouterRuntime['index']['resolve']>;
        while (!resolved && queue.length > 0) resolved = rt.index.resolve(queue.shift() as string);
        if (!resolved || hops >= rt.settings.maxFallbacks) throw finalError(op, errors);
        const failed = op.trace.lastFailure?.error === error ? op.trace.lastFailure.deployment : undefined;
        rt.emit({
          ...basePayload(current, 'fallback'),
          ...deploymentFields(failed),
          ...errorFields(error),
          fallbackTo: resolved.group,
        });
        op.trace.warnings.push(`fallback: ${current.group} → ${resolved.group} after ${describe(error)}`);
        current = {
          ...current,
          group: resolved.group,
          deployments: resolved.deployments,
          deployment: undefined,
        };
      }
    }
  };
}
