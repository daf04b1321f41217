/**
 * A billable call that reached the upstream and was then cut off (a deadline, a reset, a cut or
 * unreadable 200 body) is sent upstream once: the router does not retry it, and the proxy's answer
 * tells the official clients not to retry it either (`x-should-retry: false`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Fault } from '@retouch/testing';
import OpenAI, { APIError, toFile } from 'openai';
import { type Harness, IMAGE, MASTER_KEY, startHarness } from './test-support/harness.js';

let h: Harness;
let client: OpenAI;

beforeAll(async () => {
  h = await startHarness({ extra: '  timeout: 0.3\n' });
  // The official client's own retries stay on, as users run it.
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${h.url}/v1`, maxRetries: 2 });
});
afterAll(() => h.close());
beforeEach(() => h.sim.reset());

const edits = () => h.sim.requests.filter((r) => r.method === 'POST').length;

async function rawEdit(): Promise<Response> {
  const form = new FormData();
  form.append('model', 'gpt-image-2');
  form.append('prompt', 'Add a hat');
  form.append('image', new Blob([IMAGE], { type: 'image/png' }), 'a.png');
  return fetch(`${h.url}/v1/images/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}` },
    body: form,
  });
}

describe.each([
  ['a read timeout', { type: 'delay', ms: 1_500 } as Fault, 408],
  ['a reset after the request was sent', { type: 'reset' } as Fault, 502],
  ['a 200 with a cut body', { type: 'malformed-json' } as Fault, 502],
])('after %s', (_name, fault, status) => {
  it('the upstream sees one POST, even through the retrying official client', async () => {
    h.sim.injectFault(fault, { times: Number.POSITIVE_INFINITY });
    const error = await client.images
      .edit({ model: 'gpt-image-2', image: await toFile(IMAGE, 'a.png', { type: 'image/png' }), prompt: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(status);
    expect(edits()).toBe(1);
  });

  it('the answer says x-should-retry: false', async () => {
    h.sim.injectFault(fault);
    const response = await rawEdit();
    expect(response.status).toBe(status);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(edits()).toBe(1);
  });
});

it('an upstream that answered it failed (503) stays retryable for clients', async () => {
  h.sim.injectFault({ type: 'status', status: 503 });
  const response = await rawEdit();
  expect(response.status).toBe(503);
  expect(response.headers.get('x-should-retry')).toBe('true');
});
