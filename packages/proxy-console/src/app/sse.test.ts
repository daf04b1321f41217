import { describe, expect, it } from '@jest/globals';
import { createEventStreamParser, type ServerSentEvent } from './sse.js';

function parse(chunks: string[]): ServerSentEvent[] {
  const seen: ServerSentEvent[] = [];
  const parser = createEventStreamParser((e) => seen.push(e));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return seen;
}

const partial =
  'event: image_edit.partial_image\ndata: {"type":"image_edit.partial_image","b64_json":"AAAA"}\n\n';
const completed = 'event: image_edit.completed\ndata: {"type":"image_edit.completed","b64_json":"BBBB"}\n\n';

describe('createEventStreamParser', () => {
  it('reads events whole, however the chunks cut them', () => {
    const text = partial + completed;
    const expected = [
      { event: 'image_edit.partial_image', data: '{"type":"image_edit.partial_image","b64_json":"AAAA"}' },
      { event: 'image_edit.completed', data: '{"type":"image_edit.completed","b64_json":"BBBB"}' },
    ];
    expect(parse([text])).toEqual(expected);
    expect(parse([...text])).toEqual(expected);
    expect(parse([text.slice(0, 40), text.slice(40, 101), text.slice(101)])).toEqual(expected);
  });

  it('takes CRLF and CR line ends, a CRLF cut between chunks included', () => {
    const crlf = 'event: error\r\ndata: {"a":1}\r\n\r\n';
    expect(parse([crlf.slice(0, 13), crlf.slice(13)])).toEqual([{ event: 'error', data: '{"a":1}' }]);
    expect(parse(['event: error\rdata: x\r\r'])).toEqual([{ event: 'error', data: 'x' }]);
  });

  it('joins data lines, skips comments, defaults the event name, drops an unfinished event', () => {
    expect(parse([': keep-alive\n\ndata: one\ndata: two\n\n', 'event: cut\ndata: half'])).toEqual([
      { event: 'message', data: 'one\ntwo' },
    ]);
  });
});
