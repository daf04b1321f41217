/**
 * `@retouch/proxy`: the OpenAI-compatible image-edit server (`POST /v1/images/edits`), configured
 * with LiteLLM's config.yaml, and the `retouch` CLI.
 * @module
 */
export type { Caller } from './auth.js';
export { hashKey, KeyStore, keyBudgets } from './auth.js';
export type { ConfigIssue } from './config/config-error.js';
export { ConfigError, formatKeyPath, parseKeyPath } from './config/config-error.js';
export type { ResolvedEnv } from './config/env-refs.js';
export { resolveEnvRefs } from './config/env-refs.js';
export type { GeneralSettings } from './config/general-settings.js';
export { limitsFrom, parseGeneralSettings, parseVirtualKeys } from './config/general-settings.js';
export type { ParseConfigOptions } from './config/load-config.js';
export { loadConfig, parseConfig } from './config/load-config.js';
export type { ProxyConfig, ProxyLimits, VirtualKeyConfig } from './config/proxy-config.js';
export {
  DEFAULT_IDLE_MEMORY_RELEASE_MS,
  DEFAULT_LIMITS,
  DEFAULT_SHUTDOWN_GRACE_MS,
} from './config/proxy-config.js';
export { coerceScalars } from './config/sections.js';
export type { CallOutcome, ConsoleRecorderOptions, EditRecord, LogFilter } from './console/recorder.js';
export { ConsoleRecorder } from './console/recorder.js';
export type { ConsoleOptions } from './console/setup.js';
export type { ProxyContext, RequestState } from './context.js';
export { CLIENT_CLOSED_STATUS } from './access-log.js';
export type { ErrorReply } from './errors.js';
export type { ImageHosting } from './image-urls/hosting.js';
export type { ImageStoreKind, ImageUrlSettings, S3StoreSettings } from './image-urls/settings.js';
export {
  DEFAULT_IMAGE_URL_TTL_SECONDS,
  defaultImageUrlSettings,
  parseImageUrlSettings,
} from './image-urls/settings.js';
export { IMAGE_FILES_PATH } from './image-urls/signing.js';
export type { ImageStore, StoredImage } from './image-urls/stores.js';
export { toErrorReply } from './errors.js';
export { CREDENTIAL_HEADERS, configSecrets, createLogScrubber, redactingLogger } from './log-redaction.js';
export type { CliOptions, MainIO, MainResult } from './main.js';
export { main, parseCliArgs, USAGE, UsageError } from './main.js';
export type { MetricsOptions, ProxyMetrics } from './metrics.js';
export type { CatalogueListing, ModelsCommandIO } from './models-command.js';
export { formatListing, listCatalogue, modelsCommand } from './models-command.js';
export { createMetrics } from './metrics.js';
export type { EditParamsContext, ParsedEdit } from './request/edit-params.js';
export { coerceExtra, toEditParams } from './request/edit-params.js';
export { readJsonEdit } from './request/json-body.js';
export { readMultipartEdit } from './request/multipart.js';
export type { PrepareInputsOptions } from './request/prepare-inputs.js';
export { prepareInputs } from './request/prepare-inputs.js';
export type { RawEditRequest } from './request/raw-edit.js';
export { fieldPath, setField } from './request/raw-edit.js';
export { END_USER_HEADER } from './routes/edits.js';
export type { ModelDeploymentEntry, ModelEntry } from './routes/models.js';
export type { ProxyServer, ProxyServerOptions } from './server.js';
export { createProxyServer } from './server.js';
export { RECOMMENDED_MIN_SEMI_SPACE_MIB } from './young-generation.js';
