/**
 * The Stability mapping: one multipart `POST` to the model's endpoint with `accept:
 * application/json`, each input image in the field the endpoint takes, the mask converted to
 * white-means-edit, the endpoint's own extras; async endpoints then poll `GET /v2beta/results/{id}`
 * (202 while running, at most one poll per interval). `n` > 1 makes one call per image.
 * `finish_reason: CONTENT_FILTERED` — an HTTP 200 with a blurred image — is a
 * `ContentPolicyViolationError`, never a success.
 * @module
 */
import {
  BadRequestError,
  ContentPolicyViolationError,
  convertMask,
  fanOut,
  nearestAspectRatio,
  type PreparedImage,
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  type ProviderImageEditResult,
  parseProviderExtras,
  parseUpstream,
  pollUntilDone,
  toBlob,
  UnsupportedParamsError,
} from '@retouch/core';
import { z } from 'zod';
import {
  STABILITY_ENDPOINTS,
  STABILITY_RESULTS_PATH,
  type StabilityEndpoint,
} from './stability-endpoints.js';

const PROVIDER = 'stability';

/** Settings of one Stability call that come from the provider. */
export interface StabilityCallConfig {
  /** Wait between polls of an async result (Stability asks for at most one poll per 10 s). */
  pollIntervalMs: number;
  /** How long an async result is awaited when the call has no deadline of its own. */
  pollTimeoutMs: number;
  /** Calls in flight at once when `n` > 1. */
  maxConcurrency: number;
}

const imageSchema = z
  .object({ image: z.string().min(1), seed: z.number().optional(), finish_reason: z.string() })
  .loose();
const submitSchema = z.object({ id: z.string().min(1) }).loose();
const pendingSchema = z.object({ status: z.string().optional() }).loose();

function bad(model: string, param: string, message: string, code = 'invalid_value'): BadRequestError {
  return new BadRequestError({ message: `${param}: ${message}`, param, code, provider: PROVIDER, model });
}

/** The checks the endpoint table cannot state, all before any billable call. */
function checkRequest(
  request: ProviderImageEditRequest,
  endpoint: StabilityEndpoint,
  extras: Record<string, unknown>,
  warnings: string[],
): { prompt: string | undefined } {
  const target = `${PROVIDER}/${request.model}`;
  for (const [name, what] of Object.entries(endpoint.requiredExtras ?? {})) {
    if (typeof extras[name] !== 'string' || !(extras[name] as string).trim()) {
      throw bad(request.model, name, `${target} needs ${name}: ${what}.`, 'missing_required_parameter');
    }
  }
  let prompt = request.prompt?.trim() ? request.prompt : undefined;
  if (prompt !== undefined && !endpoint.prompt) {
    if (!request.dropParams) {
      throw new UnsupportedParamsError({
        message: `prompt: ${target} takes no prompt (Stability would refuse it). Send an empty prompt, or set drop_params: true to drop it with a warning.`,
        param: 'prompt',
        provider: PROVIDER,
        model: request.model,
      });
    }
    warnings.push(`dropped prompt: ${target} takes no prompt`);
    prompt = undefined;
  }
  if (
    request.model === 'outpaint' &&
    !['left', 'right', 'up', 'down'].some((side) => Number(extras[side] ?? 0) > 0)
  ) {
    throw bad(
      request.model,
      'left',
      `${target} needs at least one of left, right, up, down (pixels to add, 1–2000).`,
      'missing_required_parameter',
    );
  }
  if (request.model === 'replace-background-and-relight') {
    if (prompt === undefined && request.images.length < 2) {
      throw bad(
        request.model,
        'prompt',
        `${target} needs a prompt describing the new background, or a second image as the background reference.`,
        'missing_required_parameter',
      );
    }
    if (extras.light_source_strength !== undefined && extras.light_source_direction === undefined) {
      throw bad(
        request.model,
        'light_source_strength',
        `${target} uses light_source_strength only with light_source_direction; set it too.`,
      );
    }
  }
  const { minPixels, maxSide } = endpoint.limits;
  for (const [index, image] of request.images.entries()) {
    const pixels = image.width * image.height;
    const param = request.images.length > 1 ? `image[${index}]` : 'image';
    if (pixels < minPixels || (maxSide !== undefined && Math.max(image.width, image.height) > maxSide)) {
      const side = maxSide === undefined ? '' : `, sides up to ${maxSide}px`;
      throw bad(
        request.model,
        param,
        `${target} needs at least ${minPixels} pixels${side}; got ${image.width}x${image.height}.`,
        'invalid_image',
      );
    }
  }
  if (request.user !== undefined && request.user.length > 256) {
    throw bad(
      request.model,
      'user',
      `${target} sends user as stability-client-user-id, at most 256 characters; got ${request.user.length}.`,
    );
  }
  return { prompt };
}

function appendField(form: FormData, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  form.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
}

