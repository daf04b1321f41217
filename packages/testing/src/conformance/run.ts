/**
 * The suite's Jest-bound types: the Jest functions it registers with, its options, and what the case
 * files share.
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
import type { ImageEditParams, ImageEditProvider, ImageEditResponse } from '@retouch/core';
import type { ConformanceCase, ProviderConformanceSetup } from '../conformance-types.js';
import type { RecordedRequest } from '../recorded-request.js';
import type { Simulator } from '../simulator.js';

/** The Jest functions the suite registers with. */
export interface JestApi {
  describe: typeof JestDescribe;
  it: typeof JestIt;
  expect: typeof JestExpect;
  beforeAll: typeof JestBeforeAll;
  afterAll: typeof JestAfterAll;
  beforeEach: typeof JestBeforeEach;
}

/** Settings of {@link describeProviderConformance}: the setup plus, optionally, Jest's functions. */
export interface ProviderConformanceOptions extends ProviderConformanceSetup {
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
