/**
 * The router is a chain of small links (tRPC style): each link gets the operation and `next`, and
 * may change the operation, call `next` once or many times, or answer itself. `Router` composes
 * observe → prepare → budget → fallback → retry → select → attempt.
 * @module
 */
import type {
  ImageEditParams,
  ImageEditResponse,
  ModelCapabilities,
  PreparedEditRequest,
  RetouchError,
} from '@retouch/core';
import type { Deployment, DeploymentIndex } from './deployments.js';
import type { Emitter } from './callbacks/payload.js';
import type { StreamHandoff } from './stream-handoff.js';
import type { RouterSettings } from './settings.js';
import type { StateHealth } from './state/fallback-state.js';
import type { BudgetLimit, BudgetReservation, RouterState } from './state/state.js';
import type { CallContext } from './types.js';

/**
 * What one call has done so far; shared by every operation of the call (retries and fallbacks).
 *
 * @example
 * ```ts
 * op.trace.attempts; // upstream attempts so far in this call
 * ```
 */
export interface CallTrace {
  /** Upstream attempts made. */
  attempts: number;
  /** Deployments that failed in this call (retries prefer others). */
  readonly tried: Set<string>;
  /** Warnings for `_meta.warnings` and the log payload. */
  readonly warnings: string[];
  /** `performance.now()` at the start of the call. */
  readonly startedAt: number;
  /** Groups tried, in order. */
  readonly groups: string[];
  /** Per call: which model can take the prepared request (`null`) or why not. */
  readonly capability: Map<ModelCapabilities, Map<string, RetouchError | null>>;
  /** The latest failed attempt: its deployment and error. */
  lastFailure?: { deployment: Deployment; error: RetouchError };
  /** Every failed attempt of the call, in order, with the group it served. */
  readonly failures: { deployment: Deployment; group: string; error: RetouchError }[];
  /**
   * Streamed calls: `performance.now()` when the first event was handed to the reader. From then
   * on nothing is retried and nothing falls back (a stream is not replayed).
   */
  firstEventAt?: number;
}

/**
 * One call as it travels down the chain. Links pass changed copies on, never mutate shared fields.
 *
 * @example
 * ```ts
 * const op: RouterOperation = { ...previous, group: 'gemini-edit', deployments, deployment: undefined };
 * ```
 */
export interface RouterOperation {
  readonly requestId: string;
  readonly params: ImageEditParams;
  /** Set by the prepare link: the images read once, reused by every retry and fallback. */
  readonly prepared?: PreparedEditRequest;
  /** The model group being served. */
  readonly group: string;
  readonly deployments: readonly Deployment[];
  /** Set by the select link. */
  readonly deployment?: Deployment;
  /** Aborts on the caller's signal, the call's deadline and `router.close()`. */
  readonly signal: AbortSignal;
  /** Epoch ms by which the whole call must end. */
  readonly deadline?: number;
  readonly user?: string;
  readonly apiKeyHash?: string;
  readonly metadata?: Record<string, unknown>;
  /** Budgets the caller is subject to (besides the end-user's, which the router knows). */
  readonly budgets?: readonly BudgetLimit[];
  /** Set by the budget link: the hold the succeeding attempt settles with its real cost. */
  readonly reservation?: BudgetReservation;
  /** Model groups the caller may use; fallbacks never leave them. `undefined`: every group. */
  readonly allowedGroups?: ReadonlySet<string>;
  readonly onProgress?: (p: { status: string; elapsedMs: number }) => void;
  readonly onSettled?: CallContext['onSettled'];
  /** Set for a streamed call (`router.streamImageEdit`): where the attempt hands its stream over. */
  readonly stream?: StreamHandoff;
  readonly trace: CallTrace;
}

/**
 * The rest of the chain. `R` is what the chain answers: a response, or a routing decision (`router.route`).
 *
 * @example
 * ```ts
 * const next: RouterNext = async (op) => runAttempt(op);
 * ```
 */
export type RouterNext<R = ImageEditResponse> = (op: RouterOperation) => Promise<R>;

