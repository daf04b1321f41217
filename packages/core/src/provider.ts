/**
 * The provider contract: what core hands a provider and what it gets back.
 * @module
 */
import type { ModelCapabilities } from './capabilities.js';
import type { ProviderCatalogue } from './catalogue/types.js';
import type { PreparedImage } from './image/prepare.js';

/** A validated request, as a provider receives it. OpenAI field names stay snake_case. */
export interface ProviderImageEditRequest {
  /** Model id without the provider prefix. */
  model: string;
  /**
   * For an id the provider's catalogue does not list: the listed model whose wire rules it
   * follows (its family's reference row, or `model_info.base_model`). Providers look up their own
   * per-model wire facts by `servedLike ?? model`; `model` is what goes upstream.
   */
  servedLike?: string;
  prompt?: string;
  /** Input images, read and checked; at least one. */
  images: readonly PreparedImage[];
  /** OpenAI-convention mask (alpha 0 = edit), same size as `images[0]`; convert with `convertMask`. */
  mask?: PreparedImage;
  /** Images wanted (1 when the caller gave none). */
  n: number;
  size?: string;
  quality?: string;
  /** The format the caller wants back; the normaliser converts, so providers may ignore it. */
  response_format: 'url' | 'b64_json';
  output_format?: 'png' | 'jpeg' | 'webp';
  output_compression?: number;
  background?: string;
  input_fidelity?: string;
  user?: string;
  /**
   * `true` only in a streamed call to a model whose capabilities list `stream` (then the provider's
   * `streamImageEdit` is called); a plain `imageEdit` never gets it.
   */
  stream?: boolean;
  /** Set only in a streamed call, for models whose capabilities list `partial_images`. */
  partial_images?: number;
  /** Provider-specific extras, not yet validated: parse them with `parseProviderExtras`. */
  extras: Record<string, unknown>;
  /** Merged into the upstream body as is. */
  extraBody?: Record<string, unknown>;
  /** Sent upstream as is (after the provider's own headers). */
  extraHeaders?: Record<string, string>;
  /** Whether unsupported parameters are dropped with a warning instead of failing. */
  dropParams: boolean;
}

/** Progress of a long (submit-then-poll) edit. */
export interface EditProgress {
  status: string;
  elapsedMs: number;
}

/** What core passes along with a request. */
export interface ProviderCallOptions {
  /** Aborts on the caller's signal or the call's deadline; pass it to every HTTP call. */
  signal: AbortSignal;
  /** Epoch milliseconds by which the whole call must finish (for polling loops), if any. */
  deadline?: number;
  /** The length of that deadline in milliseconds, as the caller set it (for messages that name it). */
  timeoutMs?: number;
  /** Progress of submit-then-poll edits. */
  onProgress?: (progress: EditProgress) => void;
}

/** One image a provider returned. At least one of `b64`, `bytes` or `url` is set. */
export interface GeneratedImage {
  b64?: string;
  bytes?: Uint8Array;
  url?: string;
  mediaType?: string;
  revisedPrompt?: string;
}

/** OpenAI's usage object of an image call. */
export interface ImageUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details?: { text_tokens?: number; image_tokens?: number };
  output_tokens_details?: { text_tokens?: number; image_tokens?: number };
}

/** What a provider returns for one logical call. */
export interface ProviderImageEditResult {
  images: GeneratedImage[];
  /** Token usage as the upstream reported it, in OpenAI's shape. */
  usage?: ImageUsage;
  /** Cost the upstream itself reported (OpenRouter `usage.cost`, BFL `cost`), in USD. */
  providerCostUsd?: number;
  /** Things the caller should know (dropped params, filtered images, expiring URLs). */
  warnings: string[];
  upstreamRequestId?: string;
  /** Echo fields of OpenAI's response (`size`, `quality`, `background`, `output_format`). */
  echo?: ImageEcho;
  /**
   * Top-level fields of an OpenAI-shaped answer that retouch does not map (fields OpenAI adds
   * later), copied into the response as they came; never over a field retouch sets.
   */
  passthrough?: Record<string, unknown>;
  /**
   * Downloads a URL this provider returned (used when the caller wants `b64_json` and the provider
   * answered with a URL). Providers set it to restrict downloads to their own result hosts.
   */
  download?: (url: string, signal: AbortSignal) => Promise<Uint8Array>;
}

