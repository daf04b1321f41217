import { geminiConformanceDefaults } from '@retouch/testing';
import { describeProviderConformance } from '@retouch/testing/conformance';
import { createGemini } from './gemini-provider.js';

describeProviderConformance({
  ...geminiConformanceDefaults(),
  name: 'gemini',
  createProvider: (sim, { apiKey }) => createGemini({ apiKey, baseURL: sim.url }),
});
