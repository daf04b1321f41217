/**
 * Server-sent events, both ways: reading an upstream's `text/event-stream` body incrementally (with
 * the well-kept `eventsource-parser`, one event at a time, never the whole body), and writing one
 * event as OpenAI frames it (`event:` + `data:` lines).
 * @module
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One server-sent event. `event` is `undefined` when the server named none. */
export interface ServerSentEvent {
  event?: string;
  data: string;
  id?: string;
}

/**
 * The most characters one event may hold before the stream is refused: 128 Mi, room for the
 * base64 of the largest image any provider returns.
 */
export const MAX_EVENT_CHARS = 128 * 1024 * 1024;

/** Options of {@link readServerSentEvents}. */
export interface ReadEventsOptions {
  /** Largest event, in characters. Defaults to {@link MAX_EVENT_CHARS}. */
  maxEventChars?: number;
}

/**
 * Reads a `text/event-stream` body as it arrives, yielding each event once its blank line came.
 * Stopping early (`break`, `return()`) cancels the body, which releases the connection.
 *
 * @example
 * ```ts
 * const response = await fetch(url, { method: 'POST', body: form, signal });
 * for await (const message of readServerSentEvents(response.body!)) console.log(message.event, message.data);
 * ```
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  options: ReadEventsOptions = {},
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const ready: ServerSentEvent[] = [];
  let failure: Error | undefined;
  const parser = createParser({
    maxBufferSize: options.maxEventChars ?? MAX_EVENT_CHARS,
    onEvent: (message: EventSourceMessage) => ready.push(toEvent(message)),
    onError: (error) => {
      // Unknown fields are ignored, as EventSource does; only an oversized event ends the stream.
      if (error.type === 'max-buffer-size-exceeded') failure = error;
    },
  });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        parser.feed(`${decoder.decode()}`);
        // An event without its closing blank line is incomplete: the stream was cut, not ended.
        finished = true;
        yield* ready.splice(0);
        return;
      }
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      if (failure) throw failure;
      yield* ready.splice(0);
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function toEvent(message: EventSourceMessage): ServerSentEvent {
  const event: ServerSentEvent = { data: message.data };
  if (message.event !== undefined) event.event = message.event;
  if (message.id !== undefined) event.id = message.id;
  return event;
}

/**
 * One event as OpenAI sends it: `event: <type>`, one `data:` line of JSON, a blank line.
 *
 * @example
 * ```ts
 * formatServerSentEvent('image_edit.completed', { type: 'image_edit.completed', b64_json: '…' });
 * // 'event: image_edit.completed\ndata: {"type":"image_edit.completed","b64_json":"…"}\n\n'
 * ```
 */
export function formatServerSentEvent(event: string, data: unknown): string {
  // JSON.stringify escapes every line break, so the data is one line.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
