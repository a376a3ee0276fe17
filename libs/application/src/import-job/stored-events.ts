import { eventIdentity, importJobStreamId, isImportJobEvent, type ImportJobEvent } from '@import-jobs/domain';
import type { EventToAppend, JsonObject, RecordedEvent } from '@import-jobs/event-store';
import { uuidV5 } from './uuid-v5';

/** The stored id of a job's event: the same logical event always gets the same id. */
export function importJobEventId(jobId: string, event: ImportJobEvent): string {
  return uuidV5(`${importJobStreamId(jobId)}/${eventIdentity(event)}`);
}

export function toEventToAppend(jobId: string, event: ImportJobEvent): EventToAppend {
  // Domain events are plain JSON by construction (strings, numbers, arrays, records).
  return { id: importJobEventId(jobId, event), type: event.type, data: event.data as unknown as JsonObject };
}

/** The domain event a stored one holds; undefined for an event of another kind in the same store. */
export function toImportJobEvent(recorded: Pick<RecordedEvent, 'type' | 'data'>): ImportJobEvent | undefined {
  const candidate = { type: recorded.type, data: recorded.data };
  return isImportJobEvent(candidate) ? (candidate as unknown as ImportJobEvent) : undefined;
}
