/**
 * The Imagen 3 editing mapping: one `POST …/models/imagen-3.0-capability-001:predict` with
 * `instances[0].referenceImages` (the base image as `REFERENCE_TYPE_RAW`; the mask — converted from
 * OpenAI's convention to Imagen's white-means-edit — or an automatic mask mode as
 * `REFERENCE_TYPE_MASK`), `parameters.editMode`, `sampleCount` = `n` (always sent: the API makes 4
 * otherwise), `editConfig.baseSteps` and the other knobs. Filtered samples (`raiFilteredReason`)
 * become a content-policy error when nothing is left, a warning when some images survive.
 * @module
 */
import {
  BadRequestError,
  ContentPolicyViolationError,
  convertMask,
  type GeneratedImage,
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  type ProviderImageEditResult,
  parseProviderExtras,
  parseUpstream,
  toBase64,
  type UpstreamFailure,
} from '@retouch/core';
import { z } from 'zod';
import { type ImagenOptions, imagenOptionsSchema } from './vertex-options.js';

const PROVIDER = 'vertex_ai';

const MASK_MODES = {
  background: 'MASK_MODE_BACKGROUND',
  foreground: 'MASK_MODE_FOREGROUND',
  semantic: 'MASK_MODE_SEMANTIC',
} as const;

/** Edit modes that work on a masked area, and so need a mask image or an automatic mask. */
const MASKED_MODES = new Set([
  'EDIT_MODE_INPAINT_INSERTION',
  'EDIT_MODE_INPAINT_REMOVAL',
  'EDIT_MODE_OUTPAINT',
]);

