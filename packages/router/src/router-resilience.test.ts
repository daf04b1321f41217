import { describe, expect, it } from '@jest/globals';
import {
  APIUserAbortError,
  BadRequestError,
  ContentPolicyViolationError,
  decodePngPixels,
  getMeta,
  RateLimitError,
  ServiceUnavailableError,
  TimeoutError,
} from '@retouch/core';
import { createOpenAIMask, createPng, OPENAI_MODERATION_FAULT } from '@retouch/testing';
import { PassThrough } from 'node:stream';
import { RouterClosedError } from './errors.js';
import type { Router } from './router.js';
import type { RouterState } from './state/state.js';
import { createMemoryState } from './state/memory-state.js';
import { acme, edit, hits, IMAGE, openai, recorder, until } from './test-support/harness.js';
import { a, b, f, useTestbed } from './test-support/testbed.js';

const router = useTestbed();
const health = async (r: Router, id: string) => (await r.deployments()).find((d) => d.id === id);

const MODERATION = OPENAI_MODERATION_FAULT;

describe('cooldowns', () => {
  it('429 → cooldown → traffic moves to the other deployment → recovery after cooldown_time', async () => {
    const events = recorder();
    const r = await router({
      model_list: [openai(a, 'a'), openai(b, 'b')],
      cooldown_time: 1,
      callbacks: [events],
    });
    a.injectFault({ type: 'status', status: 429 });
    for (let i = 0; hits(a) === 0 && i < 60; i++) await r.imageEdit(edit('gpt-image-2'));
    expect(hits(a)).toBe(1);
    const retried = events.of('retry')[0];
    expect(retried).toMatchObject({ deploymentId: 'a', errorStatus: 429, errorClass: 'RateLimitError' });

    const cooling = await health(r, 'a');
    expect(cooling?.healthy).toBe(false);
    const end = cooling?.coolingDownUntil as number;
    expect(end).toBeGreaterThan(Date.now());
    // While a cools down, every pick is b (route() does not wait on the network).
    for (let i = 0; i < 20 && Date.now() < end - 100; i++) {
      expect((await r.route(edit('gpt-image-2'))).deploymentId).toBe('b');
    }

    await until(async () => (await health(r, 'a'))?.healthy, 'a to recover');
    for (let i = 0; hits(a) === 1 && i < 60; i++) await r.imageEdit(edit('gpt-image-2'));
    expect(hits(a)).toBe(2);
  });

  it('cools down after more than allowed_fails failures within a minute, not before', async () => {
    const r = await router({
      model_list: [openai(a, 'a', 'gpt-image-2', { order: 1 }), openai(b, 'b', 'gpt-image-2', { order: 2 })],
      allowed_fails: 2,
      cooldown_time: 60,
    });
    a.injectFault({ type: 'status', status: 503 }, { times: 3 });
    for (let call = 1; call <= 2; call++) {
      expect(getMeta(await r.imageEdit(edit('gpt-image-2')))).toMatchObject({
        deploymentId: 'b',
        attempts: 2,
      });
      expect(await health(r, 'a')).toMatchObject({ healthy: true, failuresLastMinute: call });
    }
    await r.imageEdit(edit('gpt-image-2'));
    expect((await health(r, 'a'))?.healthy).toBe(false);
    await r.imageEdit(edit('gpt-image-2'));
    expect(hits(a)).toBe(3);
  });

  it('never cools down on a validation error or a content-policy refusal', async () => {
    const r = await router({ model_list: [openai(a, 'a')], allowed_fails: 0 });
    a.injectFault({ type: 'status', status: 400 });
    await expect(r.imageEdit(edit('gpt-image-2'))).rejects.toBeInstanceOf(BadRequestError);
    a.injectFault(MODERATION);
    await expect(r.imageEdit(edit('gpt-image-2'))).rejects.toBeInstanceOf(ContentPolicyViolationError);
    expect(await health(r, 'a')).toMatchObject({ healthy: true, failuresLastMinute: 0 });
    // Neither was retried.
    expect(hits(a)).toBe(2);
    expect(getMeta(await r.imageEdit(edit('gpt-image-2'))).deploymentId).toBe('a');
  });
});

