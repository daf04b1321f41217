/**
 * The value rules of `/images/edits`, per model: which fields a model takes, enums, ranges, prompt
 * length, file types (sniffed from magic bytes), sizes and the mask. Throws `OpenAIApiError`s with
 * the real API's wording.
 * @module
 */
import { type ImageInfo, sniffImage } from '@retouch/core';
import {
  badRequest,
  invalidType,
  invalidValue,
  OpenAIApiError,
  quoteList,
  unknownParameter,
} from './openai-errors.js';
import { jsonTypeName, type OpenAIInputImage, type RawOpenAIEdit } from './openai-request.js';
import {
  isDallE2,
  OPENAI_CUSTOM_SIZE_MODELS,
  OPENAI_DEFAULT_EDIT_MODEL,
  OPENAI_EDIT_ENUMS,
  OPENAI_EDIT_LIMITS,
  OPENAI_MAX_QUALITY_MODELS,
  OPENAI_GPT_IMAGE_INPUT_TYPES,
  OPENAI_NO_INPUT_FIDELITY_MODELS,
  OPENAI_SIM_EDIT_MODELS,
} from './openai-spec.js';

/** An input image that passed validation; `info` is set when its bytes were sent. */
export interface CheckedImage extends OpenAIInputImage {
  info?: ImageInfo;
}

/** A valid edit request. */
export interface OpenAIEdit {
  transport: 'multipart' | 'json';
  model: string;
  prompt: string;
  images: CheckedImage[];
  mask?: CheckedImage;
  n: number;
  size?: string;
  quality?: string;
  responseFormat?: 'url' | 'b64_json';
  outputFormat: 'png' | 'jpeg' | 'webp';
  outputCompression?: number;
  background?: string;
  inputFidelity?: string;
  moderation?: string;
  stream: boolean;
  partialImages: number;
  user?: string;
}

/** Fields only GPT image models take (dall-e-2 answers "Unknown parameter"). */
const GPT_IMAGE_ONLY = [
  'output_format',
  'output_compression',
  'background',
  'input_fidelity',
  'partial_images',
];

class FieldReader {
  constructor(
    private readonly transport: RawOpenAIEdit['transport'],
    private readonly values: Record<string, unknown>,
  ) {}

  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== null;
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalidType(name, 'a string', jsonTypeName(value));
    return value;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    let number: number;
    if (this.transport === 'multipart' && typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
      number = Number(value);
    } else if (this.transport === 'json' && typeof value === 'number' && Number.isInteger(value)) {
      number = value;
    } else {
      throw invalidType(name, 'an integer', this.transport === 'json' ? jsonTypeName(value) : 'a string');
    }
    if (number < min) {
      throw badRequest(
        `Invalid '${name}': integer below minimum value. Expected a value >= ${min}, but got ${number} instead.`,
        name,
        'integer_below_min_value',
      );
    }
    if (number > max) {
      throw badRequest(
        `Invalid '${name}': integer above maximum value. Expected a value <= ${max}, but got ${number} instead.`,
        name,
        'integer_above_max_value',
      );
    }
    return number;
  }

  boolean(name: string): boolean | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (this.transport === 'multipart' && (value === 'true' || value === 'false')) return value === 'true';
    throw invalidType(name, 'a boolean', this.transport === 'json' ? jsonTypeName(value) : 'a string');
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value !== undefined && !allowed.includes(value as T)) throw invalidValue(name, value, allowed);
    return value as T | undefined;
  }
}

function checkSize(size: string, model: string, transport: RawOpenAIEdit['transport']): void {
  const listed: readonly string[] =
    transport === 'json'
      ? OPENAI_EDIT_ENUMS.jsonSize
      : isDallE2(model)
        ? OPENAI_EDIT_ENUMS.dallE2Size
        : OPENAI_EDIT_ENUMS.gptImageSize;
  if (listed.includes(size)) return;
  const custom = /^(\d+)x(\d+)$/.exec(size);
  if (transport === 'multipart' && OPENAI_CUSTOM_SIZE_MODELS.includes(model) && custom) {
    const width = Number(custom[1]);
    const height = Number(custom[2]);
    const rule = OPENAI_EDIT_LIMITS.customSize;
    const problem =
      width % rule.multipleOf !== 0 || height % rule.multipleOf !== 0
        ? `width and height must both be divisible by ${rule.multipleOf}`
        : Math.max(width, height) > rule.maxSide || width * height > rule.maxPixels
          ? 'the maximum supported resolution is 3840x2160'
          : width * height < rule.minPixels
            ? `the image must have at least ${rule.minPixels} pixels`
            : Math.max(width, height) / Math.min(width, height) > rule.maxAspectRatio
              ? 'the aspect ratio must be between 1:3 and 3:1'
              : undefined;
    if (!problem) return;
    throw badRequest(`Invalid size '${size}': ${problem}.`, 'size', 'invalid_value');
  }
  throw invalidValue('size', size, listed);
}

