/**
 * A faithful, deterministic simulator of OpenRouter's two image paths: `POST /api/v1/images`
 * (`input_references`, answers `data[].b64_json`) and `POST /api/v1/chat/completions` (text +
 * `image_url` parts, `modalities`, `image_config`; answers `choices[].message.images[]` data URLs),
 * both with bearer auth, a model catalogue (image-only models exist on `/images` only, as upstream),
 * `usage.cost`, OpenRouter's error bodies, and queued outcomes (content filter, provider error,
 * text-only answers, moderation 403).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { RecordedRequest } from './recorded-request.js';
import {
  decodePngOrUndefined,
  drawInputThumbnails,
  encodePng,
  invertPng,
  promptColour,
  resizeNearest,
  sizeForAspectRatio,
  solidPng,
} from './sim-render.js';
import { type Simulator, type SimulatorReply, startSimulator } from './simulator.js';
import {
  OpenRouterApiError,
  type OpenRouterImageRequest,
  validateChatRequest,
  validateImagesRequest,
} from './openrouter-validate.js';

/** What the simulator knows of one model. */
export interface OpenRouterSimModel {
  /** Paths that serve it: image-only models (gpt-image, Seedream) are on `/images` only. */
  endpoints: readonly ('images' | 'chat')[];
  /** Output modalities on the chat path. */
  output: readonly ('image' | 'text')[];
  /** `usage.cost` per output image, USD. */
  costPerImage: number;
  /** Most images one `/images` call makes; single-image providers reject `n` > 1. Defaults to 1. */
  maxN?: number;
}

/** The simulator's model catalogue. */
export const OPENROUTER_SIM_MODELS: Readonly<Record<string, OpenRouterSimModel>> = {
  'google/gemini-2.5-flash-image': {
    endpoints: ['images', 'chat'],
    output: ['image', 'text'],
    costPerImage: 0.039,
  },
  'google/gemini-2.5-flash-image-preview': {
    endpoints: ['images', 'chat'],
    output: ['image', 'text'],
    costPerImage: 0.039,
  },
  'google/gemini-3-pro-image-preview': {
    endpoints: ['images', 'chat'],
    output: ['image', 'text'],
    costPerImage: 0.134,
  },
  'google/gemini-3.1-flash-image-preview': {
    endpoints: ['images', 'chat'],
    output: ['image', 'text'],
    costPerImage: 0.067,
  },
  'openai/gpt-5-image': { endpoints: ['chat'], output: ['image', 'text'], costPerImage: 0.04 },
  'openai/gpt-5-image-mini': { endpoints: ['chat'], output: ['image', 'text'], costPerImage: 0.011 },
  'google/gemini-3.1-flash-image': {
    endpoints: ['images', 'chat'],
    output: ['image', 'text'],
    costPerImage: 0.067,
  },
  'openai/gpt-image-2': { endpoints: ['images'], output: ['image'], costPerImage: 0.053, maxN: 10 },
  'openai/gpt-image-1': { endpoints: ['images'], output: ['image'], costPerImage: 0.042, maxN: 10 },
  'openai/gpt-image-1-mini': { endpoints: ['images'], output: ['image'], costPerImage: 0.011, maxN: 10 },
  'black-forest-labs/flux.2-pro': { endpoints: ['images', 'chat'], output: ['image'], costPerImage: 0.03 },
  'black-forest-labs/flux.2-flex': { endpoints: ['images', 'chat'], output: ['image'], costPerImage: 0.06 },
  'black-forest-labs/flux.2-max': { endpoints: ['images', 'chat'], output: ['image'], costPerImage: 0.07 },
  'bytedance-seed/seedream-4.5': { endpoints: ['images'], output: ['image'], costPerImage: 0.04 },
};

/** A non-default ending of the next call(s). */
export type OpenRouterOutcome =
  /** Chat: `finish_reason: content_filter`, no image. */
  | 'content_filter'
  /** Chat: `finish_reason: error`, no image. */
  | 'error'
  /** Chat: a text answer without an image. */
  | 'text-only'
  /** Either path: 403 with moderation metadata (`reasons`, `flagged_input`). */
  | 'flagged'
  /** `/images`: one image whatever `n` asked for. */
  | 'fewer-images';

