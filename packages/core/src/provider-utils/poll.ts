/**
 * Submit-then-poll: poll with backoff until the task is done, within an overall deadline, stopping
 * at once on abort. Used by BFL and Stability's async endpoints. The deadline is the poll loop's
 * own (see `startDeadline`): a poll request that hangs is aborted when it passes.
 * @module
 */
import { isTimeoutReason, startDeadline, TIMEOUT_UNITS } from '../deadline.js';
import { TimeoutError } from '../errors.js';
import { abortError } from '../http.js';
import type { EditProgress } from '../provider.js';

/** What one poll found. */
export type PollOutcome<T> = { done: true; value: T } | { done: false; status: string };

/** Options of {@link pollUntilDone}. */
export interface PollOptions<T> {
  /** One status request; returns `done` with the value, or the pending status. */
  poll: (signal: AbortSignal) => Promise<PollOutcome<T>>;
  signal: AbortSignal;
  /** Epoch ms by which the task must be done. Defaults to 5 minutes from now. */
  deadline?: number;
  /** The length of the call's deadline in ms as the caller set it (named in the `TimeoutError`). */
  timeoutMs?: number;
  /** First wait before polling again, in ms. Defaults to 500. */
  initialDelayMs?: number;
  /** Longest wait between polls, in ms. Defaults to 5000. */
  maxDelayMs?: number;
  /** Shortest wait between polls, in ms (Stability asks for at most one poll per 10 s). Defaults to 0. */
  minDelayMs?: number;
  /** Growth of the wait after each pending poll. Defaults to 1.5. */
  backoff?: number;
  onProgress?: (progress: EditProgress) => void;
  /** For error messages. */
  provider: string;
  model?: string;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls until done. Past the deadline it raises `TimeoutError` and makes no further poll; an abort
 * raises the abort error at once, mid-wait included.
 *
 * @example
 * ```ts
 * const sample = await pollUntilDone({
 *   provider: 'black_forest_labs',
 *   signal,
 *   deadline,
 *   poll: async (signal) => {
 *     const { body } = await http.getJson(pollingUrl, { signal });
 *     return body.status === 'Ready' ? { done: true, value: body.result.sample } : { done: false, status: body.status };
 *   },
 * });
 * ```
 */
export async function pollUntilDone<T>(options: PollOptions<T>): Promise<T> {
  const started = Date.now();
  const deadline = options.deadline ?? started + 5 * 60_000;
  const call = startDeadline({ timeoutMs: deadline - started, signals: [options.signal] });
  try {
    return await pollLoop(options, call.signal, started, deadline);
  } finally {
    call.dispose();
  }
}

async function pollLoop<T>(
  options: PollOptions<T>,
  signal: AbortSignal,
  started: number,
  deadline: number,
): Promise<T> {
  // The task was submitted: a call cut off now may still be done, and billed, upstream.
  const ref = { provider: options.provider, model: options.model, reachedUpstream: true };
  let status: string | undefined;
  // Name the deadline and its unit, as the call's own TimeoutError does.
  const outOfTime = (reached: 'passed' | 'leaves no time for another poll') => {
    const limit =
      options.timeoutMs === undefined
        ? `the polling deadline of ${deadline - started} ms`
        : `the call's deadline of ${options.timeoutMs} ms`;
    const still = status === undefined ? 'had not answered' : `was still ${status}`;
    return new TimeoutError({
      message: `${options.provider}: the task ${still} after ${Date.now() - started} ms of polling; ${limit} ${reached}, so no further polls (${TIMEOUT_UNITS})`,
      ...ref,
    });
  };
  // The caller's abort (or its own deadline's) as it is; the poll loop's deadline as above.
  const stopped = () =>
    options.signal.aborted || !isTimeoutReason(signal.reason)
      ? abortError(options.signal.aborted ? options.signal : signal, ref)
      : outOfTime('passed');
  let delay = Math.max(options.initialDelayMs ?? 500, options.minDelayMs ?? 0);
  for (;;) {
    if (signal.aborted) throw stopped();
    let outcome: PollOutcome<T>;
    try {
      outcome = await options.poll(signal);
    } catch (error) {
      if (signal.aborted) throw stopped();
      throw error;
    }
    if (outcome.done) return outcome.value;
    status = outcome.status;
    options.onProgress?.({ status: outcome.status, elapsedMs: Date.now() - started });
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw outOfTime('passed');
    if (remaining < Math.min(delay, options.minDelayMs ?? 0))
      throw outOfTime('leaves no time for another poll');
    try {
      await sleep(Math.min(delay, remaining), signal);
    } catch {
      throw stopped();
    }
    delay = Math.max(
      options.minDelayMs ?? 0,
      Math.min(delay * (options.backoff ?? 1.5), options.maxDelayMs ?? 5000),
    );
  }
}
