/**
 * `@retouch/provider-vertex`: image edits on Google Vertex AI — the Gemini image models
 * (`vertex_ai/gemini-3.1-flash-image`, …) and Imagen 3 editing (`vertex_ai/imagen-3.0-capability-001`, discontinued upstream).
 * @module
 */
export type { AccessTokenSource } from './vertex-auth.js';
export { IMAGEN_EDIT_CAPABILITIES } from './vertex-capabilities.js';
export { VERTEX_CATALOGUE } from './vertex-catalogue.js';
export { vertexHost } from './vertex-endpoint.js';
export type { ImagenOptions, VertexGeminiOptions } from './vertex-options.js';
export type { VertexProviderSettings } from './vertex-provider.js';
export { createVertex, providerPackage, vertex } from './vertex-provider.js';
