/**
 * `imageEdit()`: the one-call SDK, and the building blocks the router composes (prepare once,
 * bind per model, run per attempt).
 * @module
 */
import type { ModelCapabilities } from './capabilities.js';
import type { CatalogueOverrides } from './catalogue/catalogue-file.js';
import { assertNotRetired, deprecationWarningOnce } from './catalogue/lifecycle.js';
import { type ResolvedModel, requireModel } from './catalogue/resolve.js';
import { APIUserAbortError, redactError, type RetouchError, TimeoutError, toRetouchError } from './errors.js';
import { DEFAULT_TIMEOUT_MS, startDeadline } from './deadline.js';
import { abortError } from './http.js';
import { holdStreamErrors, isReadable, type PreparedImage, prepareImage } from './image/prepare.js';
import { type ImageEditResponse, toOpenAIResponse, withMeta } from './normalize.js';
import { type ImageEditParams, parseImageEditParams } from './params.js';
import { computeCost, type ModelPrice } from './pricing/price.js';
import type {
  EditProgress,
  ImageEditProvider,
  ProviderConfig,
  ProviderImageEditRequest,
  ProviderImageEditResult,
} from './provider.js';
import { parseModelId, resolveProvider } from './registry.js';
import type { SafeFetchOptions } from './safe-fetch.js';
import { bindRequest, checkNotStreamed, type PreparedEditRequest, requireModelId } from './validate.js';

/** Options of {@link imageEdit}. */
export interface ImageEditOptions {
  /** Use this provider instead of resolving one from the model prefix. */
  provider?: ImageEditProvider;
  /**
   * Settings for the resolved provider, with LiteLLM's names (`api_key`, `api_base`, …) or the
   * provider settings' own (`apiKey`, `baseURL`). Defaults to the environment.
   */
  providerConfig?: ProviderConfig;
  /** Price override (LiteLLM field names); wins over the catalogue and the provider's figure. */
  price?: ModelPrice;
  /**
   * Declares or overrides the model's catalogue row, with LiteLLM's `model_info` keys
   * (`max_input_images`, `supports_mask`, `sizes`, `input_cost_per_token`, `output_cost_per_image`,
   * `status`, `successor`, `base_model`, …) — for a model retouch does not know yet.
   */
  modelInfo?: Record<string, unknown>;
  /** Catalogue file rows. Defaults to the file `RETOUCH_MODEL_CATALOGUE` names, if any. */
  catalogue?: CatalogueOverrides;
  /** Send a model whose catalogue status is `retired` anyway. Defaults to `modelInfo.allow_retired`, else false. */
  allowRetired?: boolean;
  /** How remote `http(s)` image inputs are fetched. */
  remoteImages?: SafeFetchOptions;
  /** Largest input image read, in bytes. Defaults to 50 MiB. */
  maxImageBytes?: number;
  /** Progress of long (submit-then-poll) edits. */
  onProgress?: (progress: EditProgress) => void;
}

/**
 * Reads every input image once and checks the request's shape. The result is provider-independent:
 * the router prepares once and binds it to each deployment it tries.
 *
 * @example
 * ```ts
 * const prepared = await prepareEditRequest({ model: 'gpt-image-2', image: [a, b], prompt: 'merge' });
 * prepared.images.length; // 2
 * ```
 */
export async function prepareEditRequest(
  params: ImageEditParams,
  options: Pick<ImageEditOptions, 'remoteImages' | 'maxImageBytes'> = {},
): Promise<PreparedEditRequest> {
  holdStreamErrors(params);
  const { fields, images, extras } = parseImageEditParams(params);
  // The caller's signal and deadline bound remote image downloads and stream reads too; bytes
  // in memory (what the proxy passes) need neither.
  const waits = [...images, fields.mask].some((input) => typeof input === 'string' || isReadable(input));
  const call = waits
    ? startDeadline({ timeoutMs: fields.timeout, signals: [options.remoteImages?.signal, fields.signal] })
    : undefined;
  const remote: SafeFetchOptions = { ...options.remoteImages, signal: call?.signal };
  const read = (input: Parameters<typeof prepareImage>[0], param: string, defaultName: string) =>
    prepareImage(input, {
      param,
      defaultName,
      remote,
      maxBytes: options.maxImageBytes,
    });
  try {
    const [prepared, mask] = await Promise.all([
      Promise.all(
        images.map((input, index) =>
          read(
            input,
            images.length > 1 ? `image[${index}]` : 'image',
            index === 0 ? 'image' : `image-${index + 1}`,
          ),
        ),
      ),
      fields.mask === undefined ? undefined : read(fields.mask, 'mask', 'mask'),
    ]);
    return { fields, images: prepared as PreparedImage[], mask, extras };
  } finally {
    call?.dispose();
  }
}