describe('retries', () => {
  it('retries a 5xx at once on another healthy deployment', async () => {
    const events = recorder();
    const r = await router({
      model_list: [openai(a, 'a', 'gpt-image-2', { order: 1 }), openai(b, 'b', 'gpt-image-2', { order: 2 })],
      callbacks: [events],
    });
    a.injectFault({ type: 'status', status: 503 });
    const response = await r.imageEdit(edit('gpt-image-2'));
    expect(getMeta(response)).toMatchObject({ deploymentId: 'b', attempts: 2 });
    expect(getMeta(response).warnings[0]).toMatch(/^attempt 1 on deployment a failed: 503 /);
    expect(events.of('retry')).toHaveLength(1);
  });

  it('honours Retry-After with a single deployment, then succeeds', async () => {
    const events = recorder();
    const r = await router({ model_list: [openai(a, 'a')], callbacks: [events] });
    a.injectFault({ type: 'rate-limit', retryAfterSeconds: 1 });
    const response = await r.imageEdit(edit('gpt-image-2'));
    expect(getMeta(response)).toMatchObject({ deploymentId: 'a', attempts: 2 });
    expect(events.of('retry')).toHaveLength(1);
    expect(hits(a)).toBe(2);
  });

  it('gives up after num_retries and returns the upstream error in OpenAI shape', async () => {
    const r = await router({ model_list: [openai(a, 'a')], num_retries: 1, retry_after: 0 });
    a.injectFault({ type: 'status', status: 500 }, { times: 5 });
    const error = await r.imageEdit(edit('gpt-image-2')).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500 });
    expect((error as ServiceUnavailableError).toJSON().error).toMatchObject({ type: 'server_error' });
    expect(hits(a)).toBe(2);
  });

  it('moves past a deployment with a bad key to one that works, and benches the bad one', async () => {
    const r = await router({
      model_list: [
        openai(a, 'bad-key', 'gpt-image-2', { api_key: 'sk-wrong', order: 1 }),
        openai(b, 'good', 'gpt-image-2', { order: 2 }),
      ],
    });
    const response = await r.imageEdit(edit('gpt-image-2'));
    expect(getMeta(response)).toMatchObject({ deploymentId: 'good', attempts: 2 });
    expect((await health(r, 'bad-key'))?.healthy).toBe(false);
    expect(JSON.stringify(getMeta(response).warnings)).not.toContain('sk-wrong');
  });
});

