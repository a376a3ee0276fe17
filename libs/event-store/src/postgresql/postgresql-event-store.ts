import { inTransaction, migrated, poolOf, type CheckpointTable, type PoolSource } from '@import-jobs/postgres';
import type { Pool, PoolClient } from 'pg';
import { validateAppend, type SerializedEvent } from '../append-validation';
import { EventIdConflictError, WrongExpectedRevisionError } from '../errors';
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
import { ChangeListener, Wakeup } from './change-listener';
import { translatePostgresError, uniqueViolationKey } from './postgresql-errors';
import { migrate, schemaNames, type SchemaNames } from './schema';

export type PostgreSqlEventStoreOptions = PoolSource & {
  /** Defaults to `public`. Tests pass their own to stay apart. */
  readonly schema?: string;
  /**
   * How long an idle subscription waits for a notification before reading anyway. The fallback for
   * events that become readable without a notification: when a transaction that is not an append
   * (and so does not notify) ends, events committed after it started become readable.
   */
  readonly pollIntervalMs?: number;
  /** How many events a subscription reads per query. */
  readonly batchSize?: number;
};

/** Before every real position: transaction ids and sequence numbers both start above zero. */
const origin: GlobalPosition = { commit: 0n, prepare: 0n };
const noStream = -1n;
const firstBlockedRetryMs = 10;

interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  event_type: string;
  data: JsonObject;
  metadata: JsonObject;
  recorded_at: Date;
}

const eventColumns =
  'global_position, transaction_id::text AS transaction_id, stream_id, stream_revision, event_id, event_type, data, metadata, recorded_at';

interface LoopControl {
  stopped: boolean;
  readonly wakeup: Wakeup;
}

interface RunningSubscription {
  readonly control: LoopControl;
  readonly finished: Promise<void>;
}

/**
 * The PostgreSQL adapter. Global order is (writing transaction id, sequence number), and readers
 * only see events whose transaction id is below the oldest transaction still running: a sequence
 * number alone is taken before commit, so a later number can become visible first and a reader
 * paging by it would skip the earlier one for good.
 */
export class PostgreSqlEventStore implements EventStore {
  readonly checkpoints: CheckpointStore;
  private readonly pool: Pool;
  private readonly closePool: () => Promise<void>;
  private readonly names: SchemaNames;
  private readonly listener: ChangeListener;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly subscriptions = new Set<RunningSubscription>();
  private closed = false;

  constructor(options: PostgreSqlEventStoreOptions) {
    this.names = schemaNames(options.schema ?? 'public');
    const { pool, close } = poolOf(options);
    this.pool = pool;
    this.closePool = close;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.batchSize = options.batchSize ?? 500;
    this.listener = new ChangeListener(this.pool, this.names.channel);
    this.checkpoints = new PostgreSqlCheckpointStore(this.pool, this.names.checkpoints);
  }

  /** A store whose schema is migrated and ready. */
  static create(options: PostgreSqlEventStoreOptions): Promise<PostgreSqlEventStore> {
    return migrated(new PostgreSqlEventStore(options));
  }

  /** Creates the schema's tables if missing; safe to run on every start, by several starters at once. */
  async migrate(): Promise<void> {
    await withTranslatedErrors(() => migrate(this.pool, this.names));
  }