/** Options of {@link runImageEdit}. */
export interface RunImageEditOptions {
  /** Price override (deployment settings); wins over the catalogue and the provider's figure. */
  price?: ModelPrice;
  /** The model's resolved catalogue row. Defaults to resolving `model` on the provider (with `RETOUCH_MODEL_CATALOGUE`). */
  resolved?: ResolvedModel;
  /** Send a retired model anyway. Defaults to false. */
  allowRetired?: boolean;
  /**
   * Deadline for this attempt in milliseconds, covering the provider call, its polling and result
   * downloads. Defaults to the request's `timeout`, else {@link DEFAULT_TIMEOUT_MS} (240 s).
   */
  timeoutMs?: number;
  /** Cancels the attempt (in addition to the request's own `signal`). */
  signal?: AbortSignal;
  onProgress?: (progress: EditProgress) => void;
}

/**
 * One attempt of a prepared request on one provider model: validate, call, normalise, price.
 * Every failure is a `RetouchError`.
 *
 * @example
 * ```ts
 * const response = await runImageEdit(openai, 'gpt-image-2', prepared);
 * getMeta(response).costUsd;
 * ```
 */
export async function runImageEdit(
  provider: ImageEditProvider,
  model: string,
  prepared: PreparedEditRequest,
  options: RunImageEditOptions = {},
): Promise<ImageEditResponse> {
  const ref = { provider: provider.id, model };
  const resolved = options.resolved ?? requireModel(provider, model);
  assertNotRetired({ ...resolved.row, provider: provider.id, model }, options.allowRetired);
  const { request, warnings } = bindRequest(prepared, resolved.row.capabilities, ref);
  if (resolved.servedLike !== undefined) request.servedLike = resolved.servedLike;

  const timeoutMs = options.timeoutMs ?? prepared.fields.timeout ?? DEFAULT_TIMEOUT_MS;
  const call = startDeadline({ timeoutMs, signals: [prepared.fields.signal, options.signal] });
  const { signal } = call;
  if (signal.aborted) {
    call.dispose();
    throw abortError(signal, ref);
  }

  const started = performance.now();
  try {
    const result = await provider.imageEdit(request, {
      signal,
      deadline: call.deadline,
      timeoutMs,
      onProgress: options.onProgress,
    });
    const response = await toOpenAIResponse(result, {
      responseFormat: request.response_format,
      signal,
      provider: provider.id,
      model,
    });
    const costUsd = callCost(request, result, response.data.length, {
      override: options.price,
      catalogue: resolved.row.price,
    });
    const allWarnings = [...modelWarnings(resolved), ...warnings, ...result.warnings];
    if (costUsd === null) allWarnings.push(costUnknownWarning(provider.id, model));
    return withMeta(response, {
      provider: provider.id,
      model,
      costUsd,
      latencyMs: Math.round(performance.now() - started),
      attempts: 1,
      warnings: allWarnings,
      user: prepared.fields.user,
      upstreamRequestId: result.upstreamRequestId,
    });
  } catch (error) {
    throw attemptFailure(error, provider, ref, signal);
  } finally {
    call.dispose();
  }
}

/**
 * A provider call's failure as the caller sees it: a redacted `RetouchError`, or the abort itself
 * when the call's signal fired (whatever broke after it, a reset socket or a half-read body, is the
 * abort; the provider had been called, so the request may be with the upstream).
 *
 * @example
 * ```ts
 * catch (error) { throw attemptFailure(error, provider, { provider: provider.id, model }, signal); }
 * ```
 */
export function attemptFailure(
  error: unknown,
  provider: Pick<ImageEditProvider, 'secrets'>,
  ref: { provider: string; model: string },
  signal: AbortSignal,
): RetouchError {
  const failure = redactError(toRetouchError(error, ref), provider.secrets?.() ?? []);
  if (signal.aborted && !(failure instanceof TimeoutError || failure instanceof APIUserAbortError)) {
    return abortError(signal, { ...ref, reachedUpstream: true });
  }
  return failure;
}

/**
 * What a call's `_meta.warnings` start with: the deprecation notice of the model (once per
 * process) and what was assumed for an unlisted id.
 *
 * @example
 * ```ts
 * const warnings = [...modelWarnings(resolved), ...result.warnings];
 * ```
 */