/** Settings of {@link startOpenRouterSimulator}. */
export interface OpenRouterSimulatorOptions {
  /** The one key accepted as `Authorization: Bearer <key>`. Defaults to `sk-or-test-simulator`. */
  apiKey?: string;
  /** Put the presented key in 401 bodies, to prove that clients redact it. */
  echoKeyInErrors?: boolean;
  /** Models besides (or replacing) {@link OPENROUTER_SIM_MODELS}. */
  models?: Record<string, OpenRouterSimModel>;
  /** Report `usage.cost`. Defaults to true. */
  reportCost?: boolean;
}

/** The OpenRouter simulator: the base simulator plus queued outcomes. */
export interface OpenRouterSimulator extends Simulator {
  /** The next `times` image calls end in `outcome`. */
  queueOutcome(outcome: OpenRouterOutcome, times?: number): void;
}

/** Paths the simulator serves (under `${sim.url}`). */
export const OPENROUTER_IMAGES_PATH = '/api/v1/images';
export const OPENROUTER_CHAT_PATH = '/api/v1/chat/completions';

const DEFAULT_API_KEY = 'sk-or-test-simulator';

function checkAuth(request: RecordedRequest, options: OpenRouterSimulatorOptions): void {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  const presented = match?.[1]?.trim();
  if (!presented) throw new OpenRouterApiError(401, 'Missing Authentication header');
  if (presented !== (options.apiKey ?? DEFAULT_API_KEY)) {
    throw new OpenRouterApiError(
      401,
      options.echoKeyInErrors ? `User not found (key ${presented}).` : 'User not found.',
    );
  }
}

function render(edit: OpenRouterImageRequest): { b64: string; mediaType: string } {
  const first = edit.images[0];
  const width = first?.info?.width ?? 1024;
  const height = first?.info?.height ?? 1024;
  // An explicit pixel size sets the shape; its area stays the input's, to keep results small.
  const ratio = edit.pixels ? `${edit.pixels.width}:${edit.pixels.height}` : edit.aspectRatio;
  const shape = sizeForAspectRatio(width, height, ratio);
  const source = decodePngOrUndefined(first?.bytes, first?.info?.mediaType);
  const png = source
    ? resizeNearest(invertPng(source), shape.width, shape.height)
    : solidPng(shape.width, shape.height, promptColour(edit.prompt));
  drawInputThumbnails(
    png,
    edit.images.slice(1).map((image) => ({ bytes: image.bytes, mediaType: image.info?.mediaType })),
  );
  // The simulator encodes PNG whatever output_format asked for, and says so in media_type.
  return { b64: encodePng(png).toString('base64'), mediaType: 'image/png' };
}

function usage(edit: OpenRouterImageRequest, images: number, model: OpenRouterSimModel, withCost: boolean) {
  const promptTokens = Math.ceil(edit.prompt.length / 4) + 258 * edit.images.length;
  const imageTokens = 1290 * images;
  const textTokens = edit.path === 'chat' && images > 0 ? 12 : 0;
  const completionTokens = imageTokens + textTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    ...(withCost ? { cost: Math.round(model.costPerImage * images * 1e6) / 1e6, is_byok: false } : {}),
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details:
      edit.path === 'images'
        ? { image_tokens: imageTokens }
        : { reasoning_tokens: 0, image_tokens: imageTokens },
  };
}

function flagged(edit: OpenRouterImageRequest): OpenRouterApiError {
  return new OpenRouterApiError(
    403,
    `${edit.model} requires moderation on OpenAI. Your input was flagged for "violence".`,
    {
      reasons: ['violence'],
      flagged_input: edit.prompt.slice(0, 100),
      provider_name: 'OpenAI',
      model_slug: edit.model,
    },
  );
}

/**
 * Starts the OpenRouter simulator. Point a client at `${sim.url}/api/v1`.
 *
 * @example
 * ```ts
 * const sim = await startOpenRouterSimulator({ apiKey: 'sk-or-test' });
 * const response = await fetch(`${sim.url}/api/v1/images`, {
 *   method: 'POST',
 *   headers: { authorization: 'Bearer sk-or-test', 'content-type': 'application/json' },
 *   body: JSON.stringify({
 *     model: 'openai/gpt-image-1',
 *     prompt: 'Invert it',
 *     input_references: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } }],
 *   }),
 * });
 * (await response.json()).data[0].b64_json; // the input, inverted
 * await sim.close();
 * ```
 */
