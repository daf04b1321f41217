/**
 * Call deadlines that garbage collection cannot lose. On Node 20 a signal from `AbortSignal.timeout`
 * or `AbortSignal.any`, or one linked through `new Request()`, may be collected while a call still
 * waits on it (nodejs/node#57736, nodejs/undici#4068); the call then hangs until undici's own 300 s
 * timeouts. A {@link CallDeadline} instead owns a plain timer and an `AbortController` that the timer
 * and every linked parent signal hold strongly until {@link CallDeadline.dispose} is called, which
 * clears the timer and unlinks the parents so nothing accumulates on long-lived signals.
 * @module
 */

/**
 * The default deadline of one upstream attempt, in milliseconds: 240 s. It covers the whole attempt
 * (connect, headers, body, polling and result downloads) and sits below undici's 300 s headers and
 * body timeouts, so a hung call is ended by this deadline, with a clear `TimeoutError`, never by
 * undici's. Override it with the request's `timeout`, a provider's `timeout` setting or a router
 * deployment's `timeout`.
 *
 * @example
 * ```ts
 * DEFAULT_TIMEOUT_MS; // 240000
 * ```
 */
export const DEFAULT_TIMEOUT_MS = 240_000;

/** Longest delay `setTimeout` takes; longer ones fire at once (with a warning). About 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link startDeadline}. */
export interface DeadlineOptions {
  /** Milliseconds from now until the call must end; `undefined` for no deadline (parents only). */
  timeoutMs?: number;
  /** Signals that also end the call (the caller's, an enclosing call's); `undefined`s are skipped. */
  signals?: readonly (AbortSignal | undefined)[];
}

/** A call's own deadline and abort signal. */
export interface CallDeadline {
  /** Aborts when the deadline passes (reason: a `TimeoutError` DOMException) or a parent aborts (its reason). */
  readonly signal: AbortSignal;
  /** Epoch milliseconds by which the call must end, or `undefined` when it has no deadline. */
  readonly deadline: number | undefined;
  /** Milliseconds left before the deadline (`Infinity` without one; 0 once passed). */
  remainingMs(): number;
  /** Clears the timer and unlinks from the parent signals. Safe to call more than once. */
  dispose(): void;
  /** Aborts the call now with `reason` (as a parent's abort would) and disposes of the deadline. */
  abort(reason: unknown): void;
}

/** The abort reason of a passed deadline: named `TimeoutError`, as `AbortSignal.timeout`'s is. */
export interface DeadlineReason extends DOMException {
  readonly timeoutMs: number;
}

/**
 * Whether an abort reason is a passed deadline (ours, `AbortSignal.timeout`'s, or a `TimeoutError`).
 *
 * @example
 * ```ts
 * if (isTimeoutReason(signal.reason)) console.log('deadline passed');
 * ```
 */
export function isTimeoutReason(reason: unknown): boolean {
  return (reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
}

/**
 * What every timeout message adds after the deadline it names: config.yaml's timeouts are seconds
 * and a request's are milliseconds, so a `timeout: 30` meant as seconds shows at once.
 */
export const TIMEOUT_UNITS =
  'timeouts are milliseconds in the SDK, seconds in config.yaml and proxy requests';

function deadlineReason(timeoutMs: number): DeadlineReason {
  const reason = new DOMException(
    `the call's deadline of ${timeoutMs} ms passed (${TIMEOUT_UNITS})`,
    'TimeoutError',
  ) as DOMException & { timeoutMs: number };
  reason.timeoutMs = timeoutMs;
  return reason;
}

/**
 * Starts a deadline for one call. Always `dispose()` it when the call ends (`try`/`finally`).
 *
 * @example
 * ```ts
 * const call = startDeadline({ timeoutMs: 30_000, signals: [callerSignal] });
 * try {
 *   return await fetch(url, { signal: call.signal });
 * } finally {
 *   call.dispose();
 * }
 * ```
 */
export function startDeadline(options: DeadlineOptions = {}): CallDeadline {
  const controller = new AbortController();
  const parents = (options.signals ?? []).filter((s): s is AbortSignal => s !== undefined);
  const { timeoutMs } = options;
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unlinks: (() => void)[] = [];

  const dispose = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const unlink of unlinks.splice(0)) unlink();
  };
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
    dispose();
  };

  const alreadyAborted = parents.find((parent) => parent.aborted);
  if (alreadyAborted) abort(alreadyAborted.reason);
  else if (timeoutMs !== undefined && timeoutMs <= 0) abort(deadlineReason(Math.max(0, timeoutMs)));
  else {
    for (const parent of parents) {
      // The parent holds this listener, and the listener the controller: strong for the call's life.
      const onAbort = () => abort(parent.reason);
      parent.addEventListener('abort', onAbort, { once: true });
      unlinks.push(() => parent.removeEventListener('abort', onAbort));
    }
    if (timeoutMs !== undefined) {
      // A pending timer is a GC root, and it holds the controller.
      timer = setTimeout(() => abort(deadlineReason(timeoutMs)), Math.min(timeoutMs, MAX_TIMER_MS));
    }
  }

  return {
    signal: controller.signal,
    deadline,
    remainingMs: () =>
      deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, deadline - Date.now()),
    dispose,
    abort,
  };
}

