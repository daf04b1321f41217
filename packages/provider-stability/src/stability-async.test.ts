import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  APIUserAbortError,
  BadRequestError,
  type EditProgress,
  getMeta,
  imageEdit,
  NotFoundError,
  sniffImage,
  TimeoutError,
} from '@retouch/core';
import { createPng, rejectionOf, type StabilitySimulator, startStabilitySimulator } from '@retouch/testing';
import { createStability } from './stability-provider.js';

const API_KEY = 'sk-test-stability-async-0123456789';
let sim: StabilitySimulator;

beforeAll(async () => {
  sim = await startStabilitySimulator({ apiKey: API_KEY, pendingPolls: 2 });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

const subject = createPng(64, 64, { color: [120, 60, 30] });
const background = createPng(64, 64, { color: [0, 200, 0] });
const provider = (settings: Parameters<typeof createStability>[0] = {}) =>
  createStability({ apiKey: API_KEY, baseURL: sim.url, pollIntervalMs: 5, ...settings });

describe('async endpoints: submit, then poll results/{id}', () => {
  it('relight: posts subject_image, polls with the key until 200, reports progress', async () => {
    const progress: EditProgress[] = [];
    const response = await imageEdit(
      { model: 'stability/replace-background-and-relight', image: subject, prompt: 'a beach at sunset' },
      { provider: provider(), onProgress: (event) => progress.push(event) },
    );
    const [submit, ...polls] = sim.requests;
    expect(submit?.path).toBe('/v2beta/stable-image/edit/replace-background-and-relight');
    expect(submit?.fields).toEqual({ background_prompt: ['a beach at sunset'] });
    const [generation] = sim.generations();
    expect(polls.map((poll) => [poll.method, poll.path])).toEqual(
      Array.from({ length: 3 }, () => ['GET', `/v2beta/results/${generation?.id}`]),
    );
    for (const poll of polls) {
      expect(poll.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(poll.headers.accept).toBe('application/json');
    }
    expect(progress.map((event) => event.status)).toEqual(['in-progress', 'in-progress']);
    expect(response.data).toHaveLength(1);
    expect(getMeta(response).costUsd).toBe(0.08);
  });

  it('relight takes a second image as background_reference instead of a prompt', async () => {
    await imageEdit(
      { model: 'stability/replace-background-and-relight', image: [subject, background], prompt: '' },
      { provider: provider() },
    );
    expect(sim.requests[0]?.files?.map((file) => file.field)).toEqual([
      'subject_image',
      'background_reference',
    ]);
    expect(sim.requests[0]?.fields).toEqual({});
  });

  it('reads the finished image from `result`, as results/{id} answers it', async () => {
    const response = await imageEdit(
      { model: 'stability/creative', image: subject, prompt: 'crisp details', response_format: 'b64_json' },
      { provider: provider() },
    );
    const last = sim.requests.at(-1);
    expect(last?.method).toBe('GET');
    expect(sniffImage(Buffer.from(response.data[0]?.b64_json ?? '', 'base64'))?.mediaType).toBe('image/png');
  });

  it('takes `image` from results/{id} too, and `result` when an answer has both', async () => {
    const red = createPng(16, 16, { color: [255, 0, 0] });
    const blue = createPng(16, 16, { color: [0, 0, 255] });
    const poll = { match: (request: { method: string }) => request.method === 'GET' };
    const answer = (body: Record<string, string>) => ({
      type: 'status' as const,
      status: 200,
      headers: { 'content-type': 'application/json; type=image/png' },
      body: { ...body, seed: 1, finish_reason: 'SUCCESS' },
    });
    const finished = async () => {
      const response = await imageEdit(
        { model: 'stability/creative', image: subject, prompt: 'x', response_format: 'b64_json' },
        { provider: provider() },
      );
      return Buffer.from(response.data[0]?.b64_json ?? '', 'base64');
    };
    sim.injectFault(answer({ image: red.toString('base64') }), poll);
    expect((await finished()).equals(red)).toBe(true);
    sim.injectFault(answer({ result: blue.toString('base64'), image: red.toString('base64') }), poll);
    expect((await finished()).equals(blue)).toBe(true);
  });

  it('sends light_reference as a file part and lets light_source_strength lean on it', async () => {
    const light = createPng(64, 64, { color: [255, 240, 200] });
    await imageEdit(
      {
        model: 'stability/replace-background-and-relight',
        image: subject,
        prompt: 'a beach at sunset',
        light_reference: light,
        light_source_strength: 0.7,
      },
      { provider: provider() },
    );
    const [submit] = sim.requests;
    expect(submit?.files?.map((file) => [file.field, file.contentType])).toEqual([
      ['subject_image', 'image/png'],
      ['light_reference', 'image/png'],
    ]);
    expect(Buffer.from(submit?.files?.[1]?.bytes ?? []).equals(light)).toBe(true);
    expect(submit?.fields).toEqual({
      background_prompt: ['a beach at sunset'],
      light_source_strength: ['0.7'],
    });
    const notAnImage = await rejectionOf(
      imageEdit(
        {
          model: 'stability/replace-background-and-relight',
          image: subject,
          prompt: 'x',
          light_reference: 'data:image/png;base64,AAAA',
        },
        { provider: provider() },
      ),
      BadRequestError,
    );
    expect(notAnImage.param).toBe('light_reference');
    expect(sim.requests).toHaveLength(4);
  });

  it('creative upscale polls too', async () => {
    const response = await imageEdit(
      { model: 'stability/creative', image: subject, prompt: 'crisp details' },
      { provider: provider() },
    );
    expect(sim.requests.filter((request) => request.method === 'GET')).toHaveLength(3);
    expect(response.data).toHaveLength(1);
  });

  it('stops polling at the deadline with TimeoutError', async () => {
    const slow = await startStabilitySimulator({ apiKey: API_KEY, pendingPolls: 1000 });
    try {
      const stability = createStability({ apiKey: API_KEY, baseURL: slow.url, pollIntervalMs: 50 });
      const error = await rejectionOf(
        imageEdit(
          { model: 'stability/creative', image: subject, prompt: 'x', timeout: 1000 },
          { provider: stability },
        ),
        TimeoutError,
      );
      // The deadline the caller set and its unit (a `timeout: 1` meant as seconds shows at once).
      expect(error.message).toMatch(
        /the call's deadline of 1000 ms (passed|leaves no time for another poll).*\(timeouts are milliseconds in the SDK, seconds in config\.yaml/,
      );
      const polls = () => slow.requests.filter((request) => request.method === 'GET').length;
      // At most one poll per interval until the deadline…
      expect(polls()).toBeLessThanOrEqual(1000 / 50 + 1);
      // …and none after it: once a poll sent just before the deadline has landed, the count stays
      // (a poll loop still running would add about ten in this window).
      await new Promise((resolve) => setTimeout(resolve, 500));
      const settled = polls();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(polls()).toBe(settled);
    } finally {
      await slow.close();
    }
  });

  it('waits the default 10 s before polling again, and ends the wait at once on abort', async () => {
    const controller = new AbortController();
    const call = imageEdit(
      { model: 'stability/creative', image: subject, prompt: 'x', signal: controller.signal },
      // Abort once the first poll said "in progress": the call is then in its 10 s wait.
      {
        provider: createStability({ apiKey: API_KEY, baseURL: sim.url }),
        onProgress: () => controller.abort(),
      },
    );
    await rejectionOf(call, APIUserAbortError);
    expect(sim.requests.filter((request) => request.method === 'GET')).toHaveLength(1);
  });

  it('maps a 404 on results/{id} (expired generation) to NotFoundError', async () => {
    sim.injectFault({ type: 'status', status: 404 }, { match: (request) => request.method === 'GET' });
    const error = await rejectionOf(
      imageEdit({ model: 'stability/creative', image: subject, prompt: 'x' }, { provider: provider() }),
      NotFoundError,
    );
    expect(error.provider).toBe('stability');
  });
});
