import { splitEventType, type ImportJobEvent } from '@import-jobs/domain';
import type { RecordedEvent } from '@import-jobs/event-store';
import type { OutgoingMessage } from '@import-jobs/messaging';

/**
 * The public form of a job's event on the job-events topic. Its `type` and `version` come from the
 * stored type (`PieceCompleted.v1` → `PieceCompleted`, 1), so the two never drift apart; `data` is
 * the stored event's data, a documented contract from version 1 on.
 */
export interface JobIntegrationEvent {
  readonly type: string;
  readonly version: number;
  readonly eventId: string;
  readonly jobId: string;
  /** The event's place in its job's stream: consumers can order and de-duplicate by it too. */
  readonly sequence: number;
  readonly occurredAt: string;
  readonly data: ImportJobEvent['data'];
}

/** Header with the stored event id, so that consumers can drop a redelivered event. */
export const eventIdHeader = 'import-jobs-event-id';
export const eventTypeHeader = 'import-jobs-event-type';

export function toJobIntegrationMessage(topic: string, event: ImportJobEvent, recorded: RecordedEvent): OutgoingMessage {
  const { name, version } = splitEventType(event.type);
  const body: JobIntegrationEvent = {
    type: name,
    version,
    eventId: recorded.id,
    jobId: event.data.jobId,
    sequence: Number(recorded.streamRevision),
    occurredAt: event.data.occurredAt,
    data: event.data,
  };
  return {
    topic,
    // Keyed by job: every event of one job lands in one partition, in order.
    key: event.data.jobId,
    value: JSON.stringify(body),
    headers: { [eventIdHeader]: recorded.id, [eventTypeHeader]: body.type },
  };
}
