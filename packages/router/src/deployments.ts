/**
 * Deployments: each `model_list` entry built into a provider instance from its installed provider
 * package, with its capabilities, routing settings and price overrides; and the index that resolves
 * a request's `model` to a model group.
 * @module
 */
import { createHash } from 'node:crypto';
import {
  type CatalogueOverrides,
  type ImageEditProvider,
  isImageMode,
  loadProviderPackage,
  type ModelCapabilities,
  type ModelPrice,
  PRICE_FIELDS,
  type ProviderConfig,
  type ProviderPackage,
  parseModelId,
  pickPriceOverrides,
  type ResolvedModel,
  RetouchError,
} from '@retouch/core';
import { type ConfigIssue, MODEL_INFO_KEYS, type ParsedRouterOptions, RouterConfigError } from './config.js';
import { catalogueOverrides, deploymentModel } from './deployment-model.js';

/**
 * A deployment, ready to call.
 *
 * @example
 * ```ts
 * const deployment: Deployment = (await buildDeployments(parsed))[0];
 * deployment.capabilities.mask; // 'optional'
 * ```
 */
export interface Deployment {
  /** `model_info.id`, else a stable hash of the deployment's config (the same in every instance). */
  readonly id: string;
  /** Position in `model_list`. */
  readonly index: number;
  readonly modelGroup: string;
  /** `litellm_params.model` as configured (`gemini/gemini-2.5-flash-image`). */
  readonly model: string;
  /** Provider prefix (`openai`, `gemini`, …). */
  readonly provider: string;
  /** Model without prefix. */
  readonly providerModel: string;
  /** `provider/providerModel`. */
  readonly modelKey: string;
  readonly client: ImageEditProvider;
  readonly capabilities: ModelCapabilities;
  /** The model's catalogue row (with the catalogue file and `model_info` applied), and how it was found. */
  readonly resolved: ResolvedModel;
  /** `model_info.allow_retired`: send this deployment's model even when its status is `retired`. */
  readonly allowRetired: boolean;
  /** The retired model this deployment was moved from by `auto_upgrade_retired`. */
  readonly upgradedFrom?: string;
  readonly weight?: number;
  readonly rpm?: number;
  readonly tpm?: number;
  readonly order?: number;
  /** Deadline of one attempt, in ms. */
  readonly timeoutMs?: number;
  /** Price overrides from `litellm_params` and `model_info` (litellm_params wins). */
  readonly price?: ModelPrice;
  /** Cooldown of this deployment, in ms (`model_info.cooldown_time`). */
  readonly cooldownMs?: number;
  readonly allowedFails?: number;
  /** `drop_params` for requests that do not set it: the deployment's own, else the router's. */
  readonly dropParams?: boolean;
  /** `response_format` for requests that do not set it (`litellm_params.response_format`). */
  readonly responseFormat?: 'url' | 'b64_json';
}

/** Keys of `litellm_params` that are the router's, not the provider's. */
const ROUTER_KEYS = new Set<string>([
  'model',
  'weight',
  'rpm',
  'tpm',
  'order',
  'timeout',
  'stream_timeout',
  'drop_params',
  'response_format',
  ...PRICE_FIELDS,
]);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The default id of a deployment: a hash of its group and `litellm_params`, stable across
 * processes and key order, so instances sharing Redis agree on it.
 *
 * @example
 * ```ts
 * deploymentHash({ model_name: 'edit', litellm_params: { model: 'gpt-image-1' } }); // '3f9c…' (16 hex)
 * ```
 */
