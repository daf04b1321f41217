import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { sniffImage } from '@retouch/core';
import { createPng } from './fixtures.js';
import {
  OPENROUTER_CHAT_PATH,
  OPENROUTER_IMAGES_PATH,
  type OpenRouterSimulator,
  startOpenRouterSimulator,
} from './openrouter-simulator.js';

const KEY = 'sk-or-sim-test';
let sim: OpenRouterSimulator;

beforeAll(async () => {
  sim = await startOpenRouterSimulator({ apiKey: KEY });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field.
type Json = Record<string, any>;

const dataUrl = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;
const part = (url: string) => ({ type: 'image_url', image_url: { url } });

async function post(path: string, body: unknown, key: string | null = KEY) {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

const image = createPng(40, 20, { color: [10, 20, 30] });
const imagesBody = (extra: Record<string, unknown> = {}) => ({
  model: 'openai/gpt-image-1',
  prompt: 'Invert it',
  input_references: [part(dataUrl(image))],
  ...extra,
});
const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: 'google/gemini-2.5-flash-image',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Invert it' }, part(dataUrl(image))] }],
  modalities: ['image', 'text'],
  ...extra,
});

describe('OpenRouter simulator: /images', () => {
  it('answers data[].b64_json (the input inverted, reshaped to aspect_ratio) with usage.cost', async () => {
    const { status, json } = await post(OPENROUTER_IMAGES_PATH, imagesBody({ n: 2, aspect_ratio: '1:1' }));
    expect(status).toBe(200);
    expect(json.data).toHaveLength(2);
    expect(json.data[0].media_type).toBe('image/png');
    const bytes = Buffer.from(json.data[0].b64_json, 'base64');
    expect(sniffImage(bytes)).toMatchObject({ mediaType: 'image/png', width: 28, height: 28 });
    expect(json.usage).toMatchObject({ prompt_tokens: 3 + 258, completion_tokens: 2580, cost: 0.084 });
  });

  it('shapes the answer like an explicit pixel size', async () => {
    const { json } = await post(OPENROUTER_IMAGES_PATH, imagesBody({ size: '2048x1024' }));
    expect(sniffImage(Buffer.from(json.data[0].b64_json, 'base64'))).toMatchObject({ width: 40, height: 20 });
    const tall = await post(OPENROUTER_IMAGES_PATH, imagesBody({ size: '1024x2048' }));
    expect(sniffImage(Buffer.from(tall.json.data[0].b64_json, 'base64'))).toMatchObject({
      width: 20,
      height: 40,
    });
  });

  it('validates like the spec says', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ aspect_ratio: '7:5' }, 'aspect_ratio'],
      [{ n: 11 }, 'n: must be between 1 and 10'],
      [{ output_compression: 101 }, 'output_compression'],
      [{ resolution: '8K' }, 'resolution'],
      [{ image_size: '4K' }, 'unrecognized field(s) image_size'],
      [{ input_references: Array(17).fill(part(dataUrl(image))) }, 'at most 16'],
      [{ input_references: [part(dataUrl(image, 'image/jpeg'))] }, 'says image/jpeg but holds image/png'],
      [{ input_references: [{ image_url: { url: dataUrl(image) } }] }, 'type: expected image_url'],
      [{ prompt: '' }, 'prompt: required'],
      [{ size: '1024x1024', aspect_ratio: '16:9' }, 'does not match aspect_ratio'],
      [{ size: '1024x1024', resolution: '4K' }, 'takes no resolution'],
      [{ size: 'big' }, 'size: expected a tier'],
      [{ model: 'black-forest-labs/flux.2-pro', n: 2 }, 'n must be at most 1'],
    ];
    for (const [extra, message] of cases) {
      const { status, json } = await post(OPENROUTER_IMAGES_PATH, imagesBody(extra));
      expect({ extra, status, message: json.error.message }).toEqual({
        extra,
        status: 400,
        message: expect.stringContaining(message),
      });
      expect(json.error.code).toBe(400);
    }
  });

  it('knows which models each path serves', async () => {
    expect((await post(OPENROUTER_IMAGES_PATH, imagesBody({ model: 'nobody/nothing' }))).json.error).toEqual({
      code: 400,
      message: 'nobody/nothing is not a valid model ID',
    });
    const chatOnly = await post(OPENROUTER_IMAGES_PATH, imagesBody({ model: 'openai/gpt-5-image' }));
    expect(chatOnly.status).toBe(404);
    const imageOnly = await post(OPENROUTER_CHAT_PATH, chatBody({ model: 'openai/gpt-image-1' }));
    expect(imageOnly).toEqual({
      status: 404,
      json: {
        error: {
          code: 404,
          message: 'No endpoints found that support the requested output modalities: image, text',
        },
      },
    });
    // FLUX answers images only: modalities ["image"] works, ["image","text"] does not.
    expect(
      (await post(OPENROUTER_CHAT_PATH, chatBody({ model: 'black-forest-labs/flux.2-pro' }))).status,
    ).toBe(404);
    expect(
      (
        await post(
          OPENROUTER_CHAT_PATH,
          chatBody({ model: 'black-forest-labs/flux.2-pro', modalities: ['image'] }),
        )
      ).status,
    ).toBe(200);
  });

  it('requires a bearer key, and answers moderation with 403 metadata', async () => {
    expect(await post(OPENROUTER_IMAGES_PATH, imagesBody(), null)).toEqual({
      status: 401,
      json: { error: { code: 401, message: 'Missing Authentication header' } },
    });
    expect((await post(OPENROUTER_IMAGES_PATH, imagesBody(), 'wrong')).status).toBe(401);
    sim.queueOutcome('flagged');
    const { status, json } = await post(OPENROUTER_IMAGES_PATH, imagesBody());
    expect(status).toBe(403);
    expect(json.error.metadata).toMatchObject({ reasons: ['violence'], model_slug: 'openai/gpt-image-1' });
  });
});

