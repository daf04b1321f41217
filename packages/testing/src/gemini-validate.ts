/**
 * Validation of a `generateContent` body the way Google's proto-JSON front end does it: unknown
 * field names are refused ("Unknown name … Cannot find field", camelCase and snake_case both
 * accepted), enums checked, `inlineData.data` must be bare base64 of an image of the declared type,
 * and the image models' own rules (`imageConfig` values per model, input-image cap, one candidate).
 * Vertex AI adds `personGeneration` / `imageOutputOptions` / `prominentPeople` and requires roles.
 * @module
 */
import { sniffImage } from '@retouch/core';
import { GoogleApiError, invalidArgument } from './google-api-errors.js';
import {
  GEMINI_HARM_CATEGORIES,
  VERTEX_HARM_BLOCK_METHODS,
  VERTEX_HARM_CATEGORIES,
  GEMINI_HARM_THRESHOLDS,
  GEMINI_IMAGE_MIME_TYPES,
  GEMINI_MAX_REQUEST_BYTES,
  GEMINI_MODALITIES,
  type GeminiSimModel,
  VERTEX_GEMINI_OUTPUT_MIME_TYPES,
  VERTEX_GEMINI_PERSON_GENERATION,
} from './gemini-spec.js';
import type { RecordedRequest } from './recorded-request.js';

/** Which API received the body. */
export type GeminiSimApi = 'gemini' | 'vertex';

/** A valid image-edit `generateContent` request, as the simulator understood it. */
export interface GeminiEditRequest {
  api: GeminiSimApi;
  model: string;
  spec: GeminiSimModel;
  /** The user turn's text parts, joined. */
  prompt: string;
  images: { mimeType: string; bytes: Buffer }[];
  /** `responseModalities`; `["TEXT","IMAGE"]` when not given. */
  modalities: string[];
  aspectRatio?: string;
  imageSize?: string;
  /** Vertex `imageOutputOptions.mimeType`. */
  outputMimeType?: string;
  personGeneration?: string;
}

const MESSAGE_FIELDS = {
  request: [
    'contents',
    'generationConfig',
    'safetySettings',
    'systemInstruction',
    'tools',
    'toolConfig',
    'cachedContent',
  ],
  content: ['role', 'parts'],
  part: [
    'text',
    'inlineData',
    'fileData',
    'thought',
    'thoughtSignature',
    'functionCall',
    'functionResponse',
    'executableCode',
    'codeExecutionResult',
    'videoMetadata',
    'mediaResolution',
  ],
  blob: ['mimeType', 'data'],
  generationConfig: [
    'responseModalities',
    'candidateCount',
    'seed',
    'temperature',
    'topP',
    'topK',
    'maxOutputTokens',
    'stopSequences',
    'imageConfig',
    'thinkingConfig',
    'responseMimeType',
    'presencePenalty',
    'frequencyPenalty',
    'mediaResolution',
  ],
  imageConfig: ['aspectRatio', 'imageSize'],
  vertexImageConfig: [
    'aspectRatio',
    'imageSize',
    'personGeneration',
    'imageOutputOptions',
    'prominentPeople',
  ],
  imageOutputOptions: ['mimeType', 'compressionQuality'],
  safetySetting: ['category', 'threshold'],
  vertexSafetySetting: ['category', 'threshold', 'method'],
} as const;

const DATA_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode'];

const camel = (name: string) =>
  name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a proto message: every key must be a known field (camelCase or snake_case). */
function message(value: unknown, path: string, fields: readonly string[]): Record<string, unknown> {
  if (!isObject(value)) {
    throw invalidArgument(
      `Invalid JSON payload received. Expected an object at '${path || 'request'}'.`,
      path || undefined,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const name = camel(key);
    if (!fields.includes(name)) {
      const where = path ? ` at '${path}'` : '';
      throw invalidArgument(
        `Invalid JSON payload received. Unknown name "${key}"${where}: Cannot find field.`,
        path || key,
      );
    }
    out[name] = field;
  }
  return out;
}

function enumValue(value: unknown, path: string, type: string, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalidArgument(
      `Invalid value at '${path}' (type.googleapis.com/${type}), ${JSON.stringify(value)}`,
      path,
    );
  }
  return value;
}

function decodeBase64(value: unknown, path: string): Buffer {
  const text = typeof value === 'string' ? value : '';
  // Proto JSON bytes: standard or URL-safe base64, no `data:` prefix, no whitespace.
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length % 4 === 1) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw invalidArgument(
      `Invalid value at '${path}' (TYPE_BYTES), Base64 decoding failed for "${shown}"`,
      path,
    );
  }
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}

