/**
 * OpenAI's image-edit stream events (`ImageEditStreamEvent` of the OpenAPI spec, field for field)
 * and {@link ImageEditStream}, the async iterable that `streamImageEdit()` and
 * `router.streamImageEdit()` return.
 * @module
 */
import { APIUserAbortError } from './errors.js';
import type { ImageEditResponse, ResponseMeta } from './normalize.js';
import type { ImageUsage } from './provider.js';

/** The fields both events share. */
interface ImageEditEventFields {
  /** Base64 of the image (partial or final). */
  b64_json: string;
  /** Unix seconds when the event was made. */
  created_at: number;
  /** `WxH` of the image, or `auto`. */
  size: string;
  /** `low`, `medium`, `high` or `auto`. */
  quality: string;
  /** `transparent`, `opaque` or `auto`. */
  background: string;
  /** `png`, `jpeg` or `webp`. */
  output_format: string;
}

/** `image_edit.partial_image`: a partial image while the edit runs (OpenAI models only). */
export interface ImageEditPartialImageEvent extends ImageEditEventFields {
  type: 'image_edit.partial_image';
  /** 0-based index of the partial image. */
  partial_image_index: number;
}

/**
 * `ImagesUsage` of OpenAI's spec: token usage whose `input_tokens_details` (the input's text and
 * image tokens) is always there.
 */
export type ImagesUsage = ImageUsage & {
  input_tokens_details: { text_tokens: number; image_tokens: number };
};

/**
 * `image_edit.completed`: one final image (one event per image when `n` > 1). `usage` is what the
 * upstream reported for it, in the spec's shape (`input_tokens_details` always set: where the
 * upstream does not split its input tokens they count as text); providers that report no tokens
 * send zeros. Where a provider reports one usage for the whole call it rides on the last completed
 * event (zeros on the others); OpenAI's own completed events are passed on as OpenAI sent them.
 */
export interface ImageEditCompletedEvent extends ImageEditEventFields {
  type: 'image_edit.completed';
  usage: ImagesUsage;
}

/** One event of a streamed edit. */
export type ImageEditStreamEvent = ImageEditPartialImageEvent | ImageEditCompletedEvent;

/** What is known of a streamed call once its first event arrived (cost and latency come at the end). */
export type ImageEditStreamMeta = Omit<ResponseMeta, 'costUsd' | 'latencyMs' | 'timeToFirstEventMs'> & {
  /** Milliseconds from the call's start to its first event. */
  timeToFirstEventMs: number;
};

/**
 * A streamed edit. Iterate it (once) for the events; `response()` resolves when the stream has
 * ended with the final `ImagesResponse` and its `_meta` (cost, latency, warnings). An error after
 * the first event ends the iteration with a `RetouchError`; leaving the loop early (`break`) or
 * `abort()` cancels the upstream request. Iterate it, call `response()` or `abort()`: an untouched
 * stream holds its upstream connection until the call's deadline.
 */
export interface ImageEditStream extends AsyncIterable<ImageEditStreamEvent> {
  /** Provider, model, attempts, warnings and time to the first event, known before any event is read. */
  readonly meta: ImageEditStreamMeta;
  /** The final response; reads the rest of the stream itself when nothing iterates it. */
  response(): Promise<ImageEditResponse>;
  /** Cancels the upstream request; the iteration and `response()` end with an `APIUserAbortError`. */
  abort(reason?: unknown): void;
}

/** What {@link createImageEditStream} builds a stream from. */
export interface ImageEditStreamSource {
  meta: ImageEditStreamMeta;
  /** The first event, already read. */
  first: ImageEditStreamEvent;
  /** The next event, or `undefined` once the stream has ended; throws a `RetouchError` if it broke. */
  next(): Promise<ImageEditStreamEvent | undefined>;
  /** Called once after the last event: the final response (or a `RetouchError`). */
  finish(): Promise<ImageEditResponse>;
  /**
   * Cancels the upstream call and releases what it holds; called when the stream stops early or
   * breaks (possibly more than once), never after `finish` succeeded.
   */
  cancel(reason: unknown): void;
}

/**
 * Builds an {@link ImageEditStream} from its parts: the first event (read before the stream is
 * handed out, so failures before it are thrown, and retried, as for an unstreamed call), a pull
 * for the rest and a finish for the final response.
 *
 * @example
 * ```ts
 * const stream = createImageEditStream({ meta, first, next: () => pull(), finish: () => final(), cancel: (r) => stop.abort(r) });
 * for await (const event of stream) console.log(event.type);
 * ```
 */
export function createImageEditStream(source: ImageEditStreamSource): ImageEditStream {
  let settle!: { resolve: (r: ImageEditResponse) => void; reject: (e: unknown) => void };
  const done = new Promise<ImageEditResponse>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may be waiting for the response: its failure must not become an unhandled rejection.
  done.catch(() => undefined);
  let started = false;
  let ended = false;
  let cancelled: unknown;

  const stop = (error: APIUserAbortError) => {
    if (ended) return;
    ended = true;
    settle.reject(error);
    source.cancel(error);
  };

  async function* events(): AsyncGenerator<ImageEditStreamEvent, void, undefined> {
    try {
      if (cancelled !== undefined) throw cancelled;
      yield source.first;
      for (;;) {
        if (cancelled !== undefined) throw cancelled;
        const event = await source.next();
        if (event === undefined) break;
        yield event;
      }
      const response = await source.finish();
      ended = true;
      settle.resolve(response);
    } catch (error) {
      if (!ended) {
        ended = true;
        settle.reject(error);
        source.cancel(error);
      }
      throw error;
    } finally {
      // The consumer left the loop early (`break`, `return()`): cancel the upstream.
      stop(new APIUserAbortError({ message: 'the stream was left before it ended' }));
    }
  }

  return {
    meta: source.meta,
    [Symbol.asyncIterator]() {
      if (started) throw new Error('an ImageEditStream can be iterated once; use response() for the result');
      started = true;
      return events();
    },
    response() {
      if (!started) {
        started = true;
        void (async () => {
          for await (const _event of events()) {
            // Read to the end: the response is built from the completed events.
          }
        })().catch(() => undefined);
      }
      return done;
    },
    abort(reason) {
      const error = new APIUserAbortError({ message: 'Request was aborted.', cause: reason });
      if (!ended && cancelled === undefined) cancelled = error;
      stop(error);
    },
  };
}
