export type { BFLModelInfo, BFLModelKind, BFLRegion } from './bfl-capabilities.js';
export { BFL_MODEL_INFO, BFL_MODELS, BFL_REGION_HOSTS } from './bfl-capabilities.js';
export { BFL_CATALOGUE } from './bfl-catalogue.js';
export type {
  BFLExpandOptions,
  BFLFillOptions,
  BFLFlux2FlexOptions,
  BFLFlux2Options,
  BFLKontextOptions,
  BFLOptions,
} from './bfl-options.js';
export type { BlackForestLabsProviderSettings } from './bfl-provider.js';
export { blackForestLabs, createBlackForestLabs, providerPackage } from './bfl-provider.js';
export { BFL_RESULT_HOSTS } from './bfl-task.js';
