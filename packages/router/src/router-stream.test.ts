/**
 * `router.streamImageEdit`: retries and fallbacks until the first event and never after, the
 * budget hold and in-flight count until the end, cost and spend from the completed events'
 * usage, callbacks once per stream with the time to the first event, and a break that cancels.
 */
import { describe, expect, it } from '@jest/globals';
import { BadGatewayError, getMeta, type ImageEditStreamEvent, RetouchError } from '@retouch/core';
import { type BudgetReservation, createMemoryState } from './index.js';
import type { RouterState } from './state/state.js';
import { edit, hits, openai, recorder, until } from './test-support/harness.js';
import { a, b, useTestbed } from './test-support/testbed.js';

const router = useTestbed();

async function types(stream: AsyncIterable<ImageEditStreamEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of stream) seen.push(event.type);
  return seen;
}

describe('router.streamImageEdit', () => {
  it('streams real partials with the router meta; spend from usage; one success callback with time to first event', async () => {
    const events = recorder();
    const r = await router({ model_list: [openai(a, 'a')], callbacks: [events] });
    const stream = await r.streamImageEdit(edit('gpt-image-2', { partial_images: 2, user: 'ann' }));
    expect(stream.meta).toMatchObject({
      deploymentId: 'a',
      modelGroup: 'gpt-image-2',
      attempts: 1,
      provider: 'openai',
    });
    expect(await types(stream)).toEqual([
      'image_edit.partial_image',
      'image_edit.partial_image',
      'image_edit.completed',
    ]);
    const response = await stream.response();
    const meta = getMeta(response);
    expect(meta).toMatchObject({ deploymentId: 'a', modelGroup: 'gpt-image-2', attempts: 1, user: 'ann' });
    expect(meta.costUsd).toBeGreaterThan(0);
    expect(meta.timeToFirstEventMs).toBe(stream.meta.timeToFirstEventMs);
    expect((await r.spend()).byUser.ann).toBe(meta.costUsd);
    expect(events.of('start')).toHaveLength(1);
    expect(events.of('success')).toHaveLength(1);
    expect(events.of('success')[0]).toMatchObject({
      stream: true,
      deploymentId: 'a',
      costUsd: meta.costUsd,
      timeToFirstEventMs: meta.timeToFirstEventMs,
    });
    expect(events.of('failure')).toHaveLength(0);
  });

  it('falls back before the first event', async () => {
    const events = recorder();
    const r = await router({
      model_list: [openai(a, 'a'), openai(b, 'b', 'backup')],
      fallbacks: [{ 'gpt-image-2': ['backup'] }],
      num_retries: 0,
      callbacks: [events],
    });
    a.injectFault({ type: 'status', status: 503 });
    const stream = await r.streamImageEdit(edit('gpt-image-2', { partial_images: 1 }));
    expect(stream.meta).toMatchObject({ deploymentId: 'b', modelGroup: 'backup', attempts: 2 });
    expect(stream.meta.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('fallback: gpt-image-2 → backup')]),
    );
    expect(await types(stream)).toEqual(['image_edit.partial_image', 'image_edit.completed']);
    expect(getMeta(await stream.response())).toMatchObject({ deploymentId: 'b', attempts: 2 });
    expect(events.of('fallback')).toHaveLength(1);
    expect(events.of('success')).toHaveLength(1);
  });

  it('a failure after the first event is never retried or replayed elsewhere', async () => {
    const events = recorder();
    const r = await router({
      model_list: [openai(a, 'a'), openai(b, 'b')],
      routing_strategy: 'simple-shuffle',
      num_retries: 3,
      fallbacks: [{ 'gpt-image-2': ['gpt-image-2'] }],
      callbacks: [events],
    });
    for (const sim of [a, b]) sim.injectFault({ type: 'stream-error', afterEvents: 1 });
    const stream = await r.streamImageEdit(edit('gpt-image-2', { partial_images: 2 }));
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['image_edit.partial_image']);
    expect(error).toBeInstanceOf(BadGatewayError);
    await expect(stream.response()).rejects.toBeInstanceOf(RetouchError);
    expect(hits(a) + hits(b)).toBe(1);
    expect(events.of('retry')).toHaveLength(0);
    await until(() => events.of('failure').length === 1, 'the failure callback');
    expect(events.of('failure')[0]).toMatchObject({ stream: true, errorClass: 'BadGatewayError' });
    expect(events.of('failure')[0]?.timeToFirstEventMs).toBeGreaterThanOrEqual(0);
    expect(events.of('success')).toHaveLength(0);
  });

  it('retries before the first event, and a failure then counts toward a cooldown', async () => {
    const events = recorder();
    const r = await router({
      model_list: [openai(a, 'a', 'gpt-image-2', { order: 1 }), openai(b, 'b', 'gpt-image-2', { order: 2 })],
      num_retries: 1,
      allowed_fails: 0,
      cooldown_time: 60,
      callbacks: [events],
    });
    a.injectFault({ type: 'status', status: 503 });
    const stream = await r.streamImageEdit(edit('gpt-image-2', { partial_images: 1 }));
    expect(stream.meta).toMatchObject({ deploymentId: 'b', attempts: 2 });
    expect(stream.meta.warnings[0]).toMatch(/^attempt 1 on deployment a failed: 503 .*; cooling down until /);
    expect(await types(stream)).toEqual(['image_edit.partial_image', 'image_edit.completed']);
    expect(events.of('retry')).toHaveLength(1);
    const health = (await r.deployments()).find((d) => d.id === 'a');
    expect(health?.healthy).toBe(false);
  });

  it('a failure after the first event neither counts toward nor starts a cooldown', async () => {
    const r = await router({
      model_list: [openai(a, 'a')],
      allowed_fails: 0,
      cooldown_time: 60,
    });
    a.injectFault({ type: 'stream-error', afterEvents: 1 });
    const stream = await r.streamImageEdit(edit('gpt-image-2', { partial_images: 2 }));
    const error = await types(stream).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadGatewayError);
    await expect(stream.response()).rejects.toBe(error);
    // The same 502 before the first event would have benched `a` at once (allowed_fails: 0).
    expect((await r.deployments())[0]).toMatchObject({ healthy: true, failuresLastMinute: 0, inFlight: 0 });
    a.injectFault({ type: 'stream-cut', afterEvents: 1 });
    const cut = await r.streamImageEdit(edit('gpt-image-2', { partial_images: 2 }));
    await expect(cut.response()).rejects.toBeInstanceOf(RetouchError);
    expect((await r.deployments())[0]).toMatchObject({ healthy: true, failuresLastMinute: 0 });
    // The next call is served by it.
    const next = await r.streamImageEdit(edit('gpt-image-2'));
    expect(getMeta(await next.response()).deploymentId).toBe('a');
  });

  it("callbacks carry a plain call's payload, plus stream: true and timeToFirstEventMs", async () => {
    const events = recorder();
    const r = await router({ model_list: [openai(a, 'a')], callbacks: [events] });
    await r.imageEdit(edit('gpt-image-2', { user: 'ann' }));
    const stream = await r.streamImageEdit(edit('gpt-image-2', { user: 'ann' }));
    await stream.response();
    const [plain, streamed] = events.of('success');
    expect(events.of('success')).toHaveLength(2);
    expect(Object.keys(streamed ?? {}).sort()).toEqual(
      [...Object.keys(plain ?? {}), 'stream', 'timeToFirstEventMs'].sort(),
    );
    const shared = (p: typeof plain) => ({
      event: p?.event,
      deploymentId: p?.deploymentId,
      provider: p?.provider,
      model: p?.model,
      modelGroup: p?.modelGroup,
      user: p?.user,
      attempts: p?.attempts,
      costUsd: p?.costUsd,
    });
    expect(shared(streamed)).toEqual(shared(plain));
    expect(streamed).toMatchObject({ stream: true, timeToFirstEventMs: expect.any(Number) });
    expect(events.of('start')).toHaveLength(2);
  });

  it('holds the budget reservation and the in-flight count until the stream ends', async () => {
    const memory = createMemoryState();
    const log: string[] = [];
    const state: RouterState = {
      ...memory,
      reserveBudget: (reservation: BudgetReservation, now: number) => {
        log.push('reserve');
        return memory.reserveBudget(reservation, now);
      },
      settleBudget: (reservation, spend) => {
        log.push(spend ? 'settle with spend' : 'release');
        return memory.settleBudget(reservation, spend);
      },
    };
    const r = await router({ model_list: [openai(a, 'a')], state, max_end_user_budget: 100 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    a.setStreamTiming({ beforeEvent: (index) => (index >= 1 ? held : undefined) });
    const stream = await r.streamImageEdit(edit('gpt-image-2', { partial_images: 1, user: 'ann' }));
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    // The first event is out; the rest is held upstream. The hold and the in-flight count stay.
    expect(log).toEqual(['reserve']);
    expect((await r.deployments())[0]?.inFlight).toBe(1);
    release();
    while (!(await iterator.next()).done) {
      // Read to the end.
    }
    const response = await stream.response();
    expect(log).toEqual(['reserve', 'settle with spend', 'release']);
    expect((await r.deployments())[0]?.inFlight).toBe(0);
    expect((await r.spend()).byUser.ann).toBe(getMeta(response).costUsd);
  });

  it('break cancels the upstream and ends the call (a failure callback, no spend)', async () => {
    const events = recorder();
    const r = await router({ model_list: [openai(a, 'a')], callbacks: [events] });
    a.setStreamTiming({ beforeEvent: (index) => (index >= 1 ? new Promise(() => {}) : undefined) });
    const stream = await r.streamImageEdit(edit('gpt-image-2', { partial_images: 3, user: 'ann' }));
    for await (const _event of stream) break;
    expect((await a.streams[0]?.ended)?.outcome).toBe('client-closed');
    await until(() => events.of('failure').length === 1, 'the failure callback');
    expect(events.of('failure')[0]?.errorClass).toBe('APIUserAbortError');
    expect((await r.deployments())[0]?.inFlight).toBe(0);
    expect((await r.spend()).byUser.ann).toBeUndefined();
  });

  it('router.imageEdit with stream: true points at streamImageEdit', async () => {
    const r = await router({ model_list: [openai(a, 'a')] });
    const error = await r.imageEdit(edit('gpt-image-2', { stream: true })).catch((e: unknown) => e);
    expect((error as RetouchError).param).toBe('stream');
    expect(hits(a)).toBe(0);
  });
});
