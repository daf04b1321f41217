import { describeProviderConformance, openAIConformanceDefaults } from '@retouch/testing';
import { createOpenAI } from './openai-provider.js';

describeProviderConformance({
  ...openAIConformanceDefaults(),
  name: 'openai',
  createProvider: (sim, { apiKey }) => createOpenAI({ apiKey, baseURL: `${sim.url}/v1` }),
});
