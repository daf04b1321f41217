/**
 * `@retouch/core`: the contract every retouch package builds on.
 * @module
 */
export type { CustomSizeRule, ModelCapabilities, OpenAIEditParam } from './capabilities.js';
export { OPENAI_EDIT_PARAMS } from './capabilities.js';
export type { CatalogueFileIssue, CatalogueOverrides } from './catalogue/catalogue-file.js';
export {
  environmentCatalogue,
  loadModelCatalogue,
  ModelCatalogueError,
  parseModelCatalogue,
} from './catalogue/catalogue-file.js';
export { catalogueProblems } from './catalogue/check.js';
export type { LifecycleSubject } from './catalogue/lifecycle.js';
export {
  assertNotRetired,
  deprecationWarningOnce,
  lifecycleNotice,
  resetDeprecationWarnings,
} from './catalogue/lifecycle.js';
export {
  catalogueRow,
  currentModels,
  familyRow,
  lookupModel,
  matchesGlob,
  matchFamily,
  withCustomModels,
} from './catalogue/lookup.js';
export type { ModelOverride } from './catalogue/overrides.js';
export {
  applyOverride,
  IMAGE_MODES,
  isImageMode,
  overrideShape,
  priceShape,
  pickModelOverride,
} from './catalogue/overrides.js';
export type { ModelOrigin, ResolvedModel, ResolveModelOptions } from './catalogue/resolve.js';
export {
  describeCapabilities,
  describePrice,
  requireModel,
  resolveModel,
  unservedModelError,
} from './catalogue/resolve.js';
export type {
  CatalogueRow,
  FamilyRule,
  ModelLifecycle,
  ModelStatus,
  ProviderCatalogue,
  RowSources,
} from './catalogue/types.js';
export { MODEL_STATUSES } from './catalogue/types.js';
export type { CallDeadline, DeadlineOptions, DeadlineReason } from './deadline.js';
export {
  DEFAULT_TIMEOUT_MS,
  isTimeoutReason,
  startDeadline,
  withDeadline,
  withProviderStreamTimeout,
  withProviderTimeout,
} from './deadline.js';
export type { ApiKeySource } from './env.js';
export { apiKeyProblem, loadApiKey, loadSetting } from './env.js';
export type { OpenAIErrorBody, RetouchErrorOptions } from './errors.js';
export {
  APIConnectionError,
  APIUserAbortError,
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  ContentPolicyViolationError,
  errorClassForStatus,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RetouchError,
  redactError,
  ServiceUnavailableError,
  TimeoutError,
  toRetouchError,
  UnsupportedParamsError,
} from './errors.js';
export type {
  HttpCallOptions,
  HttpEventBody,
  HttpResponse,
  ProviderHttp,
  ProviderHttpConfig,
  UpstreamErrorDetails,
  UpstreamFailure,
} from './http.js';
export {
  abortError,
  createProviderHttp,
  errorFromFailure,
  parseCommonErrorBody,
  parseRetryAfter,
  parseUpstream,
} from './http.js';
export type { EncodedMultipart, FormFile } from './multipart.js';
export { encodeMultipart, encodeMultipartForm, imageFile, MultipartForm } from './multipart.js';
export type { MaskConvention } from './image/mask.js';
export { assertMaskMatches, convertMask, decodePngPixels, encodePngPixels } from './image/mask.js';
export type { ImageInput, PreparedImage, PrepareImageOptions } from './image/prepare.js';
export {
  holdStreamErrors,
  ImageParts,
  imageByteLength,
  isImageInput,
  prepareImage,
  toBase64,
  toBlob,
  toDataUrl,
} from './image/prepare.js';
export type { ImageInfo, ImageMediaType } from './image/sniff.js';
export { sniffImage } from './image/sniff.js';
export type { ImageEditOptions, RunImageEditOptions } from './image-edit.js';
export {
  attemptFailure,
  callCost,
  modelWarnings,
  costUnknownWarning,
  imageEdit,
  prepareEditRequest,
  requireCapabilities,
  runImageEdit,
} from './image-edit.js';
export {
  checkStreamParams,
  resultAsStream,
  runImageEditStream,
  streamImageEdit,
} from './image-edit-stream.js';
export type {
  ImageEditCompletedEvent,
  ImageEditPartialImageEvent,
  ImageEditStream,
  ImageEditStreamEvent,
  ImageEditStreamMeta,
  ImageEditStreamSource,
  ImagesUsage,
} from './stream-events.js';
export { createImageEditStream } from './stream-events.js';
export type { ReadEventsOptions, ServerSentEvent } from './sse.js';
export { formatServerSentEvent, MAX_EVENT_CHARS, readServerSentEvents } from './sse.js';
export type { ImageData, ImageEditResponse, ImagesResponse, ResponseMeta } from './normalize.js';
export { getMeta, imageBase64, toOpenAIResponse, withMeta } from './normalize.js';
export type { ImageEditControlFields, ImageEditParams, OpenAIImageEditFields } from './params.js';
export { KNOWN_PARAM_NAMES, parseImageEditParams } from './params.js';
export type { CostInput, ModelPrice } from './pricing/price.js';
export { computeCost, PRICE_FIELDS, pickPriceOverrides, roundUsd } from './pricing/price.js';
export { formatBytes } from './format-bytes.js';
export type {
  EditProgress,
  GeneratedImage,
  ImageEcho,
  ImageEditProvider,
  ImageUsage,
  ProviderCallOptions,
  ProviderConfig,
  ProviderImageEditRequest,
  ProviderImageEditResult,
  ProviderImageEditStream,
  ProviderPackage,
  ProviderStreamEvent,
} from './provider.js';
export { redactAndTruncate, redactSecrets } from './redact.js';
export type { ModelId } from './registry.js';
export {
  loadProviderPackage,
  PROVIDER_PACKAGES,
  parseModelId,
  registerProvider,
  resolveProvider,
  unregisterProvider,
} from './registry.js';
export type { FetchedBytes, SafeFetchOptions } from './safe-fetch.js';
export { isPrivateAddress, safeFetchBytes } from './safe-fetch.js';
export type { BindOptions, ModelRef, PreparedEditRequest } from './validate.js';
export { bindRequest, checkNotStreamed, isSizeSupported, parseProviderExtras } from './validate.js';
export { nearestAspectRatio, parseSize } from './provider-utils/aspect-ratio.js';
export { fanOut, mergeResults, seedForCall } from './provider-utils/fan-out.js';
export type { PollOptions, PollOutcome } from './provider-utils/poll.js';
export { pollUntilDone } from './provider-utils/poll.js';
export { integerInRange, numberInRange, oneOf, textUpTo } from './provider-utils/extras-schema.js';
