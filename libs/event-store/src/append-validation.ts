import type { EventToAppend, ExpectedRevision } from './event-store';
import { AppendTooLargeError, InvalidAppendError, type AppendSize } from './errors';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The most one append may weigh, counted as EventStoreDB counts it against its `MaxAppendSize`
 * (default 1,048,576 bytes for the whole append, not per event): the UTF-8 bytes of each event's
 * data and metadata plus two bytes per character of its type. An append within it is taken by an
 * EventStoreDB with default settings and by PostgreSQL (whose limit, 1 GB a value, is far above).
 * Refused before any I/O, because the server would refuse it the same way on every retry.
 */
export const maxAppendBytes = 1_048_576;

/** An event's data and metadata as the JSON text that is stored, whose size was checked. */
export interface SerializedEvent {
  readonly data: string;
  readonly metadata: string;
}

export interface WeighedAppend {
  readonly serialized: readonly SerializedEvent[];
  readonly size: AppendSize;
}

/**
 * Rejects appends that no store could accept, before any I/O, so that both adapters fail the same
 * way. Ids must be lower-case UUIDs: both stores give ids back in that form, and an idempotency key
 * that changes its spelling on the way through would no longer match itself.
 *
 * @returns the events' JSON text, which weighing them had to produce (an adapter that stores text
 *   writes it rather than serialize each event twice), and the append's size.
 */
export function validateAppend(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): WeighedAppend {
  if (streamId.length === 0) throw new InvalidAppendError(streamId, 'the stream id is empty');
  if (typeof expected === 'bigint' && expected < 0n) throw new InvalidAppendError(streamId, `expected revision ${expected} is negative`);
  if (events.length === 0) throw new InvalidAppendError(streamId, 'no events');
  const seen = new Set<string>();
  for (const event of events) {
    if (!uuid.test(event.id)) throw new InvalidAppendError(streamId, `event id ${JSON.stringify(event.id)} is not a lower-case UUID`);
    if (seen.has(event.id)) throw new InvalidAppendError(streamId, `event id ${event.id} appears twice`);
    if (event.type.length === 0) throw new InvalidAppendError(streamId, `event ${event.id} has no type`);
    seen.add(event.id);
  }
  return serializeWithinLimit(streamId, events);
}

function serializeWithinLimit(streamId: string, events: readonly EventToAppend[]): WeighedAppend {
  let appendBytes = 0;
  let largest = { id: '', bytes: 0 };
  const serialized = events.map((event) => {
    // JSON.stringify escapes lone surrogates, so its output is well-formed and byteLength exact.
    const text = { data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata ?? {}) };
    const bytes = Buffer.byteLength(text.data, 'utf8') + Buffer.byteLength(text.metadata, 'utf8') + 2 * event.type.length;
    appendBytes += bytes;
    if (bytes > largest.bytes) largest = { id: event.id, bytes };
    return text;
  });
  const size = { appendBytes, events: events.length, largestEventId: largest.id, largestEventBytes: largest.bytes, limitBytes: maxAppendBytes };
  if (appendBytes > maxAppendBytes) throw new AppendTooLargeError(streamId, size);
  return { serialized, size };
}
