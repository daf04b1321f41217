/**
 * How a streamed call crosses the chain. The attempt step runs core's `runImageEditStream`, which
 * resolves at the first event (so every failure before it is retried or falls back like any
 * other), and hands the started stream over to the caller's reader; the step then waits, holding
 * its in-flight count and the budget link its hold, until the reader has read it to the end
 * (or it broke, or the reader left). Nothing after the first event is ever retried.
 * @module
 */
import {
  APIUserAbortError,
  createImageEditStream,
  type ImageEditResponse,
  type ImageEditStream,
  RetouchError,
} from '@retouch/core';

/** What the router adds to a started stream's `meta`. */
export interface StreamStartInfo {
  deploymentId: string;
  modelGroup: string;
  attempts: number;
  /** The call's warnings so far (failed attempts, fallbacks). */
  warnings: readonly string[];
  /** Milliseconds from the router call's start to the first event. */
  timeToFirstEventMs: number;
}

/**
 * The meeting point of one streamed call's attempt step and its reader.
 *
 * @example
 * ```ts
 * const handoff = new StreamHandoff();
 * // attempt step:  const coreResponse = await handoff.deliver(stream, info);
 * // reader:        const { stream, info } = await handoff.delivered;  …  handoff.finished(await stream.response());
 * ```
 */
export class StreamHandoff {
  /** Resolves when an attempt delivered its started stream. */
  readonly delivered: Promise<{ stream: ImageEditStream; info: StreamStartInfo }>;
  #deliver!: (value: { stream: ImageEditStream; info: StreamStartInfo }) => void;
  #settle?: { resolve: (response: ImageEditResponse) => void; reject: (error: RetouchError) => void };
  #outcome?: { response: ImageEditResponse } | { error: RetouchError };

  constructor() {
    this.delivered = new Promise((resolve) => {
      this.#deliver = resolve;
    });
  }

  /** Whether an attempt already delivered (then no other attempt may start). */
  get isDelivered(): boolean {
    return this.#settle !== undefined;
  }

  /**
   * Hands a started stream to the reader; resolves with core's final response once the reader read
   * it all, rejects with the error that ended it (a break mid-stream, a cancel by the reader).
   */
  deliver(stream: ImageEditStream, info: StreamStartInfo): Promise<ImageEditResponse> {
    const ended = new Promise<ImageEditResponse>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    const outcome = this.#outcome;
    if (outcome) {
      if ('response' in outcome) this.#settle?.resolve(outcome.response);
      else this.#settle?.reject(outcome.error);
    }
    this.#deliver({ stream, info });
    return ended;
  }

  /** The reader read the stream to its end. */
  finished(response: ImageEditResponse): void {
    this.#outcome ??= { response };
    this.#settle?.resolve(response);
  }

  /** The stream broke, or the reader left it or aborted it. */
  failed(error: RetouchError): void {
    this.#outcome ??= { error };
    this.#settle?.reject(error);
  }
}

/**
 * The caller's side of a streamed router call: waits for the first attempt that delivers (or the
 * call's failure before any), then reads that stream through, so the chain learns how it ended.
 * The stream's `meta` and final `_meta` are the router's (deployment, group, attempts, warnings,
 * time to the first event since the call began).
 *
 * @example
 * ```ts
 * const stream = await readHandoff(handoff, chainPromise, (reason) => stop.abort(reason));
 * ```
 */
export async function readHandoff(
  handoff: StreamHandoff,
  call: Promise<ImageEditResponse>,
  cancel: (reason: unknown) => void,
): Promise<ImageEditStream> {
  const ended = call.then(
    () => {
      throw new Error('router chain: the call ended without delivering its stream');
    },
    (error: unknown) => {
      throw error;
    },
  );
  const { stream, info } = await Promise.race([handoff.delivered, ended]);
  const events = stream[Symbol.asyncIterator]();
  const first = await events.next();
  if (first.done) throw new Error('router chain: a delivered stream has no first event');
  return createImageEditStream({
    meta: {
      ...stream.meta,
      deploymentId: info.deploymentId,
      modelGroup: info.modelGroup,
      attempts: info.attempts,
      warnings: [...info.warnings, ...stream.meta.warnings],
      timeToFirstEventMs: info.timeToFirstEventMs,
    },
    first: first.value,
    async next() {
      const step = await events.next();
      return step.done ? undefined : step.value;
    },
    async finish() {
      handoff.finished(await stream.response());
      // The router's response: spend recorded, budget settled, callbacks told.
      return call;
    },
    cancel(reason) {
      const error = RetouchError.isInstance(reason)
        ? reason
        : new APIUserAbortError({ message: 'the stream was cancelled', cause: reason });
      handoff.failed(error);
      stream.abort(reason);
      if (error instanceof APIUserAbortError) cancel(error);
    },
  });
}
