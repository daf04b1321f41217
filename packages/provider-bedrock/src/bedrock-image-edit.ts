/**
 * The Bedrock mapping: one `POST /model/{modelId}/invoke` per image with the model's JSON body —
 * bare base64 images in the keys the service takes (`image`, or `init_image` + `style_image`), the
 * mask converted to white-means-edit, the model's own extras — checked against AWS's limits before
 * the call (image sizes by capabilities, the 25,000,000-byte body here). The body is built once from
 * the prepared images, so every attempt (a retry after a 503, a fallback) sends the same bytes.
 * `n` > 1 is one call per image, a fixed `seed` going up by one per call. A base model id (not
 * the `us.` profile) gets a warning: AWS serves these models on demand through the profile only.
 * A `finish_reasons` entry that is not null is a `ContentPolicyViolationError` (filter) or a 502
 * (inference error), never a success.
 * @module
 */
import {
  BadGatewayError,
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
  seedForCall,
  toBase64,
  UnsupportedParamsError,
} from '@retouch/core';
import { z } from 'zod';
import { BEDROCK_MAX_BODY_BYTES } from './bedrock-capabilities.js';
import { invokePath } from './bedrock-endpoint.js';
import type { ResolvedBedrockModel } from './bedrock-models.js';

const PROVIDER = 'bedrock';
/** Seeds the Stability services take; `0` means "pick one at random". */
const SEEDS = { min: 1, max: 4294967294, random: 0 } as const;

const responseSchema = z
  .object({
    images: z.array(z.string()).optional(),
    // Numbers in AWS's examples; strings seen in the wild. Either is fine (retouch does not use them).
    seeds: z.array(z.union([z.number(), z.string()]).nullable()).optional(),
    finish_reasons: z.array(z.string().nullable()).optional(),
  })
  .loose();

function bad(
  model: string,
  param: string,
  message: string,
  code = 'invalid_value',
  status?: number,
): BadRequestError {
  return new BadRequestError({
    message: `${param}: ${message}`,
    param,
    code,
    status,
    provider: PROVIDER,
    model,
  });
}

/** The checks the capabilities cannot state, before any billable call. */
function checkRequest(
  request: ProviderImageEditRequest,
  model: ResolvedBedrockModel,
  extras: Record<string, unknown>,
  warnings: string[],
): string | undefined {
  const { spec } = model;
  const target = `${PROVIDER}/${request.model}`;
  for (const [name, what] of Object.entries(spec.requiredExtras ?? {})) {
    if (typeof extras[name] !== 'string' || !(extras[name] as string).trim()) {
      throw bad(request.model, name, `${target} needs ${name}: ${what}.`, 'missing_required_parameter');
    }
  }
  let prompt = request.prompt?.trim() ? request.prompt : undefined;
  if (prompt !== undefined && !spec.prompt) {
    if (!request.dropParams) {
      throw new UnsupportedParamsError({
        message: `prompt: ${target} takes no prompt (Bedrock would refuse the extra key). Send an empty prompt, or set drop_params: true to drop it with a warning.`,
        param: 'prompt',
        provider: PROVIDER,
        model: request.model,
      });
    }
    warnings.push(`dropped prompt: ${target} takes no prompt`);
    prompt = undefined;
  }
  if (spec.needsDirection && !['left', 'right', 'up', 'down'].some((side) => Number(extras[side] ?? 0) > 0)) {
    throw bad(
      request.model,
      'left',
      `${target} needs at least one of left, right, up, down (pixels to add, 1–2000).`,
      'missing_required_parameter',
    );
  }
  const { minPixels, maxSide } = spec.limits;
  for (const [index, image] of request.images.entries()) {
    const param = request.images.length > 1 ? `image[${index}]` : 'image';
    if (
      image.width * image.height < minPixels ||
      (maxSide !== undefined && Math.max(image.width, image.height) > maxSide)
    ) {
      const side = maxSide === undefined ? '' : `, sides up to ${maxSide}px`;
      throw bad(
        request.model,
        param,
        `${target} needs at least ${minPixels} pixels${side}; got ${image.width}x${image.height}.`,
        'invalid_image',
      );
    }
  }
  return prompt;
}

