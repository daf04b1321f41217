import { describe, expect, it } from '@jest/globals';
import { getEventListeners } from 'node:events';
import { isTimeoutReason, startDeadline } from './deadline.js';

describe('startDeadline', () => {
  it('aborts with the parent’s reason, and with a TimeoutError once the deadline passes', async () => {
    const parent = new AbortController();
    const linked = startDeadline({ signals: [undefined, parent.signal] });
    parent.abort(new Error('caller left'));
    expect(linked.signal.reason).toEqual(new Error('caller left'));

    const timed = startDeadline({ timeoutMs: 5 });
    expect(timed.remainingMs()).toBeLessThanOrEqual(5);
    await new Promise((resolve) => timed.signal.addEventListener('abort', resolve, { once: true }));
    expect(isTimeoutReason(timed.signal.reason)).toBe(true);
    expect(timed.remainingMs()).toBe(0);
  });

  it('after dispose, neither the parent nor the timer reaches it', async () => {
    const parent = new AbortController();
    const call = startDeadline({ timeoutMs: 5, signals: [parent.signal] });
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    call.dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    call.dispose();
    parent.abort(new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(call.signal.aborted).toBe(false);
  });

  it('abort() ends the call with its reason and unlinks it from its parents', () => {
    const parent = new AbortController();
    const call = startDeadline({ timeoutMs: 60_000, signals: [parent.signal] });
    const reason = new Error('router closed');
    call.abort(reason);
    expect(call.signal.reason).toBe(reason);
    call.abort(new Error('again'));
    expect(call.signal.reason).toBe(reason);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('starts aborted when a parent already is, or the deadline is not in the future', () => {
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    expect(startDeadline({ signals: [parent.signal] }).signal.reason).toEqual(new Error('gone'));
    expect(isTimeoutReason(startDeadline({ timeoutMs: 0 }).signal.reason)).toBe(true);
  });
});
