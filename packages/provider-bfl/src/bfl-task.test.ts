import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BadGatewayError,
  BadRequestError,
  ContentPolicyViolationError,
  type EditProgress,
  getMeta,
  imageEdit,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  sniffImage,
  TimeoutError,
} from '@retouch/core';
import {
  type BFLSimulator,
  createPng,
  isBFLSubmitRequest,
  rejectionOf,
  type Simulator,
  startBFLSimulator,
  startSimulator,
} from '@retouch/testing';
import { createBlackForestLabs } from './bfl-provider.js';

const API_KEY = 'bfl-task-key-0123456789abcdef';
let sim: BFLSimulator;
let elsewhere: Simulator;

beforeAll(async () => {
  sim = await startBFLSimulator({ apiKey: API_KEY, pendingPolls: 2 });
  // A host that is neither the API nor a BFL result host: nothing may ever reach it.
  elsewhere = await startSimulator({
    name: 'elsewhere',
    handle: () => ({ status: 200, body: createPng(8, 8) }),
    errorBody: (_status, message) => ({ message }),
  });
});
afterAll(async () => {
  await sim.close();
  await elsewhere.close();
});
afterEach(() => {
  sim.reset();
  elsewhere.reset();
});

const provider = (base = sim.url, extra: Parameters<typeof createBlackForestLabs>[0] = {}) =>
  createBlackForestLabs({ apiKey: API_KEY, baseURL: base, pollIntervalMs: 5, ...extra });
const edit = (extra: Record<string, unknown> = {}, base = sim.url) =>
  imageEdit(
    { model: 'flux-kontext-pro', image: createPng(64, 64), prompt: 'x', ...extra },
    { provider: provider(base) },
  );
const polls = (simulator: Simulator = sim) =>
  simulator.requests.filter((request) => request.path.endsWith('/v1/get_result'));

async function withSimulator<T>(
  options: Parameters<typeof startBFLSimulator>[0],
  body: (simulator: BFLSimulator) => Promise<T>,
): Promise<T> {
  const simulator = await startBFLSimulator({ apiKey: API_KEY, ...options });
  try {
    return await body(simulator);
  } finally {
    await simulator.close();
  }
}