export function deploymentHash(config: {
  model_name: string;
  litellm_params: Record<string, unknown>;
}): string {
  const text = JSON.stringify(
    canonical({ model_name: config.model_name, litellm_params: config.litellm_params }),
  );
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const ROUTER_READS =
  'model, weight, rpm, tpm, order, timeout, stream_timeout, drop_params, response_format and the price overrides';

/** Edit distance of two short keys (a typo is one or two edits away). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = row;
  }
  return previous[b.length] as number;
}

/**
 * A warning for each `litellm_params` key that neither the router nor the provider package reads
 * (only for packages that list their `settings`), with the nearest known key when one is close.
 */
function unknownSettingIssues(
  params: Record<string, unknown>,
  pkg: ProviderPackage,
  prefix: string,
  index: number,
): ConfigIssue[] {
  if (!pkg.settings) return [];
  const known = [...ROUTER_KEYS, ...pkg.settings];
  return Object.keys(params)
    .filter((key) => !ROUTER_KEYS.has(key) && !pkg.settings?.includes(key))
    .map((key) => {
      const nearest = nearestKey(key, known);
      const hint = nearest ? ` (did you mean ${nearest}?)` : '';
      return {
        path: `model_list[${index}].litellm_params.${key}`,
        message: `unknown key for the ${prefix} provider${hint}, ignored. ${prefix} reads ${pkg.settings?.join(', ')}; the router reads ${ROUTER_READS}`,
      };
    });
}

/** The nearest of `known` to `key`, when it is close enough to be a typo of it. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const nearest = known
    .map((candidate) => ({ candidate, d: distance(key.toLowerCase(), candidate) }))
    .sort((x, y) => x.d - y.d)[0];
  return nearest && nearest.d <= Math.max(2, Math.floor(key.length / 4)) ? nearest.candidate : undefined;
}

/**
 * A warning for each `model_info` key that neither the router nor core reads (LiteLLM's chat-model
 * keys such as `max_tokens`, or a typo such as `supports_mak`), with the nearest known key when one
 * is close: the declared fact is not applied, so it must not pass silently.
 */
function unknownModelInfoIssues(info: Record<string, unknown> | undefined, index: number): ConfigIssue[] {
  if (!info) return [];
  return Object.keys(info)
    .filter((key) => !MODEL_INFO_KEYS.includes(key))
    .map((key) => {
      const nearest = nearestKey(key, MODEL_INFO_KEYS);
      return {
        path: `model_list[${index}].model_info.${key}`,
        message: `unknown or unsupported key${nearest ? ` (did you mean ${nearest}?)` : ''}, ignored`,
      };
    });
}

/**
 * Whether a deployment may be selected: not a retired model, unless `model_info.allow_retired`.
 *
 * @example
 * ```ts
 * const live = deployments.filter(isSelectable);
 * ```
 */
export function isSelectable(deployment: Deployment): boolean {
  return deployment.allowRetired || deployment.resolved.row.status !== 'retired';
}

/**
 * Builds every image-edit deployment of `model_list`. An entry whose `model_info.mode` is not an
 * image mode (a chat model in a shared LiteLLM config), or whose model no installed provider can
 * serve, is skipped with a warning; a missing provider package is a `RouterConfigError` naming
 * `model_list[i].litellm_params.model`. A retired model stays out of selection (or, with
 * `auto_upgrade_retired`, is replaced by its successor).
 *
 * @example
 * ```ts
 * const deployments = await buildDeployments(parseRouterOptions({ model_list }));
 * deployments[0].capabilities.maxImages; // 16
 * ```
 */
export async function buildDeployments(
  options: ParsedRouterOptions,
): Promise<{ deployments: Deployment[]; warnings: ConfigIssue[] }> {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  let overrides: CatalogueOverrides;
  try {
    overrides = catalogueOverrides(options.model_catalogue);
  } catch (error) {
    throw new RouterConfigError([{ path: 'model_catalogue', message: (error as Error).message }], {
      cause: error,
    });
  }
  const built = await Promise.all(
    options.model_list.map(async (config, index): Promise<Deployment | undefined> => {
      const path = `model_list[${index}].litellm_params.model`;
      const mode = config.model_info?.mode;
      if (!isImageMode(mode)) {
        warnings.push({
          path: `model_list[${index}].model_info.mode`,
          message: `"${mode}" is not an image mode (image_edit, image_generation): deployment skipped`,
        });
        return undefined;
      }
      warnings.push(
        ...unknownModelInfoIssues(config.model_info as Record<string, unknown> | undefined, index),
      );
      const params = config.litellm_params as Record<string, unknown> & typeof config.litellm_params;
      let id: { prefix: string; model: string };
      try {
        id = parseModelId(params.model);
      } catch (error) {
        const why = (error as Error).message.replace(/^model: /, '');
        warnings.push({ path, message: `${why} Deployment skipped: not an image model retouch serves.` });
        return undefined;
      }
      const { prefix, model } = id;
      try {
        const pkg = await loadProviderPackage(prefix);
        warnings.push(...unknownSettingIssues(params, pkg, prefix, index));
        const providerConfig: ProviderConfig = {};
        for (const [k, v] of Object.entries(params)) if (!ROUTER_KEYS.has(k)) providerConfig[k] = v;
        const client = pkg.create(providerConfig);
        const served = deploymentModel({ client, model, config, options, overrides, path });
        warnings.push(...served.warnings);
        if (!served.resolved) return undefined;
        const { resolved } = served;
        const infoPrice = pickPriceOverrides(config.model_info);
        const paramsPrice = pickPriceOverrides(params);
        const price = infoPrice || paramsPrice ? { ...infoPrice, ...paramsPrice } : undefined;
        const cooldown = config.model_info?.cooldown_time;
        return {
          id: config.model_info?.id ?? deploymentHash(config),
          index,
          modelGroup: config.model_name,
          model: params.model,
          provider: prefix,
          providerModel: resolved.model,
          modelKey: `${prefix}/${model}`,
          client,
          capabilities: resolved.row.capabilities,
          resolved,
          allowRetired: config.model_info?.allow_retired === true,
          upgradedFrom: served.upgradedFrom,
          weight: params.weight,
          rpm: params.rpm,
          tpm: params.tpm,
          order: params.order,
          timeoutMs: params.timeout === undefined ? undefined : params.timeout * 1000,
          price,
          cooldownMs: cooldown === undefined ? undefined : cooldown * 1000,
          allowedFails: config.model_info?.allowed_fails,
          dropParams: params.drop_params ?? options.drop_params,
          responseFormat: params.response_format,
        };
      } catch (error) {
        const message = RetouchError.isInstance(error)
          ? error.message.replace(/^model: /, '')
          : String((error as Error)?.message ?? error);
        issues.push({ path, message });
        return undefined;
      }
    }),
  );
  if (issues.length > 0) throw new RouterConfigError(issues);
  const deployments = built.filter((d): d is Deployment => d !== undefined);
  if (deployments.length === 0) {
    throw new RouterConfigError([
      ...warnings,
      { path: 'model_list', message: 'no deployment is an image model retouch can serve' },
    ]);
  }
  // Identical configs hash alike: number the repeats so every id stays unique and stable.
  const numbered = deployments.map((d) => {
    const count = seen.get(d.id) ?? 0;
    seen.set(d.id, count + 1);
    return count === 0 ? d : { ...d, id: `${d.id}-${count + 1}` };
  });
  warnings.sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true }));
  return { deployments: numbered, warnings };
}

