/**
 * The provider conformance suite: one `describe` block every provider package runs against its
 * simulator. It drives the provider through core's `imageEdit()` and checks both what the caller
 * gets (OpenAI's response shape, error classes) and what went over the wire (recorded by the
 * simulator): single and multiple images, masks, `n`, size mapping, `response_format` both ways,
 * every error class, timeout, abort, redaction and input validation.
 * @module
 */
import type {
  afterAll as JestAfterAll,
  beforeAll as JestBeforeAll,
  beforeEach as JestBeforeEach,
  describe as JestDescribe,
  expect as JestExpect,
  it as JestIt,
} from '@jest/globals';
import {
  type ImageEditParams,
  type ImageEditProvider,
  type ImageEditResponse,
  type ImageMediaType,
  imageEdit,
  type MaskConvention,
} from '@retouch/core';
import { describeBehaviourCases } from './conformance-behaviour.js';
import { describeFailureCases } from './conformance-failures.js';
import type { RecordedRequest } from './recorded-request.js';
import type { Simulator } from './simulator.js';

/** Names of the suite's cases, for `skip`. */
export type ConformanceCase =
  | 'single-image'
  | 'multi-image'
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

/** The Jest functions the suite registers with. */
export interface JestApi {
  describe: typeof JestDescribe;
  it: typeof JestIt;
  expect: typeof JestExpect;
  beforeAll: typeof JestBeforeAll;
  afterAll: typeof JestAfterAll;
  beforeEach: typeof JestBeforeEach;
}

/** Settings of {@link describeProviderConformance}. */
export interface ProviderConformanceOptions {
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
  skip?: readonly ConformanceCase[];
  /** Jest's functions; defaults to the globals Jest injects (pass `@jest/globals` when `injectGlobals` is off). */
  jest?: JestApi;
}

/** What the case files share. Internal. */
export interface ConformanceRun {
  options: ProviderConformanceOptions;
  jest: JestApi;
  simulator(): Simulator;
  provider(): ImageEditProvider;
  /** `imageEdit()` on the provider under test, with `options.params` merged in. */
  edit(params: ImageEditParams): Promise<ImageEditResponse>;
  editRequests(): RecordedRequest[];
  /** The first edit request; throws when the provider made none. */
  firstEditRequest(): RecordedRequest;
  /** Registers a case, skipped when named in `options.skip` or when `enabled` is false. */
  test(name: ConformanceCase, title: string, body: () => Promise<void>, enabled?: boolean): void;
  imageSize: { width: number; height: number };
}

function injectedJest(): JestApi {
  // Read at call time, not imported: `@jest/globals` throws when loaded outside Jest, and this
  // package's entry point is also used outside Jest (demos start simulators from it).
  const scope = globalThis as unknown as Partial<JestApi>;
  const { describe, it, expect, beforeAll, afterAll, beforeEach } = scope;
  if (!describe || !it || !expect || !beforeAll || !afterAll || !beforeEach) {
    throw new Error(
      'describeProviderConformance runs inside Jest: call it from a test file, or pass `jest` (the functions of @jest/globals) when injectGlobals is off.',
    );
  }
  return { describe, it, expect, beforeAll, afterAll, beforeEach };
}

/**
 * Registers the conformance suite for one provider. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * import { createOpenAI } from '@retouch/provider-openai';
 * import { describeProviderConformance, openAIConformanceDefaults } from '@retouch/testing';
 *
 * describeProviderConformance({
 *   ...openAIConformanceDefaults(),
 *   name: 'openai',
 *   createProvider: (sim, { apiKey }) => createOpenAI({ apiKey, baseURL: `${sim.url}/v1` }),
 * });
 * ```
 */
export function describeProviderConformance(options: ProviderConformanceOptions): void {
  const jest = options.jest ?? injectedJest();
  let simulator: Simulator | undefined;
  let provider: ImageEditProvider | undefined;
  const skipped = new Set(options.skip ?? []);

  const run: ConformanceRun = {
    options,
    jest,
    imageSize: options.imageSize ?? { width: 64, height: 64 },
    simulator: () => {
      if (!simulator) throw new Error('the simulator is not running');
      return simulator;
    },
    provider: () => {
      if (!provider) throw new Error('the provider was not created');
      return provider;
    },
    edit: (params) => imageEdit({ ...options.params, ...params }, { provider: run.provider() }),
    editRequests: () => run.simulator().requests.filter((request) => options.isEditRequest(request)),
    firstEditRequest: () => {
      const [first] = run.editRequests();
      if (!first) throw new Error(`${options.name}: no edit request reached the simulator`);
      return first;
    },
    test(name, title, body, enabled = true) {
      (enabled && !skipped.has(name) ? jest.it : jest.it.skip)(`${title} [${name}]`, body);
    },
  };

  jest.describe(`${options.name}: provider conformance`, () => {
    jest.beforeAll(async () => {
      simulator = await options.startSimulator();
      provider = options.createProvider(simulator, { apiKey: options.apiKey });
    });
    jest.afterAll(async () => {
      await simulator?.close();
    });
    jest.beforeEach(() => {
      simulator?.reset();
    });
    describeBehaviourCases(run);
    describeFailureCases(run);
  });
}
