/**
 * The Vertex AI half of the conformance suite: reading images, mask and prompt back out of a
 * recorded `:generateContent` (Gemini) or `:predict` (Imagen) body, and ready defaults for the
 * Vertex provider (Gemini for the basic cases, Imagen for masks and native `n`).
 * @module
 */
import type { ConformanceInspector, ProviderConformanceSetup } from './conformance-types.js';
import { GEMINI_SIZE_CASES, geminiInspector } from './gemini-conformance.js';
import type { RecordedRequest } from './recorded-request.js';
import { startVertexSimulator } from './vertex-simulator.js';

interface RecordedReference {
  referenceType?: string;
  referenceImage?: { bytesBase64Encoded?: string };
}

/**
 * The `referenceImages` of a recorded Imagen `:predict` body.
 *
 * @example
 * ```ts
 * imagenReferences(sim.lastRequest()).map((r) => r.referenceType); // ['REFERENCE_TYPE_RAW', 'REFERENCE_TYPE_MASK']
 * ```
 */
export function imagenReferences(request: RecordedRequest): (RecordedReference & Record<string, unknown>)[] {
  const instances = (request.json as { instances?: { referenceImages?: unknown[] }[] } | undefined)
    ?.instances;
  return (instances?.[0]?.referenceImages ?? []) as (RecordedReference & Record<string, unknown>)[];
}

/**
 * Whether a recorded request is an Imagen `:predict` call.
 *
 * @example
 * ```ts
 * isImagenPredictRequest(sim.lastRequest()); // true
 * ```
 */
export function isImagenPredictRequest(request: RecordedRequest): boolean {
  return request.method === 'POST' && request.path.endsWith(':predict');
}

/**
 * Whether a recorded request is a Vertex model call (`:generateContent` or `:predict`, not `/token`).
 *
 * @example
 * ```ts
 * sim.requests.filter(isVertexEditRequest).length; // 1
 * ```
 */
export function isVertexEditRequest(request: RecordedRequest): boolean {
  return request.method === 'POST' && /:(generateContent|predict)$/.test(request.path);
}

function referenceBytes(request: RecordedRequest, type: string): Uint8Array[] {
  return imagenReferences(request)
    .filter((reference) => reference.referenceType === type && reference.referenceImage?.bytesBase64Encoded)
    .map((reference) => Buffer.from(reference.referenceImage?.bytesBase64Encoded as string, 'base64'));
}

/** Reads Vertex bodies: Gemini `inlineData` parts, or Imagen RAW / MASK references. */
export const vertexInspector: ConformanceInspector = {
  images: (request) =>
    isImagenPredictRequest(request)
      ? referenceBytes(request, 'REFERENCE_TYPE_RAW')
      : geminiInspector.images(request),
  mask: (request) => referenceBytes(request, 'REFERENCE_TYPE_MASK')[0],
  prompt: (request) =>
    isImagenPredictRequest(request)
      ? (request.json as { instances?: { prompt?: string }[] } | undefined)?.instances?.[0]?.prompt
      : geminiInspector.prompt?.(request),
};

/** The project the conformance simulator accepts. */
export const VERTEX_CONFORMANCE_PROJECT = 'retouch-conformance';

/**
 * Everything the conformance suite needs for Vertex AI except the provider itself. `apiKey` is the
 * access token the simulator accepts (pass it as the provider's `accessToken`).
 *
 * @example
 * ```ts
 * describeProviderConformance({
 *   ...vertexConformanceDefaults(),
 *   name: 'vertex_ai',
 *   createProvider: (sim, { apiKey }) =>
 *     createVertex({ accessToken: apiKey, project: VERTEX_CONFORMANCE_PROJECT, baseURL: sim.url }),
 * });
 * ```
 */
export function vertexConformanceDefaults(
  accessToken = 'vertex-conformance-token-0123456789',
): Omit<ProviderConformanceSetup, 'name' | 'createProvider'> {
  return {
    apiKey: accessToken,
    startSimulator: () => startVertexSimulator({ accessToken, project: VERTEX_CONFORMANCE_PROJECT }),
    models: {
      basic: 'gemini-2.5-flash-image',
      multiImage: 'gemini-2.5-flash-image',
      mask: 'imagen-3.0-capability-001',
      nMultiple: 'imagen-3.0-capability-001',
    },
    // Imagen editing is discontinued upstream (retired in the catalogue); the mask and n cases still
    // check its mapping for callers who send it anyway.
    imageEditOptions: { allowRetired: true },
    isEditRequest: isVertexEditRequest,
    inspect: vertexInspector,
    maskConvention: 'white',
    nStrategy: 'native',
    sizeCases: GEMINI_SIZE_CASES,
  };
}
