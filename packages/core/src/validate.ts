/**
 * Checks a prepared request against one model's capabilities and turns it into the request that
 * provider receives. Everything here runs before any billable call.
 * @module
 */
import type { z } from 'zod';
import type { ModelCapabilities, OpenAIEditParam } from './capabilities.js';
import { BadRequestError, UnsupportedParamsError } from './errors.js';
import { formatBytesBeside } from './format-bytes.js';
import { assertMaskMatches } from './image/mask.js';
import { imageByteLength, type PreparedImage } from './image/prepare.js';
import type { ParsedImageEditParams } from './params.js';
import type { ProviderImageEditRequest } from './provider.js';

/** A request whose images are read, independent of any provider (reused across fallbacks). */
export interface PreparedEditRequest {
  fields: ParsedImageEditParams['fields'];
  images: readonly PreparedImage[];
  mask?: PreparedImage;
  extras: Record<string, unknown>;
}

/** Who a check is for, for error messages. */
export interface ModelRef {
  provider: string;
  model: string;
}

function bad(ref: ModelRef, param: string, message: string, code = 'invalid_value'): BadRequestError {
  return new BadRequestError({ message: `${param}: ${message}`, param, code, ...ref });
}

function checkImage(image: PreparedImage, param: string, caps: ModelCapabilities, ref: ModelRef): void {
  const target = `${ref.provider}/${ref.model}`;
  if (!caps.inputMediaTypes.includes(image.mediaType)) {
    throw bad(
      ref,
      param,
      `${target} accepts ${caps.inputMediaTypes.join(', ')}; got ${image.mediaType}. Convert the image first.`,
      'unsupported_image_media_type',
    );
  }
  if (caps.maxImageBytes !== undefined && imageByteLength(image) > caps.maxImageBytes) {
    throw new BadRequestError({
      message: `${param}: ${target} accepts images up to ${sizes(caps.maxImageBytes, imageByteLength(image))}.`,
      param,
      code: 'image_file_too_large',
      status: 413,
      ...ref,
    });
  }
  if (caps.squareImages && image.width !== image.height) {
    throw bad(
      ref,
      param,
      `${target} edits square images only; got ${image.width}x${image.height}.`,
      'invalid_image',
    );
  }
  if (caps.minSide !== undefined && Math.min(image.width, image.height) < caps.minSide) {
    throw bad(
      ref,
      param,
      `${target} needs both sides ≥ ${caps.minSide}px; got ${image.width}x${image.height}.`,
      'image_too_small',
    );
  }
  if (caps.maxPixels !== undefined && image.width * image.height > caps.maxPixels) {
    throw bad(
      ref,
      param,
      `${target} accepts at most ${caps.maxPixels} pixels; got ${image.width}x${image.height}.`,
      'image_too_large',
    );
  }
  if (caps.maxAspectRatio !== undefined) {
    const ratio = Math.max(image.width, image.height) / Math.min(image.width, image.height);
    if (ratio > caps.maxAspectRatio + 1e-9) {
      throw bad(
        ref,
        param,
        `${target} accepts aspect ratios up to ${caps.maxAspectRatio}:1; got ${image.width}x${image.height}.`,
        'invalid_image',
      );
    }
  }
}

/** "4 MiB; this one is 6 MiB", in bytes where the two would read the same. */
function sizes(limit: number, actual: number): string {
  const [max, size] = formatBytesBeside(limit, actual);
  return `${max}; this one is ${size}`;
}

/**
 * Whether `size` is acceptable for the model.
 *
 * @example
 * ```ts
 * isSizeSupported('2048x1152', openai.capabilities('gpt-image-2')!); // true
 * ```
 */
export function isSizeSupported(size: string, caps: ModelCapabilities): boolean {
  if (caps.sizes?.includes(size)) return true;
  const rule = caps.customSizes;
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!rule || !match) return false;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return (
    width % rule.multipleOf === 0 &&
    height % rule.multipleOf === 0 &&
    Math.max(width, height) <= rule.maxSide &&
    width * height <= rule.maxPixels &&
    width * height >= (rule.minPixels ?? 0) &&
    Math.max(width, height) / Math.min(width, height) <= rule.maxAspectRatio
  );
}

/** Options of {@link bindRequest}. */
export interface BindOptions {
  /**
   * Bind for a streamed call: `stream` is taken by every model, `partial_images` by those that make
   * partial images (elsewhere it is dropped with a warning), and `response_format` is `b64_json`.
   * Defaults to false, where `stream: true` and `partial_images` are refused (see `streamImageEdit`).
   */
  streaming?: boolean;
}

/**
 * A plain (unstreamed) call that asks for a stream, or for partial images without `drop_params`:
 * refused, naming the function that streams. `partial_images: 0` asks for nothing and passes.
 *
 * @example
 * ```ts
 * checkNotStreamed({ stream: true }, ref); // BadRequestError: stream: imageEdit() answers once; …
 * ```
 */
