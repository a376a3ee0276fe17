import { CheckpointTable, convertJsonbColumnsToJson, migrateUnderLock, quotedSchema } from '@import-jobs/postgres';
import type { Pool } from 'pg';

export interface SchemaNames {
  readonly schema: string;
  readonly streams: string;
  readonly events: string;
  readonly checkpoints: CheckpointTable;
  /** The LISTEN/NOTIFY channel that appends signal on. */
  readonly channel: string;
}

export function schemaNames(schema: string): SchemaNames {
  // 41 bytes keep `event_store_<schema>` within PostgreSQL's 63-byte channel names.
  const quoted = quotedSchema(schema, 41);
  return {
    schema: quoted,
    streams: `${quoted}.streams`,
    events: `${quoted}.events`,
    checkpoints: new CheckpointTable(`${quoted}.checkpoints`, 'subscription_id'),
    channel: `event_store_${schema}`,
  };
}

/**
 * Every statement is idempotent, so a starter may run them all on every start. The advisory lock
 * serialises concurrent starters: `CREATE ... IF NOT EXISTS` alone still races on the catalog's
 * unique indexes.
 */
export function migrate(pool: Pool, names: SchemaNames): Promise<void> {
  return migrateUnderLock(pool, `import-jobs/event-store/${names.schema}`, async (client) => {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${names.schema}`);
    // The stream row is the lock that serialises appenders to one stream, and holds its revision.
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${names.streams} (
        stream_id text PRIMARY KEY,
        revision bigint NOT NULL
      )`);
    // transaction_id is the writing transaction, so that readers can wait until every transaction
    // that might still add an earlier global_position has ended (a bigserial alone skips events).
    // data and metadata are json, not jsonb, so that any string round-trips (convertJsonbColumnsToJson
    // says why); the store never looks inside an event, so jsonb's operators and indexes are not missed.
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${names.events} (
        global_position bigserial PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id text NOT NULL,
        stream_revision bigint NOT NULL,
        event_id uuid NOT NULL UNIQUE,
        event_type text NOT NULL,
        data json NOT NULL,
        metadata json NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stream_id, stream_revision)
      )`);
    await convertJsonbColumnsToJson(client, names.events, ['data', 'metadata']);
    await client.query(`CREATE INDEX IF NOT EXISTS events_global_order ON ${names.events} (transaction_id, global_position)`);
    await names.checkpoints.create(client);
  });
}

