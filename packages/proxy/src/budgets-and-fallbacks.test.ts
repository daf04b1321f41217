import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashKey } from './auth.js';
import {
  errorOf,
  type Harness,
  IMAGE,
  MASTER_KEY,
  type Part,
  postForm,
  startHarness,
  TEAM_KEY,
} from './test-support/harness.js';

const TINY_KEY = 'sk-tiny-budget-0001';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    generalSettings: `  master_key: ${MASTER_KEY}
  keys:
    - key: ${TEAM_KEY}
      key_alias: team-a
      models: [gpt-image-2]
    - key: ${TINY_KEY}
      key_alias: tiny
      max_budget: 0.001
`,
    extra: '  fallbacks: [{ gpt-image-2: [dall-e-2] }]\n',
  });
});
afterAll(() => h.close());

const edit = (model = 'gpt-image-2'): Part[] => [
  { name: 'model', value: model },
  { name: 'prompt', value: 'x' },
  { name: 'image', file: IMAGE },
];
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('budgets under concurrency', () => {
  it('30 concurrent requests on a $0.001 budget: one is served, 29 are a 429 budget_exceeded', async () => {
    h.sim.reset();
    h.sim.injectFault({ type: 'delay', ms: 200 }, { times: Number.POSITIVE_INFINITY });
    try {
      const responses = await Promise.all(
        Array.from({ length: 30 }, () => postForm(h.url, edit(), bearer(TINY_KEY))),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 429)).toHaveLength(29);
      const refused = responses.find((r) => r.status === 429) as Response;
      expect(await errorOf(refused)).toMatchObject({ code: 'budget_exceeded' });
      expect(h.sim.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      const served = responses.find((r) => r.status === 200) as Response;
      const cost = Number(served.headers.get('x-retouch-response-cost'));
      expect(cost).toBeGreaterThan(0);
      // Spent: exactly the one call, which is the most it may overrun by.
      expect((await h.proxy.router.spend()).byKey[hashKey(TINY_KEY)]).toBeCloseTo(cost, 9);
    } finally {
      h.sim.clearFaults();
    }
  });
});

describe('fallbacks and restricted keys', () => {
  it('a key restricted to gpt-image-2 never reaches dall-e-2 through a fallback; the master key does', async () => {
    h.sim.reset();
    h.sim.injectFault({ type: 'status', status: 503 });
    const restricted = await postForm(h.url, edit(), bearer(TEAM_KEY));
    expect(restricted.status).toBe(503);
    expect(h.sim.requests.map((r) => r.path)).toHaveLength(1);
    h.sim.reset();
    h.sim.injectFault({ type: 'status', status: 503 });
    const master = await postForm(h.url, edit(), bearer(MASTER_KEY));
    expect(master.status).toBe(200);
    expect(master.headers.get('x-retouch-model-group')).toBe('dall-e-2');
  });
});
