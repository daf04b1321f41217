/**
 * The OpenAI catalogue in use: today's models, retired ones refused before anything is read or
 * sent, unlisted gpt-image-* ids passed through with a warning, and catalogue files and
 * model_info pricing a model retouch does not know.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { getMeta, imageEdit, loadModelCatalogue, NotFoundError, RetouchError } from '@retouch/core';
import { createPng, type Simulator, startOpenAISimulator } from '@retouch/testing';
import { OPENAI_CATALOGUE } from './openai-catalogue.js';
import { createOpenAI } from './openai-provider.js';

const API_KEY = 'sk-test-catalogue';
let sim: Simulator;
beforeAll(async () => {
  sim = await startOpenAISimulator({
    apiKey: API_KEY,
    extraModels: { 'gpt-image-9': 'gpt-image-2.6-sunburst' },
  });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

const image = createPng(64, 64);
const provider = () => createOpenAI({ apiKey: API_KEY, baseURL: `${sim.url}/v1` });
const rejection = async (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => {
      expect(RetouchError.isInstance(error)).toBe(true);
      return error as RetouchError;
    },
  );

describe('retired models', () => {
  it('refuses gpt-image-1 locally, before reading any image, naming the date and the successor', async () => {
    let read = false;
    const stream = new Readable({
      read() {
        read = true;
        this.push(null);
      },
    });
    const error = await rejection(
      imageEdit({ model: 'gpt-image-1', image: stream, prompt: 'x' }, { provider: provider() }),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'model_retired', param: 'model', model: 'gpt-image-1' });
    expect(error.message).toContain('shut down upstream on 2026-10-23');
    expect(error.message).toContain('use openai/gpt-image-2.5-sunburst instead');
    expect(read).toBe(false);
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    ['dall-e-2', '2026-05-12'],
    ['gpt-image-1-mini', '2026-12-01'],
    ['gpt-image-1.5', '2026-12-01'],
    ['chatgpt-image-latest', '2026-12-01'],
  ])('refuses %s (shut down %s) and names gpt-image-2.6-sunburst', async (model, date) => {
    const error = await rejection(imageEdit({ model, image, prompt: 'x' }, { provider: provider() }));
    expect(error.message).toContain(`on ${date}; use openai/gpt-image-2.6-sunburst instead`);
    expect(sim.requests).toHaveLength(0);
  });

  it('sends a retired model when told to', async () => {
    const response = await imageEdit(
      { model: 'gpt-image-1', image, prompt: 'x' },
      { provider: provider(), allowRetired: true },
    );
    expect(response.data).toHaveLength(1);
    expect(sim.requests).toHaveLength(1);
  });

  it('lists only current models when a model matches nothing', async () => {
    const error = await rejection(
      imageEdit({ model: 'openai/dall-e-9', image, prompt: 'x' }, { provider: provider() }),
    );
    expect(error.message).toContain('Current: gpt-image-2.6-sunburst, gpt-image-2.6-flare');
    expect(error.message).toContain('(or any gpt-image-*, chatgpt-image-* id)');
    expect(error.message).not.toContain('dall-e-2');
    expect(error.message).not.toContain('gpt-image-1,');
  });
});

describe("today's models", () => {
  it('edits with gpt-image-2.6-sunburst at max quality and a custom size, priced from usage', async () => {
    const response = await imageEdit(
      { model: 'gpt-image-2.6-sunburst', image, prompt: 'x', quality: 'max', size: '2048x1152' },
      { provider: provider() },
    );
    expect(sim.lastRequest().fields).toMatchObject({
      model: ['gpt-image-2.6-sunburst'],
      quality: ['max'],
      size: ['2048x1152'],
    });
    const usage = response.usage;
    const textIn = usage?.input_tokens_details?.text_tokens ?? 0;
    const imageIn = usage?.input_tokens_details?.image_tokens ?? 0;
    expect(getMeta(response).costUsd).toBeCloseTo(
      textIn * 5e-6 + imageIn * 8e-6 + (usage?.output_tokens ?? 0) * 30e-6,
      9,
    );
    expect(getMeta(response).warnings).toEqual([]);
  });

  it('refuses a gpt-image-2 size under its pixel floor and names the range', async () => {
    const error = await rejection(
      imageEdit({ model: 'gpt-image-2', image, prompt: 'x', size: '800x800' }, { provider: provider() }),
    );
    expect(error).toMatchObject({ param: 'size', status: 400 });
    expect(error.message).toContain('655360–8294400 pixels');
    expect(sim.requests).toHaveLength(0);
  });

  it('has a row for every edit model of the openai client, and lists its families', () => {
    const listed = OPENAI_CATALOGUE.rows.map((r) => r.model);
    // openai@7.59.0 ImageModel, less dall-e-3 (generation only).
    for (const model of [
      'gpt-image-1.5',
      'gpt-image-2',
      'gpt-image-2-2026-04-21',
      'gpt-image-2.5-sunburst',
      'gpt-image-2.5-sunburst-2026-09-08',
      'gpt-image-2.5-flare',
      'gpt-image-2.5-flare-2026-09-08',
      'gpt-image-2.6-sunburst',
      'gpt-image-2.6-flare',
      'gpt-image-1',
      'gpt-image-1-mini',
      'chatgpt-image-latest',
      'dall-e-2',
    ]) {
      expect(listed).toContain(model);
    }
  });
});

describe('a model retouch does not know yet', () => {
  it('serves gpt-image-9 with the gpt-image-* family rules and a warning naming what was assumed', async () => {
    const response = await imageEdit(
      { model: 'gpt-image-9', image, prompt: 'x', quality: 'xhigh' },
      { provider: provider() },
    );
    expect(sim.lastRequest().fields).toMatchObject({ model: ['gpt-image-9'], quality: ['xhigh'] });
    const meta = getMeta(response);
    expect(meta.warnings[0]).toBe(
      "openai/gpt-image-9 is not in retouch's catalogue: served with the gpt-image-* family rules (those of gpt-image-2.6-sunburst (gpt-image-*): up to 16 images, mask optional, sizes 1024x1024, 1536x1024, 1024x1536, auto, WxH), status unknown and no price; declare it in model_info or a model catalogue file to set them",
    );
    expect(meta.costUsd).toBeNull();
  });

  it('takes its price from a catalogue file (RETOUCH_MODEL_CATALOGUE), and the cost comes out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'retouch-openai-catalogue-'));
    const file = join(dir, 'models.json');
    await writeFile(
      file,
      JSON.stringify({
        'openai/gpt-image-9': {
          status: 'active',
          input_cost_per_token: 4e-6,
          input_cost_per_image_token: 6e-6,
          output_cost_per_image_token: 20e-6,
          sources: { price: 'our OpenAI invoice, 2026-12' },
        },
      }),
    );
    const response = await imageEdit(
      { model: 'gpt-image-9', image, prompt: 'x' },
      { provider: provider(), catalogue: loadModelCatalogue(file) },
    );
    const usage = response.usage;
    const textIn = usage?.input_tokens_details?.text_tokens ?? 0;
    const imageIn = usage?.input_tokens_details?.image_tokens ?? 0;
    const expected = textIn * 4e-6 + imageIn * 6e-6 + (usage?.output_tokens ?? 0) * 20e-6;
    expect(expected).toBeGreaterThan(0);
    expect(getMeta(response).costUsd).toBeCloseTo(expected, 9);
    // Declared: no assumption warning, and no cost-unknown warning.
    expect(getMeta(response).warnings).toEqual([]);
  });

  it('takes its limits and price from modelInfo (LiteLLM model_info keys)', async () => {
    const options = {
      provider: provider(),
      modelInfo: { max_input_images: 1, output_cost_per_image: 0.05 },
      catalogue: new Map(),
    };
    const error = await rejection(
      imageEdit({ model: 'gpt-image-9', image: [image, image], prompt: 'x' }, options),
    );
    expect(error).toMatchObject({ param: 'image', code: 'too_many_images' });
    expect(sim.requests).toHaveLength(0);
    sim.reset();
    // A per-image price only: one output image at $0.05, whatever usage says.
    const response = await imageEdit({ model: 'gpt-image-9', image, prompt: 'x' }, options);
    expect(getMeta(response).costUsd).toBe(0.05);
  });
});
