import { VERTEX_CONFORMANCE_PROJECT, vertexConformanceDefaults } from '@retouch/testing';
import { describeProviderConformance } from '@retouch/testing/conformance';
import { createVertex } from './vertex-provider.js';

describeProviderConformance({
  ...vertexConformanceDefaults(),
  name: 'vertex_ai',
  createProvider: (sim, { apiKey }) =>
    createVertex({
      accessToken: apiKey,
      project: VERTEX_CONFORMANCE_PROJECT,
      location: 'us-central1',
      baseURL: sim.url,
    }),
});
