export type { OpenRouterEndpoint, OpenRouterModelInfo } from './openrouter-capabilities.js';
export {
  GENERIC_MODEL,
  OPENROUTER_MODEL_INFO,
  OPENROUTER_MODELS,
  openRouterCapabilities,
  openRouterModelInfo,
} from './openrouter-capabilities.js';
export { OPENROUTER_CATALOGUE } from './openrouter-catalogue.js';
export type { OpenRouterOptions } from './openrouter-options.js';
export type { OpenRouterProviderSettings } from './openrouter-provider.js';
export { createOpenRouter, openrouter, providerPackage } from './openrouter-provider.js';
