/**
 * `Router`: many deployments of many providers as one reliable `imageEdit`. It is the chain
 * observe → prepare → budget → fallback → retry → select → attempt, over a `RouterState`.
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  type CatalogueRow,
  type ModelLifecycle,
  BadRequestError,
  type CallDeadline,
  checkNotStreamed,
  checkStreamParams,
  holdStreamErrors,
  type ImageEditParams,
  type ImageEditResponse,
  type ImageEditStream,
  startDeadline,
} from '@retouch/core';
import { createEmitter } from './callbacks/payload.js';
import {
  type CallTrace,
  createChain,
  type RouterNext,
  type RouterOperation,
  type RouterRuntime,
} from './chain.js';
import { type ConfigIssue, parseRouterOptions } from './config.js';
import { type LifecycleNotice, lifecycleNotices } from './deployment-model.js';
import { aliasesOf, buildDeployments, DeploymentIndex, isSelectable } from './deployments.js';
import { RouterClosedError } from './errors.js';
import { attemptStep } from './policies/attempt.js';
import { fallbackLink } from './policies/fallback.js';
import { budgetLink } from './policies/budget.js';
import { knownGroupLink, observeLink, prepareLink } from './policies/lifecycle.js';
import { retryLink } from './policies/retry.js';
import { selectLink } from './policies/select.js';
import { DEFAULTS, toSettings } from './settings.js';
import { type StateHealth, withLocalFallback } from './state/fallback-state.js';
import { createMemoryState } from './state/memory-state.js';
import { createRedisState } from './state/redis-state.js';
import type { RouterState, WindowCount } from './state/state.js';
import { readHandoff, StreamHandoff } from './stream-handoff.js';
import type { CallContext, DeploymentHealth, RouterOptions, SpendReport } from './types.js';

function lifecycleOf(row: CatalogueRow): ModelLifecycle {
  const { status, released, deprecated, shutdown, shutdownEarliest, successor } = row;
  return { status, released, deprecated, shutdown, shutdownEarliest, successor };
}

/** The longest delay a Node timer takes (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Where `router.route()` would send a request now.
 *
 * @example
 * ```ts
 * const { deploymentId }: RouteDecision = await router.route({ model: 'gpt-image-1', image, prompt: 'x' });
 * ```
 */
export interface RouteDecision {
  modelGroup: string;
  deploymentId: string;
  provider: string;
  /** Provider model, without prefix. */
  model: string;
}

/**
 * Load balancing, retries, cooldowns, fallbacks, cost and spend over a LiteLLM-style `model_list`.
 *
 * @example
 * ```ts
 * import { Router, pinoCallback } from '@retouch/router';
 *
 * const router = await Router.create({
 *   model_list: [
 *     { model_name: 'gpt-image-1', litellm_params: { model: 'gpt-image-1', api_key: process.env.OPENAI_KEY_A, weight: 3 } },
 *     { model_name: 'gpt-image-1', litellm_params: { model: 'gpt-image-1', api_key: process.env.OPENAI_KEY_B, weight: 1 } },
 *     { model_name: 'gemini-edit', litellm_params: { model: 'gemini/gemini-2.5-flash-image' } },
 *   ],
 *   fallbacks: [{ 'gpt-image-1': ['gemini-edit'] }],
 *   num_retries: 2,
 *   callbacks: [pinoCallback()],
 * });
 * const response = await router.imageEdit({ model: 'gpt-image-1', image: png, prompt: 'Add a hat', user: 'alice' });
 * response._meta.deploymentId; // which deployment served
 * await router.close();
 * ```
 */
export class Router {
  readonly #runtime: RouterRuntime;
  readonly #ownsState: boolean;
  readonly #configWarnings: readonly ConfigIssue[];
  readonly #run: RouterNext;
  readonly #route: RouterNext<RouteDecision>;
  readonly #spendReport: (() => Promise<SpendReport>) | undefined;
  #closed = false;
  /** How to abort each call in flight (its deadline's own abort): `close()` calls them. (A
   * router-wide signal linked to every call would collect one listener per call in flight.) */
  readonly #inFlight = new Map<Promise<unknown>, (reason: unknown) => void>();

