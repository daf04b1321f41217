/**
 * Test support (not exported): the child process of `deadline-gc.test.ts`. It runs in plain Node
 * with `--expose-gc` (jest's sandbox keeps objects alive that a real process collects), warms a
 * router on `<base>/ok`, then starts calls on `<base>/hang` (the submit is answered, the polls hang)
 * while forcing GC, and reports over IPC
 * how each call ended. For the abort scenario it waits for the parent's `abort` message, sent once
 * the server holds every request. Arguments: the server's base URL, calls per scenario, deadline in s.
 * @module
 */
import {
  createProviderHttp,
  type ImageEditParams,
  type ImageEditProvider,
  type ProviderConfig,
  pollUntilDone,
  registerProvider,
  RetouchError,
} from '@retouch/core';
import { createPng } from '@retouch/testing';
import { Router } from '../router.js';
import type { RouterOptions } from '../types.js';

/** What the child reports for one scenario. */
export interface GcScenarioReport {
  scenario: string;
  /** Each call's error class (`ok` for a success, `pending` for one still open after 15 s) and duration. */
  outcomes: { ended: string; ms: number }[];
}

const [base, calls, deadlineSeconds] = process.argv.slice(2) as [string, string, string];
const CALLS = Number(calls);
const DEADLINE_S = Number(deadlineSeconds);

const gc = (globalThis as { gc?: () => void }).gc;
const send = (message: unknown) => process.send?.(message);
const image = createPng(16, 16);
const edit = (model: string): ImageEditParams => ({ model, image, prompt: 'Make it red' });

/** A submit-then-poll provider (as BFL and Stability are): a JSON POST, then GETs until done. */
function createPoller(config: ProviderConfig = {}): ImageEditProvider {
  const http = createProviderHttp({ provider: 'poller', baseURL: String(config.api_base) });
  return {
    id: 'poller',
    capabilities: () => ({
      maxImages: 1,
      mask: 'none',
      maxN: 1,
      inputMediaTypes: ['image/png'],
      params: [],
      nativeResponseFormat: 'b64_json',
    }),
    models: () => ['edit'],
    async imageEdit(request, options) {
      await http.postJson('/submit', { prompt: request.prompt }, { signal: options.signal });
      const b64 = await pollUntilDone({
        provider: 'poller',
        signal: options.signal,
        deadline: options.deadline,
        initialDelayMs: 1,
        poll: async (signal) => {
          const { body } = await http.getJson('/result', { signal });
          return { done: true, value: (body as { b64: string }).b64 };
        },
      });
      return { images: [{ b64, mediaType: 'image/png' }], warnings: [] };
    },
  };
}

function deployment(group: string, path: string, timeout?: number): RouterOptions['model_list'][number] {
  return {
    model_name: group,
    litellm_params: { model: 'poller/edit', api_base: `${base}${path}`, timeout },
  };
}

async function endUnderGc(calls: (() => Promise<unknown>)[]): Promise<GcScenarioReport['outcomes']> {
  const outcomes = calls.map((call) => {
    const started = performance.now();
    const outcome = { ended: 'pending', ms: Number.NaN };
    const end = (ended: string) => Object.assign(outcome, { ended, ms: performance.now() - started });
    call().then(
      () => end('ok'),
      (error: unknown) => end(RetouchError.isInstance(error) ? error.name : String(error)),
    );
    return outcome;
  });
  const until = performance.now() + 15_000;
  while (outcomes.some((o) => o.ended === 'pending') && performance.now() < until) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return outcomes;
}

async function scenario(name: string, options: Partial<RouterOptions>, attemptTimeout?: number) {
  const router = await Router.create({
    model_list: [deployment('ok', '/ok'), deployment('hang', '/hang', attemptTimeout)],
    num_retries: 0,
    ...options,
  });
  for (let i = 0; i < 30; i++) await router.imageEdit(edit('ok'));
  let outcomes: GcScenarioReport['outcomes'];
  if (name === 'abort') {
    const controllers = Array.from({ length: CALLS }, () => new AbortController());
    const aborted = new Promise<void>((resolve) =>
      process.once('message', () => {
        for (const c of controllers) c.abort();
        resolve();
      }),
    );
    const calls = controllers.map((c) => {
      const call = router.imageEdit(edit('hang'), { signal: c.signal });
      call.catch(() => undefined);
      return call;
    });
    send({ waiting: CALLS });
    outcomes = await endUnderGc(calls.map((call) => () => aborted.then(() => call)));
  } else {
    outcomes = await endUnderGc(Array.from({ length: CALLS }, () => () => router.imageEdit(edit('hang'))));
  }
  send({ scenario: name, outcomes } satisfies GcScenarioReport);
  await router.close();
}

registerProvider({ prefix: 'poller', create: createPoller });
await scenario('attempt timeout', {}, DEADLINE_S);
await scenario('call timeout', { timeout: DEADLINE_S });
await scenario('abort', {});
process.disconnect?.();
