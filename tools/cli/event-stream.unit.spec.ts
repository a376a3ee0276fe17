import { EventStreamParser } from './event-stream';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Every event of the stream, fed in the given pieces. */
function parse(...chunks: Array<string | Uint8Array>): { events: ReturnType<EventStreamParser['push']>; parser: EventStreamParser } {
  const parser = new EventStreamParser();
  const events = chunks.flatMap((chunk) => parser.push(typeof chunk === 'string' ? bytes(chunk) : chunk));
  return { events, parser };
}

describe('EventStreamParser', () => {
  it('reads an event with its type, id and data, as the service sends it', () => {
    const { events, parser } = parse('\nevent: progress\nid: 5\ndata: {"version":5}\n\n');

    expect(events).toEqual([{ type: 'progress', data: '{"version":5}', lastEventId: '5' }]);
    expect(parser.lastEventId).toBe('5');
  });

  it('joins several data lines with line breaks, and calls an untyped event a message', () => {
    const { events } = parse('data: first\ndata:second\ndata\ndata:  indented\n\n');

    expect(events).toEqual([{ type: 'message', data: 'first\nsecond\n\n indented', lastEventId: '' }]);
  });

  it('skips comments, such as keep-alives, and fields it does not know', () => {
    const { events } = parse(': keep-alive\n\n:another\nfoo: bar\ndata: x\n: in the middle\n\n');

    expect(events).toEqual([{ type: 'message', data: 'x', lastEventId: '' }]);
  });

  it('ends lines at CRLF, LF or CR, including a CRLF split between two chunks', () => {
    const { events } = parse('data: a\r\n\r\ndata: b\r\rdata: c\r', '\n\r', '\ndata: d\n\n');

    expect(events.map((event) => event.data)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps an event whose bytes, even a character’s, arrive in many chunks', () => {
    const text = bytes('id: 7\ndata: café ✓\n\n');
    const oneByteAtATime = Array.from(text, (byte) => Uint8Array.of(byte));

    const { events } = parse(...oneByteAtATime);

    expect(events).toEqual([{ type: 'message', data: 'café ✓', lastEventId: '7' }]);
  });

  it('keeps the last id for later events, ignores one holding NUL, and lets an empty id reset it', () => {
    const { events, parser } = parse('id: 1\ndata: a\n\ndata: b\n\nid: 2\u0000\ndata: c\n\nid\ndata: d\n\n');

    expect(events.map((event) => [event.data, event.lastEventId])).toEqual([
      ['a', '1'],
      ['b', '1'],
      ['c', '1'],
      ['d', ''],
    ]);
    expect(parser.lastEventId).toBe('');
  });

  it('takes an id from a blank line that dispatches no data, but not from an event cut off before its blank line', () => {
    const { events, parser } = parse('id: 3\n\nid: 4\ndata: cut off');

    expect(events).toEqual([]);
    expect(parser.lastEventId).toBe('3');
  });

  it('takes a retry of digits only', () => {
    expect(parse('retry: 2500\n\n').parser.retryMs).toBe(2500);
    expect(parse('retry: 2500\nretry: soon\nretry: 1.5\n\n').parser.retryMs).toBe(2500);
    expect(parse(': none\n\n').parser.retryMs).toBeUndefined();
  });

  it('resets the type after each event and drops a leading byte order mark', () => {
    const { events } = parse(Uint8Array.of(0xef, 0xbb, 0xbf), 'event: progress\ndata: 1\n\ndata: 2\n\n');

    expect(events.map((event) => event.type)).toEqual(['progress', 'message']);
  });
});
