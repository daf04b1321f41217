import { describeProviderConformance, stabilityConformanceDefaults } from '@retouch/testing';
import { createStability } from './stability-provider.js';

describeProviderConformance({
  ...stabilityConformanceDefaults(),
  name: 'stability',
  createProvider: (sim, { apiKey }) => createStability({ apiKey, baseURL: sim.url }),
});
