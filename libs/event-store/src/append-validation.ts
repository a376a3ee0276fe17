import type { EventToAppend, ExpectedRevision } from './event-store';
import { InvalidAppendError } from './errors';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Rejects appends that no store could accept, before any I/O, so that both adapters fail the same
 * way. Ids must be lower-case UUIDs: both stores give ids back in that form, and an idempotency key
 * that changes its spelling on the way through would no longer match itself.
 */
export function validateAppend(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): void {
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
}
