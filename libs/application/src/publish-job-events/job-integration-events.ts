import { splitEventType, type StoredImportJobEvent } from '@import-jobs/domain';
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
  /** The stored event's data; abridged (see `dataAbridged`) when it would not fit in one Kafka message. */
  readonly data: StoredImportJobEvent['data'] | AbridgedData;
  /** Set when fields of `data` were too large to publish: the history API (`/v1/imports/:id/events`) has them whole. */
  readonly dataAbridged?: true;
}

/** A field too large to publish, as it stands in an abridged event: what it was, not what it held. */
export interface OmittedField {
  readonly omitted: true;
  readonly bytes: number;
  /** For a list (a plan's pieces), how many items it held. */
  readonly items?: number;
}

export type AbridgedData = Readonly<Record<string, unknown>>;

/**
 * Kafka refuses a message over the broker's `message.max.bytes` (1 MB by default) on every retry,
 * which would stop the publisher on that event for good: an event whose JSON is larger than this is
 * published abridged. Its envelope, key and headers take the rest of the megabyte.
 */
export const maxIntegrationEventBytes = 900 * 1024;
/** Fields up to this size are kept in an abridged event; only larger ones are replaced. */
const maxKeptFieldBytes = 16 * 1024;

function abridged(data: StoredImportJobEvent['data']): AbridgedData {
  return Object.fromEntries(
    Object.entries(data).map(([field, value]) => {
      const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
      if (bytes <= maxKeptFieldBytes) return [field, value];
      const omitted: OmittedField = { omitted: true, bytes, ...(Array.isArray(value) && { items: value.length }) };
      return [field, omitted];
    }),
  );
}

/** Header with the stored event id, so that consumers can drop a redelivered event. */
export const eventIdHeader = 'import-jobs-event-id';
export const eventTypeHeader = 'import-jobs-event-type';

export function toJobIntegrationMessage(topic: string, event: StoredImportJobEvent, recorded: RecordedEvent): OutgoingMessage {
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
  const whole = JSON.stringify(body);
  const value = Buffer.byteLength(whole) <= maxIntegrationEventBytes ? whole : JSON.stringify({ ...body, data: abridged(event.data), dataAbridged: true });
  return {
    topic,
    // Keyed by job: every event of one job lands in one partition, in order.
    key: event.data.jobId,
    value,
    headers: { [eventIdHeader]: recorded.id, [eventTypeHeader]: body.type },
  };
}