export function modelWarnings(resolved: ResolvedModel): string[] {
  const deprecation = deprecationWarningOnce({
    ...resolved.row,
    provider: resolved.provider,
    model: resolved.model,
  });
  return [...(deprecation ? [deprecation] : []), ...resolved.warnings];
}

/**
 * The cost of one served call: the price override, else the catalogue row's price, applied to the
 * usage the provider reported (or its own cost figure), else to the request.
 *
 * @example
 * ```ts
 * callCost(request, result, 1, { catalogue: resolved.row.price }); // 0.042
 * ```
 */
export function callCost(
  request: Pick<ProviderImageEditRequest, 'images' | 'size' | 'quality'>,
  result: Pick<ProviderImageEditResult, 'usage' | 'providerCostUsd' | 'echo'>,
  imagesOut: number,
  prices: { override?: ModelPrice; catalogue?: ModelPrice | null } = {},
): number | null {
  const { override } = prices;
  return computeCost({
    price: override ?? prices.catalogue ?? undefined,
    priceIsOverride: override !== undefined,
    usage: result.usage,
    providerCostUsd: result.providerCostUsd,
    imagesIn: request.images.length,
    imagesOut,
    size: result.echo?.size ?? request.size,
    quality: result.echo?.quality ?? request.quality,
  });
}

/**
 * The warning of a call whose cost is unknown.
 *
 * @example
 * ```ts
 * costUnknownWarning('openai', 'ft:gpt-image-2:acme'); // 'cost unknown: no price for openai/ft:gpt-image-2:acme; …'
 * ```
 */
export function costUnknownWarning(providerId: string, model: string): string {
  return `cost unknown: no price for ${providerId}/${model}; set output_cost_per_image (or input_cost_per_token and output_cost_per_image_token) in the deployment's model_info or a model catalogue file`;
}

/**
 * Edits one or many images with a prompt and an optional mask, on any installed provider, and
 * answers in OpenAI's shape with `_meta` (provider, model, cost, latency, warnings).
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { imageEdit, getMeta } from '@retouch/core';
 *
 * const response = await imageEdit({
 *   model: 'gpt-image-2',
 *   image: [createReadStream('a.png'), createReadStream('b.png')],
 *   mask: createReadStream('mask.png'),
 *   prompt: 'Put the cat from the first image on the sofa from the second',
 *   n: 2,
 *   size: '1024x1024',
 * });
 * console.log(response.data.length, getMeta(response).costUsd);
 * ```
 */
export async function imageEdit(
  params: ImageEditParams,
  options: ImageEditOptions = {},
): Promise<ImageEditResponse> {
  // First, before anything can throw or await: a stream input that fails meanwhile must not crash the process.
  holdStreamErrors(params);
  requireModelId(params);
  const id = options.provider
    ? { prefix: options.provider.id, model: stripPrefix(params.model, options.provider.id) }
    : parseModelId(params.model);
  const provider = options.provider ?? (await resolveProvider(id.prefix, options.providerConfig));
  // Unknown and retired models, and a stream asked of the unstreamed call, fail before any image is read.
  const resolved = requireModel(provider, id.model, {
    overrides: options.catalogue,
    modelInfo: options.modelInfo,
  });
  const allowRetired = options.allowRetired ?? options.modelInfo?.allow_retired === true;
  assertNotRetired({ ...resolved.row, provider: provider.id, model: id.model }, allowRetired);
  checkNotStreamed(params as Parameters<typeof checkNotStreamed>[0], {
    provider: provider.id,
    model: id.model,
  });
  const prepared = await prepareEditRequest(params, options);
  return runImageEdit(provider, id.model, prepared, {
    price: options.price,
    resolved,
    allowRetired,
    onProgress: options.onProgress,
  });
}

/**
 * The capabilities of a provider model (its catalogue row's, or its family's); a model nothing
 * serves is a `NotFoundError` listing the current ones.
 *
 * @example
 * ```ts
 * requireCapabilities(openai, 'gpt-image-2').maxImages; // 16
 * ```
 */
export function requireCapabilities(provider: ImageEditProvider, model: string): ModelCapabilities {
  return requireModel(provider, model).row.capabilities;
}

function stripPrefix(model: string, prefix: string): string {
  return model.startsWith(`${prefix}/`) ? model.slice(prefix.length + 1) : model;
}