export function checkNotStreamed(
  fields: Pick<PreparedEditRequest['fields'], 'stream' | 'partial_images' | 'drop_params'>,
  ref?: Partial<ModelRef>,
): void {
  const fix = 'call streamImageEdit() (router.streamImageEdit() with the router) for the event stream';
  if (fields.stream === true) {
    throw new BadRequestError({
      message: `stream: imageEdit() answers with one response; ${fix}`,
      param: 'stream',
      code: 'invalid_value',
      ...ref,
    });
  }
  if (fields.partial_images !== undefined && fields.partial_images > 0 && fields.drop_params !== true) {
    throw new BadRequestError({
      message: `partial_images: only a streamed edit has partial images; remove it, or ${fix}`,
      param: 'partial_images',
      code: 'invalid_value',
      ...ref,
    });
  }
}

/**
 * Validates `prepared` for one model and builds the provider request. Unsupported OpenAI fields
 * raise `UnsupportedParamsError`, or with `drop_params` are dropped and named in `warnings`.
 *
 * @example
 * ```ts
 * const { request, warnings } = bindRequest(prepared, provider.capabilities('gpt-image-1')!, { provider: 'openai', model: 'gpt-image-1' });
 * ```
 */
export function bindRequest(
  prepared: PreparedEditRequest,
  caps: ModelCapabilities,
  ref: ModelRef,
  options: BindOptions = {},
): { request: ProviderImageEditRequest; warnings: string[] } {
  const { fields } = prepared;
  const dropParams = fields.drop_params ?? false;
  const warnings: string[] = [];
  const target = `${ref.provider}/${ref.model}`;
  const kept: Partial<Record<OpenAIEditParam, unknown>> = {};
  const streaming = options.streaming === true;
  if (!streaming) {
    checkNotStreamed(fields, ref);
    if (fields.partial_images !== undefined && fields.partial_images > 0)
      warnings.push('dropped partial_images: only a streamed edit has partial images');
  }

  const given: Partial<Record<OpenAIEditParam, unknown>> = {
    mask: prepared.mask,
    n: fields.n,
    size: fields.size,
    quality: fields.quality,
    output_format: fields.output_format,
    output_compression: fields.output_compression,
    background: fields.background,
    input_fidelity: fields.input_fidelity,
    // `stream` and `partial_images` are not the model's to refuse: a streamed call streams on
    // every model (core sends the final images as completed events where the upstream cannot).
  };
  for (const [name, value] of Object.entries(given) as [OpenAIEditParam, unknown][]) {
    if (value === undefined) continue;
    const supported = name === 'mask' ? caps.mask !== 'none' : caps.params.includes(name);
    // `n: 1` asks for nothing beyond the default, so it never fails.
    const isDefault = name === 'n' && value === 1;
    if (supported) kept[name] = value;
    else if (isDefault) continue;
    else if (dropParams) warnings.push(`dropped ${name}: ${target} does not support it`);
    else {
      throw new UnsupportedParamsError({
        message: `${name}: ${target} does not support ${name}. Remove it, or set drop_params: true to drop it with a warning.`,
        param: name,
        ...ref,
      });
    }
  }

  if (streaming) {
    if (caps.params.includes('stream')) kept.stream = true;
    if (fields.partial_images !== undefined && fields.partial_images > 0) {
      if (caps.params.includes('partial_images') && caps.params.includes('stream'))
        kept.partial_images = fields.partial_images;
      else
        warnings.push(
          `partial_images: ${target} makes no partial images; the stream carries the final image${caps.maxN === 1 ? '' : 's'} as image_edit.completed only`,
        );
    } else if (fields.partial_images === 0 && caps.params.includes('partial_images')) kept.partial_images = 0;
  }

  const prompt = fields.prompt;
  if ((caps.promptRequired ?? true) && !prompt?.trim()) {
    throw bad(ref, 'prompt', `${target} needs a prompt describing the edit.`, 'missing_required_parameter');
  }
  if (prompt && caps.maxPromptLength !== undefined && prompt.length > caps.maxPromptLength) {
    throw bad(
      ref,
      'prompt',
      `${target} accepts at most ${caps.maxPromptLength} characters; got ${prompt.length}.`,
    );
  }

  const { images } = prepared;
  const minImages = caps.minImages ?? 1;
  if (images.length > caps.maxImages) {
    throw bad(
      ref,
      'image',
      `${target} accepts at most ${caps.maxImages} input image${caps.maxImages === 1 ? '' : 's'}; got ${images.length}.`,
      'too_many_images',
    );
  }
  if (images.length < minImages) {
    throw bad(
      ref,
      'image',
      `${target} needs at least ${minImages} input images; got ${images.length}.`,
      'missing_required_parameter',
    );
  }
  for (const [index, image] of images.entries()) {
    checkImage(image, images.length > 1 ? `image[${index}]` : 'image', caps, ref);
  }

  const mask = kept.mask as PreparedImage | undefined;
  if (caps.mask === 'required' && !prepared.mask) {
    throw bad(ref, 'mask', `${target} needs a mask marking the area to edit.`, 'missing_required_parameter');
  }
  if (mask) {
    assertMaskMatches(mask, images[0] as PreparedImage);
    if (caps.maxMaskBytes !== undefined && imageByteLength(mask) > caps.maxMaskBytes) {
      throw new BadRequestError({
        message: `mask: ${target} accepts masks up to ${sizes(caps.maxMaskBytes, imageByteLength(mask))}.`,
        param: 'mask',
        code: 'image_file_too_large',
        status: 413,
        ...ref,
      });
    }
  }

  const n = (kept.n as number | undefined) ?? 1;
  if (n > caps.maxN)
    throw bad(
      ref,
      'n',
      `${target} makes at most ${caps.maxN} image${caps.maxN === 1 ? '' : 's'} per request; got ${n}.`,
    );

  const size = kept.size as string | undefined;
  if (size !== undefined && !isSizeSupported(size, caps)) {
    const listed = caps.sizes?.join(', ') ?? '';
    const rule = caps.customSizes;
    // "divisible by 1" says nothing: name the multiple only when there is one.
    const multiple = rule && rule.multipleOf > 1 ? ` with sides divisible by ${rule.multipleOf}` : '';
    const pixels = rule?.minPixels
      ? `, ${rule.minPixels}–${rule.maxPixels} pixels`
      : rule && rule.maxPixels < rule.maxSide * rule.maxSide
        ? `, at most ${rule.maxPixels} pixels`
        : '';
    const custom = rule
      ? `${listed ? ' or ' : ''}WxH${multiple}, longest side ≤ ${rule.maxSide}${pixels}`
      : '';
    throw bad(ref, 'size', `${target} accepts ${listed}${custom}; got ${size}.`);
  }
  const quality = kept.quality as string | undefined;
  if (quality !== undefined && caps.qualities && !caps.qualities.includes(quality)) {
    throw bad(ref, 'quality', `${target} accepts ${caps.qualities.join(', ')}; got ${quality}.`);
  }
  const outputFormat = kept.output_format as ProviderImageEditRequest['output_format'];
  if (outputFormat !== undefined && caps.outputFormats && !caps.outputFormats.includes(outputFormat)) {
    throw bad(
      ref,
      'output_format',
      `${target} accepts ${caps.outputFormats.join(', ')}; got ${outputFormat}.`,
    );
  }

  const request: ProviderImageEditRequest = {
    model: ref.model,
    prompt,
    images,
    mask,
    n,
    size,
    quality,
    // The normaliser honours `response_format` on every provider. The default is OpenAI's for its
    // image models, whatever the provider answers natively, so callers need not know that BFL sends URLs.
    // Stream events carry base64 only.
    response_format: streaming ? 'b64_json' : (fields.response_format ?? 'b64_json'),
    output_format: outputFormat,
    output_compression: kept.output_compression as number | undefined,
    background: kept.background as string | undefined,
    input_fidelity: kept.input_fidelity as string | undefined,
    stream: kept.stream as boolean | undefined,
    partial_images: kept.partial_images as number | undefined,
    // `user` is kept for tracking even where the upstream cannot take it, so it is never "dropped".
    user: caps.params.includes('user') ? fields.user : undefined,
    extras: prepared.extras,
    extraBody: fields.extra_body,
    extraHeaders: fields.extra_headers,
    dropParams,
  };
  return { request, warnings };
}

