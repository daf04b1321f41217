/**
 * The Gemini half of the conformance suite: reading images and prompt back out of a recorded
 * `generateContent` body (Gemini API and Vertex AI share it), and ready defaults for the Gemini
 * provider.
 * @module
 */
import type {
  ConformanceInspector,
  ConformanceSizeCase,
  ProviderConformanceSetup,
} from './conformance-types.js';
import { startGeminiSimulator } from './gemini-simulator.js';
import type { RecordedRequest } from './recorded-request.js';

interface RecordedPart {
  text?: string;
  inlineData?: { mimeType?: string; data?: string };
}

/**
 * The parts of the user turn of a recorded `generateContent` body.
 *
 * @example
 * ```ts
 * geminiUserParts(sim.lastRequest()).filter((part) => part.inlineData).length; // 2
 * ```
 */
export function geminiUserParts(request: RecordedRequest): RecordedPart[] {
  const contents = (request.json as { contents?: { role?: string; parts?: RecordedPart[] }[] } | undefined)
    ?.contents;
  return (contents ?? [])
    .filter((content) => content.role !== 'model')
    .flatMap((content) => content.parts ?? []);
}

/**
 * The `generationConfig.imageConfig` of a recorded `generateContent` body.
 *
 * @example
 * ```ts
 * geminiImageConfig(sim.lastRequest()); // { aspectRatio: '16:9' }
 * ```
 */
export function geminiImageConfig(request: RecordedRequest): Record<string, unknown> | undefined {
  return (request.json as { generationConfig?: { imageConfig?: Record<string, unknown> } } | undefined)
    ?.generationConfig?.imageConfig;
}

/** Reads `generateContent` bodies: images from `inlineData` parts, the prompt from text parts. */
export const geminiInspector: ConformanceInspector = {
  images: (request) =>
    geminiUserParts(request)
      .filter((part) => typeof part.inlineData?.data === 'string')
      .map((part) => Buffer.from(part.inlineData?.data as string, 'base64')),
  prompt: (request) =>
    geminiUserParts(request)
      .filter((part) => typeof part.text === 'string')
      .map((part) => part.text)
      .join('\n') || undefined,
};

/**
 * Whether a recorded request is a `generateContent` call (Gemini API or Vertex AI).
 *
 * @example
 * ```ts
 * sim.requests.filter(isGenerateContentRequest).length; // 1
 * ```
 */
export function isGenerateContentRequest(request: RecordedRequest): boolean {
  return request.method === 'POST' && request.path.endsWith(':generateContent');
}

/**
 * A size case: `size` must reach `generationConfig.imageConfig.aspectRatio` as `aspectRatio`.
 *
 * @example
 * ```ts
 * aspectRatioCase('1792x1024', '16:9');
 * ```
 */
export function aspectRatioCase(size: string, aspectRatio: string, model?: string): ConformanceSizeCase {
  return {
    size,
    model,
    assert(request) {
      const sent = geminiImageConfig(request)?.aspectRatio;
      if (sent !== aspectRatio)
        throw new Error(`expected aspectRatio ${aspectRatio} for size ${size}, got ${String(sent)}`);
    },
  };
}

/** The size cases both Google providers run. */
export const GEMINI_SIZE_CASES: readonly ConformanceSizeCase[] = [
  aspectRatioCase('1024x1024', '1:1'),
  aspectRatioCase('1536x1024', '3:2'),
  aspectRatioCase('1024x1536', '2:3'),
  aspectRatioCase('1792x1024', '16:9'),
  aspectRatioCase('1024x1792', '9:16'),
];

/**
 * Everything the conformance suite needs for the Gemini API except the provider itself.
 *
 * @example
 * ```ts
 * describeProviderConformance({
 *   ...geminiConformanceDefaults(),
 *   name: 'gemini',
 *   createProvider: (sim, { apiKey }) => createGemini({ apiKey, baseURL: sim.url }),
 * });
 * ```
 */
export function geminiConformanceDefaults(
  apiKey = 'gemini-conformance-key-0123456789',
): Omit<ProviderConformanceSetup, 'name' | 'createProvider'> {
  return {
    apiKey,
    startSimulator: () => startGeminiSimulator({ apiKey }),
    models: {
      basic: 'gemini-2.5-flash-image',
      multiImage: 'gemini-2.5-flash-image',
      nMultiple: 'gemini-2.5-flash-image',
    },
    isEditRequest: isGenerateContentRequest,
    inspect: geminiInspector,
    nStrategy: 'one-call-per-image',
    sizeCases: GEMINI_SIZE_CASES,
  };
}
