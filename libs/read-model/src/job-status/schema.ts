import { createHash } from 'node:crypto';
import { CheckpointTable, convertJsonbColumnsToJson, migrateUnderLock, quotedSchema } from '@import-jobs/postgres';
import type { Pool, PoolClient } from 'pg';

export interface ReadModelNames {
  readonly schemaName: string;
  readonly schema: string;
  readonly jobViews: string;
  readonly checkpoints: CheckpointTable;
  readonly jobViewChanges: string;
  /** Each planned piece's status, one row per piece, beside its job's view. */
  readonly jobPieces: string;
  /** The LISTEN/NOTIFY channel on which committed view changes are announced. */
  readonly channel: string;
}

export function readModelNames(schema: string): ReadModelNames {
  // The channel's name is hashed when too long (see channelOf), so any identifier will do.
  const quoted = quotedSchema(schema, 63);
  return {
    schemaName: schema,
    schema: quoted,
    jobViews: `${quoted}.job_views`,
    checkpoints: new CheckpointTable(`${quoted}.projection_checkpoints`, 'projection'),
    jobViewChanges: `${quoted}.job_view_changes`,
    jobPieces: `${quoted}.job_pieces`,
    channel: channelOf(schema),
  };
}

/** Channel names, like identifiers, stop at 63 bytes: a longer schema name is hashed, never cut (two would meet). */
function channelOf(schema: string): string {
  const plain = `job_views_${schema}`;
  return plain.length <= 63 ? plain : `job_views_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

/**
 * Idempotent, so every start runs it; the advisory lock serialises concurrent starters, since
 * `IF NOT EXISTS` alone still races on the catalog's unique indexes.
 */
export function migrate(pool: Pool, names: ReadModelNames): Promise<void> {
  return migrateUnderLock(pool, `import-jobs/read-model/${names.schemaName}`, async (client) => {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${names.schema}`);
    // Columns only for what queries filter and sort on; the view itself is a json document (not
    // jsonb: failures carry raw row text, and convertJsonbColumnsToJson says why that needs json).
    // job_id sorts bytewise (COLLATE "C") so that the listing order, and with it every cursor,
    // does not depend on the server's locale.
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${names.jobViews} (
        job_id text COLLATE "C" PRIMARY KEY,
        tenant_id text NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        view json NOT NULL
      )`);
    await convertJsonbColumnsToJson(client, names.jobViews, ['view']);
    await client.query(`CREATE INDEX IF NOT EXISTS job_views_newest_first ON ${names.jobViews} (tenant_id, created_at DESC, job_id DESC)`);
    await client.query(
      `CREATE INDEX IF NOT EXISTS job_views_by_status_newest_first ON ${names.jobViews} (tenant_id, status, created_at DESC, job_id DESC)`,
    );
    await names.checkpoints.create(client);
    // Every version of every view, as progress, so that a live stream resumed after a disconnect
    // replays each change it missed rather than only the latest state.
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${names.jobViewChanges} (
        job_id text COLLATE "C" NOT NULL,
        version bigint NOT NULL,
        tenant_id text NOT NULL,
        progress json NOT NULL,
        PRIMARY KEY (job_id, version)
      )`);
    await convertJsonbColumnsToJson(client, names.jobViewChanges, ['progress']);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${names.jobPieces} (
        job_id text COLLATE "C" NOT NULL,
        piece_id text COLLATE "C" NOT NULL,
        status text NOT NULL,
        PRIMARY KEY (job_id, piece_id)
      )`);
    await movePieceStatusesOutOfViews(client, names);
  });
}

/**
 * Views stored before the piece ledger held every piece's status (`pieceStatuses`): each moves to
 * the ledger, and the view keeps its count. A view already moved has no `pieceStatuses`, so a second
 * run changes nothing. The views are found by their text and moved here rather than by PostgreSQL's
 * json functions, which de-escape every string of a view and refuse the `\u0000` a row failure may
 * hold (the reason the views' table is json, not jsonb).
 */
async function movePieceStatusesOutOfViews(client: PoolClient, names: ReadModelNames): Promise<void> {
  const { rows } = await client.query<{ job_id: string; view: string }>(
    `SELECT job_id, view::text AS view FROM ${names.jobViews} WHERE strpos(view::text, '"pieceStatuses"') > 0`,
  );
  for (const row of rows) {
    const { pieceStatuses, ...view } = JSON.parse(row.view) as Record<string, unknown>;
    if (typeof pieceStatuses !== 'object' || pieceStatuses === null || Array.isArray(pieceStatuses)) continue;
    const statuses = Object.entries(pieceStatuses as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    await client.query(
      `INSERT INTO ${names.jobPieces} (job_id, piece_id, status) SELECT $1, piece_id, status FROM unnest($2::text[], $3::text[]) AS piece (piece_id, status)
       ON CONFLICT (job_id, piece_id) DO NOTHING`,
      [row.job_id, statuses.map(([pieceId]) => pieceId), statuses.map(([, status]) => status)],
    );
    await client.query(`UPDATE ${names.jobViews} SET view = $2::json WHERE job_id = $1`, [row.job_id, JSON.stringify({ ...view, plannedPieces: statuses.length })]);
  }
}
