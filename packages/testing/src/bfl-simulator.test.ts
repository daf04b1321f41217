import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { sniffImage } from '@retouch/core';
import { PNG } from 'pngjs';
import { type BFLSimulator, startBFLSimulator } from './bfl-simulator.js';
import { createJpeg, createPng, createWhiteMask } from './fixtures.js';

const KEY = 'bfl-sim-test-key';
let sim: BFLSimulator;

beforeAll(async () => {
  sim = await startBFLSimulator({ apiKey: KEY, pendingPolls: 2 });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

async function post(endpoint: string, body: unknown, key: string | null = KEY) {
  const response = await fetch(`${sim.url}/v1/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-key': key } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function get(url: string) {
  const response = await fetch(url, { headers: { 'x-key': KEY } });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function pollUntilTerminal(url: string): Promise<Record<string, unknown>[]> {
  const answers: Record<string, unknown>[] = [];
  for (let index = 0; index < 10; index++) {
    const { json } = await get(url);
    answers.push(json);
    if (json.status !== 'Pending') break;
  }
  return answers;
}

describe('BFL simulator: submit and poll', () => {
  it('answers a Kontext submit with a task, Pending for two polls, then Ready with a signed sample', async () => {
    const image = createPng(64, 48, { color: [10, 20, 30] });
    const submitted = await post('flux-kontext-pro', { prompt: 'Invert it', input_image: b64(image) });
    expect(submitted.status).toBe(200);
    expect(submitted.json).toEqual({
      id: expect.any(String),
      polling_url: `${sim.url}/v1/get_result?id=${submitted.json.id}`,
      cost: 4,
      input_mp: 0,
      output_mp: 0,
    });
    const answers = await pollUntilTerminal(submitted.json.polling_url as string);
    expect(answers.map((answer) => answer.status)).toEqual(['Pending', 'Pending', 'Ready']);
    const result = answers[2]?.result as Record<string, unknown>;
    expect(result.sample).toMatch(
      new RegExp(`^${sim.url}/delivery/.+/sample\\.png\\?se=.+&sp=r&sig=[0-9a-f]+$`),
    );
    const download = await fetch(result.sample as string);
    expect(download.status).toBe(200);
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(sniffImage(bytes)).toMatchObject({ mediaType: 'image/png', width: 64, height: 48 });
  });

  it('refuses a tampered or expired sample URL with Azure-style 403s', async () => {
    const short = await startBFLSimulator({ apiKey: KEY, pendingPolls: 0, resultTtlMs: 50 });
    try {
      const { json } = await (async () => {
        const response = await fetch(`${short.url}/v1/flux-kontext-pro`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-key': KEY },
          body: JSON.stringify({ prompt: 'x', input_image: b64(createPng(8, 8)) }),
        });
        return { json: (await response.json()) as Record<string, string> };
      })();
      const ready = (await (await fetch(json.polling_url as string)).json()) as {
        result: { sample: string };
      };
      const tampered = await fetch(ready.result.sample.replace(/sig=[0-9a-f]{4}/, 'sig=0000'));
      expect(tampered.status).toBe(403);
      expect(await tampered.text()).toContain('<Code>AuthenticationFailed</Code>');
      await new Promise((resolve) => setTimeout(resolve, 80));
      const expired = await fetch(ready.result.sample);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain('Signed expiry time');
    } finally {
      await short.close();
    }
  });

  it('ends a task in a queued outcome', async () => {
    sim.queueOutcome({ status: 'Content Moderated', pendingPolls: 1 });
    const submitted = await post('flux-kontext-pro', { prompt: 'x', input_image: b64(createPng(8, 8)) });
    const answers = await pollUntilTerminal(submitted.json.polling_url as string);
    expect(answers.map((answer) => answer.status)).toEqual(['Pending', 'Content Moderated']);
    expect(answers[1]).toMatchObject({ result: null, details: { 'Moderation Reasons': ['NSFW'] } });
    expect((await get(`${sim.url}/v1/get_result?id=nope`)).json).toEqual({
      id: 'nope',
      status: 'Task not found',
      result: null,
    });
  });

  it('acknowledges a webhook submit without a polling URL', async () => {
    const { json } = await post('flux-kontext-pro', {
      prompt: 'x',
      input_image: b64(createPng(8, 8)),
      webhook_url: 'https://example.com/hook',
    });
    expect(json).toMatchObject({
      id: expect.any(String),
      status: 'Pending',
      webhook_url: 'https://example.com/hook',
    });
    expect(json.polling_url).toBeUndefined();
  });

  it('inpaints where a Fill mask is white and pads an Expand', async () => {
    const image = createPng(16, 16, { color: [0, 0, 0] });
    const mask = createWhiteMask(16, 16, { x: 0, y: 0, width: 8, height: 16 });
    const fill = await post('flux-pro-1.0-fill', {
      image: b64(image),
      mask: b64(mask),
      output_format: 'png',
    });
    const [, , filled] = await pollUntilTerminal(fill.json.polling_url as string);
    const filledPng = new Uint8Array(
      await (await fetch((filled?.result as { sample: string } | undefined)?.sample ?? '')).arrayBuffer(),
    );
    const pixels = PNG.sync.read(Buffer.from(filledPng));
    expect(pixels.data[0]).toBe(255); // left half inverted
    expect(pixels.data[(8 + 0) * 4]).toBe(0); // right half kept

    const expand = await post('flux-pro-1.0-expand', {
      image: b64(image),
      top: 4,
      left: 2,
      output_format: 'png',
    });
    const [, , expanded] = await pollUntilTerminal(expand.json.polling_url as string);
    const bytes = new Uint8Array(
      await (await fetch((expanded?.result as { sample: string } | undefined)?.sample ?? '')).arrayBuffer(),
    );
    expect(sniffImage(bytes)).toMatchObject({ width: 18, height: 20 });
    // Fill and Expand answer JPEG by default.
    const jpeg = await post('flux-pro-1.0-expand', { image: b64(image), bottom: 8 });
    expect(jpeg.status).toBe(200);
  });
});

describe('BFL simulator: validation like the API', () => {
  it('requires x-key', async () => {
    expect(await post('flux-kontext-pro', { prompt: 'x' }, null)).toEqual({
      status: 401,
      json: { detail: 'Not authenticated' },
    });
    expect((await post('flux-kontext-pro', { prompt: 'x' }, 'wrong')).status).toBe(401);
  });

  it('answers 422 with pydantic details for bad fields', async () => {
    const { status, json } = await post('flux-kontext-pro', {
      prompt: 'x',
      safety_tolerance: 7,
      output_format: 'gif',
      steps: 20,
    });
    expect(status).toBe(422);
    expect(json.detail).toEqual([
      expect.objectContaining({ type: 'less_than_equal', loc: ['body', 'safety_tolerance'], ctx: { le: 6 } }),
      expect.objectContaining({ type: 'enum', loc: ['body', 'output_format'] }),
      expect.objectContaining({ type: 'extra_forbidden', loc: ['body', 'steps'] }),
    ]);
    const fill = await post('flux-pro-1.0-fill', { input_image: b64(createPng(8, 8)) });
    expect(fill.json.detail).toEqual([
      expect.objectContaining({ type: 'missing', loc: ['body', 'image'] }),
      expect.objectContaining({ type: 'extra_forbidden', loc: ['body', 'input_image'] }),
    ]);
  });

  it('checks images, Kontext aspect ratios and Fill mask sizes', async () => {
    const dataUrl = `data:image/png;base64,${b64(createPng(8, 8))}`;
    expect((await post('flux-kontext-pro', { prompt: 'x', input_image: dataUrl })).status).toBe(422);
    expect((await post('flux-kontext-pro', { prompt: 'x', aspect_ratio: '3:1' })).status).toBe(422);
    expect((await post('flux-kontext-pro', { prompt: 'x', aspect_ratio: '21:9' })).status).toBe(200);
    const image = b64(createPng(16, 16));
    const mask = b64(createWhiteMask(8, 8, { x: 0, y: 0, width: 4, height: 4 }));
    const wrong = await post('flux-pro-1.0-fill', { image, mask });
    expect(wrong.status).toBe(422);
    expect(JSON.stringify(wrong.json)).toContain('same dimensions');
    // URL inputs are Kontext / FLUX.2 only; JPEG inputs are read by their header.
    expect((await post('flux-pro-1.0-fill', { image: 'https://example.com/a.png' })).status).toBe(422);
    expect((await post('flux-2-pro', { prompt: 'x', input_image: b64(createJpeg(32, 32)) })).status).toBe(
      200,
    );
  });

  it('limits active tasks (6 for flux-kontext-max) with 429', async () => {
    const body = { prompt: 'x', input_image: b64(createPng(8, 8)) };
    for (let index = 0; index < 6; index++) expect((await post('flux-kontext-max', body)).status).toBe(200);
    const limited = await post('flux-kontext-max', body);
    expect(limited.status).toBe(429);
    expect(String(limited.json.detail)).toContain('6 active tasks');
    expect((await post('flux-kontext-pro', body)).status).toBe(200);
  });
});