function readBlob(value: unknown, path: string): { mimeType: string; bytes: Buffer } {
  const blob = message(value, path, MESSAGE_FIELDS.blob);
  if (typeof blob.mimeType !== 'string' || blob.mimeType === '') {
    throw invalidArgument(
      `* GenerateContentRequest.${path}.mime_type: mime_type is required`,
      `${path}.mime_type`,
    );
  }
  const bytes = decodeBase64(blob.data, `${path}.data`);
  if (!GEMINI_IMAGE_MIME_TYPES.includes(blob.mimeType)) {
    throw invalidArgument(`Unsupported MIME type: ${blob.mimeType}`, `${path}.mime_type`);
  }
  const sniffed = sniffImage(bytes);
  const checkable = ['image/png', 'image/jpeg', 'image/webp'].includes(blob.mimeType);
  if (bytes.length === 0 || (checkable && sniffed?.mediaType !== blob.mimeType)) {
    throw new GoogleApiError(
      400,
      'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    );
  }
  return { mimeType: blob.mimeType, bytes };
}

function readContents(value: unknown, api: GeminiSimApi): Pick<GeminiEditRequest, 'prompt' | 'images'> {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidArgument('* GenerateContentRequest.contents: contents is not specified', 'contents');
  }
  const texts: string[] = [];
  const images: GeminiEditRequest['images'] = [];
  value.forEach((entry, index) => {
    const path = `contents[${index}]`;
    const content = message(entry, path, MESSAGE_FIELDS.content);
    const role = content.role;
    // Vertex requires the role; the Gemini API defaults it to `user`.
    if (
      (role === undefined && api === 'vertex') ||
      (role !== undefined && role !== 'user' && role !== 'model')
    ) {
      throw invalidArgument('Please use a valid role: user, model.', `${path}.role`);
    }
    if (!Array.isArray(content.parts) || content.parts.length === 0) {
      throw invalidArgument(
        `* GenerateContentRequest.${path}.parts: contents.parts must not be empty.`,
        `${path}.parts`,
      );
    }
    content.parts.forEach((rawPart, partIndex) => {
      const partPath = `${path}.parts[${partIndex}]`;
      const part = message(rawPart, partPath, MESSAGE_FIELDS.part);
      const set = DATA_FIELDS.filter((field) => part[field] !== undefined);
      if (set.length !== 1) {
        throw invalidArgument(
          `* GenerateContentRequest.${partPath}.data: required oneof field 'data' must have one initialized field`,
          `${partPath}.data`,
        );
      }
      if (role === 'model') return;
      if (part.text !== undefined) {
        if (typeof part.text !== 'string')
          throw invalidArgument(`Invalid value at '${partPath}.text' (TYPE_STRING)`, `${partPath}.text`);
        texts.push(part.text);
      } else if (part.inlineData !== undefined) {
        images.push(readBlob(part.inlineData, `${partPath}.inline_data`));
      } else {
        throw invalidArgument(`${snake(set[0] as string)} parts are not served by the simulator`, partPath);
      }
    });
  });
  return { prompt: texts.join('\n'), images };
}

function readImageConfig(
  value: unknown,
  request: GeminiEditRequest,
): Pick<GeminiEditRequest, 'aspectRatio' | 'imageSize' | 'outputMimeType' | 'personGeneration'> {
  const path = 'generation_config.image_config';
  const fields = request.api === 'vertex' ? MESSAGE_FIELDS.vertexImageConfig : MESSAGE_FIELDS.imageConfig;
  const config = message(value, path, fields);
  const { spec, model } = request;
  const out: ReturnType<typeof readImageConfig> = {};
  if (config.aspectRatio !== undefined) {
    if (typeof config.aspectRatio !== 'string' || !spec.aspectRatios.includes(config.aspectRatio)) {
      throw invalidArgument(
        `Unsupported aspect ratio: ${String(config.aspectRatio)}. Supported values are: ${spec.aspectRatios.join(', ')}.`,
        `${path}.aspect_ratio`,
      );
    }
    out.aspectRatio = config.aspectRatio;
  }
  if (config.imageSize !== undefined) {
    if (spec.imageSizes.length === 0) {
      throw invalidArgument(`Image size is not supported for models/${model}.`, `${path}.image_size`);
    }
    if (typeof config.imageSize !== 'string' || !spec.imageSizes.includes(config.imageSize)) {
      throw invalidArgument(
        `Unsupported image size: ${String(config.imageSize)}. Supported values are: ${spec.imageSizes.join(', ')}.`,
        `${path}.image_size`,
      );
    }
    out.imageSize = config.imageSize;
  }
  if (config.personGeneration !== undefined) {
    out.personGeneration = enumValue(
      config.personGeneration,
      `${path}.person_generation`,
      'google.cloud.aiplatform.v1.ImageConfig.PersonGeneration',
      VERTEX_GEMINI_PERSON_GENERATION,
    );
  }
  if (config.imageOutputOptions !== undefined) {
    const options = message(
      config.imageOutputOptions,
      `${path}.image_output_options`,
      MESSAGE_FIELDS.imageOutputOptions,
    );
    if (
      options.mimeType !== undefined &&
      !VERTEX_GEMINI_OUTPUT_MIME_TYPES.includes(String(options.mimeType))
    ) {
      throw invalidArgument(
        `Unsupported output mime type: ${String(options.mimeType)}.`,
        `${path}.image_output_options.mime_type`,
      );
    }
    const quality = options.compressionQuality;
    if (
      quality !== undefined &&
      (!Number.isInteger(quality) || (quality as number) < 0 || (quality as number) > 100)
    ) {
      throw invalidArgument(
        'compression_quality must be an integer between 0 and 100.',
        `${path}.image_output_options.compression_quality`,
      );
    }
    out.outputMimeType = options.mimeType as string | undefined;
  }
  return out;
}