/**
 * Validates provider extras with the provider's own zod object schema. Unknown keys raise
 * `UnsupportedParamsError` (or are dropped with a warning under `drop_params`); bad values raise a
 * `BadRequestError` naming the key.
 *
 * @example
 * ```ts
 * const options = parseProviderExtras({ request, schema: bflExtrasSchema, provider: 'black_forest_labs', warnings });
 * ```
 */
export function parseProviderExtras<S extends z.ZodObject>(args: {
  request: Pick<ProviderImageEditRequest, 'extras' | 'dropParams' | 'model'>;
  schema: S;
  provider: string;
  warnings: string[];
}): z.infer<S> {
  const { request, schema, provider, warnings } = args;
  const ref = { provider, model: request.model };
  const known = new Set(Object.keys(schema.shape));
  const accepted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request.extras)) {
    if (known.has(key)) accepted[key] = value;
    else if (request.dropParams)
      warnings.push(`dropped ${key}: ${provider}/${request.model} does not support it`);
    else {
      const list = [...known].join(', ') || 'none';
      throw new UnsupportedParamsError({
        message: `${key}: ${provider}/${request.model} does not support ${key} (its extra parameters: ${list}). Remove it, or set drop_params: true.`,
        param: key,
        ...ref,
      });
    }
  }
  const result = schema.safeParse(accepted);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = String(issue?.path[0] ?? 'request');
    throw bad(ref, param, issue?.message ?? 'invalid value');
  }
  return result.data;
}

/**
 * Refuses a call without a model id, before anything else is read.
 *
 * @example
 * ```ts
 * requireModelId({ model: '', image: png, prompt: 'x' }); // throws BadRequestError (param: model)
 * ```
 */
export function requireModelId(params: { model?: unknown } | undefined): void {
  if (typeof params?.model !== 'string' || params.model.length === 0) {
    throw new BadRequestError({
      message: 'model: required (e.g. gpt-image-2 or gemini/gemini-3.1-flash-image)',
      param: 'model',
    });
  }
}
