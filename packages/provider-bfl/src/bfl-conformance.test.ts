import { bflConformanceDefaults, describeProviderConformance } from '@retouch/testing';
import { createBlackForestLabs } from './bfl-provider.js';

describeProviderConformance({
  ...bflConformanceDefaults(),
  name: 'black_forest_labs',
  createProvider: (sim, { apiKey }) => createBlackForestLabs({ apiKey, baseURL: sim.url, pollIntervalMs: 5 }),
});