describe('OpenRouter simulator: chat completions', () => {
  it('answers choices[0].message.images[] data URLs with usage.cost', async () => {
    const { status, json } = await post(
      OPENROUTER_CHAT_PATH,
      chatBody({ image_config: { aspect_ratio: '1:1' } }),
    );
    expect(status).toBe(200);
    expect(json).toMatchObject({ object: 'chat.completion', model: 'google/gemini-2.5-flash-image' });
    const [choice] = json.choices;
    expect(choice.finish_reason).toBe('stop');
    expect(choice.message.content).toBe('Here is the edited image.');
    const url: string = choice.message.images[0].image_url.url;
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(sniffImage(Buffer.from(url.split(',')[1] as string, 'base64'))).toMatchObject({
      width: 28,
      height: 28,
    });
    expect(json.usage.cost).toBe(0.039);
  });

  it('checks image_config against the documented values, per model', async () => {
    const wide = await post(OPENROUTER_CHAT_PATH, chatBody({ image_config: { aspect_ratio: '4:1' } }));
    expect(wide.status).toBe(400);
    expect(wide.json.error.message).toContain('image_config.aspect_ratio');
    const extended = chatBody({
      model: 'google/gemini-3.1-flash-image-preview',
      image_config: { aspect_ratio: '4:1', image_size: '0.5K' },
    });
    expect((await post(OPENROUTER_CHAT_PATH, extended)).status).toBe(200);
    expect((await post(OPENROUTER_CHAT_PATH, chatBody({ image_config: { image_size: '8K' } }))).status).toBe(
      400,
    );
    expect((await post(OPENROUTER_CHAT_PATH, chatBody({ modalities: ['video'] }))).status).toBe(400);
    expect((await post(OPENROUTER_CHAT_PATH, chatBody({ n: 2 }))).json.error.message).toContain(
      'unrecognized field(s) n',
    );
  });

  it('ends in queued outcomes: content filter, provider error, text only', async () => {
    for (const outcome of ['content_filter', 'error', 'text-only'] as const) {
      sim.queueOutcome(outcome);
      const { status, json } = await post(OPENROUTER_CHAT_PATH, chatBody());
      expect(status).toBe(200);
      expect(json.choices[0].message.images).toBeUndefined();
      expect(json.choices[0].finish_reason).toBe(outcome === 'text-only' ? 'stop' : outcome);
    }
  });
});