function checkPrompt(prompt: string | undefined, model: string): string {
  if (prompt === undefined) {
    throw badRequest("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  }
  if (prompt.length === 0) {
    throw badRequest(
      "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string instead.",
      'prompt',
      'string_below_min_length',
    );
  }
  const max = isDallE2(model)
    ? OPENAI_EDIT_LIMITS.dallE2MaxPromptLength
    : OPENAI_EDIT_LIMITS.gptImageMaxPromptLength;
  if (prompt.length > max) {
    throw badRequest(
      `Invalid 'prompt': string too long. Expected a string with maximum length ${max}, but got a string with length ${prompt.length} instead.`,
      'prompt',
      'string_above_max_length',
    );
  }
  return prompt;
}

function checkImage(image: OpenAIInputImage, model: string, position: number): CheckedImage {
  if (!image.bytes) return image;
  const { param, bytes } = image;
  const accepted = isDallE2(model) ? ['image/png'] : OPENAI_GPT_IMAGE_INPUT_TYPES;
  if (bytes.length === 0)
    throw badRequest(`Invalid file '${param}': the file is empty.`, param, 'empty_image_file');
  if (image.declaredType && !accepted.includes(image.declaredType)) {
    throw badRequest(
      `Invalid file '${param}': unsupported mimetype ('${image.declaredType}'). Supported file formats are ${quoteList(accepted)}.`,
      param,
      'unsupported_file_mimetype',
    );
  }
  const info = sniffImage(bytes);
  if (!info || !accepted.includes(info.mediaType)) {
    throw badRequest(
      `Invalid image file or mode for image ${position + 1}, please check your image file.`,
      param,
      'invalid_image_format',
    );
  }
  const maxBytes = isDallE2(model) ? OPENAI_EDIT_LIMITS.dallE2MaxBytes : OPENAI_EDIT_LIMITS.gptImageMaxBytes;
  if (bytes.length >= maxBytes) {
    throw badRequest(
      `Invalid file '${param}': the image must be less than ${maxBytes / 1024 / 1024} MB; got ${bytes.length} bytes.`,
      param,
      'image_file_too_large',
    );
  }
  if (isDallE2(model) && info.width !== info.height) {
    throw badRequest(
      `Invalid input image - dall-e-2 edits square images only; got ${info.width}x${info.height}.`,
      param,
      'invalid_image',
    );
  }
  return { ...image, info };
}

function maskError(detail: string): OpenAIApiError {
  return badRequest(`Invalid mask image format - ${detail}`, 'mask', 'invalid_mask_image_format');
}

function checkMask(mask: OpenAIInputImage, first: CheckedImage): CheckedImage {
  if (!mask.bytes) return mask;
  if (mask.declaredType && mask.declaredType !== 'image/png') {
    throw badRequest(
      `Invalid file 'mask': unsupported mimetype ('${mask.declaredType}'). Supported file formats are 'image/png'.`,
      'mask',
      'unsupported_file_mimetype',
    );
  }
  const info = sniffImage(mask.bytes);
  if (info?.mediaType !== 'image/png') throw maskError('mask must be a PNG file');
  if (!info.hasAlpha) throw maskError('mask image missing alpha channel');
  if (mask.bytes.length >= OPENAI_EDIT_LIMITS.maskMaxBytes) throw maskError('mask must be less than 4 MB');
  if (first.info && (first.info.width !== info.width || first.info.height !== info.height)) {
    throw maskError(
      `mask size does not match image size (${info.width}x${info.height} vs ${first.info.width}x${first.info.height})`,
    );
  }
  return { ...mask, info };
}

function checkModelFields(reader: FieldReader, model: string): void {
  if (isDallE2(model)) {
    for (const name of GPT_IMAGE_ONLY) if (reader.has(name)) throw unknownParameter(name);
    if (reader.boolean('stream')) throw unknownParameter('stream');
  } else if (reader.has('response_format')) {
    throw unknownParameter('response_format');
  }
  if (OPENAI_NO_INPUT_FIDELITY_MODELS.includes(model) && reader.has('input_fidelity')) {
    throw badRequest(
      `Invalid 'input_fidelity': this parameter is not supported for ${model}.`,
      'input_fidelity',
      'unsupported_parameter',
    );
  }
}

function checkImageCount(images: readonly OpenAIInputImage[], model: string): void {
  if (images.length === 0) {
    throw badRequest("Missing required parameter: 'image'.", 'image', 'missing_required_parameter');
  }
  if (isDallE2(model) && images.length > 1) {
    throw badRequest(`dall-e-2 edits exactly one image; got ${images.length}.`, 'image', 'invalid_value');
  }
  if (images.length > OPENAI_EDIT_LIMITS.maxImages) {
    throw badRequest(
      `Invalid 'image': array too long. Expected an array with maximum length ${OPENAI_EDIT_LIMITS.maxImages}, but got an array with length ${images.length} instead.`,
      'image',
      'array_above_max_length',
    );
  }
}

/**
 * Applies every value rule of the real API to a request read off the wire.
 *
 * @example
 * ```ts
 * const edit = validateOpenAIEdit(readOpenAIEdit(recorded));
 * edit.model; // 'gpt-image-1.5' when none was sent
 * ```
 */
export function validateOpenAIEdit(
  raw: RawOpenAIEdit,
  extraModels: Readonly<Record<string, string>> = {},
): OpenAIEdit {
  const reader = new FieldReader(raw.transport, raw.values);
  const sent = reader.string('model') ?? OPENAI_DEFAULT_EDIT_MODEL;
  // A model the simulator is told about follows the rules of the listed model it is like.
  const model = Object.hasOwn(extraModels, sent) ? (extraModels[sent] as string) : sent;
  if (!OPENAI_SIM_EDIT_MODELS.includes(model)) {
    throw new OpenAIApiError(
      404,
      `The model '${sent}' does not exist or you do not have access to it.`,
      'model',
      'model_not_found',
    );
  }
  if (raw.transport === 'json' && isDallE2(model)) {
    throw badRequest(
      'JSON edit requests support GPT image models only; send dall-e-2 edits as multipart/form-data.',
      'model',
      'invalid_value',
    );
  }
  checkModelFields(reader, model);
  const prompt = checkPrompt(reader.string('prompt'), model);
  const size = reader.string('size');
  if (size !== undefined) checkSize(size, model, raw.transport);
  const limits = OPENAI_EDIT_LIMITS;
  const enums = OPENAI_EDIT_ENUMS;
  const edit: OpenAIEdit = {
    transport: raw.transport,
    model: sent,
    prompt,
    images: [],
    n: reader.integer('n', limits.minN, limits.maxN) ?? 1,
    size,
    quality: reader.oneOf(
      'quality',
      isDallE2(model)
        ? enums.dallE2Quality
        : OPENAI_MAX_QUALITY_MODELS.includes(model)
          ? enums.maxQuality
          : enums.gptImageQuality,
    ),
    responseFormat: reader.oneOf('response_format', enums.responseFormat),
    outputFormat: reader.oneOf('output_format', enums.outputFormat) ?? 'png',
    outputCompression: reader.integer(
      'output_compression',
      limits.minOutputCompression,
      limits.maxOutputCompression,
    ),
    background: reader.oneOf('background', enums.background),
    inputFidelity: reader.oneOf('input_fidelity', enums.inputFidelity),
    moderation: reader.oneOf('moderation', enums.moderation),
    stream: reader.boolean('stream') ?? false,
    partialImages: reader.integer('partial_images', limits.minPartialImages, limits.maxPartialImages) ?? 0,
    user: reader.string('user'),
  };
  if (edit.outputCompression !== undefined && edit.outputFormat === 'png') {
    throw badRequest(
      "Invalid 'output_compression': only supported with output_format 'jpeg' or 'webp'.",
      'output_compression',
      'invalid_value',
    );
  }
  if (edit.background === 'transparent' && edit.outputFormat === 'jpeg') {
    throw badRequest(
      "Transparent background is not supported for output_format 'jpeg'; use 'png' or 'webp'.",
      'background',
      'invalid_value',
    );
  }
  checkImageCount(raw.images, model);
  edit.images = raw.images.map((image, index) => checkImage(image, model, index));
  if (raw.mask) edit.mask = checkMask(raw.mask, edit.images[0] as CheckedImage);
  return edit;
}
