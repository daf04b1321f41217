import { openAIConformanceDefaults } from '@retouch/testing';
import { describeProviderConformance } from '@retouch/testing/conformance';
import { createOpenAI } from './openai-provider.js';

describeProviderConformance({
  ...openAIConformanceDefaults(),
  name: 'openai',
  createProvider: (sim, { apiKey }) => createOpenAI({ apiKey, baseURL: `${sim.url}/v1` }),
});
