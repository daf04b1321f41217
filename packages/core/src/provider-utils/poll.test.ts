import { describe, expect, it } from '@jest/globals';
import { APIUserAbortError, TimeoutError } from '../errors.js';
import { pollUntilDone } from './poll.js';

describe('pollUntilDone', () => {
  it('polls until done and reports progress while pending', async () => {
    const statuses = ['Pending', 'Pending', 'Ready'];
    const progress: string[] = [];
    const value = await pollUntilDone({
      provider: 'test',
      signal: new AbortController().signal,
      initialDelayMs: 1,
      onProgress: (p) => progress.push(p.status),
      poll: async () => {
        const status = statuses.shift();
        return status === 'Ready'
          ? { done: true, value: 'sample-url' }
          : { done: false, status: status ?? '?' };
      },
    });
    expect(value).toBe('sample-url');
    expect(progress).toEqual(['Pending', 'Pending']);
  });

  it('stops at the deadline with a TimeoutError and polls no more', async () => {
    let polls = 0;
    const attempt = pollUntilDone({
      provider: 'test',
      signal: new AbortController().signal,
      deadline: Date.now() + 60,
      initialDelayMs: 20,
      backoff: 1,
      poll: async () => {
        polls++;
        return { done: false, status: 'Pending' };
      },
    });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    // Its deadline, with the unit (config.yaml's timeouts are seconds), whether the loop saw it pass
    // or its wait was cut by it.
    expect((error as Error).message).toMatch(
      /deadline of \d+ ms passed.*\(timeouts are milliseconds in the SDK, seconds in config\.yaml and proxy requests\)/,
    );
    const pollsAtTimeout = polls;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(polls).toBe(pollsAtTimeout);
  });

  it("names the call's deadline and its unit when it is too close for another poll", async () => {
    const error = await pollUntilDone({
      provider: 'test',
      signal: new AbortController().signal,
      deadline: Date.now() + 1000,
      timeoutMs: 1000,
      minDelayMs: 5000,
      poll: async () => ({ done: false, status: 'in-progress' }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(
      /^test: the task was still in-progress after \d+ ms of polling; the call's deadline of 1000 ms leaves no time for another poll, so no further polls \(timeouts are milliseconds in the SDK, seconds in config\.yaml and proxy requests\)$/,
    );
  });

  it('stops mid-wait when aborted', async () => {
    const controller = new AbortController();
    const attempt = pollUntilDone({
      provider: 'test',
      signal: controller.signal,
      initialDelayMs: 10_000,
      poll: async () => ({ done: false, status: 'Pending' }),
    });
    setTimeout(() => controller.abort(), 10);
    await expect(attempt).rejects.toBeInstanceOf(APIUserAbortError);
  });

  it('waits at least minDelayMs between polls', async () => {
    const times: number[] = [];
    await pollUntilDone({
      provider: 'test',
      signal: new AbortController().signal,
      initialDelayMs: 1,
      minDelayMs: 30,
      poll: async () => {
        times.push(Date.now());
        return times.length === 3 ? { done: true, value: 1 } : { done: false, status: 'in-progress' };
      },
    });
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(25);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(25);
  });
});