  async appendToStream(streamId: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const { serialized } = validateAppend(streamId, events, expected);
    return withTranslatedErrors(() => inTransaction(this.pool, (client) => this.append(client, streamId, events, serialized, expected)));
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return withTranslatedErrors(async () => {
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${eventColumns} FROM ${this.names.events}
         WHERE stream_id = $1 AND stream_revision >= $2
         ORDER BY stream_revision
         LIMIT $3`,
        [streamId, (options.fromRevision ?? 0n).toString(), options.maxCount ?? null],
      );
      return rows.map(toRecordedEvent);
    });
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | undefined> {
    return withTranslatedErrors(async () => {
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${eventColumns} FROM ${this.names.events} WHERE stream_id = $1 ORDER BY stream_revision DESC LIMIT 1`,
        [streamId],
      );
      return rows.map(toRecordedEvent)[0];
    });
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return withTranslatedErrors(() => this.readAfter(options.after ?? origin, options.maxCount ?? null));
  }

  subscribeToAll({ after, onEvent }: SubscribeToAllOptions): Subscription {
    if (this.closed) throw new Error('The event store is closed');
    const control: LoopControl = { stopped: false, wakeup: new Wakeup() };
    const subscription: RunningSubscription = {
      control,
      finished: withTranslatedErrors(() => this.runSubscription(after ?? origin, onEvent, control)),
    };
    this.subscriptions.add(subscription);
    const forget = (): void => {
      this.subscriptions.delete(subscription);
      this.listener.unregister(control.wakeup);
    };
    subscription.finished.then(forget, forget);
    return {
      finished: subscription.finished,
      stop: () => this.stopSubscription(subscription),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => this.stopSubscription(subscription)));
    await this.listener.close();
    await this.closePool();
  }

  private async append(
    client: PoolClient,
    streamId: string,
    events: readonly EventToAppend[],
    serialized: readonly SerializedEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    // Creating the row if missing and then locking it serialises every appender to this stream,
    // including the first ones; everything below runs as if alone.
    await client.query(`INSERT INTO ${this.names.streams} (stream_id, revision) VALUES ($1, $2) ON CONFLICT (stream_id) DO NOTHING`, [
      streamId,
      noStream.toString(),
    ]);
    const locked = await client.query<{ revision: string }>(`SELECT revision FROM ${this.names.streams} WHERE stream_id = $1 FOR UPDATE`, [streamId]);
    const current = BigInt(locked.rows[0]?.revision ?? noStream);

    // Checked under the lock, so that a retry racing its own original sees the original committed.
    const retried = await this.findRetriedAppend(client, streamId, events);
    if (retried) return retried;
    if (!matchesExpected(expected, current)) throw new WrongExpectedRevisionError(streamId, expected, current === noStream ? 'no_stream' : current);

    const ids = events.map((event) => event.id);
    let inserted;
    try {
      inserted = await client.query<{ transaction_id: string; global_position: string }>(
        `INSERT INTO ${this.names.events} (stream_id, stream_revision, event_id, event_type, data, metadata)
         SELECT $1, $2::bigint + e.ordinality, e.id, e.type, e.data::json, e.metadata::json
         FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS e(id, type, data, metadata, ordinality)
         ORDER BY e.ordinality
         RETURNING transaction_id::text AS transaction_id, global_position`,
        [
          streamId,
          current.toString(),
          ids,
          events.map((event) => event.type),
          serialized.map((event) => event.data),
          serialized.map((event) => event.metadata),
        ],
      );
    } catch (error) {
      // Only an append to another stream, committed since the check above, can hold these ids:
      // appends to this stream wait for the lock. PostgreSQL names the first clashing id.
      const clashing = uniqueViolationKey(error, 'events_event_id_key');
      if (clashing !== undefined) throw new EventIdConflictError(streamId, clashing ? [clashing] : ids, { cause: error });
      throw error;
    }
    const next = current + BigInt(events.length);
    await client.query(`UPDATE ${this.names.streams} SET revision = $2 WHERE stream_id = $1`, [streamId, next.toString()]);
    // Delivered only if and when this transaction commits.
    await client.query("SELECT pg_notify($1, '')", [this.names.channel]);
    const last = inserted.rows.reduce((a, b) => (BigInt(a.global_position) > BigInt(b.global_position) ? a : b));
    return { nextExpectedRevision: next, position: { commit: BigInt(last.transaction_id), prepare: BigInt(last.global_position) } };
  }

  /** The original result if this exact batch is already in the stream; throws if only part of it is stored. */
  private async findRetriedAppend(client: PoolClient, streamId: string, events: readonly EventToAppend[]): Promise<AppendResult | undefined> {
    const ids = events.map((event) => event.id);
    const { rows } = await client.query<{ event_id: string; stream_id: string; stream_revision: string; transaction_id: string; global_position: string }>(
      `SELECT event_id, stream_id, stream_revision, transaction_id::text AS transaction_id, global_position
       FROM ${this.names.events} WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    if (rows.length === 0) return undefined;
    const stored = new Map(rows.map((row) => [row.event_id, row]));
    const first = stored.get(ids[0] ?? '');
    const sameBatch =
      first !== undefined &&
      ids.every((id, index) => {
        const row = stored.get(id);
        return row?.stream_id === streamId && BigInt(row.stream_revision) === BigInt(first.stream_revision) + BigInt(index);
      });
    if (!sameBatch) throw new EventIdConflictError(streamId, ids.filter((id) => stored.has(id)));
    const last = rows.reduce((a, b) => (BigInt(a.stream_revision) > BigInt(b.stream_revision) ? a : b));
    return {
      nextExpectedRevision: BigInt(last.stream_revision),
      position: { commit: BigInt(last.transaction_id), prepare: BigInt(last.global_position) },
    };
  }

  private async readAfter(after: GlobalPosition, maxCount: number | null): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${eventColumns} FROM ${this.names.events}
       WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         AND (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
       ORDER BY transaction_id, global_position
       LIMIT $3`,
      [after.commit.toString(), after.prepare.toString(), maxCount],
    );
    return rows.map(toRecordedEvent);
  }

  /** Whether committed events wait behind a transaction that is still running. */
  private async hasEventsBehindRunningTransactions(): Promise<boolean> {
    const { rows } = await this.pool.query<{ waiting: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${this.names.events} WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS waiting`,
    );
    return rows[0]?.waiting ?? false;
  }

  private async runSubscription(
    after: GlobalPosition,
    onEvent: (event: RecordedEvent) => Promise<void>,
    control: LoopControl,
  ): Promise<void> {
    const { wakeup } = control;
    this.listener.register(wakeup);
    let position = after;
    let blockedRetryMs = firstBlockedRetryMs;
    while (!control.stopped) {
      await this.listener.ensureListening();
      wakeup.clear();
      const page = await this.readAfter(position, this.batchSize);
      for (const event of page) {
        if (control.stopped) return;
        await onEvent(event);
        position = event.position;
      }
      if (page.length === this.batchSize) continue;
      if (await this.hasEventsBehindRunningTransactions()) {
        // They become readable when that transaction ends, which notifies only if it is an append.
        await wakeup.wait(blockedRetryMs);
        blockedRetryMs = Math.min(blockedRetryMs * 2, this.pollIntervalMs);
      } else {
        blockedRetryMs = firstBlockedRetryMs;
        await wakeup.wait(this.pollIntervalMs);
      }
    }
  }

  private async stopSubscription(subscription: RunningSubscription): Promise<void> {
    subscription.control.stopped = true;
    subscription.control.wakeup.signal();
    await subscription.finished.catch(() => undefined);
  }

}

class PostgreSqlCheckpointStore implements CheckpointStore {
  constructor(
    private readonly pool: Pool,
    private readonly table: CheckpointTable,
  ) {}

  read(subscriptionId: string): Promise<GlobalPosition | undefined> {
    return withTranslatedErrors(() => this.table.read(this.pool, subscriptionId));
  }

  store(subscriptionId: string, expected: GlobalPosition | undefined, next: GlobalPosition): Promise<boolean> {
    return withTranslatedErrors(() => this.table.move(this.pool, subscriptionId, expected, next));
  }
}

function matchesExpected(expected: ExpectedRevision, current: bigint): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === noStream;
    case 'stream_exists':
      return current !== noStream;
    default:
      return current === expected;
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    streamRevision: BigInt(row.stream_revision),
    position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) },
    recordedAt: row.recorded_at,
  };
}

async function withTranslatedErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translatePostgresError(error);
  }
}
