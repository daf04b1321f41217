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
    await expect(attempt).rejects.toBeInstanceOf(TimeoutError);
    const pollsAtTimeout = polls;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(polls).toBe(pollsAtTimeout);
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
