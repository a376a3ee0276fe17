export type {
  AppendOptions,
  AppendResult,
  CheckpointStore,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  GlobalPosition,
  JsonObject,
  JsonValue,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from './event-store';
export { maxAppendBytes } from './append-validation';
export { AppendTooLargeError, EventIdConflictError, EventStoreError, EventStoreUnavailableError, InvalidAppendError, WrongExpectedRevisionError } from './errors';
export { comparePositions, deserializePosition, serializePosition, type SerializedPosition } from './position';
export { runCheckpointedSubscription, type CheckpointCadence, type CheckpointedSubscriptionOptions } from './checkpointed-subscription';
export { PostgreSqlEventStore, type PostgreSqlEventStoreOptions } from './postgresql/postgresql-event-store';
export { EventStoreDBEventStore } from './eventstoredb/eventstoredb-event-store';
