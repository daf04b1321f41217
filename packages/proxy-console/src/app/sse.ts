/**
 * A reader of `text/event-stream` as the proxy writes it (`event:` and `data:` lines, a blank line
 * after each event), fed chunk by chunk as they arrive — an event may span chunks, and a chunk may
 * hold several events. Pure, so that it is tested without a browser.
 */

/** One server-sent event. */
export interface ServerSentEvent {
  /** The `event:` field; `message` when absent (the SSE default). */
  event: string;
  /** The `data:` lines, joined by newlines. */
  data: string;
}

/**
 * A parser: `push` each decoded chunk, `end` once the body is over; `onEvent` gets each complete
 * event in order.
 *
 * @example
 * ```ts
 * const parser = createEventStreamParser((e) => console.log(e.event, JSON.parse(e.data)));
 * parser.push('event: image_edit.completed\ndata: {"type":');
 * parser.push('"image_edit.completed"}\n\n'); // logs image_edit.completed {…}
 * parser.end();
 * ```
 */
export function createEventStreamParser(onEvent: (event: ServerSentEvent) => void): {
  push(chunk: string): void;
  end(): void;
} {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  const dispatch = () => {
    if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n') });
    event = '';
    data = [];
  };
  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // a comment (keep-alive)
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };
  return {
    push(chunk) {
      buffer += chunk;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
        if (!match || (match[0] === '\r' && match.index === buffer.length - 1)) break;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
    end() {
      // A \r held back for a \n that never came ended its line.
      if (buffer.endsWith('\r')) line(buffer.slice(0, -1));
      buffer = '';
      // An event without its closing blank line is incomplete: dropped, as the SSE spec says.
      event = '';
      data = [];
    },
  };
}