export async function startOpenRouterSimulator(
  options: OpenRouterSimulatorOptions = {},
): Promise<OpenRouterSimulator> {
  const models = { ...OPENROUTER_SIM_MODELS, ...options.models };
  const outcomes: OpenRouterOutcome[] = [];
  const withCost = options.reportCost !== false;

  function modelFor(edit: OpenRouterImageRequest): OpenRouterSimModel {
    const model = models[edit.model];
    if (!model) throw new OpenRouterApiError(400, `${edit.model} is not a valid model ID`);
    const wanted = edit.path === 'chat' ? (edit.modalities ?? []) : ['image'];
    const servesModalities = wanted.every((modality) =>
      (model.output as readonly string[]).includes(modality),
    );
    if (!model.endpoints.includes(edit.path) || !servesModalities) {
      throw new OpenRouterApiError(
        404,
        `No endpoints found that support the requested output modalities: ${wanted.join(', ')}`,
      );
    }
    return model;
  }

  function images(edit: OpenRouterImageRequest): SimulatorReply {
    const model = modelFor(edit);
    if (edit.n > (model.maxN ?? 1)) {
      throw new OpenRouterApiError(
        400,
        `${edit.model} generates ${model.maxN ?? 1} image(s) per request; n must be at most ${model.maxN ?? 1}, got ${edit.n}`,
      );
    }
    const outcome = outcomes.shift();
    if (outcome === 'flagged') throw flagged(edit);
    const count = outcome === 'fewer-images' ? 1 : edit.n;
    const image = render(edit);
    return {
      status: 200,
      json: {
        created: Math.floor(Date.now() / 1000),
        data: Array.from({ length: count }, () => ({ b64_json: image.b64, media_type: image.mediaType })),
        usage: usage(edit, count, model, withCost),
      },
    };
  }

  function chat(edit: OpenRouterImageRequest): SimulatorReply {
    const model = modelFor(edit);
    const outcome = outcomes.shift();
    if (outcome === 'flagged') throw flagged(edit);
    const wantsImage = edit.modalities?.includes('image') ?? false;
    const failed = outcome === 'content_filter' || outcome === 'error';
    const withImage = wantsImage && !failed && outcome !== 'text-only';
    const image = withImage ? render(edit) : undefined;
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: failed
        ? null
        : withImage
          ? 'Here is the edited image.'
          : 'I can only describe the edit in words.',
    };
    if (image)
      message.images = [
        { type: 'image_url', image_url: { url: `data:${image.mediaType};base64,${image.b64}` } },
      ];
    return {
      status: 200,
      json: {
        id: `gen-${randomUUID()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: edit.model,
        provider: edit.model.split('/')[0] === 'google' ? 'Google AI Studio' : 'OpenAI',
        system_fingerprint: null,
        choices: [{ index: 0, finish_reason: failed ? outcome : 'stop', logprobs: null, message }],
        usage: usage(edit, image ? 1 : 0, model, withCost),
      },
    };
  }

  function route(request: RecordedRequest): SimulatorReply {
    const known = request.path === OPENROUTER_IMAGES_PATH || request.path === OPENROUTER_CHAT_PATH;
    if (!known) throw new OpenRouterApiError(404, `Not Found (${request.method} ${request.path})`);
    if (request.method !== 'POST') throw new OpenRouterApiError(405, `Method ${request.method} not allowed`);
    checkAuth(request, options);
    if (request.parseError || request.json === undefined) {
      throw new OpenRouterApiError(400, 'Invalid JSON body');
    }
    return request.path === OPENROUTER_IMAGES_PATH
      ? images(validateImagesRequest(request.json))
      : chat(validateChatRequest(request.json));
  }

  const base = await startSimulator({
    name: 'openrouter',
    errorBody: (status, message) => ({ error: { code: status, message } }),
    handle(request) {
      try {
        return route(request);
      } catch (error) {
        if (!(error instanceof OpenRouterApiError)) throw error;
        const metadata = error.metadata ? { metadata: error.metadata } : {};
        return {
          status: error.status,
          json: { error: { code: error.status, message: error.message, ...metadata } },
        };
      }
    },
  });
  return {
    ...base,
    lastRequest: () => base.lastRequest(),
    injectFault: (fault, faultOptions) => base.injectFault(fault, faultOptions),
    clearFaults: () => base.clearFaults(),
    close: () => base.close(),
    reset() {
      base.reset();
      outcomes.length = 0;
    },
    queueOutcome(outcome, times = 1) {
      for (let index = 0; index < times; index++) outcomes.push(outcome);
    },
  };
}
