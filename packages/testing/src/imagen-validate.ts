/**
 * Validation of an Imagen 3 edit (`imagen-3.0-capability-001:predict`) the way Vertex AI does it:
 * one instance, reference-image rules (exactly one `REFERENCE_TYPE_RAW`, at most one mask of the
 * RAW image's size, `maskMode` rules, unique ids), PNG/JPEG up to 10 MB, the edit modes that need a
 * mask, `sampleCount` 1–4, `editConfig.baseSteps`, output options, case-insensitive
 * `personGeneration` / `safetySetting`, and "no seed with a watermark".
 * @module
 */
import { type ImageInfo, sniffImage } from '@retouch/core';
import { GoogleApiError, invalidArgument } from './google-api-errors.js';
import type { RecordedRequest } from './recorded-request.js';

/** What the simulator understood of a valid Imagen edit. */
export interface ImagenEditRequest {
  model: string;
  prompt: string;
  raw: { bytes: Buffer; info: ImageInfo };
  mask?: { maskMode: string; bytes?: Buffer; dilation?: number; maskClasses?: number[] };
  editMode?: string;
  /** Images to make (the API's default is 4). */
  sampleCount: number;
  outputMimeType: string;
  includeRaiReason: boolean;
}

/** `referenceType` values. */
export const IMAGEN_REFERENCE_TYPES: readonly string[] = [
  'REFERENCE_TYPE_RAW',
  'REFERENCE_TYPE_MASK',
  'REFERENCE_TYPE_CONTROL',
  'REFERENCE_TYPE_STYLE',
  'REFERENCE_TYPE_SUBJECT',
  'REFERENCE_TYPE_CONTENT',
];
/** `maskImageConfig.maskMode` values. */
export const IMAGEN_MASK_MODES: readonly string[] = [
  'MASK_MODE_DEFAULT',
  'MASK_MODE_USER_PROVIDED',
  'MASK_MODE_BACKGROUND',
  'MASK_MODE_FOREGROUND',
  'MASK_MODE_SEMANTIC',
];
/** `parameters.editMode` values. */
export const IMAGEN_EDIT_MODES: readonly string[] = [
  'EDIT_MODE_DEFAULT',
  'EDIT_MODE_INPAINT_INSERTION',
  'EDIT_MODE_INPAINT_REMOVAL',
  'EDIT_MODE_OUTPAINT',
  'EDIT_MODE_CONTROLLED_EDITING',
  'EDIT_MODE_STYLE',
  'EDIT_MODE_BGSWAP',
  'EDIT_MODE_PRODUCT_IMAGE',
];
const MASKED_EDIT_MODES = [
  'EDIT_MODE_INPAINT_INSERTION',
  'EDIT_MODE_INPAINT_REMOVAL',
  'EDIT_MODE_OUTPAINT',
  'EDIT_MODE_BGSWAP',
];
const PERSON_GENERATION = ['dont_allow', 'allow_adult', 'allow_all'];
const SAFETY_SETTINGS = [
  'block_low_and_above',
  'block_medium_and_above',
  'block_only_high',
  'block_none',
  // Deprecated spellings the API still takes.
  'block_most',
  'block_some',
  'block_few',
  'block_fewest',
];
const LANGUAGES = ['auto', 'en', 'ja', 'ko', 'hi', 'zh', 'zh-tw', 'pt', 'es'];
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeImage(value: unknown, path: string): { bytes: Buffer; info: ImageInfo } {
  const image = isObject(value) ? value : {};
  if (typeof image.gcsUri === 'string')
    throw invalidArgument(`${path}.gcsUri: the simulator reads inline images only.`, path);
  const data = image.bytesBase64Encoded;
  if (typeof data !== 'string' || data === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
    throw invalidArgument(
      `${path}.bytesBase64Encoded must be a base64-encoded image (no data: prefix).`,
      path,
    );
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > MAX_IMAGE_BYTES) throw invalidArgument(`${path}: images are limited to 10 MB.`, path);
  const info = sniffImage(bytes);
  if (!info || (info.mediaType !== 'image/png' && info.mediaType !== 'image/jpeg')) {
    throw invalidArgument(`${path}: unsupported image format; use PNG or JPEG.`, path);
  }
  return { bytes, info };
}

function caseInsensitive(value: unknown, name: string, allowed: readonly string[]): void {
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value.toLowerCase()))) {
    throw invalidArgument(
      `${name}: unsupported value ${JSON.stringify(value)}; use one of ${allowed.slice(0, 4).join(', ')}.`,
      `parameters.${name}`,
    );
  }
}

