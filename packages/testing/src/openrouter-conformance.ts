/**
 * The OpenRouter half of the conformance suite: reading images and prompt back out of a recorded
 * `/images` request (`input_references`) or chat completion (user message parts), and ready
 * defaults for the OpenRouter provider on either path.
 * @module
 */
import type { ConformanceInspector, ProviderConformanceSetup } from './conformance-types.js';
import {
  OPENROUTER_CHAT_PATH,
  OPENROUTER_IMAGES_PATH,
  type OpenRouterSimulatorOptions,
  startOpenRouterSimulator,
} from './openrouter-simulator.js';
import type { RecordedRequest } from './recorded-request.js';

function body(request: RecordedRequest): Record<string, unknown> {
  return (request.json ?? {}) as Record<string, unknown>;
}

function dataUrlBytes(url: unknown): Uint8Array | undefined {
  if (typeof url !== 'string' || !url.startsWith('data:')) return undefined;
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

type Part = { type?: string; text?: string; image_url?: { url?: string } };

/**
 * The parts of the first user message of a recorded chat completion.
 *
 * @example
 * ```ts
 * openRouterUserParts(sim.lastRequest()).map((part) => part.type); // ['text', 'image_url']
 * ```
 */
export function openRouterUserParts(request: RecordedRequest): Part[] {
  const messages = body(request).messages;
  if (!Array.isArray(messages)) return [];
  const user = messages.find((message) => (message as { role?: string }).role === 'user') as
    | { content?: unknown }
    | undefined;
  return Array.isArray(user?.content) ? (user.content as Part[]) : [];
}

/** Reads OpenRouter image requests of either path. */
export const openRouterInspector: ConformanceInspector = {
  images(request) {
    const parts =
      request.path === OPENROUTER_IMAGES_PATH
        ? ((body(request).input_references ?? []) as Part[])
        : openRouterUserParts(request).filter((part) => part.type === 'image_url');
    return parts
      .map((part) => dataUrlBytes(part.image_url?.url))
      .filter((bytes): bytes is Uint8Array => !!bytes);
  },
  prompt(request) {
    if (request.path === OPENROUTER_IMAGES_PATH) return body(request).prompt as string | undefined;
    return openRouterUserParts(request)
      .filter((part) => part.type === 'text')
      .map((part) => part.text)
      .join('');
  },
};

/**
 * Whether a recorded request is an OpenRouter image call (either path).
 *
 * @example
 * ```ts
 * sim.requests.filter(isOpenRouterImageRequest).length; // 1
 * ```
 */
export function isOpenRouterImageRequest(request: RecordedRequest): boolean {
  return (
    request.method === 'POST' &&
    (request.path === OPENROUTER_IMAGES_PATH || request.path === OPENROUTER_CHAT_PATH)
  );
}

/** `/images` takes an explicit pixel `size` as is; chat has none, so `size` becomes `image_config.aspect_ratio`. */
function sizeSent(size: string, expected: string, path: 'images' | 'chat', model?: string) {
  return {
    size,
    model,
    assert(request: RecordedRequest) {
      const json = body(request);
      const [field, sent] =
        path === 'images'
          ? ['size', json.size]
          : ['aspect_ratio', (json.image_config as Record<string, unknown> | undefined)?.aspect_ratio];
      const wanted = path === 'images' ? size : expected;
      if (sent !== wanted)
        throw new Error(`expected ${field} ${wanted} upstream for ${size}, got ${String(sent)}`);
    },
  };
}

/**
 * Everything the conformance suite needs for OpenRouter except the provider itself, for the
 * `/images` path (openai/gpt-image-2: native `n`) or the chat path (gemini-3.1-flash-image: one
 * call per image).
 *
 * @example
 * ```ts
 * describeProviderConformance({
 *   ...openRouterConformanceDefaults('chat'),
 *   name: 'openrouter (chat)',
 *   createProvider: (sim, { apiKey }) => createOpenRouter({ apiKey, baseURL: `${sim.url}/api/v1` }),
 * });
 * ```
 */
export function openRouterConformanceDefaults(
  path: 'images' | 'chat',
  apiKey = 'sk-or-conformance-0123456789',
  simulatorOptions: OpenRouterSimulatorOptions = {},
): Omit<ProviderConformanceSetup, 'name' | 'createProvider'> {
  const model = path === 'images' ? 'openai/gpt-image-2' : 'google/gemini-3.1-flash-image';
  return {
    apiKey,
    startSimulator: () => startOpenRouterSimulator({ apiKey, echoKeyInErrors: true, ...simulatorOptions }),
    models: { basic: model, multiImage: model, nMultiple: model },
    isEditRequest: (request) =>
      request.method === 'POST' &&
      request.path === (path === 'images' ? OPENROUTER_IMAGES_PATH : OPENROUTER_CHAT_PATH),
    inspect: openRouterInspector,
    nStrategy: path === 'images' ? 'native' : 'one-call-per-image',
    sizeCases: [sizeSent('1536x1024', '3:2', path), sizeSent('1024x1792', '9:16', path)],
  };
}
