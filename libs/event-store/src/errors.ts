import type { ExpectedRevision } from './event-store';

/** Every error the adapters raise on purpose; driver errors are translated into these at the edge. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  /** Whether the same call may succeed if simply repeated later. */
  abstract readonly retriable: boolean;

  protected constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Not retriable as is: reload the stream, decide again, and append with the new revision. */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION';
  readonly retriable = false;

  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
    options?: ErrorOptions,
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)}, but it is ${String(actual)}`, options);
  }
}

/** Some of an append's event ids are already stored, but not as that same batch in that stream. */
export class EventIdConflictError extends EventStoreError {
  readonly code = 'EVENT_ID_CONFLICT';
  readonly retriable = false;

  constructor(
    readonly streamId: string,
    readonly eventIds: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`Append to ${streamId} is neither new nor a retry: already stored event ids ${eventIds.join(', ')}`, options);
  }
}

/** A programmer error in the append itself; checked before the store is called. */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'INVALID_APPEND';
  readonly retriable = false;

  constructor(
    readonly streamId: string,
    reason: string,
  ) {
    super(`Invalid append to ${streamId}: ${reason}`);
  }
}

export interface AppendSize {
  /** The append's serialized size, counted as `maxAppendBytes` counts it. */
  readonly appendBytes: number;
  readonly events: number;
  readonly largestEventId: string;
  readonly largestEventBytes: number;
  readonly limitBytes: number;
}

/**
 * The append is larger than every store can take. Never retriable: the same events are refused
 * the same way every time, so the caller settles it (stores less, or fails what it was recording).
 */
export class AppendTooLargeError extends EventStoreError {
  readonly code = 'APPEND_TOO_LARGE';
  readonly retriable = false;

  constructor(
    readonly streamId: string,
    readonly size: AppendSize,
    options?: ErrorOptions,
  ) {
    super(
      `Append to ${streamId} is ${size.appendBytes} bytes serialized, over the limit of ${size.limitBytes} bytes ` +
        `(${size.events} event(s); the largest, ${size.largestEventId}, is ${size.largestEventBytes} bytes)`,
      options,
    );
  }
}

export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  readonly retriable = true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