/**
 * One policy.
 *
 * @example
 * ```ts
 * const logLink: RouterLink = async (op, next) => {
 *   console.log('calling', op.group);
 *   return next(op);
 * };
 * ```
 */
export type RouterLink<R = ImageEditResponse> = (op: RouterOperation, next: RouterNext<R>) => Promise<R>;

/**
 * What links share: settings, state, deployments and the callbacks.
 *
 * @example
 * ```ts
 * const run = createChain([retryLink(runtime), selectLink(runtime)], attemptStep(runtime));
 * ```
 */
export interface RouterRuntime {
  readonly settings: RouterSettings;
  readonly state: RouterState;
  readonly index: DeploymentIndex;
  /** Sends an event to every callback (never throws, never waits). */
  readonly emit: Emitter;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** Epoch ms. */
  readonly now: () => number;
  /** Whether the shared state answers (see `withLocalFallback`). */
  readonly stateHealth: () => StateHealth;
  /** Set by `router.drain()`: no new calls, and no further attempts (retries, fallbacks) of those in flight. */
  readonly lifecycle: { draining: boolean };
}

/**
 * Composes links around a terminal step.
 *
 * @example
 * ```ts
 * const run = createChain([observeLink(rt), retryLink(rt)], attempt);
 * const response = await run(op);
 * ```
 */
export function createChain<R = ImageEditResponse>(
  links: readonly RouterLink<R>[],
  terminal: RouterNext<R>,
): RouterNext<R> {
  return links.reduceRight<RouterNext<R>>((next, link) => (op) => link(op, next), terminal);
}

/**
 * The prepared request of an operation (set by the prepare link).
 *
 * @example
 * ```ts
 * const prepared = preparedOf(op);
 * ```
 */
export function preparedOf(op: RouterOperation): PreparedEditRequest {
  if (!op.prepared) throw new Error('router chain: the prepare link must run before this one');
  return op.prepared;
}

/**
 * The prepared request as `deployment` serves it: the caller's `drop_params` and `response_format`
 * when it set them, else the deployment's (`litellm_params`), else the router's `drop_params`.
 *
 * @example
 * ```ts
 * runImageEdit(deployment.client, deployment.providerModel, preparedFor(op, deployment));
 * ```
 */
export function preparedFor(
  op: RouterOperation,
  deployment: Pick<Deployment, 'dropParams' | 'responseFormat'>,
): PreparedEditRequest {
  const prepared = preparedOf(op);
  const { fields } = prepared;
  const dropParams = fields.drop_params ?? deployment.dropParams;
  // Stream events carry base64 whatever the deployment's default format.
  const responseFormat = op.stream
    ? fields.response_format
    : (fields.response_format ?? deployment.responseFormat);
  if (dropParams === fields.drop_params && responseFormat === fields.response_format) return prepared;
  return { ...prepared, fields: { ...fields, drop_params: dropParams, response_format: responseFormat } };
}

/**
 * Runs a state call; if the state fails (Redis down), carries on with `fallback` and a warning, so
 * an outage of shared state never fails a call.
 *
 * @example
 * ```ts
 * const stats = await guarded(op, state.getStats(ids, { now }), new Map());
 * ```
 */
export async function guarded<T>(op: RouterOperation, promise: Promise<T>, fallback: T): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    const warning = `router state unavailable (${(error as Error)?.message ?? String(error)}); routing without it`;
    if (!op.trace.warnings.includes(warning)) op.trace.warnings.push(warning);
    return fallback;
  }
}

/**
 * The error as it is, noting in the call's warnings that shutdown (`router.drain()`) stopped its
 * retries and fallbacks.
 *
 * @example
 * ```ts
 * if (rt.lifecycle.draining) throw notRetried(op, error);
 * ```
 */
export function notRetried(op: RouterOperation, error: RetouchError): RetouchError {
  const warning = 'shutting down: no further attempt (retry or fallback) was started';
  if (!op.trace.warnings.includes(warning)) op.trace.warnings.push(warning);
  return error;
}