/**
 * Runs `call` under its own deadline and disposes of it when the call settles.
 *
 * @example
 * ```ts
 * const body = await withDeadline({ timeoutMs: 5_000, signals: [signal] }, ({ signal }) =>
 *   fetch(url, { signal }).then((r) => r.json()),
 * );
 * ```
 */
export async function withDeadline<T>(
  options: DeadlineOptions,
  call: (deadline: CallDeadline) => Promise<T>,
): Promise<T> {
  const deadline = startDeadline(options);
  try {
    return await call(deadline);
  } finally {
    deadline.dispose();
  }
}

/** The earlier of the call's deadline and a provider's own, with the length of the one that wins. */
function earlierDeadline(
  options: { deadline?: number; timeoutMs?: number },
  own: number,
  ownTimeoutMs: number,
): { deadline: number; timeoutMs?: number } {
  if (options.deadline !== undefined && options.deadline <= own) {
    return options.timeoutMs === undefined
      ? { deadline: options.deadline }
      : { deadline: options.deadline, timeoutMs: options.timeoutMs };
  }
  return { deadline: own, timeoutMs: ownTimeoutMs };
}

/**
 * Narrows a provider call's options to a provider's own `timeout` setting: the signal also aborts
 * after `timeoutMs`, and `deadline` is the earlier of the two. Without `timeoutMs`, `call` gets the
 * options as they are.
 *
 * @example
 * ```ts
 * async imageEdit(request, options) {
 *   return withProviderTimeout(options, settings.timeout, (options) => openAIImageEdit(http, request, options));
 * }
 * ```
 */
export function withProviderTimeout<
  O extends { signal: AbortSignal; deadline?: number; timeoutMs?: number },
  T,
>(options: O, timeoutMs: number | undefined, call: (options: O) => Promise<T>): Promise<T> {
  if (timeoutMs === undefined) return call(options);
  return withDeadline({ timeoutMs, signals: [options.signal] }, (own) =>
    call({ ...options, signal: own.signal, ...earlierDeadline(options, own.deadline as number, timeoutMs) }),
  );
}

/**
 * {@link withProviderTimeout} for a streamed call: the provider's own deadline covers the whole
 * stream and is released when its `events` end (or the reader leaves them), not when the stream starts.
 *
 * @example
 * ```ts
 * async streamImageEdit(request, options) {
 *   return withProviderStreamTimeout(options, settings.timeout, (options) => openAIStreamImageEdit(http, request, options));
 * }
 * ```
 */
export async function withProviderStreamTimeout<
  O extends { signal: AbortSignal; deadline?: number; timeoutMs?: number },
  E,
  T extends { events: AsyncIterable<E> },
>(options: O, timeoutMs: number | undefined, call: (options: O) => Promise<T>): Promise<T> {
  if (timeoutMs === undefined) return call(options);
  const own = startDeadline({ timeoutMs, signals: [options.signal] });
  let stream: T;
  try {
    stream = await call({
      ...options,
      signal: own.signal,
      ...earlierDeadline(options, own.deadline as number, timeoutMs),
    });
  } catch (error) {
    own.dispose();
    throw error;
  }
  const events = stream.events;
  async function* held(): AsyncGenerator<E, void, undefined> {
    try {
      yield* events;
    } finally {
      own.dispose();
    }
  }
  return { ...stream, events: held() };
}