function readMask(
  reference: Record<string, unknown>,
  index: number,
  raw: ImageInfo | undefined,
): ImagenEditRequest['mask'] {
  const path = `instances[0].referenceImages[${index}]`;
  const config = isObject(reference.maskImageConfig) ? reference.maskImageConfig : undefined;
  if (!config) throw invalidArgument(`${path}.maskImageConfig is required for a mask reference image.`, path);
  const maskMode = config.maskMode;
  if (typeof maskMode !== 'string' || !IMAGEN_MASK_MODES.includes(maskMode)) {
    throw invalidArgument(
      `${path}.maskImageConfig.maskMode: unsupported value ${JSON.stringify(maskMode)}.`,
      path,
    );
  }
  const dilation = config.dilation;
  if (dilation !== undefined && (typeof dilation !== 'number' || dilation < 0 || dilation > 1)) {
    throw invalidArgument(`${path}.maskImageConfig.dilation must be between 0 and 1.`, path);
  }
  const classes = config.maskClasses;
  if (maskMode === 'MASK_MODE_SEMANTIC' && (!Array.isArray(classes) || classes.length === 0)) {
    throw invalidArgument('maskClasses are required for MASK_MODE_SEMANTIC.', path);
  }
  let bytes: Buffer | undefined;
  if (maskMode === 'MASK_MODE_USER_PROVIDED') {
    if (reference.referenceImage === undefined) {
      throw invalidArgument(`${path}.referenceImage is required for MASK_MODE_USER_PROVIDED.`, path);
    }
    const mask = decodeImage(reference.referenceImage, `${path}.referenceImage`);
    if (raw && (mask.info.width !== raw.width || mask.info.height !== raw.height)) {
      throw invalidArgument('The mask image has to be in the same size as the raw reference image.', path);
    }
    bytes = mask.bytes;
  }
  return {
    maskMode,
    bytes,
    dilation: dilation as number | undefined,
    maskClasses: classes as number[] | undefined,
  };
}

function readReferences(value: unknown): Pick<ImagenEditRequest, 'raw' | 'mask'> {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidArgument(
      'instances[0].referenceImages: a raw reference image is required for editing.',
      'referenceImages',
    );
  }
  const ids = new Set<number>();
  const raws: { bytes: Buffer; info: ImageInfo }[] = [];
  const masks: { reference: Record<string, unknown>; index: number }[] = [];
  value.forEach((entry, index) => {
    const reference = isObject(entry) ? entry : {};
    const type = reference.referenceType;
    if (typeof type !== 'string' || !IMAGEN_REFERENCE_TYPES.includes(type)) {
      throw invalidArgument(
        `instances[0].referenceImages[${index}].referenceType: unsupported value ${JSON.stringify(type)}.`,
        'referenceType',
      );
    }
    const id = reference.referenceId;
    if (!Number.isInteger(id))
      throw invalidArgument(
        `instances[0].referenceImages[${index}].referenceId must be an integer.`,
        'referenceId',
      );
    if ((type === 'REFERENCE_TYPE_RAW' || type === 'REFERENCE_TYPE_MASK') && ids.has(id as number)) {
      throw invalidArgument(`Duplicate referenceId ${String(id)}.`, 'referenceId');
    }
    ids.add(id as number);
    if (type === 'REFERENCE_TYPE_RAW')
      raws.push(
        decodeImage(reference.referenceImage, `instances[0].referenceImages[${index}].referenceImage`),
      );
    else if (type === 'REFERENCE_TYPE_MASK') masks.push({ reference, index });
    else
      throw invalidArgument(
        `${type} references are customization, not served by the simulator.`,
        'referenceType',
      );
  });
  if (raws.length !== 1) {
    throw invalidArgument(
      raws.length === 0
        ? 'A raw reference image is required for editing.'
        : 'At most one raw reference image may be given.',
      'referenceImages',
    );
  }
  if (masks.length > 1)
    throw invalidArgument('At most one mask reference image may be given.', 'referenceImages');
  const raw = raws[0] as { bytes: Buffer; info: ImageInfo };
  const mask = masks[0] ? readMask(masks[0].reference, masks[0].index, raw.info) : undefined;
  return { raw, mask };
}

