/**
 * Running one request shape against several targets in alternating rounds and reducing what the
 * load client and `/proc` saw to one row per target.
 * @module
 */
import type { LoadClient, ProcessSample, Upstream } from './processes.js';
import { resetPeak, sample } from './processes.js';
import type { LoadResult, UpstreamStats } from './protocol.js';

/** Somewhere to send requests: straight to the upstream, or through a proxy. */
export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The proxy's process (none for direct). */
  pid?: number;
}

/** A request body written to a file for the load client. */
export interface BodyFile {
  label: string;
  file: string;
  bytes: number;
  contentType: string;
}

/** One run's numbers. */
export interface Measured {
  result: LoadResult;
  /** CPU the proxy process spent, in ms (0 for direct). */
  proxyCpuMs: number;
  upstreamCpuMs: number;
  clientCpuMs: number;
  /** Peak RSS of the proxy process during the run, MiB. */
  peakMiB: number;
  upstream: UpstreamStats;
}

/** What every run needs. */
export interface Harness {
  client: LoadClient;
  upstream: Upstream;
  budgetMs: number;
  timeoutMs: number;
}

/**
 * One load run against `target`, with the CPU and memory of each process around it.
 *
 * @example
 * ```ts
 * const m = await measure(harness, retouch, edit, { total: 320, concurrency: 16 });
 * ```
 */
export async function measure(
  harness: Harness,
  target: Target,
  body: BodyFile,
  load: { total: number; concurrency: number; stream?: boolean },
): Promise<Measured> {
  const { client, upstream } = harness;
  await upstream.stats();
  if (target.pid) await resetPeak(target.pid);
  const none: ProcessSample = { cpuMs: 0, rssMiB: 0, peakMiB: 0 };
  const [p0, u0, c0] = await Promise.all([
    target.pid ? sample(target.pid) : none,
    sample(upstream.pid),
    sample(client.pid),
  ]);
  const result = await client.run({
    url: target.url,
    headers: target.headers,
    bodyFile: body.file,
    contentType: body.contentType,
    total: load.total,
    concurrency: load.concurrency,
    stream: load.stream,
    budgetMs: harness.budgetMs,
    timeoutMs: harness.timeoutMs,
  });
  const [p1, u1, c1] = await Promise.all([
    target.pid ? sample(target.pid) : none,
    sample(upstream.pid),
    sample(client.pid),
  ]);
  return {
    result,
    proxyCpuMs: p1.cpuMs - p0.cpuMs,
    upstreamCpuMs: u1.cpuMs - u0.cpuMs,
    clientCpuMs: c1.cpuMs - c0.cpuMs,
    peakMiB: p1.peakMiB,
    upstream: await upstream.stats(),
  };
}

/**
 * Sends `body` to `target` for `seconds`, unmeasured: V8 keeps
 * optimising a proxy's hot paths for thousands of requests (retouch's CPU per request still fell
 * by a third between its 300th and 5,000th edit), so a fixed handful of requests compares one
 * target's steady state with another's warm-up.
 *
 * @example
 * ```ts
 * await warmUp(harness, retouch, edit, { seconds: 10, concurrency: 16 });
 * ```
 */
export async function warmUp(
  harness: Harness,
  target: Target,
  body: BodyFile,
  load: { seconds: number; concurrency: number },
): Promise<void> {
  await measure({ ...harness, budgetMs: load.seconds * 1000 }, target, body, {
    total: Number.MAX_SAFE_INTEGER,
    concurrency: load.concurrency,
  });
}

/** A target's runs of one scenario, reduced. */
export interface Row {
  target: string;
  requests: number;
  failed: number;
  firstError?: string;
  p50: number;
  p90: number;
  p99: number;
  /** Requests a second over every run (successes / wall time). */
  rps: number;
  /** Each round's requests a second. */
  rpsPerRound: number[];
  /** Request body bytes a second. */
  mbPerSecond: number;
  /** Time to the first partial image (streamed edits), ms. */
  firstEventP50?: number;
  firstEventP90?: number;
  /** The proxy's CPU per request, ms. */
  proxyCpuMsPerRequest: number;
  /** The upstream's and the load client's CPU per request, ms. */
  upstreamCpuMsPerRequest: number;
  clientCpuMsPerRequest: number;
  /** The proxy's peak RSS over the runs, MiB. */
  peakMiB: number;
  /** Body bytes the upstream received per request (a proxy may re-encode). */
  upstreamBytesPerRequest: number;
}

/**
 * The `q` quantile of `values` (nearest rank), NaN when empty.
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5); // 2
 * ```
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/**
 * Reduces a target's runs to a row.
 *
 * @example
 * ```ts
 * const row = reduce('retouch', runs, body.bytes);
 * ```
 */
export function reduce(target: string, runs: readonly Measured[], bodyBytes: number): Row {
  const samples = runs.flatMap((m) => m.result.samples);
  const firstEvent = runs.flatMap((m) => m.result.firstEvent);
  const wall = runs.reduce((s, m) => s + m.result.wallMs, 0);
  const ok = samples.length;
  const failed = runs.reduce((s, m) => s + Object.values(m.result.errors).reduce((a, b) => a + b, 0), 0);
  const perRequest = (pick: (m: Measured) => number) =>
    ok === 0 ? Number.NaN : runs.reduce((s, m) => s + pick(m), 0) / ok;
  const upstreamRequests = runs.reduce((s, m) => s + m.upstream.requests, 0);
  return {
    target,
    requests: ok,
    failed,
    firstError: runs.find((m) => m.result.firstError)?.result.firstError,
    p50: quantile(samples, 0.5),
    p90: quantile(samples, 0.9),
    p99: quantile(samples, 0.99),
    rps: wall > 0 ? (ok / wall) * 1000 : 0,
    rpsPerRound: runs.map((m) =>
      m.result.wallMs > 0 ? (m.result.samples.length / m.result.wallMs) * 1000 : 0,
    ),
    mbPerSecond: wall > 0 ? (ok * bodyBytes) / (wall / 1000) / 1024 / 1024 : 0,
    firstEventP50: firstEvent.length ? quantile(firstEvent, 0.5) : undefined,
    firstEventP90: firstEvent.length ? quantile(firstEvent, 0.9) : undefined,
    proxyCpuMsPerRequest: perRequest((m) => m.proxyCpuMs),
    upstreamCpuMsPerRequest: perRequest((m) => m.upstreamCpuMs),
    clientCpuMsPerRequest: perRequest((m) => m.clientCpuMs),
    peakMiB: Math.max(0, ...runs.map((m) => m.peakMiB)),
    upstreamBytesPerRequest:
      upstreamRequests > 0 ? runs.reduce((s, m) => s + m.upstream.bodyBytes, 0) / upstreamRequests : 0,
  };
}

/**
 * Runs `load` against every target, `rounds` times, each round in a rotated order so that drift
 * and warm-up hit every target alike; returns one row per target.
 *
 * @example
 * ```ts
 * const rows = await alternate(harness, [direct, retouch, portkey], edit, { total: 320, concurrency: 16 }, 3);
 * ```
 */
export async function alternate(
  harness: Harness,
  targets: readonly Target[],
  body: BodyFile,
  load: { total: number; concurrency: number; stream?: boolean },
  rounds: number,
): Promise<Row[]> {
  const runs = new Map<string, Measured[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length] as Target;
      runs.get(target.name)?.push(await measure(harness, target, body, load));
    }
  }
  return targets.map((t) => reduce(t.name, runs.get(t.name) ?? [], body.bytes));
}
