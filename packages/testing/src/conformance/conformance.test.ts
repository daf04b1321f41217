/**
 * Runs the conformance suite against the OpenAI simulator through a deliberately minimal OpenAI
 * provider written here (the real one lives in @retouch/provider-openai, which depends on this
 * package), so the suite itself is exercised end to end.
 */
import {
  convertMask,
  createProviderHttp,
  type ImageEditProvider,
  type ModelCapabilities,
  type ProviderImageEditRequest,
  toBlob,
} from '@retouch/core';
import { describeProviderConformance } from './index.js';
import { openAIConformanceDefaults } from '../openai-conformance.js';

const GPT_IMAGE: ModelCapabilities = {
  maxImages: 16,
  mask: 'optional',
  maxN: 10,
  sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  inputMediaTypes: ['image/png', 'image/jpeg', 'image/webp'],
  params: ['mask', 'n', 'size', 'quality', 'output_format', 'output_compression', 'background', 'user'],
  maxPromptLength: 32000,
  nativeResponseFormat: 'b64_json',
};
const DALL_E_2: ModelCapabilities = {
  maxImages: 1,
  mask: 'optional',
  maxN: 10,
  sizes: ['256x256', '512x512', '1024x1024'],
  inputMediaTypes: ['image/png'],
  squareImages: true,
  params: ['mask', 'n', 'size', 'user'],
  maxPromptLength: 1000,
  nativeResponseFormat: 'either',
};
const MODELS: Record<string, ModelCapabilities> = { 'gpt-image-2': GPT_IMAGE, 'dall-e-2': DALL_E_2 };

interface EditResponse {
  data: { b64_json?: string; url?: string }[];
  size?: string;
  quality?: string;
}

async function buildForm(request: ProviderImageEditRequest): Promise<FormData> {
  const form = new FormData();
  const imageField = request.images.length === 1 ? 'image' : 'image[]';
  for (const image of request.images) form.append(imageField, toBlob(image), image.filename);
  if (request.mask) {
    const mask = request.mask.hasAlpha ? request.mask : await convertMask(request.mask, 'alpha-transparent');
    form.append('mask', toBlob(mask), mask.filename);
  }
  form.append('model', request.model);
  form.append('prompt', request.prompt ?? '');
  if (request.n > 1) form.append('n', String(request.n));
  if (request.size) form.append('size', request.size);
  if (request.model === 'dall-e-2') form.append('response_format', request.response_format);
  return form;
}

function createMinimalOpenAI(baseURL: string, apiKey: string): ImageEditProvider {
  const http = createProviderHttp({
    provider: 'openai',
    baseURL,
    headers: () => ({ authorization: `Bearer ${apiKey}` }),
    secrets: () => [apiKey],
  });
  return {
    id: 'openai',
    capabilities: (model) => MODELS[model],
    models: () => Object.keys(MODELS),
    async imageEdit(request, { signal }) {
      const response = await http.postForm('/images/edits', await buildForm(request), {
        signal,
        model: request.model,
      });
      const body = response.body as EditResponse;
      return {
        images: body.data.map((item) => ({ b64: item.b64_json, url: item.url, mediaType: 'image/png' })),
        warnings: [],
        upstreamRequestId: response.requestId,
        echo: { size: body.size, quality: body.quality },
        download: async (url, downloadSignal) => (await http.getBytes(url, { signal: downloadSignal })).body,
      };
    },
  };
}

describeProviderConformance({
  ...openAIConformanceDefaults(),
  name: 'minimal openai provider',
  createProvider: (simulator, { apiKey }) => createMinimalOpenAI(`${simulator.url}/v1`, apiKey),
});