async function buildBody(
  request: ProviderImageEditRequest,
  model: ResolvedBedrockModel,
  extras: Record<string, unknown>,
  prompt: string | undefined,
): Promise<Record<string, unknown>> {
  const { spec } = model;
  const [first, second] = request.images as [PreparedImage, PreparedImage | undefined];
  // Bare base64 (no data: prefix), computed once per prepared image and reused by every attempt.
  const body: Record<string, unknown> = { [spec.imageField]: toBase64(first) };
  if (second && spec.secondImageField) body[spec.secondImageField] = toBase64(second);
  if (request.mask) body.mask = toBase64(await convertMask(request.mask, 'white'));
  if (prompt !== undefined) body.prompt = prompt;
  Object.assign(body, extras);
  const aspectRatio = spec.aspectRatios ? nearestAspectRatio(request.size, spec.aspectRatios) : undefined;
  if (aspectRatio !== undefined && body.aspect_ratio === undefined) body.aspect_ratio = aspectRatio;
  if (request.output_format !== undefined) body.output_format = request.output_format;
  Object.assign(body, request.extraBody);
  const size = Buffer.byteLength(JSON.stringify(body));
  if (size > BEDROCK_MAX_BODY_BYTES) {
    throw bad(
      request.model,
      'image',
      `${PROVIDER}/${request.model} takes request bodies up to ${BEDROCK_MAX_BODY_BYTES} bytes; the base64 images make ${size} bytes. Send smaller images.`,
      'image_file_too_large',
      413,
    );
  }
  return body;
}

/**
 * Runs one Bedrock Stability edit (n calls for `n` images).
 *
 * @example
 * ```ts
 * const result = await bedrockImageEdit(http, request, { signal }, resolveBedrockModel(request.model)!, 4);
 * ```
 */
export async function bedrockImageEdit(
  http: ProviderHttp,
  request: ProviderImageEditRequest,
  options: ProviderCallOptions,
  model: ResolvedBedrockModel,
  maxConcurrency: number,
): Promise<ProviderImageEditResult> {
  const warnings: string[] = [];
  const baseId =
    !model.profileGeo &&
    (model.modelId === model.baseModelId || model.modelId.includes(':foundation-model/'));
  if (baseId) {
    // AWS lists these services with inference type INFERENCE_PROFILE only: a base id is refused
    // on-demand ("…with on-demand throughput isn't supported") unless it is provisioned.
    warnings.push(
      `model: ${model.modelId} is a base model id; Bedrock serves the Stability image services on demand only through the cross-region inference profile us.${model.baseModelId} (use it, or an alias to your provisioned throughput)`,
    );
  }
  const extras = parseProviderExtras({
    request,
    schema: model.spec.extras,
    provider: PROVIDER,
    warnings,
  }) as Record<string, unknown>;
  const prompt = checkRequest(request, model, extras, warnings);
  const body = await buildBody(request, model, extras, prompt);
  const path = invokePath(model.modelId);
  const ref = { provider: PROVIDER, model: request.model };
  const mediaType = `image/${request.output_format ?? 'png'}`;

  const oneImage = async (signal: AbortSignal, index: number): Promise<ProviderImageEditResult> => {
    // A fixed seed goes up by one per image, so n calls make n different images.
    const seed = seedForCall(body.seed as number | undefined, index, SEEDS);
    const response = await http.postJson(path, seed === body.seed ? body : { ...body, seed }, {
      signal,
      model: request.model,
      headers: request.extraHeaders,
    });
    const parsed = parseUpstream(responseSchema, response.body, ref);
    const reason = parsed.finish_reasons?.find((value) => value !== null && value !== undefined);
    const common = {
      ...ref,
      upstreamRequestId: response.requestId,
      upstreamBody: JSON.stringify({ finish_reasons: parsed.finish_reasons }),
    };
    if (reason?.startsWith('Filter reason')) {
      throw new ContentPolicyViolationError({
        ...common,
        message: `${PROVIDER}/${request.model}: the Stability service filtered the request ("${reason}"). Change the prompt or the input image.`,
      });
    }
    if (reason) {
      throw new BadGatewayError({
        ...common,
        code: 'model_error',
        message: `${PROVIDER}/${request.model}: the model failed ("${reason}").`,
      });
    }
    const image = parsed.images?.[0];
    if (!image)
      throw new BadGatewayError({
        ...common,
        message: `${PROVIDER}/${request.model} answered without an image.`,
      });
    return { images: [{ b64: image, mediaType }], warnings: [], upstreamRequestId: response.requestId };
  };

  const result = await fanOut(request.n, maxConcurrency, options.signal, oneImage);
  return {
    ...result,
    warnings: [...warnings, ...result.warnings],
    echo: { output_format: request.output_format ?? 'png' },
  };
}