const responseSchema = z
  .object({
    predictions: z
      .array(
        z
          .object({
            bytesBase64Encoded: z.string().optional(),
            mimeType: z.string().optional(),
            raiFilteredReason: z.string().optional(),
            prompt: z.string().optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose();

function bad(request: ProviderImageEditRequest, param: string, message: string): BadRequestError {
  return new BadRequestError({
    message: `${param}: ${message}`,
    param,
    code: 'invalid_value',
    provider: PROVIDER,
    model: request.model,
  });
}

/** `editMode` and `maskMode` for the request, checked for combinations Imagen refuses. */
function resolveModes(
  request: ProviderImageEditRequest,
  options: ImagenOptions,
): { editMode?: string; maskMode?: string } {
  if (request.mask && options.mask_mode) {
    throw bad(
      request,
      'mask_mode',
      'computes the mask from the image; send either a mask image or mask_mode, not both.',
    );
  }
  if (options.mask_classes && options.mask_mode !== 'semantic') {
    throw bad(request, 'mask_classes', 'applies to mask_mode: semantic only.');
  }
  if (options.mask_mode === 'semantic' && !options.mask_classes) {
    throw bad(request, 'mask_classes', 'mask_mode semantic needs mask_classes (segmentation class ids).');
  }
  let maskMode: string | undefined = request.mask
    ? 'MASK_MODE_USER_PROVIDED'
    : options.mask_mode && MASK_MODES[options.mask_mode];
  const editMode = options.edit_mode ?? (maskMode ? 'EDIT_MODE_INPAINT_INSERTION' : undefined);
  // Background swap needs the background as its mask: computed when no mask says otherwise.
  if (editMode === 'EDIT_MODE_BGSWAP' && !maskMode) maskMode = MASK_MODES.background;
  if (editMode && MASKED_MODES.has(editMode) && !maskMode) {
    throw bad(
      request,
      'mask',
      `edit_mode ${editMode} needs a mask image or mask_mode (background, foreground, semantic).`,
    );
  }
  if (options.mask_dilation !== undefined && !maskMode) {
    throw bad(request, 'mask_dilation', 'applies to masked edits only; send a mask or mask_mode.');
  }
  const needsPrompt =
    editMode === undefined || editMode === 'EDIT_MODE_INPAINT_INSERTION' || editMode === 'EDIT_MODE_BGSWAP';
  if (needsPrompt && !request.prompt?.trim()) {
    throw bad(request, 'prompt', `${editMode ?? 'mask-free editing'} needs a prompt describing the edit.`);
  }
  return { editMode, maskMode };
}

async function referenceImages(
  request: ProviderImageEditRequest,
  options: ImagenOptions,
  maskMode: string | undefined,
): Promise<Record<string, unknown>[]> {
  const base = request.images[0];
  if (!base) throw bad(request, 'image', 'Imagen edits one base image.');
  const references: Record<string, unknown>[] = [
    {
      referenceType: 'REFERENCE_TYPE_RAW',
      referenceId: 1,
      referenceImage: { bytesBase64Encoded: toBase64(base) },
    },
  ];
  if (!maskMode) return references;
  const maskImageConfig: Record<string, unknown> = { maskMode };
  if (options.mask_dilation !== undefined) maskImageConfig.dilation = options.mask_dilation;
  if (options.mask_classes) maskImageConfig.maskClasses = options.mask_classes;
  const mask: Record<string, unknown> = { referenceType: 'REFERENCE_TYPE_MASK', referenceId: 2 };
  if (request.mask) {
    // The request's mask is OpenAI's (alpha 0 = edit); Imagen edits where the mask is white.
    mask.referenceImage = { bytesBase64Encoded: toBase64(await convertMask(request.mask, 'white')) };
  }
  mask.maskImageConfig = maskImageConfig;
  references.push(mask);
  return references;
}

function buildParameters(
  request: ProviderImageEditRequest,
  options: ImagenOptions,
  editMode: string | undefined,
  warnings: string[],
): Record<string, unknown> {
  const format = request.output_format ?? 'png';
  if (request.output_compression !== undefined && format !== 'jpeg') {
    throw bad(
      request,
      'output_compression',
      'applies to jpeg output only; set output_format: jpeg, or remove it.',
    );
  }
  if (options.seed !== undefined && options.add_watermark === true) {
    throw bad(
      request,
      'seed',
      'Imagen ignores seeds on watermarked images; set add_watermark: false or remove seed.',
    );
  }
  const parameters: Record<string, unknown> = {};
  if (editMode) parameters.editMode = editMode;
  parameters.sampleCount = request.n;
  if (options.base_steps !== undefined) parameters.editConfig = { baseSteps: options.base_steps };
  if (options.guidance_scale !== undefined) parameters.guidanceScale = options.guidance_scale;
  if (options.negative_prompt !== undefined) parameters.negativePrompt = options.negative_prompt;
  if (options.seed !== undefined) {
    parameters.seed = options.seed;
    if (options.add_watermark === undefined)
      warnings.push('seed: sent addWatermark false (Imagen takes a seed on unwatermarked images only)');
    parameters.addWatermark = false;
  } else if (options.add_watermark !== undefined) {
    parameters.addWatermark = options.add_watermark;
  }
  if (request.output_format !== undefined || request.output_compression !== undefined) {
    parameters.outputOptions = {
      mimeType: `image/${format}`,
      ...(request.output_compression !== undefined ? { compressionQuality: request.output_compression } : {}),
    };
  }
  if (options.person_generation) parameters.personGeneration = options.person_generation;
  if (options.safety_setting) parameters.safetySetting = options.safety_setting;
  if (options.language) parameters.language = options.language;
  // Filtered samples then say why instead of silently going missing.
  parameters.includeRaiReason = true;
  return parameters;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the `:predict` body for an Imagen edit.
 *
 * @example
 * ```ts
 * const body = await buildImagenBody(request, options, warnings);
 * body.parameters.sampleCount; // request.n
 * ```
 */
export async function buildImagenBody(
  request: ProviderImageEditRequest,
  options: ImagenOptions,
  warnings: string[],
): Promise<Record<string, unknown>> {
  const { editMode, maskMode } = resolveModes(request, options);
  const body: Record<string, unknown> = {
    instances: [
      { prompt: request.prompt ?? '', referenceImages: await referenceImages(request, options, maskMode) },
    ],
    parameters: buildParameters(request, options, editMode, warnings),
  };
  for (const [key, value] of Object.entries(request.extraBody ?? {})) {
    const ours = body[key];
    body[key] = isPlainObject(ours) && isPlainObject(value) ? { ...ours, ...value } : value;
  }
  return body;
}

/**
 * Imagen answers a prompt its safety filters refuse with a 400 (`…Responsible AI practices…`,
 * `Support codes: …`): that is a content-policy refusal, not a malformed request.
 *
 * @example
 * ```ts
 * classifyVertexSafetyError(failure, { provider: 'vertex_ai', model }); // ContentPolicyViolationError | undefined
 * ```
 */
export function classifyVertexSafetyError(
  failure: UpstreamFailure,
  ref: { provider: string; model?: string },
): ContentPolicyViolationError | undefined {
  const message = failure.details.message ?? '';
  if (
    failure.status !== 400 ||
    !/Responsible AI|usage guidelines|sensitive words|safety filter/i.test(message)
  ) {
    return undefined;
  }
  return new ContentPolicyViolationError({
    message: `${ref.provider}/${ref.model ?? 'model'} refused the request: ${message}`,
    upstreamBody: failure.text,
    upstreamRequestId: failure.requestId,
    ...ref,
  });
}

/**
 * Runs one Imagen edit.
 *
 * @example
 * ```ts
 * const result = await imagenImageEdit(http, path, request, { signal });
 * ```
 */
export async function imagenImageEdit(
  http: ProviderHttp,
  path: string,
  request: ProviderImageEditRequest,
  callOptions: ProviderCallOptions,
): Promise<ProviderImageEditResult> {
  const warnings: string[] = [];
  const ref = { provider: PROVIDER, model: request.model };
  const options = parseProviderExtras({ request, schema: imagenOptionsSchema, provider: PROVIDER, warnings });
  const body = await buildImagenBody(request, options, warnings);
  const response = await http.postJson(path, body, {
    signal: callOptions.signal,
    model: request.model,
    headers: request.extraHeaders,
  });
  const predictions = parseUpstream(responseSchema, response.body, ref).predictions ?? [];
  const images: GeneratedImage[] = predictions
    .filter((prediction) => prediction.bytesBase64Encoded)
    .map((prediction) => ({
      b64: prediction.bytesBase64Encoded,
      mediaType: prediction.mimeType ?? `image/${request.output_format ?? 'png'}`,
      revisedPrompt: prediction.prompt,
    }));
  const reasons = [
    ...new Set(predictions.flatMap((p) => (p.raiFilteredReason ? [p.raiFilteredReason] : []))),
  ];
  if (images.length === 0) {
    throw new ContentPolicyViolationError({
      message: `${PROVIDER}/${request.model} returned no image: ${reasons.length > 0 ? `filtered by Responsible AI (${reasons.join(' | ')})` : 'every sample was filtered'}.`,
      upstreamBody: JSON.stringify({
        predictions: predictions.map((p) => ({ raiFilteredReason: p.raiFilteredReason })),
      }),
      ...ref,
    });
  }
  if (images.length < request.n) {
    const why = reasons.length > 0 ? `: ${reasons.join(' | ')}` : '';
    warnings.push(
      `${request.n - images.length} of ${request.n} images filtered by Imagen's safety filters${why}`,
    );
  }
  const base = request.images[0];
  // What Imagen made, as it says in predictions[].mimeType; the request's format only when it is silent.
  const madeType = images[0]?.mediaType ?? `image/${request.output_format ?? 'png'}`;
  return {
    images,
    warnings,
    echo: {
      // Imagen edits keep the base image's size.
      size: base ? `${base.width}x${base.height}` : undefined,
      output_format: madeType.replace(/^image\//, ''),
    },
  };
}
