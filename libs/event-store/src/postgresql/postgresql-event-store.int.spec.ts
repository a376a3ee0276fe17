import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { harnessEnv } from '../../../../test/harness/env';
import { maxAppendBytes } from '../append-validation';
import { AppendTooLargeError, EventIdConflictError, EventStoreUnavailableError } from '../errors';
import type { GlobalPosition, RecordedEvent } from '../event-store';
import { comparePositions } from '../position';
import { testEventStore } from '../testing/event-store.contract';
import { eventually } from '../testing/eventually';
import { PostgreSqlEventStore } from './postgresql-event-store';

testEventStore('PostgreSQL', () => PostgreSqlEventStore.create({ connectionString: harnessEnv('DATABASE_URL'), schema: 'event_store_contract' }));

describe('PostgreSQL event store', () => {
  const schema = 'event_store_postgresql';
  let store: PostgreSqlEventStore;

  beforeAll(async () => {
    store = await PostgreSqlEventStore.create({ connectionString: harnessEnv('DATABASE_URL'), schema });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('never delivers an event ahead of one that took an earlier sequence number but commits later', async () => {
    const [slowStream, fastStream] = [`slow-${randomUUID()}`, `fast-${randomUUID()}`];
    const after = await positionOfNewMarker(store);
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll({
      after,
      onEvent: async (event) => {
        if (event.streamId === slowStream || event.streamId === fastStream) seen.push(event);
      },
    });
    const gate = commitGate();
    const gatedPool = new Pool({ connectionString: harnessEnv('DATABASE_URL') });
    gatedPool.on('connect', gate.install);
    const gatedStore = new PostgreSqlEventStore({ pool: gatedPool, schema });
    try {
      const slow = gatedStore.appendToStream(slowStream, [event('TakesTheEarlierNumber')]);
      await gate.reached;
      await store.appendToStream(fastStream, [event('CommitsFirst')]);

      // The later number is committed and visible to a plain query, but not delivered.
      const committed = await store.readStream(fastStream);
      expect(committed).toHaveLength(1);
      expect((await store.readAll({ after })).filter((e) => e.streamId === fastStream || e.streamId === slowStream)).toEqual([]);
      expect(seen).toEqual([]);

      gate.open();
      await slow;
      await eventually('both events to reach the subscriber', async () => seen.length === 2);

      expect(seen.map((e) => e.streamId)).toEqual([slowStream, fastStream]);
      const [first, second] = seen as [RecordedEvent, RecordedEvent];
      expect(first.position.prepare).toBeLessThan(second.position.prepare);
      expect(comparePositions(first.position, second.position)).toBeLessThan(0);
      const read = await store.readAll({ after });
      expect(read.filter((e) => e.streamId === fastStream || e.streamId === slowStream).map((e) => e.id)).toEqual(seen.map((e) => e.id));
    } finally {
      gate.open();
      await subscription.stop();
      await gatedStore.close();
      await gatedPool.end();
    }
  });

  it('keeps event ids unique across streams, also between concurrent appends', async () => {
    const events = [event('Shared'), event('Shared')];
    const streams = Array.from({ length: 4 }, () => `shared-${randomUUID()}`);

    const outcomes = await Promise.allSettled(streams.map((streamId) => store.appendToStream(streamId, events)));

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(EventIdConflictError);
    }
    const stored = await Promise.all(streams.map((streamId) => store.readStream(streamId)));
    expect(stored.flat().map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it('migrates one schema from 4 starters at once', async () => {
    const fresh = `event_store_migration_${randomUUID().slice(0, 8)}`;
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => PostgreSqlEventStore.create({ connectionString: harnessEnv('DATABASE_URL'), schema: fresh })),
    );
    try {
      await stores[0]?.appendToStream('migrated', [event('Migrated')], { expectedRevision: 'no_stream' });
      expect(await stores[3]?.readStream('migrated')).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('converts an events table of jsonb, made before json was chosen, once: its events read as before and new ones may hold U+0000', async () => {
    const legacy = `event_store_jsonb_${randomUUID().slice(0, 8)}`;
    const pool = new Pool({ connectionString: harnessEnv('DATABASE_URL') });
    const stored = { id: randomUUID(), data: { jobId: 'job-1', rows: [1, 2], reason: 'not a number' }, metadata: { correlationId: 'c-1' } };
    let stores: PostgreSqlEventStore[] = [];
    try {
      await createJsonbEventTables(pool, legacy, stored);

      stores = await Promise.all(Array.from({ length: 3 }, () => PostgreSqlEventStore.create({ connectionString: harnessEnv('DATABASE_URL'), schema: legacy })));
      const [first, second] = stores as [PostgreSqlEventStore, PostgreSqlEventStore];
      await second.migrate();

      expect(await columnTypes(pool, legacy)).toEqual({ data: 'json', metadata: 'json' });
      expect(await first.readStream('legacy')).toMatchObject([{ id: stored.id, type: 'Stored', data: stored.data, metadata: stored.metadata, streamRevision: 0n }]);
      const rejectedRow = { raw: '{"id":1,"name":"a\u0000b"}', lone: '\udead' };
      await first.appendToStream('legacy', [{ id: randomUUID(), type: 'RowRejected', data: rejectedRow }], { expectedRevision: 0n });
      expect((await second.readStream('legacy')).map((event) => event.data)).toEqual([stored.data, rejectedRow]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await pool.query(`DROP SCHEMA IF EXISTS "${legacy}" CASCADE`);
      await pool.end();
    }
  });

  it('refuses an append over maxAppendBytes before any I/O, even with the server unreachable', async () => {
    const unreachable = new PostgreSqlEventStore({ connectionString: 'postgres://postgres@127.0.0.1:1/nowhere' });
    try {
      const error = await unreachable
        .appendToStream('too-large', [{ id: randomUUID(), type: 'Large', data: { value: 'a'.repeat(maxAppendBytes) } }])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppendTooLargeError);
      expect(error).toMatchObject({ streamId: 'too-large', retriable: false });
    } finally {
      await unreachable.close();
    }
  });

  it('reports an unreachable server as a retriable EventStoreUnavailableError', async () => {
    const unreachable = new PostgreSqlEventStore({ connectionString: 'postgres://postgres@127.0.0.1:1/nowhere' });
    try {
      const error = await unreachable.readStream('any').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect(error).toMatchObject({ code: 'EVENT_STORE_UNAVAILABLE', retriable: true });
    } finally {
      await unreachable.close();
    }
  });
});

function event(type: string) {
  return { id: randomUUID(), type, data: {} };
}

/** The tables as the first release created them, data and metadata in jsonb, with one event in them. */
async function createJsonbEventTables(pool: Pool, schema: string, event: { id: string; data: object; metadata: object }): Promise<void> {
  await pool.query(`CREATE SCHEMA "${schema}"`);
  await pool.query(`CREATE TABLE "${schema}".streams (stream_id text PRIMARY KEY, revision bigint NOT NULL)`);
  await pool.query(`
    CREATE TABLE "${schema}".events (
      global_position bigserial PRIMARY KEY,
      transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      stream_id text NOT NULL,
      stream_revision bigint NOT NULL,
      event_id uuid NOT NULL UNIQUE,
      event_type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream_id, stream_revision)
    )`);
  await pool.query(`INSERT INTO "${schema}".streams VALUES ('legacy', 0)`);
  await pool.query(`INSERT INTO "${schema}".events (stream_id, stream_revision, event_id, event_type, data, metadata) VALUES ('legacy', 0, $1, 'Stored', $2, $3)`, [
    event.id,
    JSON.stringify(event.data),
    JSON.stringify(event.metadata),
  ]);
}

async function columnTypes(pool: Pool, schema: string): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'events' AND column_name IN ('data', 'metadata')`,
    [schema],
  );
  return Object.fromEntries(rows.map((row) => [row.column_name, row.data_type]));
}

async function positionOfNewMarker(store: PostgreSqlEventStore): Promise<GlobalPosition> {
  const result = await store.appendToStream(`marker-${randomUUID()}`, [event('MarkerWritten')]);
  if (!result.position) throw new Error('PostgreSQL always reports the position of an append');
  return result.position;
}

/**
 * Holds every transaction of the pool it is installed on at COMMIT until opened: the appender has
 * taken its sequence number and stays in flight, as a slow transaction would.
 */
function commitGate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let reach: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const install = (client: PoolClient): void => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
      if (args[0] === 'COMMIT') {
        reach();
        await opened;
      }
      return query(...args);
    };
  };
  return { install, reached, open: () => open() };
}
