/**
 * Test support (not built, not exported): a small "acme" provider over real loopback HTTP, served by
 * `@retouch/testing`'s generic simulator with its fault injection. Its masks use the white-means-edit
 * convention, so a fallback from OpenAI shows the mask re-encoded for the new provider.
 * @module
 */
import {
  ContentPolicyViolationError,
  convertMask,
  createProviderHttp,
  type ImageEditProvider,
  type ModelCapabilities,
  type ProviderConfig,
  registerProvider,
  toBase64,
} from '@retouch/core';
import { createPng, type Simulator, startSimulator } from '@retouch/testing';

export const ACME_KEY = 'acme-secret-key-123456';

const base: ModelCapabilities = {
  maxImages: 1,
  mask: 'none',
  maxN: 1,
  inputMediaTypes: ['image/png', 'image/jpeg', 'image/webp'],
  params: ['user'],
  nativeResponseFormat: 'b64_json',
};

/** `acme/basic`: one image, no mask. `acme/inpaint`: masks, up to 4 images, n ≤ 4. */
export const ACME_MODELS: Record<string, ModelCapabilities> = {
  basic: base,
  inpaint: { ...base, maxImages: 4, mask: 'optional', maxN: 4, params: ['mask', 'n', 'user'] },
};

export function createAcme(config: ProviderConfig = {}): ImageEditProvider {
  const http = createProviderHttp({
    provider: 'acme',
    baseURL: String(config.api_base ?? 'http://127.0.0.1:9'),
    headers: () => ({ authorization: `Bearer ${config.api_key ?? ''}` }),
    secrets: () => [config.api_key],
    classifyError: (failure, ref) =>
      failure.details.code === 'content_policy_violation'
        ? new ContentPolicyViolationError({ message: `acme refused: ${failure.details.message}`, ...ref })
        : undefined,
  });
  return {
    id: 'acme',
    capabilities: (model) => ACME_MODELS[model],
    models: () => Object.keys(ACME_MODELS),
    async imageEdit(request, options) {
      const mask = request.mask ? await convertMask(request.mask, 'white') : undefined;
      const { body } = await http.postJson(
        '/edit',
        {
          model: request.model,
          prompt: request.prompt,
          n: request.n,
          user: request.user,
          images: request.images.map((image) => toBase64(image)),
          mask: mask ? toBase64(mask) : undefined,
        },
        { signal: options.signal, model: request.model },
      );
      const images = (body as { images: string[] }).images;
      return { images: images.map((b64) => ({ b64, mediaType: 'image/png' })), warnings: [] };
    },
  };
}

let registered = false;

/** Registers the `acme` prefix with core (once per test file). */
export function registerAcme(): void {
  if (registered) return;
  registerProvider({ prefix: 'acme', create: createAcme });
  registered = true;
}

/** The acme API: `POST /edit` → `{ images: [b64] }` per requested image. */
export function startAcmeSimulator(): Promise<Simulator> {
  const png = createPng(8, 8, { color: [200, 40, 40] }).toString('base64');
  return startSimulator({
    name: 'acme',
    errorBody: (_status, message, code) => ({ error: { message, code } }),
    handle(request) {
      if (request.headers.authorization !== `Bearer ${ACME_KEY}`) {
        return { status: 401, json: { error: { message: 'bad key', code: 'unauthorized' } } };
      }
      const body = request.json as { n?: number };
      return { status: 200, json: { images: Array.from({ length: body.n ?? 1 }, () => png) } };
    },
  });
}