function readGenerationConfig(value: unknown, request: GeminiEditRequest): void {
  const config = message(value, 'generation_config', MESSAGE_FIELDS.generationConfig);
  if (config.responseModalities !== undefined) {
    if (!Array.isArray(config.responseModalities)) {
      throw invalidArgument(
        "Invalid value at 'generation_config.response_modalities'",
        'generation_config.response_modalities',
      );
    }
    request.modalities = config.responseModalities.map((modality, index) =>
      enumValue(
        modality,
        `generation_config.response_modalities[${index}]`,
        'google.ai.generativelanguage.v1beta.GenerationConfig.Modality',
        GEMINI_MODALITIES,
      ),
    );
  }
  const count = config.candidateCount;
  if (count !== undefined && (!Number.isInteger(count) || (count as number) < 1)) {
    throw invalidArgument('candidate_count must be a positive integer.', 'generation_config.candidate_count');
  }
  if (typeof count === 'number' && count > 1) {
    throw invalidArgument(
      `Multiple candidates is not enabled for models/${request.model}`,
      'generation_config.candidate_count',
    );
  }
  if (config.seed !== undefined && !Number.isInteger(config.seed)) {
    throw invalidArgument("Invalid value at 'generation_config.seed' (TYPE_INT32)", 'generation_config.seed');
  }
  if (config.imageConfig !== undefined) Object.assign(request, readImageConfig(config.imageConfig, request));
}

function readSafetySettings(value: unknown, api: GeminiSimApi): void {
  if (!Array.isArray(value)) throw invalidArgument("Invalid value at 'safety_settings'", 'safety_settings');
  const vertex = api === 'vertex';
  value.forEach((entry, index) => {
    const path = `safety_settings[${index}]`;
    const setting = message(
      entry,
      path,
      vertex ? MESSAGE_FIELDS.vertexSafetySetting : MESSAGE_FIELDS.safetySetting,
    );
    enumValue(
      setting.category,
      `${path}.category`,
      vertex ? 'google.cloud.aiplatform.v1.HarmCategory' : 'google.ai.generativelanguage.v1beta.HarmCategory',
      vertex ? VERTEX_HARM_CATEGORIES : GEMINI_HARM_CATEGORIES,
    );
    if (vertex && setting.method !== undefined) {
      enumValue(
        setting.method,
        `${path}.method`,
        'google.cloud.aiplatform.v1.SafetySetting.HarmBlockMethod',
        VERTEX_HARM_BLOCK_METHODS,
      );
    }
    enumValue(
      setting.threshold,
      `${path}.threshold`,
      'google.ai.generativelanguage.v1beta.SafetySetting.HarmBlockThreshold',
      GEMINI_HARM_THRESHOLDS,
    );
  });
}

/**
 * Validates a recorded `generateContent` request for an image model and reads what matters.
 * Throws a `GoogleApiError` carrying the real API's wording.
 *
 * @example
 * ```ts
 * const edit = validateGenerateContent(request, 'gemini-2.5-flash-image', GEMINI_SIM_MODELS['gemini-2.5-flash-image']!, 'gemini');
 * edit.images.length; // 2
 * ```
 */
export function validateGenerateContent(
  recorded: RecordedRequest,
  model: string,
  spec: GeminiSimModel,
  api: GeminiSimApi,
): GeminiEditRequest {
  if (api === 'gemini' && recorded.rawBody.length > GEMINI_MAX_REQUEST_BYTES) {
    throw invalidArgument(`Request payload size exceeds the limit: ${GEMINI_MAX_REQUEST_BYTES} bytes.`);
  }
  if (recorded.json === undefined) {
    throw invalidArgument(
      `Invalid JSON payload received. ${recorded.parseError ?? 'Expected a JSON body (Content-Type: application/json).'}`,
    );
  }
  const body = message(recorded.json, '', MESSAGE_FIELDS.request);
  const request: GeminiEditRequest = {
    api,
    model,
    spec,
    prompt: '',
    images: [],
    modalities: ['TEXT', 'IMAGE'],
  };
  Object.assign(request, readContents(body.contents, api));
  if (body.generationConfig !== undefined) readGenerationConfig(body.generationConfig, request);
  if (body.safetySettings !== undefined) readSafetySettings(body.safetySettings, api);
  if (request.images.length > spec.maxImages) {
    throw invalidArgument(
      `Too many images in the request: ${request.images.length}. models/${model} accepts at most ${spec.maxImages} images.`,
      'contents',
    );
  }
  return request;
}