async function buildForm(
  request: ProviderImageEditRequest,
  endpoint: StabilityEndpoint,
  extras: Record<string, unknown>,
  prompt: string | undefined,
): Promise<FormData> {
  const form = new FormData();
  const [first, second] = request.images as [PreparedImage, PreparedImage | undefined];
  form.append(endpoint.imageField, toBlob(first), first.filename);
  if (second && endpoint.secondImage)
    form.append(endpoint.secondImage.field, toBlob(second), second.filename);
  if (request.mask) {
    // The request's mask is OpenAI's (transparent = edit); Stability edits where the mask is white.
    const mask = await convertMask(request.mask, 'white');
    form.append('mask', toBlob(mask), mask.filename);
  }
  if (prompt !== undefined && endpoint.prompt) form.append(endpoint.prompt.field, prompt);
  const aspectRatio = endpoint.aspectRatios
    ? nearestAspectRatio(request.size, endpoint.aspectRatios)
    : undefined;
  const fields: Record<string, unknown> = { ...extras };
  // An explicit aspect_ratio wins over the one derived from `size`.
  if (aspectRatio !== undefined && fields.aspect_ratio === undefined) fields.aspect_ratio = aspectRatio;
  for (const [name, value] of Object.entries(fields)) appendField(form, name, value);
  appendField(form, 'output_format', request.output_format);
  for (const [name, value] of Object.entries(request.extraBody ?? {})) {
    form.delete(name);
    appendField(form, name, value);
  }
  return form;
}

function mediaTypeOf(headers: Headers, fallback: string): string {
  const type = /type=(image\/[a-z]+)/i.exec(headers.get('content-type') ?? '')?.[1];
  return type?.toLowerCase() ?? fallback;
}

/**
 * Runs one Stability edit (n calls for `n` images).
 *
 * @example
 * ```ts
 * const result = await stabilityImageEdit(http, request, { signal }, { pollIntervalMs: 10_000, pollTimeoutMs: 300_000, maxConcurrency: 4 });
 * ```
 */
export async function stabilityImageEdit(
  http: ProviderHttp,
  request: ProviderImageEditRequest,
  options: ProviderCallOptions,
  config: StabilityCallConfig,
): Promise<ProviderImageEditResult> {
  const endpoint = STABILITY_ENDPOINTS[request.model];
  if (!endpoint)
    throw bad(request.model, 'model', `unknown Stability model ${request.model}`, 'model_not_found');
  const warnings: string[] = [];
  const extras = parseProviderExtras({
    request,
    schema: endpoint.extras,
    provider: PROVIDER,
    warnings,
  }) as Record<string, unknown>;
  const { prompt } = checkRequest(request, endpoint, extras, warnings);
  const headers = {
    accept: 'application/json',
    ...(request.user === undefined ? {} : { 'stability-client-user-id': request.user }),
    ...request.extraHeaders,
  };
  const fallbackType = `image/${request.output_format ?? 'png'}`;
  const ref = { provider: PROVIDER, model: request.model };

  const oneImage = async (signal: AbortSignal): Promise<ProviderImageEditResult> => {
    const form = await buildForm(request, endpoint, extras, prompt);
    const call = { signal, model: request.model, headers };
    let response = await http.postForm(endpoint.path, form, call);
    if (endpoint.async) {
      const { id } = parseUpstream(submitSchema, response.body, ref);
      response = await pollUntilDone({
        ...ref,
        signal,
        deadline: options.deadline ?? Date.now() + config.pollTimeoutMs,
        initialDelayMs: config.pollIntervalMs,
        minDelayMs: config.pollIntervalMs,
        maxDelayMs: config.pollIntervalMs,
        onProgress: options.onProgress,
        poll: async (pollSignal) => {
          const polled = await http.getJson(`${STABILITY_RESULTS_PATH}${encodeURIComponent(id)}`, {
            ...call,
            signal: pollSignal,
          });
          if (polled.status !== 202) return { done: true, value: polled };
          return {
            done: false,
            status: parseUpstream(pendingSchema, polled.body, ref).status ?? 'in-progress',
          };
        },
      });
    }
    const body = parseUpstream(imageSchema, response.body, ref);
    if (body.finish_reason === 'CONTENT_FILTERED') {
      throw new ContentPolicyViolationError({
        ...ref,
        message: `${PROVIDER}/${request.model}: Stability's moderation filtered the result (finish_reason CONTENT_FILTERED; the image came back blurred). Change the prompt or the input image.`,
        upstreamRequestId: response.requestId,
      });
    }
    return {
      images: [{ b64: body.image, mediaType: mediaTypeOf(response.headers, fallbackType) }],
      warnings: [],
      upstreamRequestId: response.requestId,
    };
  };

  const result = await fanOut(request.n, config.maxConcurrency, options.signal, oneImage);
  return {
    ...result,
    warnings: [...warnings, ...result.warnings],
    echo: { output_format: request.output_format ?? 'png' },
  };
}
