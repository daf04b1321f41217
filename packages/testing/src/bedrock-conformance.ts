/**
 * The Bedrock half of the conformance suite: reading images, mask and prompt back out of a recorded
 * `InvokeModel` body (bare base64 fields), and ready defaults for the Bedrock provider — signed with
 * SigV4 against the simulator, the conformance `apiKey` being the secret access key.
 * @module
 */
import { BEDROCK_INVOKE_PATH } from './bedrock-spec.js';
import { type BedrockSimulatorOptions, startBedrockSimulator } from './bedrock-simulator.js';
import type { ConformanceInspector, ProviderConformanceSetup } from './conformance-types.js';
import type { RecordedRequest } from './recorded-request.js';

/** Access key id the conformance suite signs with (its secret is the suite's `apiKey`). */
export const BEDROCK_CONFORMANCE_ACCESS_KEY_ID = 'AKIACONFORMANCE00001';

function body(request: RecordedRequest): Record<string, unknown> {
  return (request.json ?? {}) as Record<string, unknown>;
}

function base64Field(request: RecordedRequest, field: string): Uint8Array | undefined {
  const value = body(request)[field];
  return typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
}

/** Reads `InvokeModel` bodies: `image` (or `init_image`, `style_image`), `mask`, `prompt`. */
export const bedrockInspector: ConformanceInspector = {
  images: (request) =>
    ['image', 'init_image', 'style_image']
      .map((field) => base64Field(request, field))
      .filter((bytes): bytes is Uint8Array => bytes !== undefined),
  mask: (request) => base64Field(request, 'mask'),
  prompt: (request) => {
    const prompt = body(request).prompt;
    return typeof prompt === 'string' ? prompt : undefined;
  },
};

/**
 * Whether a recorded request is an `InvokeModel` call.
 *
 * @example
 * ```ts
 * sim.requests.filter(isBedrockInvokeRequest).length; // 1
 * ```
 */
export function isBedrockInvokeRequest(request: RecordedRequest): boolean {
  return request.method === 'POST' && BEDROCK_INVOKE_PATH.test(request.path);
}

/**
 * Everything the conformance suite needs for Bedrock except the provider itself. The simulator
 * knows one credential, `BEDROCK_CONFORMANCE_ACCESS_KEY_ID` with the suite's `apiKey` as its secret,
 * in `us-east-1`; a provider built with another secret fails signature verification.
 *
 * @example
 * ```ts
 * describeProviderConformance({
 *   ...bedrockConformanceDefaults(),
 *   name: 'bedrock',
 *   createProvider: (sim, { apiKey }) =>
 *     createBedrock({ baseURL: sim.url, region: 'us-east-1', accessKeyId: BEDROCK_CONFORMANCE_ACCESS_KEY_ID, secretAccessKey: apiKey }),
 * });
 * ```
 */
export function bedrockConformanceDefaults(
  apiKey = 'conformance-bedrock-secret-0123456789',
  simulatorOptions: BedrockSimulatorOptions = {},
): Omit<ProviderConformanceSetup, 'name' | 'createProvider'> {
  const inpaint = 'us.stability.stable-image-inpaint-v1:0';
  return {
    apiKey,
    startSimulator: () =>
      startBedrockSimulator({
        region: 'us-east-1',
        credentials: [{ accessKeyId: BEDROCK_CONFORMANCE_ACCESS_KEY_ID, secretAccessKey: apiKey }],
        ...simulatorOptions,
      }),
    models: { basic: inpaint, mask: inpaint, nMultiple: inpaint },
    isEditRequest: isBedrockInvokeRequest,
    inspect: bedrockInspector,
    maskConvention: 'white',
    nStrategy: 'one-call-per-image',
    sizeCases: [
      {
        size: '1536x1024',
        model: 'us.stability.stable-image-style-guide-v1:0',
        assert(request) {
          const sent = body(request).aspect_ratio;
          if (sent !== '3:2') throw new Error(`expected aspect_ratio 3:2 upstream, got ${String(sent)}`);
        },
      },
    ],
  };
}
