/**
 * `@retouch/testing`: faithful simulators of the upstream image-edit APIs, test image fixtures, and
 * what the provider conformance suite reads requests with. The suite itself, which registers Jest
 * cases, is the `@retouch/testing/conformance` entry, so this one needs no `@jest/globals`.
 * @module
 */
export {
  BEDROCK_CONFORMANCE_ACCESS_KEY_ID,
  bedrockConformanceDefaults,
  bedrockInspector,
  isBedrockInvokeRequest,
} from './bedrock-conformance.js';
export type { SigV4Failure, SigV4VerifyOptions, SimulatedAwsCredential } from './bedrock-sigv4.js';
export { verifySigV4 } from './bedrock-sigv4.js';
export type { BedrockFinishReason, BedrockSimulator, BedrockSimulatorOptions } from './bedrock-simulator.js';
export { BEDROCK_SIMULATOR_CREDENTIALS, startBedrockSimulator } from './bedrock-simulator.js';
export type { BedrockException, BedrockModelSpec } from './bedrock-spec.js';
export {
  BEDROCK_EXCEPTIONS,
  BEDROCK_FINISH_REASONS,
  BEDROCK_MAX_BODY_BYTES,
  BEDROCK_STABILITY_MODELS,
  bedrockBaseModel,
  isValidBedrockModelId,
} from './bedrock-spec.js';
export {
  bflConformanceDefaults,
  bflImageFields,
  bflInspector,
  isBFLSubmitRequest,
} from './bfl-conformance.js';
export type { BFLSimulator, BFLSimulatorOptions, BFLTaskOutcome, BFLTaskView } from './bfl-simulator.js';
export { startBFLSimulator } from './bfl-simulator.js';
export type { BFLEndpointSpec, BFLFieldRule, BFLTaskStatus } from './bfl-spec.js';
export {
  BFL_ACTIVE_TASK_LIMITS,
  BFL_API_HOSTS,
  BFL_CREDITS,
  BFL_EDIT_ENDPOINTS,
  BFL_OUTPUT_FORMATS,
  BFL_RESULT_TTL_MS,
  BFL_TASK_STATUSES,
} from './bfl-spec.js';
export type {
  ConformanceCase,
  ConformanceInspector,
  ConformanceSizeCase,
  ProviderConformanceSetup,
} from './conformance-types.js';
export type { ErrorClass } from './results.js';
export { rejectionOf, resultBytes } from './results.js';
export type { PngOptions, Rect, Rgb } from './fixtures.js';
export {
  createGif,
  createJpeg,
  createNoisePng,
  createOpenAIMask,
  createPng,
  createWebp,
  createWhiteMask,
  NOT_AN_IMAGE,
  truncatedPng,
} from './fixtures.js';
export {
  aspectRatioCase,
  GEMINI_SIZE_CASES,
  geminiConformanceDefaults,
  geminiImageConfig,
  geminiInspector,
  geminiUserParts,
  isGenerateContentRequest,
} from './gemini-conformance.js';
export type { GoogleImageOutcome } from './gemini-output.js';
export type { GeminiSimulator, GeminiSimulatorOptions } from './gemini-simulator.js';
export { startGeminiSimulator } from './gemini-simulator.js';
export type { GeminiSimModel } from './gemini-spec.js';
export { GEMINI_IMAGE_MIME_TYPES, GEMINI_SIM_MODELS } from './gemini-spec.js';
export type { GeminiEditRequest, GeminiSimApi } from './gemini-validate.js';
export type { GoogleErrorDetail, GoogleErrorResponse } from './google-api-errors.js';
export { GOOGLE_STATUS_BY_HTTP, googleErrorBody, googleQuotaErrorBody } from './google-api-errors.js';
export { IMAGEN_BLOCKED_PROMPT_MESSAGE, IMAGEN_RAI_REASON } from './imagen-output.js';
export type { ImagenEditRequest } from './imagen-validate.js';
export { IMAGEN_EDIT_MODES, IMAGEN_MASK_MODES, IMAGEN_REFERENCE_TYPES } from './imagen-validate.js';
export {
  isOpenAIEditRequest,
  openAIConformanceDefaults,
  openAIField,
  openAIInspector,
} from './openai-conformance.js';
export type { OpenAIErrorResponse } from './openai-errors.js';
export type { OpenAIEditFormFields, OpenAIFormFile } from './openai-form.js';
export { createOpenAIEditForm } from './openai-form.js';
export { OPENAI_MODERATION_FAULT, openAIErrorBody } from './openai-errors.js';
export type { OpenAIEcho, OpenAIImageUsage } from './openai-output.js';
export type { OpenAISimulatorOptions } from './openai-simulator.js';
export { OPENAI_EDITS_PATH, OPENAI_FILES_PATH, startOpenAISimulator } from './openai-simulator.js';
export {
  OPENAI_DEFAULT_EDIT_MODEL,
  OPENAI_EDIT_ENUMS,
  OPENAI_EDIT_LIMITS,
  OPENAI_EDIT_MODELS,
  OPENAI_EDIT_MODELS_SINCE_SPEC,
  OPENAI_JSON_FIELDS,
  OPENAI_MULTIPART_FIELDS,
  OPENAI_SIM_EDIT_MODELS,
} from './openai-spec.js';
export {
  isOpenRouterImageRequest,
  openRouterConformanceDefaults,
  openRouterInspector,
  openRouterUserParts,
} from './openrouter-conformance.js';
export type {
  OpenRouterOutcome,
  OpenRouterSimModel,
  OpenRouterSimulator,
  OpenRouterSimulatorOptions,
} from './openrouter-simulator.js';
export {
  OPENROUTER_CHAT_PATH,
  OPENROUTER_IMAGES_PATH,
  OPENROUTER_SIM_MODELS,
  startOpenRouterSimulator,
} from './openrouter-simulator.js';
export {
  OPENROUTER_CHAT_ENUMS,
  OPENROUTER_CHAT_FIELDS,
  OPENROUTER_CHAT_IMAGE_CONFIG,
  OPENROUTER_ERROR_STATUSES,
  OPENROUTER_IMAGES_ENUMS,
  OPENROUTER_IMAGES_FIELDS,
  OPENROUTER_IMAGES_LIMITS,
} from './openrouter-spec.js';
export type { RecordedFile, RecordedRequest } from './recorded-request.js';
export type {
  ErrorBodyBuilder,
  Fault,
  SimulatorEvent,
  StreamRecord,
  StreamTiming,
  FaultOptions,
  FaultPolicy,
  Simulator,
  SimulatorContext,
  SimulatorOptions,
  SimulatorReply,
} from './simulator.js';
export { FAULT_HEADER, parseFaultHeader, startSimulator } from './simulator.js';
export {
  isStabilityEditRequest,
  stabilityConformanceDefaults,
  stabilityField,
  stabilityInspector,
} from './stability-conformance.js';
export type { StabilityFieldRule, StabilityImageLimits } from './stability-fields.js';
export { STABILITY_STYLE_ASPECT_RATIOS, STABILITY_STYLE_PRESETS } from './stability-fields.js';
export type {
  StabilityGeneration,
  StabilitySimulator,
  StabilitySimulatorOptions,
} from './stability-simulator.js';
export { startStabilitySimulator } from './stability-simulator.js';
export type { StabilityEndpointSpec, StabilityRenderKind } from './stability-spec.js';
export {
  STABILITY_ENDPOINTS,
  STABILITY_MAX_BODY_BYTES,
  STABILITY_RATE_LIMIT,
  STABILITY_RESULTS_PATH,
} from './stability-spec.js';
export { stabilityErrorBody } from './stability-validate.js';
export {
  imagenReferences,
  isImagenPredictRequest,
  isVertexEditRequest,
  VERTEX_CONFORMANCE_PROJECT,
  vertexConformanceDefaults,
  vertexInspector,
} from './vertex-conformance.js';
export type { SimulatedServiceAccount } from './vertex-oauth.js';
export { VERTEX_TOKEN_PATH } from './vertex-oauth.js';
export type { VertexSimulator, VertexSimulatorOptions } from './vertex-simulator.js';
export { startVertexSimulator, VERTEX_IMAGEN_SIM_MODELS } from './vertex-simulator.js';
export type { RedisServer } from './redis-server.js';
export { hasRedisServer, startRedisServer } from './redis-server.js';
export type { PostgresServer } from './postgres-server.js';
export { hasPostgresServer, startPostgresServer } from './postgres-server.js';