  private constructor(
    runtime: RouterRuntime,
    ownsState: boolean,
    configWarnings: readonly ConfigIssue[],
    spendReport?: () => Promise<SpendReport>,
  ) {
    this.#runtime = runtime;
    this.#spendReport = spendReport;
    this.#configWarnings = configWarnings;
    this.#ownsState = ownsState;
    this.#run = createChain(
      [
        observeLink(runtime),
        knownGroupLink(runtime),
        prepareLink(runtime),
        budgetLink(runtime),
        fallbackLink(runtime),
        retryLink(runtime),
        selectLink(runtime),
      ],
      attemptStep(runtime),
    );
    this.#route = createChain<RouteDecision>(
      [knownGroupLink(runtime), prepareLink(runtime), selectLink(runtime)],
      async (op) => {
        const d = op.deployment;
        if (!d) throw new Error('router chain: nothing selected');
        return { modelGroup: op.group, deploymentId: d.id, provider: d.provider, model: d.providerModel };
      },
    );
  }

  /**
   * Validates options (zod; errors name the bad key path), loads provider packages (a missing one is
   * an error naming the package) and builds the deployments.
   *
   * @example
   * ```ts
   * const router = await Router.create({ model_list: [{ model_name: 'edit', litellm_params: { model: 'gpt-image-1' } }] });
   * ```
   */
  static async create(options: RouterOptions): Promise<Router> {
    const parsed = parseRouterOptions(options);
    const { deployments, warnings } = await buildDeployments(parsed);
    let shared: RouterState | undefined = parsed.state;
    const ownsState = shared === undefined;
    if (!shared && (parsed.redis_host || parsed.redis_url)) {
      shared = createRedisState({
        host: parsed.redis_host,
        port: parsed.redis_port,
        password: parsed.redis_password,
        url: parsed.redis_url,
      });
    }
    // A shared state that fails degrades to this process's own view instead of failing calls.
    const resilient = shared ? withLocalFallback(shared) : undefined;
    const state = resilient ?? createMemoryState();
    const runtime: RouterRuntime = {
      settings: toSettings(parsed),
      state,
      index: new DeploymentIndex(deployments, aliasesOf(parsed)),
      emit: createEmitter(parsed.callbacks ?? []),
      random: Math.random,
      now: Date.now,
      stateHealth: () => resilient?.health() ?? { shared: false, degraded: false },
      lifecycle: { draining: false },
    };
    return new Router(runtime, ownsState, warnings, options.spendReport);
  }

  /**
   * What the options set that nothing reads: each `litellm_params` key that neither the router nor
   * the deployment's provider package knows (a typo such as `api_bse`), with its key path. The
   * proxy logs them at start-up (and refuses to start on them in strict mode).
   *
   * @example
   * ```ts
   * for (const w of router.configWarnings()) console.warn(`${w.path}: ${w.message}`);
   * // model_list[0].litellm_params.api_bse: unknown key for the openai provider (did you mean api_base?), ignored. …
   * ```
   */
  configWarnings(): readonly ConfigIssue[] {
    return this.#configWarnings;
  }

  #operation(
    params: ImageEditParams,
    context: CallContext,
    stream: { handoff: StreamHandoff; stop: AbortController } | undefined,
  ): { op: RouterOperation; call: CallDeadline } {
    if (this.#closed || this.#runtime.lifecycle.draining) throw new RouterClosedError();
    if (typeof params?.model !== 'string' || params.model === '') {
      throw new BadRequestError({ message: 'model: required (a model group)', param: 'model' });
    }
    if (
      params.timeout !== undefined &&
      !(typeof params.timeout === 'number' && params.timeout > 0 && params.timeout <= MAX_TIMER_MS)
    ) {
      throw new BadRequestError({
        message: `timeout: must be a positive number of milliseconds, at most ${MAX_TIMER_MS}`,
        param: 'timeout',
        code: 'invalid_value',
      });
    }
    const { settings, index } = this.#runtime;
    // The call's own deadline, held strongly until the call settles (GC cannot lose it).
    const call = startDeadline({
      timeoutMs: params.timeout ?? settings.timeoutMs,
      signals: [stream?.stop.signal, context.signal, params.signal],
    });
    const { signal } = call;
    const resolved = index.resolve(params.model);
    const trace: CallTrace = {
      attempts: 0,
      tried: new Set(),
      warnings: [],
      startedAt: performance.now(),
      groups: [],
      capability: new Map(),
      failures: [],
    };
    const metadataKey = context.metadata?.user_api_key_hash;
    const op: RouterOperation = {
      requestId: context.requestId ?? randomUUID(),
      params,
      group: resolved?.group ?? params.model,
      deployments: resolved?.deployments ?? [],
      signal,
      deadline: call.deadline,
      user: params.user,
      apiKeyHash: context.apiKeyHash ?? (typeof metadataKey === 'string' ? metadataKey : undefined),
      metadata: context.metadata,
      budgets: context.budgets,
      allowedGroups: context.allowedGroups === undefined ? undefined : new Set(context.allowedGroups),
      onProgress: context.onProgress,
      onSettled: context.onSettled,
      stream: stream?.handoff,
      trace,
    };
    return { op, call };
  }

  #start<T>(
    run: (op: RouterOperation) => Promise<T>,
    params: ImageEditParams,
    context: CallContext,
    stream?: { handoff: StreamHandoff; stop: AbortController },
  ): Promise<T> {
    // Before anything awaits: a stream input that fails while the call waits on state must not crash the process.
    holdStreamErrors(params);
    let promise: Promise<T>;
    let call: CallDeadline | undefined;
    try {
      const started = this.#operation(params, context, stream);
      call = started.call;
      promise = run(started.op);
    } catch (error) {
      call?.dispose();
      return Promise.reject(error);
    }
    this.#inFlight.set(promise, (call as CallDeadline).abort);
    const forget = () => {
      call?.dispose();
      this.#inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Edits images on the best deployment of a model group, with retries, cooldowns and fallbacks.
   * `params.model` is a model group (`model_name`) or a deployment's `litellm_params.model`. The
   * response's `_meta` names the deployment and group that served, the attempts made, the cost and
   * every warning. Every failure is a `RetouchError` (OpenAI-shaped body, HTTP status).
   *
   * @example
   * ```ts
   * const response = await router.imageEdit(
   *   { model: 'gpt-image-1', image: [a, b], prompt: 'Merge them', user: 'alice' },
   *   { requestId: 'req-1', apiKeyHash: 'k1' },
   * );
   * console.log(response._meta.deploymentId, response._meta.attempts, response._meta.costUsd);
   * ```
   */
  imageEdit(params: ImageEditParams, context: CallContext = {}): Promise<ImageEditResponse> {
    try {
      checkNotStreamed((params ?? {}) as Parameters<typeof checkNotStreamed>[0]);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#start(this.#run, params, context);
  }

  /**
   * `imageEdit` as OpenAI's event stream (core's `ImageEditStream`), on every deployment: partial
   * images where the upstream makes them, the final images as `image_edit.completed` events
   * everywhere. Retries, cooldowns and fallbacks apply until the first event, never after (a
   * stream is not replayed), so this resolves at the first event or rejects as `imageEdit` would.
   * The budget hold, the in-flight count and the callbacks (`onSuccess` with `timeToFirstEventMs`)
   * last until the stream has ended; cost and spend come from the completed events' usage.
   *
   * @example
   * ```ts
   * const stream = await router.streamImageEdit({ model: 'gpt-image-1', image: png, prompt: 'Add a hat', partial_images: 2 });
   * console.log(stream.meta.deploymentId, stream.meta.timeToFirstEventMs);
   * for await (const event of stream) console.log(event.type);
   * console.log((await stream.response())._meta.costUsd);
   * ```
   */
  async streamImageEdit(params: ImageEditParams, context: CallContext = {}): Promise<ImageEditStream> {
    holdStreamErrors(params);
    checkStreamParams((params ?? {}) as ImageEditParams);
    const handoff = new StreamHandoff();
    const stop = new AbortController();
    const call = this.#start(this.#run, { ...params, stream: true }, context, { handoff, stop });
    return readHandoff(handoff, call, (reason) => stop.abort(reason));
  }

  /**
   * Where a request would go now (capabilities, cooldowns, order tiers and the strategy), without
   * calling anything. Reads the request's images like `imageEdit` does.
   *
   * @example
   * ```ts
   * (await router.route({ model: 'gpt-image-1', image: png, prompt: 'x' })).deploymentId;
   * ```
   */
  route(params: ImageEditParams, context: CallContext = {}): Promise<RouteDecision> {
    return this.#start(this.#route, params, context);
  }

  /**
   * The configured deployments whose model is deprecated, retired, upgraded to its successor, or
   * served by a family rule, each with a sentence to log. The proxy logs them at start-up.
   *
   * @example
   * ```ts
   * for (const notice of router.lifecycleNotices()) console.warn(notice.message);
   * ```
   */
  lifecycleNotices(): LifecycleNotice[] {
    return lifecycleNotices(this.#runtime.index.all);
  }

  /**
   * Model groups, in `model_list` order.
   *
   * @example
   * ```ts
   * router.modelGroups(); // ['gpt-image-1', 'gemini-edit']
   * ```
   */
  modelGroups(): string[] {
    return this.#runtime.index.groups();
  }

  /**
   * The aliases of model groups (`model_group_alias`, `model_alias_map`), each with its group and
   * whether it is hidden (served, not listed).
   *
   * @example
   * ```ts
   * router.modelAliases(); // [{ alias: 'gpt-4o-image', group: 'gpt-image-1', hidden: false }]
   * ```
   */
  modelAliases(): { alias: string; group: string; hidden: boolean }[] {
    return [...this.#runtime.index.aliases].map(([alias, { group, hidden }]) => ({ alias, group, hidden }));
  }

  /**
   * Every deployment with its health: cooldown, in-flight calls, latency, recent failures.
   *
   * @example
   * ```ts
   * for (const d of await router.deployments()) if (!d.healthy) console.log(d.id, 'cooling until', d.coolingDownUntil);
   * ```
   */
  async deployments(): Promise<DeploymentHealth[]> {
    const { index, state, now } = this.#runtime;
    const stats = await state.getStats(
      index.all.map((d) => d.id),
      { now: now(), inFlight: true, latency: true, failuresWindowMs: DEFAULTS.failureWindowMs },
    );
    return index.all.map((d) => {
      const s = stats.get(d.id);
      const misconfigured = d.client.configurationProblem?.();
      return {
        id: d.id,
        index: d.index,
        modelGroup: d.modelGroup,
        model: d.model,
        provider: d.provider,
        healthy: s?.coolingDownUntil === undefined && misconfigured === undefined,
        misconfigured,
        coolingDownUntil: s?.coolingDownUntil,
        inFlight: s?.inFlight ?? 0,
        latencyMsAvg: s?.latencyMs === undefined ? undefined : Math.round(s.latencyMs),
        failuresLastMinute: s?.failures ?? 0,
        capabilities: d.capabilities,
        servedModel: d.resolved.model,
        lifecycle: lifecycleOf(d.resolved.row),
        price: d.price ?? d.resolved.row.price,
        priceIsOverride: d.price !== undefined,
        selectable: isSelectable(d),
      };
    });
  }

  /**
   * Whether the shared state (Redis) answers: `degraded` while the router routes on this process's
   * own view because it does not. Always healthy with the in-memory state.
   *
   * @example
   * ```ts
   * if (router.stateHealth().degraded) console.warn('Redis is down: routing on local state');
   * ```
   */
  stateHealth(): StateHealth {
    return this.#runtime.stateHealth();
  }

  /**
   * Spend per deployment, model group, end-user and key, and the calls whose cost is unknown.
   *
   * @example
   * ```ts
   * (await router.spend()).byUser.alice; // USD
   * ```
   */
  spend(): Promise<SpendReport> {
    return this.#spendReport ? this.#spendReport() : this.#runtime.state.getSpend();
  }

  /**
   * Counts `amount` in `id`'s current minute unless it already reached `limit`, in the router's
   * state (shared through Redis by every instance): the proxy's per-key rpm and tpm limits.
   *
   * @example
   * ```ts
   * const { ok, resetAt } = await router.countInWindow(`rpm:${keyHash}`, 1, 60);
   * if (!ok) throw new RateLimitError({ message: 'slow down', retryAfterMs: resetAt - Date.now() });
   * ```
   */
  countInWindow(id: string, amount: number, limit: number): Promise<WindowCount> {
    return this.#runtime.state.countInWindow(id, amount, limit, this.#runtime.now());
  }

  /**
   * The first step of a bounded shutdown: refuses new calls (503 `router_closed`) and lets the
   * calls in flight finish their current attempt, but starts no retry and no fallback for them
   * (no new paid attempt after shutdown began). `close()` then aborts what is left.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', async () => {
   *   router.drain();
   *   setTimeout(() => router.close(), 20_000); // the grace period
   * });
   * ```
   */
  drain(): void {
    this.#runtime.lifecycle.draining = true;
  }

  /**
   * Refuses new calls, aborts the calls in flight, and releases the state the router created
   * (a `state` passed in stays open: it may be shared).
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => router.close());
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const abort of this.#inFlight.values()) abort(new RouterClosedError());
    await Promise.allSettled([...this.#inFlight.keys()]);
    if (this.#ownsState) await this.#runtime.state.close();
  }
}
