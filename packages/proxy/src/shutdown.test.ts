/**
 * Bounded shutdown, on a real `retouch` process: SIGTERM stops accepting, starts no new paid
 * attempt, lets calls finish for the grace period, aborts the rest with an OpenAI-shaped 503 and
 * exits within grace + 1 s.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { type RecordedRequest, type Simulator, startOpenAISimulator } from '@retouch/testing';
import { IMAGE, MASTER_KEY, UPSTREAM_KEY } from './test-support/harness.js';
import { type ProxyProcess, startProxyProcess } from './test-support/proxy-process.js';

const GRACE_S = 2;
let sim: Simulator;
let proxy: ProxyProcess | undefined;

beforeAll(async () => {
  sim = await startOpenAISimulator();
});
afterAll(async () => {
  await proxy?.stop();
  await sim.close();
});

const promptOf = (request: RecordedRequest) => request.fields?.prompt?.[0];

function edit(
  url: string,
  prompt: string,
): Promise<{ status: number; body: { error?: { code?: string; message?: string }; data?: unknown[] } }> {
  const form = new FormData();
  form.set('model', 'gpt-image-2');
  form.set('prompt', prompt);
  form.set('image', new Blob([IMAGE], { type: 'image/png' }), 'a.png');
  return fetch(`${url}/v1/images/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}` },
    body: form,
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as never }));
}

it('SIGTERM: finishes what ends within the grace period, retries nothing, aborts the rest in OpenAI’s shape, exits in time', async () => {
  const config = `model_list:
  - model_name: gpt-image-2
    litellm_params: { model: gpt-image-2, api_key: ${UPSTREAM_KEY}, api_base: ${sim.url}/v1 }
  - model_name: backup
    litellm_params: { model: dall-e-2, api_key: ${UPSTREAM_KEY}, api_base: ${sim.url}/v1 }
    model_info: { allow_retired: true }
router_settings:
  num_retries: 3
  cooldown_time: 0
  fallbacks: [{ gpt-image-2: [backup] }]
general_settings:
  master_key: ${MASTER_KEY}
`;
  proxy = await startProxyProcess(config, { args: ['--shutdown-grace', String(GRACE_S)] });
  const only = (prompt: string) => ({
    times: Number.POSITIVE_INFINITY,
    match: (r: RecordedRequest) => promptOf(r) === prompt,
  });
  sim.injectFault({ type: 'delay', ms: 800 }, only('quick'));
  sim.injectFault({ type: 'delay', ms: 120_000 }, only('hung'));
  sim.injectFault({ type: 'rate-limit', retryAfterSeconds: 1 }, only('limited'));
  const quick = edit(proxy.url, 'quick');
  const hung = edit(proxy.url, 'hung');
  const limited = edit(proxy.url, 'limited');
  // Should an expectation fail first, the others' rejections (the process is killed) stay this file's.
  for (const call of [quick, hung, limited]) call.catch(() => undefined);
  const seen = (prompt: string) => sim.requests.filter((r) => promptOf(r) === prompt).length;
  for (let i = 0; i < 1500 && !(seen('quick') && seen('hung') && seen('limited')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  proxy.child.kill('SIGTERM');

  // Stops accepting: once the shutdown has begun, a new request is not taken (its connection is
  // refused, or on a kept-alive one it gets a 503 shutting_down), and never reaches the upstream.
  const running = proxy;
  for (let i = 0; i < 250 && !running.lines.some((l) => /SIGTERM, shutting down/.test(l.text)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const late = await edit(running.url, 'late').catch((error: unknown) => error);
  if (!(typeof late === 'object' && late !== null && 'status' in late))
    expect(String((late as Error).message)).toMatch(/fetch failed/);
  else expect(late).toMatchObject({ status: 503, body: { error: { code: 'shutting_down' } } });

  // Finishes within the grace period.
  expect(await quick).toMatchObject({ status: 200 });
  // Its retry (after Retry-After) and its fallback are never started.
  const refused = await limited;
  expect(refused.status).toBe(429);
  expect(seen('limited')).toBe(1);
  // Aborted at the end of the grace period, in OpenAI's shape, marked as not to be retried.
  const aborted = await hung;
  expect(aborted.status).toBe(503);
  expect(aborted.body.error).toMatchObject({ code: 'shutting_down' });
  expect(aborted.body.error?.message).toMatch(/grace period/);

  const exit = await proxy.exited;
  expect(exit.code).toBe(0);
  const signalled = proxy.lines.find((l) => /SIGTERM, shutting down/.test(l.text));
  expect(signalled).toBeDefined();
  expect(exit.at - (signalled?.at ?? 0)).toBeLessThan(GRACE_S * 1000 + 1000);
  // Nothing was sent upstream after the signal but what was already under way.
  expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  expect(seen('late')).toBe(0);
  // And nothing listens any more.
  await expect(fetch(`${proxy.url}/health/liveliness`)).rejects.toThrow();
}, 120_000);
