/**
 * The Stability half of the conformance suite: reading images, mask and prompt back out of a
 * recorded v2beta multipart request, and ready defaults for the Stability provider.
 * @module
 */
import type { ConformanceInspector, ProviderConformanceSetup } from './conformance-types.js';
import type { RecordedRequest } from './recorded-request.js';
import { type StabilitySimulatorOptions, startStabilitySimulator } from './stability-simulator.js';
import { STABILITY_ENDPOINTS } from './stability-spec.js';

/** File parts that carry input images, in the order a request lists them. */
const IMAGE_PARTS = new Set(['image', 'subject_image', 'init_image', 'style_image', 'background_reference']);

/**
 * The value of a text part of a recorded Stability request.
 *
 * @example
 * ```ts
 * stabilityField(sim.lastRequest(), 'search_prompt'); // 'cat'
 * ```
 */
export function stabilityField(request: RecordedRequest, name: string): string | undefined {
  return request.fields?.[name]?.[0];
}

/** Reads Stability requests: images from the image file parts, the mask from `mask`, the prompt. */
export const stabilityInspector: ConformanceInspector = {
  images: (request) =>
    (request.files ?? []).filter((file) => IMAGE_PARTS.has(file.field)).map((file) => file.bytes),
  mask: (request) => request.files?.find((file) => file.field === 'mask')?.bytes,
  prompt: (request) => stabilityField(request, 'prompt') ?? stabilityField(request, 'background_prompt'),
};

/**
 * Whether a recorded request is a Stability generation (`POST` to an edit, control or upscale
 * endpoint), not a `results/{id}` poll.
 *
 * @example
 * ```ts
 * sim.requests.filter(isStabilityEditRequest).length; // 1
 * ```
 */
export function isStabilityEditRequest(request: RecordedRequest): boolean {
  return request.method === 'POST' && STABILITY_ENDPOINTS[request.path] !== undefined;
}

/**
 * Everything the conformance suite needs for Stability except the provider itself. `inpaint` is the
 * basic, mask and `n` model (one call per image); `style` shows `size` → `aspect_ratio`. Stability
 * takes one base image per call, so the many-images case does not apply.
 *
 * @example
 * ```ts
 * describeProviderConformance({
 *   ...stabilityConformanceDefaults(),
 *   name: 'stability',
 *   createProvider: (sim, { apiKey }) => createStability({ apiKey, baseURL: sim.url }),
 * });
 * ```
 */
export function stabilityConformanceDefaults(
  apiKey = 'sk-conformance-stability-0123456789',
  simulatorOptions: StabilitySimulatorOptions = {},
): Omit<ProviderConformanceSetup, 'name' | 'createProvider'> {
  return {
    apiKey,
    startSimulator: () => startStabilitySimulator({ apiKey, echoKeyInErrors: true, ...simulatorOptions }),
    models: { basic: 'inpaint', mask: 'inpaint', nMultiple: 'inpaint' },
    isEditRequest: isStabilityEditRequest,
    inspect: stabilityInspector,
    maskConvention: 'white',
    nStrategy: 'one-call-per-image',
    sizeCases: [
      {
        size: '1536x1024',
        model: 'style',
        assert(request) {
          const sent = stabilityField(request, 'aspect_ratio');
          if (sent !== '3:2') throw new Error(`expected aspect_ratio 3:2 upstream, got ${String(sent)}`);
        },
      },
      {
        size: '1024x1792',
        model: 'style',
        assert(request) {
          const sent = stabilityField(request, 'aspect_ratio');
          if (sent !== '9:16') throw new Error(`expected aspect_ratio 9:16 upstream, got ${String(sent)}`);
        },
      },
    ],
  };
}
