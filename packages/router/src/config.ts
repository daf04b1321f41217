/**
 * Validation of `RouterOptions` (zod). LiteLLM's names and shapes exactly; every error names the
 * key path at fault, e.g. `model_list[2].litellm_params.model`.
 * @module
 */
import { type CatalogueOverrides, overrideShape, priceShape } from '@retouch/core';
import { z } from 'zod';
import type { RouterState } from './state/state.js';
import type { RouterCallback, RouterOptions, RoutingStrategy } from './types.js';

/**
 * One problem in the options.
 *
 * @example
 * ```ts
 * const issue: ConfigIssue = { path: 'model_list[0].litellm_params.model', message: 'required' };
 * ```
 */
export interface ConfigIssue {
  /** Key path, e.g. `model_list[2].litellm_params.model`. */
  path: string;
  message: string;
}

/**
 * Invalid router options. `message` lists every issue as `path: problem`.
 *
 * @example
 * ```ts
 * try { await Router.create({ model_list: [{ model_name: 'x', litellm_params: {} }] }); }
 * catch (e) { if (e instanceof RouterConfigError) console.log(e.issues[0].path); } // model_list[0].litellm_params.model
 * ```
 */
export class RouterConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(`invalid router options:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, options);
    this.name = 'RouterConfigError';
    this.issues = issues;
  }
  /** Path of the first issue. */
  get path(): string {
    return this.issues[0]?.path ?? '';
  }
}

/**
 * Formats a key path the way a config file reads: `model_list[2].litellm_params.model`.
 *
 * @example
 * ```ts
 * formatPath(['model_list', 2, 'litellm_params', 'model']); // 'model_list[2].litellm_params.model'
 * ```
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(options)';
}

const usd = z.number().nonnegative();
const seconds = z.number().positive();
const optionalString = z.string().optional();

const litellmParamsSchema = z.looseObject({
  model: z.string().min(1, 'required: the provider model, e.g. gpt-image-2 or gemini/gemini-3.1-flash-image'),
  api_key: optionalString,
  api_base: optionalString,
  timeout: seconds.optional(),
  stream_timeout: seconds.optional(),
  weight: z.number().nonnegative().optional(),
  rpm: z.number().int().nonnegative().optional(),
  tpm: z.number().int().nonnegative().optional(),
  order: z.number().int().optional(),
  vertex_project: optionalString,
  vertex_location: optionalString,
  vertex_credentials: optionalString,
  aws_region_name: optionalString,
  aws_access_key_id: optionalString,
  aws_secret_access_key: optionalString,
  aws_session_token: optionalString,
  extra_headers: z.record(z.string(), z.string()).optional(),
  drop_params: z.boolean().optional(),
  response_format: z.enum(['url', 'b64_json']).optional(),
  ...priceShape,
});

const modelInfoSchema = z.looseObject({
  // Capabilities, prices and lifecycle (LiteLLM's keys where it has them): see core's overrides.
  ...overrideShape,
  id: z.string().min(1).optional(),
  mode: optionalString,
  base_model: optionalString,
  cooldown_time: z.number().nonnegative().optional(),
  allowed_fails: z.number().int().nonnegative().optional(),
  allow_retired: z.boolean().optional(),
  ...priceShape,
});

/** The `model_info` keys the router and core read; any other is a config warning (nothing reads it). */
export const MODEL_INFO_KEYS: readonly string[] = Object.keys(modelInfoSchema.shape);

const deploymentSchema = z.strictObject({
  model_name: z.string().min(1, 'required: the model group clients call'),
  litellm_params: litellmParamsSchema,
  model_info: modelInfoSchema.optional(),
});

const groupMap = z.array(z.record(z.string(), z.array(z.string().min(1))));
const STRATEGIES = [
  'simple-shuffle',
  'least-busy',
  'latency-based-routing',
  'usage-based-routing',
  'usage-based-routing-v2',
  'cost-based-routing',
] as const satisfies readonly RoutingStrategy[];

const callbackSchema = z.custom<RouterCallback>((v) => typeof v === 'object' && v !== null, {
  message: 'expected an object with onStart/onSuccess/onFailure/onRetry/onFallback functions',
});
const stateSchema = z.custom<RouterState>(
  (v) => typeof v === 'object' && v !== null && typeof (v as RouterState).getStats === 'function',
  { message: 'expected a RouterState (createMemoryState() or createRedisState({ host, port }))' },
);

/** LiteLLM settings that mean nothing for image edits (or are always on here); accepted and ignored. */
const IGNORED = {
  enable_pre_call_checks: z.unknown().optional(),
  context_window_fallbacks: z.unknown().optional(),
  set_verbose: z.unknown().optional(),
  debug_level: z.unknown().optional(),
};

const optionsSchema = z
  .strictObject({
    model_list: z.array(deploymentSchema).min(1, 'at least one deployment is required'),
    routing_strategy: z.enum(STRATEGIES).optional(),
    routing_strategy_args: z
      .strictObject({ lowest_latency_buffer: z.number().nonnegative().optional() })
      .optional(),
    fallbacks: groupMap.optional(),
    default_fallbacks: z.array(z.string().min(1)).optional(),
    content_policy_fallbacks: groupMap.optional(),
    num_retries: z.number().int().nonnegative().optional(),
    retry_after: z.number().nonnegative().optional(),
    retry_on_timeout: z.boolean().optional(),
    allowed_fails: z.number().int().nonnegative().optional(),
    cooldown_time: z.number().nonnegative().optional(),
    disable_cooldowns: z.boolean().optional(),
    timeout: seconds.optional(),
    max_fallbacks: z.number().int().nonnegative().optional(),
    max_end_user_budget: usd.optional(),
    model_group_alias: z
      .record(
        z.string().min(1),
        z.union([z.string().min(1), z.object({ model: z.string().min(1), hidden: z.boolean().optional() })]),
      )
      .optional(),
    model_alias_map: z.record(z.string().min(1), z.string().min(1)).optional(),
    drop_params: z.boolean().optional(),
    redis_host: optionalString,
    redis_port: z.number().int().positive().optional(),
    redis_password: optionalString,
    redis_url: optionalString,
    callbacks: z.array(callbackSchema).optional(),
    state: stateSchema.optional(),
    spendReport: z
      .custom<() => Promise<unknown>>((v) => typeof v === 'function', { message: 'expected a function' })
      .optional(),
    model_catalogue: z
      .union([
        z.string().min(1),
        z.custom<CatalogueOverrides>((v) => v instanceof Map, {
          message: 'expected a path to a JSON catalogue file, or parseModelCatalogue() rows',
        }),
      ])
      .optional(),
    auto_upgrade_retired: z.boolean().optional(),
    ...IGNORED,
  })
  .superRefine((options, ctx) => {
    const groups = new Set(options.model_list.map((d) => d.model_name));
    const models = new Set(options.model_list.map((d) => d.litellm_params.model));
    const known = (name: string) => groups.has(name) || models.has(name);
    const ids = new Map<string, number>();
    options.model_list.forEach((d, index) => {
      const id = d.model_info?.id;
      if (id === undefined) return;
      const first = ids.get(id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['model_list', index, 'model_info', 'id'],
          message: `duplicate deployment id "${id}" (also model_list[${first}])`,
        });
      }
      ids.set(id, index);
    });
    const checkTargets = (targets: string[], path: PropertyKey[]) =>
      targets.forEach((target, i) => {
        if (!known(target)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, i],
            message: `unknown model group "${target}" (known: ${[...groups].join(', ')})`,
          });
        }
      });
    for (const field of ['fallbacks', 'content_policy_fallbacks'] as const) {
      options[field]?.forEach((entry, index) => {
        for (const [group, targets] of Object.entries(entry)) {
          if (group !== '*' && !known(group)) {
            ctx.addIssue({
              code: 'custom',
              path: [field, index, group],
              message: `unknown model group "${group}" (known: ${[...groups].join(', ')}, or "*")`,
            });
          }
          checkTargets(targets, [field, index, group]);
        }
      });
    }
    if (options.default_fallbacks) checkTargets(options.default_fallbacks, ['default_fallbacks']);
    for (const field of ['model_group_alias', 'model_alias_map'] as const) {
      for (const [alias, target] of Object.entries(options[field] ?? {})) {
        const group = typeof target === 'string' ? target : target.model;
        if (!groups.has(group)) {
          ctx.addIssue({
            code: 'custom',
            path: [field, alias],
            message: `alias "${alias}" names no model group "${group}" (known: ${[...groups].join(', ')})`,
          });
        }
      }
    }
  });

/**
 * Validated options (zod's output type).
 *
 * @example
 * ```ts
 * const parsed: ParsedRouterOptions = parseRouterOptions(options);
 * ```
 */
export type ParsedRouterOptions = z.infer<typeof optionsSchema>;

/**
 * Validates router options. Throws a `RouterConfigError` naming each bad key path.
 *
 * @example
 * ```ts
 * parseRouterOptions({ model_list: [{ model_name: 'edit', litellm_params: { model: 'gpt-image-1' } }] });
 * parseRouterOptions({ model_list: [], num_retires: 2 }); // throws: model_list: at least one …; (options): unknown key "num_retires"
 * ```
 */
export function parseRouterOptions(options: RouterOptions): ParsedRouterOptions {
  const result = optionsSchema.safeParse(options);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({
        path: formatPath([...issue.path, k]),
        message: `unknown key "${k}"`,
      }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
  throw new RouterConfigError(issues);
}