/** The echo fields of an OpenAI answer or stream event. */
export interface ImageEcho {
  size?: string;
  quality?: string;
  background?: string;
  output_format?: string;
}

/**
 * One event of a provider's stream: a partial image (its upstream's own), or one final image.
 * Core turns them into OpenAI's `image_edit.partial_image` and `image_edit.completed` events.
 */
export type ProviderStreamEvent =
  | { type: 'partial_image'; b64: string; partialImageIndex: number; echo?: ImageEcho }
  | { type: 'completed'; image: GeneratedImage; usage?: ImageUsage; echo?: ImageEcho };

/** What `streamImageEdit` resolves with once the upstream answered (an error status throws instead). */
export interface ProviderImageEditStream {
  /** Partial and final images in the order they arrive; throws (a `RetouchError`) if the stream breaks. */
  events: AsyncIterable<ProviderStreamEvent>;
  /** Things the caller should know; the provider may add to it while the stream runs. */
  warnings: string[];
  upstreamRequestId?: string;
  /** Downloads a result URL of a completed event (see `ProviderImageEditResult.download`). */
  download?: ProviderImageEditResult['download'];
  /** Read once `events` has ended: the call's usage, cost and echo fields, as `imageEdit` reports them. */
  summary(): Pick<ProviderImageEditResult, 'usage' | 'providerCostUsd' | 'echo'>;
}

/**
 * A provider: `id` is its prefix (`openai`, `gemini`, …). `capabilities(model)` returns `undefined`
 * for a model it does not know. `imageEdit` makes exactly one logical upstream operation.
 */
export interface ImageEditProvider {
  readonly id: string;
  /**
   * The provider's model catalogue (rows with capabilities, prices, lifecycle and sources; family
   * rules for unlisted ids). Optional: without it, core uses `capabilities()` and knows no price.
   */
  readonly catalogue?: ProviderCatalogue;
  capabilities(model: string): ModelCapabilities | undefined;
  /** Models this provider knows, for errors and `/v1/models`. */
  models(): readonly string[];
  /**
   * The credential values this provider uses (API keys, tokens). Every error leaving `imageEdit` is
   * scrubbed of them, whatever path built it. Optional; patterns (`sk-…`, `Bearer …`) apply anyway.
   */
  secrets?(): readonly (string | undefined)[];
  /**
   * What stops this provider from calling its upstream, found without any network call (no API
   * key, no project), or `undefined` when nothing does. Read from the settings and the environment
   * each time: the router skips a deployment while it has a problem and shows it on `/health`.
   */
  configurationProblem?(): string | undefined;
  imageEdit(
    request: ProviderImageEditRequest,
    options: ProviderCallOptions,
  ): Promise<ProviderImageEditResult>;
  /**
   * The same one logical operation, streamed by the upstream itself (OpenAI's `stream=true`).
   * Called only for models whose capabilities list `stream`; for every other model core streams
   * the `imageEdit` result as completed events, one per image.
   */
  streamImageEdit?(
    request: ProviderImageEditRequest,
    options: ProviderCallOptions,
  ): Promise<ProviderImageEditStream>;
}

/**
 * Deployment settings with LiteLLM's `litellm_params` names (`api_key`, `api_base`, `timeout`,
 * `vertex_project`, `aws_region_name`, …), as the router and config.yaml give them.
 */
export type ProviderConfig = Record<string, unknown> & {
  api_key?: string;
  api_base?: string;
  timeout?: number;
  extra_headers?: Record<string, string>;
};

/** What a provider package exports as `providerPackage`, so core can load it by prefix. */
export interface ProviderPackage {
  /** The model prefix this package serves (`openai`, `black_forest_labs`, …). */
  readonly prefix: string;
  /** The built-in catalogue (for `retouch models` and `/v1/models` without building a provider). */
  readonly catalogue?: ProviderCatalogue;
  /** Builds a provider from LiteLLM-style settings; missing settings come from the environment. */
  create(config?: ProviderConfig): ImageEditProvider;
  /**
   * The `litellm_params` keys `create(config)` reads (`api_key`, `api_base`, `region`, …). With
   * it, the router warns about every other key of a deployment — a typo such as `api_bse` — instead
   * of ignoring it; without it, any key is accepted.
   */
  readonly settings?: readonly string[];
}
