import { BEDROCK_CONFORMANCE_ACCESS_KEY_ID, bedrockConformanceDefaults } from '@retouch/testing';
import { describeProviderConformance } from '@retouch/testing/conformance';
import { createBedrock } from './bedrock-provider.js';

describeProviderConformance({
  ...bedrockConformanceDefaults(),
  name: 'bedrock',
  createProvider: (sim, { apiKey }) =>
    createBedrock({
      baseURL: sim.url,
      region: 'us-east-1',
      accessKeyId: BEDROCK_CONFORMANCE_ACCESS_KEY_ID,
      secretAccessKey: apiKey,
    }),
});
