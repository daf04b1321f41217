/**
 * `ModelCapabilities`: what one model of one provider can take. Validation, routing and docs all
 * read this one table.
 * @module
 */
import type { ImageMediaType } from './image/sniff.js';

/** The optional OpenAI request fields a model may honour. */
export type OpenAIEditParam =
  | 'mask'
  | 'n'
  | 'size'
  | 'quality'
  | 'response_format'
  | 'output_format'
  | 'output_compression'
  | 'background'
  | 'input_fidelity'
  | 'partial_images'
  | 'stream'
  | 'user';

/** Every optional OpenAI edit field, in the order of the OpenAI spec. */
export const OPENAI_EDIT_PARAMS: readonly OpenAIEditParam[] = [
  'mask',
  'n',
  'size',
  'quality',
  'response_format',
  'output_format',
  'output_compression',
  'background',
  'input_fidelity',
  'partial_images',
  'stream',
  'user',
];

/** Rule for free-form `WxH` sizes (gpt-image-2 takes any size within limits). */
export interface CustomSizeRule {
  /** Both sides must be a multiple of this. */
  multipleOf: number;
  /** Longest side allowed, in pixels. */
  maxSide: number;
  /** Most pixels allowed (width × height). */
  maxPixels: number;
  /** Fewest pixels allowed (width × height); gpt-image-2's custom sizes have a floor. Defaults to none. */
  minPixels?: number;
  /** Most extreme aspect ratio allowed, as long side / short side. */
  maxAspectRatio: number;
}

/** What one model can take. */
export interface ModelCapabilities {
  /** Fewest input images. Defaults to 1 (0 for models that edit nothing but a prompt never exist here). */
  minImages?: number;
  /** Most input images in one request. */
  maxImages: number;
  /** Whether a mask is taken, and whether one is required (inpainting endpoints). */
  mask: 'none' | 'optional' | 'required';
  /** Largest `n` accepted (providers that emulate `n` with concurrent calls set their own bound). */
  maxN: number;
  /** Accepted `size` values; `auto` must be listed to be accepted. Undefined with no `customSizes`: `size` is unsupported. */
  sizes?: readonly string[];
  /** Free-form `WxH` sizes, besides `sizes`. */
  customSizes?: CustomSizeRule;
  /** Accepted `quality` values. */
  qualities?: readonly string[];
  /** Accepted `output_format` values. */
  outputFormats?: readonly ('png' | 'jpeg' | 'webp')[];
  /** Input image types accepted. */
  inputMediaTypes: readonly ImageMediaType[];
  /** Largest input image, in bytes. */
  maxImageBytes?: number;
  /** Largest mask, in bytes. */
  maxMaskBytes?: number;
  /** Input images must be square. */
  squareImages?: boolean;
  /** Smallest side of an input image, in pixels. */
  minSide?: number;
  /** Most pixels in an input image. */
  maxPixels?: number;
  /** Most extreme input aspect ratio, as long side / short side. */
  maxAspectRatio?: number;
  /** Optional OpenAI fields this model honours; any other one set is unsupported. */
  params: readonly OpenAIEditParam[];
  /** Whether `prompt` must be given. Defaults to true. */
  promptRequired?: boolean;
  /** Longest prompt, in characters. */
  maxPromptLength?: number;
  /** The provider answers with a URL (`url`), bytes (`b64_json`) or either on request. */
  nativeResponseFormat: 'url' | 'b64_json' | 'either';
  /** Whether the call is submit-then-poll. */
  async?: boolean;
}
