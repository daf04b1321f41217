/**
 * The console API's answers, built from the router (deployments, capabilities, spend), the config
 * (virtual keys) and the recorder (traffic, failures). Read only when a console page asks.
 * @module
 */
import type {
  ConsoleDeployment,
  ConsoleKeys,
  ConsoleModelGroup,
  ConsoleModels,
  ConsoleOverview,
} from '@retouch/proxy-console';
import type { DeploymentHealth } from '@retouch/router';
import { hashKey } from '../auth.js';
import type { ProxyContext } from '../context.js';
import type { ConsoleRecorder } from './recorder.js';
import { overviewSpend } from './spend-view.js';

const union = (lists: readonly (readonly string[])[]) => [...new Set(lists.flat())];

/**
 * What a model group accepts: the union over its deployments, since the router sends each request
 * to a deployment that can take it (a masked request goes to one that takes masks).
 *
 * @example
 * ```ts
 * modelGroupOf('edit', await router.deployments()).sizes; // ['1024x1024', '1536x1024', 'auto']
 * ```
 */
export function modelGroupOf(name: string, deployments: readonly DeploymentHealth[]): ConsoleModelGroup {
  const caps = deployments.map((d) => d.capabilities);
  const takes = (param: string) => caps.filter((c) => c.params.includes(param as never));
  const masks = caps.map((c) => c.mask);
  const sized = takes('size');
  const custom = sized
    .map((c) => c.customSizes)
    .filter((r) => r !== undefined)
    .sort((a, b) => b.maxPixels - a.maxPixels)[0];
  const promptLimits = caps.map((c) => c.maxPromptLength);
  return {
    name,
    deployments: deployments.map((d) => ({ id: d.id, model: d.model, provider: d.provider })),
    mask: masks.every((m) => m === 'none')
      ? 'none'
      : masks.every((m) => m === 'required')
        ? 'required'
        : 'optional',
    minImages: Math.min(...caps.map((c) => c.minImages ?? 1)),
    maxImages: Math.max(...caps.map((c) => c.maxImages)),
    maxN: Math.max(1, ...takes('n').map((c) => c.maxN)),
    sizes: union(sized.map((c) => c.sizes ?? [])),
    customSizes: custom
      ? {
          multipleOf: custom.multipleOf,
          maxSide: custom.maxSide,
          maxPixels: custom.maxPixels,
          maxAspectRatio: custom.maxAspectRatio,
        }
      : null,
    qualities: union(takes('quality').map((c) => c.qualities ?? [])),
    outputFormats: union(takes('output_format').map((c) => c.outputFormats ?? [])),
    promptRequired: caps.every((c) => c.promptRequired !== false),
    maxPromptLength: promptLimits.every((l) => typeof l === 'number')
      ? Math.max(...(promptLimits as number[]))
      : null,
    streaming: takes('stream').length > 0,
    partialImages: caps.some((c) => c.params.includes('partial_images') && c.params.includes('stream')),
  };
}

/**
 * `GET /ui/api/models`: every model group with what it accepts.
 *
 * @example
 * ```ts
 * (await modelsView(ctx)).groups.map((g) => g.name);
 * ```
 */
export async function modelsView(ctx: ProxyContext): Promise<ConsoleModels> {
  const deployments = await ctx.router.deployments();
  const groups = ctx.router
    .modelGroups()
    .map((name) => ({ name, of: deployments.filter((d) => d.modelGroup === name) }))
    .filter(({ of }) => of.length > 0)
    .map(({ name, of }) => modelGroupOf(name, of));
  return { groups };
}

/**
 * `GET /ui/api/overview`: the last `minutes` of traffic, spend, and each deployment's health.
 *
 * @example
 * ```ts
 * const { window, deployments } = await overviewView(ctx, recorder, 60);
 * ```
 */
export async function overviewView(
  ctx: ProxyContext,
  recorder: ConsoleRecorder,
  minutes: number,
): Promise<ConsoleOverview> {
  const now = Date.now();
  const since = now - minutes * 60_000;
  const notices = new Map(ctx.router.lifecycleNotices().map((notice) => [notice.deploymentId, notice]));
  const deployments: ConsoleDeployment[] = (await ctx.router.deployments()).map((d) => {
    const failures = recorder.failures(d.id, since);
    const notice = notices.get(d.id);
    return {
      id: d.id,
      modelGroup: d.modelGroup,
      model: d.model,
      provider: d.provider,
      healthy: d.healthy,
      coolingDownUntil: d.coolingDownUntil === undefined ? null : new Date(d.coolingDownUntil).toISOString(),
      inFlight: d.inFlight,
      latencyMsAvg: d.latencyMsAvg === undefined ? null : Math.round(d.latencyMsAvg),
      failuresLastMinute: d.failuresLastMinute,
      failureKinds: failures.kinds,
      recentFailures: failures.recent,
      lifecycle: notice
        ? {
            status: notice.status,
            shutdown: notice.shutdown ?? null,
            successor: notice.successor ?? null,
            selected: !notice.excluded,
            message: notice.message,
          }
        : null,
    };
  });
  return {
    now,
    since: recorder.since,
    ...recorder.minutes(minutes),
    ...(await overviewSpend(ctx, recorder, now)),
    deployments,
  };
}

/**
 * `GET /ui/api/keys`: the virtual keys of config.yaml, with their spend (never the keys).
 *
 * @example
 * ```ts
 * (await keysView(ctx)).keys.map((k) => `${k.alias}: ${k.spendUsd} of ${k.maxBudget}`);
 * ```
 */
export async function keysView(ctx: ProxyContext): Promise<ConsoleKeys> {
  const spent: Record<string, number> = {};
  // Short hashes from the router's state, full ones from a store's report: one name for both.
  for (const [hash, usd] of Object.entries((await ctx.router.spend()).byKey)) {
    const short = hash.slice(0, 12);
    spent[short] = (spent[short] ?? 0) + usd;
  }
  return {
    spendByKey: spent,
    keys: ctx.config.keys.map((k) => {
      const keyHash = hashKey(k.key);
      return {
        alias: k.key_alias ?? `key-${keyHash}`,
        keyHash,
        models: k.models === undefined || k.models.includes('*') ? null : [...k.models],
        maxBudget: k.max_budget ?? null,
        spendUsd: spent[keyHash] ?? 0,
        rpmLimit: k.rpm_limit ?? null,
        userId: k.user_id ?? null,
        admin: k.admin === true || k.metadata?.admin === true,
      };
    }),
  };
}