/**
 * What a request's `model` resolved to.
 *
 * @example
 * ```ts
 * const { group, deployments } = index.resolve('gpt-image-1')!;
 * ```
 */
export interface ResolvedGroup {
  /** The group name (`model_name`), or the deployment model the caller named. */
  group: string;
  deployments: readonly Deployment[];
}

function normalise(model: string): string | undefined {
  try {
    const { prefix, model: bare } = parseModelId(model);
    return `${prefix}/${bare}`;
  } catch {
    return undefined;
  }
}

/**
 * The aliases of router options: `model_alias_map`, then `model_group_alias` (which wins).
 *
 * @example
 * ```ts
 * aliasesOf({ model_group_alias: { 'gpt-4o-image': { model: 'gpt-image-1', hidden: true } } }).get('gpt-4o-image');
 * // { group: 'gpt-image-1', hidden: true }
 * ```
 */
export function aliasesOf(options: {
  model_group_alias?: Record<string, string | { model: string; hidden?: boolean }>;
  model_alias_map?: Record<string, string>;
}): Map<string, { group: string; hidden: boolean }> {
  const out = new Map<string, { group: string; hidden: boolean }>();
  for (const [alias, group] of Object.entries(options.model_alias_map ?? {}))
    out.set(alias, { group, hidden: false });
  for (const [alias, target] of Object.entries(options.model_group_alias ?? {})) {
    out.set(
      alias,
      typeof target === 'string'
        ? { group: target, hidden: false }
        : { group: target.model, hidden: target.hidden === true },
    );
  }
  return out;
}

/**
 * Resolves `model` to deployments: a model group (`model_name`) first, else every deployment whose
 * `litellm_params.model` is that model (with or without the provider prefix).
 *
 * @example
 * ```ts
 * const index = new DeploymentIndex(deployments);
 * index.resolve('gpt-image-1')?.deployments.length; // 2
 * index.groups(); // ['gpt-image-1', 'gemini-edit']
 * ```
 */
export class DeploymentIndex {
  readonly all: readonly Deployment[];
  private readonly byGroup = new Map<string, Deployment[]>();
  private readonly byModel = new Map<string, Deployment[]>();
  /** Alias → its group and whether `/v1/models` lists it. */
  readonly aliases: ReadonlyMap<string, { group: string; hidden: boolean }>;

  constructor(
    deployments: readonly Deployment[],
    aliases: ReadonlyMap<string, { group: string; hidden: boolean }> = new Map(),
  ) {
    this.all = deployments;
    this.aliases = aliases;
    for (const d of deployments) {
      const group = this.byGroup.get(d.modelGroup) ?? [];
      group.push(d);
      this.byGroup.set(d.modelGroup, group);
      const same = this.byModel.get(d.modelKey) ?? [];
      same.push(d);
      this.byModel.set(d.modelKey, same);
    }
  }

  /** Model groups, in `model_list` order. */
  groups(): string[] {
    return [...this.byGroup.keys()];
  }

  resolve(model: string): ResolvedGroup | undefined {
    const group = this.byGroup.get(model);
    if (group) return { group: model, deployments: group };
    const alias = this.aliases.get(model);
    const aliased = alias === undefined ? undefined : this.byGroup.get(alias.group);
    if (alias && aliased) return { group: alias.group, deployments: aliased };
    const key = normalise(model);
    const same = key === undefined ? undefined : this.byModel.get(key);
    return same ? { group: model, deployments: same } : undefined;
  }
}
