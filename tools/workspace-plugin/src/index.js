/**
 * `@retouch/workspace-plugin`: local Nx generators for retouch. Nx finds them through
 * `generators.json`; the exports here are for tests and scripts.
 * @module
 */
export { providerGenerator } from './generators/provider/generator.js';
export { providerNames } from './generators/provider/names.js';
export { addProviderRow } from './generators/provider/readme-table.js';
