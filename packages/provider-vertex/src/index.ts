/**
 * `@retouch/provider-vertex`: image edits on Google Vertex AI — the Gemini image models
 * (`vertex_ai/gemini-2.5-flash-image`, …) and Imagen 3 editing (`vertex_ai/imagen-3.0-capability-001`).
 * @module
 */
export type { AccessTokenSource } from './vertex-auth.js';
export { IMAGEN_EDIT_CAPABILITIES, IMAGEN_EDIT_MODELS, VERTEX_MODELS } from './vertex-capabilities.js';
export { vertexHost } from './vertex-endpoint.js';
export type { ImagenOptions, VertexGeminiOptions } from './vertex-options.js';
export type { VertexProviderSettings } from './vertex-provider.js';
export { createVertex, providerPackage, vertex } from './vertex-provider.js';