describe('timeouts', () => {
  const model_list = () => [openai(a, 'a', 'gpt-image-2', { timeout: 1 }), acme(f, 'f', 'backup')];

  it('does not retry or fall back after a read timeout of a billable call', async () => {
    const r = await router({
      model_list: model_list(),
      fallbacks: [{ 'gpt-image-2': ['backup'] }],
      num_retries: 3,
    });
    a.injectFault({ type: 'delay', ms: 10_000 });
    const error = await r.imageEdit(edit('gpt-image-2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).status).toBe(408);
    expect(hits(a)).toBe(1);
    expect(hits(f)).toBe(0);
  });

  it.each([
    ['a reset after the request was sent', { type: 'reset' } as const],
    ['a 200 with a cut, unreadable body', { type: 'malformed-json' } as const],
  ])('does not retry or fall back after %s (the upstream may have billed it)', async (_name, fault) => {
    const model_list = () => [openai(a, 'a'), acme(f, 'f', 'backup')];
    const r = await router({ model_list: model_list(), fallbacks: [{ 'gpt-image-2': ['backup'] }] });
    a.injectFault(fault);
    const error = await r.imageEdit(edit('gpt-image-2')).catch((e: unknown) => e);
    expect(error).toMatchObject({ reachedUpstream: true, isRetryable: false });
    expect(hits(a)).toBe(1);
    expect(hits(f)).toBe(0);
    // With the opt-in, the same failure is retried.
    const opted = await router({ model_list: model_list(), retry_on_timeout: true, num_retries: 1 });
    a.injectFault(fault);
    expect(getMeta(await opted.imageEdit(edit('gpt-image-2')))).toMatchObject({ attempts: 2 });
  });

  it('retries after a timeout when retry_on_timeout is set', async () => {
    const r = await router({ model_list: model_list(), retry_on_timeout: true, num_retries: 1 });
    a.injectFault({ type: 'delay', ms: 10_000 });
    const response = await r.imageEdit(edit('gpt-image-2'));
    expect(getMeta(response)).toMatchObject({ deploymentId: 'a', attempts: 2 });
    expect(hits(a)).toBe(2);
  });

  it('refuses a timeout that is not a positive number of milliseconds a timer can hold', async () => {
    const r = await router({ model_list: [openai(a, 'a')] });
    for (const timeout of [-1, 1e15]) {
      await expect(r.imageEdit(edit('gpt-image-2', { timeout }))).rejects.toMatchObject({
        status: 400,
        param: 'timeout',
      });
    }
    expect(hits(a)).toBe(0);
  });

  it('bounds the whole call, retries included, by the call timeout', async () => {
    const r = await router({ model_list: [openai(a, 'a')], num_retries: 5 });
    a.injectFault({ type: 'status', status: 503 }, { times: Number.POSITIVE_INFINITY });
    const error = await r.imageEdit(edit('gpt-image-2', { timeout: 300 })).catch((e: unknown) => e);
    // Either the last upstream 503 (no time left for another wait) or the deadline itself.
    expect([503, 408]).toContain((error as ServiceUnavailableError).status);
    expect(hits(a)).toBeGreaterThanOrEqual(1);
    expect(hits(a)).toBeLessThanOrEqual(3);
  });
});

describe('fallbacks', () => {
  it('walks a fallback chain across providers with a masked request, skipping a group that cannot take masks', async () => {
    const events = recorder();
    const r = await router({
      model_list: [
        openai(a, 'openai', 'primary'),
        acme(f, 'nomask', 'no-mask', 'acme/basic'),
        acme(f, 'inpaint', 'inpaint'),
      ],
      fallbacks: [{ primary: ['no-mask', 'inpaint'] }],
      num_retries: 1,
      callbacks: [events],
    });
    a.injectFault({ type: 'status', status: 503 }, { times: Number.POSITIVE_INFINITY });
    const mask = createOpenAIMask(32, 32, { x: 0, y: 0, width: 16, height: 32 });
    const response = await r.imageEdit(edit('primary', { image: createPng(32, 32), mask }));
    expect(getMeta(response)).toMatchObject({
      deploymentId: 'inpaint',
      modelGroup: 'inpaint',
      provider: 'acme',
      attempts: 3,
    });
    expect(getMeta(response).warnings).toEqual(
      expect.arrayContaining(['fallback: primary → no-mask after ServiceUnavailableError 503']),
    );
    expect(events.of('fallback').map((e) => [e.modelGroup, e.fallbackTo])).toEqual([
      ['primary', 'no-mask'],
      ['no-mask', 'inpaint'],
    ]);
    expect(hits(a)).toBe(2);
    // The mask reached acme re-encoded in its own convention: white marks the edit (left half).
    const sent = f.lastRequest().json as { mask: string };
    const { data, width } = await decodePngPixels(Buffer.from(sent.mask, 'base64'));
    expect(data[0]).toBe(255);
    expect(data[(width - 1) * 4]).toBe(0);
  });

  it('goes straight to the fallback while every deployment is cooling down', async () => {
    const r = await router({
      model_list: [openai(a, 'a'), acme(f, 'f', 'backup')],
      fallbacks: [{ 'gpt-image-2': ['backup'] }],
      cooldown_time: 60,
    });
    a.injectFault({ type: 'rate-limit', retryAfterSeconds: 60 });
    expect(getMeta(await r.imageEdit(edit('gpt-image-2'))).deploymentId).toBe('f');
    const next = await r.imageEdit(edit('gpt-image-2'));
    expect(getMeta(next)).toMatchObject({ deploymentId: 'f', attempts: 1 });
    expect(hits(a)).toBe(1);
  });

  it('reports the outage, not a capability mismatch, when no fallback can serve', async () => {
    const r = await router({
      model_list: [openai(a, 'a'), acme(f, 'f', 'no-mask', 'acme/basic')],
      fallbacks: [{ 'gpt-image-2': ['no-mask'] }],
      num_retries: 0,
    });
    a.injectFault({ type: 'status', status: 503 });
    const mask = createOpenAIMask(16, 16, { x: 0, y: 0, width: 8, height: 8 });
    const error = await r.imageEdit(edit('gpt-image-2', { mask })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
  });

  it('when every fallback fails, the error keeps the last class and status and names each attempt', async () => {
    const r = await router({
      model_list: [openai(a, 'a'), openai(b, 'b', 'backup'), acme(f, 'f', 'no-mask', 'acme/basic')],
      fallbacks: [{ 'gpt-image-2': ['no-mask', 'backup'] }],
      num_retries: 1,
      retry_after: 0,
    });
    a.injectFault({ type: 'status', status: 503 }, { times: 2 });
    b.injectFault({ type: 'status', status: 429 });
    const mask = createOpenAIMask(16, 16, { x: 0, y: 0, width: 8, height: 8 });
    const error = (await r.imageEdit(edit('gpt-image-2', { mask })).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429 });
    expect(error.message).toContain('every fallback failed (gpt-image-2 → no-mask → backup)');
    // The 429 cooled b down, so the retry found nothing: the caller reads that first, then every attempt.
    expect(error.message).toMatch(/^No deployments available for model group "backup": all are cooling down/);
    expect(error.message.match(/gpt-image-2 → deployment a: 503 /g)).toHaveLength(2);
    expect(error.message.match(/backup → deployment b: 429 /g)).toHaveLength(1);
    expect(error.message).toMatch(
      /no-mask: 400 No deployment of model group "no-mask" can serve this request/,
    );
  });

  it('never routes around a content-policy refusal with ordinary fallbacks', async () => {
    const events = recorder();
    const r = await router({
      model_list: [openai(a, 'a'), acme(f, 'f', 'backup')],
      fallbacks: [{ 'gpt-image-2': ['backup'] }],
      default_fallbacks: ['backup'],
      callbacks: [events],
    });
    a.injectFault(MODERATION);
    const error = await r.imageEdit(edit('gpt-image-2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentPolicyViolationError);
    // OpenAI's own code, kept.
    expect((error as ContentPolicyViolationError).toJSON().error.code).toBe('moderation_blocked');
    expect(hits(f)).toBe(0);
    expect(events.of('fallback')).toHaveLength(0);
    expect(events.of('failure')[0]).toMatchObject({
      errorClass: 'ContentPolicyViolationError',
      errorStatus: 400,
    });
  });

  it('keeps fallbacks inside the model groups the caller may use', async () => {
    const r = await router({
      model_list: [openai(a, 'a'), openai(b, 'b', 'team-only'), acme(f, 'f', 'lenient')],
      fallbacks: [{ 'gpt-image-2': ['team-only', 'lenient'] }],
      content_policy_fallbacks: [{ 'gpt-image-2': ['team-only'] }],
      num_retries: 0,
    });
    a.injectFault({ type: 'status', status: 503 });
    const served = await r.imageEdit(edit('gpt-image-2'), { allowedGroups: ['gpt-image-2', 'lenient'] });
    expect(getMeta(served).modelGroup).toBe('lenient');
    expect(getMeta(served).warnings.join('\n')).toMatch(/team-only skipped: this key may not use team-only/);
    expect(hits(b)).toBe(0);
    // A refusal whose only fallback is off-limits goes back to the caller.
    a.injectFault(MODERATION);
    const refused = await r
      .imageEdit(edit('gpt-image-2'), { allowedGroups: ['gpt-image-2'] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ContentPolicyViolationError);
    expect(hits(b)).toBe(0);
  });

  it('uses content_policy_fallbacks for a refusal, and only for a refusal', async () => {
    const r = await router({
      model_list: [openai(a, 'a'), openai(b, 'b', 'general'), acme(f, 'f', 'lenient')],
      fallbacks: [{ 'gpt-image-2': ['general'] }],
      content_policy_fallbacks: [{ 'gpt-image-2': ['lenient'] }],
    });
    a.injectFault(MODERATION);
    const refused = await r.imageEdit(edit('gpt-image-2'));
    expect(getMeta(refused)).toMatchObject({ deploymentId: 'f', modelGroup: 'lenient', attempts: 2 });
    expect(hits(b)).toBe(0);
    a.injectFault({ type: 'status', status: 502 }, { times: 3 });
    const outage = await r.imageEdit(edit('gpt-image-2'));
    expect(getMeta(outage).modelGroup).toBe('general');
  });

  it("treats a refusal that only carries OpenAI's code moderation_blocked as one (a provider that does not classify it)", async () => {
    const events = recorder();
    const r = await router({
      model_list: [acme(f, 'f', 'strict'), openai(a, 'a', 'general'), openai(b, 'b', 'lenient')],
      fallbacks: [{ strict: ['general'] }],
      content_policy_fallbacks: [{ strict: ['lenient'] }],
      num_retries: 2,
      callbacks: [events],
    });
    // Acme maps only its own code to ContentPolicyViolationError: this one arrives as a 400 BadRequestError.
    f.injectFault({
      type: 'status',
      status: 400,
      body: { error: { message: 'rejected by the safety system', code: 'moderation_blocked' } },
    });
    const served = await r.imageEdit(edit('strict'));
    expect(getMeta(served)).toMatchObject({ deploymentId: 'b', modelGroup: 'lenient', attempts: 2 });
    expect(hits(f)).toBe(1);
    expect(hits(a)).toBe(0);
    expect(events.of('retry')).toHaveLength(0);
    expect((await health(r, 'f'))?.healthy).toBe(true);
  });
});

describe('cancellation and shutdown', () => {
  it('one AbortSignal cancels the call in flight; nothing is retried', async () => {
    const r = await router({ model_list: [openai(a, 'a'), openai(b, 'b')], num_retries: 3 });
    for (const sim of [a, b])
      sim.injectFault({ type: 'delay', ms: 60_000 }, { times: Number.POSITIVE_INFINITY });
    const controller = new AbortController();
    const call = r.imageEdit(edit('gpt-image-2'), { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => hits(a) + hits(b) === 1, 'the upstream call');
    controller.abort();
    expect(await call).toBeInstanceOf(APIUserAbortError);
    expect(hits(a) + hits(b)).toBe(1);
    expect((await r.deployments()).every((d) => d.healthy && d.inFlight === 0)).toBe(true);
  });

  it('drain() starts no retry or fallback for a call in flight, and refuses new calls', async () => {
    const r = await router({
      model_list: [openai(a, 'a'), acme(f, 'f', 'backup')],
      fallbacks: [{ 'gpt-image-2': ['backup'] }],
      num_retries: 3,
      cooldown_time: 0,
    });
    a.injectFault({ type: 'rate-limit', retryAfterSeconds: 1 }, { times: Number.POSITIVE_INFINITY });
    const call = r.imageEdit(edit('gpt-image-2')).catch((e: unknown) => e);
    // The first attempt got its 429; the router now waits out Retry-After before retrying.
    await until(() => hits(a) === 1, 'the first attempt');
    r.drain();
    const error = await call;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(hits(a)).toBe(1);
    expect(hits(f)).toBe(0);
    await expect(r.imageEdit(edit('gpt-image-2'))).rejects.toBeInstanceOf(RouterClosedError);
  });

  it('drain() lets a call in flight finish its attempt', async () => {
    const r = await router({ model_list: [openai(a, 'a')] });
    a.injectFault({ type: 'delay', ms: 300 });
    const call = r.imageEdit(edit('gpt-image-2'));
    await until(() => hits(a) === 1, 'the attempt');
    r.drain();
    expect((await call).data).toHaveLength(1);
  });

  it('close() aborts calls in flight and refuses new ones', async () => {
    const r = await router({ model_list: [openai(a, 'a')] });
    a.injectFault({ type: 'delay', ms: 60_000 });
    const call = r.imageEdit(edit('gpt-image-2')).catch((e: unknown) => e);
    await until(() => hits(a) === 1, 'the upstream call');
    await r.close();
    expect(await call).toBeInstanceOf(APIUserAbortError);
    await expect(r.imageEdit(edit('gpt-image-2'))).rejects.toBeInstanceOf(RouterClosedError);
  });

  it('a stream input that fails while the call waits on state is a BadRequestError, not a crash', async () => {
    const memory = createMemoryState();
    // Shared state answers after a round trip, as Redis does: the call is awaiting it when the stream fails.
    const slow: RouterState = {
      ...memory,
      reserveBudget: async (reservation, now) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return memory.reserveBudget(reservation, now);
      },
    };
    const r = await router({ model_list: [openai(a, 'a')], state: slow, max_end_user_budget: 10 });
    const broken = new PassThrough();
    const call = r.imageEdit(edit('gpt-image-2', { image: [IMAGE, broken], user: 'alice' }));
    expect(broken.listenerCount('error')).toBeGreaterThan(0);
    broken.destroy(new Error("ENOENT: no such file or directory, open 'lamp.png'"));
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message).toBe(
      "image[1]: could not read the stream: ENOENT: no such file or directory, open 'lamp.png'",
    );
    expect(hits(a)).toBe(0);
  });

  it('keeps serving when its state fails, with a warning', async () => {
    const memory = createMemoryState();
    const broken: RouterState = {
      ...memory,
      getStats: async () => {
        throw new Error('state offline');
      },
      addInFlight: async () => {
        throw new Error('state offline');
      },
    };
    const r = await router({ model_list: [openai(a, 'a')], state: broken });
    const response = await r.imageEdit(edit('gpt-image-2'));
    expect(getMeta(response).warnings).toContain(
      "router state unavailable (state offline); routing on this instance's own state",
    );
  });
});
