import { eventIdentity, importJobStreamId, type ImportJobEvent } from '@import-jobs/domain';
import type { EventToAppend, JsonObject } from '@import-jobs/event-store';
import { uuidV5 } from './uuid-v5';

/** The stored id of a job's event: the same logical event always gets the same id. */
export function importJobEventId(jobId: string, event: ImportJobEvent): string {
  return uuidV5(`${importJobStreamId(jobId)}/${eventIdentity(event)}`);
}

export function toEventToAppend(jobId: string, event: ImportJobEvent): EventToAppend {
  // Domain events are plain JSON by construction (strings, numbers, arrays, records).
  return { id: importJobEventId(jobId, event), type: event.type, data: event.data as unknown as JsonObject };
}
