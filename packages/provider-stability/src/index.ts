export { STABILITY_MAX_N, STABILITY_MODEL_PATHS, STABILITY_MODELS } from './stability-capabilities.js';
export { STABILITY_CATALOGUE } from './stability-catalogue.js';
export type { StabilityOptions } from './stability-options.js';
export type { StabilityProviderSettings } from './stability-provider.js';
export { createStability, providerPackage, stability } from './stability-provider.js';
