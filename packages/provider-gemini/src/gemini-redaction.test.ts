/**
 * Gemini's "no image" error quotes what the model said: a key echoed there (one no redaction pattern
 * knows) is removed by value from the message, the stack and `upstreamBody`.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { BadGatewayError, imageEdit, type RetouchError } from '@retouch/core';
import { createPng, type GeminiSimulator, startGeminiSimulator } from '@retouch/testing';
import { createGemini } from './gemini-provider.js';

const KEY = 'plain-gemini-key-without-a-known-shape-42';
let sim: GeminiSimulator;
beforeAll(async () => {
  sim = await startGeminiSimulator({ apiKey: KEY });
});
afterAll(() => sim.close());

it('a text-only answer that echoes the key does not leak it', async () => {
  sim.injectFault({
    type: 'status',
    status: 200,
    body: {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: `Your key is ${KEY}, no image today.` }] },
          finishReason: 'STOP',
        },
      ],
    },
  });
  const error = (await imageEdit(
    { model: 'gemini-2.5-flash-image', image: createPng(8, 8), prompt: 'x' },
    { provider: createGemini({ apiKey: KEY, baseURL: sim.url }) },
  ).catch((e: unknown) => e)) as RetouchError;
  expect(error).toBeInstanceOf(BadGatewayError);
  expect(error.code).toBe('no_image');
  for (const text of [error.message, error.stack ?? '', error.upstreamBody ?? '', JSON.stringify(error)]) {
    expect(text).not.toContain(KEY);
  }
  expect(error.message).toContain('[REDACTED]');
});
