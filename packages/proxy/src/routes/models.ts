/**
 * `GET /v1/models` (and `/models`): the model groups this key may use, in OpenAI's list shape,
 * with the catalogue facts of each group's deployments as extra fields (status, shutdown,
 * successor, price, input-image limit, mask) — what `retouch models` prints.
 * @module
 */
import { describePrice, NotFoundError } from '@retouch/core';
import type { DeploymentHealth } from '@retouch/router';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProxyContext } from '../context.js';
import { authenticate } from './authenticate.js';

/** The catalogue facts of one deployment of a group. */
export interface ModelDeploymentEntry {
  /** Deployment id. */
  id: string;
  provider: string;
  /** The model served, without the provider prefix. */
  model: string;
  status: string;
  released?: string;
  shutdown?: string;
  successor?: string;
  /** Whether the router selects it (a retired model is not, unless `model_info.allow_retired`). */
  selectable: boolean;
  /** The catalogue price in words (`$5/M text in, $30/M image out`), or `unknown`. */
  price: string;
  max_input_images: number;
  supports_mask: boolean;
}

/** One entry of `/v1/models`: OpenAI's fields, then retouch's. */
export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** The lifecycle of the deployment the group is served by first (its first selectable one). */
  status: string;
  shutdown?: string;
  successor?: string;
  deployments: ModelDeploymentEntry[];
}

function deploymentEntry(d: DeploymentHealth): ModelDeploymentEntry {
  const slash = d.model.indexOf('/');
  const bare = slash > 0 && d.model.slice(0, slash) === d.provider ? d.model.slice(slash + 1) : d.model;
  return {
    id: d.id,
    provider: d.provider,
    model: d.servedModel ?? bare,
    status: d.lifecycle.status,
    released: d.lifecycle.released,
    shutdown: d.lifecycle.shutdown,
    successor: d.lifecycle.successor,
    selectable: d.selectable,
    price: describePrice(d.price),
    max_input_images: d.capabilities.maxImages,
    supports_mask: d.capabilities.mask !== 'none',
  };
}

/**
 * Registers `/v1/models`, `/models` and `/v1/models/:model`.
 *
 * @example
 * ```ts
 * registerModelRoutes(app, ctx);
 * // curl http://127.0.0.1:4000/v1/models -H "Authorization: Bearer sk-1234"
 * ```
 */
export function registerModelRoutes(app: FastifyInstance, ctx: ProxyContext): void {
  const visible = async (request: FastifyRequest, named?: string): Promise<ModelEntry[]> => {
    const allowed = request.retouch.caller?.models;
    const byGroup = new Map<string, ModelDeploymentEntry[]>();
    for (const d of await ctx.router.deployments()) {
      const list = byGroup.get(d.modelGroup) ?? [];
      list.push(deploymentEntry(d));
      byGroup.set(d.modelGroup, list);
    }
    const entryOf = (id: string, group: string): ModelEntry => {
      const deployments = byGroup.get(group) ?? [];
      const lead = deployments.find((d) => d.selectable) ?? deployments[0];
      return {
        id,
        object: 'model',
        created: ctx.startedAt,
        owned_by: 'retouch',
        status: lead?.status ?? 'active',
        shutdown: lead?.shutdown,
        successor: lead?.successor,
        deployments,
      };
    };
    const groups = ctx.router.modelGroups().filter((group) => !allowed || allowed.has(group));
    // Visible aliases are listed beside the groups, with their group's facts (hidden ones are served, not listed).
    const aliases = ctx.router
      .modelAliases()
      .filter(
        (a) =>
          !a.hidden &&
          !groups.includes(a.alias) &&
          (!allowed || allowed.has(a.alias) || allowed.has(a.group)),
      )
      .map((a) => entryOf(a.alias, a.group));
    // A hidden alias answers only when asked for by name.
    const hiddenAlias = ctx.router.modelAliases().find((a) => a.alias === named && a.hidden);
    const asked =
      hiddenAlias && ctx.groupsOf(hiddenAlias.alias).every((g) => !allowed || allowed.has(g))
        ? [entryOf(hiddenAlias.alias, hiddenAlias.group)]
        : [];
    return [...groups.map((id) => entryOf(id, id)), ...aliases, ...asked];
  };
  const onRequest = authenticate(ctx);
  const list = async (request: FastifyRequest) => ({ object: 'list', data: await visible(request) });
  app.get('/v1/models', { onRequest }, list);
  app.get('/models', { onRequest }, list);
  app.get('/v1/models/:model', { onRequest }, async (request) => {
    const { model } = request.params as { model: string };
    const entry = (await visible(request, model)).find((m) => m.id === model);
    if (!entry) {
      throw new NotFoundError({
        message: `model: no model group "${model}" for this key`,
        param: 'model',
        code: 'model_not_found',
      });
    }
    return entry;
  });
}
