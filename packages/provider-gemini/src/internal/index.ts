/**
 * `@retouch/provider-gemini/internal`: the Gemini `generateContent` mapping, model table and
 * Google error handling, shared with `@retouch/provider-vertex`. Not a public API: it may change in
 * any release.
 * @module
 */
export type { GeminiApi, GeminiImageSize, GeminiModelSpec } from '../gemini-capabilities.js';
export {
  capabilitiesOf,
  GEMINI_ASPECT_RATIOS,
  GEMINI_EXTENDED_ASPECT_RATIOS,
  GEMINI_IMAGE_SIZES,
  GEMINI_MAX_N,
  GEMINI_MODEL_SPECS,
  geminiCapabilities,
  VERTEX_GEMINI_MODEL_SPECS,
} from '../gemini-capabilities.js';
export {
  GEMINI_25_FLASH_IMAGE_PRICE,
  GEMINI_25_FLASH_IMAGE_PRICE_SOURCE,
  GEMINI_3_PRO_IMAGE_PRICE,
  GEMINI_3_PRO_IMAGE_PRICE_SOURCE,
  GEMINI_31_FLASH_IMAGE_PRICE,
  GEMINI_31_FLASH_IMAGE_PRICE_SOURCE,
  GEMINI_FAMILIES,
} from '../gemini-catalogue.js';
export type { GenerateContentConfig, GenerateContentOptions } from '../gemini-generate-content.js';
export {
  buildGenerateContentBody,
  generateContentImageEdit,
  readGenerateContent,
  toImageUsage,
} from '../gemini-generate-content.js';
export type { GeminiImageConfig } from '../gemini-image-config.js';
export { resolveImageConfig } from '../gemini-image-config.js';
export type { GeminiOptions } from '../gemini-options.js';
export { GEMINI_HARM_CATEGORIES, geminiOptionsSchema, HARM_THRESHOLDS } from '../gemini-options.js';
export type { GoogleErrorClassifierSettings } from '../google-errors.js';
export {
  createGoogleErrorClassifier,
  googleErrorReason,
  googleRetryDelayMs,
  parseGoogleError,
} from '../google-errors.js';
