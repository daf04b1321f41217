/**
 * A `RouterState` in Redis (`ioredis`), so several router instances (proxy replicas) share
 * cooldowns, failure counts, in-flight counts, latency, usage windows and spend. Every read goes to
 * Redis (no batching or local cache), so a cooldown set by one instance is seen by the next pick of
 * every other. Updates that read and write are Lua scripts, so they are atomic across instances.
 * @module
 */
import type { ChainableCommander, Redis as RedisClient, RedisOptions } from 'ioredis';
import type { SpendReport } from '../types.js';
import {
  type BudgetLimit,
  type BudgetReservation,
  type DeploymentStats,
  emptyStats,
  extraBudgets,
  LATENCY_ALPHA,
  minuteOf,
  type ReserveResult,
  type RouterState,
  type SpendEntry,
  type StatsQuery,
} from './state.js';

/**
 * Settings of {@link createRedisState}.
 *
 * @example
 * ```ts
 * const options: RedisStateOptions = { host: '127.0.0.1', port: 6379, keyPrefix: 'prod:router:' };
 * ```
 */
export interface RedisStateOptions {
  /** `redis://[:password@]host:port/db`; wins over `host`/`port`. */
  url?: string;
  host?: string;
  port?: number;
  password?: string;
  username?: string;
  db?: number;
  /** Prefix of every key, so several routers can share one Redis. Defaults to `retouch:router:`. */
  keyPrefix?: string;
  /** A client you own (it is not closed by `close()`); `host`/`port` are then ignored. */
  client?: RedisClient;
  /** Further `ioredis` options. */
  redisOptions?: RedisOptions;
}

// Extend-only cooldown: an active longer cooldown is never shortened (LiteLLM #40130).
const COOLDOWN_LUA = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local target = tonumber(ARGV[1])
if current >= target then return tostring(current) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]`;

const LATENCY_LUA = `
local current = redis.call('GET', KEYS[1])
local sample = tonumber(ARGV[1])
local alpha = tonumber(ARGV[2])
local value = sample
if current then value = alpha * sample + (1 - alpha) * tonumber(current) end
redis.call('SET', KEYS[1], tostring(value), 'EX', 3600)
return tostring(value)`;

// Check-then-hold for every budget in one script. KEYS: per budget, its spend hash and its
// reservations (a sorted set of "<id>|<amount>" scored by expiry). ARGV: member, now, expiry, then
// per budget its spend field, its limit and its seed (where a budget the state has no count for
// starts). Numbers go back as strings (Lua would truncate them).
const RESERVE_LUA = `
local member, now, expires = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local spent = {}
for i = 1, #KEYS / 2 do
  local holds = KEYS[2 * i]
  redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
  local reserved = 0
  for _, held in ipairs(redis.call('ZRANGE', holds, 0, -1)) do
    reserved = reserved + (tonumber(string.match(held, '|([^|]*)$')) or 0)
  end
  local field, seed = ARGV[1 + 3 * i], tonumber(ARGV[3 + 3 * i])
  local current = redis.call('HGET', KEYS[2 * i - 1], field)
  if not current and seed > 0 then
    redis.call('HSET', KEYS[2 * i - 1], field, ARGV[3 + 3 * i])
    current = ARGV[3 + 3 * i]
  end
  local s = tonumber(current or '0')
  if s + reserved >= tonumber(ARGV[2 + 3 * i]) then
    return {'0', tostring(i), tostring(s), tostring(reserved)}
  end
  spent[i] = tostring(s)
end
for i = 1, #KEYS / 2 do
  local holds = KEYS[2 * i]
  redis.call('ZADD', holds, expires, member)
  if redis.call('PTTL', holds) < expires - now then redis.call('PEXPIRE', holds, expires - now) end
end
return {'1', unpack(spent)}`;

// A fixed minute window: add unless the count reached the limit. KEYS: the window. ARGV: amount, limit.
const WINDOW_LUA = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[2]) then return {'0', tostring(count)} end
count = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], 61000)
return {'1', tostring(count)}`;

interface Scripts {
  retouchWindow(key: string, amount: string, limit: string): Promise<string[]>;
  retouchCooldown(key: string, until: string, ttlMs: string): Promise<string>;
  retouchLatency(key: string, sample: string, alpha: string): Promise<string>;
  retouchReserve(...keysThenArgs: string[]): Promise<string[]>;
}

const num = (value: unknown): number => {
  const parsed = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  return Number.isFinite(parsed) ? parsed : 0;
};

function toRecord(hash: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries((hash ?? {}) as Record<string, string>)) out[key] = num(value);
  return out;
}