function readParameters(value: unknown, edit: ImagenEditRequest): void {
  if (value === undefined) return;
  if (!isObject(value)) throw invalidArgument('parameters must be an object.', 'parameters');
  const { editMode, sampleCount, editConfig, seed, addWatermark, outputOptions } = value;
  if (editMode !== undefined) {
    if (typeof editMode !== 'string' || !IMAGEN_EDIT_MODES.includes(editMode)) {
      throw invalidArgument(
        `editMode: unsupported value ${JSON.stringify(editMode)}.`,
        'parameters.editMode',
      );
    }
    edit.editMode = editMode;
  }
  if (sampleCount !== undefined) {
    if (!Number.isInteger(sampleCount) || (sampleCount as number) < 1 || (sampleCount as number) > 4) {
      throw invalidArgument('sampleCount must be an integer between 1 and 4.', 'parameters.sampleCount');
    }
    edit.sampleCount = sampleCount as number;
  }
  if (editConfig !== undefined) {
    const steps = isObject(editConfig) ? editConfig.baseSteps : undefined;
    if (
      !isObject(editConfig) ||
      (steps !== undefined && (!Number.isInteger(steps) || (steps as number) < 1))
    ) {
      throw invalidArgument('editConfig.baseSteps must be a positive integer.', 'parameters.editConfig');
    }
  }
  if (seed !== undefined) {
    if (!Number.isInteger(seed) || (seed as number) < 1 || (seed as number) > 2147483647) {
      throw invalidArgument('seed must be an integer between 1 and 2147483647.', 'parameters.seed');
    }
    if (addWatermark !== false) {
      throw invalidArgument(
        'Seed is not supported when addWatermark is enabled; set addWatermark to false.',
        'parameters.seed',
      );
    }
  }
  if (outputOptions !== undefined) {
    const options = isObject(outputOptions) ? outputOptions : {};
    if (
      options.mimeType !== undefined &&
      options.mimeType !== 'image/png' &&
      options.mimeType !== 'image/jpeg'
    ) {
      throw invalidArgument(
        `outputOptions.mimeType: unsupported value ${JSON.stringify(options.mimeType)}.`,
        'parameters.outputOptions',
      );
    }
    const quality = options.compressionQuality;
    if (
      quality !== undefined &&
      (!Number.isInteger(quality) || (quality as number) < 0 || (quality as number) > 100)
    ) {
      throw invalidArgument(
        'outputOptions.compressionQuality must be between 0 and 100.',
        'parameters.outputOptions',
      );
    }
    if (typeof options.mimeType === 'string') edit.outputMimeType = options.mimeType;
  }
  caseInsensitive(value.personGeneration, 'personGeneration', PERSON_GENERATION);
  caseInsensitive(value.safetySetting, 'safetySetting', SAFETY_SETTINGS);
  caseInsensitive(value.language, 'language', LANGUAGES);
  edit.includeRaiReason = value.includeRaiReason === true;
}

/**
 * Validates a recorded Imagen `:predict` edit. Throws a `GoogleApiError` with the API's wording.
 *
 * @example
 * ```ts
 * const edit = validateImagenEdit(request, 'imagen-3.0-capability-001');
 * edit.sampleCount; // 1
 * ```
 */
export function validateImagenEdit(recorded: RecordedRequest, model: string): ImagenEditRequest {
  const body = recorded.json;
  if (!isObject(body)) throw invalidArgument('Invalid JSON payload received.');
  const { instances } = body;
  if (!Array.isArray(instances) || instances.length !== 1 || !isObject(instances[0])) {
    throw invalidArgument('instances must hold exactly one instance for image editing.', 'instances');
  }
  const instance = instances[0];
  if (instance.prompt !== undefined && typeof instance.prompt !== 'string') {
    throw invalidArgument('instances[0].prompt must be a string.', 'instances[0].prompt');
  }
  const edit: ImagenEditRequest = {
    model,
    prompt: (instance.prompt as string | undefined) ?? '',
    ...readReferences(instance.referenceImages),
    sampleCount: 4,
    outputMimeType: 'image/png',
    includeRaiReason: false,
  };
  readParameters(body.parameters, edit);
  if (edit.editMode && MASKED_EDIT_MODES.includes(edit.editMode) && !edit.mask) {
    throw invalidArgument(`A mask reference image is required for ${edit.editMode}.`, 'referenceImages');
  }
  if (
    (edit.editMode === undefined || edit.editMode === 'EDIT_MODE_INPAINT_INSERTION') &&
    edit.prompt.trim() === ''
  ) {
    throw new GoogleApiError(400, 'A prompt is required for this edit mode.');
  }
  return edit;
}
