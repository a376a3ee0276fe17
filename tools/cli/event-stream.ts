/** One dispatched Server-Sent Event. */
export interface ServerSentEvent {
  /** `message` unless the event named its type with `event:`. */
  readonly type: string;
  readonly data: string;
  /** The last `id:` the stream has set, at or before this event; what a reconnection sends as `Last-Event-ID`. */
  readonly lastEventId: string;
}

/**
 * Parses `text/event-stream` bytes as the HTML standard's EventSource does, chunk by chunk however
 * the network splits them: a line may end in CRLF, LF or CR (a CRLF split across two chunks is one
 * line end), `data:` lines join with line breaks, comments are skipped, an `id:` holding NUL is
 * ignored, `retry:` takes digits only, and an event not closed by a blank line when the stream ends
 * is never dispatched.
 */
export class EventStreamParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffered = '';
  /** The previous chunk ended in CR: an LF opening the next one ends the same line. */
  private afterCarriageReturn = false;
  private type = '';
  private data: string[] = [];
  private idBuffer = '';
  private retry: number | undefined;

  private dispatchedId = '';

  /** What a reconnection sends as `Last-Event-ID`: the `id:` of the last dispatched event (or blank line). */
  get lastEventId(): string {
    return this.dispatchedId;
  }

  /** The reconnection delay the server asked for with `retry:`, in milliseconds. */
  get retryMs(): number | undefined {
    return this.retry;
  }

  /** The events this chunk completes, in order. */
  push(chunk: Uint8Array): ServerSentEvent[] {
    let text = this.decoder.decode(chunk, { stream: true });
    if (this.afterCarriageReturn && text.length > 0) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.afterCarriageReturn = false;
    }
    if (text.length > 0) this.afterCarriageReturn = text.endsWith('\r');
    this.buffered += text;
    const events: ServerSentEvent[] = [];
    const lineEnds = /\r\n|\r|\n/g;
    let start = 0;
    for (let found = lineEnds.exec(this.buffered); found !== null; found = lineEnds.exec(this.buffered)) {
      const event = this.line(this.buffered.slice(start, found.index));
      if (event) events.push(event);
      start = lineEnds.lastIndex;
    }
    this.buffered = this.buffered.slice(start);
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const rawValue = colon === -1 ? '' : line.slice(colon + 1);
    const value = rawValue.startsWith(' ') ? rawValue.slice(1) : rawValue;
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        // Unknown fields are ignored, so that servers can add some.
        break;
    }
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    this.dispatchedId = this.idBuffer;
    const [type, data] = [this.type, this.data];
    this.type = '';
    this.data = [];
    if (data.length === 0) return undefined;
    return { type: type || 'message', data: data.join('\n'), lastEventId: this.dispatchedId };
  }
}
