/**
 * What the console shows, kept in this process's memory: the last edits (for Logs), per-minute
 * counts and latency histograms for a day (for the Overview charts), spend per UTC day for two
 * months, and each deployment's recent failed attempts. Every update is O(1) and bounded, so
 * recording costs the edit path nothing measurable; reading builds the views on demand.
 * @module
 */
import type {
  ConsoleFailure,
  ConsoleLogEntry,
  ConsoleMinute,
  ConsoleOverview,
  ConsoleSpend,
} from '@retouch/proxy-console';
import type { RouterCallback, RouterLogPayload } from '@retouch/router';
import { addLatency, emptyBins, type LatencyBins, mergeBins, percentile } from './latency-histogram.js';

const MINUTE = 60_000;
const KEEP_MINUTES = 24 * 60;
const KEEP_DAYS = 62;
const FAILURES_PER_DEPLOYMENT = 50;
const PENDING_OUTCOMES = 2000;

/** One answered edit request. */
export interface EditRecord extends Omit<ConsoleLogEntry, 'at' | 'status' | 'latencyMs'> {
  /** Epoch ms of the answer. */
  at: number;
  status: number;
  latencyMs: number;
  keyHash: string | null;
}

/** Filters of {@link ConsoleRecorder.logs}. */
export interface LogFilter {
  status?: 'ok' | 'error';
  model?: string;
  /** Alias or key hash (or the start of one). */
  key?: string;
  /** End-user (or part of it). */
  user?: string;
  /** One request, by its id (`x-request-id`). */
  requestId?: string;
  limit?: number;
}

interface MinuteAgg {
  /** The UTC day of the minute, `YYYY-MM-DD`. */
  day: string;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  bins: LatencyBins;
  costUsd: number;
  byModelGroup: Map<string, number>;
  byDeployment: Map<string, number>;
}

interface DayAgg {
  totalUsd: number;
  byModelGroup: Map<string, number>;
  byDeployment: Map<string, number>;
  unpricedCalls: number;
}

interface Failure extends Omit<ConsoleFailure, 'at'> {
  at: number;
}

/** The serving (or last failed) deployment of a call, as the router's callbacks told it. */
export interface CallOutcome {
  deploymentId?: string;
  provider?: string;
  attempts: number;
}

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const plain = (map: Map<string, number>) => Object.fromEntries(map);

function windowOf(aggs: readonly MinuteAgg[]): ConsoleOverview['window'] {
  const bins = emptyBins();
  let requests = 0;
  let clientErrors = 0;
  let serverErrors = 0;
  for (const m of aggs) {
    requests += m.requests;
    clientErrors += m.clientErrors;
    serverErrors += m.serverErrors;
    mergeBins(bins, m.bins);
  }
  return {
    requests,
    clientErrors,
    serverErrors,
    p50Ms: percentile(bins, 0.5),
    p95Ms: percentile(bins, 0.95),
  };
}

/** Options of {@link ConsoleRecorder}. */
export interface ConsoleRecorderOptions {
  /** Edits kept for the Logs page. Defaults to 1000. */
  capacity?: number;
  /** The clock (tests). Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * The console's in-memory record of a proxy's traffic.
 *
 * @example
 * ```ts
 * const recorder = new ConsoleRecorder();
 * const router = await Router.create({ ...options, callbacks: [recorder.callback] });
 * recorder.record({ requestId: 'r1', at: Date.now(), status: 200, ok: true, stream: false, modelGroup: 'edit', deployment: 'a', provider: 'openai',
 *   attempts: 1, costUsd: 0.04, latencyMs: 840, user: null, keyAlias: 'master', keyHash: null, errorCode: null, errorMessage: null });
 * recorder.logs({ status: 'ok' }).length; // 1
 * ```
 */
export class ConsoleRecorder {
  readonly capacity: number;
  readonly since: number;
  readonly #now: () => number;
  readonly #entries: EditRecord[] = [];
  #next = 0;
  readonly #minutes = new Map<number, MinuteAgg>();
  readonly #days = new Map<string, DayAgg>();
  readonly #failures = new Map<string, Failure[]>();
  readonly #outcomes = new Map<string, CallOutcome>();
  readonly #seenFailures = new Set<string>();

