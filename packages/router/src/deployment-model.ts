/**
 * A deployment's model: its catalogue row (the provider's, a family's, or one `model_info` or the
 * catalogue file declares), what happens to a retired one (kept out of selection, or with
 * `auto_upgrade_retired` replaced by its successor), and the lifecycle notices the proxy logs at
 * start-up.
 * @module
 */
import {
  type CatalogueOverrides,
  currentModels,
  environmentCatalogue,
  type ImageEditProvider,
  lifecycleNotice,
  loadModelCatalogue,
  type ModelStatus,
  type ResolvedModel,
  resolveModel,
} from '@retouch/core';
import type { ConfigIssue, ParsedRouterOptions } from './config.js';
import type { Deployment } from './deployments.js';
import type { DeploymentConfig } from './types.js';

/**
 * The catalogue file rows the router uses: `model_catalogue` (a path or parsed rows), else the
 * file `RETOUCH_MODEL_CATALOGUE` names, else none. Throws a `ModelCatalogueError` for a bad file.
 *
 * @example
 * ```ts
 * catalogueOverrides('./models.json').get('openai/gpt-image-3');
 * ```
 */
export function catalogueOverrides(setting: ParsedRouterOptions['model_catalogue']): CatalogueOverrides {
  if (setting === undefined) return environmentCatalogue();
  return typeof setting === 'string' ? loadModelCatalogue(setting) : setting;
}

/** What {@link deploymentModel} decided. */
export interface DeploymentModel {
  /** Undefined when nothing serves the model: the deployment is skipped. */
  resolved?: ResolvedModel;
  /** The retired model `auto_upgrade_retired` replaced. */
  upgradedFrom?: string;
  warnings: ConfigIssue[];
}

/**
 * Resolves a deployment's model on its provider, with the catalogue file and its `model_info`.
 *
 * @example
 * ```ts
 * const { resolved, warnings } = deploymentModel({ client, model: 'gpt-image-9', config, options, overrides, path });
 * ```
 */
export function deploymentModel(args: {
  client: ImageEditProvider;
  model: string;
  config: DeploymentConfig;
  options: Pick<ParsedRouterOptions, 'auto_upgrade_retired'>;
  overrides: CatalogueOverrides;
  path: string;
}): DeploymentModel {
  const { client, model, config, options, overrides, path } = args;
  const modelInfo = config.model_info as Record<string, unknown> | undefined;
  const resolved = resolveModel(client, model, { overrides, modelInfo });
  if (!resolved) {
    const current = client.catalogue ? currentModels(client.catalogue) : [...client.models()];
    return {
      warnings: [
        {
          path,
          message: `${client.id} has no image-edit model "${model}" (current: ${current.join(', ')}): deployment skipped. Declare it with model_info.base_model (a listed model it works like), or set model_info.mode to its mode to silence this.`,
        },
      ],
    };
  }
  const row = resolved.row;
  const retired = row.status === 'retired' && modelInfo?.allow_retired !== true;
  if (!retired || !options.auto_upgrade_retired || !row.successor) return { resolved, warnings: [] };
  const next = resolveModel(client, row.successor, { overrides, modelInfo });
  if (!next) return { resolved, warnings: [] };
  return {
    resolved: next,
    upgradedFrom: model,
    warnings: [
      {
        path,
        message: `${lifecycleNotice({ ...row, provider: client.id, model })}; auto_upgrade_retired: group "${config.model_name}" is served by ${client.id}/${row.successor}`,
      },
    ],
  };
}

/**
 * A configured deployment whose model is not simply active: deprecated, retired, preview, or served
 * by a family rule or an upgrade. The proxy logs these at start-up; `/v1/models` carries them.
 *
 * @example
 * ```ts
 * for (const n of router.lifecycleNotices()) logger.warn(n, n.message);
 * ```
 */
export interface LifecycleNotice {
  deploymentId: string;
  modelGroup: string;
  /** `provider/model` as served. */
  model: string;
  status: ModelStatus;
  shutdown?: string;
  successor?: string;
  /** Whether the deployment is kept out of selection (retired, not allowed). */
  excluded: boolean;
  message: string;
}

/**
 * The lifecycle notices of a set of deployments (deprecated, retired, upgraded, and unlisted ids
 * served by a family rule).
 *
 * @example
 * ```ts
 * lifecycleNotices(deployments).map((n) => n.message);
 * ```
 */
export function lifecycleNotices(deployments: readonly Deployment[]): LifecycleNotice[] {
  const out: LifecycleNotice[] = [];
  for (const d of deployments) {
    const row = d.resolved.row;
    const subject = { ...row, provider: d.provider, model: d.resolved.model };
    const base = {
      deploymentId: d.id,
      modelGroup: d.modelGroup,
      model: `${d.provider}/${d.resolved.model}`,
      status: row.status,
      shutdown: row.shutdown,
      successor: row.successor,
    };
    const excluded = row.status === 'retired' && !d.allowRetired;
    let message = lifecycleNotice(subject);
    if (message && row.status === 'retired') {
      message += excluded
        ? `: deployment ${d.id} of group "${d.modelGroup}" is never selected (set model_info.allow_retired: true to send it anyway, or router_settings.auto_upgrade_retired: true to use the successor)`
        : `: deployment ${d.id} sends it anyway (model_info.allow_retired)`;
    }
    if (d.upgradedFrom)
      message = `group "${d.modelGroup}": ${d.provider}/${d.upgradedFrom} is retired; served by ${base.model} (auto_upgrade_retired)`;
    if (!message && d.resolved.warnings.length > 0) message = d.resolved.warnings[0];
    if (message) out.push({ ...base, excluded, message });
  }
  return out;
}
