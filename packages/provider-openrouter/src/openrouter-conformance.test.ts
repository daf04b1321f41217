import { openRouterConformanceDefaults } from '@retouch/testing';
import { describeProviderConformance } from '@retouch/testing/conformance';
import { createOpenRouter } from './openrouter-provider.js';

for (const path of ['images', 'chat'] as const) {
  describeProviderConformance({
    ...openRouterConformanceDefaults(path),
    name: `openrouter (${path})`,
    createProvider: (sim, { apiKey }) => createOpenRouter({ apiKey, baseURL: `${sim.url}/api/v1` }),
  });
}
