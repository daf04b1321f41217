/**
 * The provider conformance suite: one `describe` block every provider package runs against its
 * simulator. It drives the provider through core's `imageEdit()` and checks both what the caller
 * gets (OpenAI's response shape, error classes) and what went over the wire (recorded by the
 * simulator): single and multiple images, masks, `n`, size mapping, `response_format` both ways,
 * every error class, timeout, abort, redaction and input validation.
 * @module
 */
import { type ImageEditProvider, imageEdit } from '@retouch/core';
import type { Simulator } from '../simulator.js';
import { describeBehaviourCases } from './behaviour.js';
import { describeFailureCases } from './failures.js';
import type { ConformanceRun, JestApi, ProviderConformanceOptions } from './run.js';

export type {
  ConformanceCase,
  ConformanceInspector,
  ConformanceSizeCase,
  ProviderConformanceSetup,
} from '../conformance-types.js';
export { rejectionOf, resultBytes } from '../results.js';
export type { JestApi, ProviderConformanceOptions } from './run.js';

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
    edit: (params) =>
      imageEdit({ ...options.params, ...params }, { ...options.imageEditOptions, provider: run.provider() }),
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