/** Unwraps a pipeline result, turning a command error into a throw. */
function results(replies: [Error | null, unknown][] | null): unknown[] {
  if (!replies) throw new Error('redis transaction aborted');
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/**
 * Creates a Redis-backed `RouterState`. `ioredis` is loaded on first use; commands time out after
 * 2 s (the router then carries on without state for that call, with a warning).
 *
 * @example
 * ```ts
 * const state = createRedisState({ host: '127.0.0.1', port: 6379 });
 * const a = await Router.create({ model_list, state });
 * const b = await Router.create({ model_list, state: createRedisState({ host: '127.0.0.1', port: 6379 }) });
 * // a cooldown `a` sets is seen by `b`'s next pick
 * ```
 */
export function createRedisState(options: RedisStateOptions = {}): RouterState {
  const prefix = options.keyPrefix ?? 'retouch:router:';
  const key = (...parts: (string | number)[]) => `${prefix}${parts.join(':')}`;
  let clientPromise: Promise<RedisClient> | undefined;
  let failedConnect: { at: number; error: unknown } | undefined;

  const client = (): Promise<RedisClient> => {
    // After a failed first connection, calls fail fast for a second instead of each dialling again.
    if (!clientPromise && failedConnect && Date.now() - failedConnect.at < 1000) {
      return Promise.reject(failedConnect.error);
    }
    clientPromise ??= (async () => {
      const settings: RedisOptions = {
        ...(options.url ? {} : { host: options.host ?? '127.0.0.1', port: options.port ?? 6379 }),
        password: options.password,
        username: options.username,
        db: options.db,
        // Fail fast while Redis is unreachable (the router then routes without state) instead of
        // queueing commands behind reconnects.
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        commandTimeout: 2000,
        // How long a dead connection may linger after `close()` (it would hold the process open).
        disconnectTimeout: 200,
        ...options.redisOptions,
      };
      let redis = options.client;
      if (!redis) {
        const { Redis } = await import('ioredis');
        redis = options.url ? new Redis(options.url, settings) : new Redis(settings);
      }
      // Errors surface on the commands; an unhandled 'error' event would crash the process.
      redis.on('error', () => {});
      if (redis.status === 'wait') {
        try {
          await redis.connect();
        } catch (error) {
          redis.disconnect();
          throw error;
        }
      }
      redis.defineCommand('retouchCooldown', { numberOfKeys: 1, lua: COOLDOWN_LUA });
      redis.defineCommand('retouchLatency', { numberOfKeys: 1, lua: LATENCY_LUA });
      redis.defineCommand('retouchReserve', { lua: RESERVE_LUA });
      redis.defineCommand('retouchWindow', { numberOfKeys: 1, lua: WINDOW_LUA });
      return redis;
    })();
    // A failed first connection is retried by the next call.
    clientPromise.catch((error: unknown) => {
      clientPromise = undefined;
      failedConnect = { at: Date.now(), error };
    });
    return clientPromise;
  };
  const scripts = async () => (await client()) as unknown as Scripts;
  const spendHash = (budget: BudgetLimit) => key('spend', budget.scope === 'key' ? 'key' : 'user');
  const holdsKey = (budget: BudgetLimit) => key('budget', budget.scope, budget.id);
  const holdMember = (reservation: BudgetReservation) => `${reservation.id}|${reservation.amountUsd}`;
  /** Queues the writes of one spend entry on a transaction. */
  const queueSpend = (multi: ChainableCommander, entry: SpendEntry) => {
    if (entry.costUsd === null) {
      multi.incr(key('spend', 'unpriced'));
      return;
    }
    const cost = String(entry.costUsd);
    multi
      .incrbyfloat(key('spend', 'total'), cost)
      .hincrbyfloat(key('spend', 'deployment'), entry.deploymentId, cost)
      .hincrbyfloat(key('spend', 'group'), entry.modelGroup, cost);
    if (entry.user !== undefined) multi.hincrbyfloat(key('spend', 'user'), entry.user, cost);
    if (entry.key !== undefined) multi.hincrbyfloat(key('spend', 'key'), entry.key, cost);
  };

  return {
    async getStats(ids: readonly string[], query: StatsQuery): Promise<Map<string, DeploymentStats>> {
      const redis = await client();
      const pipeline = redis.pipeline();
      const minute = minuteOf(query.now);
      for (const id of ids) {
        pipeline.get(key('cooldown', id));
        if (query.inFlight) pipeline.get(key('inflight', id));
        if (query.latency) pipeline.get(key('latency', id));
        if (query.usage) pipeline.hmget(key('usage', id, minute), 'requests', 'tokens');
        if (query.failuresWindowMs !== undefined) {
          pipeline.zcount(key('fails', id), `(${query.now - query.failuresWindowMs}`, '+inf');
        }
      }
      const values = results(await pipeline.exec());
      const stats = new Map<string, DeploymentStats>();
      let index = 0;
      for (const id of ids) {
        const s = emptyStats();
        const until = num(values[index++]);
        if (until > query.now) s.coolingDownUntil = until;
        if (query.inFlight) s.inFlight = Math.max(0, num(values[index++]));
        if (query.latency) {
          const latency = values[index++];
          if (latency !== null) s.latencyMs = num(latency);
        }
        if (query.usage) {
          const [requests, tokens] = values[index++] as [string | null, string | null];
          s.requestsThisMinute = num(requests);
          s.tokensThisMinute = num(tokens);
        }
        if (query.failuresWindowMs !== undefined) s.failures = num(values[index++]);
        stats.set(id, s);
      }
      return stats;
    },
    async setCooldown(id, until) {
      const ttl = Math.max(1, Math.ceil(until - Date.now()));
      return num(await (await scripts()).retouchCooldown(key('cooldown', id), String(until), String(ttl)));
    },
    async recordFailure(id, now, windowMs) {
      const redis = await client();
      const k = key('fails', id);
      const values = results(
        await redis
          .multi()
          .zremrangebyscore(k, '-inf', now - windowMs)
          .zadd(k, now, `${now}:${Math.random().toString(36).slice(2)}`)
          .zcard(k)
          .pexpire(k, windowMs)
          .exec(),
      );
      return num(values[2]);
    },
    async clearFailures(id) {
      await (await client()).del(key('fails', id));
    },
    async addInFlight(id, delta) {
      const redis = await client();
      const k = key('inflight', id);
      // A crashed instance cannot leave a count behind for longer than ten minutes.
      results(await redis.multi().incrby(k, delta).expire(k, 600).exec());
    },
    async recordLatency(id, latencyMs) {
      await (await scripts()).retouchLatency(key('latency', id), String(latencyMs), String(LATENCY_ALPHA));
    },
    async recordUsage(id, usage, now) {
      const redis = await client();
      const k = key('usage', id, minuteOf(now));
      results(
        await redis
          .multi()
          .hincrby(k, 'requests', usage.requests)
          .hincrby(k, 'tokens', usage.tokens)
          .expire(k, 120)
          .exec(),
      );
    },
    async addSpend(entry: SpendEntry) {
      const multi = (await client()).multi();
      queueSpend(multi, entry);
      results(await multi.exec());
    },
    async getSpend(): Promise<SpendReport> {
      const redis = await client();
      const [total, byDeployment, byModelGroup, byUser, byKey, unpriced] = results(
        await redis
          .pipeline()
          .get(key('spend', 'total'))
          .hgetall(key('spend', 'deployment'))
          .hgetall(key('spend', 'group'))
          .hgetall(key('spend', 'user'))
          .hgetall(key('spend', 'key'))
          .get(key('spend', 'unpriced'))
          .exec(),
      );
      return {
        totalUsd: num(total),
        byDeployment: toRecord(byDeployment),
        byModelGroup: toRecord(byModelGroup),
        byUser: toRecord(byUser),
        byKey: toRecord(byKey),
        unpricedCalls: num(unpriced),
      };
    },
    async reserveBudget(reservation, now): Promise<ReserveResult> {
      const { budgets } = reservation;
      if (budgets.length === 0) return { ok: true, spentUsd: [] };
      const keys = budgets.flatMap((b) => [spendHash(b), holdsKey(b)]);
      const args = [
        holdMember(reservation),
        String(now),
        String(reservation.expiresAt),
        ...budgets.flatMap((b) => [b.id, String(b.maxUsd), String(b.seedUsd ?? 0)]),
      ];
      const reply = await (await scripts()).retouchReserve(String(keys.length), ...keys, ...args);
      if (reply[0] === '1') return { ok: true, spentUsd: reply.slice(1).map(num) };
      return {
        ok: false,
        budget: budgets[num(reply[1]) - 1] as BudgetLimit,
        spentUsd: num(reply[2]),
        reservedUsd: num(reply[3]),
      };
    },
    async settleBudget(reservation, entry) {
      // MULTI runs as one step: no reservation check sees the hold gone before the spend lands.
      const multi = (await client()).multi();
      for (const budget of reservation.budgets) multi.zrem(holdsKey(budget), holdMember(reservation));
      if (entry) {
        queueSpend(multi, entry);
        if (entry.costUsd !== null) {
          for (const budget of extraBudgets(reservation, entry))
            multi.hincrbyfloat(spendHash(budget), budget.id, String(entry.costUsd));
        }
      }
      results(await multi.exec());
    },
    async countInWindow(id, amount, limit, now) {
      const minute = minuteOf(now);
      const reply = await (await scripts()).retouchWindow(
        key('window', id, minute),
        String(amount),
        Number.isFinite(limit) ? String(limit) : '1e308',
      );
      return { ok: reply[0] === '1', count: num(reply[1]), resetAt: (minute + 1) * 60_000 };
    },
    async close() {
      const pending = clientPromise;
      clientPromise = undefined;
      if (!pending || options.client) return;
      const redis = await pending.catch(() => undefined);
      if (!redis) return;
      if (redis.status !== 'ready') {
        redis.disconnect();
        return;
      }
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
