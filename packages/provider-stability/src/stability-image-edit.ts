/**
 * The Stability mapping: one multipart `POST` to the model's endpoint with `accept:
 * application/json`, each input image in the field the endpoint takes, the mask converted to
 * white-means-edit, the endpoint's own extras; async endpoints then poll `GET /v2beta/results/{id}`
 * (202 while running, at most one poll per interval) and read the image from `result`. `n` > 1
 * makes one call per image, a fixed `seed` going up by one per call (`seed`, `seed + 1`, …).
 * `finish_reason: CONTENT_FILTERED` — an HTTP 200 with a blurred image — is a
 * `ContentPolicyViolationError`, never a success.
 * @module
 */
import {
  BadRequestError,
  ContentPolicyViolationError,
  convertMask,
  fanOut,
  imageFile,
  MultipartForm,
  nearestAspectRatio,
  type PreparedImage,
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  type ProviderImageEditResult,
  parseProviderExtras,
  parseUpstream,
  pollUntilDone,
  prepareImage,
  seedForCall,
  UnsupportedParamsError,
} from '@retouch/core';
import { z } from 'zod';
import {
  STABILITY_ENDPOINTS,
  STABILITY_RESULTS_PATH,
  type StabilityEndpoint,
} from './stability-endpoints.js';

const PROVIDER = 'stability';
/** Seeds Stability takes; `0` means "pick one at random". */
const STABILITY_SEEDS = { min: 1, max: 4294967294, random: 0 } as const;
/** Stability refuses requests over 10 MiB; one file must leave room for the other parts. */
const MAX_FILE_BYTES = 10 * 1024 * 1024 - 64 * 1024;

/** Settings of one Stability call that come from the provider. */
export interface StabilityCallConfig {
  /** Wait between polls of an async result (Stability asks for at most one poll per 10 s). */
  pollIntervalMs: number;
  /** How long an async result is awaited when the call has no deadline of its own. */
  pollTimeoutMs: number;
  /** Calls in flight at once when `n` > 1. */
  maxConcurrency: number;
}

/**
 * A finished image. Sync endpoints answer `image`; `GET /v2beta/results/{id}` answers `result`
 * (as Stability's own ComfyUI nodes read it). Both are accepted, `result` first.
 */
const imageSchema = z
  .object({
    result: z.string().min(1).optional(),
    image: z.string().min(1).optional(),
    seed: z.number().optional(),
    finish_reason: z.string(),
  })
  .loose()
  .refine((body) => body.result !== undefined || body.image !== undefined, {
    error: 'the answer has neither result nor image',
  });
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
    if (
      extras.light_source_strength !== undefined &&
      extras.light_source_direction === undefined &&
      extras.light_reference === undefined
    ) {
      throw bad(
        request.model,
        'light_source_strength',
        `${target} uses light_source_strength only with light_source_direction or light_reference; set one of them too.`,
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

function appendField(form: MultipartForm, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  form.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
}

/** Reads the `light_reference` extra (relight) once, as an image Stability takes. */
async function prepareLightReference(
  request: ProviderImageEditRequest,
  value: unknown,
): Promise<PreparedImage | undefined> {
  if (value === undefined) return undefined;
  const image = await prepareImage(value as Uint8Array | Blob | string, {
    param: 'light_reference',
    maxBytes: MAX_FILE_BYTES,
    defaultName: 'light_reference',
  });
  if (!['image/png', 'image/jpeg', 'image/webp'].includes(image.mediaType)) {
    throw bad(
      request.model,
      'light_reference',
      `Stability takes a PNG, JPEG or WebP light reference; got ${image.mediaType}.`,
      'invalid_image_format',
    );
  }
  return image;
}

async function buildForm(
  request: ProviderImageEditRequest,
  endpoint: StabilityEndpoint,
  extras: Record<string, unknown>,
  prompt: string | undefined,
  files: { lightReference?: PreparedImage; index: number },
): Promise<MultipartForm> {
  const form = new MultipartForm();
  const [first, second] = request.images as [PreparedImage, PreparedImage | undefined];
  form.append(endpoint.imageField, imageFile(first));
  if (second && endpoint.secondImage) form.append(endpoint.secondImage.field, imageFile(second));
  if (files.lightReference) {
    form.append('light_reference', imageFile(files.lightReference));
  }
  if (request.mask) {
    // The request's mask is OpenAI's (transparent = edit); Stability edits where the mask is white.
    const mask = await convertMask(request.mask, 'white');
    form.append('mask', imageFile(mask));
  }
  if (prompt !== undefined && endpoint.prompt) form.append(endpoint.prompt.field, prompt);
  const aspectRatio = endpoint.aspectRatios
    ? nearestAspectRatio(request.size, endpoint.aspectRatios)
    : undefined;
  const { light_reference: _file, ...fields } = extras;
  // A fixed seed goes up by one per image; Stability's `0` ("pick one at random") stays.
  fields.seed = seedForCall(extras.seed as number | undefined, files.index, STABILITY_SEEDS);
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

  const lightReference = await prepareLightReference(request, extras.light_reference);

  const oneImage = async (signal: AbortSignal, index: number): Promise<ProviderImageEditResult> => {
    const form = await buildForm(request, endpoint, extras, prompt, { lightReference, index });
    const call = { signal, model: request.model, headers };
    let response = await http.postForm(endpoint.path, form, call);
    if (endpoint.async) {
      const { id } = parseUpstream(submitSchema, response.body, ref);
      response = await pollUntilDone({
        ...ref,
        signal,
        deadline: options.deadline ?? Date.now() + config.pollTimeoutMs,
        timeoutMs: options.deadline === undefined ? undefined : options.timeoutMs,
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
      images: [
        {
          b64: (body.result ?? body.image) as string,
          mediaType: mediaTypeOf(response.headers, fallbackType),
        },
      ],
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
