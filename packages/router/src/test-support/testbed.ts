/**
 * The router tests' shared testbed: two OpenAI simulators (`a`, `b`) and the fake acme provider's
 * simulator (`f`), reset before each test, with every router a test creates closed after it.
 * `a`, `b` and `f` are live ESM bindings, set once `beforeAll` has run.
 * @module
 */
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';
import { Router } from '../router.js';
import type { RouterOptions } from '../types.js';
import { registerAcme, startAcmeSimulator } from './fake-provider.js';

export let a: Simulator;
export let b: Simulator;
export let f: Simulator;

/**
 * Registers the testbed's hooks in the calling test file and returns a `Router.create` that closes
 * the router after the test.
 *
 * @example
 * ```ts
 * const router = useTestbed();
 * it('serves', async () => { const r = await router({ model_list: [openai(a, 'g')] }); });
 * ```
 */
export function useTestbed(): (options: RouterOptions) => Promise<Router> {
  const routers: Router[] = [];
  beforeAll(async () => {
    registerAcme();
    [a, b, f] = await Promise.all([startOpenAISimulator(), startOpenAISimulator(), startAcmeSimulator()]);
  });
  beforeEach(() => {
    for (const sim of [a, b, f]) sim.reset();
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), f.close()]);
  });
  return async (options) => {
    const created = await Router.create(options);
    routers.push(created);
    return created;
  };
}