describe('polling outcomes', () => {
  it.each([
    ['Request Moderated', 'the prompt or input images'],
    ['Content Moderated', 'the generated image'],
  ] as const)('maps %s to a 400 ContentPolicyViolationError', async (status, what) => {
    sim.queueOutcome({ status, pendingPolls: 1 });
    const error = await rejectionOf(edit(), ContentPolicyViolationError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('content_policy_violation');
    expect(error.message).toContain(`moderation refused ${what}`);
    expect(error.upstreamRequestId).toBe(sim.tasks()[0]?.id);
    expect(polls()).toHaveLength(2);
  });

  it('maps Error to a retryable InternalServerError and Task not found to NotFoundError', async () => {
    sim.queueOutcome({ status: 'Error', details: { error: 'GPU fell over' } });
    const failed = await rejectionOf(edit(), InternalServerError);
    expect(failed.message).toContain('GPU fell over');
    expect(failed.isRetryable).toBe(true);
    sim.queueOutcome({ status: 'Task not found' });
    const lost = await rejectionOf(edit(), NotFoundError);
    expect(lost.code).toBe('task_not_found');
    expect(lost.isRetryable).toBe(true);
  });

  it('stops at the deadline with TimeoutError and polls no more after it', async () => {
    sim.queueOutcome({ status: 'Pending' });
    const error = await rejectionOf(edit({ timeout: 400 }), TimeoutError);
    expect(error.message).toMatch(
      /deadline of 400 ms (passed|leaves no time for another poll).*\(timeouts are milliseconds in the SDK, seconds in config\.yaml/,
    );
    // A poll in flight when the deadline fired is aborted, but a loaded server may log it a while later:
    // wait until the log is quiet (bounded), then no poll may follow. A provider that kept polling every
    // 5 ms never goes quiet and fails the last check.
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let pollsAtTimeout = polls().length;
    for (let waited = 0; waited < 2_000; waited += 100) {
      await sleep(100);
      if (polls().length === pollsAtTimeout) break;
      pollsAtTimeout = polls().length;
    }
    expect(pollsAtTimeout).toBeGreaterThan(2);
    await sleep(300);
    expect(polls()).toHaveLength(pollsAtTimeout);
  });

  it('reports progress while the task is pending', async () => {
    const progress: EditProgress[] = [];
    await imageEdit(
      { model: 'flux-kontext-pro', image: createPng(64, 64), prompt: 'x' },
      { provider: provider(sim.url, { pollIntervalMs: 40 }), onProgress: (p) => progress.push(p) },
    );
    expect(progress.map((p) => p.status)).toEqual(['Pending', 'Pending']);
    expect(progress.every((p) => typeof p.elapsedMs === 'number')).toBe(true);
  });

  it('answers 429 on submit (too many active tasks) with RateLimitError', async () => {
    await withSimulator({ activeTaskLimits: { default: 24, 'flux-kontext-max': 1 } }, async (limited) => {
      limited.queueOutcome({ status: 'Pending' });
      const kontextMax = (timeout?: number) =>
        imageEdit(
          { model: 'flux-kontext-max', image: createPng(64, 64), prompt: 'x', timeout },
          { provider: provider(limited.url) },
        );
      await rejectionOf(kontextMax(150), TimeoutError);
      const error = await rejectionOf(kontextMax(), RateLimitError);
      expect(error.status).toBe(429);
      expect(error.message).toContain('6 for flux-kontext-max');
      expect(limited.requests.filter(isBFLSubmitRequest)).toHaveLength(2);
    });
  });

  it('maps 402 and 422 to 4xx errors that say why', async () => {
    sim.injectFault(
      { type: 'status', status: 402, body: { detail: 'Insufficient credits' } },
      { match: isBFLSubmitRequest },
    );
    const credits = await rejectionOf(edit(), BadRequestError);
    expect([credits.status, credits.code, credits.isRetryable]).toEqual([402, 'insufficient_credits', false]);
    sim.injectFault(
      {
        type: 'status',
        status: 422,
        body: { detail: [{ type: 'value_error', loc: ['body', 'seed'], msg: 'Value error, bad seed' }] },
      },
      { match: isBFLSubmitRequest },
    );
    const invalid = await rejectionOf(edit(), BadRequestError);
    expect([invalid.status, invalid.param]).toEqual([422, 'seed']);
    expect(invalid.message).toContain('seed: Value error, bad seed');
  });
});

describe('polling_url and result hosts', () => {
  it('polls the returned polling_url, whatever its path', async () => {
    await withSimulator({ pollingPath: '/regional/eu1/v1/get_result', pendingPolls: 1 }, async (regional) => {
      await edit({}, regional.url);
      expect(polls(regional).map((poll) => poll.path)).toEqual(Array(2).fill('/regional/eu1/v1/get_result'));
    });
  });

  it('reads a webhook task (no polling_url) by id on the API host', async () => {
    await edit({ webhook_url: 'https://example.com/hook' });
    const id = sim.tasks()[0]?.id;
    expect(polls().map((poll) => `${poll.path}?${poll.query}`)).toEqual(
      Array(3).fill(`/v1/get_result?id=${id}`),
    );
  });

  it('never sends the key to a polling_url on another host', async () => {
    await withSimulator({ pollingBaseUrl: elsewhere.url }, async (misdirected) => {
      const error = await rejectionOf(edit({}, misdirected.url), BadGatewayError);
      expect(error.code).toBe('untrusted_polling_url');
      expect(elsewhere.requests).toHaveLength(0);
    });
  });

  it('downloads b64_json results from the result URL without the key', async () => {
    const response = await edit({ response_format: 'b64_json' });
    const download = sim.requests.find((request) => request.path.startsWith('/delivery/'));
    expect(download?.headers['x-key']).toBeUndefined();
    expect(sniffImage(Buffer.from(response.data[0]?.b64_json as string, 'base64'))?.mediaType).toBe(
      'image/png',
    );
    expect(getMeta(response).warnings).toEqual([]);
  });

  it('refuses to download a result from any other host', async () => {
    await withSimulator({ resultBaseUrl: elsewhere.url }, async (misdirected) => {
      const error = await rejectionOf(
        edit({ response_format: 'b64_json' }, misdirected.url),
        BadGatewayError,
      );
      expect(error.code).toBe('untrusted_result_host');
      const result = await provider(misdirected.url).imageEdit(
        {
          model: 'flux-kontext-pro',
          prompt: 'x',
          images: [
            {
              bytes: createPng(8, 8),
              mediaType: 'image/png',
              width: 8,
              height: 8,
              hasAlpha: true,
              filename: 'a.png',
            },
          ],
          n: 1,
          response_format: 'url',
          extras: {},
          dropParams: false,
        },
        { signal: new AbortController().signal },
      );
      const signal = new AbortController().signal;
      await expect(result.download?.('https://evil.example.com/sample.png', signal)).rejects.toMatchObject({
        code: 'untrusted_result_host',
      });
      await expect(result.download?.('http://delivery-eu1.bfl.ai/sample.png', signal)).rejects.toMatchObject({
        code: 'untrusted_result_host',
      });
      expect(elsewhere.requests).toHaveLength(0);
    });
  });

  it('says so when the signed URL expired before the download', async () => {
    // 0: expired as soon as it is signed (with 1 ms, a fast enough download still found it valid).
    await withSimulator({ resultTtlMs: 0, pendingPolls: 0 }, async (fast) => {
      const error = await rejectionOf(edit({ response_format: 'b64_json' }, fast.url), BadGatewayError);
      expect(error.message).toContain('signed URL has expired');
    });
  });

  it('uses the regional host named by the region setting', async () => {
    await withSimulator({ pollingBaseUrl: 'https://api.eu.bfl.ai', pendingPolls: 0 }, async (regional) => {
      // A fetch that sends api.eu.bfl.ai traffic to the simulator, recording where it was meant to go.
      const intended: string[] = [];
      const proxy: typeof fetch = (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        intended.push(`${url.origin}${url.pathname}`);
        const target = new URL(`${url.pathname}${url.search}`, regional.url);
        return input instanceof Request ? fetch(new Request(target, input), init) : fetch(target, init);
      };
      const eu = createBlackForestLabs({ apiKey: API_KEY, region: 'eu', fetch: proxy, pollIntervalMs: 5 });
      const response = await imageEdit(
        { model: 'flux-kontext-pro', image: createPng(8, 8), prompt: 'x', response_format: 'url' },
        { provider: eu },
      );
      expect(intended).toEqual([
        'https://api.eu.bfl.ai/v1/flux-kontext-pro',
        'https://api.eu.bfl.ai/v1/get_result',
      ]);
      expect(response.data[0]?.url).toContain(regional.url);
    });
    expect(() => createBlackForestLabs({ region: 'mars' as 'eu' })).toThrow('region');
  });
});
