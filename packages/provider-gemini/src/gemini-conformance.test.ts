import { describeProviderConformance, geminiConformanceDefaults } from '@retouch/testing';
import { createGemini } from './gemini-provider.js';

describeProviderConformance({
  ...geminiConformanceDefaults(),
  name: 'gemini',
  createProvider: (sim, { apiKey }) => createGemini({ apiKey, baseURL: sim.url }),
});
