/**
 * Prometheus metrics (prom-client, one registry per proxy): requests, latency, upstream errors by
 * class, cost, deployment cooldowns and in-flight calls. Upstream events arrive through a router
 * callback; deployment state is read from the router when `/metrics` is scraped.
 * @module
 */
import type { DeploymentHealth, RouterCallback } from '@retouch/router';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The proxy's metrics. */
export interface ProxyMetrics {
  readonly registry: Registry;
  /** Counts and times one HTTP request. */
  observeRequest(
    labels: { route: string; method: string; status: number; modelGroup?: string },
    seconds: number,
  ): void;
  /** Counts one full collection run because the proxy went idle after a burst. */
  observeIdleMemoryRelease(): void;
  /** Feeds upstream retries, fallbacks, failures and cost. */
  readonly callback: RouterCallback;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Read on every scrape for the cooldown and in-flight gauges. */
  deployments?: () => Promise<DeploymentHealth[]>;
  /** Read on every scrape: edit requests received and not yet answered. */
  editsInFlight?: () => number;
  /** Also export Node process metrics (CPU, memory, event loop). Defaults to true. */
  processMetrics?: boolean;
}

/**
 * Creates the proxy's metrics in their own registry.
 *
 * @example
 * ```ts
 * import { createMetrics } from '@retouch/proxy';
 *
 * const metrics = createMetrics({ deployments: () => router.deployments() });
 * metrics.observeRequest({ route: '/v1/images/edits', method: 'POST', status: 200, modelGroup: 'edit' }, 0.42);
 * console.log(await metrics.render()); // retouch_requests_total{…} 1 …
 * ```
 */
export function createMetrics(options: MetricsOptions = {}): ProxyMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'retouch_' });
  const requests = new Counter({
    name: 'retouch_requests_total',
    help: 'HTTP requests answered, by route, method, status and model group.',
    labelNames: ['route', 'method', 'status', 'model_group'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'retouch_request_duration_seconds',
    help: 'Time to answer an HTTP request, in seconds.',
    labelNames: ['route', 'status', 'model_group'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'retouch_upstream_errors_total',
    help: 'Failed upstream attempts, by error class, model group, deployment and provider.',
    labelNames: ['error_class', 'model_group', 'deployment', 'provider'] as const,
    registers: [registry],
  });
  const upstreamSuccess = new Counter({
    name: 'retouch_upstream_success_total',
    help: 'Edits served, by model group, deployment and provider.',
    labelNames: ['model_group', 'deployment', 'provider'] as const,
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'retouch_fallbacks_total',
    help: 'Fallbacks from one model group to another.',
    labelNames: ['from', 'to'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'retouch_cost_usd_total',
    help: 'Spend in USD, by model group, deployment and provider.',
    labelNames: ['model_group', 'deployment', 'provider'] as const,
    registers: [registry],
  });
  const unpriced = new Counter({
    name: 'retouch_unpriced_calls_total',
    help: 'Edits whose cost could not be known (never counted as 0).',
    labelNames: ['model_group', 'deployment', 'provider'] as const,
    registers: [registry],
  });
  const firstEvent = new Histogram({
    name: 'retouch_time_to_first_event_seconds',
    help: 'Streamed edits: time from the request to its first event (a partial or the final image), in seconds.',
    labelNames: ['model_group', 'deployment', 'provider'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
    registers: [registry],
  });
  const idleReleases = new Counter({
    name: 'retouch_idle_memory_releases_total',
    help: 'Full garbage collections run because the proxy went idle after a burst grew its memory (general_settings.idle_memory_release_ms).',
    registers: [registry],
  });
  const deployments = options.deployments;
  new Gauge({
    name: 'retouch_deployment_cooling_down',
    help: '1 while a deployment is cooling down, else 0.',
    labelNames: ['deployment', 'model_group', 'provider'] as const,
    registers: [registry],
    async collect() {
      if (!deployments) return;
      this.reset();
      for (const d of await deployments().catch(() => [])) {
        this.set({ deployment: d.id, model_group: d.modelGroup, provider: d.provider }, d.healthy ? 0 : 1);
      }
    },
  });
  new Gauge({
    name: 'retouch_deployment_in_flight',
    help: 'Calls in flight per deployment.',
    labelNames: ['deployment', 'model_group', 'provider'] as const,
    registers: [registry],
    async collect() {
      if (!deployments) return;
      this.reset();
      for (const d of await deployments().catch(() => [])) {
        this.set({ deployment: d.id, model_group: d.modelGroup, provider: d.provider }, d.inFlight);
      }
    },
  });

  const editsInFlight = options.editsInFlight;
  new Gauge({
    name: 'retouch_edits_in_flight',
    help: 'Edit requests received and not yet answered (or aborted).',
    registers: [registry],
    collect() {
      if (editsInFlight) this.set(editsInFlight());
    },
  });

  const upstreamError: RouterCallback['onRetry'] = (p) => {
    // Only failures of an upstream attempt: request validation fails before any deployment.
    if (!p.deploymentId) return;
    upstreamErrors.inc({
      error_class: p.errorClass ?? 'Error',
      model_group: p.modelGroup,
      deployment: p.deploymentId,
      provider: p.provider ?? 'unknown',
    });
  };
  const timeToFirstEvent = (p: Parameters<NonNullable<RouterCallback['onSuccess']>>[0]) => {
    if (p.timeToFirstEventMs === undefined) return;
    firstEvent.observe(
      {
        model_group: p.modelGroup,
        deployment: p.deploymentId ?? 'unknown',
        provider: p.provider ?? 'unknown',
      },
      p.timeToFirstEventMs / 1000,
    );
  };
  const callback: RouterCallback = {
    onRetry: upstreamError,
    onFailure(p) {
      upstreamError(p);
      // A stream that broke after its first event still delivered that event.
      timeToFirstEvent(p);
    },
    onFallback(p) {
      upstreamError(p);
      fallbacks.inc({ from: p.modelGroup, to: p.fallbackTo ?? 'unknown' });
    },
    onSuccess(p) {
      timeToFirstEvent(p);
      const labels = {
        model_group: p.modelGroup,
        deployment: p.deploymentId ?? 'unknown',
        provider: p.provider ?? 'unknown',
      };
      upstreamSuccess.inc(labels);
      if (typeof p.costUsd === 'number') cost.inc(labels, p.costUsd);
      else unpriced.inc(labels);
    },
  };

  return {
    registry,
    callback,
    contentType: registry.contentType,
    observeRequest(labels, seconds) {
      const common = {
        route: labels.route,
        status: String(labels.status),
        model_group: labels.modelGroup ?? '',
      };
      requests.inc({ ...common, method: labels.method });
      latency.observe(common, seconds);
    },
    observeIdleMemoryRelease: () => idleReleases.inc(),
    render: () => registry.metrics(),
  };
}
