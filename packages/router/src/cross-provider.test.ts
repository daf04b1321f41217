/**
 * Fallbacks across real provider packages and their simulators: the same prepared request is
 * re-validated and re-encoded for each provider (wire format, mask convention).
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import {
  ContentPolicyViolationError,
  decodePngPixels,
  getMeta,
  ServiceUnavailableError,
} from '@retouch/core';
import {
  type BFLSimulator,
  createOpenAIMask,
  createPng,
  type GeminiSimulator,
  geminiImageConfig,
  geminiInspector,
  type Simulator,
  startBFLSimulator,
  startGeminiSimulator,
  startOpenAISimulator,
} from '@retouch/testing';
import { Router } from './router.js';
import { edit, gemini, hits, openai, recorder } from './test-support/harness.js';
import type { RouterOptions } from './types.js';

let openaiSim: Simulator;
let bfl: BFLSimulator;
let geminiSim: GeminiSimulator;
const routers: Router[] = [];

async function router(options: RouterOptions): Promise<Router> {
  const created = await Router.create(options);
  routers.push(created);
  return created;
}

beforeAll(async () => {
  [openaiSim, bfl, geminiSim] = await Promise.all([
    startOpenAISimulator(),
    startBFLSimulator({ pendingPolls: 1 }),
    startGeminiSimulator(),
  ]);
});
beforeEach(() => {
  openaiSim.reset();
  bfl.reset();
  geminiSim.reset();
});
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await Promise.all([openaiSim.close(), bfl.close(), geminiSim.close()]);
});

it('falls back from OpenAI to Gemini, the same request re-encoded as a generateContent call', async () => {
  const r = await router({
    model_list: [openai(openaiSim, 'openai', 'gpt-image-2'), gemini(geminiSim, 'gemini', 'gemini-edit')],
    fallbacks: [{ 'gpt-image-2': ['gemini-edit'] }],
    num_retries: 0,
  });
  openaiSim.injectFault({ type: 'status', status: 500 });
  const images = [createPng(96, 64, { color: [255, 0, 0] }), createPng(64, 64, { color: [0, 0, 255] })];
  const response = await r.imageEdit(edit('gpt-image-2', { image: images, size: '1536x1024', user: 'ann' }));
  expect(getMeta(response)).toMatchObject({
    provider: 'gemini',
    deploymentId: 'gemini',
    modelGroup: 'gemini-edit',
  });
  expect(response.data[0]?.b64_json).toBeDefined();
  // OpenAI got multipart with both images; Gemini got its own JSON with both images and the size as an aspect ratio.
  expect(openaiSim.lastRequest().files?.map((f) => f.field)).toEqual(['image[]', 'image[]']);
  const sent = geminiSim.lastRequest();
  expect(geminiInspector.images(sent).map((b) => Buffer.from(b).toString('base64'))).toEqual(
    images.map((b) => b.toString('base64')),
  );
  expect(geminiInspector.prompt?.(sent)).toContain('Make it red');
  expect(geminiImageConfig(sent)).toMatchObject({ aspectRatio: '3:2' });
  expect((await r.spend()).byUser.ann).toBe(getMeta(response).costUsd);
});

it('skips Gemini for a masked request (it takes no mask), unless drop_params drops it with a warning', async () => {
  const options: RouterOptions = {
    model_list: [openai(openaiSim, 'openai', 'gpt-image-2'), gemini(geminiSim, 'gemini', 'gemini-edit')],
    fallbacks: [{ 'gpt-image-2': ['gemini-edit'] }],
    num_retries: 0,
  };
  const mask = createOpenAIMask(16, 16, { x: 0, y: 0, width: 8, height: 8 });
  openaiSim.injectFault({ type: 'status', status: 503 }, { times: 2 });
  const strict = await router(options);
  await expect(strict.imageEdit(edit('gpt-image-2', { mask }))).rejects.toBeInstanceOf(
    ServiceUnavailableError,
  );
  expect(hits(geminiSim)).toBe(0);

  const lenient = await router({ ...options, drop_params: true });
  const response = await lenient.imageEdit(edit('gpt-image-2', { mask }));
  expect(getMeta(response).provider).toBe('gemini');
  expect(getMeta(response).warnings).toEqual(
    expect.arrayContaining([expect.stringContaining('dropped mask')]),
  );
});

it('a Gemini refusal reaches OpenAI only through content_policy_fallbacks', async () => {
  const model_list = [gemini(geminiSim, 'gemini', 'gemini-edit'), openai(openaiSim, 'openai', 'gpt-image-2')];
  const ordinary = await router({ model_list, fallbacks: [{ 'gemini-edit': ['gpt-image-2'] }] });
  geminiSim.queueOutcome('blocked-prompt');
  await expect(ordinary.imageEdit(edit('gemini-edit'))).rejects.toBeInstanceOf(ContentPolicyViolationError);
  expect(hits(openaiSim)).toBe(0);
  expect((await ordinary.deployments()).find((d) => d.id === 'gemini')).toMatchObject({
    healthy: true,
    failuresLastMinute: 0,
  });

  const safety = await router({ model_list, content_policy_fallbacks: [{ 'gemini-edit': ['gpt-image-2'] }] });
  geminiSim.queueOutcome('image-safety');
  const response = await safety.imageEdit(edit('gemini-edit'));
  expect(getMeta(response)).toMatchObject({ provider: 'openai', modelGroup: 'gpt-image-2', attempts: 2 });
});

it('falls back from OpenAI to BFL Fill with a masked request, the mask re-encoded white-means-edit', async () => {
  const events = recorder();
  const r = await router({
    model_list: [
      openai(openaiSim, 'openai', 'gpt-image-2'),
      {
        model_name: 'flux-fill',
        litellm_params: {
          model: 'black_forest_labs/flux-pro-1.0-fill',
          api_key: 'bfl-test-simulator',
          api_base: bfl.url,
        },
        model_info: { id: 'bfl' },
      },
    ],
    fallbacks: [{ 'gpt-image-2': ['flux-fill'] }],
    num_retries: 0,
    callbacks: [events],
  });
  openaiSim.injectFault({ type: 'status', status: 503 });
  // OpenAI convention: transparent pixels (the left half) mark the area to edit.
  const mask = createOpenAIMask(256, 256, { x: 0, y: 0, width: 128, height: 256 });
  const response = await r.imageEdit(edit('gpt-image-2', { image: createPng(256, 256), mask, user: 'ann' }));

  expect(getMeta(response)).toMatchObject({
    provider: 'black_forest_labs',
    model: 'flux-pro-1.0-fill',
    deploymentId: 'bfl',
    modelGroup: 'flux-fill',
    attempts: 2,
    costUsd: 0.05,
  });
  expect(response.data[0]?.b64_json).toBeDefined();
  expect(events.of('fallback')[0]).toMatchObject({
    deploymentId: 'openai',
    errorStatus: 503,
    fallbackTo: 'flux-fill',
  });
  expect(hits(openaiSim)).toBe(1);
  // BFL received its own JSON with the mask converted: white (edit) on the left, black on the right.
  const submit = bfl.requests.find((r) => r.method === 'POST')?.json as { mask: string; image: string };
  const pixels = await decodePngPixels(Buffer.from(submit.mask, 'base64'));
  expect(pixels.data[0]).toBe(255);
  expect(pixels.data[(pixels.width - 1) * 4]).toBe(0);
  expect((await r.spend()).byUser.ann).toBe(0.05);
});
