/**
 * `@retouch/testing`: faithful simulators of the upstream image-edit APIs, test image fixtures, and
 * the conformance suite every provider package runs.
 * @module
 */
export type {
  ConformanceCase,
  ConformanceInspector,
  ConformanceSizeCase,
  JestApi,
  ProviderConformanceOptions,
} from './conformance.js';
export { describeProviderConformance } from './conformance.js';
export { resultBytes } from './conformance-behaviour.js';
export { rejectionOf } from './conformance-failures.js';
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
  isOpenAIEditRequest,
  openAIConformanceDefaults,
  openAIField,
  openAIInspector,
} from './openai-conformance.js';
export type { OpenAIErrorResponse } from './openai-errors.js';
export type { OpenAIEditFormFields, OpenAIFormFile } from './openai-form.js';
export { createOpenAIEditForm } from './openai-form.js';
export { openAIErrorBody } from './openai-errors.js';
export type { OpenAIEcho, OpenAIImageUsage } from './openai-output.js';
export type { OpenAISimulatorOptions } from './openai-simulator.js';
export { OPENAI_EDITS_PATH, OPENAI_FILES_PATH, startOpenAISimulator } from './openai-simulator.js';
export {
  OPENAI_DEFAULT_EDIT_MODEL,
  OPENAI_EDIT_ENUMS,
  OPENAI_EDIT_LIMITS,
  OPENAI_EDIT_MODELS,
  OPENAI_JSON_FIELDS,
  OPENAI_MULTIPART_FIELDS,
} from './openai-spec.js';
export type { RecordedFile, RecordedRequest } from './recorded-request.js';
export type {
  ErrorBodyBuilder,
  Fault,
  FaultOptions,
  Simulator,
  SimulatorContext,
  SimulatorOptions,
  SimulatorReply,
} from './simulator.js';
export { FAULT_HEADER, parseFaultHeader, startSimulator } from './simulator.js';
