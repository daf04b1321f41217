/**
 * The BFL half of the conformance suite: reading images, mask and prompt back out of a recorded
 * submit (`input_image`, `input_image_2`, … or Fill/Expand's `image`, bare base64), and ready
 * defaults for the BFL provider.
 * @module
 */
import type { ConformanceInspector, ProviderConformanceSetup } from './conformance-types.js';
import { type BFLSimulatorOptions, startBFLSimulator } from './bfl-simulator.js';
import { BFL_EDIT_ENDPOINTS } from './bfl-spec.js';
import type { RecordedRequest } from './recorded-request.js';

function body(request: RecordedRequest): Record<string, unknown> {
  return (request.json ?? {}) as Record<string, unknown>;
}

function base64Field(request: RecordedRequest, field: string): Uint8Array | undefined {
  const value = body(request)[field];
  return typeof value === 'string' && !/^https?:/.test(value) ? Buffer.from(value, 'base64') : undefined;
}

/**
 * The image fields of a BFL submit, in order: `image` (Fill/Expand) or `input_image`, `input_image_2`, …
 *
 * @example
 * ```ts
 * bflImageFields(sim.lastRequest()); // ['input_image', 'input_image_2']
 * ```
 */
export function bflImageFields(request: RecordedRequest): string[] {
  return Object.keys(body(request))
    .filter((field) => field === 'image' || /^input_image(_\d+)?$/.test(field))
    .sort((a, b) => imageIndex(a) - imageIndex(b));
}

function imageIndex(field: string): number {
  const match = /_(\d+)$/.exec(field);
  return match ? Number(match[1]) : 1;
}

/** Reads BFL submits: images from `image` / `input_image*`, the mask from `mask`, the prompt. */
export const bflInspector: ConformanceInspector = {
  images: (request) =>
    bflImageFields(request)
      .map((field) => base64Field(request, field))
      .filter((bytes): bytes is Uint8Array => bytes !== undefined),
  mask: (request) => base64Field(request, 'mask'),
  prompt: (request) => {
    const prompt = body(request).prompt;
    return typeof prompt === 'string' ? prompt : undefined;
  },
};

/**
 * Whether a recorded request is a BFL submit (`POST /v1/{edit endpoint}`), not a poll or download.
 *
 * @example
 * ```ts
 * sim.requests.filter(isBFLSubmitRequest).length; // 1
 * ```
 */
export function isBFLSubmitRequest(request: RecordedRequest): boolean {
  const match = /^\/v1\/([\w.-]+)$/.exec(request.path);
  return request.method === 'POST' && match !== null && BFL_EDIT_ENDPOINTS[match[1] as string] !== undefined;
}

/**
 * Everything the conformance suite needs for BFL except the provider itself. Inputs are 256×256
 * (Fill and Expand's minimum); results are asked for as PNG so the suite can check them.
 *
 * @example
 * ```ts
 * describeProviderConformance({
 *   ...bflConformanceDefaults(),
 *   name: 'black_forest_labs',
 *   createProvider: (sim, { apiKey }) => createBlackForestLabs({ apiKey, baseURL: sim.url, pollIntervalMs: 5 }),
 * });
 * ```
 */
export function bflConformanceDefaults(
  apiKey = 'bfl-conformance-0123456789',
  simulatorOptions: BFLSimulatorOptions = {},
): Omit<ProviderConformanceSetup, 'name' | 'createProvider'> {
  return {
    apiKey,
    startSimulator: () => startBFLSimulator({ apiKey, echoKeyInErrors: true, ...simulatorOptions }),
    models: {
      basic: 'flux-kontext-pro',
      multiImage: 'flux-kontext-pro',
      mask: 'flux-pro-1.0-fill',
      nMultiple: 'flux-kontext-pro',
      nativeUrl: 'flux-kontext-pro',
    },
    isEditRequest: isBFLSubmitRequest,
    inspect: bflInspector,
    maskConvention: 'white',
    nStrategy: 'one-call-per-image',
    imageSize: { width: 256, height: 256 },
    params: { output_format: 'png' },
    sizeCases: [
      {
        size: '1536x1024',
        assert(request) {
          const sent = body(request).aspect_ratio;
          if (sent !== '3:2') throw new Error(`expected aspect_ratio 3:2 upstream, got ${String(sent)}`);
        },
      },
      {
        size: '512x384',
        model: 'flux-2-pro',
        assert(request) {
          const { width, height } = body(request);
          if (width !== 512 || height !== 384)
            throw new Error(
              `expected width 512 and height 384 upstream, got ${String(width)}x${String(height)}`,
            );
        },
      },
    ],
  };
}
