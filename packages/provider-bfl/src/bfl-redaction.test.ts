/**
 * BFL's 402, 422 and 429 errors quote upstream text: a key echoed there (one no redaction pattern
 * knows) is removed by value from the message, the stack and `upstreamBody`.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { imageEdit, RetouchError } from '@retouch/core';
import { type BFLSimulator, createPng, startBFLSimulator } from '@retouch/testing';
import { createBlackForestLabs } from './bfl-provider.js';

const KEY = 'plain-bfl-key-without-a-known-shape-42';
let sim: BFLSimulator;
beforeAll(async () => {
  sim = await startBFLSimulator({ apiKey: KEY, pendingPolls: 0 });
});
afterAll(() => sim.close());

it.each([402, 422, 429])('a %i that echoes the key does not leak it', async (status) => {
  sim.injectFault({ type: 'status', status, body: { detail: `key ${KEY} cannot do that` } });
  const error = (await imageEdit(
    { model: 'flux-kontext-pro', image: createPng(8, 8), prompt: 'x' },
    { provider: createBlackForestLabs({ apiKey: KEY, baseURL: sim.url }) },
  ).catch((e: unknown) => e)) as RetouchError;
  expect(RetouchError.isInstance(error)).toBe(true);
  expect(error.status).toBe(status);
  for (const text of [error.message, error.stack ?? '', error.upstreamBody ?? '', JSON.stringify(error)]) {
    expect(text).not.toContain(KEY);
  }
  expect(error.message).toContain('[REDACTED]');
});
