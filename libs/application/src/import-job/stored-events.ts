import { eventIdentity, importJobStreamId, type ImportJobEvent } from '@import-jobs/domain';
import type { EventToAppend, JsonObject } from '@import-jobs/event-store';
import { storedEventId } from '../event-sourcing/stream-commands';

/** The stored form of a job's event: the same logical event always gets the same id. */
export function toEventToAppend(jobId: string, event: ImportJobEvent): EventToAppend {
  // Domain events are plain JSON by construction (strings, numbers, arrays, records).
  return { id: storedEventId(importJobStreamId(jobId), eventIdentity(event)), type: event.type, data: event.data as unknown as JsonObject };
}
