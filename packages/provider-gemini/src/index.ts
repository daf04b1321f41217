/**
 * `@retouch/provider-gemini`: image edits with Google's Gemini image models on the Gemini API
 * (`gemini/gemini-3.1-flash-image`, `gemini/gemini-3-pro-image`, …).
 * @module
 */
export type { GeminiImageSize, GeminiModelSpec } from './gemini-capabilities.js';
export { GEMINI_MODEL_SPECS, GEMINI_MODELS } from './gemini-capabilities.js';
export { GEMINI_CATALOGUE } from './gemini-catalogue.js';
export type { GeminiOptions } from './gemini-options.js';
export type { GeminiProviderSettings } from './gemini-provider.js';
export { createGemini, gemini, providerPackage } from './gemini-provider.js';
