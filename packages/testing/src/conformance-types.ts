/**
 * The conformance suite's settings and case names, free of Jest's types: the main entry of
 * `@retouch/testing` (inspectors, `*ConformanceDefaults()`) uses them, and only the
 * `@retouch/testing/conformance` entry, which registers the Jest cases, adds Jest's.
 * @module
 */
import type {
  ImageEditOptions,
  ImageEditProvider,
  ImageEditResponse,
  ImageMediaType,
  MaskConvention,
} from '@retouch/core';
import type { RecordedRequest } from './recorded-request.js';
import type { Simulator } from './simulator.js';

/** Names of the suite's cases, for `skip`. */
export type ConformanceCase =
  | 'single-image'
  | 'multi-image'
  | 'stream'
  | 'mask'
  | 'mask-white-input'
  | 'n'
  | 'size'
  | 'b64_json'
  | 'url'
  | 'native-url'
  | 'error-400'
  | 'error-401'
  | 'error-403'
  | 'error-404'
  | 'error-429'
  | 'error-500'
  | 'error-503'
  | 'connection-reset'
  | 'malformed-json'
  | 'timeout'
  | 'abort'
  | 'redaction'
  | 'wrong-key'
  | 'bad-input'
  | 'unknown-model';

/** Reads a provider's own wire format back out of a recorded request. */
export interface ConformanceInspector {
  /** The input images the request carried, in order, as raw bytes (decode base64 / data URLs). */
  images(request: RecordedRequest): Uint8Array[];
  /** The mask the request carried, as PNG bytes; required when `models.mask` is set. */
  mask?(request: RecordedRequest): Uint8Array | undefined;
  /** The prompt the request carried. */
  prompt?(request: RecordedRequest): string | undefined;
}

/** One size-mapping case: the suite edits with `size` and hands you the upstream request. */
export interface ConformanceSizeCase {
  size: string;
  /** Model to use; defaults to `models.basic`. */
  model?: string;
  /** Throw (or `expect`) when the request or response does not show the mapping. */
  assert(request: RecordedRequest, response: ImageEditResponse): void | Promise<void>;
}

/**
 * Everything the conformance suite needs to run against one provider, except Jest itself: what the
 * `*ConformanceDefaults()` helpers return, free of Jest's types so this package's main entry needs no
 * `@jest/globals`.
 */
export interface ProviderConformanceSetup {
  /** Shown in the `describe` title. */
  name: string;
  /** Starts a fresh simulator (once per suite). */
  startSimulator(): Promise<Simulator>;
  /** Builds the provider under test, pointed at the simulator, with `settings.apiKey` as its credential. */
  createProvider(simulator: Simulator, settings: { apiKey: string }): ImageEditProvider;
  /** A credential the simulator accepts. */
  apiKey: string;
  /** Models (without prefix) for each case; cases whose model is missing are skipped. */
  models: {
    basic: string;
    multiImage?: string;
    mask?: string;
    nMultiple?: string;
    /** A model that answers with URLs of its own (dall-e-2, BFL): `response_format: 'url'` must return an http(s) URL. */
    nativeUrl?: string;
  };
  /** Which recorded requests are edit calls (not polls, downloads or token exchanges). */
  isEditRequest(request: RecordedRequest): boolean;
  /** Which request injected faults hit. Defaults to `isEditRequest` (async providers may pick the poll). */
  isFaultTarget?(request: RecordedRequest): boolean;
  inspect: ConformanceInspector;
  /** The mask convention the upstream wants; the suite decodes the mask sent and checks it. */
  maskConvention?: MaskConvention;
  /** `native`: one upstream call returns n images. `one-call-per-image`: the provider makes n calls. */
  nStrategy?: 'native' | 'one-call-per-image';
  sizeCases?: readonly ConformanceSizeCase[];
  /** Size of the generated input images. Defaults to 64×64. */
  imageSize?: { width: number; height: number };
  /** Media type of results. Defaults to `image/png`. */
  resultMediaType?: ImageMediaType;
  /** Merged into every request (provider extras a model requires). */
  params?: Record<string, unknown>;
  /** Passed to every `imageEdit()` call besides the provider (e.g. `allowRetired` for a discontinued model's mapping). Defaults to none. */
  imageEditOptions?: Omit<ImageEditOptions, 'provider'>;
  skip?: readonly ConformanceCase[];
}
