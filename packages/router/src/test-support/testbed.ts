/**
 * The router tests' shared testbed: two OpenAI simulators (`a`, `b`) and the fake acme provider's
 * simulator (`f`), new for each test, with every router a test creates closed after it.
 * `a`, `b` and `f` are live ESM bindings, set once `beforeEach` has run.
 *
 * New simulators rather than reset ones: a request a test's router sent just before its deadline
 * can reach the simulator (in this same process) after the test has ended — on a loaded machine,
 * after the next test's reset — and would count as one of the next test's requests. A closed
 * simulator records it where no later test looks. Starting three in-process servers costs a few ms.
 * @module
 */
import { afterEach, beforeAll, beforeEach } from '@jest/globals';
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
  beforeAll(() => {
    registerAcme();
  });
  beforeEach(async () => {
    [a, b, f] = await Promise.all([startOpenAISimulator(), startOpenAISimulator(), startAcmeSimulator()]);
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.close()));
    await Promise.all([a.close(), b.close(), f.close()]);
  });
  return async (options) => {
    const created = await Router.create(options);
    routers.push(created);
    return created;
  };
}
