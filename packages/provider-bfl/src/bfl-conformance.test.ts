import { bflConformanceDefaults } from '@retouch/testing';
import { describeProviderConformance } from '@retouch/testing/conformance';
import { createBlackForestLabs } from './bfl-provider.js';

describeProviderConformance({
  ...bflConformanceDefaults(),
  name: 'black_forest_labs',
  createProvider: (sim, { apiKey }) => createBlackForestLabs({ apiKey, baseURL: sim.url, pollIntervalMs: 5 }),
});
