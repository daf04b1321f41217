/**
 * `@retouch/provider-gemini`: image edits with Google's Gemini image models on the Gemini API
 * (`gemini/gemini-2.5-flash-image`, `gemini/gemini-3-pro-image-preview`, …).
 * @module
 */
export type { GeminiImageSize, GeminiModelSpec } from './gemini-capabilities.js';
export { GEMINI_MODEL_SPECS, GEMINI_MODELS } from './gemini-capabilities.js';
export type { GeminiOptions } from './gemini-options.js';
export type { GeminiProviderSettings } from './gemini-provider.js';
export { createGemini, gemini, providerPackage } from './gemini-provider.js';
