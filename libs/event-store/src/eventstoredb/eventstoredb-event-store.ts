import {
  ANY,
  BACKWARDS,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { validateAppend } from '../append-validation';
import { AppendTooLargeError, EventIdConflictError, EventStoreError, EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  CheckpointStore,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  GlobalPosition,
  JsonObject,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store';
import { comparePositions, deserializePosition, samePosition, serializePosition } from '../position';

/** Checkpoints live in streams of their own; readers of $all never see them, as on PostgreSQL. */
const checkpointStreamPrefix = 'subscription-checkpoint-';
const checkpointEventType = 'SubscriptionCheckpointStored';

type StoredEvent = NonNullable<ResolvedEvent['event']> | NonNullable<AllStreamResolvedEvent['event']>;

/**
 * The EventStoreDB adapter. EventStoreDB de-duplicates a re-sent event id reliably only when the
 * append names an expected revision; with `'any'` it relies on a bounded cache of recent ids.
 */
export class EventStoreDBEventStore implements EventStore {
  readonly checkpoints: CheckpointStore;
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly client: EventStoreDBClient) {
    this.checkpoints = new EventStoreDBCheckpointStore(client);
  }

  /** E.g. `esdb://localhost:2113?tls=false`. */
  static fromConnectionString(connectionString: string): EventStoreDBEventStore {
    return new EventStoreDBEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  async appendToStream(streamId: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    // The client serializes data and metadata with JSON.stringify and sends its UTF-8, as the size
    // check did: what passed it is what the server weighs. JSON.stringify writes U+0000 and lone
    // surrogates as escapes, and the client parses them back with JSON.parse, so both round-trip.
    const { size } = validateAppend(streamId, events, expected);
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((event) => jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata ?? {} })),
        { expectedRevision: toAppendExpectedRevision(expected) },
      );
      return { nextExpectedRevision: result.nextExpectedRevision, position: result.position };
    } catch (thrown) {
      const error = asCommandError(thrown);
      // A server configured below the default limit refuses what passed the check, as it will on
      // every retry.
      if (error instanceof MaxAppendSizeExceededError) {
        throw new AppendTooLargeError(streamId, { ...size, limitBytes: error.maxAppendSize }, { cause: error });
      }
      if (!(error instanceof WrongExpectedVersionError)) throw translateEventStoreDBError(error);
      // The server answers a batch that is partly stored already with a wrong expected version,
      // without saying so: look for the ids where it compared them.
      const stored = await this.storedIds(streamId, events, expected);
      if (stored.length > 0) throw new EventIdConflictError(streamId, stored, { cause: error });
      const actual = error.actualVersion;
      throw new WrongExpectedRevisionError(streamId, expected, actual === NO_STREAM || actual < 0n ? 'no_stream' : actual, { cause: error });
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: FORWARDS,
        fromRevision: options.fromRevision ?? START,
        ...(options.maxCount !== undefined && { maxCount: options.maxCount }),
      });
      for await (const resolved of read) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw translateEventStoreDBError(error);
    }
    return events;
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | undefined> {
    try {
      for await (const resolved of this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        if (resolved.event) return toRecordedEvent(resolved.event);
      }
      return undefined;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw translateEventStoreDBError(error);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { after, maxCount = Number.MAX_SAFE_INTEGER } = options;
    const events: RecordedEvent[] = [];
    if (maxCount <= 0) return events;
    // Reads take no server-side filter: system events are skipped here, so the server cannot know
    // how many to send, and the read is cancelled once enough arrived.
    const read = this.client.readAll({ direction: FORWARDS, fromPosition: after ?? START });
    try {
      for await (const resolved of read) {
        const event = resolved.event;
        if (!event || !isApplicationEvent(event)) continue;
        // fromPosition is inclusive for reads; `after` is not.
        if (after && comparePositions(event.position, after) <= 0) continue;
        events.push(toRecordedEvent(event));
        if (events.length >= maxCount) break;
      }
      // Leaving the loop only unpipes the gRPC call; cancelling ends it on the server too.
      if (events.length >= maxCount) await read.cancel();
    } catch (error) {
      throw translateEventStoreDBError(error);
    }
    return events;
  }

  subscribeToAll({ after, onEvent }: SubscribeToAllOptions): Subscription {
    const stream = this.client.subscribeToAll({ fromPosition: after ?? START, filter: excludeSystemEvents() });
    let stopped = false;
    const run = async (): Promise<void> => {
      try {
        for await (const resolved of stream) {
          if (stopped) return;
          const event = resolved.event;
          if (!event || !isApplicationEvent(event)) continue;
          // Guards the exclusive start whatever the server version does at the boundary.
          if (after && comparePositions(event.position, after) <= 0) continue;
          await onEvent(toRecordedEvent(event));
        }
      } catch (error) {
        if (stopped) return;
        throw translateEventStoreDBError(error);
      }
      if (!stopped) throw new EventStoreUnavailableError('EventStoreDB ended the subscription');
    };
    const finished = run();
    const subscription: Subscription = {
      finished,
      stop: async () => {
        stopped = true;
        // A subscription that already failed has nothing left to cancel; its failure is in `finished`.
        await stream.unsubscribe().catch(() => undefined);
        await finished.catch(() => undefined);
      },
    };
    this.subscriptions.add(subscription);
    const forget = (): void => void this.subscriptions.delete(subscription);
    finished.then(forget, forget);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  /** Which of the batch's ids the stream holds where the server compared them (the whole stream for 'any'). */
  private async storedIds(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<string[]> {
    const ids = new Set(events.map((event) => event.id));
    const window =
      expected === 'no_stream'
        ? { fromRevision: 0n, maxCount: events.length }
        : typeof expected === 'bigint'
          ? { fromRevision: expected + 1n, maxCount: events.length }
          : {};
    const stored = await this.readStream(streamId, window);
    return stored.filter((event) => ids.has(event.id)).map((event) => event.id);
  }
}

class EventStoreDBCheckpointStore implements CheckpointStore {
  constructor(private readonly client: EventStoreDBClient) {}

  async read(subscriptionId: string): Promise<GlobalPosition | undefined> {
    return (await this.latest(subscriptionId))?.position;
  }

  async store(subscriptionId: string, expected: GlobalPosition | undefined, next: GlobalPosition): Promise<boolean> {
    const streamId = checkpointStreamPrefix + subscriptionId;
    const latest = await this.latest(subscriptionId);
    if (!samePosition(latest?.position, expected)) return false;
    try {
      // Only the newest checkpoint matters; the server may scavenge the rest.
      if (latest === undefined) await this.client.setStreamMetadata(streamId, { maxCount: 1 });
      await this.client.appendToStream(streamId, jsonEvent({ type: checkpointEventType, data: { ...serializePosition(next) } }), {
        // The compare-and-set: fails if anyone stored a checkpoint since `latest` was read.
        expectedRevision: latest?.revision ?? NO_STREAM,
      });
      return true;
    } catch (error) {
      if (asCommandError(error) instanceof WrongExpectedVersionError) return false;
      throw translateEventStoreDBError(error);
    }
  }

  private async latest(subscriptionId: string): Promise<{ position: GlobalPosition; revision: bigint } | undefined> {
    try {
      const read = this.client.readStream(checkpointStreamPrefix + subscriptionId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
      for await (const resolved of read) {
        if (resolved.event) return { position: deserializePosition(resolved.event.data), revision: resolved.event.revision };
      }
      return undefined;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw translateEventStoreDBError(error);
    }
  }
}

function toAppendExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

function isApplicationEvent(event: StoredEvent): boolean {
  return !event.type.startsWith('$') && !event.streamId.startsWith(checkpointStreamPrefix);
}

function toRecordedEvent(event: StoredEvent): RecordedEvent {
  if (!event.isJson) throw new TypeError(`Event ${event.id} in ${event.streamId} is not JSON; this store writes JSON only`);
  if (!event.position) throw new TypeError(`EventStoreDB gave no position for event ${event.id}; it needs server version 22.6 or later`);
  return {
    id: event.id,
    type: event.type,
    data: event.data as JsonObject,
    metadata: isJsonObject(event.metadata) ? event.metadata : {},
    streamId: event.streamId,
    streamRevision: event.revision,
    position: event.position,
    recordedAt: event.created,
  };
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Some calls (appends, among them) reject with the raw gRPC error rather than the client's own. */
function asCommandError(error: unknown): unknown {
  return error instanceof Error ? convertToCommandError(error) : error;
}

function translateEventStoreDBError(thrown: unknown): unknown {
  const error = asCommandError(thrown);
  if (error instanceof EventStoreError || !(error instanceof Error)) return error;
  const unreachable =
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    // Thrown as a plain Error when no node of the cluster answers.
    /Failed to discover/.test(error.message);
  return unreachable ? new EventStoreUnavailableError(`EventStoreDB is unavailable: ${error.message}`, { cause: error }) : error;
}
