/** One Server-Sent Event as a client assembles it from its fields. */
export interface ServerSentEvent {
  readonly id: string | undefined;
  readonly type: string;
  readonly data: string;
}

export interface SseConnection {
  readonly status: number;
  readonly contentType: string | null;
  /** Each event as it arrives; ends when the server ends the stream. */
  readonly events: AsyncGenerator<ServerSentEvent>;
  /** Drops the connection, as a client that goes away does. */
  close(): void;
}

/** Opens a stream with fetch, as the status page does, so that it can send an Authorization header. */
export async function openSse(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<SseConnection> {
  const controller = new AbortController();
  const abort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events: response.body ? parse(response.body) : parse(new ReadableStream({ start: (stream) => stream.close() })),
    close: () => {
      signal.removeEventListener('abort', abort);
      controller.abort();
    },
  };
}

/** The event-stream format: fields up to a blank line, comments ignored, `data` lines joined. */
async function* parse(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffered = '';
  let event: { id?: string; type?: string; data: string[] } = { data: [] };
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split(/\r\n|\r|\n/);
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (event.data.length > 0) yield { id: event.id, type: event.type ?? 'message', data: event.data.join('\n') };
        event = { data: [] };
        continue;
      }
      const colon = line.indexOf(':');
      if (colon === 0) continue;
      const [field, value] = colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
      if (field === 'data') event.data.push(value);
      else if (field === 'id') event.id = value;
      else if (field === 'event') event.type = value;
    }
  }
}
