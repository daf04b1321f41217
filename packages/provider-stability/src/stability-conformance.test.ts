import { stabilityConformanceDefaults } from '@retouch/testing';
import { describeProviderConformance } from '@retouch/testing/conformance';
import { createStability } from './stability-provider.js';

describeProviderConformance({
  ...stabilityConformanceDefaults(),
  name: 'stability',
  createProvider: (sim, { apiKey }) => createStability({ apiKey, baseURL: sim.url }),
});
