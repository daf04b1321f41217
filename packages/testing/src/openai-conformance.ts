/**
 * The OpenAI-specific half of the conformance suite: reading images, mask and prompt back out of a
 * recorded `/images/edits` request (multipart or JSON), and ready defaults for the OpenAI provider.
 * @module
 */
import type {
  ConformanceInspector,
  ConformanceSizeCase,
  ProviderConformanceSetup,
} from './conformance-types.js';
import { OPENAI_EDITS_PATH, startOpenAISimulator } from './openai-simulator.js';
import type { RecordedRequest } from './recorded-request.js';

function dataUrlBytes(url: unknown): Uint8Array | undefined {
  if (typeof url !== 'string' || !url.startsWith('data:')) return undefined;
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

function jsonBody(request: RecordedRequest): Record<string, unknown> {
  return (request.json ?? {}) as Record<string, unknown>;
}

/**
 * The value of a text field of a recorded OpenAI request (multipart part or JSON property).
 *
 * @example
 * ```ts
 * openAIField(sim.lastRequest(), 'size'); // '1024x1536'
 * ```
 */
export function openAIField(request: RecordedRequest, name: string): string | undefined {
  if (request.fields) return request.fields[name]?.[0];
  const value = jsonBody(request)[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** Reads OpenAI edit requests, multipart (`image` / `image[]` / `mask` parts) or JSON (`images[].image_url` data URLs). */
export const openAIInspector: ConformanceInspector = {
  images(request) {
    if (request.files) {
      return request.files
        .filter((file) => file.field === 'image' || file.field === 'image[]')
        .map((file) => file.bytes);
    }
    const images = jsonBody(request).images;
    if (!Array.isArray(images)) return [];
    return images
      .map((image) => dataUrlBytes((image as { image_url?: unknown } | null)?.image_url))
      .filter((bytes): bytes is Uint8Array => bytes !== undefined);
  },
  mask(request) {
    if (request.files) return request.files.find((file) => file.field === 'mask')?.bytes;
    return dataUrlBytes((jsonBody(request).mask as { image_url?: unknown } | undefined)?.image_url);
  },
  prompt: (request) => openAIField(request, 'prompt'),
};

/**
 * Whether a recorded request is an OpenAI image edit.
 *
 * @example
 * ```ts
 * sim.requests.filter(isOpenAIEditRequest).length; // 1
 * ```
 */
export function isOpenAIEditRequest(request: RecordedRequest): boolean {
  return request.method === 'POST' && request.path === OPENAI_EDITS_PATH;
}

function sizeSentAs(size: string): ConformanceSizeCase {
  return {
    size,
    assert(request, response) {
      const sent = openAIField(request, 'size');
      if (sent !== size) throw new Error(`expected size ${size} upstream, got ${sent}`);
      if (response.size !== size)
        throw new Error(`expected the response to echo size ${size}, got ${response.size}`);
    },
  };
}

/**
 * Everything the conformance suite needs for OpenAI except the provider itself.
 *
 * @example
 * ```ts
 * describeProviderConformance({
 *   ...openAIConformanceDefaults(),
 *   name: 'openai',
 *   createProvider: (sim, { apiKey }) => createOpenAI({ apiKey, baseURL: `${sim.url}/v1` }),
 * });
 * ```
 */
export function openAIConformanceDefaults(
  apiKey = 'sk-conformance-0123456789',
): Omit<ProviderConformanceSetup, 'name' | 'createProvider'> {
  return {
    apiKey,
    startSimulator: () => startOpenAISimulator({ apiKey, echoKeyInErrors: true }),
    models: {
      basic: 'gpt-image-2',
      multiImage: 'gpt-image-2',
      mask: 'gpt-image-2',
      nMultiple: 'gpt-image-2',
      nativeUrl: 'dall-e-2',
    },
    // dall-e-2 (shut down 2026-05-12) is OpenAI's only model that answers with its own URLs; the
    // native-url case still checks its mapping for callers who send it anyway.
    imageEditOptions: { allowRetired: true },
    isEditRequest: isOpenAIEditRequest,
    inspect: openAIInspector,
    maskConvention: 'alpha-transparent',
    nStrategy: 'native',
    sizeCases: [sizeSentAs('1024x1536'), sizeSentAs('1536x1024')],
  };
}
