import type { EventStore, RecordedEvent } from '@import-jobs/event-store';

/**
 * A job's stream is read whole for every command and every piece a worker admits, and it holds the
 * plan: a job of n pieces read n times would move n² plan bytes out of the store. Stored events
 * never change and a stream's revisions are dense (each append names the revision it follows), so
 * the events read before are a prefix of the stream: only the events after them are read again.
 *
 * The cache is per process and holds the streams read last; every read still asks the store for
 * what follows, so appends by other processes are seen as soon as the store shows them.
 */
export function withStreamTailReads(store: EventStore, maxStreams = 64): EventStore {
  const cached = new Map<string, readonly RecordedEvent[]>();

  const remember = (streamId: string, events: readonly RecordedEvent[]): void => {
    // Two reads of one stream may finish in either order: the longer one is the newer.
    if ((cached.get(streamId)?.length ?? 0) > events.length) return;
    cached.delete(streamId);
    cached.set(streamId, events);
    // A Map keeps insertion order: its first key is the stream read least recently.
    if (cached.size > maxStreams) cached.delete(cached.keys().next().value!);
  };

  const readWhole = async (streamId: string): Promise<RecordedEvent[]> => {
    const known = cached.get(streamId) ?? [];
    const last = known.at(-1);
    const tail = await store.readStream(streamId, last === undefined ? {} : { fromRevision: last.streamRevision + 1n });
    const events = [...known, ...tail];
    if (events.length > 0) remember(streamId, events);
    return events;
  };

  return {
    appendToStream: (streamId, events, options) => store.appendToStream(streamId, events, options),
    readStream: (streamId, options = {}) =>
      options.fromRevision === undefined && options.maxCount === undefined ? readWhole(streamId) : store.readStream(streamId, options),
    readLastEvent: (streamId) => store.readLastEvent(streamId),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    checkpoints: store.checkpoints,
    close: () => store.close(),
  };
}
