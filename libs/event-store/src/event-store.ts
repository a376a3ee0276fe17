/**
 * A value that survives a JSON round trip unchanged; event payloads are stored as JSON. Any string
 * is stored as given, U+0000 and lone surrogates included.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };

/**
 * An event as the caller hands it to the store. The id is the idempotency key: derive it
 * deterministically (e.g. UUIDv5 of job, piece and attempt) so that a retried or redelivered
 * append is recognised and written once.
 */
export interface EventToAppend {
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata?: JsonObject;
}

/**
 * The stream state an append requires. A revision is the 0-based index of the stream's last event.
 * - `'no_stream'`: the stream must not exist yet.
 * - `'stream_exists'`: the stream must have at least one event.
 * - `'any'`: no check.
 * - a bigint: the stream's last revision must equal it.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/**
 * A place in the store-wide order of events, compared with `comparePositions`. EventStoreDB's own
 * pair; on PostgreSQL `commit` is the writing transaction's id (xid8) and `prepare` the event's
 * sequence number. Opaque otherwise: only ever pass back positions the same store produced.
 */
export interface GlobalPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  readonly streamId: string;
  readonly streamRevision: bigint;
  readonly position: GlobalPosition;
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** The stream's last revision after the append: pass it as the next append's expected revision. */
  readonly nextExpectedRevision: bigint;
  /** The position of the append's last event, when the store reports one. */
  readonly position: GlobalPosition | undefined;
}

export interface AppendOptions {
  /** Defaults to `'any'`. */
  readonly expectedRevision?: ExpectedRevision;
}

export interface ReadStreamOptions {
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: the first event returned is the one after this position. */
  readonly after?: GlobalPosition;
  readonly maxCount?: number;
}

export interface SubscribeToAllOptions {
  /** Exclusive, as in `readAll`; from the very first event when absent. */
  readonly after?: GlobalPosition;
  /**
   * Called once per event, one call at a time, in the store's global order. A throw ends the
   * subscription: `finished` rejects with it.
   */
  readonly onEvent: (event: RecordedEvent) => Promise<void>;
}

export interface Subscription {
  /** Ends the subscription after the event being handled, if any; never rejects. */
  stop(): Promise<void>;
  /**
   * Settles when the subscription ends: resolves after `stop()`, rejects if the handler or the store
   * failed. The only place a failure is reported: watch it.
   */
  readonly finished: Promise<void>;
}

/** Durable subscription positions, moved only by compare-and-set so that two instances never both win. */
export interface CheckpointStore {
  read(subscriptionId: string): Promise<GlobalPosition | undefined>;
  /**
   * Stores `next` if the stored checkpoint still equals `expected` (`undefined`: none stored yet).
   * Returns false, storing nothing, when another writer moved it first.
   */
  store(subscriptionId: string, expected: GlobalPosition | undefined, next: GlobalPosition): Promise<boolean>;
}

/**
 * The event store port. Appends are atomic and idempotent on event ids; `readAll` and
 * subscriptions deliver every event exactly once, in a global order that never changes after the fact.
 */
export interface EventStore {
  /**
   * Appends all events or none. Re-sending a batch that is already stored (same ids, same order,
   * same stream: a retried append or a redelivered message) is a no-op that returns the original
   * append's `nextExpectedRevision`, whatever expected revision the retry names.
   *
   * @throws WrongExpectedRevisionError when the stream is not in the expected state.
   * @throws EventIdConflictError when only some of the ids are already stored, or stored elsewhere.
   * @throws InvalidAppendError for an empty batch, a malformed or repeated id.
   * @throws AppendTooLargeError when the serialized events weigh more than `maxAppendBytes`.
   * @throws EventStoreUnavailableError when the store cannot be reached (retriable).
   */
  appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult>;
  /** The stream's events in revision order; `[]` for a stream that does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The stream's last event, read without reading the rest; `undefined` for a stream that does not exist. */
  readLastEvent(streamId: string): Promise<RecordedEvent | undefined>;
  /** Events of all streams in global order, system events excluded. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** A catch-up subscription: every event after `after`, then live events as they are written. */
  subscribeToAll(options: SubscribeToAllOptions): Subscription;
  readonly checkpoints: CheckpointStore;
  /** Stops every subscription and releases connections. */
  close(): Promise<void>;
}
