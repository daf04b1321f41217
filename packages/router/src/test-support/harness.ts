/**
 * Test support (not built, not exported): deployments pointing at simulators, request params,
 * an event recorder, a seeded random source and a condition poller.
 * @module
 */
import type { ImageEditParams } from '@retouch/core';
import { createPng, type Simulator } from '@retouch/testing';
import type { DeploymentConfig, LitellmParams, RouterCallback, RouterLogPayload } from '../types.js';
import { ACME_KEY } from './fake-provider.js';

export const OPENAI_KEY = 'sk-test-simulator';
export const IMAGE = createPng(16, 16);

/** A deployment of `litellm_params.model` on an OpenAI simulator. */
export function openai(
  sim: Simulator,
  id: string,
  group = 'gpt-image-2',
  params: Partial<LitellmParams> = {},
): DeploymentConfig {
  return {
    model_name: group,
    litellm_params: { model: 'gpt-image-2', api_key: OPENAI_KEY, api_base: `${sim.url}/v1`, ...params },
    model_info: { id },
  };
}

/** The deployment with `model_info.allow_retired: true`: a retired model sent anyway (to test its rules). */
export function sentAnyway(deployment: DeploymentConfig): DeploymentConfig {
  return { ...deployment, model_info: { ...deployment.model_info, allow_retired: true } };
}

/** A deployment of an acme model on an acme simulator. */
export function acme(
  sim: Simulator,
  id: string,
  group: string,
  model = 'acme/inpaint',
  params: Partial<LitellmParams> = {},
): DeploymentConfig {
  return {
    model_name: group,
    litellm_params: { model, api_key: ACME_KEY, api_base: sim.url, ...params },
    model_info: { id },
  };
}

export const GEMINI_KEY = 'gemini-sim-key';

/** A deployment of a Gemini model on a Gemini simulator. */
export function gemini(
  sim: Simulator,
  id: string,
  group: string,
  params: Partial<LitellmParams> = {},
): DeploymentConfig {
  return {
    model_name: group,
    litellm_params: {
      model: 'gemini/gemini-2.5-flash-image',
      api_key: GEMINI_KEY,
      api_base: sim.url,
      ...params,
    },
    model_info: { id },
  };
}

/** An edit request for `model`. */
export function edit(model: string, extra: Partial<ImageEditParams> = {}): ImageEditParams {
  return { model, image: IMAGE, prompt: 'Make it red', ...extra };
}

/** Records every callback event. */
export function recorder(): RouterCallback & {
  events: RouterLogPayload[];
  of(event: string): RouterLogPayload[];
} {
  const events: RouterLogPayload[] = [];
  const push = (p: RouterLogPayload) => {
    events.push(p);
  };
  return {
    events,
    of: (event) => events.filter((e) => e.event === event),
    onStart: push,
    onSuccess: push,
    onFailure: push,
    onRetry: push,
    onFallback: push,
  };
}

/** A deterministic uniform source (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Polls `check` until it is truthy (throws after `timeoutMs`, so a broken test fails, not hangs). */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Requests a simulator received on its edit route. */
export function hits(sim: Simulator): number {
  return sim.requests.filter((r) => r.method === 'POST').length;
}

/** Runs `count` tasks with at most `concurrency` at a time, in order of index. */
export async function runConcurrently<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Counts values. */
export function countBy<T>(
  items: readonly T[],
  key: (item: T) => string | undefined,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item) ?? 'undefined';
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}