  constructor(options: ConsoleRecorderOptions = {}) {
    this.capacity = options.capacity ?? 1000;
    this.#now = options.now ?? Date.now;
    this.since = this.#now();
  }

  /** Feeds the router's events: each deployment's failed attempts and each call's outcome. */
  readonly callback: RouterCallback = {
    onRetry: (p) => this.#failed(p),
    onFallback: (p) => this.#failed(p),
    onFailure: (p) => {
      this.#failed(p);
      this.#remember(p);
    },
    onSuccess: (p) => this.#remember(p),
  };

  #remember(p: RouterLogPayload): void {
    this.#outcomes.set(p.requestId, {
      deploymentId: p.deploymentId,
      provider: p.provider,
      attempts: p.attempts,
    });
    if (this.#outcomes.size > PENDING_OUTCOMES) {
      const oldest = this.#outcomes.keys().next().value;
      if (oldest !== undefined) this.#outcomes.delete(oldest);
    }
  }

  #failed(p: RouterLogPayload): void {
    if (!p.deploymentId) return;
    // A call's final `failure` repeats the deployment of its last `retry`/`fallback` when no
    // further attempt was made (the group ran out of deployments): count each attempt once.
    const id = `${p.requestId}\u0000${p.attempts}\u0000${p.deploymentId}`;
    if (this.#seenFailures.has(id)) return;
    this.#seenFailures.add(id);
    if (this.#seenFailures.size > PENDING_OUTCOMES) {
      const oldest = this.#seenFailures.values().next().value;
      if (oldest !== undefined) this.#seenFailures.delete(oldest);
    }
    const list = this.#failures.get(p.deploymentId) ?? [];
    list.push({
      at: this.#now(),
      errorClass: p.errorClass ?? 'Error',
      status: p.errorStatus ?? null,
      message: (p.errorMessage ?? '').slice(0, 500),
    });
    if (list.length > FAILURES_PER_DEPLOYMENT) list.shift();
    this.#failures.set(p.deploymentId, list);
  }

  /** The router's outcome of a call, once (the proxy merges it into the call's record). */
  takeOutcome(requestId: string): CallOutcome | undefined {
    const outcome = this.#outcomes.get(requestId);
    this.#outcomes.delete(requestId);
    return outcome;
  }

  /** Records one answered edit request. */
  record(entry: EditRecord): void {
    if (this.#entries.length < this.capacity) this.#entries.push(entry);
    else this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;

    const start = Math.floor(entry.at / MINUTE) * MINUTE;
    let minute = this.#minutes.get(start);
    if (!minute) {
      minute = {
        day: dayOf(start),
        requests: 0,
        clientErrors: 0,
        serverErrors: 0,
        bins: emptyBins(),
        costUsd: 0,
        byModelGroup: new Map(),
        byDeployment: new Map(),
      };
      this.#minutes.set(start, minute);
      for (const t of this.#minutes.keys()) {
        if (t >= start - KEEP_MINUTES * MINUTE) break;
        this.#minutes.delete(t);
      }
    }
    minute.requests++;
    // A stream that broke after its 200 counts as what it became: a 499 when the client left,
    // else a server-side failure.
    const status =
      entry.status < 400 && !entry.ok
        ? entry.errorCode === 'client_closed_request'
          ? 499
          : 500
        : entry.status;
    if (status >= 500) minute.serverErrors++;
    else if (status >= 400) minute.clientErrors++;
    else addLatency(minute.bins, entry.latencyMs);
    if (entry.modelGroup) bump(minute.byModelGroup, entry.modelGroup);
    if (entry.deployment) bump(minute.byDeployment, entry.deployment);
    if (status < 400) this.#spend(entry, minute);
  }

  #spend(entry: EditRecord, minute: MinuteAgg): void {
    const key = minute.day;
    let day = this.#days.get(key);
    if (!day) {
      day = { totalUsd: 0, byModelGroup: new Map(), byDeployment: new Map(), unpricedCalls: 0 };
      this.#days.set(key, day);
      const oldest = dayOf(entry.at - KEEP_DAYS * 24 * 60 * MINUTE);
      for (const k of this.#days.keys()) if (k < oldest) this.#days.delete(k);
    }
    if (typeof entry.costUsd !== 'number') {
      day.unpricedCalls++;
      return;
    }
    minute.costUsd += entry.costUsd;
    day.totalUsd += entry.costUsd;
    if (entry.modelGroup) bump(day.byModelGroup, entry.modelGroup, entry.costUsd);
    if (entry.deployment) bump(day.byDeployment, entry.deployment, entry.costUsd);
  }

  /** The recorded edits that match, newest first. */
  logs(filter: LogFilter = {}): ConsoleLogEntry[] {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), this.capacity);
    const key = filter.key?.toLowerCase();
    const user = filter.user?.toLowerCase();
    const out: ConsoleLogEntry[] = [];
    const count = this.#entries.length;
    for (let i = 1; i <= count && out.length < limit; i++) {
      const e = this.#entries[(this.#next - i + count) % count] as EditRecord;
      if (filter.status === 'ok' && !e.ok) continue;
      if (filter.status === 'error' && e.ok) continue;
      if (filter.requestId && e.requestId !== filter.requestId) continue;
      if (filter.model && e.modelGroup !== filter.model) continue;
      if (key && !(e.keyAlias?.toLowerCase().startsWith(key) || e.keyHash?.startsWith(key))) continue;
      if (user && !e.user?.toLowerCase().includes(user)) continue;
      const { keyHash: _hash, ...shown } = e;
      out.push({ ...shown, at: new Date(e.at).toISOString() });
    }
    return out;
  }

  /** The last `count` minutes (the current one included), oldest first, and their sum. */
  minutes(count: number): Pick<ConsoleOverview, 'minutes' | 'window'> {
    const last = Math.floor(this.#now() / MINUTE) * MINUTE;
    const minutes: ConsoleMinute[] = [];
    const aggs: MinuteAgg[] = [];
    for (let t = last - (count - 1) * MINUTE; t <= last; t += MINUTE) {
      const m = this.#minutes.get(t);
      if (m) aggs.push(m);
      minutes.push({
        t,
        requests: m?.requests ?? 0,
        clientErrors: m?.clientErrors ?? 0,
        serverErrors: m?.serverErrors ?? 0,
        p50Ms: m ? percentile(m.bins, 0.5) : null,
        p95Ms: m ? percentile(m.bins, 0.95) : null,
        costUsd: m?.costUsd ?? 0,
        byModelGroup: m ? plain(m.byModelGroup) : {},
        byDeployment: m ? plain(m.byDeployment) : {},
      });
    }
    return { minutes, window: windowOf(aggs) };
  }

  /** Spend today and this calendar month (UTC). */
  spend(): { today: ConsoleSpend; month: ConsoleSpend } {
    const today = dayOf(this.#now());
    const month = today.slice(0, 7);
    const sum = (days: DayAgg[]): ConsoleSpend => {
      const byModelGroup = new Map<string, number>();
      const byDeployment = new Map<string, number>();
      let totalUsd = 0;
      let unpricedCalls = 0;
      for (const d of days) {
        totalUsd += d.totalUsd;
        unpricedCalls += d.unpricedCalls;
        for (const [k, v] of d.byModelGroup) bump(byModelGroup, k, v);
        for (const [k, v] of d.byDeployment) bump(byDeployment, k, v);
      }
      return {
        totalUsd,
        byModelGroup: plain(byModelGroup),
        byDeployment: plain(byDeployment),
        unpricedCalls,
      };
    };
    const day = this.#days.get(today);
    return {
      today: sum(day ? [day] : []),
      month: sum([...this.#days].filter(([k]) => k.startsWith(month)).map(([, d]) => d)),
    };
  }

  /** A deployment's failed attempts since `sinceMs`: counts by class and the last 10, newest first. */
  failures(
    deploymentId: string,
    sinceMs: number,
  ): { kinds: Record<string, number>; recent: ConsoleFailure[] } {
    const list = (this.#failures.get(deploymentId) ?? []).filter((f) => f.at >= sinceMs);
    const kinds = new Map<string, number>();
    for (const f of list) bump(kinds, f.errorClass);
    const recent = list
      .slice(-10)
      .reverse()
      .map((f) => ({ ...f, at: new Date(f.at).toISOString() }));
    return { kinds: plain(kinds), recent };
  }
}
